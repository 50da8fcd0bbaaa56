/**
 * What other modules may read about families and pupils (ARCHITECTURE: a module uses another through its exported
 * functions): a parent's linked children, a pupil's linked adults, and finding pupils by username, name or group.
 * No auditing here: the calling service audits what it shows.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';

export interface PupilRef {
  id: string;
  username: string;
  givenName: string;
  familyName: string;
  yearGroup: string | null;
  status: 'active' | 'leaver' | 'disabled';
}

export interface LinkedAdult { id: string; username: string; givenName: string; familyName: string }

const pupilColumns = ['p.id', 'p.username', 'p.given_name as givenName', 'p.family_name as familyName', 'p.year_group as yearGroup', 'p.status'] as const;

/** People holding the pupil role, as a sub-query. */
const pupilIds = (db: Db) => db.selectFrom('person_roles').select('person_id').where('role', '=', 'pupil');

/** The pupils linked to this adult in parent_links, eldest year group first. */
export async function childrenOfParent(db: Db, schoolId: string, parentId: string): Promise<PupilRef[]> {
  return db.selectFrom('parent_links as l').innerJoin('people as p', 'p.id', 'l.pupil_id')
    .where('l.school_id', '=', schoolId).where('l.parent_id', '=', parentId)
    .select(pupilColumns).orderBy('p.given_name').orderBy('p.id').execute();
}

/** The adults linked to this pupil in parent_links. */
export async function adultsLinkedToPupil(db: Db, schoolId: string, pupilId: string): Promise<LinkedAdult[]> {
  return db.selectFrom('parent_links as l').innerJoin('people as p', 'p.id', 'l.parent_id')
    .where('l.school_id', '=', schoolId).where('l.pupil_id', '=', pupilId)
    .select(['p.id', 'p.username', 'p.given_name as givenName', 'p.family_name as familyName']).orderBy('p.family_name').orderBy('p.given_name').execute();
}

export async function isLinkedParent(db: Db, schoolId: string, parentId: string, pupilId: string): Promise<boolean> {
  const row = await db.selectFrom('parent_links').select('pupil_id').where('school_id', '=', schoolId)
    .where('parent_id', '=', parentId).where('pupil_id', '=', pupilId).executeTakeFirst();
  return Boolean(row);
}

export async function getPupil(db: Db, schoolId: string, id: string): Promise<PupilRef | undefined> {
  return db.selectFrom('people as p').where('p.school_id', '=', schoolId).where('p.id', '=', id).where('p.id', 'in', pupilIds(db))
    .select(pupilColumns).executeTakeFirst();
}

export async function getPerson(db: Db, schoolId: string, id: string): Promise<LinkedAdult | undefined> {
  return db.selectFrom('people as p').where('p.school_id', '=', schoolId).where('p.id', '=', id)
    .select(['p.id', 'p.username', 'p.given_name as givenName', 'p.family_name as familyName']).executeTakeFirst();
}

/**
 * Pupils (current and leavers) matching what a person typed: an exact username wins; otherwise every word must
 * appear in the name or username. At most `limit`.
 */
export async function findPupils(db: Db, schoolId: string, typed: string, limit = 20): Promise<PupilRef[]> {
  const text = typed.trim().toLowerCase();
  if (!text) return [];
  const exact = await db.selectFrom('people as p').where('p.school_id', '=', schoolId).where('p.username', '=', text).where('p.id', 'in', pupilIds(db))
    .select(pupilColumns).execute();
  if (exact.length) return exact;
  let q = db.selectFrom('people as p').where('p.school_id', '=', schoolId).where('p.id', 'in', pupilIds(db));
  for (const word of text.split(/\s+/).slice(0, 6)) {
    q = q.where('p.search_text', 'like', `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return q.select(pupilColumns).orderBy(sql`case when p.status = 'active' then 0 else 1 end`).orderBy('p.family_name').orderBy('p.given_name').orderBy('p.id').limit(limit).execute();
}

/** The pupils in a group (class, year, key stage, custom), current pupils only. */
export async function pupilsInGroup(db: Db, schoolId: string, groupId: string): Promise<PupilRef[]> {
  return db.selectFrom('group_members as gm').innerJoin('people as p', 'p.id', 'gm.person_id')
    .where('gm.school_id', '=', schoolId).where('gm.group_id', '=', groupId).where('p.status', '=', 'active').where('p.kind', '=', 'individual').where('p.id', 'in', pupilIds(db))
    .select(pupilColumns).orderBy('p.family_name').orderBy('p.given_name').execute();
}

/** Groups that hold pupils, for a picker: classes first, then year groups, then the rest. */
export async function groupsWithPupils(db: Db, schoolId: string): Promise<{ id: string; kind: string; name: string; pupils: number }[]> {
  const rows = await db.selectFrom('groups as g').innerJoin('group_members as gm', 'gm.group_id', 'g.id').innerJoin('people as p', 'p.id', 'gm.person_id')
    .where('g.school_id', '=', schoolId).where('p.status', '=', 'active').where('p.id', 'in', pupilIds(db))
    .groupBy(['g.id', 'g.kind', 'g.name']).select(['g.id', 'g.kind', 'g.name', (eb) => eb.fn.countAll<number>().as('pupils')]).execute();
  const order = ['class', 'year', 'key_stage', 'custom', 'staff_team'];
  return rows.map((r) => ({ ...r, pupils: Number(r.pupils) }))
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name, 'en-GB', { numeric: true }));
}
