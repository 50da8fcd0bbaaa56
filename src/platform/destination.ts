/**
 * Where Osprey's own outbound connections may go: the web proxy (plain HTTP and CONNECT tunnels) and list downloads.
 * The rule is decided on the address a name resolved to, and the caller then connects to that same address, so a
 * name that resolves differently the second time (DNS rebinding) cannot walk round it.
 *
 * Never opened: loopback (127.0.0.0/8, ::1), unspecified (0.0.0.0/8, ::), link-local and cloud metadata
 * (169.254.0.0/16, fe80::/10), multicast (224.0.0.0/4, ff00::/8), reserved and broadcast (240.0.0.0/4, the local
 * subnets' broadcast addresses) and the server's own addresses — in IPv4 and in every IPv6 form that carries an IPv4
 * address (::ffff:127.0.0.1, ::ffff:7f00:1, ::127.0.0.1, 64:ff9b::7f00:1). Private ranges (RFC 1918, 100.64.0.0/10,
 * fc00::/7) only when a setting allows them. Ports as Squid's defaults: Safe_ports for plain HTTP, SSL_ports (443)
 * for tunnels. An allow entry opens one address (any kind), a range (private or public addresses only) or a host
 * name, optionally on one port, which it then opens whatever the port lists say.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { addressBytes, formatAddress, parseRange, rangeContains, type AddressRange } from './addresses.ts';

/** Squid's default Safe_ports: the ports plain HTTP may be sent to. */
export const DEFAULT_SAFE_PORTS = '80,21,443,70,210,1025-65535,280,488,591,777';
/** Squid's default SSL_ports: the ports a CONNECT tunnel may open. */
export const DEFAULT_SSL_PORTS = '443';

/** The destination rule as plain data (it is posted to the proxy's worker threads). */
export interface DestinationSettings {
  /** Open private addresses (RFC 1918, 100.64.0.0/10, fc00::/7). */
  allowPrivate: boolean;
  /** Allow entries: '10.0.5.20', '10.0.5.0/24', '192.0.2.7:8080', '[2001:db8::5]:443', 'lists.school.internal:8080'. */
  allowed: string[];
  /** Ports plain HTTP may use, e.g. '80,443,1025-65535'. */
  safePorts: string;
  /** Ports a CONNECT tunnel may open. */
  sslPorts: string;
}

export const DEFAULT_DESTINATIONS: DestinationSettings = { allowPrivate: false, allowed: [], safePorts: DEFAULT_SAFE_PORTS, sslPorts: DEFAULT_SSL_PORTS };

/** What a connection is for: plain HTTP (Safe_ports) or a tunnel (SSL_ports). */
export type DestinationUse = 'http' | 'tunnel';

export type RefusalKind = 'loopback' | 'unspecified' | 'link-local' | 'multicast' | 'reserved' | 'own-address' | 'private' | 'port';

export interface Refusal {
  kind: RefusalKind;
  /** The address (or the host, for a port refusal) that was refused. */
  address: string;
  port: number;
  /** Why, in plain words, ending in a full stop. */
  reason: string;
}

type AddressKind = 'public' | Exclude<RefusalKind, 'port' | 'own-address'>;

interface PortRange { from: number; to: number }

export interface AllowEntry {
  text: string;
  range?: AddressRange;
  /** A host name, lower case, no trailing dot. */
  name?: string;
  port?: number;
}

const ENTRY_EXAMPLE = 'write it like 10.0.5.20, 10.0.5.0/24, 192.0.2.7:8080, [2001:db8::5]:443 or lists.school.internal:8080';
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** One allow entry, or a sentence saying what is wrong with it. */
export function parseAllowEntry(raw: string): AllowEntry | string {
  const text = raw.trim().toLowerCase();
  let hostPart = text;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return `'${raw}' has a '[' without a ']' — ${ENTRY_EXAMPLE}`;
    hostPart = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return `'${raw}' has something after ']' that is not a port — ${ENTRY_EXAMPLE}`;
      portText = rest.slice(1);
    }
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [hostPart, portText] = text.split(':');
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return `'${raw}' has a port that does not exist — use a whole number from 1 to 65535`;
  }
  const slash = hostPart.indexOf('/');
  if (addressBytes(slash < 0 ? hostPart : hostPart.slice(0, slash))) {
    let range = parseRange(hostPart);
    if (typeof range === 'string') return range;
    const inner = unwrapIPv4(range.bytes);
    // an entry written in an IPv6 form of an IPv4 address is that IPv4 address, as requests are
    if (inner.length === 4 && range.prefix >= 96) range = parseRange(`${formatAddress(inner)}/${range.prefix - 96}`) as AddressRange;
    return { text: raw.trim(), range, port };
  }
  const name = hostPart.endsWith('.') ? hostPart.slice(0, -1) : hostPart;
  if (!HOST_NAME.test(name) || /^[0-9.]+$/.test(name) || /^0x/.test(name)) return `'${raw}' is not an address, a range or a host name — ${ENTRY_EXAMPLE}`;
  return { text: raw.trim(), name, port };
}

