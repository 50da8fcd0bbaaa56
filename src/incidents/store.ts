/**
 * Incident storage. Everything here only ever INSERTs: a change to an incident is a new row in incident_versions, a
 * step's progress a new incident_step_events row, a grant a new incident_grant_events row, and every one of them also
 * a line in incident_history (the database refuses UPDATE on these tables, migrations/0011_incidents.sql).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { AuditActor } from '../platform/audit.ts';
import type { Db } from '../platform/db.ts';
import type { IncidentsTable, IncidentVersionsTable } from '../platform/schema.ts';

export type Status = 'open' | 'investigating' | 'closed';
export type Classification = 'restricted' | 'general';
export type PersonKind = 'pupil' | 'staff' | 'parent' | 'other';
export type PersonPart = 'victim' | 'instigator' | 'witness';
export type Location = 'in_school' | 'out_of_school' | 'unknown';

export interface InvolvedPerson { personId: string | null; name: string; kind: PersonKind; part: PersonPart }

/** One version of an incident's content: the log-sheet fields and the rest. */
export interface VersionContent {
  occurredAt: Date;
  description: string;
  actionTaken: string;
  actionBy: string;
  reportedBy: string;
  category: string;
  location: Location;
  devices: string[];
  urls: string[];
  status: Status;
  outcome: string;
  classification: Classification;
  investigationDevice: string;
  people: InvolvedPerson[];
  investigators: string[];
  triage: Record<string, string>;
  sanctionType: string | null;
}

export interface Version extends VersionContent {
  incidentId: string;
  version: number;
  at: Date;
  byId: string | null;
  byLabel: string;
  changeNote: string;
}

export interface IncidentRow {
  id: string;
  schoolId: string;
  reference: string;
  createdAt: Date;
  reporterKind: 'staff' | 'pupil' | 'parent' | 'alert';
  reporterId: string | null;
  anonymous: boolean;
  reporterHash: string | null;
  fromAlert: Record<string, unknown> | null;
}

/** A jsonb column as the driver gives it: parsed already, or (some drivers) as its text. */
const json = <T>(v: T | string): T => (typeof v === 'string' ? JSON.parse(v) : v);

/** A stored version as Kysely reads it (incident_versions). */
type VersionDbRow = Selectable<IncidentVersionsTable>;
/** A stored incident as Kysely reads it (incidents). */
type IncidentDbRow = Selectable<IncidentsTable>;

export function toVersion(r: VersionDbRow): Version {
  return {
    incidentId: r.incident_id, version: Number(r.version), at: new Date(r.at), byId: r.by_id,
    byLabel: r.by_label, changeNote: r.change_note, occurredAt: new Date(r.occurred_at),
    description: r.description, actionTaken: r.action_taken, actionBy: r.action_by,
    reportedBy: r.reported_by, category: r.category, location: r.location,
    devices: json(r.devices), urls: json(r.urls), status: r.status, outcome: r.outcome,
    classification: r.classification, investigationDevice: r.investigation_device,
    people: json(r.people), investigators: json(r.investigators), triage: json(r.triage),
    sanctionType: r.sanction_type ?? null,
  };
}

export function toIncident(r: IncidentDbRow): IncidentRow {
  return {
    id: r.id, schoolId: r.school_id, reference: r.reference, createdAt: new Date(r.created_at),
    reporterKind: r.reporter_kind, reporterId: r.reporter_id, anonymous: Boolean(r.anonymous),
    reporterHash: r.reporter_hash, fromAlert: r.from_alert ? json(r.from_alert) : null,
  };
}

export async function getIncidentRow(db: Db, schoolId: string, id: string): Promise<IncidentRow | undefined> {
  const r = await db.selectFrom('incidents').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
  return r ? toIncident(r) : undefined;
}

/** The current version: the highest one. */
export async function currentVersion(db: Db, incidentId: string): Promise<Version> {
  const r = await db.selectFrom('incident_versions').selectAll().where('incident_id', '=', incidentId).orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow();
  return toVersion(r);
}

export async function allVersions(db: Db, incidentId: string): Promise<Version[]> {
  const rows = await db.selectFrom('incident_versions').selectAll().where('incident_id', '=', incidentId).orderBy('version').execute();
  return rows.map(toVersion);
}

