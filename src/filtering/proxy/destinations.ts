/**
 * The destination rule (`src/platform/destination.ts`) as the proxy applies it, after the filtering decision has
 * allowed a request: the host is resolved with the proxy's own resolver, every address is checked, and the request
 * or tunnel goes to the address that was checked — never to a second answer for the same name. A refusal is
 * recorded as a block with reason `destination_refused` and the kind of refusal as its rule.
 */
import type { Decision } from '../engine/index.ts';
import { isLocalhostName, literalAddress, type DestinationAnswer, type DestinationUse, type Refusal } from '../../platform/destination.ts';
import type { ProxyRuntime } from './runtime.ts';

/** Where to connect: a checked address, or null when a parent proxy resolves the name on its side. */
export type ProxyDestination = { ok: true; address: string | null } | { ok: false; refusal: Refusal };

/** What the activity log records for a refused destination; its rule says which kind of refusal it was. */
export function destinationDecision(refusal: Refusal): Decision {
  return { action: 'block', reason: 'destination_refused', policyId: 'destinations', match: { ruleId: refusal.kind } };
}

/** Resolves and checks `host`; rejects with the resolver's error (ENOTFOUND and the like) when it has no address. */
export async function destinationOf(rt: ProxyRuntime, host: string, port: number, use: DestinationUse, portal: boolean): Promise<ProxyDestination> {
  if (rt.parent) {
    // the parent proxy resolves names on its own side; an address and the port can still be checked here
    const literal = literalAddress(host) ?? (isLocalhostName(host) ? '127.0.0.1' : null);
    const refusal = literal ? rt.destinations.check(literal, port, use, { portal }) : rt.destinations.checkPortOnly(host, port, use);
    return refusal ? { ok: false, refusal } : { ok: true, address: null };
  }
  const answer: DestinationAnswer = await rt.destinations.resolve(host, port, use, (name) => new Promise((resolve, reject) => {
    rt.lookup(name, {}, (err, address) => (err || typeof address !== 'string' ? reject(err ?? new Error(`no address for ${name}`)) : resolve([address])));
  }), { portal });
  return answer.ok ? { ok: true, address: answer.destination.address } : answer;
}