/** A port list such as '80,443,1025-65535', or a sentence saying what is wrong with it. */
export function parsePorts(text: string): PortRange[] | string {
  const ranges: PortRange[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] ? Number(m[2]) : from;
    if (!(from >= 1 && to <= 65535 && from <= to)) return `'${part}' is not a port or a range of ports — write ports from 1 to 65535 separated by commas, with ranges like 1025-65535`;
    ranges.push({ from, to });
  }
  if (ranges.length === 0) return 'no ports are given — write ports separated by commas, like 80,443';
  return ranges;
}

/** Splits a setting's text into allow entries (commas or spaces between them). */
export function allowEntriesOf(text: string | undefined): string[] {
  return (text ?? '').split(/[,\s]+/).map((e) => e.trim()).filter(Boolean);
}

// IPv4 ranges in the order they are checked; the first that holds the address decides its kind.
const V4_KINDS: Array<[string, AddressKind]> = [
  ['0.0.0.0/8', 'unspecified'], ['127.0.0.0/8', 'loopback'], ['169.254.0.0/16', 'link-local'], ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], ['10.0.0.0/8', 'private'], ['172.16.0.0/12', 'private'], ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'],
];
const V6_KINDS: Array<[string, AddressKind]> = [
  ['::/128', 'unspecified'], ['::1/128', 'loopback'], ['fe80::/10', 'link-local'], ['ff00::/8', 'multicast'],
  ['fc00::/7', 'private'], ['fec0::/10', 'private'],
];
const ranges = (list: Array<[string, AddressKind]>) => list.map(([cidr, kind]) => [parseRange(cidr) as AddressRange, kind] as const);
const V4_RANGES = ranges(V4_KINDS);
const V6_RANGES = ranges(V6_KINDS);
// IPv6 forms that carry an IPv4 address in their last four bytes: mapped, compatible (deprecated), NAT64.
const EMBEDS_V4 = ['::ffff:0:0/96', '::/96', '64:ff9b::/96'].map((c) => parseRange(c) as AddressRange);

/** The IPv4 address inside an IPv6 address that carries one ('::ffff:7f00:1' → 127.0.0.1), else the address itself. */
export function unwrapIPv4(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16) return bytes;
  // '::' and '::1' are IPv6's own unspecified and loopback addresses, not compatible-form IPv4
  if (bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] <= 1) return bytes;
  return EMBEDS_V4.some((r) => rangeContains(r, bytes)) ? bytes.slice(12) : bytes;
}

function kindOf(bytes: Uint8Array): AddressKind {
  for (const [range, kind] of bytes.length === 4 ? V4_RANGES : V6_RANGES) if (rangeContains(range, bytes)) return kind;
  return 'public';
}

