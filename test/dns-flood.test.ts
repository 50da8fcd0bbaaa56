/**
 * Issue 18: one device's flood of queries for a blocked name must not take DNS away from everyone else. Through the
 * real server (startServer: the API, the activity pipeline into the database, monitoring, the live filter and the
 * DNS resolver), a pupil's laptop asks for a blocked game site as fast as the resolver answers it, while another
 * pupil's laptop asks for the homework site every 100 ms like a stub resolver (1 s timeout, 2 retries). Counts, not
 * timings: the bystander loses no question, and every blocked attempt the resolver answered is in the activity log.
 * The internet is a DNS server of the test's own on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { createPolicy } from '../src/filtering/policy/service.ts';
import { startServer, type RunningServer } from '../src/app/server.ts';
import { ensureSchool } from '../src/platform/setup.ts';
import { query } from './fixtures/dns/client.ts';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const FLOODER = '127.0.0.5';
const BYSTANDER = '127.0.0.6';
const BLOCKED = 'arcade.blocked-games.example';
const ALLOWED = 'www.kestrel-learning.org';
const FLOOD = Number(process.env.DNS_FLOOD_QUERIES ?? 10_000);

let dir: string;
let handle: TestDatabase;
let names: FakeUpstream;
let server: RunningServer;
let dnsPort: number;

before(async () => {
  names = await startFakeUpstream([{ name: ALLOWED, type: 'A', ttl: 300, data: '192.0.2.20' }]);
  dir = mkdtempSync(path.join(tmpdir(), 'osprey-dns-flood-'));
  handle = await createTestDatabase();
  const schoolId = (await ensureSchool(handle.db, 'Kestrel Academy', new Date())).id;
  const group = await handle.db.insertInto('groups').values({ id: crypto.randomUUID(), school_id: schoolId, kind: 'custom', name: 'Year 8 laptops', created_at: new Date() })
    .returning('id').executeTakeFirstOrThrow();
  await createPolicy({ db: handle.db, clock: { now: () => new Date() }, actor: { id: null, label: 'test', schoolId } }, 'year-8', {
    name: 'Year 8 laptops', description: 'Everything but the game site', priority: 60, defaultAction: 'allow', safeSearch: false,
    categoryActions: {}, schedules: [], localAllow: [], targets: [group.id],
    localBlock: [{ id: 'no-arcade', kind: 'domain', value: 'blocked-games.example', note: 'Games in lessons' }],
  }, 'The laptops in the flood test');
  for (const [ip, name] of [[FLOODER, 'Y8-LAPTOP-05'], [BYSTANDER, 'Y8-LAPTOP-06']]) {
    await handle.db.insertInto('ip_ranges').values({
      id: crypto.randomUUID(), school_id: schoolId, cidr: `${ip}/32`, name, kind: 'device', group_ids: JSON.stringify([group.id]),
      note: '', created_at: new Date(), updated_at: new Date(),
    }).execute();
  }
  const config = loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'server') }, {
    logLevel: 'silent', httpHost: '127.0.0.1', httpPort: 0, frontEnds: 'dns', filterHost: '127.0.0.1', dnsPort: 0, dnsUpstreams: names.address,
  });
  server = await startServer(config, { handle });
  dnsPort = (await server.filteringStarted).dnsPort!;
});

after(async () => {
  await server?.close();
  await handle?.close();
  await names?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Asks `name` as fast as the answers come back (up to `window` unanswered at once, like dnsperf), `total` times.
 * A question unanswered after a second is counted lost and its place in the window given to the next.
 */
