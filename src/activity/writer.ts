/**
 * Writes batches of spooled events to the database, each batch in one transaction that inserts the events and adds
 * them to the daily totals, so the totals count each event exactly once and reports never scan raw events.
 *
 * The usual case, a batch of new events, goes by COPY (text format, rows built by the encoder: encode.ts copyRowOf)
 * followed by the totals counted in Node, in one transaction: on a PostgreSQL server through the writer's own pool
 * (openWriterDatabase, pg-copy-streams), on PGlite from a blob. Measured with bench/ingest.ts against the JSON insert
 * below: about 15 instead of 33 µs of server CPU per event on PostgreSQL, and on PGlite no JSON to parse twice in
 * WebAssembly (about 10 µs per event saved). A COPY cannot skip rows: a batch holding an event already stored fails as
 * a whole (unique_violation) and is rolled back; it is then copied into a temporary staging table and inserted from
 * there skipping what is stored, counting only what was inserted (INSERT_FROM_STAGING) — replays and retries stay
 * harmless and cost one more COPY, not the JSON insert. Any other data error on COPY goes the JSON way
 * (INSERT_SKIPPING_STORED), which decides alone what is refused, so COPY never sets an event aside that the JSON
 * insert would store.
 *
 * Repeated blocks (issue 18: a flood must cost bytes, not rows). The rule, which keeps every event stored exactly
 * once whatever the batch boundaries of a replay:
 *   - Only blocked events fold, and only with events of the same batch whose every detail but id and time is the
 *     same (foldKeyOf), within FOLD_WINDOW_MS of the first and in the same quarter-hour (so that the row's day is
 *     every event's day in any time zone). Allowed, warned and monitored requests are never folded.
 *   - The row is the first event's (its id and time), with count, last_at and the others' ids and times (folded,
 *     folded_ms): nothing about any event is lost, and each can be found by its id (store.ts findActivityHolding).
 *   - An event is stored when its id is a row's id or in a row's `folded`. Before folding, the batch's blocked events
 *     are looked up both ways (STORED_AMONG; folded rows are found through their own small index), and those found
 *     are left out. So [e1..e8] stored as one row, then replayed as [e1..e5] and [e6..e8], stores nothing; [e1..e5]
 *     stored and [e1..e8] replayed stores e6..e8 (as a row of its own, id e6).
 *   - Folded rows are inserted with their totals (sum of count) in one statement; the other events go as above. The
 *     two are separate transactions: after a crash between them, the replay finds the first part by the same rule.
 *   - One batch is written by one writer at a time (the pipeline's queue): two writers storing the same blocked
 *     events at once could both miss the other's rows. `stored` counts events, not rows.
 *
 * The JSON statements take the batch as one JSON text parameter — the spool lines themselves, joined — unpacked by
 * json_to_recordset: no per-row parameters (PostgreSQL allows 65,535 per statement) and no second encoding in Node.
 */
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../platform/db.ts';
import type { Database } from '../platform/schema.ts';
import { COPY_COLUMNS, copyRowOfLine, decodeLine, plainEventOfLine, TOTALS_BUCKET_MS, type StoredEvent } from './encode.ts';
import { ensureActivityPartitions } from './partitions.ts';

/**
 * What the pipeline hands a writer: spooled lines, the UTC days (partitions) they fall in and, when known, each
 * line's daily-totals key (encode.ts totalKeyOf), which lets a batch of new events skip counting in the database, and
 * each line's COPY row (encode.ts copyRowOf; derived from the lines when absent).
 */
export interface ActivityBatch { lines: string[]; days: Iterable<number>; totals?: string[]; rows?: string[] }

/** Where batches go: the database here; a filter node will push them to its control plane instead. */
export interface ActivityBatchWriter {
  /** Stores the batch; resolves with how many events were new. Throws ActivityRejectedError for bad data. */
  write(batch: ActivityBatch): Promise<{ stored: number }>;
}

/** The data itself was refused (not the connection): retrying the same batch would fail again. */
export class ActivityRejectedError extends Error {}

