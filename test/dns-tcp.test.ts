/**
 * DNS over TCP (RFC 7766): length-prefixed messages however TCP segments them, several questions pipelined on one
 * connection, bad frames answered or skipped without losing the connection, idle connections closed, and no client
 * allowed more than its share of connections.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { startDnsResolver, type DnsResolver } from '../src/filtering/dns/index.ts';
import { ask, dataOf, query, sendTcp } from './fixtures/dns/client.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { PUPIL_IP, schoolView, STAFF_IP } from './fixtures/dns/view.ts';

let upstream: FakeUpstream;
let resolver: DnsResolver;

before(async () => {
  upstream = await startFakeUpstream([
    { name: 'www.bbc.co.uk', type: 'A', ttl: 300, data: '151.101.0.81' },
    { name: 'www.nasa.gov', type: 'A', ttl: 300, data: '192.0.66.108' },
  ]);
  resolver = await startDnsResolver({
    port: 0, view: schoolView().view, upstreams: [upstream.address], blockAnswer: 'block-page', blockPageIPv4: '192.0.2.10',
    tcpIdleTimeoutMs: 300, tcpMaxConnectionsPerClient: 2, logger: { warn: () => {} },
  });
});
after(async () => {
  await resolver.close();
  await upstream.close();
});

const decode = (msg: Buffer) => dnsPacket.decode(msg);

test('three pipelined questions on one connection get three answers, matched by ID', async () => {
  const replies = await sendTcp(resolver.port, [
    query('www.bbc.co.uk', 'A', { id: 1 }), query('bet365.com', 'A', { id: 2 }), query('www.nasa.gov', 'A', { id: 3 }),
  ], { from: PUPIL_IP });
  const byId = new Map(replies.map((r) => [decode(r).id, decode(r)]));
  assert.deepEqual([...byId.keys()].sort(), [1, 2, 3]);
  assert.equal(dataOf(byId.get(1)?.answers?.[0]), '151.101.0.81');
  assert.equal(dataOf(byId.get(2)?.answers?.[0]), '192.0.2.10');
  assert.equal(dataOf(byId.get(3)?.answers?.[0]), '192.0.66.108');
});

test('a stream sent one byte at a time is framed correctly', async () => {
  const replies = await sendTcp(resolver.port, [query('www.bbc.co.uk', 'A', { id: 7 }), query('www.nasa.gov', 'AAAA', { id: 8 })], { split: true });
  assert.deepEqual(replies.map((r) => decode(r).id).sort(), [7, 8]);
});

test('a malformed message gets FORMERR, a frame too short for a header is skipped, and the connection carries on', async () => {
  const loop = Buffer.from([0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  const response = Buffer.from(query('www.bbc.co.uk', 'A', { id: 9 }));
  response[2] |= 0x80; // QR: a response, which is dropped
  const replies = await sendTcp(resolver.port, [Buffer.from([1, 2, 3]), loop, response, query('www.bbc.co.uk', 'A', { id: 10 })], { expect: 2 });
  assert.equal(replies.length, 2);
  assert.equal(replies[0].readUInt16BE(0), 0xabcd);
  assert.equal(replies[0][3] & 0xf, 1, 'FORMERR');
  assert.equal(decode(replies[1]).id, 10);
  assert.equal(dataOf(decode(replies[1]).answers?.[0]), '151.101.0.81');
});

test('an idle connection is closed by the resolver', async () => {
  const queriesBefore = resolver.stats().queries;
  const socket = net.connect({ port: resolver.port, host: '127.0.0.1' });
  let connected = false;
  socket.on('connect', () => { connected = true; });
  socket.on('error', () => {});
  // the test never ends the connection itself: when it closes, the resolver closed it (how soon is its setting)
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  assert.equal(connected, true, 'the connection was open before the resolver closed it');
  assert.equal(resolver.stats().queries, queriesBefore, 'nothing was asked on it');
});

test('a client may hold only its share of connections; others are unaffected', async () => {
  const open = await Promise.all([0, 1].map(() => new Promise<net.Socket>((resolve) => {
    const socket = net.connect({ port: resolver.port, host: '127.0.0.1', localAddress: PUPIL_IP }, () => resolve(socket));
  })));
  const third = net.connect({ port: resolver.port, host: '127.0.0.1', localAddress: PUPIL_IP });
  third.on('error', () => {});
  await new Promise<void>((resolve) => third.on('close', () => resolve()));
  // another device still gets in, and the pupil's own open connections still work
  const other = await ask(resolver.port, 'www.bbc.co.uk', 'A', { tcp: true, from: STAFF_IP });
  assert.equal(dataOf(other.packet.answers?.[0]), '151.101.0.81');
  const framed = query('www.bbc.co.uk', 'A', { id: 11 });
  const answered = new Promise<Buffer>((resolve) => open[0].once('data', resolve));
  open[0].write(Buffer.concat([Buffer.from([framed.length >> 8, framed.length & 0xff]), framed]));
  assert.equal(decode((await answered).subarray(2)).id, 11);
  for (const socket of open) socket.destroy();
});