function flood(port: number, from: string, name: string, total: number, window = 200): Promise<{ sent: number; answered: number }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const bytes = query(name, 'A', { edns: false });
    let sent = 0;
    let answered = 0;
    let written = 0; // written off as lost
    let progress = Date.now();
    const done = () => {
      clearInterval(watch);
      socket.close();
      resolve({ sent, answered });
    };
    const pump = () => {
      while (sent < total && sent - answered - written < window) {
        bytes.writeUInt16BE(sent & 0xffff, 0);
        socket.send(bytes, port, '127.0.0.1');
        sent++;
      }
    };
    const watch = setInterval(() => {
      if (Date.now() - progress < 1000) return;
      written = sent - answered; // nothing for a second: what is outstanding is not coming
      progress = Date.now();
      if (sent >= total) done();
      else pump();
    }, 100);
    socket.on('error', reject);
    socket.on('message', () => {
      answered++;
      progress = Date.now();
      if (answered + written >= total) done();
      else pump();
    });
    socket.bind(0, from, pump);
  });
}

/** One question the way a device's stub resolver asks it: a new port and ID, 1 s to answer, then two more tries. */
async function stubAsk(port: number, from: string, name: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket('udp4');
      const id = randomInt(0x10000);
      const timer = setTimeout(() => { socket.close(); resolve(false); }, 1000);
      socket.on('message', (msg) => {
        if (msg.readUInt16BE(0) !== id) return;
        clearTimeout(timer);
        socket.close();
        resolve((dnsPacket.decode(msg).answers ?? []).some((a) => a.type === 'A' && a.data === '192.0.2.20'));
      });
      socket.bind(0, from, () => socket.send(query(name, 'A', { id }), port, '127.0.0.1'));
    });
    if (answered) return true;
  }
  return false;
}

/** Blocked attempts stored for an address and name (rows, or the sum of their counts where repeats are folded). */
async function storedAttempts(ip: string, host: string): Promise<number> {
  const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'activity'`.execute(handle.db);
  const counted = columns.rows.map((c) => c.column_name).find((c) => /^(count|repeats|attempts|hits)$/.test(c));
  const total = counted
    ? sql<{ n: string }>`select coalesce(sum(${sql.ref(counted)}), 0) as n from activity where ip = ${ip}::inet and host = ${host} and action = 'block'`
    : sql<{ n: string }>`select count(*) as n from activity where ip = ${ip}::inet and host = ${host} and action = 'block'`;
  return Number((await total.execute(handle.db)).rows[0].n);
}

test(`a laptop flooding the resolver with ${FLOOD} queries for a blocked site does not stop another laptop's look-ups`, { timeout: 300_000 }, async () => {
  assert.ok(await stubAsk(dnsPort, BYSTANDER, ALLOWED), 'the bystander is answered before the flood');

  const bystander = { asked: 0, answered: 0, lost: 0 };
  const questions: Array<Promise<void>> = [];
  const ticker = setInterval(() => {
    bystander.asked++;
    questions.push(stubAsk(dnsPort, BYSTANDER, ALLOWED).then((ok) => { if (ok) bystander.answered++; else bystander.lost++; }));
  }, 100);
  let result: { sent: number; answered: number };
  try {
    result = await flood(dnsPort, FLOODER, BLOCKED, FLOOD);
  } finally {
    clearInterval(ticker);
  }
  await Promise.all(questions);

  assert.equal(result.sent, FLOOD);
  assert.ok(result.answered > 0, 'the flood was answered (with the block answer)');
  assert.ok(bystander.asked >= 1, 'the bystander asked during the flood');
  assert.equal(bystander.lost, 0, `the bystander lost ${bystander.lost} of ${bystander.asked} look-ups during the flood (${result.answered} of ${FLOOD} flood queries answered)`);
  assert.equal(bystander.answered, bystander.asked);

  // every blocked attempt the resolver answered is in the activity log (a few answers may have been lost on the way
  // back to the flooding laptop, so the log may hold more than it received, never more than it sent)
  assert.equal(await server.activity.drain(120_000), true, 'the activity log caught up');
  const stored = await storedAttempts(FLOODER, BLOCKED);
  assert.ok(stored >= result.answered && stored <= result.sent, `${stored} blocked attempts stored; ${result.answered} answered, ${result.sent} sent`);
  if (result.answered === result.sent) assert.equal(stored, FLOOD, 'every attempt counted');
});