/** The events in $1 (the spool lines as one JSON array) as rows of activity. */
const INSERT_EVENTS = `
  insert into activity (id, time, school_id, person_id, username, device_id, ip, host, domain, url, search_term,
                        category_id, action, reason, policy_id, rule_id, source_id, circumvention, front_end, node, acknowledged)
  select id, to_timestamp("time" / 1000.0), "schoolId", "personId", username, "deviceId", ip, host, domain, url, "searchTerm",
         "categoryId", action, reason, "policyId", "ruleId", "sourceId", coalesce(circumvention, false), "frontEnd", node,
         coalesce(acknowledged, false)
  from json_to_recordset($1::json) as e(id uuid, "time" float8, "schoolId" uuid, "personId" uuid, username text,
    "deviceId" text, ip inet, host text, domain text, url text, "searchTerm" text, "categoryId" text, action text,
    reason text, "policyId" text, "ruleId" text, "sourceId" text, circumvention boolean, "frontEnd" text, node text,
    acknowledged boolean)`;

/** The totals of a batch of new events (counted in Node: $1 per quarter-hour, $2 the time zone). */
const ADD_COUNTED_TOTALS = `
  insert into activity_daily (school_id, day, category_id, action, policy_id, events)
  select s, (to_timestamp(q * ${TOTALS_BUCKET_MS / 1000}) at time zone $2)::date, c, a, p, sum(n)
  from json_to_recordset($1::json) as t(s uuid, q bigint, c text, a text, p text, n bigint)
  group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5
  on conflict (school_id, day, category_id, action, policy_id) do update set events = activity_daily.events + excluded.events`;

const COPY_EVENTS = `copy activity (${COPY_COLUMNS}) from stdin`;
const COPY_EVENTS_PGLITE = `copy activity (${COPY_COLUMNS}) from '/dev/blob'`;

/**
 * Replays: the batch is copied into a temporary table, then inserted from it skipping events already stored, and
 * only what was inserted is counted ($1: the time zone). One COPY and one statement, whatever share is stored already.
 */
const CREATE_STAGING = `create temp table if not exists activity_incoming on commit delete rows as select ${COPY_COLUMNS} from activity with no data`;
const COPY_STAGING = `copy activity_incoming (${COPY_COLUMNS}) from stdin`;
const COPY_STAGING_PGLITE = `copy activity_incoming (${COPY_COLUMNS}) from '/dev/blob'`;

const ADD_TO_TOTALS = `
  on conflict (school_id, day, category_id, action, policy_id) do update set events = activity_daily.events + excluded.events`;

/**
 * The usual case, all new events: a plain INSERT, which skips ON CONFLICT's speculative insertion, with the totals
 * counted in Node ($2, per quarter-hour; $3 the time zone) rather than through RETURNING. Measured on the server:
 * about a fifth less work per event. A batch holding an event already stored fails as a whole (unique_violation)
 * and is sent again as INSERT_SKIPPING_STORED.
 */
const INSERT_NEW = `
  with totals as (
    insert into activity_daily (school_id, day, category_id, action, policy_id, events)
    select s, (to_timestamp(q * ${TOTALS_BUCKET_MS / 1000}) at time zone $3)::date, c, a, p, sum(n)
    from json_to_recordset($2::json) as t(s uuid, q bigint, c text, a text, p text, n bigint)
    group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5 ${ADD_TO_TOTALS}
  )
  ${INSERT_EVENTS}`;

/** Replays and retries: skips events already stored and counts only the rows it inserted ($2: the time zone). */
const INSERT_SKIPPING_STORED = `
  with ins as (${INSERT_EVENTS}
    on conflict do nothing
    returning time, school_id, category_id, action, policy_id
  ), totals as (
    insert into activity_daily (school_id, day, category_id, action, policy_id, events)
    select school_id, (time at time zone $2)::date, coalesce(category_id, ''), action, policy_id, count(*)
    from ins group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5 ${ADD_TO_TOTALS}
  )
  select count(*)::int as stored from ins`;

