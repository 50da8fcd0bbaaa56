/**
 * Turns whatever a list file says into the host form the engine matches: lower case, no trailing dot, international
 * names in punycode, IP addresses kept. Anything that is not a usable host comes back with a plain reason.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse as parseHost } from 'tldts';
import { quote } from './types.js';

export type HostCheck =
  | { ok: true; host: string; kind: 'domain' | 'ip' }
  | { ok: false; reason: string };

export interface HostOptions {
  /**
   * Accept a bare public suffix such as `sch.uk`. Never for imported block lists (one entry would block a whole
   * country's sites); an allow list of "every UK school" is the kind of caller that may want it.
   */
  allowPublicSuffix?: boolean;
}

const MAX_NAME = 253;
const MAX_LABEL = 63;

// Underscores are not allowed in host names but are common in real DNS names (and real lists: `a_b.tripod.com`).
const NOT_HOST_CHARACTER = /[^a-z0-9._-]/;

function notADomain(raw: string, why: string): HostCheck {
  return { ok: false, reason: `not a domain: ${quote(raw)} (${why})` };
}

function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** The host of something that looks like a web address, for a helpful hint; undefined when it has none. */
function hostOfWebAddress(raw: string): string | undefined {
  try {
    const host = new URL(raw.includes('://') ? raw : `http://${raw}`).hostname;
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

function describeCharacter(character: string): string {
  if (character === '*') return "it contains '*'; a wildcard is only allowed as a leading '*.'";
  const code = character.codePointAt(0) ?? 0;
  const shown = code < 0x20 || code === 0x7f ? `character ${code}` : `'${character}'`;
  return `it contains ${shown}, which cannot appear in a domain`;
}

export function normaliseHost(raw: string, options: HostOptions = {}): HostCheck {
  let host = raw.trim();
  if (host === '') return { ok: false, reason: 'empty' };

  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv6(unbracketed)) return { ok: true, host: canonicalIPv6(unbracketed), kind: 'ip' };
  if (host.endsWith('.') && host.length > 1) host = host.slice(0, -1);
  if (isIPv4(host)) return { ok: true, host, kind: 'ip' };

  if (/^[0-9.]+\/\d{1,2}$/.test(host) || /^[0-9a-f:]+\/\d{1,3}$/i.test(host)) {
    return notADomain(raw, 'address ranges are not supported; list single addresses');
  }
  if (host.includes('://') || host.includes('/')) {
    const webHost = hostOfWebAddress(host);
    return notADomain(raw, webHost === undefined ? "it contains '/'" : `it is a web address; list just its domain, '${webHost}'`);
  }
  if (/\s/.test(host)) return notADomain(raw, 'it contains a space');

  // International names go through the WHATWG rules (as browsers do); plain ASCII is checked below without them,
  // because those rules would turn a name such as '1.2.3' into the address 1.2.0.3.
  if (/[\u0080-\uffff]/.test(host)) {
    const ascii = domainToASCII(host);
    if (ascii === '') return notADomain(raw, 'its international characters do not make a valid domain');
    host = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
    if (isIPv4(host)) return { ok: true, host, kind: 'ip' };
  }
  host = host.toLowerCase();

  if (host.length > MAX_NAME) return notADomain(raw, `it is ${host.length} characters long; a domain can have at most ${MAX_NAME}`);
  const bad = NOT_HOST_CHARACTER.exec(host);
  if (bad) return notADomain(raw, describeCharacter(bad[0]));
  const labels = host.split('.');
  if (labels.some((label) => label === '')) return notADomain(raw, 'it has an empty part between dots');
  const long = labels.find((label) => label.length > MAX_LABEL);
  if (long !== undefined) {
    return notADomain(raw, `the part ${quote(long, 20)} is ${long.length} characters long; each part of a domain can have at most ${MAX_LABEL}`);
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return notADomain(raw, 'it ends in a number but is not an IP address');

  if (!options.allowPublicSuffix) {
    const parsed = parseHost(host, { allowPrivateDomains: false, extractHostname: false, detectIp: false, validateHostname: false });
    if (parsed.isIcann && parsed.publicSuffix === host) {
      return { ok: false, reason: `'${host}' is a public suffix: it would block every site under it` };
    }
  }
  if (labels.length === 1) return notADomain(raw, "it has no dot; an entry needs a full name such as 'example.com'");
  return { ok: true, host, kind: 'domain' };
}
