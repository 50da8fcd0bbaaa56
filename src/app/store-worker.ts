/**
 * The store thread itself (see store-thread.ts for why it exists). It opens the database — PGlite here when the
 * school uses the embedded one, so that no statement ever runs on the main thread — serves the main thread's
 * statements ahead of any background work, and hosts the activity pipeline (spool, writer, replay) and the
 * monitoring stage that scores each committed batch.
 *
 * Like server.ts this is the composition root's work: it is the one place in platform that starts activity and
 * monitoring.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { startActivityPipeline, type ActivityPipeline } from '../activity/pipeline.ts';
import { Spool } from '../activity/spool.ts';
import { EMPTY_STATS } from '../activity/remote-pipeline.ts';
import type { ActivityEvent } from '../activity/types.ts';
import { MonitoringStage } from '../monitoring/stage.ts';
import { AuditKeyPlugin } from '../platform/audit.ts';
import { systemClock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { ConnectionGate, executeOnPGlite, PGliteDialect } from '../platform/pglite-dialect.ts';
import type { Database } from '../platform/schema.ts';
import { carryError, type FromStore, type StoreThreadInit, type ToStore } from '../platform/store-thread.ts';

/** What `activity.start` carries: the pipeline's options that can cross a thread. */
export interface HostedActivityOptions {
  node: string;
  timeZone?: string;
  retentionDays?: number;
  publicUrl: string;
  spoolMaxBytes?: number;
}

export interface HostedStats {
  activity: ReturnType<ActivityPipeline['stats']>;
  monitoring: ReturnType<MonitoringStage['stats']>;
  /** Turns waiting for PGlite's one connection (0 on PostgreSQL). */
  databaseQueue: number;
}

const port = parentPort!;
const init = workerData as StoreThreadInit;
const send = (m: FromStore) => port.postMessage(m);

pg.types.setTypeParser(20, (v: string) => Number(v));

function logger(level: 'info' | 'warn' | 'error') {
  return (obj: object, msg: string) => {
    const carried: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) carried[k] = v instanceof Error ? carryError(v) : v;
    send({ t: 'notice', kind: 'log', body: { level, obj: carried, msg } });
  };
}
const log = { info: logger('info'), warn: logger('warn'), error: logger('error') };

let pglite: PGlite | undefined;
let gate: ConnectionGate | undefined;
let db: Db;
let pool: pg.Pool | undefined;
let pipeline: ActivityPipeline | undefined;
let monitoring: MonitoringStage | undefined;
let statsTimer: NodeJS.Timeout | undefined;
const publicUrl = { value: '' };
let startReplay: () => void = () => {};
/** Turns the main thread holds on PGlite, by number. */
const held = new Map<number, () => void>();
let nextConn = 1;

