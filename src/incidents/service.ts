/**
 * The e-safety incident log (R5.1, R5.2, R5.4 in part, R5.6, R5.7): report, record, correct, investigate, close.
 * Every change is a new version (store.ts); every read and every refusal is audited; record-level access is decided
 * here (access.ts), not in the routes.
 */
import { appendAudit, appendAuditMany, type AuditActor } from '../platform/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { AppError, badRequest, notFound } from '../platform/errors.ts';
import { accessTo, canManage, guarded, isStaff, Refusal, reporterHash, SENIOR_ROLES, viewerOf, type Viewer } from './access.ts';
import { categoryOf, CATEGORY_KEYS } from './categories.ts';
import {
  activeGrants, allVersions, appendIncidentHistory, currentVersion, currentVersions, getIncidentRow, historyOf, insertGrantEvent, insertIncident,
  insertVersion, newId, stepsOf, type Classification, type IncidentRow, type InvolvedPerson, type Location, type PersonKind, type PersonPart,
  type Status, type Version, type VersionContent,
} from './store.ts';

export const STATUS_LABELS: Record<Status, string> = { open: 'Open', investigating: 'Being investigated', closed: 'Closed' };

export interface PersonInvolvedInput { personId?: string | null; name?: string; kind: PersonKind; part: PersonPart }

/** The record's fields as a form or the API sends them (all but description, category and when are optional). */
export interface IncidentFields {
  occurredAt: string;
  description: string;
  category: string;
  actionTaken?: string;
  actionBy?: string;
  reportedBy?: string;
  location?: Location;
  devices?: string[];
  urls?: string[];
  outcome?: string;
  classification?: Classification;
  people?: PersonInvolvedInput[];
}

export interface AlertEvidenceItem { description: string; url?: string; searchTerm?: string; phrase?: string; score?: number; eventId?: string; at: string }
export interface FromAlert { alertId: string; summary: string; evidence: AlertEvidenceItem[] }

export interface ReportInput extends IncidentFields {
  /** Pupils only: the record will not name them to anyone. */
  anonymous?: boolean;
  /** An alert from internet monitoring escalated into this incident: always restricted, the evidence kept with it. */
  fromAlert?: FromAlert;
}

const inTx = <T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));

function tidy(list: string[] | undefined, max: number): string[] {
  return [...new Set((list ?? []).map((s) => s.trim()).filter(Boolean))].slice(0, max);
}

