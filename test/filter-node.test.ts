/**
 * A filter node (R11.2) against a real control plane over HTTP: it filters with the school's policies, a policy
 * change reaches it without a restart, and when the control plane stops it goes on filtering — even after a restart of
 * the node — and its activity arrives, every event exactly once, when the control plane is back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { startFilterNode, type RunningFilterNode } from '../src/app/filter-node.ts';
import { addFilterNode } from '../src/filternode/tokens.ts';
import { createPolicy, getPolicy, updatePolicy } from '../src/filtering/policy/service.ts';
import { importListSource } from '../src/filtering/sources/service.ts';
import { startServer, type RunningServer } from '../src/app/server.ts';
import { ensureSchool } from '../src/platform/setup.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { startOrigin, viaProxy, waitFor } from './fixtures/proxy/harness.ts';

const LIBRARY_PC = '127.0.0.9';
const silent = { info() {}, warn() {}, error() {} };

describe('a filter node', () => {
  let handle: TestDatabase;
  let dir: string;
  let server: RunningServer | undefined;
  let node: RunningFilterNode | undefined;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let names: FakeUpstream;
  let token: string;
  let controlPlane: string;
  let controlPort = 0;
  let schoolId: string;
  let policyId: string;
  const actor = () => ({ id: null, label: 'test', schoolId });

  const controlPlaneConfig = () => loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'server') },
    { logLevel: 'silent', httpHost: '127.0.0.1', httpPort: controlPort, frontEnds: 'none' });
  const startControlPlane = async () => {
    server = await startServer(controlPlaneConfig(), { handle });
    controlPort = server.port;
    controlPlane = `http://127.0.0.1:${server.port}`;
  };
  const startNode = async () => {
    const config = loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'node') }, {
      logLevel: 'silent', frontEnds: 'proxy', filterHost: '127.0.0.1', proxyPort: 0, proxyWorkers: 1, proxyDnsServers: names.address,
      // the origin stands in for the internet on loopback, which the proxy opens only when told to
      proxyAllowedDestinations: `127.0.0.1:${origin.port}`,
    });
    node = await startFilterNode({ controlPlane, token, config, log: silent, pollMs: 200 });
  };
  const browse = (host: string, p = '/') => viaProxy(node!.proxyPort!, `http://${host}:${origin.port}${p}`, { localAddress: LIBRARY_PC });
  const eventsOf = async (nodeName: string) => handle.db.selectFrom('activity').select(['id', 'host', 'action', 'url', 'device_id'])
    .where('node', '=', nodeName).execute();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'osprey-filter-node-'));
    handle = await createTestDatabase();
    const school = await ensureSchool(handle.db, 'Riverside Academy', new Date());
    schoolId = school.id;
    const file = path.join(dir, 'gambling.txt');
    writeFileSync(file, 'bet365.com\n');
    await importListSource({ db: handle.db, clock: { now: () => new Date() }, dataDir: path.join(dir, 'server') }, actor(), { name: 'Gambling', location: file, category: 'gambling' });
    const group = await handle.db.insertInto('groups').values({ id: crypto.randomUUID(), school_id: schoolId, kind: 'custom', name: 'Library PCs', created_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    policyId = await createPolicy({ db: handle.db, clock: { now: () => new Date() }, actor: actor() }, 'library', {
      name: 'Library PCs', description: 'Open browsing in the library', priority: 60, defaultAction: 'allow', safeSearch: false,
      categoryActions: { gambling: 'block' }, schedules: [], localBlock: [], localAllow: [], targets: [group.id],
    }, 'Library PCs are supervised');
    await handle.db.insertInto('ip_ranges').values({
      id: crypto.randomUUID(), school_id: schoolId, cidr: `${LIBRARY_PC}/32`, name: 'LIB-PC-09', kind: 'device', group_ids: JSON.stringify([group.id]),
      note: '', created_at: new Date(), updated_at: new Date(),
    }).execute();
    origin = await startOrigin();
    names = await startFakeUpstream(['bbc.co.uk', 'www.bbc.co.uk', 'bet365.com', 'news.example.org'].map((name) => ({ name, type: 'A', ttl: 60, data: '127.0.0.1' })));
    await startControlPlane();
    ({ token } = await addFilterNode(handle.db, actor(), 'Sixth form block', new Date()));
  });

  after(async () => {
    await node?.close();
    await server?.close();
    await origin?.close();
    await names?.close();
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a token it does not know, saying what to do', async () => {
    const config = loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'stranger') }, { logLevel: 'silent', frontEnds: 'proxy', filterHost: '127.0.0.1', proxyPort: 0 });
    await assert.rejects(startFilterNode({ controlPlane, token: 'osprey-node-not-a-real-token', config, log: silent }), /token is not recognised.*osprey filter-node add/s);
  });

  it('filters with the school\'s policies, and a policy change reaches it without a restart', async () => {
    await startNode();
    assert.equal(node!.name, 'Sixth form block');
    assert.equal((await browse('bbc.co.uk')).status, 200);
    const blocked = await browse('bet365.com');
    assert.equal(blocked.status, 403);
    assert.match(blocked.body, /Library PCs/);

    const ctx = { db: handle.db, clock: { now: () => new Date() }, actor: actor() };
    const { version, updatedAt: _u, ...document } = await getPolicy(ctx, policyId);
    await updatePolicy(ctx, policyId, { document: { ...document, localBlock: [{ id: 'exam-week-news', kind: 'domain', value: 'news.example.org', note: 'Exam week' }] }, reason: 'Exam week: news sites off', expectedVersion: version });
    // The change arrives without a restart; how soon is for a benchmark, not a timed assertion (it failed when busy).
    await waitFor('the change to reach the node', async () => (await browse('news.example.org')).status === 403);

    assert.ok(await node!.activity.drain(10_000), 'the node\'s activity reached the control plane');
    const events = await eventsOf('Sixth form block');
    assert.ok(events.some((e) => e.host === 'bet365.com' && e.action === 'block' && e.device_id === 'LIB-PC-09'));
  });

  it('goes on filtering while the control plane is down (also after its own restart), and loses no event', async () => {
    const during = <T extends { url: string | null }>(events: T[]) => events.filter((e) => /\/(outage|after-restart)\//.test(e.url ?? ''));
    await server!.close();
    server = undefined;
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      assert.equal((await browse('bbc.co.uk', `/outage/${i}`)).status, 200);
      assert.equal((await browse('bet365.com', `/outage/${i}`)).status, 403);
      sent += 2;
    }
    await waitFor('the node to notice the control plane has gone', () => !node!.connected());
    // the node restarts in the outage: it filters from the filter it saved, and keeps the first run's events
    await node!.close();
    await startNode();
    for (let i = 0; i < 5; i++) {
      assert.equal((await browse('bbc.co.uk', `/after-restart/${i}`)).status, 200);
      assert.equal((await browse('bet365.com', `/after-restart/${i}`)).status, 403);
      sent += 2;
    }
    assert.equal(during(await eventsOf('Sixth form block')).length, 0, 'nothing could reach the control plane meanwhile');

    await startControlPlane();
    await waitFor('every event to arrive', async () => during(await eventsOf('Sixth form block')).length >= sent, 30_000);
    assert.ok(await node!.activity.drain(10_000));
    const events = await eventsOf('Sixth form block');
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event is stored twice');
    const outage = during(events);
    assert.equal(outage.length, sent, 'every request made during the outage is in the activity log');
    assert.equal(new Set(outage.map((e) => e.url)).size, sent, 'once each');
    assert.equal(outage.filter((e) => e.action === 'block').length, sent / 2);
    assert.ok(outage.every((e) => e.device_id === 'LIB-PC-09'));
    await waitFor('the node to be in touch again', () => node!.connected());
  });
});
