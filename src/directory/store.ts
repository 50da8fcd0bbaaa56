/** SQL for the directory's tables: people, person_roles, groups, group_members, parent_links. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { PersonRecord } from '../platform/people.ts';
import type { GroupKind, Role } from './types.ts';

/** A person with their roles: the shape platform knows as PersonRecord (platform/people.ts). */
export type PersonRow = PersonRecord;

export interface GroupRow { id: string; kind: GroupKind; name: string; description: string; memberCount: number }

export function searchTextOf(p: { username: string; givenName: string; familyName: string; email?: string | null; externalId?: string | null }): string {
  return [p.givenName, p.familyName, `${p.givenName} ${p.familyName}`, p.username, p.email ?? '', p.externalId ?? '']
    .join(' ').toLowerCase();
}

const personColumns = [
  'p.id', 'p.school_id', 'p.external_id', 'p.username', 'p.given_name', 'p.family_name', 'p.email', 'p.year_group',
  'p.status', 'p.left_at', 'p.source', 'p.kind',
] as const;

type PersonDbRow = {
  id: string; school_id: string; external_id: string | null; username: string; given_name: string; family_name: string;
  email: string | null; year_group: string | null; status: 'active' | 'leaver' | 'disabled'; left_at: Date | null; source: string;
  kind: 'individual' | 'class_logon';
};

function toPerson(r: PersonDbRow, roles: Role[]): PersonRow {
  return {
    id: r.id, schoolId: r.school_id, externalId: r.external_id, username: r.username, givenName: r.given_name,
    familyName: r.family_name, email: r.email, yearGroup: r.year_group, status: r.status, leftAt: r.left_at, source: r.source, kind: r.kind, roles,
  };
}

async function rolesFor(db: Db, ids: string[]): Promise<Map<string, Role[]>> {
  const out = new Map<string, Role[]>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('person_roles').select(['person_id', 'role']).where('person_id', 'in', ids).orderBy('role').execute();
  for (const r of rows) {
    const list = out.get(r.person_id) ?? [];
    list.push(r.role as Role);
    out.set(r.person_id, list);
  }
  return out;
}

export async function getPerson(db: Db, schoolId: string, id: string): Promise<PersonRow | undefined> {
  const r = await db.selectFrom('people as p').select(personColumns).where('p.school_id', '=', schoolId).where('p.id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  return toPerson(r, (await rolesFor(db, [r.id])).get(r.id) ?? []);
}

/** Several people by id, with their roles. */
export async function peopleByIds(db: Db, schoolId: string, ids: string[]): Promise<Map<string, PersonRow>> {
  const out = new Map<string, PersonRow>();
  // In slices, so a whole school's import stays within the database's limit on query parameters.
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db.selectFrom('people as p').select(personColumns).where('p.school_id', '=', schoolId).where('p.id', 'in', ids.slice(i, i + 5000)).execute();
    const roles = await rolesFor(db, rows.map((r) => r.id));
    for (const r of rows) out.set(r.id, toPerson(r, roles.get(r.id) ?? []));
  }
  return out;
}

/** Usernames are unique per school; a person logging in names their school implicitly (one school for now). */
export async function findPersonByUsername(db: Db, username: string): Promise<PersonRow | undefined> {
  const r = await db.selectFrom('people as p').select(personColumns).where('p.username', '=', username.trim().toLowerCase())
    .orderBy('p.created_at').limit(1).executeTakeFirst();
  if (!r) return undefined;
  return toPerson(r, (await rolesFor(db, [r.id])).get(r.id) ?? []);
}

export interface PeopleQuery {
  q?: string;
  groupId?: string;
  role?: Role;
  status?: 'active' | 'leaver' | 'disabled' | 'all';
  limit: number;
  offset: number;
}