/** From the staging table: what is not stored yet, and its totals ($1: the time zone). */
const INSERT_FROM_STAGING = `
  with ins as (
    insert into activity (${COPY_COLUMNS}) select ${COPY_COLUMNS} from activity_incoming
    on conflict do nothing
    returning time, school_id, category_id, action, policy_id
  ), totals as (
    insert into activity_daily (school_id, day, category_id, action, policy_id, events)
    select school_id, (time at time zone $1)::date, coalesce(category_id, ''), action, policy_id, count(*)
    from ins group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5 ${ADD_TO_TOTALS}
  )
  select count(*)::int as stored from ins`;

/** Blocked requests with the same details within this time of the first are folded into one row (see the header). */
export const FOLD_WINDOW_MS = 60_000;

/**
 * Which of the blocked events in $1 (JSON: id, t) are stored already: as a row of their own, or folded into a row
 * that runs at the batch's first time or later ($2, the earliest t; the partial index activity_folded finds those).
 */
const STORED_AMONG = `
  with b as (select id, t from json_to_recordset($1::json) as b(id uuid, t timestamptz))
  select b.id::text as id from b join activity a on a.time = b.t and a.id = b.id
  union
  select f.id::text from activity a cross join lateral unnest(a.folded) as f(id) join b on b.id = f.id
  where a.count > 1 and a.last_at >= $2::timestamptz and a.time >= $2::timestamptz - interval '${FOLD_WINDOW_MS / 1000} seconds'`;

/** Folded rows ($1, JSON) with their totals, counting each row's `count` ($2: the time zone). */
const INSERT_FOLDED = `
  with ins as (
    insert into activity (id, time, school_id, person_id, username, device_id, ip, host, domain, url, search_term,
                          category_id, action, reason, policy_id, rule_id, source_id, circumvention, front_end, node,
                          acknowledged, count, last_at, folded, folded_ms)
    select id, to_timestamp("time" / 1000.0), "schoolId", "personId", username, "deviceId", ip, host, domain, url, "searchTerm",
           "categoryId", action, reason, "policyId", "ruleId", "sourceId", coalesce(circumvention, false), "frontEnd", node,
           coalesce(acknowledged, false), count, to_timestamp("lastAt" / 1000.0), folded, "foldedMs"
    from json_to_recordset($1::json) as e(id uuid, "time" float8, "schoolId" uuid, "personId" uuid, username text,
      "deviceId" text, ip inet, host text, domain text, url text, "searchTerm" text, "categoryId" text, action text,
      reason text, "policyId" text, "ruleId" text, "sourceId" text, circumvention boolean, "frontEnd" text, node text,
      acknowledged boolean, count int, "lastAt" float8, folded uuid[], "foldedMs" int[])
    on conflict do nothing
    returning time, school_id, category_id, action, policy_id, count
  ), totals as (
    insert into activity_daily (school_id, day, category_id, action, policy_id, events)
    select school_id, (time at time zone $2)::date, coalesce(category_id, ''), action, policy_id, sum(count)
    from ins group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5 ${ADD_TO_TOTALS}
  )
  select coalesce(sum(count), 0)::int as stored from ins`;

/** A blocked event of a batch that may be folded: its place in the batch, the event, and what it must share to fold. */
interface Foldable { i: number; e: StoredEvent; key: string }

/** Everything but the id and the time: events fold only when all of it is the same, so folding loses nothing. */
function foldKeyOf(e: StoredEvent): string {
  return JSON.stringify([e.schoolId, e.personId ?? null, e.username ?? null, e.deviceId ?? null, e.ip ?? null, e.host, e.domain,
    e.url ?? null, e.searchTerm ?? null, e.categoryId ?? null, e.action, e.reason, e.policyId, e.ruleId ?? null, e.sourceId ?? null,
    e.circumvention === true, e.acknowledged === true, e.frontEnd, e.node]);
}

/** The blocked events of a batch that could fold (plain values only: others go the JSON way one by one). */
function foldablesOf(batch: ActivityBatch): Foldable[] {
  const out: Foldable[] = [];
  const keys = batch.totals && batch.totals.length === batch.lines.length ? batch.totals : undefined;
  for (let i = 0; i < batch.lines.length; i++) {
    // The totals key holds the action: only blocked events are read again here.
    if (keys ? !keys[i].includes('\u0000block\u0000') : decodeLine(batch.lines[i])?.action !== 'block') continue;
    const e = plainEventOfLine(batch.lines[i]);
    if (e && e.action === 'block') out.push({ i, e, key: foldKeyOf(e) });
  }
  return out;
}

