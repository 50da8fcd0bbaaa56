/** SQL for filtering policies and the filter change log (tables filter_policies, filter_changes). */
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../platform/db.ts';
import type { FilterPoliciesTable } from '../../platform/schema.ts';
import type { LocalEntry, PolicyAction, ScheduleWindow } from '../engine/types.ts';

/** A policy as Osprey stores and shows it. `targets`: group ids and 'role:<role>' strings. */
export interface StoredPolicy {
  id: string;
  key: string;
  name: string;
  description: string;
  priority: number;
  defaultAction: PolicyAction;
  safeSearch: boolean;
  unidentified: boolean;
  categoryActions: Record<string, PolicyAction>;
  schedules: ScheduleWindow[];
  localBlock: LocalEntry[];
  localAllow: LocalEntry[];
  targets: string[];
  version: number;
  updatedAt: string;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function toPolicy(r: Selectable<FilterPoliciesTable>): StoredPolicy {
  return {
    id: r.id, key: r.key, name: r.name, description: r.description,
    priority: Number(r.priority), defaultAction: r.default_action as PolicyAction, safeSearch: Boolean(r.safe_search),
    unidentified: Boolean(r.unidentified), categoryActions: parse(r.category_actions), schedules: parse(r.schedules),
    localBlock: parse(r.local_block), localAllow: parse(r.local_allow), targets: parse(r.targets),
    version: Number(r.version), updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export async function listPolicies(db: Db, schoolId: string): Promise<StoredPolicy[]> {
  const rows = await db.selectFrom('filter_policies').selectAll().where('school_id', '=', schoolId).orderBy('priority', 'desc').orderBy('name').execute();
  return rows.map(toPolicy);
}

export async function getPolicy(db: Db, schoolId: string, id: string): Promise<StoredPolicy | undefined> {
  const r = await db.selectFrom('filter_policies').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
  return r && toPolicy(r);
}

/** Locks the row for the rest of the transaction, so two people saving at once cannot lose each other's change. */
export async function getPolicyForUpdate(db: Db, schoolId: string, id: string): Promise<StoredPolicy | undefined> {
  const r = await db.selectFrom('filter_policies').selectAll().where('school_id', '=', schoolId).where('id', '=', id).forUpdate().executeTakeFirst();
  return r && toPolicy(r);
}

export async function insertPolicy(db: Db, schoolId: string, p: Omit<StoredPolicy, 'version' | 'updatedAt'>, now: Date): Promise<void> {
  await db.insertInto('filter_policies').values({
    id: p.id, school_id: schoolId, key: p.key, name: p.name, description: p.description, priority: p.priority,
    default_action: p.defaultAction, safe_search: p.safeSearch, unidentified: p.unidentified,
    category_actions: JSON.stringify(p.categoryActions), schedules: JSON.stringify(p.schedules),
    local_block: JSON.stringify(p.localBlock), local_allow: JSON.stringify(p.localAllow), targets: JSON.stringify(p.targets),
    version: 1, created_at: now, updated_at: now,
  }).execute();
}

export async function savePolicy(db: Db, schoolId: string, p: StoredPolicy, now: Date): Promise<void> {
  await db.updateTable('filter_policies').set({
    name: p.name, description: p.description, priority: p.priority, default_action: p.defaultAction, safe_search: p.safeSearch,
    category_actions: JSON.stringify(p.categoryActions), schedules: JSON.stringify(p.schedules),
    local_block: JSON.stringify(p.localBlock), local_allow: JSON.stringify(p.localAllow), targets: JSON.stringify(p.targets),
    version: p.version + 1, updated_at: now,
  }).where('school_id', '=', schoolId).where('id', '=', p.id).execute();
}

export interface FilterChange {
  seq: number;
  at: string;
  actorLabel: string;
  entityType: string;
  entityId: string;
  action: string;
  reason: string;
  before: unknown;
  after: unknown;
  approvedBy: string | null;
}

export interface NewFilterChange {
  actorId: string | null;
  actorLabel: string;
  entityType: 'policy' | 'list_source';
  entityId: string;
  action: string;
  reason: string;
  before: unknown;
  after: unknown;
  approvedBy?: string | null;
}

/** Appends to the change log in the caller's transaction; numbered without gaps per installation. */
export async function appendFilterChange(db: Db, schoolId: string, c: NewFilterChange, now: Date): Promise<void> {
  await sql`select pg_advisory_xact_lock(7350003)`.execute(db);
  const last = await db.selectFrom('filter_changes').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  await db.insertInto('filter_changes').values({
    seq: (last ? Number(last.seq) : 0) + 1, school_id: schoolId, at: now, actor_id: c.actorId, actor_label: c.actorLabel,
    entity_type: c.entityType, entity_id: c.entityId, action: c.action, reason: c.reason,
    before: c.before === undefined || c.before === null ? null : JSON.stringify(c.before),
    after: c.after === undefined || c.after === null ? null : JSON.stringify(c.after),
    approved_by: c.approvedBy ?? null,
  }).execute();
}

export async function listFilterChanges(db: Db, schoolId: string, q: { entityId?: string; before?: number; limit: number }): Promise<FilterChange[]> {
  let query = db.selectFrom('filter_changes').selectAll().where('school_id', '=', schoolId);
  if (q.entityId) query = query.where('entity_id', '=', q.entityId);
  if (q.before) query = query.where('seq', '<', q.before);
  const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    seq: Number(r.seq), at: new Date(r.at).toISOString(), actorLabel: r.actor_label, entityType: r.entity_type, entityId: r.entity_id,
    action: r.action, reason: r.reason, before: parse(r.before), after: parse(r.after), approvedBy: r.approved_by,
  }));
}
