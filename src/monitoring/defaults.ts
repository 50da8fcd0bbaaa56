/**
 * A school's monitoring starts with Osprey's starter phrase lists (src/monitoring/phrases/) and the default alert
 * rules (rules.ts), copied in once — the first time monitoring or its pages are used for the school. From then on
 * they are the school's own to change.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import { readStarterLists } from './importer.ts';
import { DEFAULT_RULES } from './rules.ts';
import { upsertPhrases } from './store.ts';

const seeded = new WeakMap<Db, Set<string>>();

export async function ensureMonitoringDefaults(db: Db, schoolId: string, now: Date): Promise<void> {
  const known = seeded.get(db) ?? new Set<string>();
  seeded.set(db, known);
  if (known.has(schoolId)) return;
  await db.transaction().execute(async (tx) => {
    const inserted = await tx.insertInto('monitoring_settings').values({ school_id: schoolId, seeded_at: now })
      .onConflict((oc) => oc.column('school_id').doNothing()).returning('school_id').executeTakeFirst();
    if (!inserted) return;
    await upsertPhrases(tx, schoolId, readStarterLists().flatMap((r) => r.phrases), 'Osprey starter list', now);
    await tx.insertInto('monitoring_rules').values(DEFAULT_RULES.map((r) => ({
      ...r, id: randomUUID(), school_id: schoolId, route_roles: [...r.route_roles], created_at: now, updated_at: now,
    }))).execute();
  });
  known.add(schoolId);
}
