/**
 * The referral export (R5.9): a DSL downloads one incident as a PDF; its text (read back with pdftotext) holds the
 * school, reference, classification, every version with who and when, the steps with skip reasons, the evidence
 * hashes and page numbers. Access follows the record; each export is audited.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServiceContext } from '../src/platform/context.ts';
import { amendIncident, reportIncident, setInvestigation } from '../src/incidents/service.ts';
import { actOnStep, answerTriage } from '../src/incidents/triage-service.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

let t: TestApp;
let dsl: Session;
let head: Session;
let dslId: string;
let dslUsername: string;
let deputyId: string;
let pupilA: string;
let pupilB: string;
const scratch = mkdtempSync(path.join(tmpdir(), 'osprey-pdf-'));

function pdfText(pdf: Buffer): string {
  const file = path.join(scratch, `${createHash('sha256').update(pdf).digest('hex')}.pdf`);
  writeFileSync(file, pdf);
  // Lines wrap where the page ends; the assertions read the words, not the layout.
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

const ctxFor = (personId: string, label: string): ServiceContext => ({ db: t.db, clock: t.clock, actor: { id: personId, label, schoolId: t.school.id } });

before(async () => {
  t = await createTestApp();
  const d = await t.makePerson(['dsl'], { username: 'mrsdsl' });
  dslId = d.id;
  dslUsername = d.username;
  deputyId = (await t.makePerson(['deputy_dsl'], { username: 'deputy' })).id;
  await t.makePerson(['headteacher'], { username: 'head' });
  pupilA = (await t.makePerson(['pupil'], { username: 'pupila' })).id;
  pupilB = (await t.makePerson(['pupil'], { username: 'pupilb' })).id;
  dsl = await t.logIn(dslUsername);
  head = await t.logIn('head');
});
after(async () => {
  await t.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('the DSL exports a bullying incident for a LADO referral: history, steps with skip reasons and evidence hashes are all in the PDF', async () => {
  const ctx = ctxFor(dslId, dslUsername);
  const fields = {
    occurredAt: '2026-11-12T13:20:00Z', description: 'Nasty messages about a Year 8 pupil were posted in a class group chat.',
    category: 'bullying', classification: 'restricted' as const,
    people: [{ personId: pupilA, kind: 'pupil' as const, part: 'victim' as const }, { personId: pupilB, kind: 'pupil' as const, part: 'instigator' as const }],
  };
  const { id, reference } = await reportIncident(ctx, fields);
  t.clock.advance(3600_000);
  await amendIncident(ctx, id, { ...fields, actionTaken: 'Messages saved; parents of both pupils called', actionBy: 'Mrs DSL' }, 'Added the action taken after calling parents');
  await setInvestigation(ctx, id, { investigatorIds: [dslId, deputyId], investigationDevice: 'Safeguarding laptop SG-01' });
  await answerTriage(ctx, id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'both', serious: 'yes' } });
  await actOnStep(ctx, id, 'keep_evidence', { action: 'complete', note: 'Screenshots saved' });

  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('group chat screenshot')]);
  const upload = await t.app.inject({
    method: 'POST', url: `/api/incidents/${id}/evidence/files?name=group-chat.png`, payload: png,
    headers: { cookie: dsl.cookie, 'x-csrf-token': dsl.csrf, 'content-type': 'application/octet-stream' },
  });
  assert.equal(upload.statusCode, 201, upload.body);
  const url = 'https://chat.example/groups/8c/messages';
  await t.as(dsl, 'POST', `/api/incidents/${id}/evidence/urls`, { url });

  const res = await t.as(dsl, 'GET', `/api/incidents/${id}/export.pdf`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.match(String(res.headers['content-disposition']), new RegExp(`${reference}\\.pdf`));
  const text = pdfText(res.rawPayload);

  assert.match(text, /Test Primary School/);
  assert.match(text, new RegExp(`E-safety incident record ${reference}`));
  assert.match(text, /RESTRICTED safeguarding record/);
  assert.match(text, /Exported on .* by Test dsl \d+ \(mrsdsl\)/);
  assert.match(text, /Version 1 — .* — mrsdsl/);
  assert.match(text, /Added the action taken after calling parents/);
  assert.match(text, /Action taken: "\(empty\)" changed to "Messages saved; parents of both pupils called"/);
  assert.match(text, /Safeguarding laptop SG-01/);
  assert.match(text, /Test pupil \d+ — pupil, victim/);
  assert.match(text, /Keep the evidence \(required\): Done by mrsdsl/);
  assert.ok(text.includes(createHash('sha256').update(png).digest('hex')), 'the screenshot\'s hash is printed');
  assert.ok(text.includes(createHash('sha256').update(url).digest('hex')), 'the web address\'s hash is printed');
  assert.match(text, /group-chat\.png/);
  assert.match(text, new RegExp(`${reference} — page 1 of \\d+`));

  const audit = await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).where('action', '=', 'incident.exported').execute();
  assert.equal(audit.length, 1);
  const history = await t.db.selectFrom('incident_history').select('summary').where('incident_id', '=', id).where('action', '=', 'incident.exported').execute();
  assert.equal(history.length, 1);

  // The headteacher has no access to this restricted record: no PDF, and the refusal is audited.
  const refused = await t.as(head, 'GET', `/api/incidents/${id}/export.pdf`);
  assert.equal(refused.statusCode, 404);
  const refusals = await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).where('action', '=', 'incident.export_refused').execute();
  assert.equal(refusals.length, 1);
});

test('a suspected child abuse images incident exports with the referral and a statement that no images are held', async () => {
  const ctx = ctxFor(dslId, dslUsername);
  const { id } = await reportIncident(ctx, {
    occurredAt: '2026-11-13T09:00:00Z', description: 'A pupil told a teacher that an indecent image of a child was being shared.', category: 'child_abuse_images', classification: 'restricted',
  });
  await answerTriage(ctx, id, { answers: { illegal: 'yes', staff_involved: 'no', pupil_role: 'none' } });
  await actOnStep(ctx, id, 'report_police', { action: 'complete', note: 'Police reference 44/123456/26' });
  await actOnStep(ctx, id, 'disable_account', { action: 'skip', note: 'No school account was involved' });
  const res = await t.as(dsl, 'GET', `/api/incidents/${id}/export.pdf`);
  assert.equal(res.statusCode, 200);
  const text = pdfText(res.rawPayload);
  assert.match(text, /No images are held by the school or in Osprey/);
  assert.match(text, /Police reference 44\/123456\/26/);
  assert.match(text, /Skipped by mrsdsl on .*Reason for skipping: No school account was involved/s);
  assert.match(text, /illegal: police referral/);
});

test('an incident escalated from a monitoring alert carries the alert\'s evidence into the PDF', async () => {
  const { id } = await reportIncident(ctxFor(dslId, dslUsername), {
    occurredAt: '2026-11-16T08:14:00Z', description: 'A Year 8 pupil searched for ways to self-harm.', category: 'self_harm_concern',
    fromAlert: { alertId: 'a-1', summary: 'Self-harm search (high risk)', evidence: [{ description: 'Search on a search engine', searchTerm: 'how to hurt myself quietly', phrase: 'hurt myself', score: 90, at: '2026-11-16T08:14:05Z' }] },
  });
  const res = await t.as(dsl, 'GET', `/api/incidents/${id}/export.pdf`);
  assert.equal(res.statusCode, 200, res.body);
  const text = pdfText(res.rawPayload);
  assert.match(text, /Raised from a monitoring alert: Self-harm search \(high risk\)/);
  assert.match(text, /search: "how to hurt myself quietly"; matched "hurt myself"; score 90/);
});
