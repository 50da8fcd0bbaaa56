/**
 * MIS import (R1.7): compare what a file says with what Osprey holds (the dry-run diff: added, changed, leavers),
 * then apply it in one transaction. People are matched on the MIS id (externalId); people missing from a full import
 * are marked as leavers, never deleted.
 */
import { randomUUID } from 'node:crypto';
import { appendAuditMany, type AuditActor, type AuditEvent } from '../platform/audit.ts';
import type { Db } from '../platform/db.ts';
import { searchTextOf } from './store.ts';
import { keyStageOf, type GroupKind, type ImportPerson, type ImportProblem, type ParsedImport, type Role, type YearGroup } from './types.ts';

export interface FieldChange { field: string; from: string; to: string }

export interface ImportPlan {
  added: Array<{ externalId: string; username: string; name: string; roles: Role[]; line: number }>;
  changed: Array<{ personId: string; externalId: string; username: string; name: string; changes: FieldChange[]; line: number }>;
  leavers: Array<{ personId: string; externalId: string; username: string; name: string }>;
  unchanged: number;
  problems: ImportProblem[];
  /** Set when leavers were not worked out, and why. */
  leaversNote?: string;
}

interface StoredPerson {
  id: string; externalId: string; username: string; givenName: string; familyName: string; email: string | null;
  yearGroup: string | null; status: string; roles: Set<string>; classes: Set<string>; teams: Set<string>; children: Set<string>;
}

const MANAGED_KINDS: GroupKind[] = ['key_stage', 'year', 'class', 'staff_team'];

async function loadStored(db: Db, schoolId: string): Promise<{ byExternal: Map<string, StoredPerson>; usernames: Map<string, string | null> }> {
  const people = await db.selectFrom('people').select(['id', 'external_id', 'username', 'given_name', 'family_name', 'email', 'year_group', 'status'])
    .where('school_id', '=', schoolId).execute();
  const byId = new Map<string, StoredPerson>();
  const usernames = new Map<string, string | null>();
  for (const p of people) {
    usernames.set(p.username, p.external_id);
    if (!p.external_id) continue;
    byId.set(p.id, {
      id: p.id, externalId: p.external_id, username: p.username, givenName: p.given_name, familyName: p.family_name, email: p.email,
      yearGroup: p.year_group, status: p.status, roles: new Set(), classes: new Set(), teams: new Set(), children: new Set(),
    });
  }
  for (const r of await db.selectFrom('person_roles').select(['person_id', 'role']).where('school_id', '=', schoolId).execute()) byId.get(r.person_id)?.roles.add(r.role);
  const memberships = await db.selectFrom('group_members as gm').innerJoin('groups as g', 'g.id', 'gm.group_id')
    .select(['gm.person_id', 'g.kind', 'g.name']).where('gm.school_id', '=', schoolId).where('g.kind', 'in', ['class', 'staff_team']).execute();
  for (const m of memberships) {
    const p = byId.get(m.person_id);
    if (p) (m.kind === 'class' ? p.classes : p.teams).add(m.name);
  }
  const links = await db.selectFrom('parent_links as l').innerJoin('people as c', 'c.id', 'l.pupil_id')
    .select(['l.parent_id', 'c.external_id']).where('l.school_id', '=', schoolId).execute();
  for (const l of links) if (l.external_id) byId.get(l.parent_id)?.children.add(l.external_id);
  return { byExternal: new Map([...byId.values()].map((p) => [p.externalId, p])), usernames };
}

const setText = (s: Iterable<string>) => [...s].sort().join(', ');
const nameOf = (p: { givenName: string; familyName: string }) => `${p.givenName} ${p.familyName}`;

function diff(stored: StoredPerson, incoming: ImportPerson): FieldChange[] {
  const changes: FieldChange[] = [];
  const check = (field: string, from: string, to: string) => { if (from !== to) changes.push({ field, from, to }); };
  check('username', stored.username, incoming.username);
  check('first name', stored.givenName, incoming.givenName);
  check('last name', stored.familyName, incoming.familyName);
  check('email', stored.email ?? '', incoming.email ?? '');
  check('year', stored.yearGroup ?? '', incoming.yearGroup ?? '');
  check('roles', setText(stored.roles), setText(incoming.roles));
  check('classes', setText(stored.classes), setText(incoming.classes));
  check('staff teams', setText(stored.teams), setText(incoming.staffTeams));
  check('children', setText(stored.children), setText(incoming.childExternalIds));
  if (stored.status !== 'active') changes.push({ field: 'status', from: stored.status, to: 'active' });
  return changes;
}

