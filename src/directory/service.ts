/** Directory operations: authorise (routes did), load, act, audit, return. */
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import { AppError, badRequest, conflict, notFound } from '../platform/errors.ts';
import { holds, STAFF_ROLES } from '../platform/permissions.ts';
import { actingProblem, assertMayActOn, assertMayChangeRoles, roleChangeProblem, type DirectoryContext } from './guard.ts';
import { applyImport, planImport, type ApplySummary, type ImportPlan } from './import-apply.ts';
import { parseImport } from './import/detect.ts';
import * as store from './store.ts';
import { GROUP_KINDS, isRole, keyStageOf, ROLE_LABELS, ROLES, YEAR_GROUPS, type GroupKind, type Role, type YearGroup } from './types.ts';

export async function searchPeople(ctx: ServiceContext, query: store.PeopleQuery) {
  const result = await store.searchPeople(ctx.db, ctx.actor.schoolId, query);
  // R10.3: reading personal data is audited; a search records what was asked and how many people it showed.
  await appendAudit(ctx.db, ctx.actor, { action: 'people.searched', entityType: 'person', details: { q: query.q ?? '', groupId: query.groupId ?? null, role: query.role ?? null, shown: result.people.length } }, ctx.clock.now());
  return result;
}

/** Roles whose holders have school e-mail addresses, which anyone who may read the directory may see. */
const SCHOOL_ADDRESS_ROLES: ReadonlySet<string> = new Set<string>([...STAFF_ROLES, 'pupil']);

/**
 * Whose e-mail addresses the reader may see among `people` (issue 13, privacy). Staff's and pupils' addresses are
 * the school's own and shown to anyone who may read the directory. Everyone else's — parents and carers, volunteers,
 * governors, visitors — is a personal address: shown to holders of `people.contact` (the office, the DSL and
 * deputies, the headteacher, the DPO), to the person themself, and to the teachers and assistants of a class for the
 * parents of pupils in it. Returns the ids whose address may be shown.
 */
export async function contactsVisibleTo(ctx: DirectoryContext, people: ReadonlyArray<{ id: string; roles: readonly string[] }>): Promise<Set<string>> {
  if (holds(ctx.authority, 'people.contact')) return new Set(people.map((p) => p.id));
  const visible = new Set<string>();
  const personal: string[] = [];
  for (const p of people) {
    if (p.id === ctx.actor.id || p.roles.some((r) => SCHOOL_ADDRESS_ROLES.has(r))) visible.add(p.id);
    else personal.push(p.id);
  }
  if (ctx.actor.id) for (const id of await store.parentsOfReadersClasses(ctx.db, ctx.actor.schoolId, ctx.actor.id, personal)) visible.add(id);
  return visible;
}

export async function viewPerson(ctx: ServiceContext, id: string) {
  const person = await store.getPerson(ctx.db, ctx.actor.schoolId, id);
  if (!person) throw notFound('That person');
  const [groups, links] = await Promise.all([store.groupsOfPerson(ctx.db, id), store.linksOfPerson(ctx.db, id)]);
  await appendAudit(ctx.db, ctx.actor, { action: 'person.viewed', entityType: 'person', entityId: id }, ctx.clock.now());
  return { person, groups, links };
}

export interface PersonInput {
  username: string;
  givenName: string;
  familyName: string;
  email?: string | null;
  yearGroup?: string | null;
  externalId?: string | null;
  roles: string[];
}

function checkRoles(roles: string[]): Role[] {
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length) throw badRequest(`Unknown role ${unknown.map((r) => `'${r}'`).join(', ')}. Use one of: ${ROLES.join(', ')}.`);
  return roles as Role[];
}

