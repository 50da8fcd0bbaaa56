/** What every service function receives: the database, the clock and who is acting (STYLE: time is injected). */
import type { Config } from '../config.ts';
import type { PeopleDirectory } from './people.ts';
import type { AuditActor } from './audit.ts';
import type { Db } from './db.ts';
import type { SecretBox } from './secrets.ts';
import type { ServerHealth } from './schemas.ts';

export interface Clock { now(): Date }
export const systemClock: Clock = { now: () => new Date() };

/** Installation-wide things a server holds once: database, clock, settings, encryption key. */
export interface AppDeps {
  db: Db;
  clock: Clock;
  config: Config;
  secrets: SecretBox;
  databaseKind: 'embedded' | 'postgres';
  /** The directory's people, as log-on, sessions and set-up read them (platform/people.ts). */
  people: PeopleDirectory;
  /**
   * What `osprey serve` is running, asked when needed (absent in commands and tests that run no server). The
   * composition root hands it in when it builds these dependencies, which are never changed afterwards.
   */
  status?: ServerStatus;
}

/** The running server's state, as routes read it (src/app/server.ts answers). */
export interface ServerStatus {
  /** How the background work is doing (for /metrics and the System status page); undefined until it has started. */
  health(): ServerHealth | undefined;
  /** The filtering front-ends' bound ports, once started (the PAC file names the proxy's). */
  frontEnds(): { proxyPort?: number; dnsPort?: number };
}

export type { ServerHealth };

export interface ServiceContext {
  db: Db;
  clock: Clock;
  actor: AuditActor & { schoolId: string };
}

/**
 * Runs `work` in one database transaction with a context whose `db` is that transaction: everything it writes is
 * stored together or not at all. Inside a transaction already (a service called by another), it joins that one, so
 * services compose without committing half of a change.
 */
export function withTransaction<C extends { db: Db }, T>(ctx: C, work: (ctx: C) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return work(ctx);
  return ctx.db.transaction().execute((tx) => work({ ...ctx, db: tx }));
}