/** Checks the fields and resolves the people involved against this school's directory. */
async function checkFields(db: Db, schoolId: string, f: IncidentFields, now: Date): Promise<Omit<VersionContent, 'status' | 'investigators' | 'triage' | 'sanctionType' | 'investigationDevice'>> {
  const description = f.description?.trim() ?? '';
  if (!description) throw badRequest('Say what happened: the description cannot be empty.');
  const occurredAt = new Date(f.occurredAt);
  if (Number.isNaN(occurredAt.getTime())) throw badRequest('The date and time of the incident are not a valid date. Give them as, for example, 2026-11-16T10:14.');
  // A minute's grace for a clock a little ahead; anything later is a mistake in the date.
  if (occurredAt.getTime() > now.getTime() + 60_000) throw badRequest('The incident cannot have happened in the future. Check the date and time.');
  const category = categoryOf(f.category);
  if (!category) throw badRequest(`'${f.category}' is not a kind of incident Osprey knows. Choose one from the list (for example bullying, pornography or other).`, { allowed: CATEGORY_KEYS });
  const people: InvolvedPerson[] = [];
  for (const p of f.people ?? []) {
    if (p.kind === 'pupil' || p.kind === 'staff') {
      if (!p.personId) throw badRequest(`Choose the ${p.kind === 'pupil' ? 'pupil' : 'member of staff'} from the school's list of people.`);
      const person = await db.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', '=', p.personId).where('school_id', '=', schoolId).executeTakeFirst();
      if (!person) throw badRequest('One of the people involved is not in this school\'s directory. Choose them from the list of people in your school.');
      const roles = (await db.selectFrom('person_roles').select('role').where('person_id', '=', person.id).execute()).map((r) => r.role);
      if (p.kind === 'pupil' && !roles.includes('pupil')) throw badRequest(`${person.given_name} ${person.family_name} is not a pupil. Choose "staff", "parent" or "other" for them, or choose the right pupil.`);
      if (p.kind === 'staff' && !isStaff(roles)) throw badRequest(`${person.given_name} ${person.family_name} is not a member of staff. Choose the right kind of person.`);
      people.push({ personId: person.id, name: `${person.given_name} ${person.family_name}`, kind: p.kind, part: p.part });
    } else {
      let name = p.name?.trim() ?? '';
      let personId: string | null = null;
      if (p.personId) {
        const person = await db.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', '=', p.personId).where('school_id', '=', schoolId).executeTakeFirst();
        if (!person) throw badRequest('One of the people involved is not in this school\'s directory. Choose them from the list of people in your school.');
        personId = person.id;
        name ||= `${person.given_name} ${person.family_name}`;
      }
      if (!name) throw badRequest(`Give the name (or a description, such as "unknown adult online") of the ${p.kind === 'parent' ? 'parent or carer' : 'person'} involved.`);
      people.push({ personId, name: name.slice(0, 200), kind: p.kind, part: p.part });
    }
  }
  return {
    occurredAt, description, category: category.key,
    actionTaken: f.actionTaken?.trim() ?? '', actionBy: f.actionBy?.trim() ?? '', reportedBy: f.reportedBy?.trim() ?? '',
    location: f.location ?? 'unknown', devices: tidy(f.devices, 50), urls: tidy(f.urls, 100), outcome: f.outcome?.trim() ?? '',
    // Illegal material is always a safeguarding matter, whatever the form said.
    classification: category.illegal ? 'restricted' : (f.classification ?? 'general'), people,
  };
}

/** Reads one incident for a change: refuses (and audits) when the person may not change it or it is closed. */
async function forChange(db: Db, ctx: ServiceContext, viewer: Viewer, id: string, what: string) {
  const incident = await getIncidentRow(db, ctx.actor.schoolId, id);
  if (!incident) throw notFound('That incident');
  const current = await currentVersion(db, id);
  const access = accessTo(viewer, incident, current);
  if (access === 'none') throw new Refusal(404, 'not_found', 'That incident was not found. It may be restricted to the safeguarding team, or the link is wrong.', `incident.${what}_refused`);
  if (!canManage(viewer, incident, current)) {
    throw new Refusal(403, 'forbidden', current.classification === 'restricted'
      ? 'This is a restricted safeguarding record. Only the Designated Safeguarding Lead, their deputies and people they give access to can change it.'
      : 'You can see this incident but not change it. Ask the Online Safety Lead or the Designated Safeguarding Lead.', `incident.${what}_refused`);
  }
  if (current.status === 'closed') {
    throw new Refusal(409, 'closed', `${incident.reference} is closed, and a closed record cannot be changed. If something new has happened, report it as a new incident.`, `incident.${what}_refused`);
  }
  return { incident, current };
}

/** Writes the next version and its history line; audits the change. */
async function writeVersion(tx: Db, actor: AuditActor, incident: IncidentRow, current: Version, changes: Partial<VersionContent>, note: string, action: string, now: Date): Promise<Version> {
  const next: Version = { ...current, ...changes, version: current.version + 1, at: now, byId: actor.id, byLabel: actor.label, changeNote: note };
  await insertVersion(tx, incident.schoolId, next);
  await appendIncidentHistory(tx, actor, { incidentId: incident.id, schoolId: incident.schoolId, action, summary: note, details: { version: next.version } }, now);
  await appendAudit(tx, actor, { action, entityType: 'incident', entityId: incident.id, details: { version: next.version, note, changed: Object.keys(changes) } }, now);
  return next;
}

/**
 * Records a new concern (R5.1). Staff (any staff role) record for the school; pupils and parents report through the
 * simple page (a pupil may do so anonymously). With `fromAlert`, an alert from monitoring becomes a restricted incident
 * with its evidence. Returns the incident's id and reference.
 */
