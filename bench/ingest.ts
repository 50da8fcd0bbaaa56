/**
 * Activity ingest: events per second sustained through the whole pipeline — emit → spool (fdatasync) → batch insert
 * with daily totals — into PGlite (on disk, as `osprey serve` runs it) and into a scratch database on a PostgreSQL
 * server (dropped afterwards). Events are realistic: hosts and URLs from ../shared/data/bench/sitelist.txt, a few
 * hundred pupils and devices, categories and blocks in proportion. The producer keeps at most `BACKLOG` events
 * waiting, so the figure is what the pipeline sustains, not a burst into memory.
 * Then `*_replay_events_per_s`: the last REPLAY_EVENTS events written again straight to the writer, in the pipeline's
 * batches and as a replay after a crash hands them over (spool lines, no COPY rows): all already stored, so this is
 * what a restart costs for a spool whose events the database already holds (issue 18: such a batch once fell back to
 * the slow JSON insert as a whole).
 * Prints one line: `ingest: pglite_eps=… postgres_eps=… pglite_replay_events_per_s=… postgres_replay_events_per_s=…`.
 * Targets: 50,000 and 100,000.
 * Run: npm run bench:ingest   (--smoke: about 2 s each; BENCH_SECONDS overrides; BENCH_DATABASE_URL or
 * DATABASE_URL names the server, default postgres://postgres@127.0.0.1:5432/postgres; BENCH_ONLY=pglite|postgres;
 * BENCH_WRITERS, BENCH_BATCH: tuning; BENCH_VERBOSE=1: CPU per event, Node's and the server's)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { ActivityEncoder } from '../src/activity/encode.ts';
import { newActivityId } from '../src/activity/ids.ts';
import { utcDayOf } from '../src/activity/partitions.ts';
import { DatabaseActivityWriter, openWriterDatabase } from '../src/activity/writer.ts';
import { startActivityPipeline, type ActivityPipeline } from '../src/activity/pipeline.ts';
import type { ActivityEvent } from '../src/activity/types.ts';
import { openDatabase, type DatabaseHandle } from '../src/platform/db.ts';
import { migrate } from '../src/platform/migrations.ts';

const smoke = process.argv.includes('--smoke');
const SECONDS = Number(process.env.BENCH_SECONDS ?? (smoke ? 2 : 12));
const BACKLOG = 100_000;
const REPLAY_EVENTS = smoke ? 20_000 : 100_000;
const SERVER = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SITELIST = fileURLToPath(new URL('../../shared/data/bench/sitelist.txt', import.meta.url));

/** A few thousand event templates; each emitted event is a template with a fresh id and time. */
function templates(): Array<Omit<ActivityEvent, 'id' | 'time'>> {
  const urls = readFileSync(SITELIST, 'utf8').split('\n').filter((l) => l.startsWith('http'));
  const schoolId = randomUUID();
  const pupils = Array.from({ length: 600 }, (_, i) => ({ id: randomUUID(), username: `pupil${i}` }));
  const policies = Array.from({ length: 4 }, () => randomUUID());
  const categories = ['social-networking', 'games', 'gambling', 'advertising', 'news', 'search-engines', 'streaming', 'pornography'];
  return urls.map((u, i) => {
    const url = new URL(u);
    const pupil = i % 9 === 0 ? undefined : pupils[i % pupils.length]; // some devices are unidentified
    const categoryId = i % 3 === 0 ? categories[i % categories.length] : undefined;
    const blocked = categoryId === 'gambling' || categoryId === 'pornography' || i % 23 === 0;
    const search = url.hostname.includes('google.') && url.searchParams.get('q');
    return {
      schoolId, personId: pupil?.id, username: pupil?.username, deviceId: i % 4 === 0 ? `LAPTOP-${String(i % 240).padStart(3, '0')}` : undefined,
      ip: `10.20.${(i >> 8) & 63}.${i & 255}`, host: url.hostname, url: url.protocol === 'http:' ? u : undefined,
      searchTerm: search || undefined, categoryId, action: blocked ? 'block' : 'allow', reason: blocked ? 'category' : 'default',
      policyId: policies[i % policies.length], sourceId: categoryId ? 'ut1' : undefined, frontEnd: url.protocol === 'http:' ? 'proxy' : 'dns',
      node: 'control-plane',
    };
  });
}

