/**
 * Filter nodes as the control plane knows them (R11.2): added by name with a token shown once, listed, removed.
 * The token is 32 random bytes; only its SHA-256 is stored, so a copy of the database does not let anyone pose as
 * a node. Every change is in the audit log.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendAudit, type AuditActor } from '../platform/audit.ts';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';

export interface FilterNodeRow { id: string; schoolId: string; name: string; createdAt: Date; lastSeenAt: Date | null; lastSeenIp: string | null }

const TOKEN_PREFIX = 'osprey-node-';
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/;

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export async function addFilterNode(db: Db, actor: AuditActor & { schoolId: string }, name: string, now: Date): Promise<{ node: FilterNodeRow; token: string }> {
  const clean = name.trim();
  if (!NAME.test(clean)) {
    throw new AppError(400, 'invalid_name', `'${name}' cannot be a filter node's name — use up to 63 letters, digits, spaces, dots, dashes or underscores, such as "Sixth form block"`);
  }
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  return db.transaction().execute(async (tx) => {
    const taken = await tx.selectFrom('filter_nodes').select('id').where('school_id', '=', actor.schoolId)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', clean.toLowerCase())).where('removed_at', 'is', null).executeTakeFirst();
    if (taken) throw new AppError(409, 'name_taken', `There is already a filter node called "${clean}". Choose another name, or remove the old one first.`);
    await tx.insertInto('filter_nodes').values({ id, school_id: actor.schoolId, name: clean, token_sha256: tokenHash(token), created_at: now }).execute();
    await appendAudit(tx, actor, { action: 'filter_node.added', entityType: 'filter_node', entityId: id, details: { name: clean } }, now);
    return { node: { id, schoolId: actor.schoolId, name: clean, createdAt: now, lastSeenAt: null, lastSeenIp: null }, token };
  });
}

export async function listFilterNodes(db: Db, schoolId: string): Promise<FilterNodeRow[]> {
  const rows = await db.selectFrom('filter_nodes').select(['id', 'school_id', 'name', 'created_at', 'last_seen_at', 'last_seen_ip'])
    .where('school_id', '=', schoolId).where('removed_at', 'is', null).orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, schoolId: r.school_id, name: r.name, createdAt: r.created_at, lastSeenAt: r.last_seen_at, lastSeenIp: r.last_seen_ip }));
}

export async function removeFilterNode(db: Db, actor: AuditActor & { schoolId: string }, name: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const row = await tx.updateTable('filter_nodes').set({ removed_at: now }).where('school_id', '=', actor.schoolId)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase())).where('removed_at', 'is', null)
      .returning('id').executeTakeFirst();
    if (!row) throw new AppError(404, 'unknown_filter_node', `There is no filter node called "${name}". "osprey filter-node list" shows them.`);
    await appendAudit(tx, actor, { action: 'filter_node.removed', entityType: 'filter_node', entityId: row.id, details: { name: name.trim() } }, now);
  });
}

/** The node a token belongs to, if it is current; notes when and from where it was last seen (at most once a minute). */
export async function nodeForToken(db: Db, token: string, ip: string, now: Date): Promise<FilterNodeRow | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const r = await db.selectFrom('filter_nodes').select(['id', 'school_id', 'name', 'created_at', 'last_seen_at', 'last_seen_ip'])
    .where('token_sha256', '=', tokenHash(token)).where('removed_at', 'is', null).executeTakeFirst();
  if (!r) return undefined;
  if (!r.last_seen_at || now.getTime() - new Date(r.last_seen_at).getTime() > 60_000 || r.last_seen_ip !== ip) {
    await db.updateTable('filter_nodes').set({ last_seen_at: now, last_seen_ip: ip }).where('id', '=', r.id).execute();
  }
  return { id: r.id, schoolId: r.school_id, name: r.name, createdAt: r.created_at, lastSeenAt: r.last_seen_at, lastSeenIp: r.last_seen_ip };
}
