/**
 * Host names with '_' (issue 18: 38 hosts of the bench site list, such as wsc4_1.webspectator.com, answered 400 where
 * Squid forwards them). '_' is not allowed in a host name by RFC 952/1123, but DNS holds such names, browsers open
 * them and Squid forwards them, so the proxy must too — through the real proxy, the names resolved by a local DNS
 * server (the proxy's real resolver path, not its hosts table), to a local origin. What is really malformed (an
 * empty label, a NUL, a space) is still refused with a 400, and nothing reaches the origin.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { compileSnapshot } from '../src/filtering/engine/index.ts';
import { staticIdentity } from '../src/filtering/identity/service.ts';
import { startProxy, type RunningProxy } from '../src/filtering/proxy/index.ts';
import { schoolInput } from './fixtures/engine/school.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { collectingSink, connectVia, rawExchange, startOrigin, viaProxy, waitFor } from './fixtures/proxy/harness.ts';

const UNDERSCORED = ['wsc4_1.webspectator.test', 'zn_0xssfnnsxmogd01-cbs.siteintercept.test', '_dmarc.example.test', 'a_.example.test'];

describe('host names with an underscore, through the proxy', { timeout: 60_000 }, () => {
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let tunnelEnd: net.Server;
  let tunnelPort: number;
  let names: FakeUpstream;
  let proxy: RunningProxy;
  const sink = collectingSink();

  before(async () => {
    origin = await startOrigin();
    // a plain TCP service standing in for a secure site: the tunnel's far end answers the first line it is sent
    tunnelEnd = net.createServer((s) => { s.once('data', (d: Buffer) => s.end(`echo: ${d.toString()}`)); });
    await new Promise<void>((r) => tunnelEnd.listen(0, '127.0.0.1', r));
    tunnelPort = (tunnelEnd.address() as net.AddressInfo).port;
    names = await startFakeUpstream([...UNDERSCORED, 'www.example.test'].map((name) => ({ name, type: 'A' as const, ttl: 60, data: '127.0.0.1' })));
    proxy = await startProxy({
      host: '127.0.0.1', port: 0, workers: 1, view: { snapshotFor: () => compileSnapshot(schoolInput()), activity: sink, node: 'n' },
      identity: staticIdentity({ schoolId: 'oakfield', settings: { unidentified: 'fallback', logonMinutes: 60 }, ranges: [], sessions: [] }),
      dnsServers: [names.address],
      // the origins are on loopback, which the proxy opens only when told to
      destinations: { allowed: [`127.0.0.1:${origin.port}`, `127.0.0.1:${tunnelPort}`] },
    });
  });
  after(async () => {
    await proxy.close();
    await origin.close();
    await names.close();
    await new Promise((r) => tunnelEnd.close(r));
  });

  it('a plain http:// request to a name with "_" is resolved and forwarded, and recorded under that name', async () => {
    for (const host of UNDERSCORED) {
      const answer = await viaProxy(proxy.port, `http://${host}:${origin.port}/initcb?appId=1787&r=http%3A%2F%2Fwww.goal.com%2F`);
      assert.equal(answer.status, 200, `${host}: ${answer.body}`);
      assert.equal(answer.body, `hello from ${host}:${origin.port}/initcb?appId=1787&r=http%3A%2F%2Fwww.goal.com%2F`);
      assert.ok(names.count(host, 'A') >= 1, `${host} was looked up in DNS`);
      const event = await waitFor(`the event for ${host}`, () => sink.events.find((e) => e.host === host));
      assert.equal(event.action, 'allow');
    }
  });

  it('a CONNECT tunnel to a name with "_" is opened', async () => {
    const tunnel = await connectVia(proxy.port, `wsc4_1.webspectator.test:${tunnelPort}`);
    assert.equal(tunnel.status, 200, tunnel.text);
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      tunnel.socket.on('data', (d: Buffer) => { text += d.toString(); });
      tunnel.socket.on('end', () => resolve(text));
      tunnel.socket.write('hello\n');
    });
    assert.equal(reply, 'echo: hello\n');
  });

  it('a really malformed name is still refused with 400, and nothing reaches the origin', async () => {
    for (const host of ['bad..example.test', 'nul%00name.example.test', '_..example.test']) {
      const seen = origin.requests.length;
      const authority = `${host}:${origin.port}`;
      const answer = await rawExchange(proxy.port, `GET http://${authority}/ HTTP/1.1\r\nHost: ${authority}\r\n\r\n`, { until: 'answered' });
      assert.equal(answer.status, 400, `${host}: ${answer.text}`);
      assert.equal(origin.requests.length, seen, `${host}: nothing reached the origin`);
    }
    const spaced = await rawExchange(proxy.port, `GET http://bad name.example.test:${origin.port}/ HTTP/1.1\r\nHost: bad\r\n\r\n`, { until: 'answered' });
    assert.equal(spaced.status, 400);
    const ok = await viaProxy(proxy.port, `http://www.example.test:${origin.port}/still-serving`);
    assert.equal(ok.status, 200, 'the proxy keeps serving others');
  });
});
