/**
 * Log-on, sessions, passwords and two-step verification (R1.5, R1.6). Accounts and sessions are this module's
 * tables; people and roles come from the directory (through AuthDeps.people).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { authenticator } from 'otplib';
import QRCode from 'qrcode';
import type { Config } from '../../config.ts';
import { appendAudit, type AuditActor } from '../audit.ts';
import type { Clock } from '../context.ts';
import type { Db } from '../db.ts';
import type { PeopleDirectory, PersonRecord } from '../people.ts';
import { AppError, badRequest } from '../errors.ts';
import { isEmailAddress, queueMail } from '../mail.ts';
import { mfaRequiredFor, STAFF_ROLES } from '../permissions.ts';
import type { SecretBox } from '../secrets.ts';
import { decoyHash, hashPassword, passwordProblem, temporaryPassword, verifyPassword } from './passwords.ts';

export interface AuthDeps { db: Db; clock: Clock; config: Config; secrets: SecretBox }
/** Log-on and sessions also read people, through the directory's reader (platform/people.ts). */
export type SessionDeps = AuthDeps & { people: PeopleDirectory };

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface SessionInfo {
  token: string;
  csrfToken: string;
}

export interface CurrentUser {
  person: PersonRecord;
  sessionHash: string;
  csrfToken: string;
  mustChangePassword: boolean;
  mfaEnrolled: boolean;
  mfaRequired: boolean;
  /** Two-step verification was completed in this session (a code at log-on, or enrolment during it). */
  mfaVerified: boolean;
}

const wrongCredentials = (config: Config) => new AppError(401, 'wrong_credentials',
  `The username or password is not right. Check them and try again. After ${config.loginMaxFailures} wrong tries the account is locked for ${config.lockoutMinutes} minutes.`);

/** Tells the person by e-mail that something changed on their account (when Osprey has their address). */
async function tellPerson(db: Parameters<typeof queueMail>[0], person: PersonRecord, subject: string, text: string, now: Date) {
  if (!person.email || !isEmailAddress(person.email)) return;
  await queueMail(db, { schoolId: person.schoolId, purpose: 'account_notice', to: person.email, subject, text }, now);
}

function rotationDue(deps: AuthDeps, person: PersonRecord, changedAt: Date | null): boolean {
  const days = deps.config.staffPasswordRotationDays;
  if (!days || !person.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r))) return false;
  if (!changedAt) return true;
  return deps.clock.now().getTime() - new Date(changedAt).getTime() > days * 86_400_000;
}

/** The 30-second step a code belongs to when it is valid now (one step of clock drift either way), else null. */
function totpStep(secret: string, code: string, now: Date): number | null {
  const totp = authenticator.clone({ epoch: now.getTime(), window: 1 });
  const delta = totp.checkDelta(code.replace(/\s+/g, ''), secret);
  return delta === null ? null : Math.floor(now.getTime() / 30_000) + delta;
}

