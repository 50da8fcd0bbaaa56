/**
 * squidGuard's IPv4 rules for `src` blocks (`ip` lines and `iplist` files): a single address, a CIDR prefix, an
 * address with a netmask, or a range. squidGuard knows IPv4 only.
 */

export interface IpRule {
  /** As written, for reports ("10.0.0.0/24"). */
  text: string;
  kind: 'host' | 'cidr' | 'netmask' | 'range';
  /** Network address (for a range: the first address). Unsigned 32-bit. */
  net: number;
  /** Mask (for a range: the last address). Unsigned 32-bit. */
  mask: number;
}

/** Strict dotted quad → unsigned number, or null. Used for configuration, where a typing mistake must be reported. */
export function parseDottedQuad(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/**
 * The client address as squidGuard reads it: up to four dotted numbers, missing ones counting as 0 ('10.1' is
 * 10.1.0.0). Anything else (an IPv6 client, garbage) counts as 0.0.0.0, exactly as squidGuard compares it.
 */
export function clientAddress(text: string): number {
  const parts = text.split('.');
  if (parts.length > 4 || !parts.every((p) => /^\d+$/.test(p) && Number(p) <= 255)) return 0;
  let n = 0;
  for (let i = 0; i < 4; i++) n = n * 256 + (i < parts.length ? Number(parts[i]) : 0);
  return n;
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** One entry of an `ip` line or an `iplist` file → a rule, or the reason it is not one. */
export function parseIpRule(text: string): IpRule | string {
  const bad = `'${text}' is not an IPv4 address, range (a.b.c.d-e.f.g.h), prefix (a.b.c.d/24) or netmask (a.b.c.d/255.255.255.0)`;
  const dash = text.indexOf('-');
  if (dash > 0) {
    const first = parseDottedQuad(text.slice(0, dash));
    const last = parseDottedQuad(text.slice(dash + 1));
    if (first === null || last === null) return bad;
    if (first > last) return `the range '${text}' ends before it starts`;
    return { text, kind: 'range', net: first, mask: last };
  }
  const slash = text.indexOf('/');
  if (slash < 0) {
    const host = parseDottedQuad(text);
    return host === null ? bad : { text, kind: 'host', net: host, mask: 0xffffffff };
  }
  const net = parseDottedQuad(text.slice(0, slash));
  const suffix = text.slice(slash + 1);
  if (net === null) return bad;
  if (/^\d{1,2}$/.test(suffix)) {
    const prefix = Number(suffix);
    if (prefix > 32) return `the prefix /${suffix} in '${text}' is more than 32`;
    const mask = maskOf(prefix);
    return { text, kind: 'cidr', net: (net & mask) >>> 0, mask };
  }
  const mask = parseDottedQuad(suffix);
  if (mask === null) return bad;
  // squidGuard does not clear host bits for a netmask, so '10.0.0.5/255.255.255.0' never matches; kept as written
  return { text, kind: 'netmask', net, mask };
}

export function ipMatches(rule: IpRule, address: number): boolean {
  if (rule.kind === 'range') return address >= rule.net && address <= rule.mask;
  return ((address & rule.mask) >>> 0) === rule.net;
}

/** Words of an `ip` line or `iplist` line ('a - b' and 'a-b' alike, commas as spaces) → entries. */
export function ipWords(words: string[]): string[] {
  return words.join(' ').replace(/\s*-\s*/g, '-').split(/[\s,]+/).filter(Boolean);
}
