/**
 * SquidGuardIdentity: who a request comes from, the squidGuard way. The engine decides by group ids; squidGuard
 * decides by `src` blocks matched against the client's address, host name (FQDN) and ident user. This class turns
 * (address, FQDN, user, time) into the one group id whose policy squidGuard would apply.
 *
 * squidGuard's rules, kept exactly:
 *  - sources are tried in the order they are defined; the FIRST that matches is used, even if it has no acl (then
 *    the default acl applies, with %s = 'default');
 *  - within a src, the kinds of rule are ANDed and the entries of one kind ORed: `ip 10.0.0.0/24` plus `user foo`
 *    means "from that network AND as foo"; a src with none of them never matches; `within`/`outside` switch it off;
 *  - for the chosen src, the first acl entry whose time is active applies (`within`, `outside`, `else`), else default;
 *  - a dest with `within`/`outside` drops out of every pass list while it is switched off, so each acl entry has one
 *    policy per combination of its timed dests (see translate.ts).
 */
import { clientAddress, ipMatches } from './ip.ts';
import type { SourceLists } from './load.ts';
import type { SquidGuardConfig, TimeRef } from './config.ts';
import { LocalCalendar, timeActive, type LocalMoment, type TimeElement } from './time.ts';

export interface SquidGuardClient {
  /** The client address as Squid sends it (squidGuard reads IPv4 only; anything else counts as 0.0.0.0). */
  address: string;
  /** The client's host name; '' when Squid sent '-'. */
  fqdn: string;
  /** The ident or proxy-authentication user, lower-case; '' when Squid sent '-'. */
  user: string;
}

export interface IdentityResult {
  /** The group id to give the engine: one policy per acl entry (and timed-dest state), see translate.ts. */
  groupIds: string[];
  /** The src name squidGuard reports as %s ('default' when the default acl applies). */
  source: string;
}

/** How translate.ts names the policies of acl entry `acl`; identity and translation must agree. */
export interface PolicyNaming {
  /** For each acl entry (index into config.acls): its policy id, or a function of the timed-dest mask. */
  policyFor(acl: number, destMask: number): string;
  /** The timed dests each acl entry's pass list depends on, in mask-bit order. */
  timedDests(acl: number): string[];
}

/** squidGuard decodes %XX in the user name before looking it up. */
function unescapeUser(user: string): string {
  return user.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => (hex === '00' ? '' : String.fromCharCode(parseInt(hex, 16))));
}

export class SquidGuardIdentity {
  private readonly calendar: LocalCalendar;
  private readonly elements: Map<string, TimeElement[]>;

  constructor(
    private readonly config: SquidGuardConfig,
    private readonly lists: Map<string, SourceLists>,
    private readonly naming: PolicyNaming,
    timeZone: string,
  ) {
    this.calendar = new LocalCalendar(timeZone);
    this.elements = new Map(config.times.map((t) => [t.name, t.elements]));
  }

  get sourceCount(): number { return this.config.sources.length; }

  sourceName(index: number): string { return this.config.sources[index].name; }

  sourceContinues(index: number): boolean { return this.config.sources[index].continue; }

  moment(time: number): LocalMoment { return this.calendar.at(time); }

  /** Whether a `within`/`outside` reference is switched on at the moment (no reference: always on). */
  isOn(ref: TimeRef | undefined, at: LocalMoment): boolean {
    if (ref === undefined) return true;
    const active = timeActive(this.elements.get(ref.name) ?? [], at);
    return ref.outside ? !active : active;
  }

  /** squidGuard's source search: the index of the first src at or after `from` matching the client, or -1. */
  findSource(client: SquidGuardClient, from: number, at: LocalMoment): number {
    const address = clientAddress(client.address);
    const user = client.user === '' ? '' : unescapeUser(client.user);
    const fqdn = client.fqdn.toLowerCase();
    for (let i = from; i < this.config.sources.length; i++) {
      const src = this.config.sources[i];
      const lists = this.lists.get(src.name);
      if (lists === undefined || !this.isOn(src.time, at)) continue;
      const hasIp = lists.ips.length > 0;
      const hasUser = lists.users.size > 0;
      const hasDomain = src.domains.length > 0;
      if (!hasIp && !hasUser && !hasDomain) continue; // squidGuard sets such a src inactive
      if (hasIp && !lists.ips.some((rule) => ipMatches(rule, address))) continue;
      if (hasUser && (user === '' || !lists.users.has(user))) continue;
      if (hasDomain && (fqdn === '' || !src.domains.some((d) => fqdn === d || fqdn.endsWith(`.${d}`)))) continue;
      return i;
    }
    return -1;
  }

  /** The acl entry (index into config.acls) for a source index (-1: none), at the moment. */
  aclFor(source: number, at: LocalMoment): number {
    if (source >= 0) {
      const name = this.config.sources[source].name;
      const index = this.config.acls.findIndex((acl) => acl.source === name && !acl.never && this.isOn(acl.time, at));
      if (index >= 0) return index;
    }
    return this.config.acls.lastIndexOf(this.config.defaultAcl);
  }

  /** The group id for an acl entry at the moment: which of its timed dests are switched on picks the policy. */
  groupFor(acl: number, at: LocalMoment): string {
    let mask = 0;
    this.naming.timedDests(acl).forEach((name, bit) => {
      const dest = this.config.dests.find((d) => d.name === name);
      if (this.isOn(dest?.time, at)) mask |= 1 << bit;
    });
    return this.naming.policyFor(acl, mask);
  }

  /** One call for the common case: the first matching source (no `continue` handling) → group ids. */
  resolve(client: SquidGuardClient, time: number): IdentityResult {
    const at = this.moment(time);
    const source = this.findSource(client, 0, at);
    const acl = this.aclFor(source, at);
    const entry = this.config.acls[acl];
    return { groupIds: [this.groupFor(acl, at)], source: entry.source === 'default' ? 'default' : entry.source };
  }
}