/** Accepts a code once: a code seen by someone looking over a shoulder cannot be replayed in the same window. */
async function useTotp(db: Db, personId: string, secret: string, code: string, now: Date): Promise<boolean> {
  const step = totpStep(secret, code, now);
  if (step === null) return false;
  const r = await db.updateTable('accounts').set({ mfa_last_step: step }).where('person_id', '=', personId)
    .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', step)])).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

async function useRecoveryCode(db: Db, personId: string, code: string, now: Date): Promise<boolean> {
  const normalised = code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
  const r = await db.updateTable('recovery_codes').set({ used_at: now })
    .where('person_id', '=', personId).where('code_hash', '=', sha256(normalised)).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

const accountLocked = (until: Date | null) => {
  const when = until ? ` after ${until.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' })}` : ' later';
  return new AppError(423, 'account_locked', `This account is locked after too many wrong passwords. Try again${when}, or ask an Osprey administrator to unlock it.`);
};

export type PasswordCheck = 'ok' | 'wrong' | 'locked';
interface AccountHolder { personId: string; username: string; schoolId: string }
type LockoutDeps = Pick<AuthDeps, 'db' | 'clock'> & { config: Pick<Config, 'loginMaxFailures' | 'lockoutMinutes'> };

/**
 * One password attempt against an account's lockout, wherever it comes from: the log-in page, the proxy's password
 * prompt, the web log-on page or a filter node (issue 11). The attempt is counted *before* the password is checked, so
 * guesses sent at the same moment cannot all be checked before the lock falls: only the first `loginMaxFailures` are
 * checked, the rest find the account locked. A locked account gets the same answer whatever the password (the
 * password is not even checked), so the lock cannot be used to confirm a guess. A right password takes its count back.
 */
export async function attemptPassword(deps: LockoutDeps, who: AccountHolder, passwordHash: string, password: string, ip: string | null, via: string, opts: { secondFactorFollows?: boolean } = {}): Promise<PasswordCheck> {
  const { db, clock, config } = deps;
  const now = clock.now();
  const counted = await db.updateTable('accounts').set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('person_id', '=', who.personId).where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returning('failed_attempts').executeTakeFirst();
  if (!counted) {
    await verifyPassword(await decoyHash(), password); // the same time as a real check
    return 'locked';
  }
  if (counted.failed_attempts > config.loginMaxFailures) {
    await lockAccount(deps, who, ip, via, 'too many attempts at once');
    return 'locked';
  }
  if (await verifyPassword(passwordHash, password)) {
    // With a two-step code still to come, only this attempt's count is taken back (the count is cleared when the
    // code is right too); otherwise someone who knows the password could try codes for ever.
    await db.updateTable('accounts').set((eb) => ({ failed_attempts: opts.secondFactorFollows ? sql<number>`greatest(${eb.ref('failed_attempts')} - 1, 0)` : 0 }))
      .where('person_id', '=', who.personId).execute();
    return 'ok';
  }
  if (counted.failed_attempts >= config.loginMaxFailures) await lockAccount(deps, who, ip, via, 'wrong password');
  else await appendAudit(db, { id: who.personId, label: who.username, ip, schoolId: who.schoolId }, { action: 'auth.login_failed', entityType: 'person', entityId: who.personId, details: { reason: 'wrong password', via } }, now);
  return 'wrong';
}

/** A failure found after the password was right (a wrong two-step code): counted, and locks at the limit. */
async function countFailure(deps: LockoutDeps, who: AccountHolder, ip: string | null, via: string, reason: string) {
  const counted = await deps.db.updateTable('accounts').set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('person_id', '=', who.personId).returning('failed_attempts').executeTakeFirstOrThrow();
  if (counted.failed_attempts >= deps.config.loginMaxFailures) await lockAccount(deps, who, ip, via, reason);
  else await appendAudit(deps.db, { id: who.personId, label: who.username, ip, schoolId: who.schoolId }, { action: 'auth.login_failed', entityType: 'person', entityId: who.personId, details: { reason, via } }, deps.clock.now());
}

async function lockAccount(deps: LockoutDeps, who: AccountHolder, ip: string | null, via: string, reason: string) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    // Only the attempt that sets the lock records it; the others arriving at the same moment find it set.
    const r = await tx.updateTable('accounts').set({ failed_attempts: 0, locked_until: new Date(now.getTime() + deps.config.lockoutMinutes * 60_000) })
      .where('person_id', '=', who.personId).where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)])).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) {
      await appendAudit(tx, { id: who.personId, label: who.username, ip, schoolId: who.schoolId }, { action: 'auth.account_locked', entityType: 'person', entityId: who.personId, details: { reason, via } }, now);
    }
  });
}

export interface LogInRequest { username: string; password: string; code?: string; ip: string; userAgent?: string }
export type LogInResult = { status: 'ok'; session: SessionInfo } | { status: 'mfa_required' };