export async function reportIncident(ctx: ServiceContext, input: ReportInput): Promise<{ id: string; reference: string }> {
  const viewer = await viewerOf(ctx);
  const reporterKind = input.fromAlert ? 'alert' as const : isStaff(viewer.roles) ? 'staff' as const : viewer.roles.includes('pupil') ? 'pupil' as const : viewer.roles.includes('parent') ? 'parent' as const : null;
  if (!reporterKind || (input.fromAlert && !viewer.perms.has('incidents.safeguarding') && !viewer.perms.has('alerts.manage'))) {
    throw new AppError(403, 'forbidden', 'Only staff, pupils and parents can report a concern here. If a child is in danger, tell a member of staff or call 999.');
  }
  if (input.anonymous && reporterKind !== 'pupil') throw badRequest('Only pupils can report anonymously. Staff and parents give their name so the school can follow up.');
  const now = ctx.clock.now();
  return inTx(ctx.db, async (tx) => {
    const fields = await checkFields(tx, ctx.actor.schoolId, input, now);
    // Pupils' and parents' reports, and escalated alerts, go to the safeguarding team first.
    const classification: Classification = reporterKind === 'staff' ? fields.classification : 'restricted';
    const id = newId();
    const anonymous = Boolean(input.anonymous);
    const fromAlert = input.fromAlert ? { alertId: input.fromAlert.alertId, summary: input.fromAlert.summary, evidence: input.fromAlert.evidence } : null;
    const reference = await insertIncident(tx, {
      id, schoolId: ctx.actor.schoolId, createdAt: now, reporterKind, reporterId: anonymous ? null : ctx.actor.id,
      anonymous, reporterHash: anonymous && ctx.actor.id ? reporterHash(id, ctx.actor.id) : null, fromAlert,
    });
    // The record names the reporter unless the pupil asked not to be named: then the actor is 'anonymous pupil'.
    const actor: AuditActor = anonymous ? { id: null, label: 'anonymous pupil', ip: null, schoolId: ctx.actor.schoolId } : ctx.actor;
    const reportedBy = anonymous ? 'Anonymous pupil' : fields.reportedBy || await nameOf(tx, ctx.actor.id) || ctx.actor.label;
    const version: Version = {
      ...fields, reportedBy, classification, status: 'open', investigators: [], triage: {}, sanctionType: null, investigationDevice: '',
      incidentId: id, version: 1, at: now, byId: actor.id, byLabel: actor.label,
      changeNote: fromAlert ? `Escalated from a monitoring alert: ${fromAlert.summary}` : `Reported by ${anonymous ? 'a pupil, anonymously' : reporterKind === 'staff' ? 'a member of staff' : `a ${reporterKind}`}`,
    };
    await insertVersion(tx, ctx.actor.schoolId, version);
    await appendIncidentHistory(tx, actor, { incidentId: id, schoolId: ctx.actor.schoolId, action: fromAlert ? 'incident.escalated' : 'incident.reported', summary: version.changeNote, details: { version: 1, ...(fromAlert ? { alertId: fromAlert.alertId } : {}) } }, now);
    await appendAudit(tx, actor, { action: fromAlert ? 'incident.escalated' : 'incident.reported', entityType: 'incident', entityId: id, details: { reference, classification, category: fields.category, ...(fromAlert ? { alertId: fromAlert.alertId } : {}) } }, now);
    return { id, reference };
  });
}

async function nameOf(db: Db, personId: string | null): Promise<string | null> {
  if (!personId) return null;
  const p = await db.selectFrom('people').select(['given_name', 'family_name']).where('id', '=', personId).executeTakeFirst();
  return p ? `${p.given_name} ${p.family_name}` : null;
}

