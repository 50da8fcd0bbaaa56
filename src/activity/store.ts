/**
 * SQL for reading activity (tables activity, activity_daily). Writing is the pipeline's (writer.ts).
 * Pages are keyset-paged by (time, id), newest first: each page is an index range scan whatever its depth, and every
 * filter uses an index that ends in time (see migrations/0006_activity.sql), so "newest first" needs no sort.
 */
import { sql, type SqlBool, type Expression, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { ActivityTable } from '../platform/schema.ts';

export interface ActivityFilters {
  /** A person, or the members of a group. */
  personIds?: string[];
  /** For a name the directory does not know (proxy log-ons of accounts since removed). */
  username?: string;
  deviceId?: string;
  /** An address (exact) or a network in CIDR form, already checked. */
  ip?: string;
  from?: Date;
  to?: Date;
  /** A category id, or '' for sites in no category. */
  categoryId?: string;
  action?: string;
  /** Only requests made after choosing Continue on a warning page. */
  acknowledged?: boolean;
  /** The host and everything under it: `domain` is its registrable domain (index), `host` the suffix to match. */
  host?: { host: string; domain: string | null };
}

export interface ActivityCursor { time: Date; id: string }

/**
 * A stored event as searches read it: the table's row less `domain` (an index column, derived from host) and the ids
 * and times of repeated blocks folded into it (migrations/0016): `count` says how many requests the row holds (1 for
 * a single request) and `last_at` when the last was made.
 */
export type ActivityRow = Omit<Selectable<ActivityTable>, 'domain' | 'folded' | 'folded_ms'>;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function conditions(schoolId: string, f: ActivityFilters, before?: ActivityCursor): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [sql<boolean>`a.school_id = ${schoolId}`];
  if (f.personIds) where.push(f.personIds.length === 1 ? sql`a.person_id = ${f.personIds[0]}` : sql`a.person_id = any(${f.personIds}::uuid[])`);
  if (f.username !== undefined) where.push(sql`a.username = ${f.username}`);
  if (f.deviceId !== undefined) where.push(sql`a.device_id = ${f.deviceId}`);
  if (f.ip !== undefined) where.push(f.ip.includes('/') ? sql`a.ip <<= ${f.ip}::inet` : sql`a.ip = ${f.ip}::inet`);
  if (f.from) where.push(sql`a.time >= ${f.from}`);
  if (f.to) where.push(sql`a.time < ${f.to}`);
  if (f.categoryId !== undefined) where.push(f.categoryId === '' ? sql`a.category_id is null` : sql`a.category_id = ${f.categoryId}`);
  if (f.action !== undefined) {
    // Spelled out for anything but 'allow' so that the planner can use the partial index of non-allowed requests.
    where.push(f.action === 'allow' ? sql`a.action = 'allow'` : sql`a.action = ${f.action} and a.action <> 'allow'`);
  }
  if (f.acknowledged) where.push(sql`a.acknowledged`);
  if (f.host) {
    const { host, domain } = f.host;
    if (domain) {
      where.push(sql`a.domain = ${domain}`);
      if (host !== domain) where.push(sql`(a.host = ${host} or a.host like ${`%.${likeEscape(host)}`})`);
    } else {
      where.push(sql`(a.domain = ${host} or a.host like ${`%.${likeEscape(host)}`})`);
    }
  }
  if (before) {
    // The plain time bound lets PostgreSQL skip newer day partitions; the row comparison breaks ties by id.
    where.push(sql`a.time <= ${before.time}`);
    where.push(sql`(a.time, a.id) < (${before.time}, ${before.id}::uuid)`);
  }
  return where;
}

/** One page of events, newest first; `limit + 1` rows are read so the caller knows whether there are more. */
export async function findActivity(db: Db, schoolId: string, filters: ActivityFilters, page: { limit: number; before?: ActivityCursor }): Promise<ActivityRow[]> {
  const where = conditions(schoolId, filters, page.before);
  const r = await sql<ActivityRow>`
    select a.id, a.time, a.school_id, a.person_id, a.username, a.device_id, host(a.ip) as ip, a.host, a.url, a.search_term,
           a.category_id, a.action, a.reason, a.policy_id, a.rule_id, a.source_id, a.circumvention, a.front_end, a.node,
           a.acknowledged, a.count, a.last_at
    from activity a
    where ${sql.join(where, sql` and `)}
    order by a.time desc, a.id desc
    limit ${page.limit + 1}`.execute(db);
  return r.rows.map(rowOf);
}

const rowOf = (row: ActivityRow): ActivityRow => ({ ...row, time: new Date(row.time), count: Number(row.count), last_at: row.last_at ? new Date(row.last_at) : null });

/**
 * The stored row that holds an event (alert evidence names events by id): its own row, or the row of repeated blocks
 * it was folded into (writer.ts). `time` is the event's time, which bounds the search to a minute of one day.
 */
export async function findActivityHolding(db: Db, schoolId: string, eventId: string, time: Date): Promise<ActivityRow | undefined> {
  const r = await sql<ActivityRow>`
    select a.id, a.time, a.school_id, a.person_id, a.username, a.device_id, host(a.ip) as ip, a.host, a.url, a.search_term,
           a.category_id, a.action, a.reason, a.policy_id, a.rule_id, a.source_id, a.circumvention, a.front_end, a.node,
           a.acknowledged, a.count, a.last_at
    from activity a
    where a.school_id = ${schoolId} and a.time <= ${time} and a.time >= ${new Date(time.getTime() - 60 * 60_000)}
      and (a.id = ${eventId}::uuid or (a.count > 1 and ${eventId}::uuid = any(a.folded)))
    limit 1`.execute(db);
  return r.rows[0] && rowOf(r.rows[0]);
}

/** Every matching event, newest first, a page at a time (PGlite cannot stream a cursor; keyset pages are as cheap). */
export async function* allActivity(db: Db, schoolId: string, filters: ActivityFilters, pageSize = 5000): AsyncGenerator<ActivityRow[]> {
  let before: ActivityCursor | undefined;
  for (;;) {
    const rows = await findActivity(db, schoolId, filters, { limit: pageSize - 1, before });
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    before = { time: last.time, id: last.id };
  }
}

export interface DailyTotal { day: string; categoryId: string | null; action: string; policyId: string; events: number }

/** Daily totals for reports (R4.1, governors): per day × category × action × policy, from the rollup table only. */
export async function activityTotals(db: Db, schoolId: string, fromDay: string, toDay: string, opts: { action?: string } = {}): Promise<DailyTotal[]> {
  let q = db.selectFrom('activity_daily')
    .select([sql<string>`day::text`.as('day'), 'category_id', 'action', 'policy_id', 'events'])
    .where('school_id', '=', schoolId).where('day', '>=', fromDay).where('day', '<=', toDay);
  if (opts.action) q = q.where('action', '=', opts.action);
  const rows = await q.orderBy('day').orderBy('category_id').orderBy('action').orderBy('policy_id').execute();
  return rows.map((r) => ({ day: r.day, categoryId: r.category_id || null, action: r.action, policyId: r.policy_id, events: Number(r.events) }));
}