async function run(name: string, handle: DatabaseHandle, dataDir: string, databaseUrl?: string): Promise<{ eps: number; replayEps: number }> {
  const pool = templates();
  // As `osprey serve` starts it: on a PostgreSQL server the writer has its own pool (databaseUrl).
  const pipeline: ActivityPipeline = await startActivityPipeline({ db: handle.db, databaseKind: handle.kind, databaseUrl, dataDir, tuning: tuningFromEnv() });
  const until = Date.now() + SECONDS * 1000;
  const cpu0 = process.cpuUsage();
  const server0 = await serverCpuMs(handle);
  const start = performance.now();
  let n = 0;
  const recent: ActivityEvent[] = [];
  while (Date.now() < until) {
    const s = pipeline.stats();
    if (s.emitted - s.stored > BACKLOG) { await new Promise((r) => setTimeout(r, 2)); continue; }
    for (let k = 0; k < 500; k++) {
      const time = Date.now();
      // An object literal, as a front-end builds one (a spread copy would be slower to read than any real event).
      const t = pool[n % pool.length];
      const e: ActivityEvent = {
        id: newActivityId(time), time, schoolId: t.schoolId, personId: t.personId, username: t.username, deviceId: t.deviceId, ip: t.ip,
        host: t.host, url: t.url, searchTerm: t.searchTerm, categoryId: t.categoryId, action: t.action, reason: t.reason,
        policyId: t.policyId, sourceId: t.sourceId, frontEnd: t.frontEnd, node: t.node,
      };
      pipeline.emit(e);
      recent[n++ % REPLAY_EVENTS] = e;
    }
    await new Promise((r) => setImmediate(r));
  }
  if (!(await pipeline.drain(120_000))) throw new Error(`${name}: the pipeline did not catch up within two minutes`);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = (await serverCpuMs(handle)) - server0;
  const stats = pipeline.stats();
  await pipeline.stop();
  // Repeated blocks are stored as one row (writer.ts): the events are the sum of the rows' counts.
  const { rows } = await sql<{ n: number }>`select coalesce(sum(count), 0)::int as n from activity`.execute(handle.db);
  if (rows[0].n !== n || stats.stored !== n) throw new Error(`${name}: emitted ${n} events but the database holds ${rows[0].n}`);
  const eps = Math.round(n / seconds);
  // CPU per event is steadier than events/s on a shared machine: it says what the pipeline costs, not what it got.
  if (process.env.BENCH_VERBOSE) {
    console.error(`${name}: ${n} events in ${seconds.toFixed(1)} s = ${eps}/s; Node CPU ${((cpu.user + cpu.system) / n).toFixed(1)} µs/event`
      + ` (system ${(cpu.system / n).toFixed(1)}); server CPU ${(serverMs * 1000 / n).toFixed(1)} µs/event`, stats);
  }
  return { eps, replayEps: await replay(name, handle, recent, databaseUrl) };
}

/** Writes stored events again, as a replay after a crash does; returns events per second (none may be stored again). */
async function replay(name: string, handle: DatabaseHandle, events: ActivityEvent[], databaseUrl?: string): Promise<number> {
  const writerDb = databaseUrl ? openWriterDatabase(databaseUrl, 1) : handle.db;
  try {
    const writer = new DatabaseActivityWriter(writerDb, 'Europe/London');
    const encoder = new ActivityEncoder('control-plane');
    const sorted = [...events].sort((a, b) => a.time! - b.time!);
    const batches = [];
    for (let i = 0; i < sorted.length; i += 10_000) {
      const encoded = sorted.slice(i, i + 10_000).map((e) => encoder.encode(e));
      batches.push({ lines: encoded.map((x) => x.line), totals: encoded.map((x) => x.total), days: new Set(encoded.map((x) => utcDayOf(x.time))) });
    }
    const start = performance.now();
    let stored = 0;
    for (const b of batches) stored += (await writer.write(b)).stored;
    const seconds = (performance.now() - start) / 1000;
    if (stored !== 0) throw new Error(`${name}: a replay of stored events stored ${stored} again`);
    return Math.round(sorted.length / seconds);
  } finally {
    if (writerDb !== handle.db) await writerDb.destroy();
  }
}

/** BENCH_WRITERS and BENCH_BATCH override the pipeline's writers and insertBatchEvents, to compare settings. */
function tuningFromEnv(): { writers?: number; insertBatchEvents?: number } {
  return {
    ...(process.env.BENCH_WRITERS ? { writers: Number(process.env.BENCH_WRITERS) } : {}),
    ...(process.env.BENCH_BATCH ? { insertBatchEvents: Number(process.env.BENCH_BATCH) } : {}),
  };
}

/** CPU used so far by the server processes serving this database (Linux, same machine), in milliseconds. */
async function serverCpuMs(handle: DatabaseHandle): Promise<number> {
  if (handle.kind !== 'postgres' || !process.env.BENCH_VERBOSE) return 0;
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(handle.db);
  let ticks = 0;
  for (const { pid } of rows) {
    try { ticks += readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0); } catch { /* gone */ }
  }
  return ticks * 10;
}

async function pglite(): Promise<{ eps: number; replayEps: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-ingest-'));
  try {
    const handle = await openDatabase({ dataDir, pglite: await PGlite.create(path.join(dataDir, 'db')) });
    await migrate(handle.db);
    try { return await run('pglite', handle, dataDir); } finally { await handle.close(); }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<{ eps: number; replayEps: number }> {
  const name = `osprey_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-ingest-'));
  try {
    const handle = await openDatabase({ dataDir, databaseUrl: url.toString() });
    await migrate(handle.db);
    try { return await run('postgres', handle, dataDir, url.toString()); } finally { await handle.close(); }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const only = process.env.BENCH_ONLY;
const none = { eps: 0, replayEps: 0 };
const p = only === 'postgres' ? none : await pglite();
const q = only === 'pglite' ? none : await postgres();
console.log(`ingest: pglite_eps=${p.eps} postgres_eps=${q.eps} pglite_replay_events_per_s=${p.replayEps} postgres_replay_events_per_s=${q.replayEps}`);
