/**
 * Builds a ProxyRuntime from plain pieces, the same way in a worker thread (pieces posted from the main thread)
 * and in the main thread (`workers: 0`): settings, a way to check credentials, a way to hand on activity and grants.
 */
import { createHash } from 'node:crypto';
import type { ActivitySink } from '../decision-events.ts';
import { DestinationRules } from '../../platform/destination.ts';
import type { Snapshot } from '../engine/index.ts';
import type { CredentialResult } from '../identity/credentials.ts';
import { IdentityTable, type IdentityTableData } from '../identity/table.ts';
import type { ClientIdentity } from '../identity/types.ts';
import { ClientConnections } from './client-limits.ts';
import { WarnGrants, type WarnGrant } from './grants.ts';
import type { ProxyAuthCache, ProxyRuntime, ProxySettings } from './runtime.ts';
import { createLookup, OriginAgent, parseParentProxy } from './upstream.ts';

const AUTH_OK_MS = 5 * 60_000;
/** A wrong password is asked about again after this long, so a browser retrying it does not flood the main thread. */
const AUTH_BAD_MS = 5_000;
const AUTH_CACHE_LIMIT = 10_000;

export class ThreadAuthCache implements ProxyAuthCache {
  private readonly known = new Map<string, { identity: ClientIdentity | null; until: number }>();

  constructor(private readonly check: (header: string, ip: string) => Promise<CredentialResult>) {}

  lookup(header: string, now: number): ClientIdentity | null | undefined {
    const hit = this.known.get(keyOf(header));
    return hit && hit.until > now ? hit.identity : undefined;
  }

  async verify(header: string, ip: string): Promise<ClientIdentity | null> {
    let result: CredentialResult;
    try {
      result = await this.check(header, ip);
    } catch {
      return null;
    }
    const identity: ClientIdentity | null = result.ok ? { ...result.person, source: 'proxy-auth' } : null;
    if (this.known.size >= AUTH_CACHE_LIMIT) this.known.clear();
    this.known.set(keyOf(header), { identity, until: Date.now() + (identity ? AUTH_OK_MS : AUTH_BAD_MS) });
    return identity;
  }
}

// the password is never kept, only a hash of the header that carried it
const keyOf = (header: string) => createHash('sha256').update(header).digest('base64url');

export interface RuntimePieces {
  settings: ProxySettings;
  identity: IdentityTableData;
  connectionsBuffer: SharedArrayBuffer;
  checkCredentials(header: string, ip: string): Promise<CredentialResult>;
  activity: ActivitySink;
  shareGrant(grant: WarnGrant): void;
}

export function buildRuntime(p: RuntimePieces): ProxyRuntime & { snapshots: Map<string, Snapshot> } {
  const lookup = createLookup({ ...p.settings, connectTimeoutMs: p.settings.limits.connectTimeoutMs });
  const snapshots = new Map<string, Snapshot>();
  const portal = p.settings.portalUrl ? new URL(p.settings.portalUrl) : undefined;
  return {
    settings: p.settings,
    snapshots,
    snapshotFor: (schoolId) => snapshots.get(schoolId),
    identity: new IdentityTable(p.identity),
    auth: new ThreadAuthCache(p.checkCredentials),
    activity: p.activity,
    grants: new WarnGrants(Buffer.from(p.settings.grantSecret, 'hex')),
    shareGrant: p.shareGrant,
    connections: new ClientConnections(p.connectionsBuffer),
    destinations: new DestinationRules(p.settings.destinations),
    agent: new OriginAgent(p.settings.limits.connectTimeoutMs, lookup),
    lookup,
    parent: parseParentProxy(p.settings.upstreamProxy),
    portal: portal && { host: portal.hostname.toLowerCase().replace(/^\[|\]$/g, ''), port: Number(portal.port || (portal.protocol === 'https:' ? 443 : 80)) },
  };
}