/** The canonical text of an address in any spelling Node or a URL accepts ('::ffff:127.0.0.1' → '127.0.0.1'). */
export function canonicalAddress(address: string): string | null {
  const bytes = addressBytes(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  return bytes ? formatAddress(unwrapIPv4(bytes)) : null;
}

/**
 * The address a host names when it is an address in any of the spellings a URL allows (127.1, 2130706433,
 * 0x7f000001, 0177.0.0.1, [::ffff:127.0.0.1], a trailing dot), canonical; null for a name.
 */
export function literalAddress(host: string): string | null {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return canonicalAddress(bare);
  // what the WHATWG URL parser makes of it: it reads every IPv4 spelling browsers accept
  if (!/^[0-9a-fx.]+$/i.test(bare)) return null;
  try {
    const parsed = new URL(`http://${bare}/`).hostname;
    return isIP(parsed) ? canonicalAddress(parsed) : null;
  } catch {
    return null;
  }
}

/** 'localhost' and every name under it (RFC 6761 §6.3). */
export function isLocalhostName(name: string): boolean {
  const bare = name.toLowerCase().replace(/\.$/, '');
  return bare === 'localhost' || bare.endsWith('.localhost');
}

const OWN_REFRESH_MS = 10_000;

const WHY: Record<Exclude<RefusalKind, 'port'>, (address: string) => string> = {
  loopback: (a) => `${a} is a loopback address: it means the server Osprey runs on, which Osprey never opens.`,
  unspecified: (a) => `${a} is not the address of any site; it would reach the server Osprey runs on, which Osprey never opens.`,
  'link-local': (a) => `${a} is a link-local address (used only on the local network link, and by cloud servers for their private settings), which Osprey never opens.`,
  multicast: (a) => `${a} is a multicast address, not the address of a site.`,
  reserved: (a) => `${a} is a reserved or broadcast address, not the address of a site.`,
  'own-address': (a) => `${a} is one of the addresses of the server Osprey runs on, which Osprey never opens.`,
  private: (a) => `${a} is an address on a private network, such as the school's own, which Osprey does not open unless the network manager allows it.`,
};

/** A resolved destination: the address to connect to, the one that was checked. */
export interface Destination { address: string; family: 4 | 6 }

export type DestinationAnswer = { ok: true; destination: Destination } | { ok: false; refusal: Refusal };

/** Finds every address of a host name (the caller's resolver: the system's, the proxy's name servers). */
export type ResolveAll = (name: string) => Promise<string[]>;

export interface CheckOptions {
  /** The host name asked for, for allow entries written as names. */
  name?: string;
  /** The control plane's own address (the log-on and sign pages): the server's own addresses are open for it. */
  portal?: boolean;
}

/** The destination rule, ready to check addresses against. */
export class DestinationRules {
  private readonly allow: AllowEntry[];
  private readonly safePorts: PortRange[];
  private readonly sslPorts: PortRange[];
  private own = new Map<string, RefusalKind>();
  private ownLoadedAt = -Infinity;

  /** Throws an Error listing every problem when the settings do not make sense. */
  constructor(readonly settings: DestinationSettings) {
    const problems = destinationProblems(settings);
    if (problems.length) throw new Error(`The destination settings cannot be used: ${problems.join('; ')}.`);
    this.allow = settings.allowed.map((e) => parseAllowEntry(e) as AllowEntry);
    this.safePorts = parsePorts(settings.safePorts) as PortRange[];
    this.sslPorts = parsePorts(settings.sslPorts) as PortRange[];
  }

  /** The ports a use may open, as the setting reads ('443', '80,21,443,…'). */
  portsText(use: DestinationUse): string {
    return use === 'tunnel' ? this.settings.sslPorts : this.settings.safePorts;
  }

  /** Decides an address (already resolved) on a port; null when the connection may be made. */
  check(address: string, port: number, use: DestinationUse, options: CheckOptions = {}): Refusal | null {
    const bytes = addressBytes(address.replace(/%.*$/, ''));
    if (!bytes) return { kind: 'reserved', address, port, reason: `${address} is not an address.` };
    const plain = unwrapIPv4(bytes);
    const text = formatAddress(plain);
    const name = options.name?.toLowerCase().replace(/\.$/, '');
    let exact = false;
    let ranged = false;
    let portOpened = false;
    for (const entry of this.allow) {
      if (entry.port !== undefined && entry.port !== port) continue;
      if (entry.name !== undefined) {
        if (entry.name !== name) continue;
        exact = true;
      } else if (entry.range && rangeContains(entry.range, plain)) {
        if (entry.range.prefix === plain.length * 8) exact = true;
        else ranged = true;
      } else continue;
      if (entry.port !== undefined) portOpened = true;
    }
    if (!portOpened && !this.portOpen(port, use)) return this.portRefusal(text, port, use);
    if (exact) return null;
    const kind = kindOf(plain);
    if (kind !== 'public' && kind !== 'private') return { kind, address: text, port, reason: WHY[kind](text) };
    const own = this.ownAddresses().get(text);
    if (own && !options.portal) return { kind: own, address: text, port, reason: WHY[own as Exclude<RefusalKind, 'port'>](text) };
    if (kind === 'private' && !this.settings.allowPrivate && !ranged && !options.portal) return { kind, address: text, port, reason: WHY.private(text) };
    return null;
  }

  /** For a name that another proxy resolves (a parent proxy): only its port can be checked here. */
  checkPortOnly(name: string, port: number, use: DestinationUse): Refusal | null {
    const bare = name.toLowerCase().replace(/\.$/, '');
    if (this.portOpen(port, use) || this.allow.some((e) => e.port === port && e.name === bare)) return null;
    return this.portRefusal(bare, port, use);
  }

  /** Whether a port is in the list for its use, or opened by an allow entry; for a quick refusal before resolving. */
  portPossible(port: number, use: DestinationUse): boolean {
    return this.portOpen(port, use) || this.allow.some((e) => e.port === port);
  }

  portRefusal(host: string, port: number, use: DestinationUse): Refusal {
    const reason = use === 'tunnel'
      ? `Secure (https) connections are only opened on the ports the school allows (${this.settings.sslPorts}), not port ${port}.`
      : `Web pages are only fetched from the usual web ports (${this.settings.safePorts}), not port ${port}.`;
    return { kind: 'port', address: host, port, reason };
  }

  /**
   * Resolves `host` (unless it is an address) and checks every address it gives; the answer is the first address
   * allowed — the one to connect to — or the refusal of the first address.
   */
  async resolve(host: string, port: number, use: DestinationUse, resolveAll: ResolveAll, options: CheckOptions = {}): Promise<DestinationAnswer> {
    const literal = literalAddress(host);
    const name = literal ? undefined : host.toLowerCase().replace(/\.$/, '');
    if (!this.portPossible(port, use)) return { ok: false, refusal: this.portRefusal(literal ?? name!, port, use) };
    // RFC 6761: localhost names are loopback whatever a name server says, so none is asked
    const addresses = literal ? [literal] : isLocalhostName(name!) ? ['127.0.0.1'] : await resolveAll(name!);
    let first: Refusal | null = null;
    for (const address of addresses) {
      const refusal = this.check(address, port, use, { ...options, name });
      if (!refusal) {
        const checked = canonicalAddress(address)!;
        return { ok: true, destination: { address: checked, family: isIP(checked) as 4 | 6 } };
      }
      first ??= refusal;
    }
    if (!first) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    return { ok: false, refusal: first };
  }

  private portOpen(port: number, use: DestinationUse): boolean {
    for (const r of use === 'tunnel' ? this.sslPorts : this.safePorts) if (port >= r.from && port <= r.to) return true;
    return false;
  }

  /** The server's own addresses and its subnets' broadcast addresses, read again every few seconds. */
  private ownAddresses(): Map<string, RefusalKind> {
    const now = Date.now();
    if (now - this.ownLoadedAt < OWN_REFRESH_MS) return this.own;
    const own = new Map<string, RefusalKind>();
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) {
        const bytes = addressBytes(i.address.replace(/%.*$/, ''));
        if (!bytes) continue;
        own.set(formatAddress(unwrapIPv4(bytes)), 'own-address');
        const mask = addressBytes(i.netmask);
        if (bytes.length === 4 && mask && mask[3] < 254) {
          const broadcast = bytes.map((b, n) => b | (~mask[n] & 0xff));
          own.set(formatAddress(broadcast), 'reserved');
        }
      }
    }
    this.own = own;
    this.ownLoadedAt = now;
    return own;
  }
}

/** Every problem with the settings, as phrases (empty when they are fine). */
export function destinationProblems(s: DestinationSettings): string[] {
  const problems: string[] = [];
  for (const entry of s.allowed) {
    const parsed = parseAllowEntry(entry);
    if (typeof parsed === 'string') problems.push(parsed);
  }
  for (const [what, text] of [['safe ports', s.safePorts], ['SSL ports', s.sslPorts]] as const) {
    const parsed = parsePorts(text);
    if (typeof parsed === 'string') problems.push(`${what}: ${parsed}`);
  }
  return problems;
}