/** A correction or addition: the whole record as it should now read, and why (a new version; nothing is overwritten). */
export async function amendIncident(ctx: ServiceContext, id: string, fields: IncidentFields, reason: string) {
  const viewer = await viewerOf(ctx);
  return guarded(ctx, id, () => inTx(ctx.db, async (tx) => {
    const { incident, current } = await forChange(tx, ctx, viewer, id, 'edit');
    if (!reason.trim()) throw badRequest('Say why the record is being changed (for example "date corrected" or "witness added").');
    const checked = await checkFields(tx, ctx.actor.schoolId, fields, ctx.clock.now());
    // Only the DSL can lift a safeguarding restriction.
    if (current.classification === 'restricted' && checked.classification === 'general' && !viewer.perms.has('incidents.safeguarding')) {
      throw new Refusal(403, 'forbidden', 'Only the Designated Safeguarding Lead or a deputy can make a restricted record general.', 'incident.edit_refused');
    }
    const next = await writeVersion(tx, ctx.actor, incident, current, checked, `Record changed: ${reason.trim()}`, 'incident.amended', ctx.clock.now());
    return { version: next.version };
  }));
}

/** There is no deleting an incident: the attempt is refused and audited. */
export async function deleteIncident(ctx: ServiceContext, id: string): Promise<never> {
  const incident = await getIncidentRow(ctx.db, ctx.actor.schoolId, id);
  await appendAudit(ctx.db, ctx.actor, { action: 'incident.delete_refused', entityType: 'incident', entityId: incident ? id : null, details: { requested: id } }, ctx.clock.now());
  throw new AppError(405, 'not_allowed', 'Incidents are never deleted: the log must show everything that was recorded. To correct a mistake, change the record — the earlier version is kept.');
}

/** Assigns the senior staff investigating and the computer used for the investigation (R5.4). */
export async function setInvestigation(ctx: ServiceContext, id: string, input: { investigatorIds: string[]; investigationDevice: string }) {
  const viewer = await viewerOf(ctx);
  return guarded(ctx, id, () => inTx(ctx.db, async (tx) => {
    const { incident, current } = await forChange(tx, ctx, viewer, id, 'edit');
    const ids = [...new Set(input.investigatorIds)];
    const names: string[] = [];
    for (const pid of ids) {
      const p = await tx.selectFrom('people').select(['id', 'given_name', 'family_name', 'status']).where('id', '=', pid).where('school_id', '=', ctx.actor.schoolId).executeTakeFirst();
      if (!p || p.status !== 'active') throw badRequest('One of the investigators is not an active member of this school. Choose them from the list.');
      const roles = (await tx.selectFrom('person_roles').select('role').where('person_id', '=', pid).execute()).map((r) => r.role);
      if (!roles.some((r) => (SENIOR_ROLES as readonly string[]).includes(r))) {
        throw badRequest(`${p.given_name} ${p.family_name} is not a senior member of staff. Investigators must be the headteacher, senior leaders, the Online Safety Lead or the safeguarding team.`);
      }
      names.push(`${p.given_name} ${p.family_name}`);
    }
    const device = input.investigationDevice.trim();
    const next = await writeVersion(tx, ctx.actor, incident, current, { investigators: ids, investigationDevice: device },
      `Investigation: ${names.length ? names.join(' and ') : 'nobody'} assigned${device ? `; investigation computer: ${device}` : ''}`, 'incident.investigation_set', ctx.clock.now());
    // Investigators of a restricted incident must be able to read it: those outside the safeguarding team are given
    // access (recorded and audited like any grant, and the DSL can take it away).
    if (current.classification === 'restricted') {
      const holders = new Set((await activeGrants(tx, id)).map((g) => g.personId));
      for (const [i, pid] of ids.entries()) {
        const roles = (await tx.selectFrom('person_roles').select('role').where('person_id', '=', pid).execute()).map((r) => r.role);
        if (holders.has(pid) || roles.includes('dsl') || roles.includes('deputy_dsl')) continue;
        const now = ctx.clock.now();
        await insertGrantEvent(tx, { incidentId: id, schoolId: ctx.actor.schoolId, personId: pid, action: 'granted', reason: 'Assigned as investigator', actor: ctx.actor, at: now });
        await appendIncidentHistory(tx, ctx.actor, { incidentId: id, schoolId: ctx.actor.schoolId, action: 'incident.access_granted', summary: `Access given to ${names[i]}: assigned as investigator`, details: { personId: pid } }, now);
        await appendAudit(tx, ctx.actor, { action: 'incident.access_granted', entityType: 'incident', entityId: id, details: { personId: pid, reason: 'Assigned as investigator' } }, now);
      }
    }
    return { version: next.version };
  }));
}