export async function createPerson(ctx: DirectoryContext, input: PersonInput) {
  const roles = checkRoles(input.roles);
  assertMayChangeRoles(ctx, null, roles);
  if (roles.includes('administrator')) throw new AppError(403, 'forbidden', 'Add the person first, then give them the administrator role from their page.');
  if (roles.includes('pupil') && !input.yearGroup) throw badRequest('A pupil needs a year group. Choose one and try again.');
  const username = input.username.trim().toLowerCase();
  return withTransaction(ctx, async ({ db: tx }) => {
    const taken = await tx.selectFrom('people').select('id').where('school_id', '=', ctx.actor.schoolId).where('username', '=', username).executeTakeFirst();
    if (taken) throw conflict(`The username '${username}' is already used. Choose another.`);
    const now = ctx.clock.now();
    const id = await store.insertPerson(tx, ctx.actor.schoolId, { ...input, username, roles, source: 'manual' }, now);
    // A pupil belongs to their year group and key stage, as an imported pupil does (filtering policies follow them).
    if (input.yearGroup && (YEAR_GROUPS as readonly string[]).includes(input.yearGroup)) {
      const year = input.yearGroup as YearGroup;
      const groupIds = [await store.ensureGroup(tx, ctx.actor.schoolId, 'year', year, now), await store.ensureGroup(tx, ctx.actor.schoolId, 'key_stage', keyStageOf(year), now)];
      await store.setMembership(tx, ctx.actor.schoolId, id, groupIds);
    }
    await appendAudit(tx, ctx.actor, { action: 'person.created', entityType: 'person', entityId: id, details: { username, roles } }, now);
    return id;
  });
}

export async function updatePerson(ctx: DirectoryContext, id: string, changes: Partial<Omit<PersonInput, 'roles'>> & { status?: 'active' | 'leaver' | 'disabled' }) {
  return withTransaction(ctx, async ({ db: tx }) => {
    const before = await store.getPerson(tx, ctx.actor.schoolId, id);
    if (!before) throw notFound('That person');
    assertMayActOn(ctx, before, 'change the details of');
    const now = ctx.clock.now();
    if (changes.username) {
      changes.username = changes.username.trim().toLowerCase();
      const taken = await tx.selectFrom('people').select('id').where('school_id', '=', ctx.actor.schoolId).where('username', '=', changes.username).where('id', '!=', id).executeTakeFirst();
      if (taken) throw conflict(`The username '${changes.username}' is already used. Choose another.`);
    }
    if (changes.status && changes.status !== 'active' && before.roles.includes('administrator')) await ensureOtherAdministrator(tx, ctx.actor.schoolId, id);
    const leftAt = changes.status === undefined ? undefined : changes.status === 'leaver' ? now : null;
    await store.updatePerson(tx, ctx.actor.schoolId, id, { ...changes, leftAt }, now);
    if (changes.status && changes.status !== 'active') await tx.deleteFrom('sessions').where('person_id', '=', id).execute();
    const diff = Object.entries(changes).filter(([k, v]) => v !== undefined && (before as unknown as Record<string, unknown>)[k] !== v)
      .map(([field, to]) => ({ field, from: (before as unknown as Record<string, unknown>)[field] ?? null, to }));
    await appendAudit(tx, ctx.actor, { action: 'person.updated', entityType: 'person', entityId: id, details: { changes: diff } }, now);
  });
}

/** R1.5: there must always be someone who can administer Osprey. */
async function ensureOtherAdministrator(db: ServiceContext['db'], schoolId: string, personId: string) {
  const others = await db.selectFrom('person_roles as pr').innerJoin('people as p', 'p.id', 'pr.person_id')
    .where('pr.school_id', '=', schoolId).where('pr.role', '=', 'administrator').where('p.status', '=', 'active').where('p.id', '!=', personId)
    .select('p.id').limit(1).execute();
  if (others.length === 0) throw conflict('This is the only administrator. Give someone else the administrator role first — the school should have at least two.');
}

