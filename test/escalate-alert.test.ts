/**
 * From alert to incident (R4.3 → R5.1): the DSL escalates a self-harm alert; it becomes a restricted incident naming
 * the pupil as the person at risk, with the search, phrase and score as evidence, and the alert is marked escalated
 * with a link to it — once. Only people the alert was sent to can escalate it, and the incident is then visible to the
 * safeguarding team only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newActivityId } from '../src/activity/ids.ts';
import { startActivityPipeline, type ActivityPipeline } from '../src/activity/pipeline.ts';
import { MonitoringStage } from '../src/monitoring/stage.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

describe('escalating a monitoring alert into an incident', () => {
  let t: TestApp;
  let pipeline: ActivityPipeline;
  let stage: MonitoringStage;
  let dsl: Session;
  let deputy: Session;
  let osl: Session;
  let teacher: Session;
  let admin: Session;
  let pupil: { id: string; username: string };
  let alertId: string;

  before(async () => {
    t = await createTestApp();
    await t.makePerson(['dsl'], { username: 'r.okafor' });
    await t.makePerson(['deputy_dsl'], { username: 'k.shah' });
    await t.makePerson(['online_safety_lead'], { username: 'j.price' });
    await t.makePerson(['teacher'], { username: 'm.hughes' });
    await t.makePerson(['administrator'], { username: 'it.admin' });
    pupil = await t.makePerson(['pupil'], { username: 'sam.t', yearGroup: 'Year 8' });
    [dsl, deputy, osl, teacher, admin] = await Promise.all(['r.okafor', 'k.shah', 'j.price', 'm.hughes', 'it.admin'].map((u) => t.logIn(u)));
    stage = new MonitoringStage({ db: t.db, clock: t.clock, publicUrl: () => 'https://osprey.oakfield.example' });
    pipeline = await startActivityPipeline({ db: t.db, databaseKind: t.handle.kind, dataDir: t.dataDir, onStored: stage.onStored });
    const time = t.clock.now().getTime() - 50 * 60_000;
    pipeline.emit({
      id: newActivityId(time), time, schoolId: t.school.id, personId: pupil.id, username: pupil.username, ip: '10.0.8.14',
      host: 'www.google.co.uk', url: 'http://www.google.co.uk/search?q=how+to+kill+myself', searchTerm: 'how to kill myself',
      action: 'allow', reason: 'default', policyId: 'pupils', frontEnd: 'proxy', node: 'control-plane',
    });
    assert.equal(await pipeline.drain(30_000), true);
    await stage.drain();
    const res = await t.as(dsl, 'GET', '/api/alerts');
    const alerts = res.json().alerts as Array<{ id: string; category: string }>;
    const alert = alerts.find((a) => a.category === 'self_harm');
    assert.ok(alert, `a self-harm alert was raised: ${res.body}`);
    alertId = alert.id;
  });
  after(async () => {
    await pipeline?.stop();
    await stage?.stop();
    await t?.close();
  });

  it('is refused to a teacher, and to the Online Safety Lead, whom this alert was not sent to', async () => {
    assert.equal((await t.as(teacher, 'POST', `/api/alerts/${alertId}/escalate`, {})).statusCode, 403);
    assert.equal((await t.as(osl, 'POST', `/api/alerts/${alertId}/escalate`, {})).statusCode, 404);
  });

  it('makes a restricted incident with the evidence and the pupil at risk, and links the alert to it', async () => {
    const res = await t.as(dsl, 'POST', `/api/alerts/${alertId}/escalate`, { description: 'Sam searched for ways to end their life during period 3.' });
    assert.equal(res.statusCode, 201, res.body);
    const { id, reference } = res.json() as { id: string; reference: string };
    assert.match(reference, /^INC-\d{4}-\d{4}$/);

    const incident = (await t.as(dsl, 'GET', `/api/incidents/${id}`)).json();
    assert.equal(incident.current.classification, 'restricted');
    assert.equal(incident.current.category, 'self_harm_concern');
    assert.equal(incident.current.description, 'Sam searched for ways to end their life during period 3.');
    assert.deepEqual(incident.current.people.map((p: { personId: string; kind: string; part: string }) => [p.personId, p.kind, p.part]), [[pupil.id, 'pupil', 'victim']]);
    assert.equal(incident.fromAlert.alertId, alertId);
    const [evidence] = incident.fromAlert.evidence as Array<{ searchTerm: string; phrase: string; score: number; description: string }>;
    assert.equal(evidence!.searchTerm, 'how to kill myself');
    assert.ok(evidence!.phrase.length > 0 && evidence!.score >= 50, JSON.stringify(evidence));
    assert.match(evidence!.description, /Searched for "how to kill myself"/);

    const alert = (await t.as(dsl, 'GET', `/api/alerts/${alertId}`)).json();
    assert.equal(alert.status, 'escalated');
    assert.equal(alert.incidentId, id);

    // The deputy DSL sees it; the teacher and the system administrator do not even learn that it exists.
    assert.equal((await t.as(deputy, 'GET', `/api/incidents/${id}`)).statusCode, 200);
    assert.equal((await t.as(teacher, 'GET', `/api/incidents/${id}`)).statusCode, 404);
    assert.equal((await t.as(admin, 'GET', `/api/incidents/${id}`)).statusCode, 404);

    const audit = await t.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', 'in', ['alert.escalated', 'incident.escalated']).execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['alert.escalated', 'incident.escalated']);
  });

  it('cannot escalate the same alert twice', async () => {
    const again = await t.as(deputy, 'POST', `/api/alerts/${alertId}/escalate`, {});
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /already been escalated/);
    const count = await t.db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
  });

  it('puts the alert and the incident in the pupil\'s chronology for the DSL, and neither for the headteacher', async () => {
    const res = await t.as(dsl, 'GET', `/api/people/${pupil.id}/chronology`);
    assert.equal(res.statusCode, 200, res.body);
    const entries = res.json().entries as Array<{ kind: string; alertId?: string; incidentId?: string; part?: string; status: string }>;
    assert.deepEqual(entries.map((e) => e.kind).sort(), ['alert', 'incident']);
    const alert = entries.find((e) => e.kind === 'alert')!;
    const incident = entries.find((e) => e.kind === 'incident')!;
    assert.equal(alert.alertId, alertId);
    assert.equal(alert.status, 'escalated');
    assert.equal(alert.incidentId, incident.incidentId, 'the alert links to the incident it became');
    assert.equal(incident.part, 'victim');

    // The headteacher may read general incidents but neither restricted ones nor alerts sent to the DSL.
    const head = await t.makePerson(['headteacher'], { username: 'p.grant' });
    const headSession = await t.logIn(head.username);
    const theirs = await t.as(headSession, 'GET', `/api/people/${pupil.id}/chronology`);
    assert.equal(theirs.statusCode, 200, theirs.body);
    assert.deepEqual(theirs.json().entries, []);
    assert.equal((await t.as(teacher, 'GET', `/api/people/${pupil.id}/chronology`)).statusCode, 403);
  });

  it('refuses an unknown category and leaves the alert as it was', async () => {
    const time = t.clock.now().getTime() - 5 * 60_000;
    pipeline.emit({
      id: newActivityId(time), time, schoolId: t.school.id, personId: pupil.id, username: pupil.username, ip: '10.0.8.14',
      host: 'www.bing.com', url: 'http://www.bing.com/search?q=best+way+to+self+harm', searchTerm: 'best way to self harm',
      action: 'allow', reason: 'default', policyId: 'pupils', frontEnd: 'proxy', node: 'control-plane',
    });
    assert.equal(await pipeline.drain(30_000), true);
    await stage.drain();
    const open = ((await t.as(dsl, 'GET', '/api/alerts?status=open')).json().alerts as Array<{ id: string }>)[0];
    assert.ok(open, 'a second alert');
    const res = await t.as(dsl, 'POST', `/api/alerts/${open.id}/escalate`, { category: 'nonsense' });
    assert.equal(res.statusCode, 400);
    assert.equal((await t.as(dsl, 'GET', `/api/alerts/${open.id}`)).json().status, 'open');
  });
});
