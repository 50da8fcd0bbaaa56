/**
 * One incident as a PDF for a police or LADO referral (R5.9): the record as it stands, every version with who changed
 * what and when, the people involved, the triage steps with who/when and skip reasons, the history, and the evidence
 * list with SHA-256 hashes. No image is ever embedded: the hashes identify the files, which stay encrypted in Osprey
 * (and for suspected child abuse images there are none at all). Exporting is audited and written in the history.
 */
import PDFDocument from 'pdfkit';
import type { Config } from '../config.ts';
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import { evidenceOfIncident } from './evidence-store.ts';
import { isChildAbuseImagery, type IncidentRecordAccess } from './evidence-types.ts';
import { viewOf, type EvidenceView } from './evidence.ts';
import type { IncidentView } from './service.ts';

type VersionView = IncidentView['versions'][number];

export interface ExportDeps { config: Pick<Config, 'timeZone'>; incidents: IncidentRecordAccess }

const LOCATION: Record<string, string> = { in_school: 'In school', out_of_school: 'Out of school', unknown: 'Not known' };
const STATUS: Record<string, string> = { open: 'Open', investigating: 'Being investigated', closed: 'Closed' };
const STEP_STATE: Record<string, string> = { open: 'Not done yet', completed: 'Done', skipped: 'Skipped', withdrawn: 'No longer applies' };

function when(iso: string | Date | null, timeZone: string): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(iso));
}

const peopleText = (v: VersionView) => v.people.map((p) => `${p.name} (${p.kind}, ${p.part})`).join('; ') || 'none recorded';
const listText = (items: string[]) => items.join(', ') || 'none';
const triageText = (t: Record<string, string>) => Object.entries(t).map(([k, a]) => `${k.replace(/_/g, ' ')}: ${a}`).join('; ') || 'not answered';

/** What changed from one version to the next, in words (the first version lists nothing: it is the original report). */
export function changesBetween(before: VersionView, after: VersionView, timeZone: string): string[] {
  const fields: [string, (v: VersionView) => string][] = [
    ['When it happened', (v) => when(v.occurredAt, timeZone)], ['What happened', (v) => v.description], ['Category', (v) => v.categoryLabel],
    ['Classification', (v) => v.classification], ['Status', (v) => STATUS[v.status] ?? v.status], ['Where', (v) => LOCATION[v.location] ?? v.location],
    ['Action taken', (v) => v.actionTaken], ['Action taken by', (v) => v.actionBy], ['Reported by', (v) => v.reportedBy], ['Outcome', (v) => v.outcome],
    ['People involved', peopleText], ['Devices', (v) => listText(v.devices)], ['Web addresses', (v) => listText(v.urls)],
    ['Investigation computer', (v) => v.investigationDevice], ['Investigators', (v) => `${v.investigators.length} assigned`],
    ['Triage answers', (v) => triageText(v.triage)], ['Sanctions type', (v) => v.sanctionType ?? ''],
  ];
  const out: string[] = [];
  for (const [label, get] of fields) {
    const a = get(before);
    const b = get(after);
    if (a !== b) out.push(`${label}: "${a || '(empty)'}" changed to "${b || '(empty)'}"`);
  }
  return out;
}

export interface ExportInput {
  schoolName: string;
  exportedBy: string;
  exportedAt: Date;
  incident: IncidentView;
  evidence: EvidenceView[];
  childAbuseImagery: boolean;
}

