/**
 * The activity pipeline keeps every event: emitted events reach the database exactly once, replays are harmless,
 * a crash leaves a spool that the next start replays, and odd input from a front-end is stored rather than lost.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { newActivityId, timeOfActivityId } from '../src/activity/ids.ts';
import { startActivityPipeline, type ActivityPipeline } from '../src/activity/pipeline.ts';
import { SpoolBusyError } from '../src/activity/spool.ts';
import { ActivityRejectedError, DatabaseActivityWriter, type ActivityBatch, type ActivityBatchWriter } from '../src/activity/writer.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { waitFor } from './helpers/wait.ts';
import { makeEvents, newSchoolId } from './fixtures/activity/events.ts';

let db: TestDatabase;
let dataDir: string;
const running: ActivityPipeline[] = [];

/** A pipeline on the test database; committed spool files are deleted at once unless a test says otherwise. */
async function start(opts: Partial<Parameters<typeof startActivityPipeline>[0]> = {}) {
  const p = await startActivityPipeline({ db: db.db, databaseKind: db.kind, dataDir, ...opts, tuning: { keepCommittedMs: 0, ...opts.tuning } });
  running.push(p);
  return p;
}

async function countFor(schoolId: string): Promise<{ rows: number; ids: number; totals: number }> {
  const a = await sql<{ rows: number; ids: number }>`select count(*)::int as rows, count(distinct id)::int as ids from activity where school_id = ${schoolId}`.execute(db.db);
  const t = await sql<{ n: number }>`select coalesce(sum(events), 0)::int as n from activity_daily where school_id = ${schoolId}`.execute(db.db);
  return { ...a.rows[0], totals: t.rows[0].n };
}

const spoolFiles = () => (existsSync(path.join(dataDir, 'spool')) ? readdirSync(path.join(dataDir, 'spool')).filter((f) => /^activity-\d+\.jsonl$/.test(f)) : []);

/** A writer standing in for a database that is down: everything fails, as a lost connection does. */
const unreachable: ActivityBatchWriter = { write: async () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }); } };

before(async () => { db = await createTestDatabase(); });
after(async () => { await db.close(); });
beforeEach(async () => {
  for (const p of running.splice(0)) await p.stop({ drainMs: 0 });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-activity-'));
});

describe('event ids', () => {
  it('are UUID version 7, strictly increasing and carry their time', () => {
    const t = Date.UTC(2026, 10, 16, 9);
    const ids = Array.from({ length: 20_000 }, () => newActivityId(t));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `id ${i} sorts after id ${i - 1}`);
    assert.match(ids[0], /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(timeOfActivityId(ids[0]) - t <= 5, 'the id holds the time of the event (4,096 ids a millisecond)');
  });
});

