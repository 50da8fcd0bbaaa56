/** People, roles and groups (R1.1–R1.3, R1.5) through the API, as the office and the network manager use them. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

describe('people, roles and groups', () => {
  let t: TestApp;
  let admin: Session;
  let adminId: string;
  before(async () => {
    t = await createTestApp();
    const a = await t.makePerson(['administrator'], { username: 'office.admin' });
    adminId = a.id;
    admin = await t.logIn(a.username);
    const csv = readFileSync('test/fixtures/import/people-50.csv', 'utf8');
    const res = await t.as(admin, 'POST', '/api/import/people', { files: { 'people.csv': csv }, dryRun: false });
    assert.equal(res.json().applied.added, 50);
  });
  after(async () => { await t.close(); });

  it('a person can hold several roles, and search finds them by role', async () => {
    const res = await t.as(admin, 'POST', '/api/people', { username: 'k.osei', givenName: 'Kwame', familyName: 'Osei', roles: ['teacher', 'online_safety_lead'] });
    assert.equal(res.statusCode, 201, res.body);
    const leads = (await t.as(admin, 'GET', '/api/people?role=online_safety_lead')).json().people as Array<{ username: string; roles: string[] }>;
    const kwame = leads.find((p) => p.username === 'k.osei');
    assert.deepEqual(kwame?.roles, ['online_safety_lead', 'teacher']);
    assert.ok(leads.every((p) => p.roles.includes('online_safety_lead')), 'only Online Safety Leads are listed');
  });

  it('refuses a username that is already used, and a pupil without a year group', async () => {
    const dup = await t.as(admin, 'POST', '/api/people', { username: 'K.Osei', givenName: 'Kim', familyName: 'Osei', roles: ['support_staff'] });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.json().error.message, /already used/);
    const pupil = await t.as(admin, 'POST', '/api/people', { username: 'new.pupil', givenName: 'New', familyName: 'Pupil', roles: ['pupil'] });
    assert.equal(pupil.statusCode, 400);
    assert.match(pupil.json().error.message, /year group/);
  });

  it('an administrator changes another person\'s roles, never their own (issue 11)', async () => {
    const res = await t.as(admin, 'PUT', `/api/people/${adminId}/roles`, { roles: ['teacher'] });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /cannot change your own roles/);
    const other = (await t.as(admin, 'GET', '/api/people?q=c.macleod')).json().people[0];
    assert.equal((await t.as(admin, 'PUT', `/api/people/${other.id}/roles`, { roles: ['network_manager', 'administrator'] })).statusCode, 200);
    const page = (await t.as(admin, 'GET', `/api/people/${other.id}`)).json();
    assert.deepEqual(page.person.roles, ['administrator', 'network_manager']);
    assert.equal((await t.as(admin, 'PUT', `/api/people/${adminId}/roles`, { roles: ['administrator', 'teacher'] })).statusCode, 403, 'not even with a second administrator');
  });

  it('a custom group gets members and filters the people list', async () => {
    const group = (await t.as(admin, 'POST', '/api/groups', { kind: 'custom', name: 'Digital Leaders' })).json();
    const pupils = (await t.as(admin, 'GET', '/api/people?role=pupil&limit=3')).json().people.map((p: { id: string }) => p.id);
    assert.equal((await t.as(admin, 'POST', `/api/groups/${group.id}/members`, { add: pupils })).statusCode, 200);
    const members = (await t.as(admin, 'GET', `/api/people?group=${group.id}`)).json();
    assert.equal(members.total, 3);
    const listed = (await t.as(admin, 'GET', '/api/groups?kind=custom')).json().groups;
    assert.deepEqual(listed.map((g: { name: string; memberCount: number }) => [g.name, g.memberCount]), [['Digital Leaders', 3]]);
    const again = await t.as(admin, 'POST', '/api/groups', { kind: 'custom', name: 'Digital Leaders' });
    assert.equal(again.statusCode, 409);
  });

  it('groups cover key stages, year groups, classes and staff teams from the import', async () => {
    const kinds = new Set((await t.as(admin, 'GET', '/api/groups')).json().groups.map((g: { kind: string }) => g.kind));
    for (const k of ['key_stage', 'year', 'class', 'staff_team', 'custom']) assert.ok(kinds.has(k), `has ${k} groups`);
  });

  it('marking a person as a leaver hides them from the current list and keeps their record', async () => {
    const p = (await t.as(admin, 'GET', '/api/people?q=ohughes02')).json().people[0];
    assert.equal((await t.as(admin, 'PATCH', `/api/people/${p.id}`, { status: 'leaver' })).statusCode, 200);
    assert.equal((await t.as(admin, 'GET', '/api/people?q=ohughes02')).json().total, 0);
    const page = (await t.as(admin, 'GET', `/api/people/${p.id}`)).json();
    assert.equal(page.person.status, 'leaver');
    assert.ok(page.person.leftAt);
  });

  it('a Reception class may share one log-on, flagged as a risk; a Year 5 class may not (R1.3)', async () => {
    const classes = (await t.as(admin, 'GET', '/api/groups?kind=class')).json().groups as Array<{ id: string; name: string }>;
    const robins = classes.find((c) => c.name === 'Robins')!;
    const created = await t.as(admin, 'POST', `/api/groups/${robins.id}/class-logon`);
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().username, 'class.robins');
    const person = (await t.as(admin, 'GET', `/api/people/${created.json().id}`)).json().person;
    assert.equal(person.kind, 'class_logon');

    const older = await t.db.selectFrom('groups as g').innerJoin('group_members as gm', 'gm.group_id', 'g.id').innerJoin('people as p', 'p.id', 'gm.person_id')
      .where('g.kind', '=', 'class').where('p.year_group', 'in', ['Year 3', 'Year 4', 'Year 5', 'Year 6']).select(['g.id', 'g.name']).executeTakeFirstOrThrow();
    const refused = await t.as(admin, 'POST', `/api/groups/${older.id}/class-logon`);
    assert.equal(refused.statusCode, 422);
    assert.match(refused.json().error.message, /only allowed for Key Stage 1 and below/);

    const report = (await t.as(admin, 'GET', '/api/reports/directory')).json();
    assert.equal(report.risks.length, 1);
    assert.match(report.risks[0].message, /1 shared class log-on \(Robins\)/);
  });
});
