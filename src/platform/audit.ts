/**
 * The audit log (R10.3): append-only and hash-chained. Each entry's hash covers its content and the previous entry's
 * hash, so changing or removing any entry breaks the chain from that point; `osprey audit verify` finds it.
 * Entries are written in the same transaction as the change they record.
 *
 * Issue 11: each entry also carries a MAC of its hash keyed with the installation secret, so someone with the database
 * alone (a PostgreSQL login, a stolen backup) cannot rewrite entries and recompute the chain. Cutting entries off the
 * end leaves a shorter chain that is still whole: `osprey audit verify` prints the last entry's number and hash for
 * the administrator to keep somewhere else, and `--head N:HASH` checks that entry is still there, unchanged.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Db } from './schema.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActor {
  id: string | null;
  /** Shown in the log: a username, 'system', or 'set-up link'. */
  label: string;
  ip?: string | null;
  schoolId?: string | null;
}

export interface AuditEvent {
  action: string;
  entityType: string;
  entityId?: string | null;
  details?: Record<string, unknown>;
}

interface ChainFields {
  seq: number;
  at: string;
  school_id: string | null;
  actor_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
}

/** Canonical JSON: keys sorted at every level, so the hash does not depend on how the database orders jsonb keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value instanceof Date ? value.toISOString() : value ?? null);
}

export function entryHash(e: ChainFields): string {
  return createHash('sha256').update(canonical(e)).digest('hex');
}

/**
 * Carries the audit key with a database handle: transactions inherit a Kysely instance's plugins, so every
 * `appendAudit(tx, …)` finds the key without it being passed through every service. It changes no query.
 */
export class AuditKeyPlugin implements KyselyPlugin {
  constructor(readonly key: Buffer) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode { return args.node; }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> { return args.result; }
}

/** The key for audit MACs, derived from the installation secret (secret.key). */
export function auditKeyFrom(installationKey: Buffer): Buffer {
  return createHmac('sha256', installationKey).update('osprey audit chain v1').digest();
}

function auditKeyOf(db: Db): Buffer | undefined {
  return db.getExecutor().plugins.find((p): p is AuditKeyPlugin => p instanceof AuditKeyPlugin)?.key;
}

const macOf = (key: Buffer, hash: string) => createHmac('sha256', key).update(hash).digest('hex');

/** Appends one entry. Pass the transaction the change runs in. */
export function appendAudit(db: Db, actor: AuditActor, event: AuditEvent, now: Date = new Date()): Promise<void> {
  return appendAuditMany(db, actor, [event], now);
}

/** Appends many entries in order with one insert per thousand (imports record one entry per person changed). */
export async function appendAuditMany(db: Db, actor: AuditActor, events: AuditEvent[], now: Date = new Date()): Promise<void> {
  if (events.length === 0) return;
  // The lock below lasts as long as the transaction, so a lone append gets a transaction of its own.
  if (!db.isTransaction) return db.transaction().execute((tx) => appendAuditMany(tx, actor, events, now));
  // Serialise appends so the chain stays a single line even with many writers on a PostgreSQL server.
  await sql`select pg_advisory_xact_lock(7350002)`.execute(db);
  const key = auditKeyOf(db);
  const last = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = last ? Number(last.seq) : 0;
  let prev = last?.hash ?? GENESIS_HASH;
  const rows = events.map((event) => {
    const fields: ChainFields = {
      seq: ++seq, at: now.toISOString(), school_id: actor.schoolId ?? null, actor_id: actor.id, actor_label: actor.label,
      action: event.action, entity_type: event.entityType, entity_id: event.entityId ?? null, ip: actor.ip ?? null,
      details: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>, prev_hash: prev,
    };
    prev = entryHash(fields);
    return { ...fields, details: JSON.stringify(fields.details), hash: prev, mac: key ? macOf(key, prev) : null };
  });
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('audit_log').values(rows.slice(i, i + 1000)).execute();
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first entry whose hash, link or MAC is wrong, and why. */
  firstBroken?: { seq: number; reason: string };
  /** The last entry checked: its number and hash, for the administrator to keep somewhere else. */
  head?: { seq: number; hash: string };
  /** Entries written before the log was keyed (before this version), all at the start. */
  unkeyed: number;
}

/**
 * Walks the whole chain in order, a page at a time. With `expectHead`, also checks that that entry (kept elsewhere
 * by the administrator) is still in the log with the same hash, so entries cut off the end are noticed.
 */
export async function verifyAuditChain(db: Db, opts: { pageSize?: number; expectHead?: { seq: number; hash: string } } = {}): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 5000;
  const key = auditKeyOf(db);
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  let unkeyed = 0;
  let keyedSeen = false;
  let head: VerifyResult['head'];
  const broken = (seq: number, reason: string): VerifyResult => ({ ok: false, checked, firstBroken: { seq, reason }, head, unkeyed });
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing (the next entry is ${seq})`);
      if (r.prev_hash !== prev) return broken(seq, 'it does not link to the entry before it');
      const fields: ChainFields = {
        seq, at: new Date(r.at).toISOString(), school_id: r.school_id, actor_id: r.actor_id, actor_label: r.actor_label,
        action: r.action, entity_type: r.entity_type, entity_id: r.entity_id, ip: r.ip,
        details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>, prev_hash: r.prev_hash,
      };
      if (entryHash(fields) !== r.hash) return broken(seq, 'its content has been changed since it was written');
      if (r.mac === null) {
        // Only the entries from before the log was keyed may have no MAC, and they all come first.
        if (keyedSeen) return broken(seq, 'it has no key mark, though entries before it do: it was written or rewritten outside Osprey');
        unkeyed++;
      } else {
        keyedSeen = true;
        if (key) {
          const want = Buffer.from(macOf(key, r.hash), 'hex');
          const got = Buffer.from(r.mac, 'hex');
          if (got.length !== want.length || !timingSafeEqual(got, want)) return broken(seq, 'its key mark is wrong: it was written or rewritten outside Osprey, or with another installation\'s key');
        }
      }
      prev = r.hash;
      head = { seq, hash: r.hash };
      expectedSeq = seq + 1;
      checked++;
    }
  }
  if (opts.expectHead) {
    const kept = await db.selectFrom('audit_log').select('hash').where('seq', '=', opts.expectHead.seq).executeTakeFirst();
    if (!kept) return broken(opts.expectHead.seq, `entry ${opts.expectHead.seq}, which you kept, is no longer in the log: entries have been cut off the end`);
    if (kept.hash !== opts.expectHead.hash) return broken(opts.expectHead.seq, `entry ${opts.expectHead.seq} does not have the hash you kept: the log has been rewritten`);
  }
  return { ok: true, checked, head, unkeyed };
}