/** Current versions of many incidents (of one school), newest incident first. */
export async function currentVersions(db: Db, schoolId: string, filter: { ids?: string[]; personId?: string } = {}): Promise<Array<{ incident: IncidentRow; current: Version }>> {
  if (filter.ids && filter.ids.length === 0) return [];
  let q = db.selectFrom('incidents as i')
    .innerJoin('incident_versions as v', 'v.incident_id', 'i.id')
    .where('i.school_id', '=', schoolId)
    .where('v.version', '=', (eb) => eb.selectFrom('incident_versions as m').select((e) => e.fn.max('m.version').as('mv')).whereRef('m.incident_id', '=', 'i.id'))
    .selectAll('v')
    .select(['i.id', 'i.reference', 'i.created_at', 'i.reporter_kind', 'i.reporter_id', 'i.anonymous', 'i.reporter_hash', 'i.from_alert', 'i.school_id'])
    .orderBy('v.occurred_at', 'desc').orderBy('i.created_at', 'desc');
  if (filter.ids) q = q.where('i.id', 'in', filter.ids);
  if (filter.personId) q = q.where(sql<boolean>`v.people @> ${JSON.stringify([{ personId: filter.personId }])}::jsonb`);
  const rows = await q.execute();
  return rows.map((r) => ({ incident: toIncident(r), current: toVersion(r) }));
}

export async function insertIncident(db: Db, row: Omit<IncidentRow, 'reference'>): Promise<string> {
  // One reference number at a time per installation (INC-2026-0007); the lock ends with the transaction.
  await sql`select pg_advisory_xact_lock(7350011)`.execute(db);
  const year = row.createdAt.getUTCFullYear();
  const prefix = `INC-${year}-`;
  const last = await db.selectFrom('incidents').select('reference').where('school_id', '=', row.schoolId).where('reference', 'like', `${prefix}%`)
    .orderBy('reference', 'desc').limit(1).executeTakeFirst();
  const n = last ? Number(last.reference.slice(prefix.length)) + 1 : 1;
  const reference = `${prefix}${String(n).padStart(4, '0')}`;
  await db.insertInto('incidents').values({
    id: row.id, school_id: row.schoolId, reference, created_at: row.createdAt, reporter_kind: row.reporterKind, reporter_id: row.reporterId,
    anonymous: row.anonymous, reporter_hash: row.reporterHash, from_alert: row.fromAlert ? JSON.stringify(row.fromAlert) : null,
  }).execute();
  return reference;
}

export async function insertVersion(db: Db, schoolId: string, v: Version): Promise<void> {
  await db.insertInto('incident_versions').values({
    incident_id: v.incidentId, version: v.version, school_id: schoolId, at: v.at, by_id: v.byId, by_label: v.byLabel, change_note: v.changeNote,
    occurred_at: v.occurredAt, description: v.description, action_taken: v.actionTaken, action_by: v.actionBy, reported_by: v.reportedBy,
    category: v.category, location: v.location, devices: JSON.stringify(v.devices), urls: JSON.stringify(v.urls), status: v.status,
    outcome: v.outcome, classification: v.classification, investigation_device: v.investigationDevice, people: JSON.stringify(v.people),
    investigators: JSON.stringify(v.investigators), triage: JSON.stringify(v.triage), sanction_type: v.sanctionType,
  }).execute();
}

export interface HistoryEntry { seq: number; at: Date; actorId: string | null; actorLabel: string; action: string; summary: string; details: Record<string, unknown> }

/**
 * Adds one line to an incident's history (shown on the incident page and in the exported record). Pass the
 * transaction the change runs in. Other incident modules (evidence, export, retention) use this too.
 */
export async function appendIncidentHistory(
  db: Db, actor: AuditActor, entry: { incidentId: string; schoolId: string; action: string; summary: string; details?: Record<string, unknown> }, now: Date,
): Promise<void> {
  await db.insertInto('incident_history').values({
    incident_id: entry.incidentId, school_id: entry.schoolId, at: now, actor_id: actor.id, actor_label: actor.label,
    action: entry.action, summary: entry.summary, details: JSON.stringify(entry.details ?? {}),
  }).execute();
}

