/**
 * Activity events for DNS decisions (R2.8). A device asks for the same name many times a minute (every tab, every
 * retry, A and AAAA and HTTPS separately), and each answer carries the same decision, so allowed, monitored and
 * SafeSearch decisions are recorded at most once per client, name and decision in each window (5 s by default).
 * Blocked and warned decisions are always recorded: every attempt at a blocked site counts for safeguarding.
 */
import { newActivityId } from '../../platform/ids.ts';
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
      id: newActivityId(now),
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
