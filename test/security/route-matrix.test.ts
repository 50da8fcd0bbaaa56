/**
 * Issue 11: every route × every role, generated from the route table (not hand-picked). A role without the route's
 * permission is refused with 403 before anything is read; a role with it gets past the permission check (it may then
 * be told the record does not exist or the request is incomplete, but never "forbidden" by the route's rule).
 * Public routes answer everyone; signed-in routes refuse nobody who is signed in; filter-node routes refuse every
 * person, whatever their roles.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ROLES, type Role } from '../../src/directory/types.ts';
import { permissionsOf, type Permission } from '../../src/platform/permissions.ts';
import { createTestApp, type Session, type TestApp } from '../helpers/app.ts';

/** A URL for a route pattern: every `:param` a fresh UUID (no record has it), the UI's wildcard a made-up page. */
const urlOf = (pattern: string) => pattern.replace(/:[A-Za-z]+/g, () => randomUUID()).replace('*', 'some-page');

describe('every route × every role', () => {
  let t: TestApp;
  const sessions = new Map<Role, Session>();
  const people = new Map<Role, { username: string }>();

  before(async () => {
    t = await createTestApp();
    for (const role of ROLES) {
      const p = await t.makePerson([role], { yearGroup: role === 'pupil' ? 'Year 8' : undefined });
      people.set(role, p);
      sessions.set(role, await t.logIn(p.username));
    }
  });
  after(async () => { await t.close(); });

  it('answers as the route table says, for all roles', async () => {
    const routes = t.app.routeTable.filter((r) => r.url !== '/api/auth/logout');
    assert.ok(routes.length >= 100, `the whole API should be registered (found ${routes.length})`);
    const wrong: string[] = [];
    let checked = 0;
    for (const route of routes) {
      for (const role of ROLES) {
        let session = sessions.get(role)!;
        const send = () => t.app.inject({
          method: route.method as 'GET', url: urlOf(route.url), headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
        let res = await send();
        if (res.statusCode === 401 && route.access !== 'filter_node' && route.access !== 'public') {
          // A route that ended the session (there is none besides log-out, excluded above) would show here.
          session = await t.logIn(people.get(role)!.username);
          sessions.set(role, session);
          res = await send();
        }
        checked++;
        const code = res.statusCode;
        let error: string | undefined;
        try { error = code >= 400 ? (res.json() as { error?: { code?: string } }).error?.code : undefined; } catch { error = undefined; }
        const label = `${route.method} ${route.url} as ${role}: ${code} ${error ?? ''}`;
        if (route.access === 'filter_node') {
          if (code !== 401) wrong.push(`${label} (a filter-node route must refuse every person)`);
        } else if (route.access === 'public' || route.access === 'signed_in') {
          if (code === 401 || (code === 403 && error === 'forbidden')) wrong.push(`${label} (should be open to ${route.access === 'public' ? 'everyone' : 'anyone signed in'})`);
        } else {
          const allowed = permissionsOf([role]).has(route.access as Permission);
          if (!allowed && !(code === 403 && error === 'forbidden')) wrong.push(`${label} (${role} does not hold ${route.access})`);
          if (allowed && code === 403 && error === 'forbidden') wrong.push(`${label} (${role} holds ${route.access})`);
          if (allowed && (code === 401 || error === 'two_step_required')) wrong.push(label);
        }
      }
    }
    assert.equal(checked, routes.length * ROLES.length);
    assert.deepEqual(wrong, [], `${wrong.length} answers differ from the route table:\n${wrong.join('\n')}`);
  });

  it('log-out is open to every signed-in person and ends only their own session', async () => {
    for (const role of ROLES) {
      const s = await t.logIn(people.get(role)!.username);
      const res = await t.as(s, 'POST', '/api/auth/logout');
      assert.equal(res.statusCode, 200, `${role}: ${res.body}`);
      assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 401);
      assert.equal((await t.as(sessions.get(role)!, 'GET', '/api/auth/me')).statusCode, 200, `${role}'s other session stays`);
    }
  });
});
