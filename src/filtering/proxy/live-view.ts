/**
 * A FilterView for `serve`: the current snapshot of each school, kept fresh by asking the SnapshotCache every
 * `intervalMs` (it compiles again only when the filter change log has moved on), so a policy saved in the web
 * interface reaches the proxy within a second (R2.11 hot reload): ≤ intervalMs here, ≤ the proxy's 200 ms poll,
 * plus compile time.
 */
import type { ActivitySink } from '../../activity/types.ts';
import type { Clock } from '../../platform/context.ts';
import type { Snapshot } from '../engine/index.ts';
import type { FilterView } from '../frontend-types.ts';
import type { SnapshotCache } from '../snapshots.ts';

export class LiveSnapshots {
  private readonly current = new Map<string, Snapshot>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly cache: SnapshotCache,
    private readonly clock: Clock,
    private readonly schoolIds: string[],
    private readonly onError: (message: string) => void = (m) => console.error(`Osprey filtering: ${m}`),
  ) {}

  /** Loads every school's snapshot, then keeps checking for changes until `stop()`. */
  async start(intervalMs = 300): Promise<void> {
    await this.refresh();
    for (const id of this.schoolIds) if (!this.current.has(id)) throw new Error(`no filtering snapshot could be built for school ${id}`);
    this.timer = setInterval(() => { void this.refresh(); }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshotFor(schoolId: string): Snapshot {
    const s = this.current.get(schoolId) ?? this.current.get(this.schoolIds[0]);
    if (!s) throw new Error(`no filtering snapshot for school ${schoolId} yet`);
    return s;
  }

  private async refresh(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const id of this.schoolIds) {
        try {
          this.current.set(id, await this.cache.get(id, this.clock.now()));
        } catch (e) {
          // keep filtering with the last good snapshot; a person has to fix the policy or list
          this.onError(`the filter for school ${id} could not be rebuilt: ${(e as Error).message}`);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** The FilterView front-ends take, from its parts. */
export function filterView(parts: { snapshots: LiveSnapshots; identify: FilterView['identify']; activity: ActivitySink; node: string }): FilterView {
  return { snapshotFor: (id) => parts.snapshots.snapshotFor(id), identify: parts.identify, activity: parts.activity, node: parts.node };
}