/** Works out what an import would do. Changes nothing. */
export async function planImport(db: Db, schoolId: string, parsed: ParsedImport, opts: { markLeavers?: boolean } = {}): Promise<ImportPlan> {
  const { byExternal, usernames } = await loadStored(db, schoolId);
  const plan: ImportPlan = { added: [], changed: [], leavers: [], unchanged: 0, problems: [...parsed.problems] };
  const inFile = new Set(parsed.people.map((p) => p.externalId));
  const newUsername = new Map(parsed.people.map((p) => [p.externalId, p.username]));
  const pupilsInFile = new Set(parsed.people.filter((p) => p.roles.includes('pupil')).map((p) => p.externalId));
  for (const p of parsed.people) {
    const stored = byExternal.get(p.externalId);
    // A username already held by someone else is a problem, unless that person is in this file with a new username.
    const owner = usernames.get(p.username);
    const ownerMovesOn = owner ? newUsername.has(owner) && newUsername.get(owner) !== p.username : false;
    if (owner !== undefined && owner !== p.externalId && !ownerMovesOn) {
      plan.problems.push({ file: p.source.file, line: p.source.line, message: `username '${p.username}' is already used by another person in Osprey — give this person a different username in the file` });
      continue;
    }
    const missingChild = p.childExternalIds.find((c) => !pupilsInFile.has(c) && !byExternal.get(c)?.roles.has('pupil'));
    if (missingChild) {
      plan.problems.push({ file: p.source.file, line: p.source.line, message: `child '${missingChild}' is not a pupil in this file or in Osprey — check the id, or add the pupil first` });
      continue;
    }
    if (!stored) {
      plan.added.push({ externalId: p.externalId, username: p.username, name: nameOf(p), roles: p.roles, line: p.source.line });
      continue;
    }
    const changes = diff(stored, p);
    if (changes.length) plan.changed.push({ personId: stored.id, externalId: p.externalId, username: p.username, name: nameOf(p), changes, line: p.source.line });
    else plan.unchanged++;
  }
  if (opts.markLeavers === false) {
    plan.leaversNote = 'Leavers were not marked because this import was set not to mark them.';
  } else if (plan.problems.length) {
    plan.leaversNote = 'Leavers are not marked while rows have problems, so that nobody is marked as a leaver because of a mistake in the file. Fix the rows and import again.';
  } else {
    for (const s of byExternal.values()) {
      if (!inFile.has(s.externalId) && s.status === 'active') plan.leavers.push({ personId: s.id, externalId: s.externalId, username: s.username, name: nameOf(s) });
    }
  }
  return plan;
}

export interface ApplyOptions {
  source: string;
  actor: AuditActor;
  now: Date;
  onProgress?: (done: number, total: number) => void;
}

export interface ApplySummary { added: number; changed: number; leavers: number; unchanged: number; skipped: number }

