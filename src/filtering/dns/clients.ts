/**
 * Whom the resolver answers (issue 18): the school's networks, never the whole internet. An open resolver answers
 * anyone who asks, so it is used to bounce large answers at a victim whose address the attacker writes as the
 * sender (reflection) and to look up names in bulk. Osprey answers a device when its address is
 *   - in the allowed ranges: OSPREY_DNS_ALLOWED_CLIENTS, or by default the private and local networks a school uses
 *     inside (loopback, 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, fc00::/7, fe80::/10), or
 *   - known to the school: in an address range or device on the Devices and log-on page, or logged on (the resolver
 *     checks this through identify(), which it asks anyway),
 * and refuses everyone else (REFUSED, with no work done and nothing recorded).
 */
import { addressBytes, parseRange, PRIVATE_NETWORKS, rangeContains, type AddressRange } from '../../platform/addresses.ts';

export { parseAllowedClients, PRIVATE_NETWORKS } from '../../platform/addresses.ts';

export class AllowedClients {
  /** IPv4 ranges as network and mask pairs, so the common check parses the address without allocating. */
  private readonly v4: Uint32Array;
  private readonly v6: AddressRange[];

  constructor(ranges: readonly AddressRange[]) {
    const v4 = ranges.filter((r) => r.family === 4);
    this.v4 = new Uint32Array(v4.length * 2);
    v4.forEach((r, i) => {
      const mask = r.prefix === 0 ? 0 : (0xffffffff << (32 - r.prefix)) >>> 0;
      this.v4[i * 2] = ((r.bytes[0] << 24) | (r.bytes[1] << 16) | (r.bytes[2] << 8) | r.bytes[3]) >>> 0 & mask;
      this.v4[i * 2 + 1] = mask;
    });
    this.v6 = ranges.filter((r) => r.family === 6);
  }

  /** The default: the private and local networks. */
  static privateNetworks(): AllowedClients {
    return new AllowedClients(PRIVATE_NETWORKS.map((cidr) => parseRange(cidr) as AddressRange));
  }

  /** True when `address` (as a socket reports it: '10.0.0.5', '::ffff:10.0.0.5', 'fd00::5') is in a range. */
  allows(address: string): boolean {
    const v4 = ipv4Number(address);
    if (v4 >= 0) {
      const ranges = this.v4;
      for (let i = 0; i < ranges.length; i += 2) if (((v4 & ranges[i + 1]) >>> 0) === ranges[i]) return true;
      return false;
    }
    const bytes = addressBytes(address);
    if (bytes === null || bytes.length !== 16) return false;
    for (const range of this.v6) if (rangeContains(range, bytes)) return true;
    return false;
  }
}

/** A dotted IPv4 address (optionally '::ffff:'-mapped) as an unsigned number, or -1 when it is not one. */
function ipv4Number(address: string): number {
  let i = address.charCodeAt(0) === 58 && address.startsWith('::ffff:') ? 7 : 0;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}
