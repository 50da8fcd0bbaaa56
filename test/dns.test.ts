/**
 * The DNS filtering resolver, as a school would meet it: pupils' and teachers' devices (told apart by source
 * address) ask a resolver that answers from Oakfield's policies, with a fake upstream on 127.0.0.1 standing in for
 * the internet. Nothing leaves the machine.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { compileSnapshot } from '../src/filtering/engine/index.ts';
import { startDnsResolver, type DnsResolverOptions } from '../src/filtering/dns/index.ts';
import { addresses, ask, dataOf, query, sendUdp } from './fixtures/dns/client.ts';
import { deadPort, startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { PUPIL_IP, schoolView, STAFF_IP, YEAR10_IP } from './fixtures/dns/view.ts';
import { schoolInput } from './fixtures/engine/school.ts';

const TUESDAY_MORNING = Date.parse('2026-03-10T10:00:00Z');
const BLOCK_PAGE_V4 = '192.0.2.10';
const BLOCK_PAGE_V6 = '2001:db8::10';

let upstream: FakeUpstream;

before(async () => {
  upstream = await startFakeUpstream([
    { name: 'www.bbc.co.uk', type: 'A', ttl: 300, data: '151.101.0.81' },
    { name: 'bet365.com', type: 'A', ttl: 300, data: '5.226.176.1' },
    { name: 'coolmathgames.com', type: 'A', ttl: 300, data: '104.26.0.1' },
    { name: 'www.tiktok.com', type: 'A', ttl: 300, data: '23.0.0.1' },
    { name: 'www.google.com', type: 'A', ttl: 300, data: '142.250.1.1' },
    { name: 'forcesafesearch.google.com', type: 'A', ttl: 3600, data: '216.239.38.120' },
    { name: 'forcesafesearch.google.com', type: 'AAAA', ttl: 3600, data: '2001:4860:4802:32::78' },
    { name: 'short.example', type: 'A', ttl: 60, data: '192.0.2.77' },
    { name: 'big.example', type: 'TXT', ttl: 300, data: Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(200)) },
    { name: 'mid.example', type: 'TXT', ttl: 300, data: ['m'.repeat(250), 'n'.repeat(250), 'o'.repeat(200)] },
  ]);
});
after(() => upstream.close());

async function withResolver(
  options: Partial<DnsResolverOptions>, story: (port: number, extra: ReturnType<typeof schoolView>) => Promise<void>,
): Promise<void> {
  const school = schoolView();
  const resolver = await startDnsResolver({
    host: '127.0.0.1', port: 0, view: school.view, upstreams: [upstream.address], blockAnswer: 'block-page',
    blockPageIPv4: BLOCK_PAGE_V4, blockPageIPv6: BLOCK_PAGE_V6, now: () => TUESDAY_MORNING, logger: { warn: () => {} },
    ...options,
  });
  try {
    await story(resolver.port, school);
  } finally {
    await resolver.close();
  }
}

test("a Year 6 pupil's iPad gets the block page for a betting site and the real answer for the BBC", async () => {
  await withResolver({}, async (port) => {
    const blocked = await ask(port, 'bet365.com', 'A', { from: PUPIL_IP });
    assert.equal(blocked.rcode, 'NOERROR');
    assert.deepEqual(addresses(blocked), [BLOCK_PAGE_V4]);
    assert.equal((blocked.packet.answers?.[0] as { ttl: number }).ttl, 10);
    assert.deepEqual(addresses(await ask(port, 'bet365.com', 'AAAA', { from: PUPIL_IP })), [BLOCK_PAGE_V6]);
    const mail = await ask(port, 'bet365.com', 'MX', { from: PUPIL_IP });
    assert.equal(mail.rcode, 'NOERROR', 'the blocked name "exists" for every type: NODATA, not NXDOMAIN');
    assert.equal(mail.packet.answers?.length, 0);
    assert.equal(mail.packet.authorities?.[0]?.type, 'SOA');
    assert.equal(upstream.count('bet365.com', 'A'), 0, 'a blocked name is never asked upstream');

    // a mixed-case name (0x20) and an unusual ID come back exactly as sent
    const bytes = query('Www.BbC.co.UK', 'A', { id: 0xbeef });
    const reply = await sendUdp(port, bytes, { from: PUPIL_IP });
    assert.ok(reply);
    assert.equal(reply.readUInt16BE(0), 0xbeef);
    assert.deepEqual(reply.subarray(12, 12 + 'Www.BbC.co.UK'.length + 2 + 4), bytes.subarray(12, 12 + 'Www.BbC.co.UK'.length + 2 + 4));
    assert.deepEqual(addresses(await ask(port, 'www.bbc.co.uk', 'A', { from: PUPIL_IP })), ['151.101.0.81']);
  });
});

test('a teacher reaches the betting site the pupils cannot (staff policy monitors gambling)', async () => {
  await withResolver({}, async (port) => {
    assert.deepEqual(addresses(await ask(port, 'bet365.com', 'A', { from: STAFF_IP })), ['5.226.176.1']);
    assert.deepEqual(addresses(await ask(port, 'bet365.com', 'A', { from: PUPIL_IP })), [BLOCK_PAGE_V4]);
  });
});

test('in NXDOMAIN mode a blocked name does not exist, whatever the type', async () => {
  await withResolver({ blockAnswer: 'nxdomain', blockPageIPv4: undefined, blockPageIPv6: undefined }, async (port) => {
    for (const type of ['A', 'AAAA', 'TXT', 'HTTPS']) {
      const reply = await ask(port, 'casino.example', type, { from: PUPIL_IP });
      assert.equal(reply.rcode, 'NXDOMAIN', type);
      assert.equal(reply.packet.answers?.length, 0);
      const soa = reply.packet.authorities?.[0] as { type: string; ttl: number; data: { minimum: number } };
      assert.equal(soa.type, 'SOA');
      assert.ok(soa.ttl <= 10 && soa.data.minimum <= 10, 'negative answers are cached only briefly by devices');
    }
  });
});

test("SafeSearch: a pupil's www.google.com becomes forcesafesearch.google.com; a teacher's does not", async () => {
  await withResolver({}, async (port) => {
    for (let i = 0; i < 2; i++) {
      const reply = await ask(port, 'WWW.Google.com', 'A', { from: PUPIL_IP });
      const [cname, a] = reply.packet.answers ?? [];
      assert.equal(cname.type, 'CNAME');
      assert.equal(cname.name.toLowerCase(), 'www.google.com');
      assert.equal(cname.data, 'forcesafesearch.google.com');
      assert.equal(a.type, 'A');
      assert.equal(a.name, 'forcesafesearch.google.com');
      assert.equal(a.data, '216.239.38.120');
    }
    const v6 = await ask(port, 'www.google.com', 'AAAA', { from: PUPIL_IP });
    assert.deepEqual(addresses(v6), ['2001:4860:4802:32::78']);
    assert.equal(upstream.count('forcesafesearch.google.com', 'A'), 1, 'the safe host is resolved once, then cached');
    assert.equal(upstream.count('www.google.com', 'A'), 0);
    assert.deepEqual(addresses(await ask(port, 'www.google.com', 'A', { from: STAFF_IP })), ['142.250.1.1']);
  });
});

test("Firefox's DoH canary and iCloud Private Relay are answered NXDOMAIN for everyone, and flagged", async () => {
  await withResolver({}, async (port, school) => {
    for (const from of [PUPIL_IP, STAFF_IP]) {
      assert.equal((await ask(port, 'use-application-dns.net', 'A', { from })).rcode, 'NXDOMAIN');
      assert.equal((await ask(port, 'mask.icloud.com', 'AAAA', { from })).rcode, 'NXDOMAIN');
      assert.equal((await ask(port, 'mask-h2.icloud.com', 'HTTPS', { from })).rcode, 'NXDOMAIN');
    }
    const canary = school.events.filter((e) => e.host === 'use-application-dns.net');
    assert.equal(canary.length, 2);
    assert.ok(canary.every((e) => e.circumvention === true && e.reason === 'circumvention_host' && e.action === 'block'));
  });
});

test('the cache honours TTLs: answered locally until the TTL runs out, then asked again', async () => {
  let clock = TUESDAY_MORNING;
  await withResolver({ now: () => clock }, async (port) => {
    const first = await ask(port, 'short.example', 'A', { from: STAFF_IP });
    assert.equal((first.packet.answers?.[0] as { ttl: number }).ttl, 60);
    clock += 25_000;
    const second = await ask(port, 'Short.Example', 'A', { from: PUPIL_IP });
    assert.equal(upstream.count('short.example', 'A'), 1, 'the second question was answered from the cache');
    assert.equal((second.packet.answers?.[0] as { ttl: number }).ttl, 35, 'the TTL counts down');
    assert.equal(second.packet.questions?.[0].name, 'Short.Example', "the client's own spelling comes back");
    clock += 36_000;
    await ask(port, 'short.example', 'A', { from: STAFF_IP });
    assert.equal(upstream.count('short.example', 'A'), 2, 'expired: asked upstream again');

    // negative caching (RFC 2308): for min(SOA TTL, SOA MINIMUM) = 30 s
    assert.equal((await ask(port, 'nothing-here.example', 'A')).rcode, 'NXDOMAIN');
    clock += 20_000;
    assert.equal((await ask(port, 'nothing-here.example', 'A')).rcode, 'NXDOMAIN');
    assert.equal(upstream.count('nothing-here.example', 'A'), 1);
    clock += 11_000;
    await ask(port, 'nothing-here.example', 'A');
    assert.equal(upstream.count('nothing-here.example', 'A'), 2);
  });
});

test('a large answer: the resolver retries the upstream over TCP, UDP clients get TC and come back over TCP', async () => {
  await withResolver({}, async (port) => {
    const udp = await ask(port, 'big.example', 'TXT', { from: STAFF_IP });
    assert.equal(udp.packet.flag_tc, true, 'too big for 1232 bytes: truncated');
    assert.equal(udp.packet.answers?.length, 0);
    assert.equal(upstream.count('big.example', 'TXT', true), 1, 'the upstream was asked again over TCP');
    const tcp = await ask(port, 'big.example', 'TXT', { from: STAFF_IP, tcp: true });
    assert.equal(tcp.packet.flag_tc, false);
    assert.equal(tcp.packet.answers?.length, 1);
    assert.equal((dataOf(tcp.packet.answers?.[0]) as Buffer[]).length, 12);
    assert.equal(upstream.count('big.example', 'TXT'), 2, 'the TCP client was answered from the cache');

    // ~750 bytes: fits an EDNS0 client, not a client without EDNS0 (512 bytes)
    const plain = await ask(port, 'mid.example', 'TXT', { from: STAFF_IP, edns: false });
    assert.equal(plain.packet.flag_tc, true);
    assert.equal(plain.packet.additionals?.length, 0, 'no OPT record for a client that sent none');
    const edns = await ask(port, 'mid.example', 'TXT', { from: STAFF_IP, edns: 4096 });
    assert.equal(edns.packet.flag_tc, false);
    assert.equal(edns.packet.answers?.length, 1);
    const opt = edns.packet.additionals?.find((r) => r.type === 'OPT') as { udpPayloadSize: number } | undefined;
    assert.equal(opt?.udpPayloadSize, 1232, 'our own payload size, not the client 4096 echoed back');
    const small = await ask(port, 'mid.example', 'TXT', { from: STAFF_IP, edns: 600 });
    assert.equal(small.packet.flag_tc, true, "the client's smaller EDNS0 size is respected");
  });
});

test('when the upstream is down the answer is SERVFAIL, and a second upstream takes over', async () => {
  const dead = `127.0.0.1:${await deadPort()}`;
  await withResolver({ upstreams: [dead], upstreamTimeoutMs: 150 }, async (port) => {
    // the client hears SERVFAIL (and can try elsewhere) rather than nothing at all
    assert.equal((await ask(port, 'www.bbc.co.uk', 'A', { timeoutMs: 3000 })).rcode, 'SERVFAIL');
  });
  await withResolver({ upstreams: [dead, upstream.address], upstreamTimeoutMs: 150 }, async (port) => {
    assert.deepEqual(addresses(await ask(port, 'www.bbc.co.uk', 'A', { timeoutMs: 3000 })), ['151.101.0.81']);
  });
});

test('over IPv6 an unknown device gets the unidentified policy (gambling blocked), the BBC resolved', async () => {
  await withResolver({ host: '::1' }, async (port, school) => {
    assert.deepEqual(addresses(await ask(port, 'williamhill.com', 'AAAA', { server: '::1' })), [BLOCK_PAGE_V6]);
    assert.deepEqual(addresses(await ask(port, 'www.bbc.co.uk', 'A', { server: '::1', tcp: true })), ['151.101.0.81']);
    assert.equal(school.events[0].ip, '::1');
    assert.equal(school.events[0].policyId, 'unidentified');
    assert.equal(school.events[0].personId, undefined);
  });
});

test('an upstream answering SERVFAIL or REFUSED is passed over for the next one', async () => {
  const failing = await startFakeUpstream([], { failWith: 2 });
  const refusing = await startFakeUpstream([], { failWith: 5 });
  try {
    await withResolver({ upstreams: [failing.address, refusing.address, upstream.address] }, async (port) => {
      assert.deepEqual(addresses(await ask(port, 'www.bbc.co.uk', 'A')), ['151.101.0.81']);
      assert.equal(failing.count('www.bbc.co.uk', 'A'), 1);
      assert.equal(refusing.count('www.bbc.co.uk', 'A'), 1);
    });
    await withResolver({ upstreams: [failing.address] }, async (port) => {
      assert.equal((await ask(port, 'www.bbc.co.uk', 'A')).rcode, 'SERVFAIL');
    });
  } finally {
    await failing.close();
    await refusing.close();
  }
});

test('a small cache keeps the most recently used answers and lets the oldest go', async () => {
  await withResolver({ cacheSize: 2 }, async (port) => {
    const asked = () => upstream.count('www.bbc.co.uk', 'A');
    const before = asked();
    await ask(port, 'www.bbc.co.uk', 'A');
    await ask(port, 'coolmathgames.com', 'A', { from: STAFF_IP });
    await ask(port, 'www.bbc.co.uk', 'A');
    assert.equal(asked(), before + 1, 'still cached');
    await ask(port, 'short.example', 'A');
    await ask(port, 'bet365.com', 'A', { from: STAFF_IP }); // two newer answers push the BBC out
    await ask(port, 'www.bbc.co.uk', 'A');
    assert.equal(asked(), before + 2, 'evicted, so asked again');
  });
});

test("DNS cannot show Year 10's social-media warning: blocked by default, resolved with warnAs 'allow'", async () => {
  await withResolver({}, async (port, school) => {
    assert.deepEqual(addresses(await ask(port, 'www.tiktok.com', 'A', { from: YEAR10_IP })), [BLOCK_PAGE_V4]);
    assert.equal(school.events.at(-1)?.action, 'warn');
    assert.equal(school.events.at(-1)?.personId, 'person-jay');
  });
  await withResolver({ warnAs: 'allow' }, async (port, school) => {
    assert.deepEqual(addresses(await ask(port, 'www.tiktok.com', 'A', { from: YEAR10_IP })), ['23.0.0.1']);
    assert.equal(school.events.at(-1)?.action, 'warn');
  });
});

test('hot swap: a new snapshot is in force from the very next query', async () => {
  await withResolver({}, async (port, school) => {
    assert.deepEqual(addresses(await ask(port, 'coolmathgames.com', 'A', { from: PUPIL_IP })), [BLOCK_PAGE_V4]);
    const input = schoolInput();
    input.policies.find((p) => p.id === 'ks2')!.categoryActions.games = 'allow';
    school.setSnapshot(compileSnapshot(input));
    assert.deepEqual(addresses(await ask(port, 'coolmathgames.com', 'A', { from: PUPIL_IP })), ['104.26.0.1']);
  });
});

test('every decision is recorded, with who, where and why; repeated allowed lookups only once a window', async () => {
  await withResolver({}, async (port, school) => {
    await ask(port, 'bet365.com', 'A', { from: PUPIL_IP });
    await ask(port, 'bet365.com', 'A', { from: PUPIL_IP });
    await ask(port, 'www.bbc.co.uk', 'A', { from: PUPIL_IP });
    await ask(port, 'www.bbc.co.uk', 'AAAA', { from: PUPIL_IP });
    await ask(port, 'bet365.com', 'A', { from: STAFF_IP });
    const blocks = school.events.filter((e) => e.host === 'bet365.com' && e.action === 'block');
    assert.equal(blocks.length, 2, 'every blocked attempt counts');
    const event = blocks[0];
    assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(blocks[0].id, blocks[1].id);
    assert.deepEqual({ ...event, id: undefined }, {
      id: undefined, time: TUESDAY_MORNING, schoolId: 'oakfield', personId: 'person-amelia', username: 'amelia.y6',
      deviceId: 'y6-ipad-07', ip: PUPIL_IP, host: 'bet365.com', categoryId: 'gambling', action: 'block',
      reason: 'category', policyId: 'ks2', ruleId: undefined, sourceId: 'ut1', circumvention: undefined,
      frontEnd: 'dns', node: 'control-plane',
    });
    const bbc = school.events.filter((e) => e.host === 'www.bbc.co.uk');
    assert.equal(bbc.length, 1, 'A and AAAA for the same allowed name within the window: one event');
    assert.equal(bbc[0].action, 'allow');
    const staff = school.events.filter((e) => e.ip === STAFF_IP);
    assert.equal(staff.length, 1);
    assert.equal(staff[0].action, 'monitor');
    assert.equal(staff[0].personId, 'person-mr-khan');
  });
  let clock = TUESDAY_MORNING;
  await withResolver({ now: () => clock }, async (port, school) => {
    await ask(port, 'www.bbc.co.uk', 'A', { from: PUPIL_IP });
    clock += 4_000;
    await ask(port, 'www.bbc.co.uk', 'A', { from: PUPIL_IP });
    clock += 2_000;
    await ask(port, 'www.bbc.co.uk', 'A', { from: PUPIL_IP });
    assert.deepEqual(school.events.map((e) => e.time), [TUESDAY_MORNING, TUESDAY_MORNING + 6_000], 'once per 5-second window');
  });
});

const hasDig = spawnSync('dig', ['-v']).error === undefined;

test('dig @127.0.0.1 -p PORT gets the policy\'s answers over UDP and TCP', async () => {
  // No silent skip: CI installs dig (.ci/run); a machine without it fails here with what to install.
  assert.ok(hasDig, 'dig is not installed: apt-get install -y dnsutils');
  await withResolver({}, async (port) => {
    // dig sends an EDNS0 cookie option too: unknown options must not disturb anything
    const dig = async (...args: string[]) => (await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(port), '-b', PUPIL_IP, '+tries=1', '+time=2', ...args])).stdout;
    assert.equal((await dig('bet365.com', 'A', '+short')).trim(), BLOCK_PAGE_V4);
    assert.equal((await dig('+tcp', 'www.bbc.co.uk', 'A', '+short')).trim(), '151.101.0.81');
    assert.match(await dig('use-application-dns.net', 'A'), /status: NXDOMAIN/);
    assert.match(await dig('+noedns', 'www.bbc.co.uk', 'A'), /status: NOERROR/);
  });
});
