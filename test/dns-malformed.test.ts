/**
 * Bad input to the DNS resolver (issue 4, "Malformed DNS"): packets built by hand, byte by byte, because a DNS
 * library would refuse to build most of them. The resolver must answer FORMERR (or NOTIMP/REFUSED/BADVERS) when it
 * can read a header, drop what it cannot, never crash, and keep answering everyone else.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { startDnsResolver, type DnsResolver } from '../src/filtering/dns/index.ts';
import { addresses, ask, query, sendUdp } from './fixtures/dns/client.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { PUPIL_IP, schoolView } from './fixtures/dns/view.ts';
import { waitFor } from './fixtures/proxy/harness.ts';

let upstream: FakeUpstream;
let resolver: DnsResolver;

before(async () => {
  upstream = await startFakeUpstream([{ name: 'www.bbc.co.uk', type: 'A', ttl: 300, data: '151.101.0.81' }]);
  resolver = await startDnsResolver({
    port: 0, view: schoolView().view, upstreams: [upstream.address], blockAnswer: 'block-page', blockPageIPv4: '192.0.2.10',
    upstreamTimeoutMs: 200, logger: { warn: () => {} },
  });
});
after(async () => {
  await resolver.close();
  await upstream.close();
});

/** A 12-byte header: ID 0xABCD, flags (RD by default), and the four section counts. */
function header(counts: [number, number, number, number] = [1, 0, 0, 0], flags = 0x0100, id = 0xabcd): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  counts.forEach((n, i) => h.writeUInt16BE(n, 4 + i * 2));
  return h;
}
function name(...labels: string[]): Buffer {
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}
function typeClass(type: number, klass = 1): Buffer {
  return Buffer.from([type >> 8, type & 0xff, klass >> 8, klass & 0xff]);
}
/** An OPT record: root name, type 41, UDP size, extended rcode, version, DO flags, no options. */
function opt(size = 1232, version = 0, owner: Buffer = Buffer.from([0])): Buffer {
  return Buffer.concat([owner, Buffer.from([0, 41, size >> 8, size & 0xff, 0, version, 0, 0, 0, 0])]);
}
const bbcQuestion = Buffer.concat([name('www', 'bbc', 'co', 'uk'), typeClass(1)]);

async function reply(bytes: Buffer, timeoutMs = 500): Promise<Buffer | null> {
  return sendUdp(resolver.port, bytes, { timeoutMs });
}
const rcodeOf = (msg: Buffer) => msg[3] & 0x0f;

async function expectFormErr(bytes: Buffer, why: string): Promise<void> {
  const msg = await reply(bytes);
  assert.ok(msg, `${why}: expected FORMERR, got no answer`);
  assert.equal(msg.readUInt16BE(0), 0xabcd, `${why}: ID echoed`);
  assert.equal(msg[2] & 0x80, 0x80, `${why}: a response`);
  assert.equal(rcodeOf(msg), 1, `${why}: FORMERR`);
}

async function stillServing(): Promise<void> {
  assert.deepEqual(addresses(await ask(resolver.port, 'www.bbc.co.uk', 'A')), ['151.101.0.81']);
}

test('packets too short for a header are dropped, and the resolver carries on', async () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from([0xab]), Buffer.from([0xab, 0xcd, 1, 0, 0])]) {
    assert.equal(await reply(bytes, 200), null);
  }
  await stillServing();
});

test('truncated questions are FORMERR: header only, name cut mid-label, no type and class', async () => {
  await expectFormErr(header(), 'a header promising a question that is not there');
  await expectFormErr(Buffer.concat([header(), Buffer.from([7]), Buffer.from('exa')]), 'cut inside a label');
  await expectFormErr(Buffer.concat([header(), name('example', 'com')]), 'no type or class');
  await expectFormErr(Buffer.concat([header(), name('example', 'com'), Buffer.from([0, 1, 0])]), 'half a class');
  await stillServing();
});

test('compression pointers in the question are FORMERR, including one that points at itself', async () => {
  await expectFormErr(Buffer.concat([header(), Buffer.from([0xc0, 12]), typeClass(1)]), 'a pointer to itself (a loop)');
  await expectFormErr(Buffer.concat([header(), Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 12]), typeClass(1)]), 'a pointer back to the start');
  await expectFormErr(Buffer.concat([header(), Buffer.from([0xc0, 40]), typeClass(1)]), 'a pointer past the end');
  // a loop among the additional records only needs skipping, never following: the query itself is fine
  const loopInAdditional = Buffer.concat([header([1, 0, 0, 1]), bbcQuestion, Buffer.from([0xc0, 31]), typeClass(16), Buffer.alloc(6)]);
  const msg = await reply(loopInAdditional);
  assert.ok(msg);
  assert.equal(rcodeOf(msg), 0);
  await stillServing();
});

test('labels longer than 63 and names longer than 255 octets are FORMERR; 255 exactly is fine', async () => {
  await expectFormErr(Buffer.concat([header(), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0]), typeClass(1)]), 'label of 64');
  await expectFormErr(Buffer.concat([header(), Buffer.from([0x80, 0x61, 0]), typeClass(1)]), 'reserved label type 0x80');
  const long = name(...Array.from({ length: 4 }, () => 'a'.repeat(63)));
  await expectFormErr(Buffer.concat([header(), long, typeClass(1)]), 'a 257-octet name');
  const longest = name('a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61));
  assert.equal(longest.length, 255);
  const msg = await reply(Buffer.concat([header(), longest, typeClass(1)]));
  assert.ok(msg);
  assert.notEqual(rcodeOf(msg), 1);
});