export async function setRoles(ctx: DirectoryContext, id: string, rolesIn: string[]) {
  const roles = checkRoles(rolesIn);
  return withTransaction(ctx, async ({ db: tx }) => {
    const before = await store.getPerson(tx, ctx.actor.schoolId, id);
    if (!before) throw notFound('That person');
    assertMayChangeRoles(ctx, before, roles);
    if (before.roles.includes('administrator') && !roles.includes('administrator')) await ensureOtherAdministrator(tx, ctx.actor.schoolId, id);
    if (roles.includes('pupil') && !before.yearGroup) throw badRequest('A pupil needs a year group. Set the year group first, then give the pupil role.');
    await store.setRoles(tx, ctx.actor.schoolId, id, roles);
    await appendAudit(tx, ctx.actor, { action: 'person.roles_changed', entityType: 'person', entityId: id, details: { from: before.roles, to: [...new Set(roles)].sort() } }, ctx.clock.now());
  });
}

export async function listGroups(ctx: ServiceContext, kind?: GroupKind) {
  return store.listGroups(ctx.db, ctx.actor.schoolId, kind);
}

export async function createGroup(ctx: ServiceContext, input: { kind: string; name: string; description?: string }) {
  if (!(GROUP_KINDS as readonly string[]).includes(input.kind)) throw badRequest(`Unknown kind of group '${input.kind}'. Use one of: ${GROUP_KINDS.join(', ')}.`);
  const name = input.name.trim();
  if (!name) throw badRequest('Give the group a name.');
  return withTransaction(ctx, async ({ db: tx }) => {
    const exists = await tx.selectFrom('groups').select('id').where('school_id', '=', ctx.actor.schoolId).where('kind', '=', input.kind).where('name', '=', name).executeTakeFirst();
    if (exists) throw conflict(`There is already a group called '${name}'. Choose another name.`);
    const now = ctx.clock.now();
    const id = await store.ensureGroup(tx, ctx.actor.schoolId, input.kind as GroupKind, name, now, input.description ?? '');
    await appendAudit(tx, ctx.actor, { action: 'group.created', entityType: 'group', entityId: id, details: { kind: input.kind, name } }, now);
    return id;
  });
}

export async function changeMembers(ctx: ServiceContext, groupId: string, add: string[], remove: string[]) {
  return withTransaction(ctx, async ({ db: tx }) => {
    const group = await store.getGroup(tx, ctx.actor.schoolId, groupId);
    if (!group) throw notFound('That group');
    const known = new Set((await tx.selectFrom('people').select('id').where('school_id', '=', ctx.actor.schoolId).where('id', 'in', [...add, ...remove, '00000000-0000-0000-0000-000000000000']).execute()).map((r) => r.id));
    const missing = [...add, ...remove].filter((id) => !known.has(id));
    if (missing.length) throw badRequest(`${missing.length} of the people given were not found. Reload the page and try again.`, { missing });
    await store.addMembers(tx, ctx.actor.schoolId, groupId, add);
    await store.removeMembers(tx, groupId, remove);
    await appendAudit(tx, ctx.actor, { action: 'group.members_changed', entityType: 'group', entityId: groupId, details: { added: add, removed: remove } }, ctx.clock.now());
  });
}

/** Key stages whose classes may share one log-on (S0: "group or class log-ons … for KS1 and below"). */
const CLASS_LOGON_KEY_STAGES = ['EYFS', 'KS1'];

/**
 * R1.3: a shared log-on for a whole class, allowed for KS1 and below only. It is recorded as a risk: what is done
 * with it cannot be traced to one child.
 */
