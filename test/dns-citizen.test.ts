/**
 * Issue 18, item 5: the resolver is a good citizen. It relays only the records that answer the question (not what
 * else an upstream puts in its reply), blocks a name whose CNAME chain leads to a blocked name, answers only the
 * school's networks (never as an open resolver), keeps the root's large answers for devices it knows, and answers
 * `localhost` and `wpad` itself. The upstream is a scripted DNS server of the test's own on 127.0.0.1; nothing
 * leaves the machine.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { startDnsResolver, type DnsResolver, type DnsResolverOptions } from '../src/filtering/dns/index.ts';
import { addresses, ask, query, sendTcp, sendUdp, type Reply } from './fixtures/dns/client.ts';
import { PUPIL_IP, schoolView, STAFF_IP, type TestView } from './fixtures/dns/view.ts';

const BLOCK_PAGE = '192.0.2.10';
/** A loopback address no device of the school's has: stands for a stranger on the internet. */
const STRANGER_IP = '127.0.0.66';

type Records = Pick<dnsPacket.Packet, 'answers' | 'authorities' | 'additionals'> & { rcode?: number };

/** A DNS server answering each name as the test scripts it; every question it is asked is remembered. */
class ScriptedUpstream {
  readonly asked: Array<{ name: string; type: string }> = [];
  readonly script = new Map<string, (type: string) => Records>();
  private constructor(private readonly socket: dgram.Socket) {}

