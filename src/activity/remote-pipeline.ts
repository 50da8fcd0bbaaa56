/**
 * The activity pipeline as the main thread sees it when the pipeline itself runs in the store thread
 * (app/store-worker.ts). `emit` only queues the event; the queue goes to the store thread once per turn of the
 * event loop, so a front-end pays a push per decision and one message per turn, never a write or a query.
 *
 * Statistics come from the store thread a few times a second (`take`), so `stats()` stays a plain read.
 * Events emitted after `stop()` (a front-end still closing) are written straight into the spool folder as a
 * segment of their own, which the next start replays like any other.
 */
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';
import path from 'node:path';
import { ActivityEncoder } from './encode.ts';
import type { ActivityPipeline, ActivityPipelineStats } from './pipeline-types.ts';
import type { ActivityEvent } from './types.ts';

/** What the pipeline needs of the store thread: requests it answers and one-way notices. */
export interface StoreLink {
  request<T>(kind: string, body?: unknown): Promise<T>;
  notify(kind: string, body?: unknown): void;
}

export const EMPTY_STATS: ActivityPipelineStats = {
  emitted: 0, spooled: 0, stored: 0, duplicates: 0, setAside: 0, dropped: 0, waitingBatches: 0, memoryBytes: 0, databaseOk: true, spoolOk: true,
  spoolBytes: 0, spoolFull: false, replayBytes: 0, replayedBytes: 0,
};

export class RemoteActivityPipeline implements ActivityPipeline {
  private queued: ActivityEvent[] = [];
  private scheduled = false;
  private latest: ActivityPipelineStats = { ...EMPTY_STATS };
  private stopped: Promise<void> | undefined;
  private closed = false;
  private late: ActivityEncoder | undefined;

  constructor(private readonly link: StoreLink, private readonly opts: { dataDir: string; node: string }) {}

  emit(event: ActivityEvent): void {
    if (this.closed) { this.writeLate(event); return; }
    this.queued.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.send());
    }
  }

  private send(): void {
    this.scheduled = false;
    if (this.queued.length === 0) return;
    const events = this.queued;
    this.queued = [];
    this.link.notify('activity.events', events);
  }

  /** The store thread's latest figures (see the header). */
  take(stats: ActivityPipelineStats): void {
    this.latest = stats;
  }

  stats(): ActivityPipelineStats {
    return { ...this.latest, emitted: this.latest.emitted + this.queued.length };
  }

  async flush(): Promise<void> {
    this.send();
    await this.link.request('activity.flush');
  }

  async drain(timeoutMs?: number): Promise<boolean> {
    this.send();
    return this.link.request<boolean>('activity.drain', { timeoutMs });
  }

  stop(opts: { drainMs?: number } = {}): Promise<void> {
    this.stopped ??= (async () => {
      this.send();
      try {
        await this.link.request('stop', { drainMs: opts.drainMs ?? 5000 });
      } finally {
        this.closed = true;
      }
    })();
    return this.stopped;
  }

  /** An event after the stop: synced into a segment of its own (named to sort after every other). */
  private writeLate(event: ActivityEvent): void {
    try {
      this.late ??= new ActivityEncoder(this.opts.node);
      const { line } = this.late.encode(event);
      const dir = path.join(this.opts.dataDir, 'spool');
      const file = path.join(dir, `activity-${String(Date.now() * 1000).padStart(16, '0')}.jsonl`);
      appendFileSync(file, `${line}\n`);
      const fd = openSync(file, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
    } catch {
      this.latest = { ...this.latest, dropped: this.latest.dropped + 1 };
    }
  }
}
