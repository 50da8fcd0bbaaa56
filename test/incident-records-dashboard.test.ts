/**
 * The incidents dashboard (R5.7): counts by category and month, open items and overdue steps; restricted incidents
 * are counted for everyone who may see the dashboard, but only the safeguarding team sees which they are.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceContext } from '../src/platform/context.ts';
import { reportIncident } from '../src/incidents/service.ts';
import { answerTriage } from '../src/incidents/triage-service.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

let t: TestApp;
let dsl: Session;
let osl: Session;
let teacher: Session;
let dslId: string;

const ctxFor = (personId: string): ServiceContext => ({ db: t.db, clock: t.clock, actor: { id: personId, label: 'dsl', schoolId: t.school.id } });
const DAY = 24 * 3600_000;

before(async () => {
  t = await createTestApp({ config: { overdueStepDays: 5 } });
  dslId = (await t.makePerson(['dsl'], { username: 'dsl' })).id;
  await t.makePerson(['online_safety_lead'], { username: 'osl' });
  await t.makePerson(['teacher'], { username: 'teacher' });
});
after(() => t.close());

test('the dashboard counts incidents by category and month and lists steps left open too long; restricted details only for the DSL', async () => {
  const ctx = ctxFor(dslId);
  // September: two bullying incidents (one restricted); October: a gaming one; November (now): a restricted grooming one.
  const restrictedBullying = await reportIncident(ctx, { occurredAt: '2026-09-15T10:00:00Z', description: 'Unkind messages in a group chat.', category: 'bullying', classification: 'restricted' });
  await reportIncident(ctx, { occurredAt: '2026-09-20T10:00:00Z', description: 'Name-calling on a class forum.', category: 'bullying', classification: 'general' });
  const gaming = await reportIncident(ctx, { occurredAt: '2026-10-03T10:00:00Z', description: 'Games played in a maths lesson.', category: 'online_gaming', classification: 'general' });
  const grooming = await reportIncident(ctx, { occurredAt: '2026-11-15T10:00:00Z', description: 'An adult asked a pupil to move to a private app.', category: 'grooming', classification: 'restricted' });
  // Triage today creates the steps; a week later they are overdue (the limit here is 5 days).
  await answerTriage(ctx, gaming.id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'no' } });
  await answerTriage(ctx, grooming.id, { answers: { illegal: 'yes', staff_involved: 'no', pupil_role: 'victim', serious: 'yes' } });
  t.clock.advance(7 * DAY);
  dsl = await t.logIn('dsl');
  osl = await t.logIn('osl');
  teacher = await t.logIn('teacher');

  const res = await t.as(dsl, 'GET', '/api/incidents/dashboard?months=3');
  assert.equal(res.statusCode, 200, res.body);
  const d = res.json();
  assert.deepEqual(d.months, ['2026-09', '2026-10', '2026-11']);
  assert.deepEqual(d.totalsByMonth, [2, 1, 1]);
  const bullying = d.categories.find((c: { key: string }) => c.key === 'bullying');
  assert.deepEqual(bullying.byMonth, [2, 0, 0]);
  assert.equal(d.open.total, 4);
  assert.equal(d.open.restricted, 2);
  assert.equal(d.openHidden, 0);
  assert.ok(d.overdueSteps.length > 0);
  assert.ok(d.overdueSteps.every((s: { daysOpen: number }) => s.daysOpen >= 7));
  assert.ok(d.overdueSteps.some((s: { reference: string; label: string }) => s.reference === grooming.reference && /police/i.test(s.label)));

  // The Online Safety Lead sees the same counts, but nothing of the restricted incidents.
  const o = (await t.as(osl, 'GET', '/api/incidents/dashboard?months=3')).json();
  assert.deepEqual(o.totalsByMonth, [2, 1, 1]);
  assert.equal(o.open.total, 4);
  assert.equal(o.openHidden, 2);
  assert.ok(!o.openItems.some((i: { id: string }) => i.id === grooming.id || i.id === restrictedBullying.id));
  assert.ok(o.overdueSteps.every((s: { reference: string }) => s.reference === gaming.reference));
  assert.ok(o.overdueHidden > 0);
  assert.doesNotMatch(JSON.stringify(o), new RegExp(`${grooming.reference}|private app`));

  // Teachers have no access to incidents at all.
  assert.equal((await t.as(teacher, 'GET', '/api/incidents/dashboard')).statusCode, 403);
  const audited = await t.db.selectFrom('audit_log').select('action').where('action', '=', 'incident.dashboard_viewed').execute();
  assert.equal(audited.length, 2);
});