export async function logIn(deps: SessionDeps, req: LogInRequest): Promise<LogInResult> {
  const { db, clock, config } = deps;
  const now = clock.now();
  const person = await deps.people.findPersonByUsername(db, req.username);
  const account = person && await db.selectFrom('accounts').selectAll().where('person_id', '=', person.id).executeTakeFirst();
  const actor: AuditActor = { id: person?.id ?? null, label: person?.username ?? req.username.slice(0, 100), ip: req.ip, schoolId: person?.schoolId };
  if (!person || !account?.password_hash) {
    await verifyPassword(await decoyHash(), req.password);
    throw wrongCredentials(config);
  }
  const check = await attemptPassword(deps, { personId: person.id, username: person.username, schoolId: person.schoolId }, account.password_hash, req.password, req.ip, 'log-in',
    { secondFactorFollows: Boolean(account.mfa_enabled_at) });
  if (check === 'locked') {
    const lock = await db.selectFrom('accounts').select('locked_until').where('person_id', '=', person.id).executeTakeFirst();
    throw accountLocked(lock?.locked_until ? new Date(lock.locked_until) : null);
  }
  const passwordOk = check === 'ok';
  // Only someone who knows the password learns that the account has been closed; a guess gets the usual answer.
  if (passwordOk && person.status !== 'active') {
    throw new AppError(403, 'account_disabled', 'This account is no longer active. If you think that is wrong, speak to the school office or the network manager.');
  }
  if (!passwordOk) throw wrongCredentials(config);
  // A temporary password works for a limited time (issue 11): one written down and forgotten is no use later.
  if (account.must_change_password && account.password_changed_at
    && now.getTime() - new Date(account.password_changed_at).getTime() > config.temporaryPasswordHours * 3_600_000) {
    throw new AppError(401, 'temporary_password_expired', `This temporary password has expired (they work for ${config.temporaryPasswordHours} hours). Ask an Osprey administrator or the network manager for a new one.`);
  }
  if (account.mfa_enabled_at && account.mfa_secret) {
    if (!req.code) return { status: 'mfa_required' };
    const mfaOk = await useTotp(db, person.id, deps.secrets.open(account.mfa_secret), req.code, now) || await useRecoveryCode(db, person.id, req.code, now);
    if (!mfaOk) {
      await countFailure(deps, { personId: person.id, username: person.username, schoolId: person.schoolId }, req.ip, 'log-in', 'wrong two-step code');
      throw new AppError(401, 'wrong_code', 'That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.');
    }
  }
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ failed_attempts: 0, locked_until: null, last_login_at: now }).where('person_id', '=', person.id).execute();
    await tx.insertInto('sessions').values({
      id_hash: sha256(token), person_id: person.id, school_id: person.schoolId, csrf_token: csrfToken,
      mfa_verified: Boolean(account.mfa_enabled_at), ip: req.ip, user_agent: req.userAgent?.slice(0, 300) ?? null,
      created_at: now, last_seen_at: now, expires_at: new Date(now.getTime() + config.sessionHours * 3_600_000),
    }).execute();
    await appendAudit(tx, actor, { action: 'auth.login', entityType: 'person', entityId: person.id, details: { mfa: Boolean(account.mfa_enabled_at) } }, now);
  });
  return { status: 'ok', session: { token, csrfToken } };
}

/** The person behind a session cookie, or undefined when the session is unknown or has expired. Slides the expiry. */
export async function currentUser(deps: SessionDeps, token: string): Promise<CurrentUser | undefined> {
  const { db, clock, config } = deps;
  const now = clock.now();
  const idHash = sha256(token);
  const session = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!session || new Date(session.expires_at) <= now) return undefined;
  // However busy, a session ends after sessionMaxHours (issue 11), so a copied cookie does not work for ever.
  if (now.getTime() - new Date(session.created_at).getTime() > config.sessionMaxHours * 3_600_000) return undefined;
  const person = await deps.people.getPerson(db, session.school_id, session.person_id);
  if (!person || person.status !== 'active') return undefined;
  const account = await db.selectFrom('accounts').select(['must_change_password', 'password_changed_at', 'mfa_enabled_at']).where('person_id', '=', person.id).executeTakeFirst();
  // Touch at most once a minute so reads do not turn every request into a write.
  if (now.getTime() - new Date(session.last_seen_at).getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now, expires_at: new Date(now.getTime() + config.sessionHours * 3_600_000) }).where('id_hash', '=', idHash).execute();
  }
  return {
    person, sessionHash: idHash, csrfToken: session.csrf_token,
    mustChangePassword: Boolean(account?.must_change_password) || rotationDue(deps, person, account?.password_changed_at ?? null),
    mfaEnrolled: Boolean(account?.mfa_enabled_at),
    mfaRequired: mfaRequiredFor(person.roles),
    mfaVerified: Boolean(session.mfa_verified),
  };
}

