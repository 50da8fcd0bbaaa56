/**
 * Every API route declares what it needs, and the roles × routes matrix matches what a school expects:
 * a pupil cannot list people, a teacher cannot change roles, a governor reads reports but not people's details.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../src/platform/permissions.ts';
import { ROLES, type Role } from '../src/directory/types.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

describe('route permissions', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('every registered route declares a permission, signed_in, public or filter_node', () => {
    const routes = t.app.routeTable;
    assert.ok(routes.length >= 20, `expected the whole API to be registered, found ${routes.length} routes`);
    const undeclared = routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(undeclared, [], `routes without an access rule: ${undeclared.join(', ')}`);
    const known = new Set([...Object.keys(PERMISSIONS), 'public', 'signed_in', 'filter_node']);
    const unknown = routes.filter((r) => !known.has(r.access!)).map((r) => `${r.method} ${r.url} → ${r.access}`);
    assert.deepEqual(unknown, []);
  });

  it('every API route describes its request and its answers (the OpenAPI document is complete)', () => {
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/') && !r.schema.hidden);
    assert.ok(api.length >= 20, `expected the whole API, found ${api.length} routes`);
    const problems: string[] = [];
    for (const r of api) {
      const name = `${r.method} ${r.url}`;
      if (!r.schema.response.some((s) => s >= 200 && s < 400)) problems.push(`${name}: no schema for its answer`);
      if (!r.schema.response.includes(401) && r.access !== 'public') problems.push(`${name}: no schema for the error answers`);
      if (r.url.includes(':') && !r.schema.params) problems.push(`${name}: no schema for its path parameters`);
      if (['POST', 'PUT', 'PATCH'].includes(r.method) && !r.schema.body) problems.push(`${name}: no schema for its body`);
    }
    assert.deepEqual(problems, []);
  });

  it('only log-on, set-up, health and the UI are public', () => {
    const publicApi = t.app.routeTable.filter((r) => r.access === 'public' && r.url.startsWith('/api/')).map((r) => `${r.method} ${r.url}`).sort();
    assert.deepEqual(publicApi, ['GET /api/openapi.json', 'GET /api/setup/status', 'POST /api/auth/login', 'POST /api/setup']);
  });

  it('filter-node routes answer a filter node\'s token only: not a signed-in person, not a wrong token', async () => {
    const nodeRoutes = t.app.routeTable.filter((r) => r.access === 'filter_node').map((r) => `${r.method} ${r.url}`).sort();
    assert.ok(nodeRoutes.length >= 4 && nodeRoutes.every((r) => / \/api\/filter-node\//.test(r)), nodeRoutes.join(', '));
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    for (const route of nodeRoutes) {
      const [method, url] = route.split(' ');
      const asAdmin = await t.app.inject({ method: method as 'GET', url, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, ...(method === 'POST' ? { payload: {} } : {}) });
      assert.equal(asAdmin.statusCode, 401, `${route} as an administrator: ${asAdmin.body}`);
      const forged = await t.app.inject({ method: method as 'GET', url, headers: { authorization: 'Bearer osprey-node-forged' }, ...(method === 'POST' ? { payload: { lines: [], header: 'x', ip: '127.0.0.1' } } : {}) });
      assert.equal(forged.statusCode, 401, `${route} with a forged token: ${forged.body}`);
      assert.match(forged.json().error.message, /token is not recognised/);
    }
  });

  it('every role in R1.1 has an entry in the permission table', () => {
    assert.deepEqual(Object.keys(ROLE_PERMISSIONS).sort(), [...ROLES].sort());
  });
});

describe('roles × routes matrix', () => {
  let t: TestApp;
  const sessions = new Map<Role, Session>();
  let pupilId = '';
  let groupId = '';

  before(async () => {
    t = await createTestApp();
    for (const role of ['pupil', 'teacher', 'governor', 'network_manager', 'administrator', 'dsl', 'parent'] as Role[]) {
      const p = await t.makePerson([role]);
      if (role === 'pupil') pupilId = p.id;
      sessions.set(role, await t.logIn(p.username));
    }
    const g = await t.as(sessions.get('administrator')!, 'POST', '/api/groups', { kind: 'custom', name: 'Eco club' });
    groupId = g.json().id;
  });
  after(async () => { await t.close(); });

  // [method, url, body, roles that may, roles that may not]
  const cases: Array<[string, () => string, unknown, Role[], Role[]]> = [
    ['GET', () => '/api/people', undefined, ['teacher', 'network_manager', 'administrator', 'dsl'], ['pupil', 'governor', 'parent']],
    ['GET', () => `/api/people/${pupilId}`, undefined, ['teacher', 'administrator', 'dsl'], ['pupil', 'governor', 'parent']],
    ['PUT', () => `/api/people/${pupilId}/roles`, { roles: ['pupil'] }, ['administrator'], ['teacher', 'pupil', 'governor', 'dsl', 'network_manager']],
    ['PATCH', () => `/api/people/${pupilId}`, { givenName: 'Test' }, ['administrator', 'network_manager'], ['teacher', 'pupil', 'governor']],
    ['POST', () => '/api/import/people', { files: { 'a.csv': 'id,username,first_name,last_name,roles\n' }, dryRun: true }, ['administrator', 'network_manager'], ['teacher', 'pupil', 'governor', 'dsl']],
    ['POST', () => `/api/people/${pupilId}/account/unlock`, undefined, ['administrator', 'network_manager'], ['teacher', 'dsl', 'governor', 'pupil']],
    ['GET', () => '/api/reports/directory', undefined, ['governor', 'dsl', 'administrator'], ['pupil', 'teacher', 'parent']],
    ['GET', () => '/api/audit', undefined, ['administrator'], ['teacher', 'pupil', 'governor', 'network_manager', 'dsl']],
    ['GET', () => '/api/groups', undefined, ['teacher', 'administrator'], ['pupil', 'governor', 'parent']],
    ['POST', () => `/api/groups/${groupId}/members`, { add: [] }, ['administrator', 'network_manager'], ['teacher', 'pupil', 'governor']],
    ['GET', () => '/api/activity', undefined, ['dsl', 'network_manager', 'administrator'], ['pupil', 'teacher', 'governor', 'parent']],
    ['GET', () => '/api/auth/me', undefined, ['pupil', 'teacher', 'governor', 'parent', 'administrator'], []],
  ];

  for (const [method, url, body, allowed, denied] of cases) {
    it(`${method} ${url().replace(/[0-9a-f-]{36}/, ':id')}: allowed for ${allowed.join(', ')}; refused for ${denied.join(', ') || 'nobody'}`, async () => {
      for (const role of allowed) {
        const res = await t.as(sessions.get(role)!, method as 'GET', url(), body);
        assert.ok(res.statusCode < 400 || res.statusCode === 409, `${role} should be allowed ${method} ${url()}, got ${res.statusCode} ${res.body}`);
      }
      for (const role of denied) {
        const res = await t.as(sessions.get(role)!, method as 'GET', url(), body);
        assert.equal(res.statusCode, 403, `${role} should be refused ${method} ${url()}, got ${res.statusCode}`);
        assert.equal(res.json().error.code, 'forbidden');
      }
    });
  }

  it('nobody who is not logged in gets past the log-in wall', async () => {
    for (const r of t.app.routeTable.filter((r) => r.access !== 'public')) {
      const url = r.url.replace(':id', pupilId);
      const res = await t.app.inject({ method: r.method as 'GET', url, payload: r.method === 'GET' ? undefined : {} });
      assert.equal(res.statusCode, 401, `${r.method} ${r.url} answered ${res.statusCode} without a log-in`);
    }
  });

  it('a governor sees numbers and the roles register in reports but no usernames or e-mail addresses', async () => {
    const res = await t.as(sessions.get('governor')!, 'GET', '/api/reports/directory');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.ok(body.roles.find((r: { role: string; count: number }) => r.role === 'pupil').count >= 1);
    assert.ok(!res.body.includes('pupil1'), 'a report must not include usernames');
  });
});
