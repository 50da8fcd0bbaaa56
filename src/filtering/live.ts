/**
 * The filter in force (hot reload, issue item 7): the compiled snapshot of each school, compiled again and swapped
 * atomically within a second of a policy or list change (the filter change log moves on every such change), plus
 * identity and activity, as one FilterView for the front-ends.
 */
import { EventEmitter } from 'node:events';
import type { ActivitySink } from './decision-events.ts';
import type { Db } from '../platform/db.ts';
import type { Snapshot } from './engine/index.ts';
import type { FilterView } from './frontend-types.ts';
import type { ClientIdentity } from './identity/types.ts';
import { SnapshotCache } from './snapshots.ts';

export interface LiveFilterOptions {
  dataDir: string;
  timeZone: string;
  /** How often to look for changes; well under the one second a change may take to be in force. */
  pollMs?: number;
  node?: string;
  /** The installation's one cache (built by src/app/ and shared with "why?" and the filter-node routes); a new one by default. */
  cache?: SnapshotCache;
  /** R6.4: who must sign their Acceptable Use Agreement first (the identity service knows), and the Osprey server's name. */
  agreementRequired?: (personId: string) => boolean;
  portalHost?: string;
}

export class LiveFilter extends EventEmitter implements FilterView {
  readonly node: string;
  private readonly cache: SnapshotCache;
  private readonly current = new Map<string, Snapshot>();
  private defaultSchoolId = '';
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly db: Db,
    private readonly opts: LiveFilterOptions,
    private readonly identifyClient: (ip: string, hints?: { username?: string }) => ClientIdentity,
    readonly activity: ActivitySink,
  ) {
    super();
    this.node = opts.node ?? 'control-plane';
    this.cache = opts.cache ?? new SnapshotCache(db, opts);
  }

  /** Compiles every school's snapshot, then watches for changes. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => { void this.refresh(); }, this.opts.pollMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  snapshotFor(schoolId: string): Snapshot {
    const s = this.current.get(schoolId) ?? this.current.get(this.defaultSchoolId);
    if (!s) throw new Error('the filter has not been compiled yet');
    return s;
  }

  identify(ip: string, hints?: { username?: string }): ClientIdentity {
    return this.identifyClient(ip, hints);
  }

  agreementRequired(personId: string): boolean {
    return this.opts.agreementRequired?.(personId) ?? false;
  }

  get portalHost(): string | undefined {
    return this.opts.portalHost;
  }

  get schoolId(): string {
    return this.defaultSchoolId;
  }

  /** The schools whose snapshots are compiled (all of them, after the first refresh). */
  get schoolIds(): string[] {
    return [...this.current.keys()];
  }

  /** Looks for changes and swaps in new snapshots; emits 'swap' (schoolId, snapshot) for worker threads. */
  async refresh(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const schools = await this.db.selectFrom('schools').select('id').orderBy('created_at').execute();
      this.defaultSchoolId = schools[0]?.id ?? '';
      for (const { id } of schools) {
        const snapshot = await this.cache.get(id, new Date());
        if (this.current.get(id) !== snapshot) {
          this.current.set(id, snapshot);
          this.emit('swap', id, snapshot);
        }
      }
    } catch (e) {
      // Keep filtering with the last good snapshot (e.g. the database is briefly unreachable).
      this.emit('refresh-failed', e);
    } finally {
      this.polling = false;
    }
  }
}
