/**
 * Issue 11, item 2: the web proxy is not a way into the server's own network. Through the real proxy, as `osprey
 * serve` runs it (startServer: the API, the activity pipeline, the live filter and the front-ends), a pupil's laptop
 * that the filtering policy lets browse anywhere asks for a service that listens only on loopback, Osprey's own
 * /metrics, the server's own address, the cloud metadata address and private networks, in every spelling a browser
 * or curl accepts and through a name server that answers 127.0.0.1. Each is refused with the page (or 403) saying
 * why and an activity event, and the services never see a connection. A public-looking origin — in a network
 * namespace of its own — is still served, and unusual ports are refused as Squid refuses them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { startFilterNode, type RunningFilterNode } from '../../src/app/filter-node.ts';
import { addFilterNode } from '../../src/filternode/tokens.ts';
import { createPolicy } from '../../src/filtering/policy/service.ts';
import { startServer, type RunningServer } from '../../src/app/server.ts';
import { ensureSchool } from '../../src/platform/setup.ts';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/dns/upstream.ts';
import { connectVia, viaProxy, waitFor } from '../fixtures/proxy/harness.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startNamespaceOrigin, type NamespaceOrigin } from './proxy-origin-namespace.ts';

const PUPIL_LAPTOP = '127.0.0.66';
const silent = { info() {}, warn() {}, error() {} };

/** A TCP service that counts every connection it is given, on one address (and port 0: a free one). */
async function countingService(host: string, port = 0): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 29\r\nConnection: close\r\n\r\ninternal service, secret data');
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

const LOOPBACK = /is a loopback address: it means the server Osprey runs on/;
const UNSPECIFIED = /is not the address of any site/;
const LINK_LOCAL = /is a link-local address/;
const OWN = /is one of the addresses of the server Osprey runs on/;
const PRIVATE = /is an address on a private network/;

