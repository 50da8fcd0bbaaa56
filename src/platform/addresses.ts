/**
 * Client addresses and address ranges (IPv4 and IPv6), shared by identity (which range a device's address falls in)
 * and the proxy's destination rule (platform/destination.ts). A dual-stack socket reports IPv4 clients as
 * '::ffff:10.0.0.5'; that is the IPv4 address 10.0.0.5 here, so a school writes its ranges once, in the form its
 * network uses.
 */
import { isIP } from 'node:net';

export interface AddressRange {
  /** Normalised text: '10.0.5.0/24', '2001:db8::/32', '10.0.5.23/32'. */
  cidr: string;
  family: 4 | 6;
  /** Network bytes (4 or 16), host bits cleared. */
  bytes: Uint8Array;
  prefix: number;
}

/** '::ffff:10.0.0.5' → '10.0.0.5'; other addresses unchanged (lower-case). */
export function plainAddress(ip: string): string {
  return ip.length > 7 && ip.charCodeAt(0) === 58 && ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip.toLowerCase();
}

export function addressBytes(ip: string): Uint8Array | null {
  const plain = plainAddress(ip);
  const family = isIP(plain);
  if (family === 4) return new Uint8Array(plain.split('.').map(Number));
  if (family !== 6) return null;
  return ipv6Bytes(plain);
}

function ipv6Bytes(text: string): Uint8Array | null {
  let head = text;
  let tail4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const words = (s: string | undefined) => (s ? s.split(':').filter((w) => w !== '').map((w) => parseInt(w, 16)) : []);
  const l = words(left);
  const r = words(right);
  const all = right === undefined ? l : [...l, ...new Array(8 - l.length - r.length).fill(0), ...r];
  if (all.length !== 8 || all.some((w) => !(w >= 0 && w <= 0xffff))) return null;
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => { bytes[2 * i] = w >> 8; bytes[2 * i + 1] = w & 0xff; });
  if (tail4.length === 4) bytes.set(tail4, 12);
  return bytes;
}

/** A range as a person types it: an address ('10.0.5.23'), a CIDR ('10.0.5.0/24') or an IPv6 prefix. */
export function parseRange(text: string): AddressRange | string {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const bytes = addressBytes(address);
  if (!bytes) return `'${text}' is not an address or a range. Write it like 10.0.5.0/24, 10.0.5.23 or 2001:db8::/32.`;
  const family = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const suffix = slash < 0 ? String(max) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(suffix) || Number(suffix) > max) return `The prefix in '${text}' must be a whole number from 0 to ${max}.`;
  const prefix = Number(suffix);
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { cidr: `${formatAddress(bytes)}/${prefix}`, family, bytes, prefix };
}

export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // RFC 5952: the longest run of two or more zero words becomes '::'
  let best = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) { best = i; bestLength = j - i; }
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

export function rangeContains(range: AddressRange, address: Uint8Array): boolean {
  if (address.length !== range.bytes.length) return false;
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (address[i] !== range.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[full] & mask) === range.bytes[full];
}

/** The private and local networks, answered by default. `private` in the setting stands for this list (the DNS resolver's allowed clients, filtering/dns/clients.ts). */
export const PRIVATE_NETWORKS: readonly string[] = [
  '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16',
  '::1/128', 'fc00::/7', 'fe80::/10',
];

/**
 * Reads a list of allowed clients (addresses, ranges and the word `private`, separated by commas) into ranges, or
 * says in plain words what is wrong with it.
 */
export function parseAllowedClients(text: string): AddressRange[] | string {
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) return 'list at least one address or range, or leave the setting out to answer the private networks';
  const ranges: AddressRange[] = [];
  for (const entry of entries) {
    if (entry.toLowerCase() === 'private') {
      for (const cidr of PRIVATE_NETWORKS) ranges.push(parseRange(cidr) as AddressRange);
      continue;
    }
    const range = parseRange(entry);
    if (typeof range === 'string') return range;
    if (range.prefix === 0) return `'${entry}' is every address there is, which would make the resolver open to the whole internet — list the school's own ranges instead`;
    ranges.push(range);
  }
  return ranges;
}

/** A DNS server's address with an optional port (53 when none), e.g. 192.0.2.53:53 or [2001:db8::53]:53; throws when it is not one. */
export function parseDnsServer(spec: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  const host = match ? match[1] : spec;
  const port = match?.[2] !== undefined ? Number(match[2]) : 53;
  if (isIP(host) === 0 || !(port > 0 && port < 65536)) {
    throw new Error(`DNS upstream '${spec}' is not an IP address with an optional port (e.g. 192.0.2.53:53 or [2001:db8::53]:53)`);
  }
  return { host, port };
}
