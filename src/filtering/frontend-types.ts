/**
 * What a front-end (HTTP proxy, DNS resolver) needs from the rest of Osprey, as one small interface so that the
 * front-ends stay thin: the current snapshot (swapped atomically when a policy or list changes — hot reload), who is
 * behind an address, and where to send activity. Everything here is synchronous and in memory: the decision path
 * never awaits the database (ARCHITECTURE: the decision path).
 */
import type { ActivitySink } from './decision-events.ts';
import type { Snapshot } from './engine/index.ts';
import type { ClientIdentity } from './identity/types.ts';

export interface FilterView {
  /** The snapshot in force for a school now. The object is immutable; a change swaps in a new one. */
  snapshotFor(schoolId: string): Snapshot;
  /**
   * Who is behind a client address, with an optional proxy-authenticated username already checked by the caller
   * (see identity). Unknown addresses get the unidentified identity of the default school.
   */
  identify(ip: string, hints?: { username?: string }): ClientIdentity;
  activity: ActivitySink;
  /** 'control-plane', or the filter node's name. */
  node: string;
  /**
   * R6.4: true when the person must sign their Acceptable Use Agreement before browsing; the DNS resolver then
   * answers only for the Osprey server (`portalHost`). Absent: nobody is held back at DNS.
   */
  agreementRequired?(personId: string): boolean;
  portalHost?: string;
}