export async function searchPeople(db: Db, schoolId: string, query: PeopleQuery): Promise<{ total: number; people: PersonRow[] }> {
  let base = db.selectFrom('people as p').where('p.school_id', '=', schoolId);
  const status = query.status ?? 'active';
  if (status !== 'all') base = base.where('p.status', '=', status);
  for (const word of (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 6)) {
    const escaped = word.replace(/[\\%_]/g, (c) => `\\${c}`);
    base = base.where('p.search_text', 'like', `%${escaped}%`);
  }
  if (query.groupId) {
    const gid = query.groupId;
    base = base.where((eb) => eb.exists(eb.selectFrom('group_members as gm').select(sql`1`.as('x')).whereRef('gm.person_id', '=', 'p.id').where('gm.group_id', '=', gid)));
  }
  if (query.role) {
    const role = query.role;
    base = base.where((eb) => eb.exists(eb.selectFrom('person_roles as pr').select(sql`1`.as('x')).whereRef('pr.person_id', '=', 'p.id').where('pr.role', '=', role)));
  }
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await base.select(personColumns).orderBy('p.family_name').orderBy('p.given_name').orderBy('p.id')
    .limit(query.limit).offset(query.offset).execute();
  const roles = await rolesFor(db, rows.map((r) => r.id));
  return { total: Number(total), people: rows.map((r) => toPerson(r, roles.get(r.id) ?? [])) };
}

export interface NewPerson {
  externalId?: string | null;
  username: string;
  givenName: string;
  familyName: string;
  email?: string | null;
  yearGroup?: string | null;
  source: string;
  roles: Role[];
  kind?: 'individual' | 'class_logon';
}

export async function insertPerson(db: Db, schoolId: string, p: NewPerson, now: Date): Promise<string> {
  const id = randomUUID();
  await db.insertInto('people').values({
    id, school_id: schoolId, external_id: p.externalId ?? null, username: p.username, given_name: p.givenName,
    family_name: p.familyName, email: p.email ?? null, year_group: p.yearGroup ?? null, status: 'active', left_at: null,
    source: p.source, kind: p.kind ?? 'individual', search_text: searchTextOf(p), created_at: now, updated_at: now,
  }).execute();
  await setRoles(db, schoolId, id, p.roles);
  return id;
}

export async function updatePerson(db: Db, schoolId: string, id: string, p: Partial<Omit<NewPerson, 'roles' | 'source'>> & { status?: PersonRow['status']; leftAt?: Date | null }, now: Date): Promise<void> {
  const current = await db.selectFrom('people').selectAll().where('id', '=', id).where('school_id', '=', schoolId).executeTakeFirstOrThrow();
  const next = {
    username: p.username ?? current.username,
    givenName: p.givenName ?? current.given_name,
    familyName: p.familyName ?? current.family_name,
    email: p.email === undefined ? current.email : p.email,
    externalId: p.externalId === undefined ? current.external_id : p.externalId,
  };
  await db.updateTable('people').set({
    username: next.username, given_name: next.givenName, family_name: next.familyName, email: next.email,
    external_id: next.externalId,
    year_group: p.yearGroup === undefined ? current.year_group : p.yearGroup,
    status: p.status ?? current.status,
    left_at: p.leftAt === undefined ? current.left_at : p.leftAt,
    search_text: searchTextOf(next), updated_at: now,
  }).where('id', '=', id).where('school_id', '=', schoolId).execute();
}

export async function setRoles(db: Db, schoolId: string, personId: string, roles: readonly Role[]): Promise<void> {
  await db.deleteFrom('person_roles').where('person_id', '=', personId).execute();
  if (roles.length) await db.insertInto('person_roles').values([...new Set(roles)].map((role) => ({ school_id: schoolId, person_id: personId, role }))).execute();
}