/** Lays the record out as a PDF (A4, page numbers on every page). */
export function renderIncidentPdf(input: ExportInput, timeZone: string): Promise<Buffer> {
  const { incident: inc, evidence } = input;
  const cur = inc.current;
  const doc = new PDFDocument({ size: 'A4', margins: { top: 56, bottom: 64, left: 56, right: 56 }, bufferPages: true,
    info: { Title: `${inc.reference} — incident record`, Author: input.schoolName, Subject: 'E-safety incident record for referral', Creator: 'Osprey' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const heading = (text: string) => { doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#1a3a5c').text(text).moveDown(0.3).fillColor('black'); };
  const field = (label: string, value: string) => {
    doc.font('Helvetica-Bold').fontSize(10).text(`${label}: `, { continued: true }).font('Helvetica').text(value || '—');
  };
  const para = (text: string, opts: { size?: number; font?: string } = {}) => { doc.font(opts.font ?? 'Helvetica').fontSize(opts.size ?? 10).text(text); };

  doc.font('Helvetica-Bold').fontSize(18).text(input.schoolName);
  doc.font('Helvetica').fontSize(14).text(`E-safety incident record ${inc.reference}`);
  doc.moveDown(0.3).fontSize(10).fillColor(cur.classification === 'restricted' ? '#9b1c1c' : 'black')
    .text(cur.classification === 'restricted'
      ? 'Classification: RESTRICTED safeguarding record. Share only with those who need it for the referral.'
      : 'Classification: general incident record.')
    .fillColor('black');
  para(`Exported on ${when(input.exportedAt, timeZone)} by ${input.exportedBy}, for a police or LADO referral.`);

  heading('The record as it stands');
  field('Reference', inc.reference);
  field('Reported', `${when(inc.createdAt, timeZone)} by ${cur.reportedBy || 'not recorded'}`);
  field('When it happened', when(cur.occurredAt, timeZone));
  field('Category', `${cur.categoryLabel}${cur.illegal ? ' (illegal: police referral)' : ''}`);
  field('Where', LOCATION[cur.location] ?? cur.location);
  field('Status', STATUS[cur.status] ?? cur.status);
  field('What happened', cur.description);
  field('Action taken', cur.actionTaken);
  field('Action taken by', cur.actionBy);
  field('Outcome', cur.outcome);
  field('Devices', listText(cur.devices));
  field('Web addresses', listText(cur.urls));
  field('Investigation computer', cur.investigationDevice);
  field('Investigators', inc.investigators.map((p) => p.name).join(', ') || 'none assigned');
  field('Triage answers', triageText(cur.triage));
  if (inc.fromAlert) field('Raised from a monitoring alert', inc.fromAlert.summary);

  heading('People involved');
  if (cur.people.length === 0) para('No people recorded.');
  for (const p of cur.people) para(`• ${p.name} — ${p.kind}, ${p.part}`);

  heading('Triage steps');
  if (inc.steps.length === 0) para('No steps recorded (the triage questions have not been answered).');
  for (const s of inc.steps) {
    const state = STEP_STATE[s.state] ?? s.state;
    const who = s.by ? ` by ${s.by}` : '';
    const at = s.at ? ` on ${when(s.at, timeZone)}` : '';
    para(`• ${s.label}${s.required ? ' (required)' : ''}: ${state}${who}${at}${s.note ? `. ${s.state === 'skipped' ? 'Reason for skipping' : 'Note'}: ${s.note}` : ''}`);
  }

  heading('Version history');
  inc.versions.forEach((v, i) => {
    doc.font('Helvetica-Bold').fontSize(10).text(`Version ${v.version} — ${when(v.at, timeZone)} — ${v.by}`);
    para(v.changeNote);
    if (i > 0) for (const c of changesBetween(inc.versions[i - 1]!, v, timeZone)) para(`    ${c}`, { size: 9 });
    doc.moveDown(0.3);
  });

  heading('Everything that happened, in order');
  for (const h of inc.history) para(`${when(h.at, timeZone)} — ${h.by}: ${h.summary}`, { size: 9 });

  heading('Evidence');
  if (input.childAbuseImagery) {
    para('This incident is about suspected child sexual abuse images. No images are held by the school or in Osprey: they are never uploaded, copied or viewed. Only the referral is recorded.');
  }
  const alertEvidence = inc.fromAlert?.evidence ?? [];
  if (alertEvidence.length) {
    doc.font('Helvetica-Bold').fontSize(10).text('From the monitoring alert this incident was raised from:');
    for (const a of alertEvidence) {
      const parts = [a.description, a.searchTerm ? `search: "${a.searchTerm}"` : '', a.url ? `address: ${a.url}` : '', a.phrase ? `matched "${a.phrase}"` : '', a.score !== undefined ? `score ${a.score}` : ''];
      para(`• ${when(a.at, timeZone)} — ${parts.filter(Boolean).join('; ')}`, { size: 9 });
    }
  }
  if (evidence.length === 0) para('No evidence files or web addresses were recorded.');
  para('Files are not reproduced in this document. Each is kept encrypted in Osprey; its SHA-256 hash below identifies it exactly.', { size: 9 });
  for (const e of evidence) {
    doc.moveDown(0.2);
    const what = e.kind === 'file' ? `File "${e.originalName}" (${e.mediaType}, ${e.sizeBytes} bytes)` : `Web address ${e.url}`;
    doc.font('Helvetica-Bold').fontSize(10).text(what);
    para(`Added ${when(e.uploadedAt, timeZone)} by ${e.uploadedBy}${e.device ? `, captured on ${e.device}` : ''}${e.note ? `. Note: ${e.note}` : ''}`, { size: 9 });
    doc.font('Courier').fontSize(8.5).text(`SHA-256 ${e.sha256}`);
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(8).fillColor('#555555')
      .text(`${inc.reference} — page ${i + 1} of ${range.count}`, doc.page.margins.left, doc.page.height - 40, { align: 'center', width: doc.page.width - doc.page.margins.left - doc.page.margins.right, lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

export function exportServiceFor(deps: ExportDeps) {
  return {
    /** The PDF of one incident the actor may read in full; the export is audited and added to the incident's history. */
    async exportPdf(ctx: ServiceContext, incidentId: string): Promise<{ reference: string; pdf: Buffer }> {
      const facts = await deps.incidents.readable(ctx, incidentId, 'export');
      const view = await deps.incidents.forExport(ctx, incidentId);
      const [evidenceRows, school, person] = await Promise.all([
        evidenceOfIncident(ctx.db, ctx.actor.schoolId, incidentId),
        ctx.db.selectFrom('schools').select('name').where('id', '=', ctx.actor.schoolId).executeTakeFirst(),
        ctx.actor.id ? ctx.db.selectFrom('people').select(['given_name', 'family_name']).where('id', '=', ctx.actor.id).executeTakeFirst() : undefined,
      ]);
      const exportedAt = ctx.clock.now();
      const exportedBy = person ? `${person.given_name} ${person.family_name} (${ctx.actor.label})` : ctx.actor.label;
      const pdf = await renderIncidentPdf({
        schoolName: school?.name ?? 'School', exportedBy, exportedAt, incident: view, evidence: evidenceRows.map(viewOf),
        childAbuseImagery: isChildAbuseImagery(facts),
      }, deps.config.timeZone);
      await withTransaction(ctx, async ({ db: tx }) => {
        await appendAudit(tx, ctx.actor, {
          action: 'incident.exported', entityType: 'incident', entityId: facts.id,
          details: { format: 'pdf', version: view.current.version, evidenceItems: evidenceRows.length, bytes: pdf.length },
        }, exportedAt);
        await deps.incidents.appendHistory(tx, ctx, facts, { action: 'incident.exported', summary: `Exported as a PDF (version ${view.current.version}) for a referral`, details: { version: view.current.version } });
      });
      return { reference: facts.reference, pdf };
    },
  };
}
