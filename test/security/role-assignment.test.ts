/**
 * Issue 11, item 1 (critical): nobody gains a right they were not given. Every path that can change roles — adding a
 * person, setting roles, editing a person, MIS import through the API and the command line — needs roles.manage, and
 * nobody acts on the account of a person whose roles carry rights they lack. On 18d3e29 a network manager made
 * themselves a DSL and read a restricted incident; here every step of that is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type Session, type TestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';

const HEADER = 'id,username,first_name,last_name,email,roles,year,classes,teams,children';

describe('a network manager cannot make anyone — themselves included — a DSL', () => {
  let t: TestApp;
  let nm: Session;
  let nmPerson: { id: string; username: string };
  let dsl: { id: string; username: string };
  let restrictedId = '';

  before(async () => {
    t = await createTestApp();
    nmPerson = await t.makePerson(['network_manager'], { username: 'c.macleod' });
    nm = await t.logIn(nmPerson.username);
    dsl = await t.makePerson(['dsl'], { username: 'm.rahman' });
    const pupil = await t.makePerson(['pupil'], { yearGroup: 'Year 8' });
    const report = await t.as(await t.logIn(pupil.username), 'POST', '/api/incidents', {
      occurredAt: '2026-11-15T19:00:00Z', description: 'Someone keeps sending me messages I do not like.', category: 'bullying', location: 'out_of_school',
    });
    assert.equal(report.statusCode, 201, report.body);
    restrictedId = report.json().id;
  });
  after(async () => { await t.close(); });

  it('adding a person with the DSL role is refused, and nobody is added', async () => {
    const res = await t.as(nm, 'POST', '/api/people', { username: 'fake.dsl', givenName: 'Fake', familyName: 'Lead', roles: ['dsl'] });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().error.code, 'roles_not_allowed');
    assert.match(res.json().error.message, /Designated Safeguarding Lead.*give and take away roles/);
    assert.equal((await t.db.selectFrom('people').select('id').where('username', '=', 'fake.dsl').execute()).length, 0);
  });

  it('a pupil (a role with no rights in Osprey) can still be added by whoever adds people', async () => {
    const res = await t.as(nm, 'POST', '/api/people', { username: 'new.pupil', givenName: 'New', familyName: 'Pupil', roles: ['pupil'], yearGroup: 'Year 7' });
    assert.equal(res.statusCode, 201, res.body);
  });

  it('an import giving themself dsl;administrator is refused as a whole, naming the row, and changes nothing', async () => {
    await t.db.updateTable('people').set({ external_id: 'S1003' }).where('id', '=', nmPerson.id).execute();
    const csv = [HEADER,
      'P9001,j.pupil,Jo,Pupil,,pupil,Year 7,,,',
      'S1003,c.macleod,Callum,MacLeod,,dsl;administrator;network_manager,,,,'].join('\n');
    for (const dryRun of [true, false]) {
      for (const skipInvalid of [false, true]) {
        const res = await t.as(nm, 'POST', '/api/import/people', { files: { 'staff.csv': csv }, dryRun, skipInvalid, markLeavers: false });
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error.code, 'import_beyond_rights');
        assert.match(res.json().error.message, /staff\.csv:3 \(c\.macleod\)/);
        assert.doesNotMatch(res.json().error.message, /staff\.csv:2/, 'the pupil row is fine');
      }
    }
    const roles = (await t.db.selectFrom('person_roles').select('role').where('person_id', '=', nmPerson.id).execute()).map((r) => r.role);
    assert.deepEqual(roles, ['network_manager']);
    assert.equal((await t.db.selectFrom('people').select('id').where('username', '=', 'j.pupil').execute()).length, 0, 'all or nothing');
  });

  it('an import adding new staff is refused too (their roles carry rights)', async () => {
    const res = await t.as(nm, 'POST', '/api/import/people', { files: { 'staff.csv': `${HEADER}\nS2001,new.teacher,Ann,Teacher,,teacher,,,,` }, dryRun: false, markLeavers: false });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /give the role Teacher/);
  });

  it('setting roles through the API is refused (no roles.manage), and editing a person cannot carry roles', async () => {
    const res = await t.as(nm, 'PUT', `/api/people/${nmPerson.id}/roles`, { roles: ['network_manager', 'dsl'] });
    assert.equal(res.statusCode, 403);
    const patch = await t.as(nm, 'PATCH', `/api/people/${nmPerson.id}`, { roles: ['dsl'] });
    assert.equal(patch.statusCode, 400, 'roles are not a field of a person\'s details');
    const roles = (await t.db.selectFrom('person_roles').select('role').where('person_id', '=', nmPerson.id).execute()).map((r) => r.role);
    assert.deepEqual(roles, ['network_manager']);
  });

  it('the real DSL\'s account cannot be touched: temporary password, unlock, two-step reset, details', async () => {
    for (const action of ['temporary-password', 'unlock', 'reset-mfa']) {
      const res = await t.as(nm, 'POST', `/api/people/${dsl.id}/account/${action}`);
      assert.equal(res.statusCode, 403, `${action}: ${res.body}`);
      assert.equal(res.json().error.code, 'rights_not_held');
      assert.match(res.json().error.message, /Designated Safeguarding Lead.*carry rights you do not have/);
    }
    const edit = await t.as(nm, 'PATCH', `/api/people/${dsl.id}`, { email: 'c.macleod@attacker.example' });
    assert.equal(edit.statusCode, 403);
    const row = await t.db.selectFrom('people').select('email').where('id', '=', dsl.id).executeTakeFirstOrThrow();
    assert.notEqual(row.email, 'c.macleod@attacker.example');
    // A teacher's account is theirs to manage, as before.
    const teacher = await t.makePerson(['teacher']);
    assert.equal((await t.as(nm, 'POST', `/api/people/${teacher.id}/account/temporary-password`)).statusCode, 200);
  });

  it('and so the restricted incident stays out of reach', async () => {
    assert.equal((await t.as(nm, 'GET', `/api/incidents/${restrictedId}`)).statusCode, 404, 'not even told it exists');
    const dslSession = await t.logIn(dsl.username);
    assert.equal((await t.as(dslSession, 'GET', `/api/incidents/${restrictedId}`)).statusCode, 200, 'the real DSL still reads it');
  });
});

describe('administrators give roles, but not to themselves, and not over people with rights they lack', () => {
  let t: TestApp;
  let admin: Session;
  let adminId = '';
  before(async () => {
    t = await createTestApp();
    const a = await t.makePerson(['administrator']);
    adminId = a.id;
    admin = await t.logIn(a.username);
    await t.makePerson(['administrator']);
  });
  after(async () => { await t.close(); });

  it('cannot change their own roles (another administrator must)', async () => {
    const res = await t.as(admin, 'PUT', `/api/people/${adminId}/roles`, { roles: ['administrator', 'dsl'] });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /cannot change your own roles/);
  });

  it('appoints a DSL, gives a new DSL their first password, and then cannot reset it', async () => {
    const created = await t.as(admin, 'POST', '/api/people', { username: 'n.okafor', givenName: 'Ngozi', familyName: 'Okafor', email: 'n.okafor@school.example', roles: ['teacher'] });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    assert.equal((await t.as(admin, 'PUT', `/api/people/${id}/roles`, { roles: ['teacher', 'dsl'] })).statusCode, 200);
    const first = await t.as(admin, 'POST', `/api/people/${id}/account/temporary-password`);
    assert.equal(first.statusCode, 200, 'the first password of someone who has never logged in');
    const mail = await t.db.selectFrom('mail_outbox').select(['to_address', 'subject']).where('to_address', '=', 'n.okafor@school.example').execute();
    assert.ok(mail.some((m) => /password was reset/.test(m.subject)), 'the person is told by e-mail');
    await t.db.updateTable('accounts').set({ last_login_at: t.clock.now() }).where('person_id', '=', id).execute();
    const again = await t.as(admin, 'POST', `/api/people/${id}/account/temporary-password`);
    assert.equal(again.statusCode, 403, 'once they have logged in, only someone with all their rights may reset it');
    assert.equal((await t.as(admin, 'POST', `/api/people/${id}/account/reset-mfa`)).statusCode, 403);
    assert.equal((await t.as(admin, 'PUT', `/api/people/${id}/roles`, { roles: ['teacher'] })).statusCode, 403, 'nor take the role away');
  });
});

describe('osprey account (the server\'s command line)', () => {
  it('resets the DSL\'s two-step verification and gives a temporary password, audited as the command line', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-account-'));
    let t = await createTestApp({ dataDir });
    try {
      const dsl = await t.makePerson(['dsl'], { username: 'm.rahman' });
      const url = t.handle.url;
      if (!onPostgres) { await t.app.close(); await t.handle.close(); }
      const run = (...a: string[]) => spawnSync(process.execPath, ['bin/osprey.js', 'account', ...a], {
        encoding: 'utf8', env: { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: url } : {}) },
      });
      const reset = run('reset-two-step', '--username', 'M.Rahman');
      assert.equal(reset.status, 0, reset.stderr);
      assert.match(reset.stdout, /Two-step verification removed for Test dsl \d+ \(m\.rahman\)/);
      const temp = run('temporary-password', '--username', 'm.rahman');
      assert.equal(temp.status, 0, temp.stderr);
      assert.match(temp.stdout, /Temporary password for .*: \S+/);
      const nobody = run('unlock', '--username', 'nobody.here');
      assert.equal(nobody.status, 1);
      assert.match(nobody.stderr, /nobody with the username "nobody.here"/);
      assert.equal(run('unlock').status, 2);
      if (!onPostgres) t = await createTestApp({ dataDir });
      const account = await t.db.selectFrom('accounts').select(['mfa_enabled_at', 'must_change_password']).where('person_id', '=', dsl.id).executeTakeFirstOrThrow();
      assert.equal(account.mfa_enabled_at, null);
      assert.equal(account.must_change_password, true);
      const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_label']).where('entity_id', '=', dsl.id).execute();
      assert.ok(audit.some((a) => a.action === 'account.mfa_reset' && a.actor_label === 'command line (account reset-two-step)'));
      assert.ok(audit.some((a) => a.action === 'account.temporary_password' && a.actor_label === 'command line (account temporary-password)'));
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