test('QDCOUNT other than 1 is FORMERR', async () => {
  await expectFormErr(header([0, 0, 0, 0]), 'no question');
  await expectFormErr(Buffer.concat([header([2, 0, 0, 0]), bbcQuestion, bbcQuestion]), 'two questions');
});

test('responses sent to the resolver are dropped, so two servers cannot bounce packets forever', async () => {
  assert.equal(await reply(Buffer.concat([header([1, 0, 0, 0], 0x8180), bbcQuestion]), 200), null);
  await stillServing();
});

test('opcodes other than QUERY (NOTIFY, UPDATE, STATUS) are NOTIMP, their opcode echoed', async () => {
  for (const opcode of [2, 4, 5]) {
    const msg = await reply(Buffer.concat([header([1, 0, 0, 0], opcode << 11), bbcQuestion]));
    assert.ok(msg);
    assert.equal(rcodeOf(msg), 4, `opcode ${opcode}`);
    assert.equal((msg[2] >> 3) & 0xf, opcode);
    assert.equal(msg.length, 12, 'other opcodes lay out their sections differently: nothing but the header is echoed');
  }
});

test('unknown types are forwarded (or blocked like any other type); other classes are REFUSED; meta-types NOTIMP', async () => {
  const before = upstream.questions.length;
  const unknown = await reply(Buffer.concat([header(), name('www', 'bbc', 'co', 'uk'), typeClass(65280)]));
  assert.ok(unknown);
  assert.equal(rcodeOf(unknown), 0);
  assert.equal(upstream.questions.length, before + 1, 'a type the resolver does not know is still a question for upstream');
  const blocked = await reply(Buffer.concat([header(), name('bet365', 'com'), typeClass(65280)]), 500);
  assert.ok(blocked);
  assert.equal(rcodeOf(blocked), 0);
  assert.equal(blocked.readUInt16BE(6), 0, 'NODATA for a blocked name');
  for (const klass of [3, 4, 254, 0x1234]) {
    const msg = await reply(Buffer.concat([header(), name('version', 'bind'), typeClass(16, klass)]));
    assert.ok(msg);
    assert.equal(rcodeOf(msg), 5, `class ${klass}`);
  }
  for (const type of [255, 252, 251]) {
    const msg = await reply(Buffer.concat([header(), name('www', 'bbc', 'co', 'uk'), typeClass(type)]));
    assert.ok(msg);
    assert.equal(rcodeOf(msg), 4, `type ${type}`);
  }
});

test('EDNS0: version 1 is BADVERS; two OPT records, an OPT with a name or in the answers is FORMERR', async () => {
  const badvers = await reply(Buffer.concat([header([1, 0, 0, 1]), bbcQuestion, opt(1232, 1)]));
  assert.ok(badvers);
  assert.equal(rcodeOf(badvers), 0);
  assert.equal(badvers.readUInt16BE(10), 1, 'an OPT record carries the extended rcode');
  assert.equal(badvers[badvers.length - 6], 1, 'extended rcode 1 + header 0 = BADVERS (16)');
  await expectFormErr(Buffer.concat([header([1, 0, 0, 2]), bbcQuestion, opt(), opt()]), 'two OPT records');
  await expectFormErr(Buffer.concat([header([1, 0, 0, 1]), bbcQuestion, opt(1232, 0, name('x'))]), 'OPT with an owner name');
  await expectFormErr(Buffer.concat([header([1, 1, 0, 0]), bbcQuestion, opt()]), 'OPT in the answer section');
  await expectFormErr(Buffer.concat([header([1, 0, 0, 1]), bbcQuestion, Buffer.from(opt().subarray(0, 7))]), 'a cut-off OPT record');
  const tiny = await reply(Buffer.concat([header([1, 0, 0, 1]), bbcQuestion, opt(100)]));
  assert.ok(tiny, 'a payload size below 512 is read as 512');
  assert.equal(rcodeOf(tiny), 0);
});

test('thousands of random and mutated packets: no crash, every answer has the ID it was asked with', async () => {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, PUPIL_IP, resolve));
  const wrongIds: number[] = [];
  socket.on('message', (msg) => { if (msg.length >= 2 && msg.readUInt16BE(0) !== 0x5eed) wrongIds.push(msg.readUInt16BE(0)); });
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const valid = Buffer.concat([header([1, 0, 0, 1], 0x0100, 0x5eed), bbcQuestion, opt()]);
  for (let i = 0; i < 4000; i++) {
    let packet: Buffer;
    if (i % 2 === 0) {
      packet = Buffer.from(Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256)));
      if (packet.length >= 2) packet.writeUInt16BE(0x5eed, 0);
    } else {
      packet = Buffer.from(valid.subarray(0, 2 + Math.floor(random() * (valid.length - 1))));
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        const at = 2 + Math.floor(random() * (packet.length - 2));
        if (at < packet.length) packet[at] ^= 1 << Math.floor(random() * 8);
      }
    }
    socket.send(packet, resolver.port, '127.0.0.1');
    // let the resolver (in this process) read what has been sent so far
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  // every reply is out once nothing waits on the upstream; a last question on the same socket then comes back after
  // them all (loopback keeps order)
  await waitFor('the resolver to settle every question', () => resolver.stats().upstreamPending === 0, 10_000);
  // `localhost` is answered at once (127.0.0.1), so its reply is the last one
  const last = new Promise<void>((resolve) => socket.on('message', (msg) => {
    if (msg.includes(Buffer.from('\x09localhost', 'latin1')) && msg.includes(Buffer.from([127, 0, 0, 1]))) resolve();
  }));
  socket.send(query('localhost', 'A', { id: 0x5eed, edns: false }), resolver.port, '127.0.0.1');
  await last;
  socket.close();
  assert.deepEqual(wrongIds, []);
  await stillServing();
  assert.ok(resolver.stats().malformed > 100);
});