  static async start(): Promise<ScriptedUpstream> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const upstream = new ScriptedUpstream(socket);
    socket.on('message', (raw, from) => {
      const packet = dnsPacket.decode(raw);
      const question = packet.questions![0];
      upstream.asked.push({ name: question.name.toLowerCase(), type: question.type });
      const scripted = upstream.script.get(question.name.toLowerCase())?.(question.type) ?? { rcode: 3 };
      const reply = dnsPacket.encode({
        type: 'response', id: packet.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (scripted.rcode ?? 0),
        questions: [question], answers: scripted.answers ?? [], authorities: scripted.authorities ?? [], additionals: scripted.additionals ?? [],
      });
      // the asker's own question bytes back, case and all, as real servers do
      const questionEnd = raw.indexOf(0, 12) + 5;
      socket.send(Buffer.concat([reply.subarray(0, 12), raw.subarray(12, questionEnd), reply.subarray(questionEnd)]), from.port, from.address);
    });
    return upstream;
  }

  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  count(name: string): number {
    return this.asked.filter((q) => q.name === name).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

const a = (name: string, data: string, ttl = 300): dnsPacket.Answer => ({ name, type: 'A', ttl, data });
const cname = (name: string, data: string): dnsPacket.Answer => ({ name, type: 'CNAME', ttl: 300, data });
const ns = (name: string, data: string): dnsPacket.Answer => ({ name, type: 'NS', ttl: 3600, data });

let upstream: ScriptedUpstream;
before(async () => {
  upstream = await ScriptedUpstream.start();
  // the homework site's answer, with records about other names slipped in by a confused (or hostile) upstream
  upstream.script.set('www.kestrel-learning.org', () => ({
    answers: [
      cname('www.kestrel-learning.org', 'kestrel.cdn-example.net'),
      a('kestrel.cdn-example.net', '192.0.2.20'),
      a('www.mybank.example', '203.0.113.66'),
    ],
    authorities: [ns('kestrel-learning.org', 'ns1.kestrel-learning.org'), ns('mybank.example', 'ns.attacker.example')],
    additionals: [a('ns1.kestrel-learning.org', '192.0.2.53'), a('ns.attacker.example', '203.0.113.67'), a('login.mybank.example', '203.0.113.66')],
  }));
  upstream.script.set('www.mybank.example', () => ({ answers: [a('www.mybank.example', '198.51.100.7')] }));
  // an innocent-looking name that is an alias of a betting site (blocked for pupils, monitored for staff)
  upstream.script.set('offers.kestrel-learning.org', () => ({
    answers: [cname('offers.kestrel-learning.org', 'promo.redirect-example.net'), cname('promo.redirect-example.net', 'track.bet365.com'),
      a('track.bet365.com', '5.226.176.9')],
  }));
  // the times-tables site the Key Stage 2 policy allows by name, served from a games network it blocks
  upstream.script.set('maths.games.example', () => ({ answers: [cname('maths.games.example', 'edge.games.example'), a('edge.games.example', '192.0.2.30')] }));
  // a content network nobody lists
  upstream.script.set('news.example', () => ({ answers: [cname('news.example', 'news.cdn-example.net'), a('news.cdn-example.net', '192.0.2.40')] }));
  upstream.script.set('.', (type) => (type === 'NS' ? { answers: [ns('', 'a.root-servers.net')] } : { rcode: 0 }));
});
after(() => upstream.close());

async function withResolver(options: Partial<DnsResolverOptions>, story: (resolver: DnsResolver, school: TestView) => Promise<void>): Promise<void> {
  const school = schoolView();
  const resolver = await startDnsResolver({
    host: '127.0.0.1', port: 0, view: school.view, upstreams: [upstream.address], blockAnswer: 'block-page', blockPageIPv4: BLOCK_PAGE,
    now: () => Date.parse('2026-03-10T10:00:00Z'), logger: { warn: () => {} }, ...options,
  });
  try {
    await story(resolver, school);
  } finally {
    await resolver.close();
  }
}

/** Every name a reply mentions, in any section, as owner or as data. */
function namesIn(reply: Reply): string[] {
  const records = [...(reply.packet.answers ?? []), ...(reply.packet.authorities ?? []), ...(reply.packet.additionals ?? [])];
  return records.flatMap((r) => [r.name, typeof (r as { data?: unknown }).data === 'string' ? String((r as { data: string }).data) : '']).filter((n) => n !== '');
}

test("records about other names in an upstream's reply are not passed on, and are not kept for later questions", async () => {
  await withResolver({}, async (resolver) => {
    const reply = await ask(resolver.port, 'www.kestrel-learning.org', 'A', { from: STAFF_IP });
    assert.deepEqual(addresses(reply), ['192.0.2.20'], 'the chain to the homework site is answered');
    assert.deepEqual((reply.packet.answers ?? []).map((r) => r.type), ['CNAME', 'A']);
    assert.deepEqual((reply.packet.authorities ?? []).map((r) => `${r.name} ${r.type}`), ['kestrel-learning.org NS']);
    assert.deepEqual((reply.packet.additionals ?? []).filter((r) => r.type !== 'OPT').map((r) => r.name), ['ns1.kestrel-learning.org'],
      'the address of the zone\'s own name server is kept');
    for (const name of namesIn(reply)) assert.ok(!/mybank|attacker/.test(name), `the reply still mentions ${name}`);
    assert.equal(reply.packet.additionals?.filter((r) => r.type === 'OPT').length, 1, 'the client still gets its EDNS0 OPT record');
    // the bank's real address comes from asking for it, not from what was slipped into the other answer
    assert.deepEqual(addresses(await ask(resolver.port, 'www.mybank.example', 'A', { from: STAFF_IP })), ['198.51.100.7']);
    assert.equal(upstream.count('www.mybank.example'), 1);
  });
});

test('a name whose CNAME chain leads to a betting site is blocked for a pupil, named as asked, and recorded as such', async () => {
  await withResolver({}, async (resolver, school) => {
    for (let i = 0; i < 2; i++) { // the second time from the cache
      const reply = await ask(resolver.port, 'offers.kestrel-learning.org', 'A', { from: PUPIL_IP });
      assert.deepEqual(addresses(reply), [BLOCK_PAGE], 'the pupil is sent to the block page');
      assert.equal(reply.packet.answers?.[0].name, 'offers.kestrel-learning.org', 'the answer is for the name the pupil asked');
      assert.deepEqual((reply.packet.answers ?? []).map((r) => r.type), ['A'], 'and nothing of the chain to the betting site');
      // dig shows why: an Extended DNS Error (RFC 8914) "Blocked" with a sentence
      assert.match(reply.raw.toString('latin1'), /offers\.kestrel-learning\.org is an alias of track\.bet365\.com, which is blocked/);
    }
    const blocks = school.events.filter((e) => e.host === 'offers.kestrel-learning.org');
    assert.equal(blocks.length, 2, 'each attempt is recorded once');
    for (const e of blocks) {
      assert.deepEqual([e.action, e.reason, e.categoryId, e.ip], ['block', 'alias_blocked', 'gambling', PUPIL_IP]);
    }
    assert.ok(!school.events.some((e) => e.host === 'offers.kestrel-learning.org' && e.action === 'allow'), 'no "allowed" record as well');

    // a teacher, whose policy only monitors gambling, gets the real answer
    const staff = await ask(resolver.port, 'offers.kestrel-learning.org', 'A', { from: STAFF_IP });
    assert.deepEqual(addresses(staff), ['5.226.176.9']);
    assert.equal(upstream.count('offers.kestrel-learning.org'), 1, 'asked upstream once, then answered from the cache for both');
    assert.equal(resolver.stats().aliasBlocked, 2);
  });
});

test('in NXDOMAIN mode the aliased name does not exist for the pupil', async () => {
  await withResolver({ blockAnswer: 'nxdomain', blockPageIPv4: undefined }, async (resolver) => {
    assert.equal((await ask(resolver.port, 'offers.kestrel-learning.org', 'A', { from: PUPIL_IP })).rcode, 'NXDOMAIN');
  });
});

test('a site the school allows by name keeps working although its content network is in a blocked category; unlisted networks are fine', async () => {
  await withResolver({}, async (resolver) => {
    assert.deepEqual(addresses(await ask(resolver.port, 'maths.games.example', 'A', { from: PUPIL_IP })), ['192.0.2.30']);
    assert.deepEqual(addresses(await ask(resolver.port, 'news.example', 'A', { from: PUPIL_IP })), ['192.0.2.40']);
  });
});

test('a stranger outside the school\'s networks is refused, and nothing is asked upstream or recorded for it', async () => {
  // the school's network is 10.0.0.0/8; the test's loopback addresses stand for the internet beyond it
  await withResolver({ allowedClients: '10.0.0.0/8' }, async (resolver, school) => {
    const before = upstream.asked.length;
    for (const type of ['A', 'TXT']) {
      const reply = await ask(resolver.port, 'www.mybank.example', type, { from: STRANGER_IP });
      assert.equal(reply.rcode, 'REFUSED', type);
      assert.equal(reply.packet.answers?.length, 0);
    }
    const overTcp = dnsPacket.decode((await sendTcp(resolver.port, [query('www.mybank.example', 'A')], { from: STRANGER_IP }))[0]);
    assert.equal((overTcp as { rcode?: string }).rcode, 'REFUSED', 'over TCP too');
    // an amplification attempt: a small question for the root's name servers, with a forged sender
    assert.equal((await ask(resolver.port, '.', 'NS', { from: STRANGER_IP })).rcode, 'REFUSED');
    // malformed input from a stranger is refused too, not examined
    const junk = Buffer.from(query('www.mybank.example', 'A'));
    junk[5] = 2; // QDCOUNT 2
    const refused = await sendUdp(resolver.port, junk, { from: STRANGER_IP });
    assert.equal(refused![3] & 0x0f, 5, 'REFUSED');
    assert.equal(upstream.asked.length, before, 'nothing was asked upstream for the stranger');
    assert.equal(school.events.length, 0, 'and nothing recorded');
    assert.equal(resolver.stats().refused, 5);

    // a pupil's iPad in one of the school's address ranges is answered, although the range is not in the setting
    assert.deepEqual(addresses(await ask(resolver.port, 'www.mybank.example', 'A', { from: PUPIL_IP })), ['198.51.100.7']);
  });
});

test('by default the private networks are answered, even devices nobody has identified', async () => {
  await withResolver({}, async (resolver) => {
    assert.deepEqual(addresses(await ask(resolver.port, 'www.mybank.example', 'A', { from: STRANGER_IP })), ['198.51.100.7']);
  });
  await assert.rejects(startDnsResolver({ port: 0, view: schoolView().view, upstreams: [upstream.address], blockAnswer: 'nxdomain', allowedClients: '::/0' }),
    /open to the whole internet/);
});

test("the root's name servers are asked upstream only for devices the school knows", async () => {
  await withResolver({}, async (resolver) => {
    const before = upstream.count('.');
    assert.equal((await ask(resolver.port, '.', 'NS', { from: STRANGER_IP })).rcode, 'REFUSED', 'an unidentified device on the school network');
    assert.equal((await ask(resolver.port, '.', 'DNSKEY', { from: STRANGER_IP })).rcode, 'REFUSED');
    assert.equal(upstream.count('.'), before);
    const known = await ask(resolver.port, '.', 'NS', { from: STAFF_IP });
    assert.equal(known.rcode, 'NOERROR');
    assert.equal(known.packet.answers?.[0]?.type, 'NS');
    assert.equal(upstream.count('.'), before + 1);
  });
});

test('localhost and wpad are answered by Osprey itself and never asked upstream', async () => {
  await withResolver({}, async (resolver, school) => {
    const before = upstream.asked.length;
    for (const name of ['localhost', 'LocalHost', 'printer.localhost']) {
      assert.deepEqual(addresses(await ask(resolver.port, name, 'A', { from: PUPIL_IP })), ['127.0.0.1'], name);
      assert.deepEqual(addresses(await ask(resolver.port, name, 'AAAA', { from: PUPIL_IP })), ['::1'], name);
    }
    const mail = await ask(resolver.port, 'localhost', 'MX', { from: PUPIL_IP });
    assert.deepEqual([mail.rcode, mail.packet.answers?.length], ['NOERROR', 0]);
    for (const name of ['wpad', 'WPAD.oakfield.sch.uk', 'wpad.example.com']) {
      for (const from of [PUPIL_IP, STRANGER_IP]) {
        assert.equal((await ask(resolver.port, name, 'A', { from })).rcode, 'NXDOMAIN', `${name} from ${from}`);
      }
    }
    assert.equal(upstream.asked.length, before, 'nothing went upstream');
    assert.equal(school.events.length, 0, 'they are not web sites: nothing in the activity log');
    // a name that merely contains the words is an ordinary name
    assert.equal((await ask(resolver.port, 'mywpad.example', 'A', { from: PUPIL_IP })).rcode, 'NXDOMAIN');
    assert.equal(upstream.count('mywpad.example'), 1);
  });
});
