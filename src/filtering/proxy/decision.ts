/**
 * The decision path shared by plain HTTP and CONNECT: who is asking (proxy authentication, then the identity
 * tables), whether they must identify themselves first, the engine's decision, and the activity event for it.
 * Synchronous except when a Proxy-Authorization header has not been seen before (one argon2 check in the main
 * thread, then cached).
 */
import type { IncomingMessage } from 'node:http';
import { decide, explainDecision, type Decision, type DecisionRequest, type Snapshot } from '../engine/index.ts';
import { plainAddress } from '../../platform/addresses.ts';
import type { ClientIdentity } from '../identity/types.ts';
import type { ActivityEvent } from '../decision-events.ts';
import { newActivityId } from '../../platform/ids.ts';
import { grantSite, grantSubject } from './grants.ts';
import type { ProxyRuntime } from './runtime.ts';

/** Who is asking, or why they must identify themselves first. */
export type ClientAnswer =
  | { kind: 'identified'; identity: ClientIdentity }
  | { kind: 'proxy-auth' }
  | { kind: 'logon' }
  /** Known, but must sign their Acceptable Use Agreement first (R6.4): only the Osprey server is reachable. */
  | { kind: 'agreement'; identity: ClientIdentity };

export const clientAddress = (req: IncomingMessage) => plainAddress(req.socket.remoteAddress ?? '');

/** Calls `then` with the answer, at once unless a new Proxy-Authorization header needs checking. */
export function identifyClient(rt: ProxyRuntime, req: IncomingMessage, ip: string, exempt: boolean, answer: (answer: ClientAnswer) => void): void {
  const then = (a: ClientAnswer) => answer(a.kind === 'identified' && !exempt && rt.identity.agreementRequired(a.identity.personId) ? { kind: 'agreement', identity: a.identity } : a);
  const header = req.headers['proxy-authorization'];
  if (header) {
    const known = rt.auth.lookup(header, Date.now());
    if (known === undefined) {
      rt.auth.verify(header, ip).then((identity) => then(identity ? { kind: 'identified', identity } : { kind: 'proxy-auth' }), () => then({ kind: 'proxy-auth' }));
      return;
    }
    return then(known ? { kind: 'identified', identity: known } : { kind: 'proxy-auth' });
  }
  const identity = rt.identity.identify(ip);
  if (identity.source === 'unidentified' && !exempt) {
    const mode = rt.identity.settings.unidentified;
    if (mode === 'proxy-auth') return then({ kind: 'proxy-auth' });
    if (mode === 'logon' && rt.portal) return then({ kind: 'logon' });
  }
  then({ kind: 'identified', identity });
}

export function snapshotOf(rt: ProxyRuntime, identity: ClientIdentity): Snapshot | undefined {
  return rt.snapshotFor(identity.schoolId) ?? rt.snapshotFor(rt.identity.schoolId);
}

/** What the activity log records for a request held back until the person signs their agreement (R6.4). */
export const AGREEMENT_DECISION: Decision = { action: 'block', reason: 'agreement_required', policyId: 'agreements' };

const SEVERITY: Record<Decision['action'], number> = { allow: 0, safesearch: 0, monitor: 1, warn: 2, block: 3 };

/** Decides each host given (CONNECT host and SNI, say) and keeps the most restrictive decision. */
export function decideHosts(snapshot: Snapshot, hosts: string[], groupIds: string[], time: number): { decision: Decision; request: DecisionRequest } {
  let best: { decision: Decision; request: DecisionRequest } | undefined;
  for (const host of hosts) {
    const request = { host, groupIds, time };
    const decision = decide(snapshot, request);
    if (!best || SEVERITY[decision.action] > SEVERITY[best.decision.action]) best = { decision, request };
  }
  return best!;
}

/** True when a warning has been acknowledged by this person (or device) for the host's site. */
export function warningAcknowledged(rt: ProxyRuntime, identity: ClientIdentity, ip: string, host: string, now: number): boolean {
  return rt.grants.has(grantSubject(identity.personId, ip), grantSite(host), now);
}

export function activityEvent(rt: ProxyRuntime, e: {
  identity: ClientIdentity; ip: string; host: string; url?: string; searchTerm?: string; decision: Decision; time: number; acknowledged?: boolean;
}): ActivityEvent {
  const { identity, decision } = e;
  const event: ActivityEvent = {
    id: newActivityId(e.time), time: e.time, schoolId: identity.schoolId || rt.identity.schoolId, ip: e.ip, host: e.host,
    action: decision.action, reason: decision.reason, policyId: decision.policyId, frontEnd: 'proxy', node: rt.settings.node,
  };
  if (identity.personId) event.personId = identity.personId;
  if (identity.username) event.username = identity.username;
  if (identity.deviceId) event.deviceId = identity.deviceId;
  if (e.url) event.url = e.url;
  if (e.searchTerm) event.searchTerm = e.searchTerm;
  const match = decision.match;
  if (match?.categoryId) event.categoryId = match.categoryId;
  if (match?.ruleId) event.ruleId = match.ruleId;
  if (match?.sourceId) event.sourceId = match.sourceId;
  if (decision.circumvention) event.circumvention = true;
  if (e.acknowledged) event.acknowledged = true;
  return event;
}

/** The facts a block or warning page shows. */
export function pageFacts(snapshot: Snapshot, request: DecisionRequest, decision: Decision) {
  const categoryId = decision.match?.categoryId;
  return {
    category: categoryId ? snapshot.categories.find((c) => c.id === categoryId)?.name ?? categoryId : undefined,
    explanation: explainDecision(snapshot, request, decision),
    illegal: decision.reason === 'illegal_content',
  };
}
