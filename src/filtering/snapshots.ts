/**
 * The compiled filtering snapshot of each school, kept in memory and compiled again when the filter change log
 * moves on (every policy and list change writes to it, R3.2), so an edit is in force at the next decision.
 */
import type { Db } from '../platform/db.ts';
import { compileSnapshot, type CompileInput, type Snapshot } from './engine/index.ts';
import { CATEGORIES } from './lists/taxonomy.ts';
import { linkKeyStageGroups, policiesForEngine } from './policy/service.ts';
import { loadSourceEntries } from './sources/service.ts';

export async function buildCompileInput(db: Db, schoolId: string, opts: { dataDir: string; timeZone: string; now: Date }): Promise<CompileInput> {
  const { policies, unidentifiedPolicyId } = await policiesForEngine(db, schoolId, opts.now);
  const sources = await db.selectFrom('list_sources').select(['entries_file']).where('school_id', '=', schoolId)
    .where('enabled', '=', true).where('entries_file', 'is not', null).orderBy('name').execute();
  const lists = (await Promise.all(sources.map((s) => loadSourceEntries(opts.dataDir, s.entries_file!)))).flat();
  return { categories: [...CATEGORIES], lists, policies, unidentifiedPolicyId, timeZone: opts.timeZone };
}

export class SnapshotCache {
  private readonly cache = new Map<string, { stamp: string; snapshot: Promise<Snapshot> }>();
  private readonly keyStageGroups = new Map<string, number>();

  constructor(private readonly db: Db, private readonly opts: { dataDir: string; timeZone: string }) {}

  /** The school's current snapshot; compiled now if policies or lists changed since the last one. */
  async get(schoolId: string, now: Date): Promise<Snapshot> {
    await this.linkNewKeyStages(schoolId, now);
    const stamp = await this.stampOf(schoolId);
    const cached = this.cache.get(schoolId);
    if (cached && cached.stamp === stamp) return cached.snapshot;
    const snapshot = buildCompileInput(this.db, schoolId, { ...this.opts, now }).then((input) => compileSnapshot(input));
    this.cache.set(schoolId, { stamp, snapshot });
    snapshot.catch(() => this.cache.delete(schoolId));
    return snapshot;
  }

  /**
   * A key-stage group appears when the first pupil of that key stage is added (by hand or by an import); it is linked
   * to its default policy here, at once, so a new Year 7 pupil is filtered as Key Stage 3 from their first request
   * rather than as an unidentified device. The link is a filter change, so it also moves the stamp below.
   */
  private async linkNewKeyStages(schoolId: string, now: Date): Promise<void> {
    const row = await this.db.selectFrom('groups').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('school_id', '=', schoolId).where('kind', '=', 'key_stage').executeTakeFirst();
    const count = Number(row?.n ?? 0);
    if (this.keyStageGroups.get(schoolId) === count) return;
    const hasPolicies = await this.db.selectFrom('filter_policies').select('id').where('school_id', '=', schoolId).limit(1).executeTakeFirst();
    if (hasPolicies) await linkKeyStageGroups(this.db, schoolId, now);
    this.keyStageGroups.set(schoolId, count);
  }

  private async stampOf(schoolId: string): Promise<string> {
    const change = await this.db.selectFrom('filter_changes').select((eb) => eb.fn.max('seq').as('seq')).where('school_id', '=', schoolId).executeTakeFirst();
    return String(change?.seq ?? 0);
  }
}
