/**
 * Issue 11, item 9: the resolver's questions to its upstream must not be answerable by someone who is not the
 * upstream. An off-path attacker has to send a forged answer to the port the question left from, with its ID and
 * question, before the real answer arrives; with two fixed source ports for the life of the process (18d3e29) the
 * port was known after one look. Here a real UDP "upstream" on 127.0.0.1, written below, records where each question
 * came from and plays the attacker: forged answers first, the real one after. Issue 18 (RFC 5452 §9.2): every question
 * leaves from a port of its own, open only while that question is in flight. Nothing leaves the machine.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readdirSync, readlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { startDnsResolver, type DnsResolver, type DnsResolverOptions } from '../../src/filtering/dns/index.ts';
import { addresses, ask } from '../fixtures/dns/client.ts';
import { schoolView, STAFF_IP } from '../fixtures/dns/view.ts';
import { waitFor } from '../fixtures/proxy/harness.ts';

const REAL = '192.0.2.80';
const FORGED = '203.0.113.66';

interface Question { name: string; type: string; id: number; port: number; raw: Buffer }

/**
 * The upstream: answers every A question with REAL. `before(question, send)` runs first for each question, so a test
 * can send forged answers ahead of the real one; `answer: false` in its result withholds the real answer.
 */
class ForgingUpstream {
  readonly questions: Question[] = [];
  before: (question: Question, send: (reply: Buffer, via?: dgram.Socket) => void) => { answer: boolean } | void = () => {};
  private constructor(readonly socket: dgram.Socket, readonly port: number) {}

  static async start(): Promise<ForgingUpstream> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const upstream = new ForgingUpstream(socket, socket.address().port);
    socket.on('message', (raw, from) => upstream.onQuestion(raw, from));
    return upstream;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private onQuestion(raw: Buffer, from: dgram.RemoteInfo): void {
    const packet = dnsPacket.decode(raw);
    const question = packet.questions![0];
    const asked: Question = { name: question.name, type: question.type, id: packet.id!, port: from.port, raw };
    this.questions.push(asked);
    const send = (reply: Buffer, via = this.socket) => via.send(reply, from.port, from.address);
    const outcome = this.before(asked, send);
    if (outcome?.answer === false) return;
    send(reply(asked, REAL));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** An answer to `question` giving `address`, with changes to make a forgery that must not be taken. */
function reply(question: Question, address: string, change: { id?: number; name?: string; type?: 'A' | 'AAAA' } = {}): Buffer {
  const name = change.name ?? question.name;
  const type = change.type ?? 'A';
  return dnsPacket.encode({
    type: 'response', id: change.id ?? question.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ name, type, class: 'IN' }],
    answers: [type === 'A' ? { name, type: 'A', ttl: 300, data: address } : { name, type: 'AAAA', ttl: 300, data: '2001:db8::66' }],
  });
}

let upstream: ForgingUpstream;
before(async () => { upstream = await ForgingUpstream.start(); });
after(() => upstream.close());

async function withResolver(options: Partial<DnsResolverOptions>, story: (resolver: DnsResolver) => Promise<void>): Promise<void> {
  upstream.questions.length = 0;
  upstream.before = () => {};
  const resolver = await startDnsResolver({
    host: '127.0.0.1', port: 0, view: schoolView().view, upstreams: [upstream.address], blockAnswer: 'nxdomain',
    logger: { warn: () => {} }, ...options,
  });
  try {
    await story(resolver);
  } finally {
    await resolver.close();
  }
}

/** What a member of staff's laptop is told for `name` (over UDP, as devices ask). */
async function lookUp(resolver: DnsResolver, name: string): Promise<{ rcode: string; addresses: string[] }> {
  const answer = await ask(resolver.port, name, 'A', { from: STAFF_IP, timeoutMs: 10_000 });
  return { rcode: answer.rcode, addresses: addresses(answer) };
}

test('fifty questions to the upstream each leave from a socket of their own on a random port, not from one or two fixed ones', async () => {
  await withResolver({}, async (resolver) => {
    for (let i = 0; i < 50; i++) assert.deepEqual((await lookUp(resolver, `site${i}.example`)).addresses, [REAL]);
    const ports = upstream.questions.map((q) => q.port);
    assert.equal(ports.length, 50, 'every question reached the upstream');
    // random draws from ~28,000 ports: one repeat by chance is possible (about one run in twenty), more is not
    assert.ok(new Set(ports).size >= 48, `each question had a port of its own; seen ${new Set(ports).size} different ports`);
    assert.equal(resolver.stats().upstreamSockets, 50, 'a socket of its own for each question');
  });
});