type FoldedRow = StoredEvent & { count: number; lastAt: number; folded: string[]; foldedMs: number[] };

/**
 * Folds blocked events not stored yet: per key, in time order, a row holds the events within FOLD_WINDOW_MS of its
 * first and in the same quarter-hour (so that its day and totals are the same in every time zone). Returns the rows
 * of two or more, and the places in the batch of the events left alone.
 */
function fold(events: Foldable[]): { rows: FoldedRow[]; alone: number[] } {
  const byKey = new Map<string, Foldable[]>();
  for (const f of events) {
    const list = byKey.get(f.key);
    if (list) list.push(f); else byKey.set(f.key, [f]);
  }
  const rows: FoldedRow[] = [];
  const alone: number[] = [];
  const close = (run: Foldable[]) => {
    if (run.length === 1) { alone.push(run[0].i); return; }
    const first = run[0].e;
    rows.push({
      ...first, count: run.length, lastAt: run[run.length - 1].e.time,
      folded: run.slice(1).map((f) => f.e.id), foldedMs: run.slice(1).map((f) => f.e.time - first.time),
    });
  };
  for (const list of byKey.values()) {
    list.sort((a, b) => a.e.time - b.e.time || (a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0));
    let run: Foldable[] = [];
    for (const f of list) {
      const head = run[0]?.e;
      if (head && (f.e.time - head.time > FOLD_WINDOW_MS || Math.floor(f.e.time / TOTALS_BUCKET_MS) !== Math.floor(head.time / TOTALS_BUCKET_MS))) {
        close(run);
        run = [];
      }
      run.push(f);
    }
    if (run.length > 0) close(run);
  }
  return { rows, alone };
}

/** The totals keys of a batch, counted, as the JSON rows INSERT_NEW reads. */
function totalsJson(keys: string[]): string {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const rows: Array<{ s: string; q: number; c: string; a: string; p: string; n: number }> = [];
  for (const [k, n] of counts) {
    const [s, q, c, a, p] = k.split('\u0000');
    rows.push({ s, q: Number(q), c, a, p, n });
  }
  return JSON.stringify(rows);
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity) mean the rows are at fault, not the connection. */
function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** Raised when a COPY is refused for its data: the batch then goes the JSON way (see the header). */
class CopyRefused extends Error {
  constructor(cause: unknown) { super((cause as Error).message, { cause }); }
}

/** The pools opened by openWriterDatabase, so that a writer on one of their Db can COPY through them. */
const poolOfDb = new WeakMap<Db, pg.Pool>();

/** The PGlite behind a Db's connection, if it is one (the embedded database): COPY from a blob needs PGlite itself. */
function pgliteOf(connection: unknown): PGlite | undefined {
  const inner = (connection as { pg?: unknown }).pg;
  return inner instanceof PGlite ? inner : undefined;
}

const isUniqueViolation = (e: unknown) => (e as { code?: unknown }).code === '23505';

/** A COPY stream on a pool client. */
function copyInto(client: pg.PoolClient, statement: string, data: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream: Writable = client.query(copyFrom(statement));
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data);
  });
}

/**
 * The batch by COPY through the writer's pool; resolves with how many events were new. A batch holding an event
 * already stored is copied again into the staging table and inserted from there (see the header).
 */
async function copyThroughPool(pool: pg.Pool, data: string, totals: string, count: number, timeZone: string): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    try {
      await copyInto(client, COPY_EVENTS, data);
    } catch (e) {
      await client.query('rollback');
      if (!isUniqueViolation(e)) throw isDataError(e) && !isMissingPartition(e) ? new CopyRefused(e) : e;
      await client.query('begin');
      try {
        await client.query(CREATE_STAGING);
        await copyInto(client, COPY_STAGING, data);
        const r = await client.query<{ stored: number }>(INSERT_FROM_STAGING, [timeZone]);
        await client.query('commit');
        return Number(r.rows[0]?.stored ?? 0);
      } catch (err) {
        await client.query('rollback');
        throw isDataError(err) && !isMissingPartition(err) ? new CopyRefused(err) : err;
      }
    }
    await client.query(ADD_COUNTED_TOTALS, [totals, timeZone]);
    await client.query('commit');
    return count;
  } catch (e) {
    // A connection that failed mid-transaction (cut, timed out) is not given back to the pool to be reused.
    if (!(e instanceof CopyRefused) && !isDataError(e)) broken = e as Error;
    else await client.query('rollback').catch((err: Error) => { broken = err; });
    throw e;
  } finally {
    client.release(broken);
  }
}

