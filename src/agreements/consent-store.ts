/** SQL for media consents and parental responsibility (migrations/0014_media_consents.sql). Append-only. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db.ts';

export interface ConsentDecisionRow {
  id: string;
  seq: number;
  pupilId: string;
  use: string;
  decision: 'given' | 'refused' | 'withdrawn';
  parentId: string;
  parentName: string;
  channel: 'online' | 'paper';
  recordedById: string | null;
  recordedByName: string;
  recordedAt: Date;
  formDated: string | null;
  formKeptAt: string | null;
  note: string;
}

const decisionColumns = [
  'id', 'seq', 'pupil_id as pupilId', 'use', 'decision', 'parent_id as parentId', 'parent_name as parentName', 'channel',
  'recorded_by as recordedById', 'recorded_by_name as recordedByName', 'recorded_at as recordedAt', 'form_dated as formDated',
  'form_kept_at as formKeptAt', 'note',
] as const;

function normalise(r: ConsentDecisionRow): ConsentDecisionRow {
  return { ...r, seq: Number(r.seq), recordedAt: new Date(r.recordedAt) };
}

/** The latest decision for each (pupil, use) of these pupils: the current state. */
export async function latestDecisions(db: Db, schoolId: string, pupilIds: string[]): Promise<Map<string, Map<string, ConsentDecisionRow>>> {
  const out = new Map<string, Map<string, ConsentDecisionRow>>();
  for (let i = 0; i < pupilIds.length; i += 1000) {
    const part = pupilIds.slice(i, i + 1000);
    const rows = await db.selectFrom('media_consent_decisions').select(decisionColumns)
      .where('school_id', '=', schoolId).where('pupil_id', 'in', part)
      .distinctOn(['pupil_id', 'use']).orderBy('pupil_id').orderBy('use').orderBy('seq', 'desc').execute();
    for (const r of rows as ConsentDecisionRow[]) {
      const forPupil = out.get(r.pupilId) ?? new Map<string, ConsentDecisionRow>();
      forPupil.set(r.use, normalise(r));
      out.set(r.pupilId, forPupil);
    }
  }
  return out;
}

/** Every decision for one pupil, newest first. */
export async function historyOf(db: Db, schoolId: string, pupilId: string): Promise<ConsentDecisionRow[]> {
  const rows = await db.selectFrom('media_consent_decisions').select(decisionColumns)
    .where('school_id', '=', schoolId).where('pupil_id', '=', pupilId).orderBy('seq', 'desc').execute();
  return (rows as ConsentDecisionRow[]).map(normalise);
}

export interface NewDecision {
  pupilId: string;
  use: string;
  decision: ConsentDecisionRow['decision'];
  parentId: string;
  parentName: string;
  channel: ConsentDecisionRow['channel'];
  recordedById: string | null;
  recordedByName: string;
  formDated?: string | null;
  formKeptAt?: string | null;
  note?: string;
}

export async function insertDecision(db: Db, schoolId: string, d: NewDecision, now: Date): Promise<string> {
  const id = randomUUID();
  await db.insertInto('media_consent_decisions').values({
    id, school_id: schoolId, pupil_id: d.pupilId, use: d.use, decision: d.decision, parent_id: d.parentId, parent_name: d.parentName,
    channel: d.channel, recorded_by: d.recordedById, recorded_by_name: d.recordedByName, recorded_at: now,
    form_dated: d.formDated ?? null, form_kept_at: d.formKeptAt ?? null, note: d.note ?? '',
  }).execute();
  return id;
}

export interface ResponsibilityRow { parentId: string; hasResponsibility: boolean; note: string; recordedByName: string; recordedAt: Date }

/** The latest parental-responsibility record for each adult linked to a pupil (none: the default applies). */
export async function responsibilityRecords(db: Db, schoolId: string, pupilId: string): Promise<Map<string, ResponsibilityRow>> {
  const rows = await db.selectFrom('parental_responsibility_records')
    .select(['parent_id as parentId', 'has_responsibility as hasResponsibility', 'note', 'recorded_by_name as recordedByName', 'recorded_at as recordedAt'])
    .where('school_id', '=', schoolId).where('pupil_id', '=', pupilId)
    .distinctOn('parent_id').orderBy('parent_id').orderBy('seq', 'desc').execute();
  return new Map(rows.map((r) => [r.parentId, { ...r, recordedAt: new Date(r.recordedAt) }]));
}

export async function insertResponsibility(db: Db, schoolId: string, r: { parentId: string; pupilId: string; hasResponsibility: boolean; note: string; recordedById: string | null; recordedByName: string }, now: Date): Promise<void> {
  await db.insertInto('parental_responsibility_records').values({
    id: randomUUID(), school_id: schoolId, parent_id: r.parentId, pupil_id: r.pupilId, has_responsibility: r.hasResponsibility,
    note: r.note, recorded_by: r.recordedById, recorded_by_name: r.recordedByName, recorded_at: now,
  }).execute();
}
