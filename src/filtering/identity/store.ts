/**
 * SQL for identity's tables: ip_ranges, ip_sessions, identity_settings. People, groups and roles are read (never
 * written) the way `groupIdsOfPerson` in filtering/why.ts reads them, in bulk, so a reload is a handful of queries.
 */
import type { Db } from '../../platform/db.ts';
import { DEFAULT_SETTINGS, type IdentitySettings, type RangeEntry } from './table.ts';

export interface StoredSession { ip: string; personId: string; username: string; startedAt: Date; expiresAt: Date }

export async function loadSettings(db: Db, schoolId: string): Promise<IdentitySettings> {
  const row = await db.selectFrom('identity_settings').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
  return row ? { unidentified: row.unidentified, logonMinutes: row.logon_minutes } : { ...DEFAULT_SETTINGS };
}

export async function saveSettings(db: Db, schoolId: string, s: IdentitySettings, now: Date): Promise<void> {
  await db.insertInto('identity_settings').values({ school_id: schoolId, unidentified: s.unidentified, logon_minutes: s.logonMinutes, updated_at: now })
    .onConflict((oc) => oc.column('school_id').doUpdateSet({ unidentified: s.unidentified, logon_minutes: s.logonMinutes, updated_at: now }))
    .execute();
}

const toRange = (r: { id: string; school_id: string; cidr: string; name: string; kind: 'range' | 'device'; group_ids: unknown; note: string }) => ({
  id: r.id, schoolId: r.school_id, cidr: r.cidr, name: r.name, kind: r.kind,
  groupIds: (typeof r.group_ids === 'string' ? JSON.parse(r.group_ids) : r.group_ids) as string[], note: r.note,
});

export async function listRanges(db: Db, schoolId: string): Promise<Array<RangeEntry & { note: string }>> {
  const rows = await db.selectFrom('ip_ranges').selectAll().where('school_id', '=', schoolId).orderBy('cidr').execute();
  return rows.map(toRange);
}

export async function getRange(db: Db, schoolId: string, id: string) {
  const r = await db.selectFrom('ip_ranges').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
  return r && toRange(r);
}

export async function insertRange(db: Db, r: RangeEntry & { note: string }, now: Date): Promise<void> {
  await db.insertInto('ip_ranges').values({
    id: r.id, school_id: r.schoolId, cidr: r.cidr, name: r.name, kind: r.kind, group_ids: JSON.stringify(r.groupIds),
    note: r.note, created_at: now, updated_at: now,
  }).execute();
}

export async function updateRange(db: Db, r: RangeEntry & { note: string }, now: Date): Promise<void> {
  await db.updateTable('ip_ranges').set({ cidr: r.cidr, name: r.name, kind: r.kind, group_ids: JSON.stringify(r.groupIds), note: r.note, updated_at: now })
    .where('school_id', '=', r.schoolId).where('id', '=', r.id).execute();
}

export async function deleteRange(db: Db, schoolId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('ip_ranges').where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function cidrTaken(db: Db, schoolId: string, cidr: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('ip_ranges').select('id').where('school_id', '=', schoolId).where('cidr', '=', cidr);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

/** Group ids that exist in the school, of those given (for validating a range's groups). */
export async function existingGroupIds(db: Db, schoolId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('groups').select('id').where('school_id', '=', schoolId).where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

export async function activeSessions(db: Db, schoolId: string, now: Date): Promise<StoredSession[]> {
  const rows = await db.selectFrom('ip_sessions as s').innerJoin('people as p', 'p.id', 's.person_id')
    .select(['s.ip', 's.person_id', 'p.username', 's.started_at', 's.expires_at'])
    .where('s.school_id', '=', schoolId).where('s.expires_at', '>', now).where('p.status', '=', 'active').orderBy('s.ip').execute();
  return rows.map((r) => ({ ip: r.ip, personId: r.person_id, username: r.username, startedAt: new Date(r.started_at), expiresAt: new Date(r.expires_at) }));
}

export async function upsertSession(db: Db, schoolId: string, s: { ip: string; personId: string; expiresAt: Date; userAgent?: string }, now: Date): Promise<void> {
  const values = { person_id: s.personId, started_at: now, expires_at: s.expiresAt, user_agent: s.userAgent?.slice(0, 300) ?? null };
  await db.insertInto('ip_sessions').values({ school_id: schoolId, ip: s.ip, ...values })
    .onConflict((oc) => oc.columns(['school_id', 'ip']).doUpdateSet(values)).execute();
}

export async function deleteSession(db: Db, schoolId: string, ip: string): Promise<string | undefined> {
  const r = await db.deleteFrom('ip_sessions').where('school_id', '=', schoolId).where('ip', '=', ip).returning('person_id').executeTakeFirst();
  return r?.person_id;
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom('ip_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The groups requests carry for each person: their groups, and their roles as 'role:<role>' (as why.ts does). */
export async function groupIdsOfPeople(db: Db, personIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(personIds.map((id) => [id, []]));
  if (personIds.length === 0) return out;
  const groups = await db.selectFrom('group_members').select(['person_id', 'group_id']).where('person_id', 'in', personIds).orderBy('group_id').execute();
  const roles = await db.selectFrom('person_roles').select(['person_id', 'role']).where('person_id', 'in', personIds).orderBy('role').execute();
  for (const g of groups) out.get(g.person_id)!.push(g.group_id);
  for (const r of roles) out.get(r.person_id)!.push(`role:${r.role}`);
  return out;
}

export interface AccountForCheck {
  personId: string; schoolId: string; username: string; status: string; passwordHash: string | null; lockedUntil: Date | null;
}

/** What a credential check needs: the person (by username, case-insensitive) and their account's hash and lock. */
export async function accountForCheck(db: Db, username: string): Promise<AccountForCheck | undefined> {
  const r = await db.selectFrom('people as p').leftJoin('accounts as a', 'a.person_id', 'p.id')
    .select(['p.id', 'p.school_id', 'p.username', 'p.status', 'a.password_hash', 'a.locked_until'])
    .where('p.username', '=', username.trim().toLowerCase()).executeTakeFirst();
  return r && { personId: r.id, schoolId: r.school_id, username: r.username, status: r.status, passwordHash: r.password_hash ?? null, lockedUntil: r.locked_until ? new Date(r.locked_until) : null };
}

/** Ids of the school's active people (to notice a joiner not yet in the agreements gate). */
export async function activePersonIds(db: Db, schoolId: string): Promise<string[]> {
  const rows = await db.selectFrom('people').select('id').where('school_id', '=', schoolId).where('status', '=', 'active').execute();
  return rows.map((r) => r.id);
}