export async function createClassLogon(ctx: ServiceContext, groupId: string) {
  return withTransaction(ctx, async ({ db: tx }) => {
    const group = await store.getGroup(tx, ctx.actor.schoolId, groupId);
    if (!group) throw notFound('That class');
    if (group.kind !== 'class') throw badRequest(`'${group.name}' is not a class. Shared log-ons can only be made for classes.`);
    const pupils = await tx.selectFrom('group_members as gm').innerJoin('people as p', 'p.id', 'gm.person_id').innerJoin('person_roles as r', 'r.person_id', 'p.id')
      .where('gm.group_id', '=', groupId).where('r.role', '=', 'pupil').where('p.kind', '=', 'individual').where('p.status', '=', 'active')
      .select('p.year_group').execute();
    const years = [...new Set(pupils.map((p) => p.year_group).filter((y): y is YearGroup => (YEAR_GROUPS as readonly string[]).includes(y ?? '')))];
    if (years.length === 0) throw badRequest(`'${group.name}' has no pupils with a year group yet. Import or add the pupils first.`);
    const tooOld = years.filter((y) => !CLASS_LOGON_KEY_STAGES.includes(keyStageOf(y)));
    if (tooOld.length) throw new AppError(422, 'class_logon_not_allowed', `Shared class log-ons are only allowed for Key Stage 1 and below. '${group.name}' has pupils in ${tooOld.join(', ')}, who need their own log-ons.`);
    const slug = group.name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || 'class';
    const username = `class.${slug}`;
    const taken = await tx.selectFrom('people').select('id').where('school_id', '=', ctx.actor.schoolId).where('username', '=', username).executeTakeFirst();
    if (taken) throw conflict(`'${group.name}' already has a shared log-on (${username}).`);
    const now = ctx.clock.now();
    const yearGroup = years.sort((a, b) => YEAR_GROUPS.indexOf(b) - YEAR_GROUPS.indexOf(a))[0];
    const id = await store.insertPerson(tx, ctx.actor.schoolId, { username, givenName: 'Class log-on', familyName: group.name, yearGroup, source: 'manual', roles: ['pupil'], kind: 'class_logon' }, now);
    await store.addMembers(tx, ctx.actor.schoolId, groupId, [id]);
    await appendAudit(tx, ctx.actor, { action: 'person.class_logon_created', entityType: 'person', entityId: id, details: { username, class: group.name, risk: 'shared log-on: activity cannot be traced to one pupil' } }, now);
    return { id, username };
  });
}