async function open(): Promise<void> {
  const keyed = (k: Db): Db => init.auditKey ? k.withPlugin(new AuditKeyPlugin(Buffer.from(init.auditKey))) : k;
  if (init.databaseUrl) {
    pool = new pg.Pool({ connectionString: init.databaseUrl, max: 4, connectionTimeoutMillis: 5000 });
    pool.on('error', () => { /* replaced on the next query */ });
    pool.on('connect', (client) => client.on('error', () => {}));
    db = keyed(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
    return;
  }
  const dir = path.join(init.dataDir, 'db');
  mkdirSync(dir, { recursive: true });
  pglite = await PGlite.create(dir);
  gate = new ConnectionGate();
  db = keyed(new Kysely<Database>({ dialect: new PGliteDialect(pglite, { gate }) }));
}

function stats(): HostedStats {
  return {
    activity: pipeline ? pipeline.stats() : { ...EMPTY_STATS },
    monitoring: monitoring ? monitoring.stats() : { scored: 0, alertsRaised: 0, evidenceAdded: 0, queuedBatches: 0, failures: 0 },
    databaseQueue: gate?.waiting ?? 0,
  };
}

async function startActivity(o: HostedActivityOptions): Promise<void> {
  publicUrl.value = o.publicUrl;
  monitoring = new MonitoringStage({ db, clock: systemClock, publicUrl: () => publicUrl.value, log });
  // The backlog waits until the main thread's front-ends are up (notice 'front-ends-up'), or half a minute at most.
  const replayAfter = new Promise<void>((resolve) => {
    startReplay = resolve;
    setTimeout(resolve, 30_000).unref();
  });
  pipeline = await startActivityPipeline({
    replayAfter,
    db, databaseKind: init.databaseUrl ? 'postgres' : 'embedded', databaseUrl: init.databaseUrl, dataDir: init.dataDir, node: o.node,
    timeZone: o.timeZone, retentionDays: o.retentionDays, log, onStored: monitoring.onStored,
    ...(o.spoolMaxBytes ? { tuning: { maxSpoolBytes: o.spoolMaxBytes } } : {}),
  });
  const m = monitoring;
  void m.catchUp().catch((e: unknown) => log.error({ err: e }, 'monitoring: catching up after the start failed; new activity is still scored'));
  statsTimer = setInterval(() => send({ t: 'notice', kind: 'stats', body: stats() }), 250);
  statsTimer.unref();
}

async function stop(drainMs: number): Promise<void> {
  clearInterval(statsTimer);
  await pipeline?.stop({ drainMs });
  await monitoring?.stop();
  send({ t: 'notice', kind: 'stats', body: stats() });
  for (const release of held.values()) release();
  held.clear();
  if (pglite && !pglite.closed) {
    await pglite.close();
    // PGlite never syncs its files; once they are on disk, spool files kept only against a power cut can go, and a
    // clean stop leaves nothing to replay.
    const kept = pipeline?.committedAtStop?.() ?? [];
    if (kept.length > 0 && syncToDisk(path.join(init.dataDir, 'db'))) await Spool.deleteCommitted(kept);
  }
  await pool?.end().catch(() => {});
}

/** Flushes the file system holding `dir` (syncfs through `sync -f`; each file's fsync if that is missing). */
function syncToDisk(dir: string): boolean {
  try {
    execFileSync('sync', ['-f', dir], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    try {
      const walk = (d: string): void => {
        for (const entry of readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, entry.name);
          if (entry.isDirectory()) walk(p);
          else if (entry.isFile()) { const fd = openSync(p, 'r'); try { fsyncSync(fd); } finally { closeSync(fd); } }
        }
      };
      walk(dir);
      return true;
    } catch (e) {
      log.warn({ err: e }, 'activity: the database files could not be synced; the spool is kept and replayed at the next start');
      return false;
    }
  }
}

async function answer(kind: string, body: unknown): Promise<unknown> {
  switch (kind) {
    case 'activity.start': await startActivity(body as HostedActivityOptions); return undefined;
    case 'activity.flush': await pipeline?.flush(); return undefined;
    case 'activity.drain': return pipeline ? pipeline.drain((body as { timeoutMs?: number } | undefined)?.timeoutMs) : true;
    case 'monitoring.drain': await monitoring?.drain(); return undefined;
    case 'monitoring.catch-up': return monitoring ? monitoring.catchUp() : 0;
    case 'stats': return stats();
    case 'stop': await stop((body as { drainMs?: number } | undefined)?.drainMs ?? 5000); return undefined;
    default: throw new Error(`the store thread has no request "${kind}"`);
  }
}

port.on('message', (m: ToStore) => {
  switch (m.t) {
    case 'acquire':
      if (!gate) { send({ t: 'failed', id: m.id, error: carryError(new Error('the store thread holds no embedded database')) }); return; }
      void gate.acquire(true).then((release) => {
        const conn = nextConn++;
        held.set(conn, release);
        send({ t: 'acquired', id: m.id, conn });
      });
      return;
    case 'query':
      if (!pglite || !held.has(m.conn)) { send({ t: 'failed', id: m.id, error: carryError(new Error('this connection to the embedded database is not open')) }); return; }
      executeOnPGlite(pglite, m.sql, m.params).then(
        (r) => send({ t: 'result', id: m.id, rows: r.rows, ...(r.numAffectedRows !== undefined ? { affected: String(r.numAffectedRows) } : {}) }),
        (e: unknown) => send({ t: 'failed', id: m.id, error: carryError(e) }));
      return;
    case 'release': {
      const release = held.get(m.conn);
      held.delete(m.conn);
      release?.();
      return;
    }
    case 'request':
      answer(m.kind, m.body).then(
        (body) => {
          send({ t: 'answer', id: m.id, body });
          // Stopped: nothing more will come, and the thread ends once its last writes are done.
          if (m.kind === 'stop') port.close();
        },
        (e: unknown) => send({ t: 'failed', id: m.id, error: carryError(e) }));
      return;
    case 'notice':
      if (m.kind === 'activity.events' && pipeline) for (const e of m.body as ActivityEvent[]) pipeline.emit(e);
      else if (m.kind === 'public-url') publicUrl.value = m.body as string;
      else if (m.kind === 'front-ends-up') startReplay();
      return;
  }
});

open().then(() => send({ t: 'ready' }), (e: unknown) => send({ t: 'open-failed', error: carryError(e) }));
