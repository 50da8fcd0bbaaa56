/**
 * Activity from the proxy (R2.8): one event per decision, its id from platform's one generator (platform/ids.ts: time
 * ordered, with 62 random bits, so ids from different threads do not collide). Worker threads batch events and post
 * them to the main thread, where the activity pipeline takes them; posting one message per request would cost more
 * than the request.
 */
import type { ActivityEvent, ActivitySink } from '../decision-events.ts';

/** Collects events and hands them on in batches: at `maxBatch` events, or `delayMs` after the first of a batch. */
export class BatchingSink implements ActivitySink {
  private batch: ActivityEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deliver: (events: ActivityEvent[]) => void, private readonly maxBatch = 256, private readonly delayMs = 50) {}

  emit(event: ActivityEvent): void {
    this.batch.push(event);
    if (this.batch.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    try {
      this.deliver(events);
    } catch {
      // the sink must never throw into a request; a closed port means the proxy is stopping
    }
  }
}