export interface ImportRequest {
  files: Record<string, string>;
  format?: 'csv' | 'oneroster';
  dryRun: boolean;
  skipInvalid?: boolean;
  markLeavers?: boolean;
  source?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportOutcome { format: 'csv' | 'oneroster'; plan: ImportPlan; applied: ApplySummary | null }

/** Dry run → the diff. Apply → all or nothing, unless skipInvalid, which applies the good rows and lists the rest. */
export async function importPeople(ctx: DirectoryContext, req: ImportRequest): Promise<ImportOutcome> {
  const parsed = parseImport({ files: req.files, format: req.format });
  const plan = await planImport(ctx.db, ctx.actor.schoolId, parsed, { markLeavers: req.markLeavers });
  await refuseImportBeyondRights(ctx, plan, parsed.people.map((p) => ({ externalId: p.externalId, roles: p.roles, file: p.source.file })));
  if (req.dryRun || (plan.problems.length > 0 && !req.skipInvalid)) return { format: parsed.format, plan, applied: null };
  const applied = await applyImport(ctx.db, ctx.actor.schoolId, parsed, plan, { source: req.source ?? parsed.format, actor: ctx.actor, now: ctx.clock.now(), onProgress: req.onProgress });
  return { format: parsed.format, plan, applied };
}

/**
 * Issue 11: an import that would give or take away roles without `roles.manage`, or change someone whose roles carry
 * rights the importer lacks, is refused as a whole (dry run too, so the problem shows before anyone relies on it),
 * naming every row. --skip-invalid does not skip these: they are not mistakes in the file.
 */
async function refuseImportBeyondRights(ctx: DirectoryContext, plan: ImportPlan, rows: Array<{ externalId: string; roles: Role[]; file: string }>) {
  const byExternal = new Map(rows.map((r) => [r.externalId, r]));
  const touched = [...plan.changed.map((c) => c.personId), ...plan.leavers.map((l) => l.personId)];
  const stored = await store.peopleByIds(ctx.db, ctx.actor.schoolId, touched);
  const refused: Array<{ file: string; line: number | null; username: string; message: string }> = [];
  for (const a of plan.added) {
    const problem = roleChangeProblem(ctx, null, a.roles);
    if (problem) refused.push({ file: byExternal.get(a.externalId)?.file ?? '', line: a.line, username: a.username, message: problem });
  }
  for (const c of plan.changed) {
    const before = stored.get(c.personId);
    const row = byExternal.get(c.externalId);
    if (!before || !row) continue;
    const problem = c.changes.some((ch) => ch.field === 'roles') ? roleChangeProblem(ctx, before, row.roles) : actingProblem(ctx, before);
    if (problem) refused.push({ file: row.file, line: c.line, username: c.username, message: problem });
  }
  for (const l of plan.leavers) {
    const before = stored.get(l.personId);
    const problem = before && actingProblem(ctx, before);
    if (problem) refused.push({ file: '', line: null, username: l.username, message: `${problem} (they would be marked as a leaver)` });
  }
  if (refused.length === 0) return;
  const lines = refused.map((r) => `${r.line !== null ? `${r.file}:${r.line}` : 'not in the file'} (${r.username}): ${r.message}`);
  throw new AppError(403, 'import_beyond_rights',
    `Nothing was imported: ${refused.length} row${refused.length === 1 ? '' : 's'} would change roles or people in ways you are not allowed to. `
    + `Ask an administrator to run this import, or remove these rows:\n${lines.join('\n')}`, { rows: refused });
}

/** Numbers for leaders and governors: no names except the roles register people need to know (R9.2). */
export async function directoryReport(ctx: ServiceContext) {
  const { db } = ctx;
  const schoolId = ctx.actor.schoolId;
  const byRole = await db.selectFrom('person_roles as pr').innerJoin('people as p', 'p.id', 'pr.person_id')
    .where('pr.school_id', '=', schoolId).where('p.status', '=', 'active').groupBy('pr.role')
    .select(['pr.role', (eb) => eb.fn.countAll<number>().as('n')]).execute();
  const byKeyStage = await db.selectFrom('groups as g').innerJoin('group_members as gm', 'gm.group_id', 'g.id').innerJoin('people as p', 'p.id', 'gm.person_id')
    .where('g.school_id', '=', schoolId).where('g.kind', '=', 'key_stage').where('p.status', '=', 'active').groupBy('g.name')
    .select(['g.name', (eb) => eb.fn.countAll<number>().as('n')]).orderBy('g.name').execute();
  const register = await db.selectFrom('person_roles as pr').innerJoin('people as p', 'p.id', 'pr.person_id')
    .where('pr.school_id', '=', schoolId).where('p.status', '=', 'active')
    .where('pr.role', 'in', ['headteacher', 'dsl', 'deputy_dsl', 'online_safety_lead', 'online_safety_governor', 'network_manager', 'dpo'])
    .select(['pr.role', 'p.given_name', 'p.family_name']).orderBy('pr.role').orderBy('p.family_name').execute();
  const leavers = await db.selectFrom('people').where('school_id', '=', schoolId).where('status', '=', 'leaver').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const classLogons = await db.selectFrom('people').where('school_id', '=', schoolId).where('kind', '=', 'class_logon').where('status', '=', 'active')
    .select('family_name').orderBy('family_name').execute();
  await appendAudit(db, ctx.actor, { action: 'report.viewed', entityType: 'report', entityId: 'directory' }, ctx.clock.now());
  return {
    roles: ROLES.map((r) => ({ role: r, label: ROLE_LABELS[r], count: Number(byRole.find((x) => x.role === r)?.n ?? 0) })),
    keyStages: byKeyStage.map((k) => ({ name: k.name, count: Number(k.n) })),
    rolesRegister: register.map((r) => ({ role: r.role, label: ROLE_LABELS[r.role as Role], name: `${r.given_name} ${r.family_name}` })),
    leavers: Number(leavers.n),
    risks: classLogons.length
      ? [{ code: 'class_logons', message: `${classLogons.length} shared class log-on${classLogons.length === 1 ? '' : 's'} (${classLogons.map((c) => c.family_name).join(', ')}): what is done with them cannot be traced to one pupil. Allowed for KS1 and below only.` }]
      : [],
  };
}