/**
 * Moves an incident on: open → investigating (needs two senior investigators and the investigation computer), and
 * to closed (needs triage answered and every required step done or skipped with a reason, and an outcome).
 */
export async function setStatus(ctx: ServiceContext, id: string, input: { status: Status; outcome?: string; note?: string }) {
  const viewer = await viewerOf(ctx);
  return guarded(ctx, id, () => inTx(ctx.db, async (tx) => {
    const { incident, current } = await forChange(tx, ctx, viewer, id, 'edit');
    if (input.status === current.status) throw badRequest(`${incident.reference} is already ${STATUS_LABELS[current.status].toLowerCase()}.`);
    const changes: Partial<VersionContent> = { status: input.status };
    if (input.status === 'investigating') {
      if (current.investigators.length < 2) throw new AppError(409, 'needs_investigators', 'Assign at least two senior members of staff before the investigation starts. This protects everyone if accusations are made later.');
      if (!current.investigationDevice) throw new AppError(409, 'needs_device', 'Record which computer the investigation will use (one pupils do not use, which could be handed to the police) before it starts.');
    }
    if (input.status === 'open' && current.status === 'investigating') throw badRequest('An investigation cannot go back to open. Close it with its outcome, or carry on investigating.');
    if (input.status === 'closed') {
      if (!current.triage.illegal) throw new AppError(409, 'needs_triage', 'Answer the triage questions before closing, so the right steps are on the checklist.');
      const open = (await stepsOf(tx, id)).filter((s) => s.required && s.state === 'open');
      if (open.length) {
        throw new AppError(409, 'steps_open', `These steps are not done yet: ${open.map((s) => s.label).join('; ')}. Tick each one when it is done, or skip it with the reason, then close.`, { openSteps: open.map((s) => s.key) });
      }
      const outcome = (input.outcome ?? current.outcome).trim();
      if (!outcome) throw badRequest('Write the outcome before closing: what was found and what was done.');
      changes.outcome = outcome;
    }
    const note = `Status changed to ${STATUS_LABELS[input.status].toLowerCase()}${input.note?.trim() ? `: ${input.note.trim()}` : ''}`;
    const next = await writeVersion(tx, ctx.actor, incident, current, changes, note, 'incident.status_changed', ctx.clock.now());
    return { version: next.version, status: next.status };
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading. Every read is audited, the refused ones too.

export interface IncidentSummary {
  id: string; reference: string; occurredAt: string; createdAt: string; category: string; categoryLabel: string; illegal: boolean;
  status: Status; classification: Classification; description: string; people: InvolvedPerson[]; reporterKind: string;
}

function summary(incident: IncidentRow, v: Version): IncidentSummary {
  const c = categoryOf(v.category);
  return {
    id: incident.id, reference: incident.reference, occurredAt: v.occurredAt.toISOString(), createdAt: incident.createdAt.toISOString(), category: v.category,
    categoryLabel: c?.label ?? v.category, illegal: Boolean(c?.illegal), status: v.status, classification: v.classification,
    description: v.description, people: v.people, reporterKind: incident.reporterKind,
  };
}

/** The incidents this person may see in full (R5.6), each listing audited. */
export async function listIncidents(ctx: ServiceContext, filter: { status?: Status } = {}): Promise<IncidentSummary[]> {
  const viewer = await viewerOf(ctx);
  const rows = (await currentVersions(ctx.db, ctx.actor.schoolId))
    .filter(({ incident, current }) => accessTo(viewer, incident, current) === 'full')
    .filter(({ current }) => !filter.status || current.status === filter.status);
  await auditReads(ctx, rows.map((r) => r.incident.id), 'incident.listed');
  return rows.map(({ incident, current }) => summary(incident, current));
}

async function auditReads(ctx: ServiceContext, ids: string[], action: string) {
  if (ids.length === 0) return;
  await appendAuditMany(ctx.db, ctx.actor, ids.map((id) => ({ action, entityType: 'incident', entityId: id })), ctx.clock.now());
}

export interface ReporterView { id: string; reference: string; reportedAt: string; occurredAt: string; whatYouReported: string; status: Status; statusLabel: string; anonymous: boolean }

/** What a reporter sees of their own report: their words and where it has got to, nothing more. */
async function reporterView(db: Db, incident: IncidentRow, current: Version): Promise<ReporterView> {
  const first = await db.selectFrom('incident_versions').select(['description', 'occurred_at']).where('incident_id', '=', incident.id).where('version', '=', 1).executeTakeFirstOrThrow();
  return {
    id: incident.id, reference: incident.reference, reportedAt: incident.createdAt.toISOString(), occurredAt: new Date(first.occurred_at).toISOString(),
    whatYouReported: first.description, status: current.status, statusLabel: STATUS_LABELS[current.status], anonymous: incident.anonymous,
  };
}

/** The reports this person made (anonymous ones included), with their status only. */
export async function myReports(ctx: ServiceContext): Promise<ReporterView[]> {
  const viewer = await viewerOf(ctx);
  if (!viewer.id) return [];
  const candidates = await ctx.db.selectFrom('incidents').select('id').where('school_id', '=', ctx.actor.schoolId)
    .where((eb) => eb.or([eb('reporter_id', '=', viewer.id), eb('anonymous', '=', true)])).execute();
  const rows = (await currentVersions(ctx.db, ctx.actor.schoolId, { ids: candidates.map((c) => c.id) }))
    .filter(({ incident }) => incident.reporterId === viewer.id || incident.reporterHash === reporterHash(incident.id, viewer.id!));
  const out: ReporterView[] = [];
  for (const { incident, current } of rows) out.push(await reporterView(ctx.db, incident, current));
  // A pupil reading their own anonymous report leaves no audit entry: one naming them (or one at the same moment as
  // their other entries) would tell any reader of the audit log who made it (issue 11). Named reports are audited.
  await auditReads(ctx, out.filter((r) => !r.anonymous).map((r) => r.id), 'incident.report_viewed_by_reporter');
  return out.sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
}

export interface PersonName { id: string; name: string }

export interface IncidentView {
  view: 'full';
  id: string; reference: string; createdAt: string;
  reporter: { kind: string; anonymous: boolean; personId: string | null };
  fromAlert: FromAlert | null;
  current: ReturnType<typeof versionView>;
  versions: Array<ReturnType<typeof versionView>>;
  history: Array<{ at: string; by: string; action: string; summary: string }>;
  steps: Array<{ id: string; key: string; branch: string; label: string; guidance: string; who: string; required: boolean; state: string; note: string; by: string | null; at: string | null }>;
  investigators: PersonName[];
  grants: Array<{ personId: string; name: string; grantedAt: string; grantedBy: string; reason: string }> | null;
  can: { manage: boolean; grant: boolean };
}

function versionView(v: Version) {
  const c = categoryOf(v.category);
  return {
    version: v.version, at: v.at.toISOString(), by: v.byLabel, changeNote: v.changeNote, occurredAt: v.occurredAt.toISOString(),
    description: v.description, actionTaken: v.actionTaken, actionBy: v.actionBy, reportedBy: v.reportedBy, category: v.category,
    categoryLabel: c?.label ?? v.category, illegal: Boolean(c?.illegal), location: v.location, devices: v.devices, urls: v.urls,
    status: v.status, outcome: v.outcome, classification: v.classification, investigationDevice: v.investigationDevice,
    people: v.people, investigators: v.investigators, triage: v.triage, sanctionType: v.sanctionType,
  };
}

async function names(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, `${r.given_name} ${r.family_name}`]));
}

/**
 * One incident. Full record for those allowed (R5.6), the reporter's view for the person who reported it; otherwise
 * "not found" (the refusal is audited). Every read is audited.
 */
export async function getIncident(ctx: ServiceContext, id: string): Promise<IncidentView | ({ view: 'reporter' } & ReporterView)> {
  const viewer = await viewerOf(ctx);
  const incident = await getIncidentRow(ctx.db, ctx.actor.schoolId, id);
  if (!incident) throw notFound('That incident');
  const current = await currentVersion(ctx.db, id);
  const access = accessTo(viewer, incident, current);
  if (access === 'none') {
    await appendAudit(ctx.db, ctx.actor, { action: 'incident.view_refused', entityType: 'incident', entityId: id, details: { classification: current.classification } }, ctx.clock.now());
    throw notFound('That incident');
  }
  if (access === 'reporter') {
    // Anonymous means anonymous to every reader, the audit log's included (see myReports).
    if (!incident.anonymous) await appendAudit(ctx.db, ctx.actor, { action: 'incident.report_viewed_by_reporter', entityType: 'incident', entityId: id }, ctx.clock.now());
    return { view: 'reporter', ...(await reporterView(ctx.db, incident, current)) };
  }
  const [versions, history, steps, grants] = await Promise.all([allVersions(ctx.db, id), historyOf(ctx.db, id), stepsOf(ctx.db, id), activeGrants(ctx.db, id)]);
  const canGrant = viewer.perms.has('incidents.safeguarding') && current.classification === 'restricted';
  const nameMap = await names(ctx.db, [...current.investigators, ...grants.map((g) => g.personId)]);
  await appendAudit(ctx.db, ctx.actor, { action: 'incident.viewed', entityType: 'incident', entityId: id, details: { classification: current.classification, version: current.version } }, ctx.clock.now());
  return {
    view: 'full', id, reference: incident.reference, createdAt: incident.createdAt.toISOString(),
    reporter: { kind: incident.reporterKind, anonymous: incident.anonymous, personId: incident.anonymous ? null : incident.reporterId },
    fromAlert: incident.fromAlert as FromAlert | null,
    current: versionView(current), versions: versions.map(versionView),
    history: history.map((h) => ({ at: h.at.toISOString(), by: h.actorLabel, action: h.action, summary: h.summary })),
    steps: steps.map((s) => ({ id: s.id, key: s.key, branch: s.branch, label: s.label, guidance: s.guidance, who: s.who, required: s.required, state: s.state, note: s.note, by: s.by, at: s.at?.toISOString() ?? null })),
    investigators: current.investigators.map((pid) => ({ id: pid, name: nameMap.get(pid) ?? 'Unknown person' })),
    grants: canGrant ? grants.map((g) => ({ personId: g.personId, name: nameMap.get(g.personId) ?? 'Unknown person', grantedAt: g.grantedAt.toISOString(), grantedBy: g.grantedBy, reason: g.reason })) : null,
    can: { manage: canManage(viewer, incident, current) && current.status !== 'closed', grant: canGrant },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Grants (R5.6): the DSL lets a named person read one restricted incident, and takes it back.

export async function grantAccess(ctx: ServiceContext, id: string, personId: string, reason: string) {
  return changeGrant(ctx, id, personId, 'granted', reason);
}
export async function revokeAccess(ctx: ServiceContext, id: string, personId: string, reason = '') {
  return changeGrant(ctx, id, personId, 'revoked', reason);
}

async function changeGrant(ctx: ServiceContext, id: string, personId: string, action: 'granted' | 'revoked', reason: string) {
  const viewer = await viewerOf(ctx);
  return guarded(ctx, id, () => inTx(ctx.db, async (tx) => {
    const incident = await getIncidentRow(tx, ctx.actor.schoolId, id);
    if (!incident) throw notFound('That incident');
    const current = await currentVersion(tx, id);
    if (!viewer.perms.has('incidents.safeguarding')) {
      throw new Refusal(403, 'forbidden', 'Only the Designated Safeguarding Lead or a deputy can give or take away access to a safeguarding record.', `incident.grant_refused`);
    }
    if (current.classification !== 'restricted') throw badRequest('This incident is not restricted: everyone who can see incidents can already see it.');
    const person = await tx.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', '=', personId).where('school_id', '=', ctx.actor.schoolId).executeTakeFirst();
    if (!person) throw badRequest('That person is not in this school\'s directory. Choose them from the list.');
    const holds = (await activeGrants(tx, id)).some((g) => g.personId === personId);
    if (action === 'granted' && holds) throw badRequest(`${person.given_name} ${person.family_name} can already see this incident.`);
    if (action === 'revoked' && !holds) throw badRequest(`${person.given_name} ${person.family_name} has not been given access to this incident.`);
    if (action === 'granted' && !reason.trim()) throw badRequest('Say why this person needs to see the record (for example "form tutor supporting the pupil").');
    const now = ctx.clock.now();
    await insertGrantEvent(tx, { incidentId: id, schoolId: ctx.actor.schoolId, personId, action, reason: reason.trim(), actor: ctx.actor, at: now });
    const name = `${person.given_name} ${person.family_name}`;
    const text = action === 'granted' ? `Access given to ${name}: ${reason.trim()}` : `Access taken away from ${name}${reason.trim() ? `: ${reason.trim()}` : ''}`;
    await appendIncidentHistory(tx, ctx.actor, { incidentId: id, schoolId: ctx.actor.schoolId, action: `incident.access_${action}`, summary: text, details: { personId } }, now);
    await appendAudit(tx, ctx.actor, { action: `incident.access_${action}`, entityType: 'incident', entityId: id, details: { personId, reason: reason.trim() } }, now);
    return { ok: true };
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Chronology (R5.7): the incidents a person was involved in, oldest first, only those the viewer may see.

export interface ChronologyEntry { kind: 'incident'; at: string; incidentId: string; reference: string; part: PersonPart; personKind: PersonKind; category: string; categoryLabel: string; status: Status; classification: Classification; summary: string }

export async function incidentsForPerson(ctx: ServiceContext, personId: string): Promise<ChronologyEntry[]> {
  const viewer = await viewerOf(ctx);
  const person = await ctx.db.selectFrom('people').select('id').where('id', '=', personId).where('school_id', '=', ctx.actor.schoolId).executeTakeFirst();
  if (!person) throw notFound('That person');
  const rows = (await currentVersions(ctx.db, ctx.actor.schoolId, { personId })).filter(({ incident, current }) => accessTo(viewer, incident, current) === 'full');
  await auditReads(ctx, rows.map((r) => r.incident.id), 'incident.listed');
  await appendAudit(ctx.db, ctx.actor, { action: 'person.chronology_viewed', entityType: 'person', entityId: personId, details: { incidents: rows.length } }, ctx.clock.now());
  const out: ChronologyEntry[] = [];
  for (const { incident, current } of rows) {
    for (const p of current.people.filter((x) => x.personId === personId)) {
      const c = categoryOf(current.category);
      out.push({
        kind: 'incident', at: current.occurredAt.toISOString(), incidentId: incident.id, reference: incident.reference, part: p.part, personKind: p.kind,
        category: current.category, categoryLabel: c?.label ?? current.category, status: current.status, classification: current.classification,
        summary: current.description.length > 200 ? `${current.description.slice(0, 197)}…` : current.description,
      });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * For other incident modules (evidence, export): loads an incident the acting person may see in full, or throws
 * (not found / refused, audited). `forChange` also requires the right to change it and that it is not closed.
 */
export async function incidentForModule(ctx: ServiceContext, id: string, opts: { forChange?: boolean; action?: string } = {}) {
  const viewer = await viewerOf(ctx);
  const action = opts.action ?? (opts.forChange ? 'edit' : 'view');
  return guarded(ctx, id, async () => {
    if (opts.forChange) return forChange(ctx.db, ctx, viewer, id, action);
    const incident = await getIncidentRow(ctx.db, ctx.actor.schoolId, id);
    if (!incident) throw notFound('That incident');
    const current = await currentVersion(ctx.db, id);
    if (accessTo(viewer, incident, current) !== 'full') throw new Refusal(404, 'not_found', 'That incident was not found. It may be restricted to the safeguarding team, or the link is wrong.', `incident.${action}_refused`);
    return { incident, current };
  });
}
