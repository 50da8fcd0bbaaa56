/**
 * Filtering policies: read, change (with a reason, recorded in the append-only change log, R3.2), and the engine's
 * view of them. Every change bumps the policy's version; a stale save is refused instead of overwriting.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import type { Policy } from '../engine/types.ts';
import { CATEGORIES } from '../lists/taxonomy.ts';
import { defaultPolicies } from './defaults.ts';
import * as store from './store.ts';
import { validatePolicy, type PolicyDocument } from './validate.ts';

/** Creates the shipped default policies for a school that has none yet. Returns how many were created. */
export async function ensureDefaultPolicies(db: Db, schoolId: string, now: Date): Promise<number> {
  // The defaults are installed together, with the unidentified-devices policy; its presence means they are there
  // (a school may have added its own policies first, e.g. by importing a squidGuard configuration).
  const existing = await store.listPolicies(db, schoolId);
  if (existing.some((p) => p.unidentified)) return 0;
  const taken = new Set(existing.map((p) => p.key));
  const groups = await db.selectFrom('groups').select(['id', 'kind', 'name']).where('school_id', '=', schoolId).where('kind', '=', 'key_stage').execute();
  const keyStageIds = new Map(groups.map((g) => [g.name, g.id]));
  await db.transaction().execute(async (tx) => {
    for (const p of defaultPolicies().filter((d) => !taken.has(d.key))) {
      const targets = p.targets.flatMap((t) => (t.startsWith('key_stage:') ? (keyStageIds.has(t.slice(10)) ? [keyStageIds.get(t.slice(10))!] : []) : [t]));
      const id = randomUUID();
      await store.insertPolicy(tx, schoolId, { ...p, id, targets }, now);
      await store.appendFilterChange(tx, schoolId, { actorId: null, actorLabel: 'Osprey', entityType: 'policy', entityId: id, action: 'policy.created', reason: 'Default policy shipped with Osprey', before: null, after: { ...p, targets } }, now);
    }
  });
  return defaultPolicies().filter((d) => !taken.has(d.key)).length;
}

/** Key-stage groups created by an import after the defaults were made are linked to their default policy. */
export async function linkKeyStageGroups(db: Db, schoolId: string, now: Date): Promise<void> {
  const policies = await store.listPolicies(db, schoolId);
  const groups = await db.selectFrom('groups').select(['id', 'name']).where('school_id', '=', schoolId).where('kind', '=', 'key_stage').execute();
  const claimed = new Set(policies.flatMap((p) => p.targets));
  for (const d of defaultPolicies()) {
    const policy = policies.find((p) => p.key === d.key);
    if (!policy) continue;
    const add = d.targets.filter((t) => t.startsWith('key_stage:')).map((t) => groups.find((g) => g.name === t.slice(10))?.id).filter((id): id is string => Boolean(id) && !claimed.has(id!));
    if (add.length === 0) continue;
    await db.transaction().execute(async (tx) => {
      const before = await store.getPolicyForUpdate(tx, schoolId, policy.id);
      if (!before) return;
      const after = { ...before, targets: [...before.targets, ...add] };
      await store.savePolicy(tx, schoolId, after, now);
      await store.appendFilterChange(tx, schoolId, { actorId: null, actorLabel: 'Osprey', entityType: 'policy', entityId: policy.id, action: 'policy.targets_linked', reason: 'Key stage groups created by an import were linked to their default policy', before: { targets: before.targets }, after: { targets: after.targets } }, now);
    });
  }
}

