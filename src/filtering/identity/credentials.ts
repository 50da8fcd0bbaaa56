/**
 * Checking a username and password for the proxy (`Proxy-Authorization: Basic`) and the web log-on page, against
 * Osprey accounts. argon2id takes tens of milliseconds by design, and a browser sends the header with every request,
 * so a successful check is remembered for a few minutes, keyed by a SHA-256 of the header (the password itself is
 * never kept). Failures are throttled per address, and every wrong password counts towards the account's own lock-out,
 * shared with the log-in page (issue 11: counted before the password is checked, the same answer for a locked account
 * whatever the password). A browser repeating the same old saved password is one wrong guess, not one per request:
 * a credential that was just found wrong is answered from memory for a few minutes without counting again.
 */
import { createHash } from 'node:crypto';
import { decoyHash, verifyPassword } from '../../platform/auth/passwords.ts';
import { attemptPassword } from '../../platform/auth/service.ts';
import type { Config } from '../../config.ts';
import { FailureThrottle } from '../../platform/auth/throttle.ts';
import type { Clock } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { accountForCheck, groupIdsOfPeople } from './store.ts';
import type { PersonIdentity } from './table.ts';

export type CredentialResult =
  | { ok: true; person: PersonIdentity }
  | { ok: false; reason: 'wrong' | 'locked' | 'throttled' | 'malformed'; retryAfterMs?: number };

export const SUCCESS_CACHE_MS = 5 * 60_000;
const CACHE_LIMIT = 10_000;

export const headerKey = (header: string) => createHash('sha256').update(header).digest('base64url');

/** 'Basic dXNlcjpwYXNz' → { username, password }, or null when it is not a Basic credential. */
export function parseBasic(header: string): { username: string; password: string } | null {
  const m = /^\s*basic\s+([A-Za-z0-9+/=_-]{1,1000})\s*$/i.exec(header);
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return { username: text.slice(0, colon).trim().toLowerCase(), password: text.slice(colon + 1) };
}

const credentialKey = (username: string, password: string) => createHash('sha256').update(`${username}\u0000${password}`).digest('base64url');

export class CredentialChecker {
  private readonly successes = new Map<string, { person: PersonIdentity; until: number }>();
  /** Credentials just found wrong: the same guess again is answered without counting or checking again. */
  private readonly recentWrong = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<CredentialResult>>();
  private readonly throttle: FailureThrottle;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly config: Pick<Config, 'loginMaxFailures' | 'lockoutMinutes'>, opts: { failureLimit?: number; failureWindowMs?: number } = {}) {
    this.throttle = new FailureThrottle(opts.failureLimit ?? 10, opts.failureWindowMs ?? 10 * 60_000);
  }

  /** A `Proxy-Authorization` header from a client at `ip`. */
  checkHeader(header: string, ip: string): Promise<CredentialResult> {
    const key = headerKey(header);
    const now = this.clock.now().getTime();
    const hit = this.successes.get(key);
    if (hit && hit.until > now) return Promise.resolve({ ok: true, person: hit.person });
    const parsed = parseBasic(header);
    if (!parsed) return Promise.resolve({ ok: false, reason: 'malformed' });
    // a page load sends many requests with the same header at once: one argon2 check serves them all
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.checkPassword(parsed.username, parsed.password, ip, 'proxy').then((result) => {
        if (result.ok) this.remember(key, result.person);
        return result;
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** A username and password typed into the web log-on page (not cached: it is asked once per session). */
  async checkPassword(username: string, password: string, ip: string, via = 'web log-on page'): Promise<CredentialResult> {
    const now = this.clock.now().getTime();
    const wait = this.throttle.retryAfter(ip, now);
    if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
    const guess = credentialKey(username.trim().toLowerCase(), password);
    const seen = this.recentWrong.get(guess);
    if (seen !== undefined && now - seen < SUCCESS_CACHE_MS) return { ok: false, reason: 'wrong' };
    // Counted before the check, so guesses sent at the same moment all count (taken back when it was right).
    this.throttle.recordFailure(ip, now);
    const account = await accountForCheck(this.db, username);
    if (!account?.passwordHash) {
      await verifyPassword(await decoyHash(), password);
      this.rememberWrong(guess, now);
      return { ok: false, reason: 'wrong' };
    }
    const check = await attemptPassword({ db: this.db, clock: this.clock, config: this.config },
      { personId: account.personId, username: account.username, schoolId: account.schoolId }, account.passwordHash, password, ip, via);
    if (check === 'locked') return { ok: false, reason: 'locked' };
    if (check === 'wrong' || account.status !== 'active') {
      this.rememberWrong(guess, now);
      return { ok: false, reason: 'wrong' };
    }
    this.throttle.forgive(ip, now);
    const groupIds = (await groupIdsOfPeople(this.db, [account.personId])).get(account.personId) ?? [];
    return { ok: true, person: { schoolId: account.schoolId, personId: account.personId, username: account.username, groupIds } };
  }

  /** Forgets remembered answers, so a changed password or group takes effect at the next request. */
  forget(): void {
    this.successes.clear();
    this.recentWrong.clear();
  }

  private rememberWrong(key: string, now: number): void {
    if (this.recentWrong.size >= CACHE_LIMIT) this.recentWrong.delete(this.recentWrong.keys().next().value as string);
    this.recentWrong.set(key, now);
  }

  private remember(key: string, person: PersonIdentity): void {
    if (this.successes.size >= CACHE_LIMIT) this.successes.delete(this.successes.keys().next().value as string);
    this.successes.set(key, { person, until: this.clock.now().getTime() + SUCCESS_CACHE_MS });
  }
}
