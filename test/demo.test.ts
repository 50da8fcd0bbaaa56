/** `osprey demo`: a realistic demo school loads through the import path, once, and the directory shows it. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadDemoSchool } from '../src/directory/demo-load.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

describe('demo school', () => {
  let t: TestApp;
  let admin: Session;
  let first: Awaited<ReturnType<typeof loadDemoSchool>>;
  before(async () => {
    t = await createTestApp();
    first = await loadDemoSchool(t.db, t.clock);
    admin = await t.logIn((await t.makePerson(['administrator'], { username: 'it.admin' })).username);
  });
  after(async () => { await t.close(); });

  it('has about 1,200 pupils, 120 staff and their parents', () => {
    assert.ok(first.pupils >= 1100 && first.pupils <= 1300, `${first.pupils} pupils`);
    assert.ok(first.staff >= 100 && first.staff <= 140, `${first.staff} staff`);
    assert.ok(first.parents > 1000);
  });

  it('creates a demo administrator with a temporary password when there is none', async () => {
    assert.ok(first.adminPassword);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: first.adminPassword } });
    assert.equal(res.json().me.mustChangePassword, true);
  });

  it('shows in People & groups: every year group from Nursery to Year 11, and one named DSL', async () => {
    const years = (await t.as(admin, 'GET', '/api/groups?kind=year')).json().groups.map((g: { name: string }) => g.name);
    for (const y of ['Nursery', 'Reception', 'Year 1', 'Year 6', 'Year 7', 'Year 11']) assert.ok(years.includes(y), `${y} is a group`);
    const dsl = (await t.as(admin, 'GET', '/api/people?role=dsl')).json();
    assert.equal(dsl.total, 1);
    const osg = (await t.as(admin, 'GET', '/api/people?role=online_safety_governor')).json();
    assert.equal(osg.total, 1);
    const all = (await t.as(admin, 'GET', '/api/people?limit=1')).json();
    assert.ok(all.total > 2700 && all.total < 3300, `${all.total} people`);
  });

  it('links parents to their children', async () => {
    const pupil = (await t.as(admin, 'GET', '/api/people?role=pupil&limit=1')).json().people[0];
    const page = (await t.as(admin, 'GET', `/api/people/${pupil.id}`)).json();
    assert.ok(page.parents.length >= 1, 'the pupil has a parent or carer');
  });

  it('loading it again changes nothing', async () => {
    const before = (await t.as(admin, 'GET', '/api/people?limit=1&status=all')).json().total;
    const again = await loadDemoSchool(t.db, t.clock);
    assert.equal(again.adminPassword, undefined, 'no second demo administrator');
    assert.equal((await t.as(admin, 'GET', '/api/people?limit=1&status=all')).json().total, before);
  });
});
