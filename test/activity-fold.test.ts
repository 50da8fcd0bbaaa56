/**
 * Repeated blocks stored as one row (issue 18): a device that asks for a blocked name 100,000 times costs a few rows,
 * not 100,000, while the reports, the daily totals and every event's id still count and find each request once.
 * The writer is driven directly with batches, as the activity pipeline hands them over, including replays after a
 * crash with other batch boundaries: nothing is counted twice and nothing not yet stored is skipped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ActivityEncoder } from '../src/activity/encode.ts';
import { newActivityId } from '../src/activity/ids.ts';
import { utcDayOf } from '../src/activity/partitions.ts';
import { activityTotals, findActivityHolding } from '../src/activity/store.ts';
import type { ActivityEvent } from '../src/activity/types.ts';
import { DatabaseActivityWriter, openWriterDatabase, type ActivityBatch } from '../src/activity/writer.ts';
import type { Db } from '../src/platform/db.ts';
import { ensureSchool } from '../src/platform/setup.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/database.ts';

const DAY = '2026-11-16';
const T0 = Date.parse(`${DAY}T09:00:00Z`);

describe('activity: repeated blocks are stored as one row, counted once', () => {
  let db: TestDatabase;
  let writerDb: Db;
  let writer: DatabaseActivityWriter;
  let schoolId: string;
  const encoder = new ActivityEncoder('control-plane');

  before(async () => {
    db = await createTestDatabase();
    schoolId = (await ensureSchool(db.db, 'Fold School', new Date(T0))).id;
    // On a server the writer has its own pool, as `osprey serve` runs it (COPY through pg-copy-streams).
    writerDb = onPostgres ? openWriterDatabase(db.url!, 1) : db.db;
    writer = new DatabaseActivityWriter(writerDb, 'Europe/London');
  });
  after(async () => {
    if (writerDb && writerDb !== db?.db) await writerDb.destroy();
    await db?.close();
  });

  const event = (time: number, fields: Partial<ActivityEvent> = {}): ActivityEvent => ({
    id: newActivityId(time), time, schoolId, deviceId: 'LAPTOP-8F', ip: '10.0.4.21', host: 'games.example.net', categoryId: 'games',
    action: 'block', reason: 'category', policyId: 'pupils', frontEnd: 'dns', node: 'control-plane', ...fields,
  });

  function batchOf(events: ActivityEvent[], withRows = true): ActivityBatch {
    const encoded = events.map((e) => encoder.encode(e));
    return {
      lines: encoded.map((x) => x.line), totals: encoded.map((x) => x.total), rows: withRows ? encoded.map((x) => x.row) : undefined,
      days: new Set(encoded.map((x) => utcDayOf(x.time))),
    };
  }
  const write = async (events: ActivityEvent[]) => (await writer.write(batchOf(events))).stored;

  /** Rows and requests stored for a host, and every request's id (each row's own and those folded into it). */
  async function storedFor(host: string) {
    const r = await sql<{ rows: number; requests: number; ids: number; distinct_ids: number }>`
      select count(*)::int as rows, coalesce(sum(count), 0)::int as requests,
             (select count(*)::int from (select id from activity where host = ${host} union all
                select unnest(folded) from activity where host = ${host}) x) as ids,
             (select count(distinct id)::int from (select id from activity where host = ${host} union all
                select unnest(folded) from activity where host = ${host}) x) as distinct_ids
      from activity where host = ${host}`.execute(db.db);
    return r.rows[0];
  }
  const blockedOn = async (day: string) => (await activityTotals(db.db, schoolId, day, day, { action: 'block' })).reduce((n, t) => n + t.events, 0);

  it('100,000 blocks of one name by one device: a few rows whose counts, and the day\'s totals, come to 100,000', async () => {
    // Five a millisecond for 20 seconds, in batches of 2,000 as the writer takes them.
    const events = Array.from({ length: 100_000 }, (_, i) => event(T0 + Math.floor(i / 5)));
    let stored = 0;
    for (let i = 0; i < events.length; i += 2000) stored += await write(events.slice(i, i + 2000));
    assert.equal(stored, 100_000);
    const s = await storedFor('games.example.net');
    assert.equal(s.requests, 100_000);
    assert.ok(s.rows <= 50, `${s.rows} rows`);
    assert.equal(s.ids, 100_000);
    assert.equal(s.distinct_ids, 100_000);
    assert.equal(await blockedOn(DAY), 100_000);

    // Every request is still found by its id (alert evidence names events by id), in the row that holds it.
    for (const e of [events[0], events[1], events[54_321], events[99_999]]) {
      const row = await findActivityHolding(db.db, schoolId, e.id!, new Date(e.time));
      assert.ok(row, `request ${e.id} is found`);
      assert.equal(row.host, 'games.example.net');
      assert.equal(row.device_id, 'LAPTOP-8F');
      assert.ok(row.count > 1 && row.time.getTime() <= e.time && row.last_at!.getTime() >= e.time);
    }

    // Replayed whole after a crash: nothing new, nothing counted again.
    assert.equal(await write(events.slice(0, 2000)), 0);
    assert.equal((await storedFor('games.example.net')).requests, 100_000);
    assert.equal(await blockedOn(DAY), 100_000);
  });

  it('a replay with other batch boundaries stores each request once, and stores what was not stored', async () => {
    const host = 'replay.example.org';
    const t = T0 + 3600_000;
    const e = Array.from({ length: 8 }, (_, i) => event(t + i * 100, { host }));
    // [e1..e8] stored as one row; the spool replays [e1..e5] and [e6..e8].
    assert.equal(await write(e), 8);
    assert.equal(await write(e.slice(0, 5)), 0);
    assert.equal(await write(e.slice(5)), 0);
    // [f1..f5] stored, [f6..f8] not: a replay of [f1..f8] stores f6..f8 alone.
    const f = Array.from({ length: 8 }, (_, i) => event(t + 10_000 + i * 100, { host }));
    assert.equal(await write(f.slice(0, 5)), 5);
    assert.equal(await write(f), 3);
    // Singles first, then the same requests in one batch (a single stored as its own row is found too).
    const g = Array.from({ length: 4 }, (_, i) => event(t + 20_000 + i * 100, { host }));
    assert.equal(await write([g[1]]), 1);
    assert.equal(await write([g[3]]), 1);
    assert.equal(await write(g), 2);
    assert.equal(await write(g), 0);

    const s = await storedFor(host);
    assert.equal(s.requests, 20);
    assert.equal(s.ids, 20);
    assert.equal(s.distinct_ids, 20);
    assert.ok(s.rows < 20, `${s.rows} rows for 20 requests`);
  });

  it('a long replay of mixed traffic, stored once in batches of 1,000 and replayed in batches of 700: every request once', async () => {
    const t = T0 + 2 * 3600_000;
    const hosts = ['a.example.com', 'b.example.com', 'c.example.com'];
    const events = Array.from({ length: 6000 }, (_, i) => event(t + i * 7, {
      host: hosts[i % 3], action: i % 4 === 0 ? 'allow' : 'block', reason: i % 4 === 0 ? 'default' : 'category', deviceId: `D${i % 2}`,
    }));
    let stored = 0;
    for (let i = 0; i < 4000; i += 1000) stored += await write(events.slice(i, i + 1000)); // then the crash
    assert.equal(stored, 4000);
    let replayed = 0;
    for (let i = 0; i < events.length; i += 700) replayed += await write(events.slice(i, i + 700));
    assert.equal(replayed, 2000);
    let requests = 0;
    for (const h of hosts) {
      const s = await storedFor(h);
      assert.equal(s.ids, s.distinct_ids, `no request of ${h} stored twice`);
      assert.equal(s.ids, s.requests);
      requests += s.requests;
    }
    assert.equal(requests, 6000);
    const totals = await activityTotals(db.db, schoolId, DAY, DAY);
    const count = (action: string) => totals.filter((x) => x.action === action && x.categoryId === 'games').reduce((n, x) => n + x.events, 0);
    assert.equal(count('allow'), 1500);
  });

  it('allowed requests are never folded: the same allowed request 1,000 times is 1,000 rows', async () => {
    const host = 'www.bbc.co.uk';
    const events = Array.from({ length: 1000 }, (_, i) => event(T0 + 4 * 3600_000 + i, { host, action: 'allow', reason: 'default', categoryId: 'news' }));
    assert.equal(await write(events), 1000);
    // Replayed in part with new requests: the stored ones are skipped (through the staging table), the new ones kept.
    const more = Array.from({ length: 500 }, (_, i) => event(T0 + 4 * 3600_000 + 1000 + i, { host, action: 'allow', reason: 'default', categoryId: 'news' }));
    assert.equal(await write([...events.slice(600), ...more]), 500);
    const s = await storedFor(host);
    assert.equal(s.rows, 1500);
    assert.equal(s.requests, 1500);
    const news = (await activityTotals(db.db, schoolId, DAY, DAY, { action: 'allow' })).filter((x) => x.categoryId === 'news');
    assert.equal(news.reduce((n, x) => n + x.events, 0), 1500);
  });

  it('lines read back from the spool (no COPY rows given) fold and count the same', async () => {
    const host = 'spool.example.net';
    const events = Array.from({ length: 300 }, (_, i) => event(T0 + 5 * 3600_000 + i, { host }));
    assert.equal((await writer.write(batchOf(events, false))).stored, 300);
    assert.equal((await writer.write(batchOf(events.slice(100), false))).stored, 0);
    const s = await storedFor(host);
    assert.equal(s.requests, 300);
    assert.equal(s.rows, 1);
  });
});
