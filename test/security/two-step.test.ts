/**
 * Issue 11, item 3: roles that read safeguarding data (and administrators, who give out roles) do nothing until
 * two-step verification is completed in the session: they may only set it up, log out and read who they are.
 * Setting it up needs the password again; setting it up and resetting it are e-mailed to the person and audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authenticator } from 'otplib';
import { ROLES } from '../../src/directory/types.ts';
import { MFA_REQUIRED_ROLES, permissionsOf, SAFEGUARDING_READ } from '../../src/platform/permissions.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const OPEN_BEFORE_TWO_STEP = ['GET /api/auth/me', 'POST /api/auth/logout', 'POST /api/auth/mfa/start', 'POST /api/auth/mfa/confirm'];

describe('two-step verification is enforced, not just offered', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('is required of every role whose rights read safeguarding data, and of administrators', () => {
    for (const role of ROLES) {
      const reads = [...permissionsOf([role])].some((p) => SAFEGUARDING_READ.includes(p) || p === 'roles.manage');
      assert.equal(MFA_REQUIRED_ROLES.includes(role), reads, role);
    }
    for (const role of ['dsl', 'deputy_dsl', 'online_safety_lead', 'headteacher', 'administrator', 'network_manager', 'slt'] as const) assert.ok(MFA_REQUIRED_ROLES.includes(role), role);
    for (const role of ['teacher', 'pupil', 'parent', 'governor'] as const) assert.ok(!MFA_REQUIRED_ROLES.includes(role), role);
  });

  it('a DSL who has not set it up reads nothing: every other route answers 403 saying what to do', async () => {
    const dsl = await t.makePerson(['dsl'], { twoStep: false });
    const s = await t.logIn(dsl.username);
    const routes = t.app.routeTable.filter((r) => r.access !== 'public' && r.access !== 'filter_node' && !OPEN_BEFORE_TWO_STEP.includes(`${r.method} ${r.url}`));
    assert.ok(routes.length > 80);
    for (const r of routes) {
      const res = await t.as(s, r.method as 'GET', r.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000'), r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
      assert.equal(res.statusCode, 403, `${r.method} ${r.url}: ${res.body}`);
      assert.equal(res.json().error.code, 'two_step_required', `${r.method} ${r.url}`);
    }
    const incidents = await t.as(s, 'GET', '/api/incidents');
    assert.match(incidents.json().error.message, /Set up two-step verification first/);
    const me = await t.as(s, 'GET', '/api/auth/me');
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json().mfa, { enrolled: false, required: true, verified: false });
  });

  it('setting it up needs the password again; then the session is open, and the person is e-mailed and it is audited', async () => {
    const dsl = await t.makePerson(['dsl'], { twoStep: false });
    await t.db.updateTable('people').set({ email: 'dsl.enrols@school.example' }).where('id', '=', dsl.id).execute();
    const s = await t.logIn(dsl.username);
    assert.equal((await t.as(s, 'POST', '/api/auth/mfa/start', {})).statusCode, 400, 'no password, no start');
    const wrong = await t.as(s, 'POST', '/api/auth/mfa/start', { password: 'someone at the desk guessing' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, 'wrong_current_password');
    const failures = await t.db.selectFrom('accounts').select('failed_attempts').where('person_id', '=', dsl.id).executeTakeFirstOrThrow();
    assert.equal(failures.failed_attempts, 1, 'a wrong password here counts towards the lock-out, like at the log-in page');
    const start = await t.as(s, 'POST', '/api/auth/mfa/start', { password: dsl.password });
    assert.equal(start.statusCode, 200, start.body);
    const code = authenticator.clone({ epoch: t.clock.now().getTime() }).generate(start.json().secret);
    assert.equal((await t.as(s, 'POST', '/api/auth/mfa/confirm', { code })).statusCode, 200);
    assert.equal((await t.as(s, 'GET', '/api/incidents')).statusCode, 200, 'the session is verified once it is set up');
    const mail = await t.db.selectFrom('mail_outbox').select(['subject', 'body_text']).where('to_address', '=', 'dsl.enrols@school.example').execute();
    assert.ok(mail.some((m) => /Two-step verification is now set up/.test(m.subject) && m.body_text.includes('If this was not you')));
    const audit = await t.db.selectFrom('audit_log').select('action').where('entity_id', '=', dsl.id).execute();
    assert.ok(audit.some((a) => a.action === 'auth.mfa_enrolled'));
  });

  it('a reset is e-mailed to the person and audited, and asks them to set it up again', async () => {
    const dsl = await t.makePerson(['dsl']);
    await t.db.updateTable('people').set({ email: 'dsl.reset@school.example' }).where('id', '=', dsl.id).execute();
    const head = await t.logIn((await t.makePerson(['administrator', 'dsl'])).username);
    assert.equal((await t.as(head, 'POST', `/api/people/${dsl.id}/account/reset-mfa`)).statusCode, 200);
    const mail = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', 'dsl.reset@school.example').execute();
    assert.ok(mail.some((m) => /Two-step verification was reset/.test(m.subject)));
    const s = await t.logIn(dsl.username, dsl.password, undefined);
    assert.equal((await t.as(s, 'GET', '/api/activity')).json().error.code, 'two_step_required');
  });

  it('guessing the password on the set-up page locks the account, whatever is tried after', async () => {
    const dsl = await t.makePerson(['dsl'], { twoStep: false });
    const s = await t.logIn(dsl.username);
    for (let i = 0; i < t.config.loginMaxFailures; i++) assert.equal((await t.as(s, 'POST', '/api/auth/mfa/start', { password: `guess-${i}` })).statusCode, 400);
    const right = await t.as(s, 'POST', '/api/auth/mfa/start', { password: dsl.password });
    assert.equal(right.statusCode, 423);
    assert.equal(right.json().error.code, 'account_locked');
  });

  it('someone given a safeguarding role while logged in must verify before using it', async () => {
    const teacher = await t.makePerson(['teacher']);
    const s = await t.logIn(teacher.username);
    assert.equal((await t.as(s, 'GET', '/api/people')).statusCode, 200);
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    assert.equal((await t.as(admin, 'PUT', `/api/people/${teacher.id}/roles`, { roles: ['teacher', 'deputy_dsl'] })).statusCode, 200);
    const res = await t.as(s, 'GET', '/api/incidents');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'two_step_required');
  });

  it('teachers, pupils and parents are not held up', async () => {
    for (const role of ['teacher', 'pupil', 'parent'] as const) {
      const p = await t.makePerson([role]);
      const s = await t.logIn(p.username);
      assert.equal((await t.as(s, 'GET', '/api/incidents/mine')).statusCode, 200, role);
    }
  });
});