test('an attacker who has seen the ports of earlier questions, and even knows the next ID, cannot answer the next one', async () => {
  await withResolver({}, async (resolver) => {
    // the attacker watches a few questions leave (or gets the school to look up names on its own server)...
    for (let i = 0; i < 5; i++) await lookUp(resolver, `warm-up${i}.example`);
    const seen = new Set(upstream.questions.map((q) => q.port));
    // ...then forges answers to each next question, from the upstream's own address and port and with the right ID
    // (which a real attacker would have to guess as well), sent to every port it has seen before the real answer
    upstream.before = (question) => {
      assert.ok(!seen.has(question.port), `a question left from port ${question.port}, which an earlier question used`);
      for (const port of seen) upstream.socket.send(reply(question, FORGED), port, '127.0.0.1');
      seen.add(question.port);
    };
    for (let i = 0; i < 20; i++) {
      const answer = await lookUp(resolver, `bank${i}.example`);
      assert.deepEqual(answer.addresses, [REAL], `bank${i}.example: the resolver took a forged answer`);
    }
    // the ports seen were each closed once their question was answered: the forgeries found nobody listening
    assert.equal(resolver.stats().upstreamRejected, 0);
  });
});

test('a question\'s port is closed as soon as it is answered: nothing is left open for an attacker to find', async () => {
  await withResolver({}, async (resolver) => {
    const socketsAtStart = openSockets();
    for (let i = 0; i < 20; i++) assert.deepEqual((await lookUp(resolver, `open${i}.example`)).addresses, [REAL]);
    for (const { port } of upstream.questions) {
      // the port can be taken again at once: no socket of the resolver's holds it any more
      const probe = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.bind(port, '0.0.0.0', resolve); });
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    }
    await waitFor('the resolver to hold no more sockets than before it asked', () => openSockets() <= socketsAtStart || undefined, 10_000);
    assert.equal(resolver.stats().upstreamSockets, 20, 'one socket for each question');
  });
});

test('answers from another address or port, for another question, or with another ID are dropped: the client gets the real one', async () => {
  const otherPort = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => otherPort.bind(0, '127.0.0.1', resolve));
  // the upstream's port number on another loopback address
  const otherAddress = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => otherAddress.bind(upstream.port, '127.0.0.5', resolve));
  try {
    await withResolver({ upstreamTimeoutMs: 300, upstreamAttempts: 1 }, async (resolver) => {
      const forgeries: Record<string, (q: Question) => { reply: Buffer; via?: dgram.Socket }> = {
        'other-port.example': (q) => ({ reply: reply(q, FORGED), via: otherPort }),
        'other-address.example': (q) => ({ reply: reply(q, FORGED), via: otherAddress }),
        'other-name.example': (q) => ({ reply: reply(q, FORGED, { name: 'bank.example' }) }),
        'other-type.example': (q) => ({ reply: reply(q, FORGED, { type: 'AAAA' }) }),
        'other-id.example': (q) => ({ reply: reply(q, FORGED, { id: (q.id + 1) & 0xffff }) }),
      };
      upstream.before = (question, send) => {
        const forge = forgeries[question.name.replace(/^nothing-real\./, '')];
        const { reply: forged, via } = forge(question);
        send(forged, via);
        return { answer: !question.name.startsWith('nothing-real.') };
      };
      for (const name of Object.keys(forgeries)) {
        assert.deepEqual(await lookUp(resolver, name), { rcode: 'NOERROR', addresses: [REAL] }, `${name}: the forged answer was taken`);
        // with only the forgery and no real answer, the client is told the look-up failed, never the forged address
        assert.deepEqual(await lookUp(resolver, `nothing-real.${name}`), { rcode: 'SERVFAIL', addresses: [] }, `nothing-real.${name}`);
      }
      // the forgeries sent from the upstream's own address and port reach the resolver and are counted as dropped
      // (the kernel already drops the others: the resolver's sockets are connected to the upstream)
      await waitFor('the forged answers to be counted', () => resolver.stats().upstreamRejected >= 6, 10_000);
    });
  } finally {
    otherPort.close();
    otherAddress.close();
  }
});

test('200 questions leave from 200 different ports, a retry from a new port too, and none is left open', async () => {
  await withResolver({ upstreamTimeoutMs: 200, upstreamAttempts: 2 }, async (resolver) => {
    const socketsAtStart = openSockets();
    for (let i = 0; i < 200; i++) assert.deepEqual((await lookUp(resolver, `page${i}.example`)).addresses, [REAL]);
    // the upstream ignores the first try of this one: the second try must not reuse the first one's port
    let first = true;
    upstream.before = (question) => {
      if (question.name !== 'slow.example' || !first) return;
      first = false;
      return { answer: false };
    };
    assert.deepEqual((await lookUp(resolver, 'slow.example')).addresses, [REAL]);
    const ports = upstream.questions.map((q) => q.port);
    assert.equal(ports.length, 202);
    // the kernel draws each port at random from its ephemeral range (~28,000 ports), so a few may come round again by
    // chance (birthday odds: fewer than one in 202 draws on average); a reused socket would repeat most of them
    assert.ok(new Set(ports).size >= 192, `only ${new Set(ports).size} different source ports over 202 tries`);
    const slow = upstream.questions.filter((q) => q.name === 'slow.example');
    assert.equal(slow.length, 2, 'the question was asked again after the first try went unanswered');
    assert.notEqual(slow[0].port, slow[1].port, 'the second try left from a new port');
    assert.notEqual(slow[0].id, slow[1].id, 'and with a new ID');
    await waitFor('every socket to be closed', () => openSockets() <= socketsAtStart || undefined, 10_000);
  });
});

/** Sockets this process has open (Linux). */
function openSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try { return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:'); } catch { return false; }
  }).length;
}
