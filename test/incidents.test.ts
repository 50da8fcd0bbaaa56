/**
 * The e-safety incident log (R5.1, R5.2, R5.4, R5.6, R5.7) through the API: a teacher reports a concern in a few
 * fields, a pupil reports anonymously, the DSL corrects the record (a new version; the old one stays), a closed or
 * restricted record cannot be changed or deleted (refused and audited), and who can see what, role by role.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { insertPerson } from '../src/directory/store.ts';
import type { Role } from '../src/directory/types.ts';
import { reportIncident } from '../src/incidents/service.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

const audit = async (t: TestApp, action: string, entityId?: string) => {
  let q = t.db.selectFrom('audit_log').selectAll().where('action', '=', action);
  if (entityId) q = q.where('entity_id', '=', entityId);
  return q.orderBy('seq').execute();
};

describe('incident log: reporting, the append-only record and confidentiality', () => {
  let t: TestApp;
  const s = {} as Record<string, Session>;
  const ids = {} as Record<string, string>;
  let restrictedId = '';
  let generalId = '';

  before(async () => {
    t = await createTestApp();
    const people: Array<[string, Role[]]> = [
      ['dsl', ['dsl']], ['deputy', ['deputy_dsl']], ['osl', ['online_safety_lead']], ['head', ['headteacher']], ['teacher', ['teacher']],
      ['teacher2', ['teacher']], ['pupil', ['pupil']], ['pupil2', ['pupil']], ['parent', ['parent']], ['admin', ['administrator']],
    ];
    for (const [name, roles] of people) {
      const p = await t.makePerson(roles, { username: name });
      ids[name] = p.id;
      s[name] = await t.logIn(name);
    }
  });
  after(async () => { await t.close(); });

  it('a teacher records a concern with only who, what, when and where, and sees it in their own reports', async () => {
    const res = await t.as(s.teacher, 'POST', '/api/incidents', {
      occurredAt: '2026-11-16T08:40:00Z', description: 'Saw two Year 5 pupils looking at a gambling site in the library.',
      category: 'online_gambling', location: 'in_school', people: [{ personId: ids.pupil, kind: 'pupil', part: 'instigator' }],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.json().reference, /^INC-2026-\d{4}$/);
    generalId = res.json().id;
    const mine = await t.as(s.teacher, 'GET', '/api/incidents/mine');
    assert.equal(mine.json().reports.length, 1);
    assert.equal(mine.json().reports[0].status, 'open');
    const one = (await t.as(s.teacher, 'GET', `/api/incidents/${generalId}`)).json();
    assert.equal(one.view, 'reporter', 'a teacher without incident rights sees the reporter\'s view only');
    assert.equal(one.people, undefined);
    assert.equal(one.description, undefined);
  });

  it('bad reports get a clear 4xx: no description, a future date, an unknown category, a person from another school', async () => {
    const base = { occurredAt: '2026-11-16T08:00:00Z', description: 'Something happened', category: 'bullying' };
    const empty = await t.as(s.teacher, 'POST', '/api/incidents', { ...base, description: '   ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json().error.message, /description cannot be empty/);
    const future = await t.as(s.teacher, 'POST', '/api/incidents', { ...base, occurredAt: '2026-11-17T08:00:00Z' });
    assert.equal(future.statusCode, 400);
    assert.match(future.json().error.message, /future/);
    const unknown = await t.as(s.teacher, 'POST', '/api/incidents', { ...base, category: 'jaywalking' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error.message, /not a kind of incident/);
    const otherSchool = randomUUID();
    await t.db.insertInto('schools').values({ id: otherSchool, name: 'Another School', created_at: t.clock.now() }).execute();
    const stranger = await insertPerson(t.db, otherSchool, { username: 'stranger', givenName: 'Sam', familyName: 'Elsewhere', source: 'manual', roles: ['pupil'], yearGroup: 'Year 5' }, t.clock.now());
    const foreign = await t.as(s.teacher, 'POST', '/api/incidents', { ...base, people: [{ personId: stranger, kind: 'pupil', part: 'victim' }] });
    assert.equal(foreign.statusCode, 400);
    assert.match(foreign.json().error.message, /not in this school's directory/);
    const notPupil = await t.as(s.teacher, 'POST', '/api/incidents', { ...base, people: [{ personId: ids.teacher2, kind: 'pupil', part: 'victim' }] });
    assert.equal(notPupil.statusCode, 400);
    const count = await t.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'nothing half-recorded');
  });

  it('a pupil reports anonymously: nobody sees who reported it, the pupil still sees their report', async () => {
    const res = await t.as(s.pupil2, 'POST', '/api/incidents', {
      occurredAt: '2026-11-15T19:00:00Z', description: 'Someone in my class keeps sending me horrible messages at night.', category: 'bullying',
      location: 'out_of_school', anonymous: true,
    });
    assert.equal(res.statusCode, 201, res.body);
    restrictedId = res.json().id;
    const dslView = (await t.as(s.dsl, 'GET', `/api/incidents/${restrictedId}`)).json();
    assert.equal(dslView.current.classification, 'restricted', 'a pupil\'s report goes to the safeguarding team first');
    assert.equal(dslView.reporter.personId, null);
    assert.equal(dslView.current.reportedBy, 'Anonymous pupil');
    assert.ok(!JSON.stringify(dslView).includes(ids.pupil2), 'the record does not name the pupil anywhere');
    const row = await t.db.selectFrom('incidents').selectAll().where('id', '=', restrictedId).executeTakeFirstOrThrow();
    assert.equal(row.reporter_id, null);
    const auditRows = await t.db.selectFrom('audit_log').selectAll().where('entity_id', '=', restrictedId).execute();
    assert.ok(auditRows.every((a) => a.actor_id !== ids.pupil2), 'the audit log does not name the anonymous reporter');
    const mine = (await t.as(s.pupil2, 'GET', '/api/incidents/mine')).json().reports;
    assert.equal(mine.length, 1);
    assert.equal(mine[0].whatYouReported, 'Someone in my class keeps sending me horrible messages at night.');
    assert.equal(mine[0].statusLabel, 'Open');
    const otherPupil = (await t.as(s.pupil, 'GET', '/api/incidents/mine')).json().reports;
    assert.equal(otherPupil.length, 0);
    const staffAnon = await t.as(s.teacher, 'POST', '/api/incidents', { occurredAt: '2026-11-16T08:00:00Z', description: 'x', category: 'other', anonymous: true });
    assert.equal(staffAnon.statusCode, 400);
  });

  it('a parent reports through the same simple page: it is restricted, names them, and they see only its status', async () => {
    const res = await t.as(s.parent, 'POST', '/api/incidents', { occurredAt: '2026-11-15T20:30:00Z', description: 'My child was sent a threatening message on a games console.', category: 'threatening_behaviour', location: 'out_of_school' });
    assert.equal(res.statusCode, 201, res.body);
    const dslView = (await t.as(s.dsl, 'GET', `/api/incidents/${res.json().id}`)).json();
    assert.equal(dslView.reporter.kind, 'parent');
    assert.equal(dslView.reporter.personId, ids.parent);
    assert.equal(dslView.current.classification, 'restricted');
    const own = (await t.as(s.parent, 'GET', `/api/incidents/${res.json().id}`)).json();
    assert.equal(own.view, 'reporter');
    assert.equal(own.whatYouReported, 'My child was sent a threatening message on a games console.');
    const change = await t.as(s.parent, 'PUT', `/api/incidents/${res.json().id}`, { occurredAt: '2026-11-15T20:30:00Z', description: 'changed', category: 'other', reason: 'x' });
    assert.equal(change.statusCode, 403, 'a reporter cannot change the record');
    assert.ok((await audit(t, 'incident.edit_refused', res.json().id)).some((r) => r.actor_id === ids.parent));
    const osl = await t.as(s.osl, 'PUT', `/api/incidents/${res.json().id}/status`, { status: 'investigating' });
    assert.equal(osl.statusCode, 404, 'the Online Safety Lead cannot even see a restricted record');
  });

  it('a correction is a new version: the first version is kept and the history shows both', async () => {
    const before = (await t.as(s.dsl, 'GET', `/api/incidents/${restrictedId}`)).json();
    const res = await t.as(s.dsl, 'PUT', `/api/incidents/${restrictedId}`, {
      ...{ occurredAt: before.current.occurredAt, category: 'bullying', location: 'out_of_school' },
      description: 'Messages sent to a Year 5 pupil at night by a classmate, on a messaging app.',
      people: [{ personId: ids.pupil2, kind: 'pupil', part: 'victim' }, { personId: ids.pupil, kind: 'pupil', part: 'instigator' }],
      actionTaken: 'Spoke to both pupils', actionBy: 'DSL', classification: 'restricted', reason: 'Details from talking to the pupil',
    });
    assert.equal(res.statusCode, 200, res.body);
    const after = (await t.as(s.dsl, 'GET', `/api/incidents/${restrictedId}`)).json();
    assert.equal(after.versions.length, 2);
    assert.equal(after.versions[0].description, 'Someone in my class keeps sending me horrible messages at night.');
    assert.equal(after.current.actionTaken, 'Spoke to both pupils');
    assert.ok(after.history.some((h: { summary: string }) => /Details from talking to the pupil/.test(h.summary)));
    await assert.rejects(sql`update incident_versions set description = 'rewritten' where incident_id = ${restrictedId}`.execute(t.db), /append-only/);
  });

  it('confidentiality, role by role: who sees the restricted and the general incident', async () => {
    const cases: Array<[string, 'full' | 'reporter' | 'none', 'full' | 'reporter' | 'none']> = [
      // [who, restricted incident, general incident]
      ['dsl', 'full', 'full'], ['deputy', 'full', 'full'], ['osl', 'none', 'full'], ['head', 'none', 'full'],
      ['teacher', 'none', 'reporter'], ['teacher2', 'none', 'none'], ['pupil2', 'reporter', 'none'], ['parent', 'none', 'none'],
      // The administrator runs the system: general incidents yes, safeguarding records no (permissions.ts).
      ['admin', 'none', 'full'],
    ];
    for (const [who, restricted, general] of cases) {
      for (const [id, expected] of [[restrictedId, restricted], [generalId, general]] as const) {
        const res = await t.as(s[who], 'GET', `/api/incidents/${id}`);
        const got = res.statusCode === 404 ? 'none' : res.json().view;
        assert.equal(got, expected, `${who} reading ${id === restrictedId ? 'the restricted' : 'the general'} incident`);
      }
      const list = (await t.as(s[who], 'GET', '/api/incidents')).json().incidents as Array<{ id: string }>;
      assert.equal(list.some((i) => i.id === restrictedId), restricted === 'full', `${who} listing the restricted incident`);
    }
    const refused = await audit(t, 'incident.view_refused', restrictedId);
    assert.ok(refused.some((r) => r.actor_id === ids.admin), 'the administrator\'s refused read is audited');
  });

  it('the DSL grants a teacher access to the restricted incident; the teacher can read it until it is revoked (all audited)', async () => {
    const noReason = await t.as(s.dsl, 'POST', `/api/incidents/${restrictedId}/grants`, { personId: ids.teacher2, reason: '' });
    assert.equal(noReason.statusCode, 400);
    const byOsl = await t.as(s.osl, 'POST', `/api/incidents/${restrictedId}/grants`, { personId: ids.teacher2, reason: 'Form tutor' });
    assert.equal(byOsl.statusCode, 403);
    assert.equal((await audit(t, 'incident.grant_refused', restrictedId)).length, 1);
    const g = await t.as(s.dsl, 'POST', `/api/incidents/${restrictedId}/grants`, { personId: ids.teacher2, reason: 'Form tutor supporting the pupil' });
    assert.equal(g.statusCode, 200, g.body);
    const read = await t.as(s.teacher2, 'GET', `/api/incidents/${restrictedId}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().view, 'full');
    assert.equal(read.json().can.manage, false, 'a grant is to read, not to change');
    assert.ok((await t.as(s.teacher2, 'GET', '/api/incidents')).json().incidents.some((i: { id: string }) => i.id === restrictedId));
    const edit = await t.as(s.teacher2, 'PUT', `/api/incidents/${restrictedId}`, { occurredAt: '2026-11-15T19:00:00Z', description: 'changed', category: 'bullying', reason: 'x' });
    assert.equal(edit.statusCode, 403);
    assert.ok((await audit(t, 'incident.edit_refused', restrictedId)).some((r) => r.actor_id === ids.teacher2), 'the refused edit is audited');
    const viewed = await audit(t, 'incident.viewed', restrictedId);
    assert.ok(viewed.some((r) => r.actor_id === ids.teacher2), 'the granted teacher\'s read is audited');
    assert.ok((await audit(t, 'incident.listed', restrictedId)).some((r) => r.actor_id === ids.teacher2), 'a list showing it is audited too');
    const dslView = (await t.as(s.dsl, 'GET', `/api/incidents/${restrictedId}`)).json();
    assert.equal(dslView.grants.length, 1);
    assert.equal(dslView.grants[0].reason, 'Form tutor supporting the pupil');
    const r = await t.as(s.dsl, 'DELETE', `/api/incidents/${restrictedId}/grants/${ids.teacher2}`);
    assert.equal(r.statusCode, 200);
    assert.equal((await t.as(s.teacher2, 'GET', `/api/incidents/${restrictedId}`)).statusCode, 404);
    assert.equal((await audit(t, 'incident.access_granted', restrictedId)).length, 1);
    assert.equal((await audit(t, 'incident.access_revoked', restrictedId)).length, 1);
  });

  it('senior staff assigned to investigate a restricted incident are given access to it (recorded)', async () => {
    assert.equal((await t.as(s.head, 'GET', `/api/incidents/${restrictedId}`)).statusCode, 404);
    const res = await t.as(s.dsl, 'PUT', `/api/incidents/${restrictedId}/investigation`, { investigatorIds: [ids.dsl, ids.head], investigationDevice: 'DSL office PC' });
    assert.equal(res.statusCode, 200, res.body);
    const head = await t.as(s.head, 'GET', `/api/incidents/${restrictedId}`);
    assert.equal(head.json().view, 'full');
    assert.equal(head.json().can.manage, true, 'the headteacher manages incidents, and now has the grant');
    const grants = (await t.as(s.dsl, 'GET', `/api/incidents/${restrictedId}`)).json().grants as Array<{ personId: string; reason: string }>;
    assert.deepEqual(grants.map((g) => [g.personId, g.reason]), [[ids.head, 'Assigned as investigator']]);
    await t.as(s.dsl, 'DELETE', `/api/incidents/${restrictedId}/grants/${ids.head}`);
  });

  it('nobody can delete an incident; the attempt is refused and audited', async () => {
    for (const who of ['dsl', 'teacher']) {
      const res = await t.as(s[who], 'DELETE', `/api/incidents/${restrictedId}`);
      assert.equal(res.statusCode, 405);
      assert.match(res.json().error.message, /never deleted/);
    }
    assert.equal((await audit(t, 'incident.delete_refused', restrictedId)).length, 2);
    assert.ok(await t.db.selectFrom('incidents').select('id').where('id', '=', restrictedId).executeTakeFirst());
  });

  it('an investigation needs two senior staff and the investigation computer; a closed record cannot be changed', async () => {
    const early = await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/status`, { status: 'investigating' });
    assert.equal(early.statusCode, 409);
    assert.match(early.json().error.message, /two senior members of staff/);
    const teacherAsInvestigator = await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/investigation`, { investigatorIds: [ids.osl, ids.teacher2], investigationDevice: 'Office laptop 3' });
    assert.equal(teacherAsInvestigator.statusCode, 400);
    assert.match(teacherAsInvestigator.json().error.message, /not a senior member of staff/);
    const one = await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/investigation`, { investigatorIds: [ids.osl], investigationDevice: 'Office laptop 3' });
    assert.equal(one.statusCode, 200);
    assert.equal((await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/status`, { status: 'investigating' })).statusCode, 409);
    await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/investigation`, { investigatorIds: [ids.osl, ids.head], investigationDevice: 'Office laptop 3' });
    const go = await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/status`, { status: 'investigating' });
    assert.equal(go.statusCode, 200, go.body);
    const view = (await t.as(s.osl, 'GET', `/api/incidents/${generalId}`)).json();
    assert.deepEqual(view.investigators.map((i: { id: string }) => i.id).sort(), [ids.osl, ids.head].sort());
    assert.equal(view.current.investigationDevice, 'Office laptop 3');

    const closeEarly = await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/status`, { status: 'closed', outcome: 'Warned' });
    assert.equal(closeEarly.statusCode, 409, 'triage first');
    await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/triage`, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'no' } });
    const steps = (await t.as(s.osl, 'GET', `/api/incidents/${generalId}`)).json().steps as Array<{ key: string; required: boolean }>;
    for (const st of steps.filter((x) => x.required)) {
      const done = await t.as(s.osl, 'POST', `/api/incidents/${generalId}/steps/${st.key}`, { action: 'complete', note: 'Done' });
      assert.equal(done.statusCode, 200, done.body);
    }
    const close = await t.as(s.osl, 'PUT', `/api/incidents/${generalId}/status`, { status: 'closed', outcome: 'Pupil warned; parents told at pick-up' });
    assert.equal(close.statusCode, 200, close.body);
    const edit = await t.as(s.dsl, 'PUT', `/api/incidents/${generalId}`, { occurredAt: '2026-11-16T08:40:00Z', description: 'rewritten later', category: 'online_gambling', reason: 'tidy up' });
    assert.equal(edit.statusCode, 409);
    assert.match(edit.json().error.message, /closed/);
    assert.ok((await audit(t, 'incident.edit_refused', generalId)).some((r) => r.actor_id === ids.dsl), 'the refused change to a closed record is audited');
    const reporterSees = (await t.as(s.teacher, 'GET', '/api/incidents/mine')).json().reports[0];
    assert.equal(reporterSees.status, 'closed');
    assert.equal(reporterSees.outcome, undefined, 'the reporter sees the status, not the outcome');
  });

  it('a person\'s chronology lists the incidents they were involved in, only those the viewer may see', async () => {
    const dsl = (await t.as(s.dsl, 'GET', `/api/people/${ids.pupil}/incidents`)).json().entries as Array<{ incidentId: string; part: string }>;
    assert.deepEqual(dsl.map((e) => e.incidentId).sort(), [generalId, restrictedId].sort());
    assert.ok(dsl.every((e) => e.part === 'instigator'));
    const head = (await t.as(s.head, 'GET', `/api/people/${ids.pupil}/incidents`)).json().entries as Array<{ incidentId: string }>;
    assert.deepEqual(head.map((e) => e.incidentId), [generalId]);
    assert.equal((await t.as(s.teacher, 'GET', `/api/people/${ids.pupil}/incidents`)).statusCode, 403);
    assert.ok((await audit(t, 'person.chronology_viewed', ids.pupil)).length >= 2);
  });

  it('an alert escalated by the DSL becomes a restricted incident that keeps the evidence', async () => {
    const ctx = { db: t.db, clock: t.clock, actor: { id: ids.dsl, label: 'dsl', schoolId: t.school.id } };
    const { id } = await reportIncident(ctx, {
      occurredAt: '2026-11-16T08:14:00Z', description: 'Search for self-harm methods', category: 'self_harm_concern', location: 'in_school',
      people: [{ personId: ids.pupil2, kind: 'pupil', part: 'victim' }],
      fromAlert: { alertId: 'alert-1', summary: 'Self-harm search', evidence: [{ description: 'Search term', searchTerm: 'how to hurt myself', phrase: 'hurt myself', score: 120, at: '2026-11-16T08:14:00Z' }] },
    });
    const view = (await t.as(s.dsl, 'GET', `/api/incidents/${id}`)).json();
    assert.equal(view.current.classification, 'restricted');
    assert.equal(view.fromAlert.evidence[0].searchTerm, 'how to hurt myself');
    assert.equal(view.reporter.kind, 'alert');
    assert.equal((await t.as(s.head, 'GET', `/api/incidents/${id}`)).statusCode, 404);
  });
});