async function copyIntoPGlite(db: PGlite, data: string, totals: string, count: number, timeZone: string): Promise<number> {
  try {
    await db.transaction(async (tx) => {
      await tx.query(COPY_EVENTS_PGLITE, [], { blob: new Blob([data]) });
      await tx.query(ADD_COUNTED_TOTALS, [totals, timeZone]);
    });
    return count;
  } catch (e) {
    if (!isUniqueViolation(e)) throw isDataError(e) && !isMissingPartition(e) ? new CopyRefused(e) : e;
  }
  try {
    return await db.transaction(async (tx) => {
      await tx.exec(CREATE_STAGING);
      await tx.query(COPY_STAGING_PGLITE, [], { blob: new Blob([data]) });
      const r = await tx.query<{ stored: number }>(INSERT_FROM_STAGING, [timeZone]);
      return Number(r.rows[0]?.stored ?? 0);
    });
  } catch (e) {
    throw isDataError(e) && !isMissingPartition(e) ? new CopyRefused(e) : e;
  }
}

function isMissingPartition(e: unknown): boolean {
  return (e as { code?: unknown }).code === '23514' && /no partition/i.test((e as Error).message);
}

export class DatabaseActivityWriter implements ActivityBatchWriter {
  /** Days whose partition is known to exist; forgotten when an insert finds one missing (retention dropped it). */
  private readonly partitions = new Set<number>();

  constructor(private readonly db: Db, private readonly timeZone: string) {}

  async ensurePartitions(days: Iterable<number>): Promise<void> {
    const missing = [...days].filter((d) => !this.partitions.has(d));
    if (missing.length === 0) return;
    await ensureActivityPartitions(this.db, missing);
    for (const d of missing) this.partitions.add(d);
  }

  async write(batch: ActivityBatch): Promise<{ stored: number }> {
    await this.ensurePartitions(batch.days);
    try {
      return await this.run(batch);
    } catch (e) {
      if (isMissingPartition(e)) {
        this.partitions.clear();
        await this.ensurePartitions(batch.days);
        return this.run(batch);
      }
      throw e;
    }
  }

  /**
   * The batch by COPY: how many events were new; 'refused' when it has to go the JSON way (data COPY refused);
   * 'unavailable' when this database cannot COPY here (a server reached only through Kysely) or the batch has no
   * totals keys or holds a line that is not plain (encode.ts copyRowOfLine).
   */
  private async copy(batch: ActivityBatch): Promise<number | 'refused' | 'unavailable'> {
    if (!batch.totals || batch.totals.length !== batch.lines.length) return 'unavailable';
    let rows = batch.rows;
    if (!rows || rows.length !== batch.lines.length) {
      rows = [];
      for (const line of batch.lines) {
        const row = copyRowOfLine(line);
        if (row === undefined) return 'unavailable';
        rows.push(row);
      }
    }
    const data = rows.join('');
    const totals = totalsJson(batch.totals);
    const count = batch.lines.length;
    try {
      const pool = poolOfDb.get(this.db);
      if (pool) return await copyThroughPool(pool, data, totals, count, this.timeZone);
      // PGlite is one connection: holding it keeps every other query out of the transaction until it ends.
      return await this.db.getExecutor().provideConnection(async (connection) => {
        const pglite = pgliteOf(connection);
        if (!pglite) return 'unavailable' as const;
        return copyIntoPGlite(pglite, data, totals, count, this.timeZone);
      });
    } catch (e) {
      if (e instanceof CopyRefused) return 'refused'; // data the COPY refused: the JSON insert decides what is stored
      throw e;
    }
  }

