/** What every service function receives: the database, the clock and who is acting (STYLE: time is injected). */
import type { Config } from '../config.ts';
import type { AuditActor } from './audit.ts';
import type { Db } from './db.ts';
import type { SecretBox } from './secrets.ts';

export interface Clock { now(): Date }
export const systemClock: Clock = { now: () => new Date() };

/** Installation-wide things a server holds once: database, clock, settings, encryption key. */
export interface AppDeps {
  db: Db;
  clock: Clock;
  config: Config;
  secrets: SecretBox;
  databaseKind: 'embedded' | 'postgres';
  /** The filtering front-ends this process runs, once started (the PAC file names the proxy's bound port). */
  frontEnds?: { proxyPort?: number; dnsPort?: number };
  /** The e-mail outbox sender `osprey serve` runs; modules nudge it after queueing urgent mail (alerts). */
  mailer?: { nudge(): Promise<unknown> };
}

export interface ServiceContext {
  db: Db;
  clock: Clock;
  actor: AuditActor & { schoolId: string };
}
