/**
 * Activity from the proxy (R2.8): one event per decision, with ids that are unique across threads and ordered by
 * time (UUID version 7 layout: 48 bits of milliseconds, then a per-thread counter and a per-thread random part, so
 * making an id costs no system call). Worker threads batch events and post them to the main thread, where the
 * activity pipeline takes them; posting one message per request would cost more than the request.
 */
import { randomBytes } from 'node:crypto';
import type { ActivityEvent, ActivitySink } from '../decision-events.ts';

const threadRandom = randomBytes(6).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function eventId(now: number): string {
  counter = (counter + 1) & 0xffffff;
  const ts = now.toString(16).padStart(12, '0');
  const c = counter.toString(16).padStart(6, '0');
  // version 7 in the 13th digit; variant bits 10xx in the 17th
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${c.slice(0, 3)}-${(8 + (counter & 3)).toString(16)}${c.slice(3, 6)}-${threadRandom}`;
}

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