  /** Which of these blocked events are stored already, as rows of their own or folded into one (STORED_AMONG). */
  private async storedAmong(events: Foldable[]): Promise<Set<string>> {
    let earliest = Infinity;
    for (const f of events) if (f.e.time < earliest) earliest = f.e.time;
    const json = JSON.stringify(events.map((f) => ({ id: f.e.id, t: new Date(f.e.time).toISOString() })));
    const r = await this.db.executeQuery<{ id: string }>(CompiledQuery.raw(STORED_AMONG, [json, new Date(earliest).toISOString()]));
    return new Set(r.rows.map((row) => row.id));
  }

  private async run(batch: ActivityBatch): Promise<{ stored: number }> {
    const foldables = foldablesOf(batch);
    if (foldables.length === 0) return this.runSingles(batch);
    // Blocked events: those stored already (a replay, whatever its boundaries) are left out, the rest folded.
    const stored = await this.storedAmong(foldables);
    const seen = new Set<string>();
    const fresh = foldables.filter((f) => !stored.has(f.e.id) && !seen.has(f.e.id) && seen.add(f.e.id));
    const { rows, alone } = fold(fresh);
    let n = 0;
    if (rows.length > 0) {
      try {
        const r = await this.db.executeQuery<{ stored: number }>(CompiledQuery.raw(INSERT_FOLDED, [JSON.stringify(rows), this.timeZone]));
        n += Number(r.rows[0]?.stored ?? 0);
      } catch (e) {
        if (isDataError(e) && !isMissingPartition(e)) throw new ActivityRejectedError((e as Error).message);
        throw e;
      }
    }
    // Everything else, blocked events left alone included, goes as single rows.
    const skip = new Set<number>();
    for (const f of foldables) skip.add(f.i);
    for (const i of alone) skip.delete(i);
    if (skip.size === batch.lines.length) return { stored: n };
    const pick = <T>(xs: T[] | undefined) => xs && xs.length === batch.lines.length ? xs.filter((_, i) => !skip.has(i)) : undefined;
    const singles: ActivityBatch = { lines: pick(batch.lines)!, totals: pick(batch.totals), rows: pick(batch.rows), days: batch.days };
    return { stored: n + (await this.runSingles(singles)).stored };
  }

  private async runSingles(batch: ActivityBatch): Promise<{ stored: number }> {
    const copied = await this.copy(batch);
    if (typeof copied === 'number') return { stored: copied };
    const json = `[${batch.lines.join(',')}]`;
    try {
      if (copied === 'unavailable' && batch.totals && batch.totals.length === batch.lines.length) {
        try {
          await this.db.executeQuery(CompiledQuery.raw(INSERT_NEW, [json, totalsJson(batch.totals), this.timeZone]));
          return { stored: batch.lines.length };
        } catch (e) {
          if ((e as { code?: unknown }).code !== '23505') throw e; // unique_violation: some of these are stored already
        }
      }
      const r = await this.db.executeQuery<{ stored: number }>(CompiledQuery.raw(INSERT_SKIPPING_STORED, [json, this.timeZone]));
      return { stored: Number(r.rows[0]?.stored ?? 0) };
    } catch (e) {
      if (isDataError(e) && !isMissingPartition(e)) throw new ActivityRejectedError((e as Error).message);
      throw e;
    }
  }
}

/**
 * The writer's own small pool on a PostgreSQL server, apart from the API's: a busy web UI cannot starve the writer of
 * connections, a statement stuck behind a lock is cancelled (and retried) after a minute, and a connection the server
 * cuts — a restart, pg_terminate_backend — is an error to retry, never an unhandled 'error' event.
 */
export function openWriterDatabase(databaseUrl: string, connections: number): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl, max: connections + 1, connectionTimeoutMillis: 5000, keepAlive: true,
    statement_timeout: 60_000, application_name: 'osprey activity writer',
  });
  pool.on('error', () => { /* an idle connection was cut: the pool replaces it */ });
  pool.on('connect', (client) => client.on('error', () => { /* cut while checked out: the query in flight fails and is retried */ }));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  poolOfDb.set(db, pool);
  return db;
}