export async function logOut(deps: AuthDeps, user: CurrentUser, ip: string): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('sessions').where('id_hash', '=', user.sessionHash).execute();
    await appendAudit(tx, { id: user.person.id, label: user.person.username, ip, schoolId: user.person.schoolId }, { action: 'auth.logout', entityType: 'person', entityId: user.person.id }, deps.clock.now());
  });
}

export async function changePassword(deps: AuthDeps, user: CurrentUser, current: string, next: string, ip: string): Promise<void> {
  const { db, clock } = deps;
  const account = await db.selectFrom('accounts').select('password_hash').where('person_id', '=', user.person.id).executeTakeFirstOrThrow();
  if (!account.password_hash || !(await verifyPassword(account.password_hash, current))) {
    throw new AppError(400, 'wrong_current_password', 'Your current password is not right. Type it again.');
  }
  const problem = passwordProblem(next, user.person.username);
  if (problem) throw badRequest(problem);
  if (await verifyPassword(account.password_hash, next)) throw badRequest('Choose a new password that is different from the one you have now.');
  const hashed = await hashPassword(next);
  const now = clock.now();
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ password_hash: hashed, must_change_password: false, password_changed_at: now }).where('person_id', '=', user.person.id).execute();
    // Other devices logged in with the old password are logged out.
    await tx.deleteFrom('sessions').where('person_id', '=', user.person.id).where('id_hash', '!=', user.sessionHash).execute();
    await appendAudit(tx, { id: user.person.id, label: user.person.username, ip, schoolId: user.person.schoolId }, { action: 'auth.password_changed', entityType: 'person', entityId: user.person.id }, now);
  });
}

/** Gives a person a temporary password that they must change at first log-on. Returns it once, to show or print. */
export async function setTemporaryPassword(deps: AuthDeps, actor: AuditActor, person: PersonRecord, password = temporaryPassword()): Promise<string> {
  const hashed = await hashPassword(password);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await tx.insertInto('accounts').values({ person_id: person.id, school_id: person.schoolId, password_hash: hashed, must_change_password: true, password_changed_at: now, created_at: now })
      .onConflict((oc) => oc.column('person_id').doUpdateSet({ password_hash: hashed, must_change_password: true, password_changed_at: now, failed_attempts: 0, locked_until: null }))
      .execute();
    await tx.deleteFrom('sessions').where('person_id', '=', person.id).execute();
    await appendAudit(tx, actor, { action: 'account.temporary_password', entityType: 'person', entityId: person.id }, now);
    await tellPerson(tx, person, 'Your Osprey password was reset',
      `Hello ${person.givenName},\n\n${actor.label} gave your Osprey account (${person.username}) a temporary password at ${now.toUTCString()}. You will choose your own password when you next log in with it.\n\nIf you did not ask for this, tell your Online Safety Lead or network manager straight away.\n`, now);
  });
  return password;
}

export async function unlockAccount(deps: AuthDeps, actor: AuditActor, person: PersonRecord): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ failed_attempts: 0, locked_until: null }).where('person_id', '=', person.id).execute();
    await appendAudit(tx, actor, { action: 'account.unlocked', entityType: 'person', entityId: person.id }, deps.clock.now());
  });
}

export async function resetMfa(deps: AuthDeps, actor: AuditActor, person: PersonRecord): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ mfa_secret: null, mfa_enabled_at: null, mfa_last_step: null }).where('person_id', '=', person.id).execute();
    await tx.deleteFrom('recovery_codes').where('person_id', '=', person.id).execute();
    await tx.deleteFrom('sessions').where('person_id', '=', person.id).execute();
    await appendAudit(tx, actor, { action: 'account.mfa_reset', entityType: 'person', entityId: person.id }, deps.clock.now());
    await tellPerson(tx, person, 'Two-step verification was reset on your Osprey account',
      `Hello ${person.givenName},\n\n${actor.label} reset two-step verification on your Osprey account (${person.username}) at ${deps.clock.now().toUTCString()}. You will be asked to set it up again with your phone when you next log in.\n\nIf you did not ask for this, tell your Online Safety Lead or network manager straight away.\n`, deps.clock.now());
  });
}

