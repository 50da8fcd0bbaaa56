/** SQL for incident evidence (migrations/0012_incident_records.sql). Rows are only ever added. */
import type { Db } from '../platform/db.ts';

export interface EvidenceRow {
  id: string;
  school_id: string;
  incident_id: string;
  kind: 'file' | 'url';
  sha256: string;
  size_bytes: number | string;
  media_type: string | null;
  original_name: string | null;
  url: string | null;
  note: string;
  device: string | null;
  uploaded_by: string | null;
  uploaded_by_label: string;
  uploaded_at: Date;
}
type StoredRow = EvidenceRow;

export async function insertEvidence(db: Db, row: EvidenceRow): Promise<void> {
  await db.insertInto('incident_evidence').values({ ...row, size_bytes: Number(row.size_bytes) }).execute();
}

export function evidenceOfIncident(db: Db, schoolId: string, incidentId: string): Promise<StoredRow[]> {
  return db.selectFrom('incident_evidence').selectAll()
    .where('school_id', '=', schoolId).where('incident_id', '=', incidentId)
    .orderBy('uploaded_at').orderBy('id').execute();
}

export function evidenceById(db: Db, schoolId: string, id: string): Promise<StoredRow | undefined> {
  return db.selectFrom('incident_evidence').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
}
