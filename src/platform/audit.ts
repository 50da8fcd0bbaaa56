/**
 * The audit log (R10.3): append-only and hash-chained. Each entry's hash covers its content and the previous entry's
 * hash, so changing or removing any entry breaks the chain from that point; `osprey audit verify` finds it.
 * Entries are written in the same transaction as the change they record.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './db.ts';

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
    return { ...fields, details: JSON.stringify(fields.details), hash: prev };
  });
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('audit_log').values(rows.slice(i, i + 1000)).execute();
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first entry whose hash or link is wrong, and why. */
  firstBroken?: { seq: number; reason: string };
}

/** Walks the whole chain in order, a page at a time. */
export async function verifyAuditChain(db: Db, pageSize = 5000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) return { ok: true, checked };
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: `entry ${expectedSeq} is missing (the next entry is ${seq})` } };
      if (r.prev_hash !== prev) return { ok: false, checked, firstBroken: { seq, reason: 'it does not link to the entry before it' } };
      const fields: ChainFields = {
        seq, at: new Date(r.at).toISOString(), school_id: r.school_id, actor_id: r.actor_id, actor_label: r.actor_label,
        action: r.action, entity_type: r.entity_type, entity_id: r.entity_id, ip: r.ip,
        details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>, prev_hash: r.prev_hash,
      };
      if (entryHash(fields) !== r.hash) return { ok: false, checked, firstBroken: { seq, reason: 'its content has been changed since it was written' } };
      prev = r.hash;
      expectedSeq = seq + 1;
      checked++;
    }
  }
}
