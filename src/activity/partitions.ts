/**
 * The activity table is partitioned by UTC day (on PGlite too: it runs the same PostgreSQL), one table per day named
 * activity_pYYYYMMDD. Retention then drops whole days — instant, and no dead rows for VACUUM — rather than deleting
 * millions of rows. Partitions are created ahead by the writer; creating or dropping one briefly locks the parent.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';

export const DAY_MS = 86_400_000;
// Serialises partition changes between writers (several processes may share one PostgreSQL server).
const PARTITION_LOCK = 7350006;

export function utcDayOf(time: number): number {
  return Math.floor(time / DAY_MS);
}

export function partitionName(day: number): string {
  return `activity_p${new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

function dayOfPartition(name: string): number | undefined {
  const m = /^activity_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? utcDayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
}

/** Creates the day partitions that do not exist yet. Safe to call from several writers at once. */
export async function ensureActivityPartitions(db: Db, days: Iterable<number>): Promise<void> {
  const wanted = [...new Set(days)].sort((a, b) => a - b);
  if (wanted.length === 0) return;
  const names = wanted.map(partitionName);
  const existing = await sql<{ name: string }>`select relname as name from pg_class where relname = any(${names}::text[]) and relkind = 'r'`.execute(db);
  const have = new Set(existing.rows.map((r) => r.name));
  const missing = wanted.filter((d) => !have.has(partitionName(d)));
  if (missing.length === 0) return;
  const creates = missing.map((day) => {
    const from = new Date(day * DAY_MS).toISOString();
    const to = new Date((day + 1) * DAY_MS).toISOString();
    return `create table if not exists ${partitionName(day)} partition of activity for values from ('${from}') to ('${to}');`;
  });
  await changePartitions(db, creates.join('\n'));
}

/**
 * Runs partition DDL as one statement (a DO block) under the partition lock. One statement, not a client-side
 * transaction: a pooled connection held between statements is exposed to a connection cut with nobody listening.
 * The names and bounds are generated here from day numbers, never from input.
 */
async function changePartitions(db: Db, ddl: string): Promise<void> {
  await sql.raw(`do $osprey$ begin
    perform pg_advisory_xact_lock(${PARTITION_LOCK});
    -- Waiting long behind a report query for the parent's lock would stall every insert queued behind us.
    perform set_config('lock_timeout', '10s', true);
    ${ddl}
  end $osprey$`).execute(db);
}

export interface ActivityPartition { name: string; day: number; from: Date; to: Date }

export async function listActivityPartitions(db: Db): Promise<ActivityPartition[]> {
  const r = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'activity'::regclass order by c.relname`.execute(db);
  const out: ActivityPartition[] = [];
  for (const { name } of r.rows) {
    const day = dayOfPartition(name);
    if (day !== undefined) out.push({ name, day, from: new Date(day * DAY_MS), to: new Date((day + 1) * DAY_MS) });
  }
  return out;
}

/**
 * R4.1 retention: drops every day whose events are all older than `days` days at `now`. Events are therefore kept
 * for at least `days` days and gone within one more. The daily totals (no personal details) are kept for reports.
 */
export async function applyActivityRetention(db: Db, now: Date, days: number): Promise<{ dropped: string[] }> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`activity retention must be a whole number of days, at least 1 (got ${days})`);
  const cutoff = now.getTime() - days * DAY_MS;
  const old = (await listActivityPartitions(db)).filter((p) => p.to.getTime() <= cutoff);
  const dropped: string[] = [];
  for (const p of old) {
    await changePartitions(db, `drop table if exists ${p.name};`);
    dropped.push(p.name);
  }
  return { dropped };
}
