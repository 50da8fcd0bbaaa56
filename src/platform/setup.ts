/**
 * First run: the school record and the first administrator, either through a one-time set-up link printed at start
 * or with `osprey admin create`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendAudit, type AuditActor } from './audit.ts';
import { hashPassword, passwordProblem } from './auth/passwords.ts';
import { sha256 } from './auth/service.ts';
import type { Clock } from './context.ts';
import type { Db } from './db.ts';
import type { PeopleDirectory } from './people.ts';
import { AppError, badRequest } from './errors.ts';

export interface School { id: string; name: string }

/** The school this installation shows. A trust's many schools (R11.1) come later; data already carries school_id. */
export async function defaultSchool(db: Db): Promise<School | undefined> {
  return db.selectFrom('schools').select(['id', 'name']).orderBy('created_at').limit(1).executeTakeFirst();
}

export async function ensureSchool(db: Db, name: string, now: Date): Promise<School> {
  const existing = await defaultSchool(db);
  if (existing) return existing;
  const school = { id: randomUUID(), name: name.trim() || 'My school' };
  await db.insertInto('schools').values({ ...school, created_at: now }).execute();
  return school;
}

export async function administratorCount(db: Db): Promise<number> {
  const r = await db.selectFrom('person_roles as pr').innerJoin('accounts as a', 'a.person_id', 'pr.person_id')
    .innerJoin('people as p', 'p.id', 'pr.person_id')
    .where('pr.role', '=', 'administrator').where('p.status', '=', 'active').where('a.password_hash', 'is not', null)
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function setupNeeded(db: Db): Promise<boolean> {
  return (await administratorCount(db)) === 0;
}

/** A new one-time set-up link token, valid for 24 hours. Earlier unused tokens stop working. */
export async function createSetupToken(db: Db, clock: Clock): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  const now = clock.now();
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('setup_tokens').set({ used_at: now }).where('used_at', 'is', null).execute();
    await tx.insertInto('setup_tokens').values({ token_hash: sha256(token), created_at: now, expires_at: new Date(now.getTime() + 86_400_000), used_at: null }).execute();
  });
  return token;
}

export interface FirstAdministrator {
  schoolName: string;
  givenName: string;
  familyName: string;
  username: string;
  email?: string;
  password: string;
  /** true when the password was generated for someone else and must be changed at first log-on. */
  temporary?: boolean;
}

function validateAdministrator(a: FirstAdministrator): void {
  const problems: string[] = [];
  if (!a.givenName?.trim()) problems.push('Enter a first name.');
  if (!a.familyName?.trim()) problems.push('Enter a last name.');
  if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(a.username?.trim().toLowerCase() ?? '')) problems.push('Choose a username of 2 to 64 letters, digits, dots, dashes or underscores.');
  const pw = passwordProblem(a.password ?? '', a.username ?? '');
  if (pw) problems.push(pw);
  if (problems.length) throw badRequest(problems.join(' '), { problems });
}

export async function createAdministrator(db: Db, clock: Clock, people: PeopleDirectory, a: FirstAdministrator, actor: AuditActor): Promise<{ personId: string; schoolId: string }> {
  validateAdministrator(a);
  const hashed = await hashPassword(a.password);
  const now = clock.now();
  // Joins the caller's transaction when there is one (completeSetup spends the link in the same one): Kysely cannot
  // start a transaction inside a transaction.
  const inTransaction = <T>(fn: (tx: Db) => Promise<T>) => (db.isTransaction ? fn(db) : db.transaction().execute(fn));
  return inTransaction(async (tx) => {
    const school = await ensureSchool(tx, a.schoolName, now);
    const username = a.username.trim().toLowerCase();
    const taken = await tx.selectFrom('people').select('id').where('school_id', '=', school.id).where('username', '=', username).executeTakeFirst();
    if (taken) throw new AppError(409, 'username_taken', `The username '${username}' is already used. Choose another.`);
    const personId = await people.insertPerson(tx, school.id, {
      username, givenName: a.givenName.trim(), familyName: a.familyName.trim(), email: a.email?.trim().toLowerCase() || null, source: 'manual', roles: ['administrator'],
    }, now);
    await tx.insertInto('accounts').values({ person_id: personId, school_id: school.id, password_hash: hashed, must_change_password: Boolean(a.temporary), password_changed_at: now, created_at: now }).execute();
    await appendAudit(tx, { ...actor, schoolId: school.id }, { action: 'person.created', entityType: 'person', entityId: personId, details: { username, roles: ['administrator'], via: actor.label } }, now);
    return { personId, schoolId: school.id };
  });
}

/** Completes set-up with a one-time link: the token must be current and unused; it is spent in the same transaction. */
export async function completeSetup(db: Db, clock: Clock, people: PeopleDirectory, token: string, a: FirstAdministrator, ip: string): Promise<{ personId: string }> {
  validateAdministrator(a);
  const now = clock.now();
  const row = await db.selectFrom('setup_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!row || row.used_at || new Date(row.expires_at) <= now || !(await setupNeeded(db))) {
    throw new AppError(403, 'setup_link_invalid', 'This set-up link has expired or has already been used. Restart Osprey to print a new one, or run "osprey admin create".');
  }
  return db.transaction().execute(async (tx) => {
    const spent = await tx.updateTable('setup_tokens').set({ used_at: now }).where('token_hash', '=', row.token_hash).where('used_at', 'is', null).executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new AppError(403, 'setup_link_invalid', 'This set-up link has already been used.');
    return createAdministrator(tx, clock, people, a, { id: null, label: 'set-up link', ip });
  });
}