export async function historyOf(db: Db, incidentId: string): Promise<HistoryEntry[]> {
  const rows = await db.selectFrom('incident_history').selectAll().where('incident_id', '=', incidentId).orderBy('seq').execute();
  return rows.map((r) => ({ seq: Number(r.seq), at: new Date(r.at), actorId: r.actor_id, actorLabel: r.actor_label, action: r.action, summary: r.summary, details: json<Record<string, unknown>>(r.details) }));
}

export interface GrantState { personId: string; grantedAt: Date; grantedBy: string; reason: string }

/** Who holds a grant now: for each person, the latest grant event is 'granted'. */
export async function activeGrants(db: Db, incidentId: string): Promise<GrantState[]> {
  const rows = await db.selectFrom('incident_grant_events').selectAll().where('incident_id', '=', incidentId).orderBy('seq').execute();
  const state = new Map<string, GrantState | null>();
  for (const r of rows) state.set(r.person_id, r.action === 'granted' ? { personId: r.person_id, grantedAt: new Date(r.at), grantedBy: r.by_label, reason: r.reason } : null);
  return [...state.values()].filter((g): g is GrantState => g !== null);
}

/** The incidents (ids) a person holds a grant for now. */
export async function grantedIncidentIds(db: Db, schoolId: string, personId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('incident_grant_events').select(['incident_id', 'action']).where('school_id', '=', schoolId).where('person_id', '=', personId).orderBy('seq').execute();
  const state = new Map<string, boolean>();
  for (const r of rows) state.set(r.incident_id, r.action === 'granted');
  return new Set([...state].filter(([, g]) => g).map(([id]) => id));
}

export async function insertGrantEvent(db: Db, e: { incidentId: string; schoolId: string; personId: string; action: 'granted' | 'revoked'; reason: string; actor: AuditActor; at: Date }) {
  await db.insertInto('incident_grant_events').values({
    incident_id: e.incidentId, school_id: e.schoolId, person_id: e.personId, action: e.action, reason: e.reason, by_id: e.actor.id, by_label: e.actor.label, at: e.at,
  }).execute();
}

export const newId = () => randomUUID();

export type StepState = 'open' | 'completed' | 'skipped' | 'withdrawn';
export interface StepRow {
  id: string; key: string; branch: string; label: string; guidance: string; who: string; required: boolean; createdAt: Date;
  state: StepState; note: string; by: string | null; byId: string | null; at: Date | null;
}

/** Steps of an incident's checklist with their state now (the latest event decides). */
export async function stepsOf(db: Db, incidentId: string): Promise<StepRow[]> {
  const [steps, events] = await Promise.all([
    db.selectFrom('incident_steps').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').orderBy('key').execute(),
    db.selectFrom('incident_step_events').selectAll().where('incident_id', '=', incidentId).orderBy('seq').execute(),
  ]);
  const out = new Map<string, StepRow>(steps.map((s) => [s.id, {
    id: s.id, key: s.key, branch: s.branch, label: s.label, guidance: s.guidance, who: s.who, required: s.required, createdAt: new Date(s.created_at),
    state: 'open' as StepState, note: '', by: null, byId: null, at: null,
  }]));
  for (const e of events) {
    const s = out.get(e.step_id);
    if (!s) continue;
    s.state = e.action === 'reopened' || e.action === 'restored' ? 'open' : e.action;
    s.note = e.note; s.by = e.by_label; s.byId = e.by_id; s.at = new Date(e.at);
  }
  return [...out.values()];
}

export async function insertStepEvent(db: Db, e: { stepId: string; incidentId: string; schoolId: string; action: 'completed' | 'skipped' | 'reopened' | 'withdrawn' | 'restored'; note: string; actor: AuditActor; at: Date }) {
  await db.insertInto('incident_step_events').values({
    step_id: e.stepId, incident_id: e.incidentId, school_id: e.schoolId, action: e.action, note: e.note, by_id: e.actor.id, by_label: e.actor.label, at: e.at,
  }).execute();
}