describe('the web proxy never opens the server itself, its local links or private networks', () => {
  let handle: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let proxyPort: number;
  let names: FakeUpstream;
  let origin: NamespaceOrigin;
  let loopback: Awaited<ReturnType<typeof countingService>>;
  let loopback6: Awaited<ReturnType<typeof countingService>> | undefined;
  let own: Awaited<ReturnType<typeof countingService>>;
  let appConnections = 0;
  let schoolId: string;
  let node: RunningFilterNode | undefined;
  let probe = 0;
  const refusedPaths: string[] = [];
  let refusedTunnels = 0;

  before(async () => {
    // the namespace first: the proxy reads the server's own addresses when it starts
    origin = await startNamespaceOrigin();
    loopback = await countingService('127.0.0.1');
    loopback6 = await countingService('::1', loopback.port).catch(() => undefined);
    own = await countingService(origin.hostAddress);
    names = await startFakeUpstream([
      { name: 'sneaky.test', type: 'A', ttl: 60, data: '127.0.0.1' },
      { name: 'sneaky6.test', type: 'AAAA', ttl: 60, data: '::1' },
      { name: 'mapped.test', type: 'AAAA', ttl: 60, data: '::ffff:127.0.0.1' },
      { name: 'metadata.test', type: 'A', ttl: 60, data: '169.254.169.254' },
      { name: 'own.test', type: 'A', ttl: 60, data: origin.hostAddress },
      { name: 'intranet.test', type: 'A', ttl: 60, data: '10.20.30.40' },
      { name: 'public.test', type: 'A', ttl: 60, data: origin.originAddress },
    ]);

    dir = mkdtempSync(path.join(tmpdir(), 'osprey-destinations-'));
    handle = await createTestDatabase();
    schoolId = (await ensureSchool(handle.db, 'Heron Academy', new Date())).id;
    // The pupil's laptop is in a group whose policy allows every site: only the destination rule can refuse.
    const group = await handle.db.insertInto('groups').values({ id: crypto.randomUUID(), school_id: schoolId, kind: 'custom', name: 'Open laptops', created_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    await createPolicy({ db: handle.db, clock: { now: () => new Date() }, actor: { id: null, label: 'test', schoolId } }, 'open', {
      name: 'Open laptops', description: 'Everything allowed', priority: 60, defaultAction: 'allow', safeSearch: false,
      categoryActions: {}, schedules: [], localBlock: [], localAllow: [], targets: [group.id],
    }, 'The destination rule is what is being tested');
    await handle.db.insertInto('ip_ranges').values({
      id: crypto.randomUUID(), school_id: schoolId, cidr: `${PUPIL_LAPTOP}/32`, name: 'PUPIL-LAPTOP-66', kind: 'device', group_ids: JSON.stringify([group.id]),
      note: '', created_at: new Date(), updated_at: new Date(),
    }).execute();

    const config = loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'server') }, {
      logLevel: 'silent', httpHost: '127.0.0.1', httpPort: 0, frontEnds: 'proxy', filterHost: '127.0.0.1', proxyPort: 0, proxyWorkers: 1,
      proxyDnsServers: names.address,
      // the test's services are on unusual ports: open them for tunnels too, so that only their address decides
      proxySslPorts: `443,${loopback.port},${own.port}`,
    });
    server = await startServer(config, { handle });
    server.app.server.on('connection', () => { appConnections++; });
    proxyPort = (await server.filteringStarted).proxyPort!;
  });

  after(async () => {
    await node?.close();
    await server?.close();
    await handle?.close();
    await names?.close();
    await loopback?.close();
    await loopback6?.close();
    await own?.close();
    await origin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A plain-HTTP request through the proxy that must be refused with the page saying why. */
  async function refusedHttp(authority: string, why: RegExp, port = proxyPort): Promise<void> {
    const p = `/probe-${++probe}`;
    const answer = await viaProxy(port, `http://${authority}${p}`, { localAddress: PUPIL_LAPTOP });
    assert.equal(answer.status, 403, `http://${authority}${p} was answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    assert.match(answer.body, /<h1>This address is not opened<\/h1>/, authority);
    assert.match(answer.body, why, authority);
    assert.doesNotMatch(answer.body, /secret data/);
    refusedPaths.push(p);
  }

  /** A CONNECT through the proxy that must be refused with 403 saying why. */
  async function refusedTunnel(authority: string, why: RegExp, port = proxyPort): Promise<void> {
    const answer = await connectVia(port, authority, { localAddress: PUPIL_LAPTOP });
    assert.equal(answer.status, 403, `CONNECT ${authority} was answered ${answer.status}`);
    assert.match(answer.text, why, authority);
    answer.socket.destroy();
    if (port === proxyPort) refusedTunnels++;
  }

  const loopbackSpellings = (): Array<[string, RegExp]> => {
    const p = loopback.port;
    return [
      [`localhost:${p}`, LOOPBACK], [`LocalHost.:${p}`, LOOPBACK], [`127.0.0.1:${p}`, LOOPBACK], [`127.0.0.1.:${p}`, LOOPBACK],
      [`127.1:${p}`, LOOPBACK], [`2130706433:${p}`, LOOPBACK], [`0x7f000001:${p}`, LOOPBACK], [`0177.0.0.1:${p}`, LOOPBACK],
      [`127.42.0.9:${p}`, LOOPBACK], [`0.0.0.0:${p}`, UNSPECIFIED], [`[::1]:${p}`, LOOPBACK], [`[::ffff:127.0.0.1]:${p}`, LOOPBACK],
      [`[::ffff:7f00:1]:${p}`, LOOPBACK], [`[::]:${p}`, UNSPECIFIED],
      // names a name server answers with loopback (A, AAAA, and an IPv4-mapped AAAA)
      [`sneaky.test:${p}`, LOOPBACK], [`sneaky6.test:${p}`, LOOPBACK], [`mapped.test:${p}`, LOOPBACK],
    ];
  };

  it('every spelling of loopback and every name that resolves to it is refused, for plain HTTP and CONNECT, and the service is never reached', async () => {
    for (const [authority, why] of loopbackSpellings()) {
      await refusedHttp(authority, why);
      await refusedTunnel(authority, why);
    }
    assert.equal(loopback.connections(), 0, 'the loopback-only service was never connected to');
    assert.equal(loopback6?.connections() ?? 0, 0, 'nor its IPv6 side');
  });

  it('Osprey\'s own web interface and /metrics, and the proxy itself, are not reachable through the proxy', async () => {
    const app = server.port;
    const before = appConnections;
    for (const authority of [`localhost:${app}`, `127.0.0.1:${app}`, `[::ffff:127.0.0.1]:${app}`, `sneaky.test:${app}`]) {
      const p = `/metrics?probe=${++probe}`;
      const answer = await viaProxy(proxyPort, `http://${authority}${p}`, { localAddress: PUPIL_LAPTOP });
      assert.equal(answer.status, 403, `${authority}: ${answer.status}`);
      assert.match(answer.body, LOOPBACK);
      assert.doesNotMatch(answer.body, /process_resident_memory|http_requests/);
      refusedPaths.push(p);
      // tunnels to the API port are refused on its port (not 443) before its address is even looked at
      await refusedTunnel(authority, /not port \d+|loopback address/);
    }
    assert.equal(appConnections, before, 'the web interface was never connected to through the proxy');
    await refusedHttp(`127.0.0.1:${proxyPort}`, LOOPBACK);
  });

  it('the server\'s own address, the cloud metadata address and private networks are refused; the services there are never reached', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${origin.hostAddress}:${own.port}`, OWN], [`own.test:${own.port}`, OWN],
      ['169.254.169.254:80', LINK_LOCAL], ['metadata.test:80', LINK_LOCAL], ['[fe80::1]:80', LINK_LOCAL],
      ['224.0.0.251:80', /is a multicast address/], ['255.255.255.255:80', /reserved or broadcast/],
      ['10.20.30.40:80', PRIVATE], ['intranet.test:80', PRIVATE], ['192.168.1.1:80', PRIVATE], ['172.16.0.1:80', PRIVATE],
      ['100.64.0.1:80', PRIVATE], ['[fd00::1]:80', PRIVATE],
    ];
    for (const [authority, why] of cases) {
      await refusedHttp(authority, why);
      // CONNECT goes to 443, the one port tunnels may use, or to the own service's port (opened for this test)
      await refusedTunnel(authority.replace(/:80$/, ':443'), why);
    }
    assert.equal(own.connections(), 0, 'the service on the server\'s own address was never connected to');
  });

  it('plain HTTP only to Squid\'s safe ports, CONNECT only to 443', async () => {
    await refusedHttp('public.test:25', /only fetched from the usual web ports .*not port 25/);
    await refusedHttp(`${origin.originAddress}:22`, /not port 22/);
    await refusedHttp(`${origin.originAddress}:1024`, /not port 1024/);
    await refusedTunnel('public.test:8080', /only opened on the ports the school allows \(443,.*\), not port 8080/);
    await refusedTunnel(`${origin.originAddress}:25`, /not port 25/);
  });

  it('a public-looking origin is served, by name and by address, over plain HTTP and CONNECT, while the server\'s own end of the same link is refused', async () => {
    const byName = await viaProxy(proxyPort, `http://public.test:${origin.httpPort}/lessons`, { localAddress: PUPIL_LAPTOP });
    assert.equal(byName.status, 200, byName.body);
    assert.equal(byName.body, `hello from the public-looking origin, public.test:${origin.httpPort}/lessons`);
    const byAddress = await viaProxy(proxyPort, `http://${origin.originAddress}:${origin.httpPort}/`, { localAddress: PUPIL_LAPTOP });
    assert.equal(byAddress.status, 200, byAddress.body);
    for (const authority of [`public.test:${origin.tlsPort}`, `${origin.originAddress}:${origin.tlsPort}`]) {
      const tunnel = await connectVia(proxyPort, authority, { localAddress: PUPIL_LAPTOP });
      assert.equal(tunnel.status, 200, `CONNECT ${authority}: ${tunnel.text}`);
      const echoed = await new Promise<string>((resolve) => { tunnel.socket.once('data', (d) => resolve(d.toString())); tunnel.socket.write('ping'); });
      assert.equal(echoed, 'echo: ping');
      tunnel.socket.destroy();
    }
    // the veth pair's two ends: the namespace's is a site, this server's is the server itself
    await refusedHttp(`${origin.hostAddress}:${own.port}`, OWN);
    await refusedTunnel(`${origin.hostAddress}:${own.port}`, OWN);
    assert.equal(own.connections(), 0);
  });

  it('every refusal is in the activity log as a block with reason destination_refused and what kind it was', async () => {
    const rows = await waitFor('the refusals in the activity log', async () => {
      const found = await handle.db.selectFrom('activity').select(['url', 'host', 'action', 'reason', 'rule_id', 'device_id', 'policy_id', 'count'])
        .where('reason', '=', 'destination_refused').execute();
      // identical refusals close together are stored as one row with a count (issue 18)
      const events = (rows: typeof found) => rows.reduce((n, r) => n + Number(r.count), 0);
      const urls = found.filter((r) => r.url !== null);
      return events(urls) >= refusedPaths.length && events(found) - events(urls) >= refusedTunnels && found;
    }, 10_000);
    for (const p of refusedPaths) {
      const row = rows.find((r) => r.url?.endsWith(p));
      assert.ok(row, `an event for ${p}`);
      assert.equal(row.action, 'block');
      assert.equal(row.device_id, 'PUPIL-LAPTOP-66');
      assert.equal(row.policy_id, 'destinations');
    }
    const kinds = new Set(rows.map((r) => r.rule_id));
    for (const kind of ['loopback', 'unspecified', 'own-address', 'link-local', 'multicast', 'reserved', 'private', 'port']) assert.ok(kinds.has(kind), `a ${kind} refusal is recorded as such`);
    const tunnels = rows.filter((r) => r.url === null);
    assert.equal(tunnels.reduce((n, r) => n + Number(r.count), 0), refusedTunnels, 'one event for each refused tunnel');
    assert.ok(tunnels.some((r) => r.host === 'localhost' && r.rule_id === 'loopback'));
  });

  it('a filter node\'s proxy, started from its own settings, keeps the same rule', async () => {
    const { token } = await addFilterNode(handle.db, { id: null, label: 'test', schoolId }, 'Science block', new Date());
    const config = loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'node') }, {
      logLevel: 'silent', frontEnds: 'proxy', filterHost: '127.0.0.1', proxyPort: 0, proxyWorkers: 1, proxyDnsServers: names.address,
    });
    node = await startFilterNode({ controlPlane: `http://127.0.0.1:${server.port}`, token, config, log: silent, pollMs: 200 });
    const served = await viaProxy(node.proxyPort!, `http://public.test:${origin.httpPort}/node`, { localAddress: PUPIL_LAPTOP });
    assert.equal(served.status, 200, served.body);
    for (const [authority, why] of [[`127.1:${loopback.port}`, LOOPBACK], [`sneaky.test:${loopback.port}`, LOOPBACK], [`${origin.hostAddress}:${own.port}`, OWN]] as const) {
      await refusedHttp(authority, why, node.proxyPort!);
    }
    await refusedTunnel(`localhost:${loopback.port}`, /not port/, node.proxyPort!);
    assert.equal(loopback.connections(), 0);
    assert.equal(own.connections(), 0);
  });
});