export async function countWithRole(db: Db, schoolId: string, role: Role): Promise<number> {
  const r = await db.selectFrom('person_roles as pr').innerJoin('people as p', 'p.id', 'pr.person_id')
    .where('pr.school_id', '=', schoolId).where('pr.role', '=', role).where('p.status', '=', 'active')
    .select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Of `parentIds`, those who are parents or carers of a pupil in a class group the reader is a member of (the pupil's
 * own teachers and teaching assistants).
 */
export async function parentsOfReadersClasses(db: Db, schoolId: string, readerId: string, parentIds: readonly string[]): Promise<Set<string>> {
  if (parentIds.length === 0) return new Set();
  const rows = await db.selectFrom('parent_links as pl')
    .innerJoin('group_members as pupil_in', 'pupil_in.person_id', 'pl.pupil_id')
    .innerJoin('groups as g', (j) => j.onRef('g.id', '=', 'pupil_in.group_id').on('g.kind', '=', 'class'))
    .innerJoin('group_members as reader_in', (j) => j.onRef('reader_in.group_id', '=', 'g.id').on('reader_in.person_id', '=', readerId))
    .select('pl.parent_id').distinct()
    .where('pl.school_id', '=', schoolId).where('pl.parent_id', 'in', [...parentIds])
    .execute();
  return new Set(rows.map((r) => r.parent_id));
}

export async function listGroups(db: Db, schoolId: string, kind?: GroupKind): Promise<GroupRow[]> {
  let q = db.selectFrom('groups as g').leftJoin('group_members as gm', 'gm.group_id', 'g.id')
    .where('g.school_id', '=', schoolId)
    .select(['g.id', 'g.kind', 'g.name', 'g.description', (eb) => eb.fn.count<number>('gm.person_id').as('member_count')])
    .groupBy(['g.id', 'g.kind', 'g.name', 'g.description']);
  if (kind) q = q.where('g.kind', '=', kind);
  const rows = await q.execute();
  const kindOrder = ['key_stage', 'year', 'class', 'staff_team', 'custom'];
  return rows
    .map((r) => ({ id: r.id, kind: r.kind as GroupKind, name: r.name, description: r.description, memberCount: Number(r.member_count) }))
    .sort((a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || a.name.localeCompare(b.name, 'en-GB', { numeric: true }));
}

export async function getGroup(db: Db, schoolId: string, id: string) {
  return db.selectFrom('groups').select(['id', 'kind', 'name', 'description']).where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
}

export async function ensureGroup(db: Db, schoolId: string, kind: GroupKind, name: string, now: Date, description = ''): Promise<string> {
  const existing = await db.selectFrom('groups').select('id').where('school_id', '=', schoolId).where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
  if (existing) return existing.id;
  const id = randomUUID();
  await db.insertInto('groups').values({ id, school_id: schoolId, kind, name, description, created_at: now }).execute();
  return id;
}

export async function groupsOfPerson(db: Db, personId: string) {
  return db.selectFrom('group_members as gm').innerJoin('groups as g', 'g.id', 'gm.group_id')
    .select(['g.id', 'g.kind', 'g.name']).where('gm.person_id', '=', personId).orderBy('g.kind').orderBy('g.name').execute();
}

export async function setMembership(db: Db, schoolId: string, personId: string, groupIds: string[]): Promise<void> {
  await db.deleteFrom('group_members').where('person_id', '=', personId).execute();
  if (groupIds.length) await db.insertInto('group_members').values([...new Set(groupIds)].map((group_id) => ({ school_id: schoolId, group_id, person_id: personId }))).execute();
}

export async function addMembers(db: Db, schoolId: string, groupId: string, personIds: string[]): Promise<void> {
  if (personIds.length === 0) return;
  await db.insertInto('group_members').values(personIds.map((person_id) => ({ school_id: schoolId, group_id: groupId, person_id })))
    .onConflict((oc) => oc.doNothing()).execute();
}

export async function removeMembers(db: Db, groupId: string, personIds: string[]): Promise<void> {
  if (personIds.length === 0) return;
  await db.deleteFrom('group_members').where('group_id', '=', groupId).where('person_id', 'in', personIds).execute();
}

export async function linksOfPerson(db: Db, personId: string) {
  const asParent = await db.selectFrom('parent_links as l').innerJoin('people as p', 'p.id', 'l.pupil_id')
    .select(['p.id', 'p.given_name as givenName', 'p.family_name as familyName', 'p.year_group as yearGroup']).where('l.parent_id', '=', personId).execute();
  const asPupil = await db.selectFrom('parent_links as l').innerJoin('people as p', 'p.id', 'l.parent_id')
    .select(['p.id', 'p.given_name as givenName', 'p.family_name as familyName', 'p.year_group as yearGroup']).where('l.pupil_id', '=', personId).execute();
  return { children: asParent, parents: asPupil };
}

export async function setChildren(db: Db, schoolId: string, parentId: string, pupilIds: string[]): Promise<void> {
  await db.deleteFrom('parent_links').where('parent_id', '=', parentId).execute();
  if (pupilIds.length) await db.insertInto('parent_links').values([...new Set(pupilIds)].map((pupil_id) => ({ school_id: schoolId, parent_id: parentId, pupil_id }))).execute();
}
