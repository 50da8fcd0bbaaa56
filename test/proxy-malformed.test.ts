/**
 * Bad and hostile input to the proxy: each gets a clean 4xx (the connection closed where the framing can no longer
 * be trusted), nothing reaches the origin, and the proxy goes on serving everyone else.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { compileSnapshot } from '../src/filtering/engine/index.ts';
import { staticIdentity } from '../src/filtering/identity/service.ts';
import { startProxy, type RunningProxy } from '../src/filtering/proxy/index.ts';
import { schoolInput } from './fixtures/engine/school.ts';
import { collectingSink, rawExchange, startOrigin, viaProxy } from './fixtures/proxy/harness.ts';

describe('malformed and hostile requests to the proxy', () => {
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let proxy: RunningProxy;
  const snapshot = compileSnapshot(schoolInput());
  let host: string;

  before(async () => {
    origin = await startOrigin();
    host = `bbc.co.uk:${origin.port}`;
    proxy = await startProxy({
      host: '127.0.0.1', port: 0, workers: 1, view: { snapshotFor: () => snapshot, activity: collectingSink(), node: 'n' },
      identity: staticIdentity({ schoolId: 'oakfield', settings: { unidentified: 'fallback', logonMinutes: 60 }, ranges: [], sessions: [] }),
      hosts: { '*': '127.0.0.1' },
      // the origin is on loopback, which the proxy opens only when told to; loop.test is a name for the proxy itself
      destinations: { allowed: [`127.0.0.1:${origin.port}`, 'loop.test'] },
      limits: { headerTimeoutMs: 600, maxHeaderBytes: 4096, maxConnectionsPerClient: 8 },
    });
  });
  after(async () => { await proxy.close(); await origin.close(); });

  /** Sends raw bytes; asserts the answer's status, that the proxy closed, and that the origin saw nothing. */
  async function refused(bytes: string, status: number, opts: { stayOpen?: boolean } = {}) {
    const seen = origin.requests.length;
    const answer = await rawExchange(proxy.port, bytes, { until: opts.stayOpen ? 'answered' : 'closed' });
    assert.equal(answer.status, status, answer.text);
    if (!opts.stayOpen) assert.equal(answer.closed, true, 'the connection is closed');
    assert.equal(origin.requests.length, seen, 'nothing reached the origin');
    const ok = await viaProxy(proxy.port, `http://${host}/still-serving`);
    assert.equal(ok.status, 200, 'the proxy keeps serving others');
    return answer;
  }

  it('an invalid request line', async () => {
    await refused('GARBAGE\r\n\r\n', 400);
    await refused(`GET http://${host}/ HTTP/9.9\r\nHost: ${host}\r\n\r\n`, 400);
    await refused(`GET http://${host}/ HTTP/1.1 trailing\r\nHost: ${host}\r\n\r\n`, 400);
    await refused(`G\x00T http://${host}/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400);
  });

  it('a missing or a duplicated Host header', async () => {
    await refused(`GET http://${host}/ HTTP/1.1\r\n\r\n`, 400);
    const twice = await refused(`GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\n\r\n`, 400);
    assert.match(twice.text, /more than one Host/);
  });

  it('headers larger than the limit', async () => {
    await refused(`GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\nX-Filler: ${'a'.repeat(8000)}\r\n\r\n`, 431);
  });

  it('request smuggling: Content-Length with Transfer-Encoding, or two different lengths', async () => {
    await refused(`POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET http://${host}/smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400);
    await refused(`POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd`, 400);
    await refused(`POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`, 400);
    assert.ok(!origin.requests.some((r) => r.url === '/smuggled'));
  });

  it('an absolute URI with a scheme other than http, and a request not meant for a proxy', async () => {
    const ftp = await refused(`GET ftp://${host}/file HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400);
    assert.match(ftp.text, /http:\/\/ addresses only, not ftp:\/\//);
    await refused(`GET gopher://${host}/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400);
    const direct = await refused(`GET /index.html HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400);
    assert.match(direct.text, /Set it as your browser/);
  });

  it('CONNECT to a port the policy does not allow, or to no port at all', async () => {
    const smtp = await refused('CONNECT mail.example.com:25 HTTP/1.1\r\nHost: mail.example.com:25\r\n\r\n', 403);
    assert.match(smtp.text, /only opened on the ports the school allows \(443\), not port 25/);
    await refused('CONNECT mail.example.com HTTP/1.1\r\nHost: mail.example.com\r\n\r\n', 400);
  });

  it('a request that loops back into the proxy is stopped', async () => {
    // through a name the school has allowed that leads back to the proxy itself
    const loop = await rawExchange(proxy.port, `GET http://loop.test:${proxy.port}/ HTTP/1.1\r\nHost: loop.test:${proxy.port}\r\n\r\n`);
    assert.equal(loop.status, 508);
    // and by its own address, which is never opened at all
    const direct = await rawExchange(proxy.port, `GET http://127.0.0.1:${proxy.port}/ HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`);
    assert.equal(direct.status, 403);
    assert.match(direct.text, /127\.0\.0\.1 is a loopback address/);
  });

  it('a slow-loris client is cut off by the header deadline while others are served', async () => {
    // A trickle of headers that would take 45 s to reach the size limit (maxHeaderBytes 4096): the deadline ends it,
    // with its own answer, long before that. How soon is a timing, for a benchmark; here, which limit acted.
    const { answer, sent } = await new Promise<{ answer: string; sent: number }>((resolve) => {
      let answer = '';
      let sent = 0;
      const send = (text: string) => { if (!socket.destroyed) { socket.write(text); sent += text.length; } };
      const socket = net.connect(proxy.port, '127.0.0.1', () => send(`GET http://${host}/ HTTP/1.1\r\n`));
      const drip = setInterval(() => send('X-a: b\r\n'), 100);
      socket.on('data', (d) => { answer += d.toString('latin1'); });
      socket.on('error', () => undefined);
      socket.on('close', () => { clearInterval(drip); resolve({ answer, sent }); });
    });
    assert.match(answer, /^HTTP\/1\.1 408 /, `cut off by the header deadline (408), not by the size limit; after ${sent} bytes`);
    assert.ok(sent < 4096, `${sent} bytes sent: the size limit, not the deadline, would have ended it`);
    assert.equal((await viaProxy(proxy.port, `http://${host}/`)).status, 200);
  });

  it('one device cannot hold more than its share of connections', async () => {
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        held.push(await new Promise<net.Socket>((resolve) => { const s = net.connect({ port: proxy.port, host: '127.0.0.1', localAddress: '127.0.0.4' }, () => resolve(s)); s.on('error', () => undefined); }));
      }
      const extra = await rawExchange(proxy.port, `GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`, { localAddress: '127.0.0.4' });
      assert.equal(extra.status, 429);
      assert.equal((await viaProxy(proxy.port, `http://${host}/`, { localAddress: '127.0.0.5' })).status, 200, 'another device is still served');
    } finally {
      for (const s of held) s.destroy();
    }
  });
});