export async function accountStatus(db: Db, personId: string, now: Date) {
  const a = await db.selectFrom('accounts').select(['password_hash', 'must_change_password', 'locked_until', 'last_login_at', 'mfa_enabled_at']).where('person_id', '=', personId).executeTakeFirst();
  return {
    canLogIn: Boolean(a?.password_hash),
    mustChangePassword: Boolean(a?.must_change_password),
    locked: Boolean(a?.locked_until && new Date(a.locked_until) > now),
    lastLoginAt: a?.last_login_at ? new Date(a.last_login_at).toISOString() : null,
    mfaEnrolled: Boolean(a?.mfa_enabled_at),
  };
}

/** Step 1 of enrolment: a new secret (kept encrypted, not yet active) and a QR code for the authenticator app. */
export async function startMfaEnrolment(deps: AuthDeps, user: CurrentUser, password: string) {
  if (user.mfaEnrolled) throw new AppError(409, 'already_enrolled', 'Two-step verification is already set up for your account. Ask an administrator to reset it if you have a new phone.');
  // The password again: someone at a desk left logged in cannot tie the account to their own phone.
  const account = await deps.db.selectFrom('accounts').select('password_hash').where('person_id', '=', user.person.id).executeTakeFirstOrThrow();
  // Counted like any other attempt, so someone at that desk cannot try passwords here without the account locking.
  const check = account.password_hash
    ? await attemptPassword(deps, { personId: user.person.id, username: user.person.username, schoolId: user.person.schoolId }, account.password_hash, password, null, 'two-step set-up')
    : 'wrong';
  if (check === 'locked') throw accountLocked(null);
  if (check !== 'ok') {
    throw new AppError(400, 'wrong_current_password', 'Your password is not right. Type the password you logged in with to set up two-step verification.');
  }
  const secret = authenticator.generateSecret(20);
  await deps.db.updateTable('accounts').set({ mfa_secret: deps.secrets.seal(secret) }).where('person_id', '=', user.person.id).execute();
  const otpauthUrl = authenticator.keyuri(user.person.username, 'Osprey', secret);
  return { secret, otpauthUrl, qrSvg: await QRCode.toString(otpauthUrl, { type: 'svg', margin: 1 }) };
}

/** Step 2: the first code proves the app is set up; the person gets ten single-use recovery codes, shown once. */
export async function confirmMfaEnrolment(deps: AuthDeps, user: CurrentUser, code: string, ip: string): Promise<string[]> {
  const { db, clock } = deps;
  const now = clock.now();
  const account = await db.selectFrom('accounts').select(['mfa_secret', 'mfa_enabled_at']).where('person_id', '=', user.person.id).executeTakeFirstOrThrow();
  if (account.mfa_enabled_at) throw new AppError(409, 'already_enrolled', 'Two-step verification is already set up for your account.');
  if (!account.mfa_secret) throw badRequest('Start setting up two-step verification first, then enter the code your app shows.');
  if (!(await useTotp(db, user.person.id, deps.secrets.open(account.mfa_secret), code, now))) throw new AppError(400, 'wrong_code', 'That code is not right. Check the time on your phone is correct and enter the code your app shows now.');
  const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'));
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ mfa_enabled_at: now }).where('person_id', '=', user.person.id).execute();
    await tx.deleteFrom('recovery_codes').where('person_id', '=', user.person.id).execute();
    await tx.insertInto('recovery_codes').values(codes.map((c) => ({ person_id: user.person.id, school_id: user.person.schoolId, code_hash: sha256(c), used_at: null }))).execute();
    await tx.updateTable('sessions').set({ mfa_verified: true }).where('id_hash', '=', user.sessionHash).execute();
    await appendAudit(tx, { id: user.person.id, label: user.person.username, ip, schoolId: user.person.schoolId }, { action: 'auth.mfa_enrolled', entityType: 'person', entityId: user.person.id }, now);
    await tellPerson(tx, user.person, 'Two-step verification is now set up on your Osprey account',
      `Hello ${user.person.givenName},\n\nTwo-step verification was set up on your Osprey account (${user.person.username}) at ${now.toUTCString()}. From now on, logging in needs your password and a code from your phone.\n\nIf this was not you, tell your Online Safety Lead or network manager straight away: someone may know your password.\n`, now);
  });
  return codes.map((c) => `${c.slice(0, 5)}-${c.slice(5)}`);
}
