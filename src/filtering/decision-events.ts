/**
 * What the front-ends record (R2.8, R4.1): every filtering decision, from any front-end, becomes one event. Front-ends
 * hand events to an `ActivitySink`, which never blocks the request and never throws. The activity module stores them
 * (its pipeline: buffer → spool file → batch insert, so that nothing is lost even if the process is killed or the
 * database is down); the contract is filtering's, because filtering produces the events and activity depends on it,
 * not the other way round (docs/architecture.md, module map).
 */
import type { DecisionAction, ReasonCode } from './engine/types.ts';

export type FrontEnd = 'proxy' | 'dns' | 'squid-helper';

export interface ActivityEvent {
  /** Unique and time-ordered (UUID v7 style); inserting the same event twice stores it once. */
  id: string;
  /** Milliseconds since the epoch. */
  time: number;
  schoolId: string;
  /** Who, where known (proxy authentication, web log-on); absent for unidentified devices. */
  personId?: string;
  username?: string;
  /** The device's name or id where known (static device map, later MDM). */
  deviceId?: string;
  /** The client's address as the front-end saw it. */
  ip: string;
  host: string;
  /** The full URL, where the front-end sees it (plain HTTP; later TLS inspection). */
  url?: string;
  /** The search term, where visible (query parameter of a known search engine on plain HTTP). */
  searchTerm?: string;
  categoryId?: string;
  action: DecisionAction;
  reason: ReasonCode;
  policyId: string;
  ruleId?: string;
  /** The list source that matched, where one did. */
  sourceId?: string;
  circumvention?: boolean;
  /** A warned site opened after the person chose Continue on the warning page (R2.4: "logged"). */
  acknowledged?: boolean;
  frontEnd: FrontEnd;
  /** Which Osprey process decided: 'control-plane' or a filter node's name. */
  node: string;
}

export interface ActivitySink {
  /** Records an event. Never blocks and never throws: a full buffer spills to the spool file. */
  emit(event: ActivityEvent): void;
}
