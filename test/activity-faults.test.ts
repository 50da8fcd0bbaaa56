/**
 * No event is lost to the two faults a school will meet: the server killed mid-load (kill -9, power cut of the
 * process) and the database going away while pupils keep browsing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { startActivityPipeline } from '../src/activity/pipeline.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';
import { makeEvents, newSchoolId } from './fixtures/activity/events.ts';

const EMITTER = fileURLToPath(new URL('./fixtures/activity/emitter.ts', import.meta.url));

/** Each search term (the event's number) and how many rows hold it, plus the daily totals, for one school. */
async function tally(db: import('../src/platform/db.ts').Db, schoolId: string) {
  const rows = (await sql<{ term: string; n: number }>`select search_term as term, count(*)::int as n from activity where school_id = ${schoolId} group by 1`.execute(db)).rows;
  const totals = (await sql<{ n: number }>`select coalesce(sum(events), 0)::int as n from activity_daily where school_id = ${schoolId}`.execute(db)).rows[0].n;
  return { counts: new Map(rows.map((r) => [r.term, r.n])), totals };
}

describe('activity faults', () => {
  it('kill -9 in the middle of a load: every event the emitter reported as flushed is stored exactly once', { timeout: 180_000 }, async (t) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-kill-'));
    const school = newSchoolId();
    // On PGlite the database lives in the data folder, and only one process may open it at a time.
    let db = await createTestDatabase({ dataDir });
    const url = db.url;
    if (!onPostgres) await db.close();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', EMITTER, dataDir, '400000', school], {
        env: { ...process.env, DATABASE_URL: url ?? '' }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let flushed = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        const m = /^flushed (\d+)$/.exec(line);
        if (m) flushed = Number(m[1]);
        if (flushed >= 40_000) { child.kill('SIGKILL'); break; }
        if (line === 'done') break;
      }
      // A killed process stays a zombie (and its pid alive) until reaped; the spool lock checks the pid.
      assert.equal(await exited, 'SIGKILL', 'the emitter was killed before it finished');
      const left = readdirSync(path.join(dataDir, 'spool')).filter((f) => f.endsWith('.jsonl'));
      assert.ok(left.length > 0, 'the killed process left events in its spool');

      if (!onPostgres) db = await createTestDatabase({ dataDir });
      const before = await tally(db.db, school);
      t.diagnostic(`flushed before the kill: ${flushed}; in the database at the kill: ${before.counts.size}; spool files: ${left.length}`);
      const pipeline = await startActivityPipeline({ db: db.db, databaseKind: db.kind, dataDir, tuning: { keepCommittedMs: 0 } });
      assert.equal(await pipeline.drain(120_000), true);
      await pipeline.stop();

      const after = await tally(db.db, school);
      const missing = Array.from({ length: flushed }, (_, i) => i).filter((i) => after.counts.get(String(i)) !== 1);
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} flushed events are missing or stored twice`);
      assert.ok([...after.counts.values()].every((n) => n === 1), 'no event is stored twice');
      assert.equal(after.totals, after.counts.size, 'the daily totals count each stored event once, crash or not');
      assert.deepEqual(readdirSync(path.join(dataDir, 'spool')).filter((f) => /^activity-\d+\.jsonl$/.test(f)), [], 'the replayed spool is cleared');
    } finally {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL connections cut again and again during load: events arrive once the database is back', { skip: !onPostgres && 'needs a PostgreSQL server (DATABASE_URL)', timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-outage-'));
    const db = await createTestDatabase();
    const school = newSchoolId();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const pipeline = await startActivityPipeline({ db: db.db, databaseKind: db.kind, databaseUrl: db.url, dataDir, tuning: { retryMinMs: 20, retryMaxMs: 200 } });
    try {
      const events = makeEvents(30_000, { schoolId: school, tag: 'cut' });
      let cutting = true;
      let cuts = 0;
      // Not stopping the shared server: every connection but the cutter's own is terminated, every 50 ms, for 3 s.
      const cutter = (async () => {
        while (cutting) {
          const r = await admin.query(`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
          cuts += r.rows[0].n;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const until = Date.now() + 3000;
      let i = 0;
      while (Date.now() < until) {
        for (const e of events.slice(i, i + 200)) pipeline.emit(e);
        i = Math.min(i + 200, events.length);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (const e of events.slice(i)) pipeline.emit(e);
      await pipeline.flush();
      cutting = false;
      await cutter;
      assert.ok(cuts > 0, 'connections were cut');
      assert.equal(await pipeline.drain(60_000), true);
      const after = await tally(db.db, school);
      assert.equal(after.counts.size, events.length);
      assert.equal(after.totals, events.length);
    } finally {
      await pipeline.stop();
      await admin.end();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
