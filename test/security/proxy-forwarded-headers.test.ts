/**
 * Issue 11, item 6: a pupil cannot pose as another device by sending X-Forwarded-For (or Forwarded, X-Real-IP…)
 * through the proxy. The real app trusts the proxy's address (OSPREY_TRUSTED_PROXIES), as a school that puts Osprey
 * behind the proxy would set it; a teacher is logged on at the library PC; a pupil's laptop sends the library PC's
 * address in forwarding headers, to a site and to Osprey's own log-on page. The site sees none of those headers, and
 * the log-on page neither shows nor ends the teacher's log-on: it sees the pupil's address, or the proxy's.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { IdentityService } from '../../src/filtering/identity/service.ts';
import { LiveFilter } from '../../src/filtering/live.ts';
import { createPolicy } from '../../src/filtering/policy/service.ts';
import { startProxy, type RunningProxy } from '../../src/filtering/proxy/index.ts';
import { collectingSink, startOrigin, viaProxy } from '../fixtures/proxy/harness.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const LIBRARY_PC = '127.0.0.9';
const PUPIL_LAPTOP = '127.0.0.5';
const POSING = { 'x-forwarded-for': LIBRARY_PC, forwarded: `for=${LIBRARY_PC};proto=http`, 'x-real-ip': LIBRARY_PC, 'x-client-ip': LIBRARY_PC, 'true-client-ip': LIBRARY_PC };

describe('client-sent forwarding headers never pass the proxy', () => {
  let t: TestApp;
  let identity: IdentityService;
  let live: LiveFilter;
  let proxy: RunningProxy;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let appPort: number;
  let portal: string;

  before(async () => {
    // the proxy reaches Osprey from 127.0.0.1, which Osprey is told to trust as a proxy in front of it
    t = await createTestApp({ config: { trustedProxies: '127.0.0.1' } });
    await t.makePerson(['teacher'], { username: 'tom.teacher' });
    await t.makePerson(['pupil'], { username: 'pat.pupil' });
    // the pupil's laptop may browse anywhere: what is tested is what reaches the site, not the filtering
    const group = await t.db.insertInto('groups').values({ id: crypto.randomUUID(), school_id: t.school.id, kind: 'custom', name: 'Laptops', created_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    await createPolicy({ db: t.db, clock: t.clock, actor: { id: null, label: 'test', schoolId: t.school.id } }, 'laptops', {
      name: 'Laptops', description: 'Everything allowed', priority: 60, defaultAction: 'allow', safeSearch: false,
      categoryActions: {}, schedules: [], localBlock: [], localAllow: [], targets: [group.id],
    }, 'Headers are what is being tested');
    await t.db.insertInto('ip_ranges').values({
      id: crypto.randomUUID(), school_id: t.school.id, cidr: `${PUPIL_LAPTOP}/32`, name: 'LAPTOP-05', kind: 'device', group_ids: JSON.stringify([group.id]),
      note: '', created_at: new Date(), updated_at: new Date(),
    }).execute();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    appPort = (t.app.server.address() as AddressInfo).port;
    portal = `http://osprey.test:${appPort}`;
    origin = await startOrigin();
    identity = t.shared.identity;
    await identity.ready();
    live = new LiveFilter(t.db, { dataDir: t.dataDir, timeZone: 'Europe/London', pollMs: 200 }, (ip, hints) => identity.identify(ip, hints), collectingSink());
    await live.start();
    proxy = await startProxy({
      host: '127.0.0.1', port: 0, workers: 1, view: live, identity, portalUrl: portal,
      hosts: { 'osprey.test': '127.0.0.1', 'news.test': '127.0.0.1' },
      // the test's site and Osprey itself are on loopback, which the proxy opens only when told to
      destinations: { allowed: [`127.0.0.1:${origin.port}`, `127.0.0.1:${appPort}`] },
    });
    const logon = await identity.logOnDevice({ username: 'tom.teacher', password: 'correct horse battery', ip: LIBRARY_PC });
    assert.equal(logon.ok, true);
  });

  after(async () => {
    await proxy?.close();
    live?.stop();
    identity?.close();
    await origin?.close();
    await t?.close();
  });

  it('a site sees none of a client\'s X-Forwarded-For, Forwarded, X-Real-IP and the like', async () => {
    const answer = await viaProxy(proxy.port, `http://news.test:${origin.port}/today`, { localAddress: PUPIL_LAPTOP, headers: { ...POSING, 'x-forwarded-host': 'intranet', 'x-forwarded-proto': 'https' } });
    assert.equal(answer.status, 200, answer.body);
    const seen = origin.requests.at(-1)!;
    assert.equal(seen.url, '/today');
    for (const name of [...Object.keys(POSING), 'x-forwarded-host', 'x-forwarded-proto']) assert.equal(seen.headers[name], undefined, `${name} reached the site`);
    assert.ok(!seen.rawHeaders.some((h) => h.includes(LIBRARY_PC)), 'the library PC\'s address appears nowhere in what the site received');
    assert.match(String(seen.headers.via), /^1\.1 osprey-/, 'the proxy still says it handled the request');
  });

  /** The log-on page through the proxy, posing as the library PC; returns the page and its form token. */
  async function logonPage(base: string) {
    const page = await viaProxy(proxy.port, `${base}/logon`, { localAddress: PUPIL_LAPTOP, headers: POSING });
    assert.equal(page.status, 200, page.body);
    const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
    return { body: page.body, cookie, csrf };
  }

  it('at Osprey\'s log-on page, reached by any address, a pupil posing as the library PC neither sees nor ends the teacher\'s log-on there, and logs on as their own laptop', async () => {
    for (const base of [portal, `http://127.0.0.1:${appPort}`]) {
      const page = await logonPage(base);
      assert.doesNotMatch(page.body, /logged on as <strong>tom\.teacher<\/strong>/, `${base}: the teacher's log-on on the library PC was shown to the pupil`);
      assert.match(page.body, /<label for="username">Username<\/label>/, `${base}: the pupil is offered the log-on form`);
      assert.ok(page.csrf && page.cookie, 'the form has its token');
      const end = await viaProxy(proxy.port, `${base}/logon/end`, {
        method: 'POST', localAddress: PUPIL_LAPTOP, body: `csrf=${page.csrf}`,
        headers: { ...POSING, 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
      });
      assert.equal(end.status, 200, end.body);
      assert.equal(identity.sessionOf(LIBRARY_PC)?.identity.username, 'tom.teacher', `${base}: the teacher is still logged on at the library PC`);
    }
    // logging on through the proxy binds the pupil's own laptop, not the address the pupil sent
    const page = await logonPage(portal);
    const done = await viaProxy(proxy.port, `${portal}/logon`, {
      method: 'POST', localAddress: PUPIL_LAPTOP,
      body: new URLSearchParams({ csrf: page.csrf!, username: 'pat.pupil', password: 'correct horse battery' }).toString(),
      headers: { ...POSING, 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
    });
    assert.equal(done.status, 200, done.body);
    assert.match(done.body, /logged on as <strong>pat\.pupil<\/strong>/);
    assert.equal(identity.sessionOf(PUPIL_LAPTOP)?.identity.username, 'pat.pupil');
    assert.equal(identity.sessionOf(LIBRARY_PC)?.identity.username, 'tom.teacher', 'the library PC is still the teacher\'s');
  });
});
