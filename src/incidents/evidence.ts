/**
 * Evidence for an incident (R5.4): screenshots, files and URLs, each with its SHA-256 hash, who added it and when.
 * Files are encrypted at rest (evidence-files.ts). Nothing is ever changed or removed; reading a file is audited and
 * follows the incident's own access rules (the core decides, through IncidentRecordAccess).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { appendAudit } from '../platform/audit.ts';
import type { Clock, ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { AppError, badRequest, notFound } from '../platform/errors.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { executableReason, mediaTypeOf } from './evidence-checks.ts';
import { EvidenceFileProblem, readEvidenceFile, sha256Of, storeEvidenceFile } from './evidence-files.ts';
import { insertEvidence, evidenceOfIncident, evidenceById, type EvidenceRow } from './evidence-store.ts';
import { isChildAbuseImagery, type IncidentFacts, type IncidentRecordAccess } from './evidence-types.ts';

export interface EvidenceDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'dataDir' | 'maxEvidenceBytes'>;
  secrets: SecretBox;
  incidents: IncidentRecordAccess;
}

export interface EvidenceView {
  id: string;
  incidentId: string;
  kind: 'file' | 'url';
  sha256: string;
  sizeBytes: number;
  mediaType: string | null;
  originalName: string | null;
  url: string | null;
  note: string;
  device: string | null;
  uploadedBy: string;
  uploadedAt: string;
}

export interface FileEvidenceInput {
  content: Buffer;
  originalName: string;
  mediaType?: string;
  note?: string;
  device?: string;
}

export interface UrlEvidenceInput { url: string; note?: string; device?: string }

export const CSAM_REFUSAL = 'Nothing can be uploaded to this incident because it is about suspected child sexual abuse images. ' +
  'Such images must never be uploaded, copied, viewed or shown to anyone, in school or in Osprey: doing so is itself an offence. ' +
  'Do not look at the device again; secure it as it is, and report to the police (or CEOP) and the Internet Watch Foundation. ' +
  'Record the referral in the incident\'s steps — only the referral is recorded.';

export function viewOf(r: EvidenceRow): EvidenceView {
  return {
    id: r.id, incidentId: r.incident_id, kind: r.kind, sha256: r.sha256, sizeBytes: Number(r.size_bytes), mediaType: r.media_type,
    originalName: r.original_name, url: r.url, note: r.note, device: r.device, uploadedBy: r.uploaded_by_label,
    uploadedAt: new Date(r.uploaded_at).toISOString(),
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;
}

export function oversizedMessage(limit: number): string {
  return `This file is too large to keep as evidence: the most Osprey accepts is ${megabytes(limit)}. ` +
    'Take a screenshot of just the part that matters, or save a smaller copy, and upload that.';
}

function cleanName(name: string): string {
  // Keep the name people gave the file, but never a path or control characters.
  const base = name.split(/[\\/]/).pop() ?? '';
  return [...base].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f).join('').trim().slice(0, 200);
}

export function evidenceServiceFor(deps: EvidenceDeps) {
  const { db, clock, config, secrets, incidents } = deps;

  function refuseChildAbuseImagery(incident: IncidentFacts) {
    if (isChildAbuseImagery(incident)) throw new AppError(422, 'evidence_refused_csam', CSAM_REFUSAL);
  }

  return {
    /** Adds a file (a screenshot, a document) to an incident. */
    async addFile(ctx: ServiceContext, incidentId: string, input: FileEvidenceInput): Promise<EvidenceView> {
      const incident = await incidents.manageable(ctx, incidentId, 'evidence_add');
      refuseChildAbuseImagery(incident);
      const originalName = cleanName(input.originalName);
      if (!originalName) throw badRequest('Give the file\'s name, so people can tell what it is.');
      if (input.content.length === 0) throw badRequest('The file is empty. Choose the file again and upload it.');
      if (input.content.length > config.maxEvidenceBytes) throw new AppError(413, 'evidence_too_large', oversizedMessage(config.maxEvidenceBytes));
      const program = executableReason(input.content, originalName);
      if (program) {
        throw new AppError(422, 'evidence_refused_executable', `"${originalName}" cannot be kept as evidence because ${program}. ` +
          'Programs and scripts are never stored in Osprey. Record what it is and where it was found in a note, and keep the device secure for the technician or the police.');
      }
      const sha256 = storeEvidenceFile(config.dataDir, secrets, input.content);
      const now = clock.now();
      const row: EvidenceRow = {
        id: randomUUID(), school_id: ctx.actor.schoolId, incident_id: incident.id, kind: 'file', sha256, size_bytes: input.content.length,
        media_type: mediaTypeOf(input.content, input.mediaType), original_name: originalName, url: null, note: input.note?.trim() ?? '',
        device: input.device?.trim() || null, uploaded_by: ctx.actor.id, uploaded_by_label: ctx.actor.label, uploaded_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await insertEvidence(tx, row);
        await appendAudit(tx, ctx.actor, {
          action: 'incident.evidence.add', entityType: 'incident', entityId: incident.id,
          details: { evidenceId: row.id, kind: 'file', sha256, sizeBytes: input.content.length, mediaType: row.media_type, name: originalName },
        }, now);
        await incidents.appendHistory(tx, ctx, incident, {
          action: 'incident.evidence_added', summary: `File "${originalName}" added as evidence (SHA-256 ${sha256})`, details: { evidenceId: row.id, sha256 },
        });
      });
      return viewOf(row);
    },

    /** Records the address of a page as evidence; its hash is the SHA-256 of the address as written. */
    async addUrl(ctx: ServiceContext, incidentId: string, input: UrlEvidenceInput): Promise<EvidenceView> {
      const incident = await incidents.manageable(ctx, incidentId, 'evidence_add');
      const url = input.url.trim();
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw badRequest(`"${url.slice(0, 100)}" is not a web address. Copy the whole address from the browser, starting with http:// or https://.`);
      }
      if (!['http:', 'https:', 'ftp:'].includes(parsed.protocol)) throw badRequest('Record a web address starting with http:// or https://.');
      const now = clock.now();
      const row: EvidenceRow = {
        id: randomUUID(), school_id: ctx.actor.schoolId, incident_id: incident.id, kind: 'url', sha256: sha256Of(url),
        size_bytes: Buffer.byteLength(url), media_type: null, original_name: null, url, note: input.note?.trim() ?? '',
        device: input.device?.trim() || null, uploaded_by: ctx.actor.id, uploaded_by_label: ctx.actor.label, uploaded_at: now,
      };
      await db.transaction().execute(async (tx) => {
        await insertEvidence(tx, row);
        await appendAudit(tx, ctx.actor, {
          action: 'incident.evidence.add', entityType: 'incident', entityId: incident.id,
          details: { evidenceId: row.id, kind: 'url', sha256: row.sha256 },
        }, now);
        await incidents.appendHistory(tx, ctx, incident, {
          action: 'incident.evidence_added', summary: `Web address recorded as evidence (SHA-256 ${row.sha256})`, details: { evidenceId: row.id, sha256: row.sha256 },
        });
      });
      return viewOf(row);
    },

    /** The evidence list of an incident the actor may read (a read of the record, so audited). */
    async list(ctx: ServiceContext, incidentId: string): Promise<{ incident: IncidentFacts; evidence: EvidenceView[]; uploadsRefused: string | null }> {
      const incident = await incidents.readable(ctx, incidentId, 'evidence_list');
      const rows = await evidenceOfIncident(db, ctx.actor.schoolId, incident.id);
      await appendAudit(db, ctx.actor, { action: 'incident.evidence.list', entityType: 'incident', entityId: incident.id, details: { items: rows.length } }, clock.now());
      return { incident, evidence: rows.map(viewOf), uploadsRefused: isChildAbuseImagery(incident) ? CSAM_REFUSAL : null };
    },

    /** One file's plain content, to download or view; audited. */
    async open(ctx: ServiceContext, incidentId: string, evidenceId: string): Promise<{ view: EvidenceView; content: Buffer }> {
      const incident = await incidents.readable(ctx, incidentId, 'evidence_open');
      const row = await evidenceById(db, ctx.actor.schoolId, evidenceId);
      if (!row || row.incident_id !== incident.id) throw notFound('That piece of evidence');
      if (row.kind !== 'file') throw badRequest('This evidence is a web address, not a file: it is shown in the list. Do not visit it from a school computer used by pupils.');
      // An incident re-classified as suspected child abuse imagery after files were added: they are never shown.
      if (isChildAbuseImagery(incident)) throw new AppError(422, 'evidence_refused_csam', CSAM_REFUSAL);
      let content: Buffer;
      try {
        content = readEvidenceFile(config.dataDir, secrets, row.sha256);
      } catch (e) {
        if (e instanceof EvidenceFileProblem) throw new AppError(500, 'evidence_damaged', e.message);
        throw e;
      }
      await appendAudit(db, ctx.actor, {
        action: 'incident.evidence.open', entityType: 'incident', entityId: incident.id, details: { evidenceId: row.id, sha256: row.sha256 },
      }, clock.now());
      return { view: viewOf(row), content };
    },
  };
}

export type EvidenceService = ReturnType<typeof evidenceServiceFor>;
