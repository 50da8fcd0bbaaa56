/**
 * What one proxy thread works with: its settings (plain data, posted to workers), the snapshot of each school, the
 * identity tables, the proxy-authentication cache, the activity sink, warn grants and the shared per-client
 * connection counters. The same request code runs in a worker thread or, with `workers: 0`, in the main thread.
 */
import type { ActivitySink } from '../decision-events.ts';
import type { DestinationRules, DestinationSettings } from '../../platform/destination.ts';
import type { Snapshot } from '../engine/index.ts';
import type { IdentityTable } from '../identity/table.ts';
import type { ClientIdentity } from '../identity/types.ts';
import type { ClientConnections } from './client-limits.ts';
import type { WarnGrant, WarnGrants } from './grants.ts';
import type { Lookup, OriginAgent, ParentProxy } from './upstream.ts';

export interface ProxyLimits {
  /** Time a client has to send a request's complete headers (slow-loris defence). */
  headerTimeoutMs: number;
  /** Inactivity allowed on either side while a request is under way. */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection from a client is kept. */
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
  /** Inactivity after which a CONNECT tunnel is closed. */
  tunnelIdleTimeoutMs: number;
  /** Time to wait for a TLS ClientHello when the CONNECT named an address. */
  sniTimeoutMs: number;
  /** Largest request head accepted (answered 431 beyond). */
  maxHeaderBytes: number;
  maxConnectionsPerClient: number;
  /** Per worker thread. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ProxyLimits = {
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  tunnelIdleTimeoutMs: 10 * 60_000,
  sniTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxConnectionsPerClient: 256,
  maxConnections: 20_000,
};

export interface ProxySettings {
  /** 'control-plane' or the filter node's name, for activity events. */
  node: string;
  /** This proxy's name in Via headers; seeing it in a request's Via means the request has looped. */
  pseudonym: string;
  /**
   * Where requests and tunnels may go (`src/platform/destination.ts`): never the server itself or its local links,
   * private networks only when allowed, Squid's Safe_ports for plain HTTP and 443 for CONNECT.
   */
  destinations: DestinationSettings;
  upstreamProxy?: string;
  dnsServers?: string[];
  hosts?: Record<string, string>;
  /** The web log-on page's base address (the control plane), for redirects when log-on is required. */
  portalUrl?: string;
  /** How long an acknowledged warning lets the person through to that site. */
  warnGrantMinutes: number;
  /** Hex key for the warning page's Continue tokens (the same in every thread). */
  grantSecret: string;
  limits: ProxyLimits;
}

/** The proxy-authentication answers a thread has seen (successes for minutes, failures for seconds). */
export interface ProxyAuthCache {
  /** The identity for a header seen before, null for one known to be wrong, undefined when not known. */
  lookup(header: string, now: number): ClientIdentity | null | undefined;
  verify(header: string, ip: string): Promise<ClientIdentity | null>;
}

export interface ProxyRuntime {
  settings: ProxySettings;
  snapshotFor(schoolId: string): Snapshot | undefined;
  identity: IdentityTable;
  auth: ProxyAuthCache;
  activity: ActivitySink;
  grants: WarnGrants;
  /** Tells the other threads about a grant (this thread has already added it). */
  shareGrant(grant: WarnGrant): void;
  connections: ClientConnections;
  destinations: DestinationRules;
  agent: OriginAgent;
  lookup: Lookup;
  parent?: ParentProxy;
  portal?: { host: string; port: number };
}
