/**
 * Retention (R5.8) through the API and the review job, on a real database with an injected clock: records come due,
 * a legal hold stops review until released, nothing is deleted, and restricted records stay hidden from others.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceContext } from '../src/platform/context.ts';
import { coreIncidentAccess } from '../src/incidents/evidence-access.ts';
import { formatRetentionRuns, runRetentionReview, startRetentionReviewJob, type RetentionRun } from '../src/incidents/retention-job.ts';
import { reportIncident, setStatus } from '../src/incidents/service.ts';
import { actOnStep, answerTriage } from '../src/incidents/triage-service.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { waitFor } from './helpers/wait.ts';

let t: TestApp;
let dsl: Session;
let osl: Session;
let dslId: string;
const YEAR = 365.25 * 24 * 3600_000;

const ctxFor = (personId: string, label: string): ServiceContext => ({ db: t.db, clock: t.clock, actor: { id: personId, label, schoolId: t.school.id } });


before(async () => {
  t = await createTestApp();
  const d = await t.makePerson(['dsl'], { username: 'dsl' });
  dslId = d.id;
  await t.makePerson(['online_safety_lead'], { username: 'osl' });
  dsl = await t.logIn('dsl');
  osl = await t.logIn('osl');
});
after(() => t.close());

test('a child-protection record comes due at the pupil\'s 25th birthday; a legal hold stops review until it is released', async () => {
  const { id, reference } = await reportIncident(ctxFor(dslId, 'dsl'), {
    occurredAt: '2026-11-10T10:00:00Z', description: 'A pupil disclosed online contact from an adult.', category: 'grooming', classification: 'restricted',
  });
  // No date of birth yet: the record is listed as needing one, not as due.
  let due = (await t.as(dsl, 'GET', '/api/incidents/retention/due')).json();
  assert.ok(due.needsInformation.some((d: { schedule: { reference: string } }) => d.schedule.reference === reference));

  const bad = await t.as(dsl, 'PUT', `/api/incidents/${id}/retention`, { basis: 'child_protection', dateOfBirth: '2013-02-30' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /is not a date/);
  const set = await t.as(dsl, 'PUT', `/api/incidents/${id}/retention`, { basis: 'child_protection', dateOfBirth: '2012-01-20', reason: 'Date of birth from the school information system' });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json().schedule.reviewFrom, '2037-01-20');

  const beforeBirthday = await runRetentionReview(t.db, coreIncidentAccess(t.db), t.clock, t.config);
  assert.ok(!beforeBirthday[0]!.due.some((d) => d.reference === reference));

  t.clock.advance(10.2 * YEAR); // early 2037
  dsl = await t.logIn('dsl');
  osl = await t.logIn('osl');
  const run = await runRetentionReview(t.db, coreIncidentAccess(t.db), t.clock, t.config);
  assert.deepEqual(run[0]!.due.map((d) => d.reference), [reference]);
  assert.match(formatRetentionRuns(run), new RegExp(`${reference}\\s+due from 2037-01-20\\s+Child protection record`));
  assert.match(formatRetentionRuns(run), /nothing has been deleted/);

  const noReason = await t.as(dsl, 'POST', `/api/incidents/${id}/legal-hold`, { action: 'set', reason: '  ' });
  assert.equal(noReason.statusCode, 400);
  const hold = await t.as(dsl, 'POST', `/api/incidents/${id}/legal-hold`, { action: 'set', reason: 'Civil claim notified by the local authority' });
  assert.equal(hold.statusCode, 200, hold.body);
  assert.equal(hold.json().schedule.onHold, true);
  const again = await t.as(dsl, 'POST', `/api/incidents/${id}/legal-hold`, { action: 'set', reason: 'twice' });
  assert.equal(again.statusCode, 409);
  const held = await runRetentionReview(t.db, coreIncidentAccess(t.db), t.clock, t.config);
  assert.equal(held[0]!.due.length, 0);
  assert.equal(held[0]!.onHold, 1);

  await t.as(dsl, 'POST', `/api/incidents/${id}/legal-hold`, { action: 'release', reason: 'Claim settled' });
  due = (await t.as(dsl, 'GET', '/api/incidents/retention/due')).json();
  assert.deepEqual(due.due.map((d: { schedule: { reference: string } }) => d.schedule.reference), [reference]);

  // The record is still there, with the whole story of its holds.
  const view = (await t.as(dsl, 'GET', `/api/incidents/${id}/retention`)).json();
  assert.deepEqual(view.holds.map((h: { action: string; reason: string }) => [h.action, h.reason]), [['set', 'Civil claim notified by the local authority'], ['release', 'Claim settled']]);
  assert.equal((await t.db.selectFrom('incidents').select('id').where('id', '=', id).execute()).length, 1);
  const audit = (await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).execute()).map((r) => r.action);
  for (const a of ['incident.retention_set', 'incident.legal_hold_set', 'incident.legal_hold_released', 'incident.retention_viewed']) assert.ok(audit.includes(a), a);

  // The Online Safety Lead is told only that records they cannot open are due: not their references, dates or
  // what they are about (issue 11), and cannot hold them.
  const oslDue = (await t.as(osl, 'GET', '/api/incidents/retention/due')).json();
  assert.equal(oslDue.due.find((d: { schedule: { reference: string } }) => d.schedule.reference === reference), undefined);
  assert.doesNotMatch(JSON.stringify(oslDue), new RegExp(`${reference}|${id}|2012-01-20`));
  assert.ok(oslDue.notShown >= 1, 'the count of records they cannot open');
  assert.equal((await t.as(osl, 'POST', `/api/incidents/${id}/legal-hold`, { action: 'set', reason: 'x' })).statusCode, 404);
  assert.equal((await t.as(osl, 'GET', `/api/incidents/${id}/retention`)).statusCode, 404);
});

test('a general incident is due six years after it was closed, found by the daily job with the injected clock', async () => {
  const ctx = ctxFor(dslId, 'dsl');
  const { id, reference } = await reportIncident(ctx, {
    occurredAt: new Date(t.clock.now().getTime() - 3600_000).toISOString(), description: 'A pupil used a proxy site to reach games in a lesson.', category: 'bypassing_filtering', classification: 'general',
  });
  await answerTriage(ctx, id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'no' } });
  const steps = await t.db.selectFrom('incident_steps').select(['key', 'required']).where('incident_id', '=', id).execute();
  for (const s of steps.filter((x) => x.required)) await actOnStep(ctx, id, s.key, { action: 'complete', note: 'Done' });
  await setStatus(ctx, id, { status: 'closed', outcome: 'Spoken to by the class teacher; site added to the block list' });
  const closedOn = t.clock.now().toISOString().slice(0, 10);
  osl = await t.logIn('osl');
  const view = (await t.as(osl, 'GET', `/api/incidents/${id}/retention`)).json();
  assert.equal(view.schedule.basis, 'general');
  assert.equal(view.schedule.reviewFrom, `${Number(closedOn.slice(0, 4)) + 6}${closedOn.slice(4)}`);

  const runs: RetentionRun[][] = [];
  const stop = startRetentionReviewJob({ db: t.db, incidents: coreIncidentAccess(t.db), clock: t.clock, config: t.config, onRun: (r) => runs.push(r), onError: (e) => { throw e; }, intervalMs: 5 });
  try {
    const first = await waitFor('the first run', () => runs[0]);
    assert.ok(!first[0]!.due.some((d) => d.reference === reference));
    t.clock.advance(6 * YEAR + 2 * 24 * 3600_000);
    const later = await waitFor('a run on a later day', () => runs.find((r) => r[0]!.due.some((d) => d.reference === reference)));
    assert.match(later[0]!.due.find((d) => d.reference === reference)!.explanation, /6 years after it was closed/);
  } finally {
    await stop();
  }
});