export async function listPolicies(ctx: ServiceContext) {
  await ensureDefaultPolicies(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  await linkKeyStageGroups(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  return store.listPolicies(ctx.db, ctx.actor.schoolId);
}

export async function getPolicy(ctx: ServiceContext, id: string) {
  const p = await store.getPolicy(ctx.db, ctx.actor.schoolId, id);
  if (!p) throw notFound('That policy');
  return p;
}

export interface PolicyChange { document: PolicyDocument; reason: string; expectedVersion: number }

async function checkTargets(db: Db, schoolId: string, targets: string[]): Promise<string[]> {
  const groupIds = targets.filter((t) => !t.startsWith('role:'));
  const found = groupIds.length ? await db.selectFrom('groups').select('id').where('school_id', '=', schoolId).where('id', 'in', groupIds).execute() : [];
  const missing = groupIds.filter((id) => !found.some((f) => f.id === id));
  return missing.length ? [`${missing.length} of the groups chosen no longer exist. Reload the page and choose again.`] : [];
}

export async function updatePolicy(ctx: ServiceContext, id: string, change: PolicyChange) {
  if (change.reason.trim().length < 5) throw badRequest('Say why you are making this change (at least a few words). Governors review the change log.');
  const { policy: doc, problems } = validatePolicy(change.document, CATEGORIES);
  problems.push(...await checkTargets(ctx.db, ctx.actor.schoolId, doc.targets));
  if (problems.length) throw new AppError(400, 'invalid_policy', problems.join(' '), { problems });
  const now = ctx.clock.now();
  return withTransaction(ctx, async ({ db: tx }) => {
    const before = await store.getPolicyForUpdate(tx, ctx.actor.schoolId, id);
    if (!before) throw notFound('That policy');
    if (before.version !== change.expectedVersion) throw conflict('Someone else changed this policy while you were editing it. Reload the page to see their change, then make yours again.');
    const after = { ...before, ...doc };
    await store.savePolicy(tx, ctx.actor.schoolId, after, now);
    const { version: _v, updatedAt: _u, ...beforeDoc } = before;
    await store.appendFilterChange(tx, ctx.actor.schoolId, {
      actorId: ctx.actor.id, actorLabel: ctx.actor.label, entityType: 'policy', entityId: id, action: 'policy.updated',
      reason: change.reason.trim(), before: beforeDoc, after: { ...beforeDoc, ...doc },
    }, now);
    await appendAudit(tx, ctx.actor, { action: 'filter_policy.updated', entityType: 'filter_policy', entityId: id, details: { reason: change.reason.trim() } }, now);
    return (await store.getPolicy(tx, ctx.actor.schoolId, id))!;
  });
}

/** A new policy (e.g. from a squidGuard import): validated like an edit, logged with its reason, audited. */
export async function createPolicy(ctx: ServiceContext, key: string, document: PolicyDocument, reason: string): Promise<string> {
  if (reason.trim().length < 5) throw badRequest('Say why you are adding this policy (at least a few words). Governors review the change log.');
  const { policy: doc, problems } = validatePolicy(document, CATEGORIES);
  problems.push(...await checkTargets(ctx.db, ctx.actor.schoolId, doc.targets));
  if (problems.length) throw new AppError(400, 'invalid_policy', problems.join(' '), { problems });
  const now = ctx.clock.now();
  await ensureDefaultPolicies(ctx.db, ctx.actor.schoolId, now);
  const id = randomUUID();
  await withTransaction(ctx, async ({ db: tx }) => {
    const taken = await tx.selectFrom('filter_policies').select('id').where('school_id', '=', ctx.actor.schoolId).where('key', '=', key).executeTakeFirst();
    if (taken) throw conflict(`There is already a policy with the key '${key}'.`);
    await store.insertPolicy(tx, ctx.actor.schoolId, { ...doc, id, key, unidentified: false }, now);
    await store.appendFilterChange(tx, ctx.actor.schoolId, { actorId: ctx.actor.id, actorLabel: ctx.actor.label, entityType: 'policy', entityId: id, action: 'policy.created', reason: reason.trim(), before: null, after: { key, ...doc } }, now);
    await appendAudit(tx, ctx.actor, { action: 'filter_policy.created', entityType: 'filter_policy', entityId: id, details: { key, name: doc.name, reason: reason.trim() } }, now);
  });
  return id;
}

export async function listChanges(ctx: ServiceContext, q: { entityId?: string; before?: number; limit: number }) {
  return store.listFilterChanges(ctx.db, ctx.actor.schoolId, q);
}

/** The engine's view of a school's policies. Role targets stay as 'role:<role>' group ids (see identity). */
export async function policiesForEngine(db: Db, schoolId: string, now: Date): Promise<{ policies: Policy[]; unidentifiedPolicyId: string }> {
  await ensureDefaultPolicies(db, schoolId, now);
  await linkKeyStageGroups(db, schoolId, now);
  const stored = await store.listPolicies(db, schoolId);
  const unidentified = stored.find((p) => p.unidentified);
  if (!unidentified) throw new Error('no policy for unidentified devices');
  return {
    unidentifiedPolicyId: unidentified.id,
    policies: stored.map((p) => ({
      id: p.id, name: p.name, priority: p.priority, groupIds: p.targets, defaultAction: p.defaultAction, categoryActions: p.categoryActions,
      schedules: p.schedules, localBlock: p.localBlock, localAllow: p.localAllow, exceptions: [], safeSearch: p.safeSearch,
    })),
  };
}