describe('the activity pipeline', () => {
  it('stores every emitted event exactly once, with the daily totals counting each once', async () => {
    const school = newSchoolId();
    const p = await start();
    const events = makeEvents(12_000, { schoolId: school });
    for (const e of events) p.emit(e);
    await p.flush();
    assert.equal(p.stats().spooled, 12_000, 'flush means every event emitted so far is in the spool');
    assert.equal(await p.drain(30_000), true);
    assert.deepEqual(await countFor(school), { rows: 12_000, ids: 12_000, totals: 12_000 });
    const blocked = await sql<{ n: number }>`select sum(events)::int as n from activity_daily where school_id = ${school} and action = 'block' and category_id = 'gambling'`.execute(db.db);
    assert.equal(blocked.rows[0].n, events.filter((e) => e.action === 'block').length);
    await p.stop();
    assert.deepEqual(spoolFiles(), [], 'nothing is left in the spool once it is all in the database');
  });

  it('stores the same events once however often they are emitted (a replay, a retry)', async () => {
    const school = newSchoolId();
    const events = makeEvents(3000, { schoolId: school });
    const p = await start();
    for (const e of events) p.emit(e);
    await p.drain(30_000);
    for (const e of events) p.emit({ ...e });
    for (const e of events.slice(0, 500)) p.emit({ ...e });
    await p.drain(30_000);
    assert.deepEqual(await countFor(school), { rows: 3000, ids: 3000, totals: 3000 }, 'the totals did not count the replays');
    assert.equal(p.stats().duplicates, 3500);
  });

  it('counts each event towards its day in the school\'s time zone, new or replayed', async () => {
    const school = newSchoolId();
    const p = await start();
    const [late, later] = makeEvents(2, { schoolId: school, start: Date.UTC(2026, 5, 15, 23, 10) }); // 00:10 on 16 June in London (BST)
    const [evening] = makeEvents(1, { schoolId: school, start: Date.UTC(2026, 5, 15, 22, 50) }); // 23:50 on 15 June
    p.emit(late);
    await p.drain(30_000);
    for (const e of [late, later, evening]) p.emit(e); // one already stored: this batch takes the replay path
    await p.drain(30_000);
    const days = await sql<{ day: string; n: number }>`select day::text as day, sum(events)::int as n from activity_daily where school_id = ${school} group by 1 order by 1`.execute(db.db);
    assert.deepEqual(days.rows, [{ day: '2026-06-15', n: 1 }, { day: '2026-06-16', n: 2 }]);
  });

  it('replays a spool left by a crash: events flushed but never inserted arrive at the next start', async () => {
    const school = newSchoolId();
    const crashed = await start({ writer: unreachable, tuning: { retryMinMs: 5, retryMaxMs: 20 } });
    for (const e of makeEvents(4000, { schoolId: school })) crashed.emit(e);
    await crashed.flush();
    await crashed.stop({ drainMs: 0 }); // the database never took them: they are only in the spool
    assert.ok(spoolFiles().length >= 1, 'the events wait in the spool');
    assert.equal((await countFor(school)).rows, 0);

    const restarted = await start();
    assert.equal(await restarted.drain(30_000), true);
    assert.deepEqual(await countFor(school), { rows: 4000, ids: 4000, totals: 4000 });
    await restarted.stop();
    assert.deepEqual(spoolFiles(), []);
  });

  it('skips a line torn by a crash in the middle of a write, and replays the rest', async () => {
    const school = newSchoolId();
    const crashed = await start({ writer: unreachable, tuning: { retryMinMs: 5, retryMaxMs: 20 } });
    for (const e of makeEvents(100, { schoolId: school })) crashed.emit(e);
    await crashed.flush();
    await crashed.stop({ drainMs: 0 });
    const [file] = spoolFiles();
    appendFileSync(path.join(dataDir, 'spool', file), '{"id":"0190f0b2-7c1a-7000-8000-00000000000');
    const restarted = await start();
    await restarted.drain(30_000);
    assert.equal((await countFor(school)).rows, 100);
  });

  it('keeps committed spool files for a while on the embedded database (it does not fsync); replaying them stores nothing twice', async () => {
    const school = newSchoolId();
    const p = await start({ tuning: { keepCommittedMs: 60_000 } });
    for (const e of makeEvents(100, { schoolId: school })) p.emit(e);
    assert.equal(await p.drain(30_000), true);
    await p.stop();
    assert.ok(spoolFiles().length >= 1, 'the committed events are still in the spool after a clean stop');
    const next = await start();
    assert.equal(await next.drain(30_000), true);
    assert.deepEqual({ stored: next.stats().stored, duplicates: next.stats().duplicates }, { stored: 0, duplicates: 100 });
    assert.deepEqual(await countFor(school), { rows: 100, ids: 100, totals: 100 });
    await next.stop();
    assert.deepEqual(spoolFiles(), []);
  });

  it('keeps events emitted after stop (a front-end still closing) on disk for the next start', async () => {
    const school = newSchoolId();
    const p = await start();
    await p.stop();
    for (const e of makeEvents(10, { schoolId: school })) p.emit(e);
    assert.equal(spoolFiles().length, 1);
    const next = await start();
    await next.drain(30_000);
    assert.equal((await countFor(school)).rows, 10);
  });

  it('refuses a second pipeline on the same spool while the first is running', async () => {
    await start();
    await assert.rejects(start(), SpoolBusyError);
  });

  it('stores odd input from a front-end rather than losing it', async () => {
    const school = newSchoolId();
    const p = await start();
    const time = Date.UTC(2026, 10, 16, 10, 30);
    p.emit({
      id: 'not-a-uuid', time, schoolId: school, personId: 'nobody', ip: '::ffff:10.1.2.3', host: 'WWW.Example.COM.',
      url: 'http://www.example.com/a\u0000b', searchTerm: 'broken \ud800 text', action: 'block', reason: 'category',
      policyId: 'p', frontEnd: 'proxy', node: '',
    });
    p.emit({ id: 'not-a-uuid', time, schoolId: school, ip: 'garbage', host: 'www.example.com', action: 'allow', reason: 'default', policyId: 'p', frontEnd: 'dns', node: 'n' });
    p.emit({ id: newActivityId(time), time, schoolId: school, ip: 'fe80::1%eth0', host: 'x.example.com', action: 'allow', reason: 'default', policyId: 'p', frontEnd: 'dns', node: 'n' });
    await p.drain(30_000);
    const rows = (await sql<{ ip: string | null; host: string; domain: string; url: string; search_term: string | null; person_id: string | null; node: string }>`
      select host(ip) as ip, host, domain, url, search_term, person_id, node from activity where school_id = ${school} order by time, id`.execute(db.db)).rows;
    assert.equal(rows.length, 2, 'the same malformed id twice is one event (it maps to one stable UUID)');
    assert.deepEqual(rows.find((r) => r.ip === '10.1.2.3'), {
      ip: '10.1.2.3', host: 'www.example.com', domain: 'example.com', url: 'http://www.example.com/a\ufffdb', search_term: 'broken \ufffd text', person_id: null, node: 'control-plane',
    });
    assert.ok(rows.some((r) => r.ip === 'fe80::1'));
  });

  it('stores text that a COPY row must escape exactly as it was, and a batch sent again stores and counts nothing twice', async () => {
    const school = newSchoolId();
    const awkward = ['tab\there', 'line\nbreak\r\nwindows', 'back\\slash \\N \\t', '\\N', 'emoji 🦅 and ünïcödé', 'quote " and \' and , comma'];
    const events = makeEvents(awkward.length, { schoolId: school, start: Date.UTC(2026, 10, 16, 9) })
      .map((e, i) => ({ ...e, searchTerm: awkward[i], url: `http://${e.host}/search?q=${encodeURIComponent(awkward[i])}`, deviceId: awkward[i] }));
    // on a PostgreSQL server with its own pool, as `osprey serve` runs it (the COPY path there)
    const p = await start(db.url ? { db: undefined, databaseKind: 'postgres', databaseUrl: db.url } : {});
    for (const e of events) p.emit(e);
    assert.equal(await p.drain(30_000), true);
    const rows = (await sql<{ id: string; search_term: string; device_id: string; url: string }>`
      select id::text, search_term, device_id, url from activity where school_id = ${school}`.execute(db.db)).rows;
    assert.equal(rows.length, awkward.length);
    for (const e of events) {
      const row = rows.find((r) => r.id === e.id)!;
      assert.deepEqual({ search: row.search_term, device: row.device_id, url: row.url }, { search: e.searchTerm, device: e.deviceId, url: e.url });
    }
    for (const e of events) p.emit(e); // a replay: all already stored
    assert.equal(await p.drain(30_000), true);
    assert.deepEqual(await countFor(school), { rows: awkward.length, ids: awkward.length, totals: awkward.length });
    assert.equal(p.stats().duplicates, awkward.length);
  });

  it('sets aside an event the database refuses, and stores the rest of its batch', async () => {
    const school = newSchoolId();
    const real = new DatabaseActivityWriter(db.db, 'Europe/London');
    const events = makeEvents(1000, { schoolId: school, tag: 'ok' });
    events[517].searchTerm = 'poison';
    const picky: ActivityBatchWriter = {
      write: (batch: ActivityBatch) => {
        if (batch.lines.some((l) => l.includes('"poison"'))) return Promise.reject(new ActivityRejectedError('value too long for type character varying(1)'));
        return real.write(batch);
      },
    };
    const p = await start({ writer: picky });
    for (const e of events) p.emit(e);
    await p.drain(30_000);
    assert.equal((await countFor(school)).rows, 999);
    assert.equal(p.stats().setAside, 1);
    const kept = readFileSync(path.join(dataDir, 'spool', 'activity-rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(kept.length, 1);
    assert.match(kept[0].line, /"poison"/);
    assert.match(kept[0].reason, /too long/);
  });

  it('keeps memory bounded through a database outage, then catches up with nothing lost', async () => {
    const school = newSchoolId();
    const p = await start({ tuning: { maxMemoryBytes: 100_000, retryMinMs: 10, retryMaxMs: 50, maxSegmentBytes: 256 * 1024 } });
    await sql`alter table activity rename to activity_offline`.execute(db.db);
    let peak = 0;
    try {
      for (const [i, e] of makeEvents(20_000, { schoolId: school }).entries()) {
        p.emit(e);
        if (i % 1000 === 999) { await p.flush(); peak = Math.max(peak, p.stats().memoryBytes); }
      }
      await p.flush();
      await waitFor('the pipeline to notice the database is refusing', () => p.stats().databaseOk === false);
      assert.ok(peak <= 100_000 + 1000 * 400, `memory stayed bounded: at most one batch over the limit (peak ${peak} bytes)`);
      assert.ok(spoolFiles().length > 1, 'the backlog is in the spool, across several files');
    } finally {
      await sql`alter table activity_offline rename to activity`.execute(db.db);
    }
    assert.equal(await p.drain(60_000), true);
    assert.deepEqual(await countFor(school), { rows: 20_000, ids: 20_000, totals: 20_000 });
    assert.equal(p.stats().databaseOk, true);
  });
});
