/**
 * Activity events for DNS decisions (R2.8). A device asks for the same name many times a minute (every tab, every
 * retry, A and AAAA and HTTPS separately), and each answer carries the same decision, so allowed, monitored and
 * SafeSearch decisions are recorded at most once per client, name and decision in each window (5 s by default).
 * Blocked and warned decisions are always recorded: every attempt at a blocked site counts for safeguarding.
 */
import { randomFillSync } from 'node:crypto';
import type { ActivityEvent, ActivitySink } from '../decision-events.ts';
import type { Decision } from '../engine/index.ts';
import type { ClientIdentity } from '../identity/types.ts';

/** Bounds the memory the de-duplication may use; past it the window simply starts again. */
const MAX_REMEMBERED = 200_000;

/** The last decision recorded for one client and name. */
interface Recorded {
  policyId: string;
  action: string;
  reason: string;
  until: number;
}

export class DnsActivity {
  /** host → client IP → last recorded decision: two lookups of strings the caller already has, no key to build. */
  private readonly recent = new Map<string, Map<string, Recorded>>();
  private remembered = 0;
  private nextSweep = 0;

  constructor(private readonly sink: ActivitySink, private readonly node: string, private readonly windowMs: number) {}

  record(decision: Decision, identity: ClientIdentity, ip: string, host: string, now: number): void {
    const action = decision.action;
    if (action !== 'block' && action !== 'warn' && this.windowMs > 0) {
      let clients = this.recent.get(host);
      const last = clients?.get(ip);
      if (last !== undefined && last.until > now && last.action === action && last.policyId === decision.policyId
        && last.reason === decision.reason) return;
      if (now >= this.nextSweep || this.remembered >= MAX_REMEMBERED) {
        this.sweep(now);
        clients = this.recent.get(host);
      }
      if (clients === undefined) this.recent.set(host, (clients = new Map()));
      if (!clients.has(ip)) this.remembered++;
      clients.set(ip, { policyId: decision.policyId, action, reason: decision.reason, until: now + this.windowMs });
    }
    const match = decision.match;
    const event: ActivityEvent = {
      id: eventId(now),
      time: now,
      schoolId: identity.schoolId,
      personId: identity.personId,
      username: identity.username,
      deviceId: identity.deviceId,
      ip,
      host,
      categoryId: match?.categoryId,
      action,
      reason: decision.reason,
      policyId: decision.policyId,
      ruleId: match?.ruleId,
      sourceId: match?.sourceId,
      circumvention: decision.circumvention,
      frontEnd: 'dns',
      node: this.node,
    };
    this.sink.emit(event);
  }

  private sweep(now: number): void {
    if (this.remembered >= MAX_REMEMBERED) {
      this.recent.clear();
      this.remembered = 0;
    } else {
      for (const [host, clients] of this.recent) {
        for (const [ip, last] of clients) {
          if (last.until > now) continue;
          clients.delete(ip);
          this.remembered--;
        }
        if (clients.size === 0) this.recent.delete(host);
      }
    }
    this.nextSweep = now + this.windowMs;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const randomBytes = new Uint8Array(4096);
let randomNext = randomBytes.length;
let lastTime = 0;
let sequence = 0;
/** The id's first 14 characters depend only on the millisecond: formatted once per millisecond. */
let timePrefix = '';

/**
 * A UUID version 7 (RFC 9562 §5.7): 48-bit millisecond time, then a 12-bit counter within the millisecond (so ids
 * from one process sort in emission order), then 62 random bits. Random bytes come from a refilled pool.
 */
export function eventId(now: number): string {
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
    timePrefix = '';
  } else if (++sequence > 0xfff) {
    lastTime++;
    sequence = 0;
    timePrefix = '';
  }
  if (timePrefix === '') {
    const time = lastTime.toString(16).padStart(12, '0');
    timePrefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  if (randomNext + 8 > randomBytes.length) {
    randomFillSync(randomBytes);
    randomNext = 0;
  }
  const r = randomBytes;
  const i = randomNext;
  randomNext += 8;
  return `${timePrefix}${HEX[sequence >> 8].charAt(1)}${HEX[sequence & 0xff]}-`
    + `${HEX[0x80 | (r[i] & 0x3f)]}${HEX[r[i + 1]]}-${HEX[r[i + 2]]}${HEX[r[i + 3]]}${HEX[r[i + 4]]}${HEX[r[i + 5]]}${HEX[r[i + 6]]}${HEX[r[i + 7]]}`;
}