/** Applies a plan in one transaction: everything or nothing. Rows with problems must already have been dropped. */
export async function applyImport(db: Db, schoolId: string, parsed: ParsedImport, plan: ImportPlan, opts: ApplyOptions): Promise<ApplySummary> {
  const skippedLines = new Set(plan.problems.map((p) => `${p.file}:${p.line}`));
  const people = parsed.people.filter((p) => !skippedLines.has(`${p.source.file}:${p.source.line}`));
  const addedIds = new Set(plan.added.map((a) => a.externalId));
  const changedIds = new Set(plan.changed.map((c) => c.externalId));
  const total = people.length + plan.leavers.length;
  let done = 0;
  const tick = (n: number) => { done += n; opts.onProgress?.(done, total); };

  await db.transaction().execute(async (tx) => {
    const idOf = new Map<string, string>();
    for (const r of await tx.selectFrom('people').select(['id', 'external_id']).where('school_id', '=', schoolId).where('external_id', 'is not', null).execute()) idOf.set(r.external_id!, r.id);
    const events: AuditEvent[] = [];

    const toWrite = people.filter((p) => addedIds.has(p.externalId) || changedIds.has(p.externalId));
    for (let i = 0; i < toWrite.length; i += 500) {
      const chunk = toWrite.slice(i, i + 500);
      const inserts = chunk.filter((p) => !idOf.has(p.externalId)).map((p) => {
        const id = randomUUID();
        idOf.set(p.externalId, id);
        events.push({ action: 'person.created', entityType: 'person', entityId: id, details: { username: p.username, roles: p.roles, via: opts.source } });
        return {
          id, school_id: schoolId, external_id: p.externalId, username: p.username, given_name: p.givenName, family_name: p.familyName,
          email: p.email ?? null, year_group: p.yearGroup ?? null, status: 'active' as const, left_at: null, source: opts.source,
          search_text: searchTextOf(p), created_at: opts.now, updated_at: opts.now,
        };
      });
      // Usernames may swap between people in one import; free them first so the unique index never trips mid-way.
      const updates = chunk.filter((p) => changedIds.has(p.externalId));
      for (const p of updates) await tx.updateTable('people').set({ username: `~import-${idOf.get(p.externalId)}` }).where('id', '=', idOf.get(p.externalId)!).execute();
      for (const p of updates) {
        const id = idOf.get(p.externalId)!;
        await tx.updateTable('people').set({
          username: p.username, given_name: p.givenName, family_name: p.familyName, email: p.email ?? null, year_group: p.yearGroup ?? null,
          status: 'active', left_at: null, search_text: searchTextOf(p), updated_at: opts.now,
        }).where('id', '=', id).execute();
        const change = plan.changed.find((c) => c.externalId === p.externalId);
        events.push({ action: 'person.updated', entityType: 'person', entityId: id, details: { via: opts.source, changes: change?.changes ?? [] } });
      }
      if (inserts.length) await tx.insertInto('people').values(inserts).execute();
      tick(chunk.length);
    }
    tick(people.length - toWrite.length);

    const written = toWrite.map((p) => ({ p, id: idOf.get(p.externalId)! }));
    const ids = written.map((w) => w.id);
    for (let i = 0; i < ids.length; i += 1000) {
      const part = ids.slice(i, i + 1000);
      await tx.deleteFrom('person_roles').where('person_id', 'in', part).execute();
      await tx.deleteFrom('parent_links').where('parent_id', 'in', part).execute();
      const managed = tx.selectFrom('groups').select('id').where('school_id', '=', schoolId).where('kind', 'in', MANAGED_KINDS);
      await tx.deleteFrom('group_members').where('person_id', 'in', part).where('group_id', 'in', managed).execute();
    }

    const groupIds = new Map<string, string>();
    for (const g of await tx.selectFrom('groups').select(['id', 'kind', 'name']).where('school_id', '=', schoolId).execute()) groupIds.set(`${g.kind}:${g.name}`, g.id);
    const groupId = async (kind: GroupKind, name: string) => {
      const key = `${kind}:${name}`;
      let id = groupIds.get(key);
      if (!id) {
        id = randomUUID();
        await tx.insertInto('groups').values({ id, school_id: schoolId, kind, name, created_at: opts.now }).execute();
        groupIds.set(key, id);
      }
      return id;
    };

    const roles: Array<{ school_id: string; person_id: string; role: string }> = [];
    const members: Array<{ school_id: string; group_id: string; person_id: string }> = [];
    const links: Array<{ school_id: string; parent_id: string; pupil_id: string }> = [];
    for (const { p, id } of written) {
      for (const role of new Set(p.roles)) roles.push({ school_id: schoolId, person_id: id, role });
      const groups = new Set<string>();
      if (p.yearGroup) {
        groups.add(await groupId('year', p.yearGroup));
        groups.add(await groupId('key_stage', keyStageOf(p.yearGroup as YearGroup)));
      }
      for (const c of p.classes) groups.add(await groupId('class', c));
      for (const t of p.staffTeams) groups.add(await groupId('staff_team', t));
      for (const g of groups) members.push({ school_id: schoolId, group_id: g, person_id: id });
      for (const child of new Set(p.childExternalIds)) {
        const pupilId = idOf.get(child);
        if (pupilId) links.push({ school_id: schoolId, parent_id: id, pupil_id: pupilId });
      }
    }
    for (let i = 0; i < roles.length; i += 2000) await tx.insertInto('person_roles').values(roles.slice(i, i + 2000)).execute();
    for (let i = 0; i < members.length; i += 2000) await tx.insertInto('group_members').values(members.slice(i, i + 2000)).execute();
    for (let i = 0; i < links.length; i += 2000) await tx.insertInto('parent_links').values(links.slice(i, i + 2000)).execute();

    for (const l of plan.leavers) {
      await tx.updateTable('people').set({ status: 'leaver', left_at: opts.now, updated_at: opts.now }).where('id', '=', l.personId).execute();
      await tx.deleteFrom('sessions').where('person_id', '=', l.personId).execute();
      events.push({ action: 'person.left', entityType: 'person', entityId: l.personId, details: { via: opts.source } });
    }
    tick(plan.leavers.length);

    events.push({ action: 'people.imported', entityType: 'import', details: { source: opts.source, added: plan.added.length, changed: plan.changed.length, leavers: plan.leavers.length, skipped: plan.problems.length } });
    await appendAuditMany(tx, opts.actor, events, opts.now);
  });
  return { added: plan.added.length, changed: plan.changed.length, leavers: plan.leavers.length, unchanged: plan.unchanged, skipped: plan.problems.length };
}
