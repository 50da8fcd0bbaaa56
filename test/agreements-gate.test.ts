/**
 * Gating (R6.4, R1.4) through the real app, the real proxy (in a worker thread) and a real HTTP origin: a pupil who
 * has not signed their Acceptable Use Agreement is sent to the sign page and can reach nothing else but the Osprey
 * server; once they sign through the API they browse normally, with no restart. A joiner inside the grace period
 * browses; a teacher is held back by the staff agreement in the same way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMembers, ensureGroup } from '../src/directory/store.ts';
import { startDnsResolver, type DnsResolver } from '../src/filtering/dns/index.ts';
import { LiveFilter } from '../src/filtering/live.ts';
import { startProxy, type RunningProxy } from '../src/filtering/proxy/index.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { addresses, ask } from './fixtures/dns/client.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { collectingSink, connectVia, startOrigin, startTlsOrigin, viaProxy, waitFor } from './fixtures/proxy/harness.ts';

const PORTAL = 'http://osprey.test:8080';
const PUPIL_PC = '127.0.0.21';
const JOINER_PC = '127.0.0.22';
const STAFF_LAPTOP = '127.0.0.23';

describe('gating: no internet until the agreement is signed', () => {
  let t: TestApp;
  let lead: Session;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let secure: Awaited<ReturnType<typeof startTlsOrigin>>;
  let proxy: RunningProxy;
  let live: LiveFilter;
  let dns: DnsResolver;
  let upstream: FakeUpstream;
  const sink = collectingSink();
  const url = (host: string, p = '/') => `http://${host}:${origin.port}${p}`;

  before(async () => {
    t = await createTestApp();
    lead = await t.logIn((await t.makePerson(['online_safety_lead'], { username: 'olivia.lead' })).username);
    const settings = await t.as(lead, 'PUT', '/api/agreements/settings', { yearStarts: '09-01', gating: true, joinerGraceDays: 0, versionGraceDays: 0, yearGraceDays: 0 });
    assert.equal(settings.statusCode, 200, settings.body);
    const templates = (await t.as(lead, 'GET', '/api/agreements/templates')).json().templates as { id: string; key: string }[];
    for (const key of ['ks3', 'staff']) {
      const res = await t.as(lead, 'POST', `/api/agreements/templates/${templates.find((x) => x.key === key)!.id}/publish`);
      assert.equal(res.statusCode, 201, res.body);
    }
    // the key-stage group exists before the filter is compiled, as it does once the MIS has been imported
    await ensureGroup(t.db, t.school.id, 'key_stage', 'KS3', t.clock.now());
    origin = await startOrigin();
    secure = await startTlsOrigin();
    const identity = t.shared.identity;
    await identity.ready();
    live = new LiveFilter(t.db, {
      dataDir: t.dataDir, timeZone: 'Europe/London', pollMs: 200, agreementRequired: (id) => identity.agreementRequired(id), portalHost: 'osprey.test',
    }, (ip, hints) => identity.identify(ip, hints), sink);
    await live.start();
    upstream = await startFakeUpstream([
      { name: 'news.test', type: 'A', ttl: 300, data: '192.0.2.10' }, { name: 'osprey.test', type: 'A', ttl: 300, data: '192.0.2.20' },
    ]);
    dns = await startDnsResolver({ host: '127.0.0.1', port: 0, view: live, upstreams: [upstream.address], blockAnswer: 'block-page', blockPageIPv4: '192.0.2.99', logger: { warn: () => {} } });
    proxy = await startProxy({ host: '127.0.0.1', port: 0, workers: 1, view: live, identity, hosts: { '*': '127.0.0.1' }, portalUrl: PORTAL,
      // the test origins (and the portal's address, where nothing listens) are on loopback, opened only when told to
      destinations: { allowed: [`127.0.0.1:${origin.port}`, `127.0.0.1:${secure.port}`, '127.0.0.1:8080'] } });
  });
  after(async () => {
    await proxy?.close();
    await dns?.close();
    await upstream?.close();
    live?.stop();
    await origin?.close();
    await secure?.close();
    await t?.close();
  });

  /** A pupil as the directory makes them: in their year's key-stage group, so the key stage's filtering policy applies. */
  async function makePupil(username: string, yearGroup: string, keyStage: string) {
    const pupil = await t.makePerson(['pupil'], { username, yearGroup });
    await addMembers(t.db, t.school.id, await ensureGroup(t.db, t.school.id, 'key_stage', keyStage, t.clock.now()), [pupil.id]);
    return pupil;
  }

  /** The web log-on page, as a pupil's browser uses it; returns the page shown after logging on. */
  async function logOnDevice(ip: string, username: string, returnTo: string): Promise<string> {
    const form = await t.app.inject({ method: 'GET', url: `/logon?return=${encodeURIComponent(returnTo)}`, remoteAddress: ip });
    const cookie = form.cookies.find((c) => c.name === 'osprey_logon_csrf')!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1];
    const res = await t.app.inject({
      method: 'POST', url: '/logon', remoteAddress: ip, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `osprey_logon_csrf=${cookie.value}` },
      payload: new URLSearchParams({ csrf, username, password: 'correct horse battery', return: returnTo }).toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.body;
  }

  async function signOwn(username: string): Promise<void> {
    const me = await t.logIn(username);
    const { pending } = (await t.as(me, 'GET', '/api/agreements/pending')).json();
    assert.equal(pending.length, 1);
    const res = await t.as(me, 'POST', '/api/agreements/sign', { versionId: pending[0].version.id, textSha256: pending[0].version.textSha256, typedName: `Signed by ${username}`, agreed: true });
    assert.equal(res.statusCode, 201, res.body);
  }

  it('an unsigned Year 7 pupil is sent to the sign page, reaches only the Osprey server, signs, and then browses normally', async () => {
    const pupil = await makePupil('sam.year7', 'Year 7', 'KS3');
    const page = await logOnDevice(PUPIL_PC, pupil.username, url('news.test', '/today'));
    assert.match(page, /read and sign the school's Acceptable Use Agreement/);
    assert.match(page, /href="\/agreements\/sign\?return=http/);

    const redirect = await waitFor('the log-on to reach the proxy', async () => {
      const r = await viaProxy(proxy.port, url('news.test', '/today'), { localAddress: PUPIL_PC });
      return r.status === 302 && r;
    });
    const location = new URL(String(redirect.headers.location));
    assert.equal(`${location.origin}${location.pathname}`, `${PORTAL}/agreements/sign`);
    assert.equal(location.searchParams.get('return'), url('news.test', '/today'));
    assert.equal(origin.requests.filter((r) => r.url === '/today').length, 0, 'nothing reached the site');
    assert.equal((await viaProxy(proxy.port, url('news.test', '/form'), { localAddress: PUPIL_PC, method: 'POST', body: 'x=1' })).status, 403);
    const tunnel = await connectVia(proxy.port, `secure.test:${secure.port}`, { localAddress: PUPIL_PC });
    assert.equal(tunnel.status, 403);
    assert.match(tunnel.text, /sign the school's Acceptable Use Agreement/);
    tunnel.socket.destroy();
    // the Osprey server itself is passed on (the sign page is on it; nothing listens there in this test, hence 502)
    const portal = await viaProxy(proxy.port, `${PORTAL}/agreements/sign`, { localAddress: PUPIL_PC });
    assert.ok(![302, 403].includes(portal.status), `the portal is not held back (${portal.status})`);
    // DNS from the same device: only the Osprey server's name is answered
    assert.deepEqual(addresses(await ask(dns.port, 'news.test', 'A', { from: PUPIL_PC })), ['192.0.2.99']);
    assert.deepEqual(addresses(await ask(dns.port, 'osprey.test', 'A', { from: PUPIL_PC })), ['192.0.2.20']);
    const event = await waitFor('the held-back request in the activity log', () => sink.events.find((e) => e.username === 'sam.year7' && e.reason === 'agreement_required'));
    assert.equal(event.action, 'block');

    await signOwn(pupil.username);
    const browsing = await waitFor('the signature to reach the proxy', async () => {
      const r = await viaProxy(proxy.port, url('news.test', '/today'), { localAddress: PUPIL_PC });
      return r.status === 200 && r;
    });
    assert.equal(browsing.body, `hello from news.test:${origin.port}/today`);
    assert.deepEqual(addresses(await ask(dns.port, 'news.test', 'A', { from: PUPIL_PC })), ['192.0.2.10']);
    const secureNow = await connectVia(proxy.port, `secure.test:${secure.port}`, { localAddress: PUPIL_PC });
    assert.equal(secureNow.status, 200);
    secureNow.socket.destroy();
  });

  it('a joiner within the grace period browses before signing', async () => {
    const s = await t.as(lead, 'PUT', '/api/agreements/settings', { yearStarts: '09-01', gating: true, joinerGraceDays: 7, versionGraceDays: 0, yearGraceDays: 0 });
    assert.equal(s.statusCode, 200, s.body);
    const joiner = await makePupil('jo.joiner', 'Year 8', 'KS3');
    const page = await logOnDevice(JOINER_PC, joiner.username, url('news.test', '/joiner'));
    assert.doesNotMatch(page, /Acceptable Use Agreement/);
    let last = '';
    const r = await waitFor('the log-on to reach the proxy', async () => {
      const answer = await viaProxy(proxy.port, url('news.test', '/joiner'), { localAddress: JOINER_PC });
      last = `${answer.status} ${answer.headers.location ?? ''} ${answer.body.slice(0, 300)}`;
      return answer.status === 200 && answer;
    }).catch((e: Error) => { throw new Error(`${e.message}: ${last}`); });
    assert.match(r.body, /hello from news\.test/);
    const pending = (await t.as(await t.logIn(joiner.username), 'GET', '/api/agreements/pending')).json().pending;
    assert.equal(pending[0].status, 'grace', 'still asked to sign, with a date');
    assert.ok(pending[0].graceUntil);
  });

  it('a teacher is held back by the staff agreement in the same way until they sign it', async () => {
    await t.as(lead, 'PUT', '/api/agreements/settings', { yearStarts: '09-01', gating: true, joinerGraceDays: 0, versionGraceDays: 0, yearGraceDays: 0 });
    const teacher = await t.makePerson(['teacher'], { username: 'tariq.teacher' });
    await logOnDevice(STAFF_LAPTOP, teacher.username, url('news.test', '/staff'));
    await waitFor('the teacher to be held back', async () => (await viaProxy(proxy.port, url('news.test', '/staff'), { localAddress: STAFF_LAPTOP })).status === 302);
    await signOwn(teacher.username);
    await waitFor('the signature to reach the proxy', async () => (await viaProxy(proxy.port, url('news.test', '/staff'), { localAddress: STAFF_LAPTOP })).status === 200);
  });
});
