/**
 * Issue 11, item 4: a pupil who reports anonymously stays anonymous to every reader — the DSL, and administrators
 * reading the audit log. On 18d3e29 the pupil looking at their own report wrote `incident.report_viewed_by_reporter`
 * under their own name, which named them as the reporter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('an anonymous report stays anonymous in the audit log', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('the pupil reads their report and its status; no audit entry links them to it', async () => {
    const pupil = await t.makePerson(['pupil'], { yearGroup: 'Year 8', username: 'a.pupil' });
    const s = await t.logIn(pupil.username);
    const made = await t.as(s, 'POST', '/api/incidents', {
      occurredAt: '2026-11-15T19:00:00Z', description: 'Older pupils are sharing a photo of someone in my class.', category: 'bullying', location: 'out_of_school', anonymous: true,
    });
    assert.equal(made.statusCode, 201, made.body);
    const { id, reference } = made.json();
    const mine = await t.as(s, 'GET', '/api/incidents/mine');
    assert.equal(mine.statusCode, 200);
    assert.ok(mine.json().reports.some((r: { id: string }) => r.id === id), 'the pupil still finds their report');
    assert.equal((await t.as(s, 'GET', `/api/incidents/${id}`)).json().view, 'reporter');

    // The audit log as an administrator reads it (API), and as it is stored.
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    const entries = (await t.as(admin, 'GET', `/api/audit?entityId=${id}`)).json().entries as Array<{ actorLabel: string; actorId: string | null; ip: string | null; action: string }>;
    assert.ok(entries.length >= 1);
    for (const e of entries) {
      assert.notEqual(e.actorLabel, pupil.username, `${e.action} names the pupil`);
      assert.notEqual(e.actorId, pupil.id, `${e.action} names the pupil`);
    }
    const stored = await t.db.selectFrom('audit_log').selectAll().where('entity_id', 'in', [id, reference]).execute();
    assert.ok(stored.every((r) => r.actor_id !== pupil.id && r.actor_label !== pupil.username && !JSON.stringify(r.details).includes(pupil.id)));
    const byPupil = await t.db.selectFrom('audit_log').select(['action', 'entity_id']).where('actor_id', '=', pupil.id).execute();
    assert.ok(byPupil.every((r) => r.entity_id !== id), `the pupil's own entries: ${JSON.stringify(byPupil)}`);
  });

  it('a named report is still audited under the reader\'s name', async () => {
    const pupil = await t.makePerson(['pupil'], { yearGroup: 'Year 8' });
    const s = await t.logIn(pupil.username);
    const { id } = (await t.as(s, 'POST', '/api/incidents', { occurredAt: '2026-11-15T19:00:00Z', description: 'Someone took my login.', category: 'bullying', location: 'in_school' })).json();
    await t.as(s, 'GET', '/api/incidents/mine');
    const views = await t.db.selectFrom('audit_log').select('actor_id').where('entity_id', '=', id).where('action', '=', 'incident.report_viewed_by_reporter').execute();
    assert.ok(views.length >= 1 && views.every((v) => v.actor_id === pupil.id));
  });
});
