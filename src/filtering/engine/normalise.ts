/**
 * Host and URL normalisation for the decision path. Hosts reach the engine from DNS questions, CONNECT lines, Host
 * headers and absolute URLs; the same site must produce the same string every time, or a list entry can be dodged
 * by writing it differently (`WWW.Example.COM.`, `xn--…`, `3232235777`). The result follows the WHATWG URL host
 * parser for http(s) (what a browser would connect to), plus two DNS rules that only ever turn an odd host into an
 * invalid one: no empty labels, at most 253 characters.
 *
 * Already-normal ASCII hosts take a single character scan and come back as the same string (no allocation).
 */
import { domainToASCII } from 'node:url';

/** RFC 1035: a name longer than this cannot be resolved, so no real request uses one. */
const MAX_HOST_LENGTH = 253;

/** Per character code below 128: how the host scan treats it; 0 = as it is (a-z 0-9 - _ . and other allowed punctuation). */
const UPPER = 1; // A-Z: lower-case
const FORBIDDEN = 2; // WHATWG forbidden domain code points and C0 controls: never part of a host
const SLOW = 3; // '%': percent-decoding needs the full parser
const CHAR_CLASS = buildCharClasses();

function buildCharClasses(): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 0x21; c++) table[c] = FORBIDDEN;
  for (const ch of '#/:<>?@[\\]^|') table[ch.charCodeAt(0)] = FORBIDDEN;
  table[0x7f] = FORBIDDEN;
  for (let c = 65; c <= 90; c++) table[c] = UPPER;
  table[37] = SLOW;
  return table;
}

/**
 * The host as the filter compares it: lower-case, no trailing dot, IDN in punycode, IPv4 in dotted-decimal, IPv6
 * without brackets in its shortest form. Returns null (never throws) for anything that is not a host.
 */
export function normaliseHost(input: string): string | null {
  if (typeof input !== 'string') return null;
  const length = input.length;
  if (length === 0 || length > 1024) return null;
  let upper = false;
  let slow = false; // non-ASCII, '%' or an 'xn--' label: needs the IDNA implementation
  let emptyLabel = false;
  let previous = 46;
  let labelStart = 0;
  for (let i = 0; i < length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 128) slow = true;
    else {
      const kind = CHAR_CLASS[c];
      if (kind === UPPER) upper = true;
      else if (kind === SLOW) slow = true;
      else if (kind === FORBIDDEN) return c === 91 || c === 58 ? normaliseIpv6(input) : null; // '[' ':': IPv6 only
      else if (c === 46) {
        if (previous === 46) emptyLabel = true;
        labelStart = i + 1;
      } else if (c === 45 && previous === 45 && i - labelStart === 3
        && (input.charCodeAt(labelStart) | 0x20) === 120 && (input.charCodeAt(labelStart + 1) | 0x20) === 110) {
        slow = true; // 'xn--' must be valid punycode, which only the IDNA implementation can check
      }
    }
    previous = c;
  }
  const last = input.charCodeAt(labelStart);
  // the common case: already normal, and the last label does not start with a digit (so it cannot be IPv4)
  if (!upper && !slow && !emptyLabel && previous !== 46 && length <= MAX_HOST_LENGTH && !(last >= 48 && last <= 57)) return input;
  let host = input;
  if (slow) {
    // UTS 46 mapping, percent-decoding and punycode validation: rare, so the ~2 µs WHATWG implementation is fine
    host = domainToASCII(input);
    if (host === '') return null;
  } else if (upper) {
    host = input.toLowerCase();
  }
  return finishHost(host);
}

/** Checks shared by every ASCII host: one trailing dot dropped, no empty labels, IPv4 forms made dotted-decimal. */
function finishHost(host: string): string | null {
  let end = host.length;
  if (host.charCodeAt(end - 1) === 46) end--;
  if (end === 0 || end > MAX_HOST_LENGTH) return null;
  let previous = 46;
  for (let i = 0; i < end; i++) {
    const c = host.charCodeAt(i);
    if (c === 46 && previous === 46) return null; // an empty label: leading dot or '..'
    previous = c;
  }
  if (previous === 46) return null;
  const trimmed = end === host.length ? host : host.slice(0, end);
  return endsInNumber(trimmed) ? parseIpv4(trimmed) : trimmed;
}

/** WHATWG "ends in a number": the last label is decimal digits or 0x-hex, so the host must be an IPv4 address. */
function endsInNumber(host: string): boolean {
  const last = host.lastIndexOf('.') + 1;
  const c0 = host.charCodeAt(last);
  if (c0 < 48 || c0 > 57) return false;
  if (c0 === 48 && (host.charCodeAt(last + 1) | 0x20) === 120) {
    for (let i = last + 2; i < host.length; i++) if (!isHexDigit(host.charCodeAt(i))) return false;
    return true;
  }
  for (let i = last + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

const ipv4Parts = new Float64Array(4);

/**
 * WHATWG IPv4 parser: 1–4 parts, each decimal, 0-octal or 0x-hex; the last part fills the remaining bytes. Scans
 * in place (no split): an already dotted-decimal address comes back as the same string.
 */
export function parseIpv4(host: string): string | null {
  let count = 0;
  let start = 0;
  let canonical = true;
  for (let i = 0; i <= host.length; i++) {
    if (i < host.length && host.charCodeAt(i) !== 46) continue;
    if (count === 4) return null;
    const n = parseIpv4Number(host, start, i);
    if (n < 0) return null;
    if (n > 255 || (i - start > 1 && host.charCodeAt(start) === 48)) canonical = false;
    ipv4Parts[count++] = n;
    start = i + 1;
  }
  if (canonical && count === 4) return host;
  let address = ipv4Parts[count - 1];
  if (address >= 256 ** (5 - count)) return null;
  for (let i = 0; i < count - 1; i++) {
    if (ipv4Parts[i] > 255) return null;
    address += ipv4Parts[i] * 256 ** (3 - i);
  }
  return `${Math.floor(address / 16777216)}.${Math.floor(address / 65536) % 256}.${Math.floor(address / 256) % 256}.${address % 256}`;
}

/** One IPv4 part, host[start…end), as a number, or -1. Values beyond 2^32 are only ever failures, so they stop early. */
function parseIpv4Number(host: string, start: number, end: number): number {
  if (start === end) return -1;
  let radix = 10;
  if (end - start >= 2 && host.charCodeAt(start) === 48 && (host.charCodeAt(start + 1) | 0x20) === 120) {
    radix = 16;
    start += 2;
  } else if (end - start >= 2 && host.charCodeAt(start) === 48) {
    radix = 8;
    start += 1;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = host.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : 99;
    if (digit >= radix) return -1;
    value = value * radix + digit;
    if (value > 0xffffffff) return -1;
  }
  return value;
}

/**
 * `[v6]` or a bare v6 address (DNS-style) → the WHATWG serialisation without brackets; an IPv4-mapped
 * (`::ffff:127.0.0.1`) or IPv4-compatible (`::127.0.0.1`) address → the IPv4 address it carries, so that an IP entry
 * in a list cannot be walked round by writing the address as IPv6.
 */
function normaliseIpv6(input: string): string | null {
  const bracketed = input.charCodeAt(0) === 91;
  if (bracketed && input.charCodeAt(input.length - 1) !== 93) return null;
  const inner = bracketed ? input.slice(1, -1) : input;
  if (!/^[0-9a-fA-F:.]+$/.test(inner)) return null;
  try {
    const address = new URL(`http://[${inner}]/`).hostname.slice(1, -1);
    return ipv4InIpv6(address) ?? address;
  } catch {
    return null;
  }
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or IPv4-compatible (::/96, RFC 4291 §2.5.5) address, given
 * in its WHATWG serialisation; null for any other address. `::` and `::1` are IPv6's own unspecified and loopback
 * addresses, not IPv4 ones.
 */
function ipv4InIpv6(address: string): string | null {
  if (!address.startsWith('::')) return null; // both forms start with at least five zero groups, compressed to '::'
  const groups = address.slice(2).split(':');
  if (groups[0] === 'ffff' && groups.length === 3) groups.shift();
  else if (groups.length > 2 || groups[0] === 'ffff' || groups[0] === '') return null;
  const high = groups.length === 2 ? parseInt(groups[0], 16) : 0;
  const low = parseInt(groups[groups.length - 1], 16);
  if (high === 0 && low <= 1 && address.length <= 3) return null;
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** True when a normalised host is an IP literal (exact matches only: '2.3.4' is not a parent of '1.2.3.4'). */
export function isIpLiteral(host: string): boolean {
  const c = host.charCodeAt(host.length - 1);
  return host.includes(':') || (c >= 48 && c <= 57 && endsInNumber(host));
}

export interface UrlParts {
  /** Lower-case, without ':'. */
  scheme: string;
  /** Normalised as by `normaliseHost`. */
  host: string;
  /** Digits as written, '' when absent. */
  port: string;
  /** Path and query, without the fragment; '/' at least. */
  pathAndQuery: string;
}

const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp']);

/**
 * Where the host and path of a URL are, found without `new URL` (which costs ~0.5–2 µs) for the plain absolute
 * URLs front-ends see. `ok` false means "not plain": use `canonicalUrl` (WHATWG) instead. Reused, not reallocated.
 */
export const urlScan = { ok: false, hostStart: 0, hostEnd: 0, pathStart: 0 };

/** Where the path and query end: at the fragment, or the end. Separate from `scanUrl` because most requests never read their path. */
export function pathEndOf(url: string, pathStart: number): number {
  const end = url.indexOf('#', pathStart);
  return end < 0 ? url.length : end;
}

/**
 * `scanUrl` for the usual case where the URL's authority is exactly the (already normal) request host, perhaps
 * with a port: compared with one native `startsWith` instead of a character scan. False means "use scanUrl".
 */
export function scanUrlWithHost(url: string, host: string): boolean {
  urlScan.ok = false;
  const schemeEnd = url.indexOf(':');
  if (schemeEnd < 2 || schemeEnd > 5 || url.charCodeAt(schemeEnd + 1) !== 47 || url.charCodeAt(schemeEnd + 2) !== 47) return false;
  const hostStart = schemeEnd + 3;
  if (!isSpecialScheme(url, schemeEnd) || !url.startsWith(host, hostStart)) return false;
  const hostEnd = hostStart + host.length;
  let j = hostEnd;
  let c = url.charCodeAt(j);
  if (c === 58) {
    do c = url.charCodeAt(++j); while (c >= 48 && c <= 57);
    if (!isPort(url, hostEnd + 1, j)) return false;
  }
  if (j < url.length && c !== 47 && c !== 63 && c !== 35) return false; // '@', '\\' … : the careful scan decides
  urlScan.hostStart = hostStart;
  urlScan.hostEnd = hostEnd;
  urlScan.pathStart = j;
  urlScan.ok = true;
  return true;
}

/** Fills `urlScan` for `scheme://host[:port]/path?query#fragment` with nothing that WHATWG would rewrite. */
export function scanUrl(url: string): boolean {
  urlScan.ok = false;
  const length = url.length;
  let i = 0;
  while (i < length && i < 8) {
    const c = url.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) break;
    i++;
  }
  if (i < 2 || url.charCodeAt(i) !== 58 || url.charCodeAt(i + 1) !== 47 || url.charCodeAt(i + 2) !== 47) return false;
  const schemeEnd = i;
  if (!isSpecialScheme(url, schemeEnd)) return false;
  const hostStart = i + 3;
  let hostEnd = -1;
  let j = hostStart;
  if (url.charCodeAt(j) === 91) {
    // an IPv6 literal: its colons are not a port separator
    const close = url.indexOf(']', j);
    if (close < 0) return false;
    j = close + 1;
    hostEnd = j;
    const c = url.charCodeAt(j);
    if (j < length && c !== 58 && c !== 47 && c !== 63 && c !== 35) return false;
  }
  for (; j < length; j++) {
    const c = url.charCodeAt(j);
    if (c === 47 || c === 63 || c === 35) break;
    if (c <= 32 || c >= 127 || c === 64 || c === 92 || c === 91) return false; // space, non-ASCII, userinfo, '\'
    if (c === 58 && hostEnd < 0) hostEnd = j;
  }
  const authorityEnd = j;
  if (hostEnd < 0) hostEnd = authorityEnd;
  else if (hostEnd < authorityEnd && !isPort(url, hostEnd + 1, authorityEnd)) return false;
  if (hostEnd === hostStart) return false;
  urlScan.hostStart = hostStart;
  urlScan.hostEnd = hostEnd;
  urlScan.pathStart = authorityEnd;
  urlScan.ok = true;
  return true;
}

function isSpecialScheme(url: string, end: number): boolean {
  // http and https without allocating; the other special schemes are rare enough to slice
  if ((url.charCodeAt(0) | 0x20) === 104 && (url.charCodeAt(1) | 0x20) === 116 && (url.charCodeAt(2) | 0x20) === 116
    && (url.charCodeAt(3) | 0x20) === 112 && (end === 4 || (end === 5 && (url.charCodeAt(4) | 0x20) === 115))) return true;
  return SPECIAL_SCHEMES.has(url.slice(0, end).toLowerCase());
}

function isPort(url: string, start: number, end: number): boolean {
  if (end - start > 5) return false;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    value = value * 10 + c - 48;
  }
  return value <= 65535;
}

/** Characters WHATWG percent-encodes in a path or special query, and '\\' (a slash in special schemes). */
const NOT_PLAIN_IN_PATH = new Uint8Array(128);
for (const ch of '"\'<>\\^`{}') NOT_PLAIN_IN_PATH[ch.charCodeAt(0)] = 1;

/**
 * True when the path between `start` and `end` is already in the form a browser sends: no dot
 * segments (also %2e-encoded), no backslashes, spaces or non-ASCII. Checked only when a path is compared.
 */
export function isPlainPath(url: string, start: number, end: number): boolean {
  if (end > start && (url.charCodeAt(start) !== 47 || url.charCodeAt(end - 1) === 63)) return false; // '?q' → '/?q'; an empty query is dropped
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c <= 32 || c >= 127 || NOT_PLAIN_IN_PATH[c] === 1) return false;
    if (c === 37 && url.charCodeAt(i + 1) === 50 && (url.charCodeAt(i + 2) | 0x20) === 101) return false;
    if (c === 46 && url.charCodeAt(i - 1) === 47) {
      const next = i + 1 < end ? url.charCodeAt(i + 1) : 47;
      const after = i + 2 < end ? url.charCodeAt(i + 2) : 47;
      if (next === 47 || next === 63 || (next === 46 && (after === 47 || after === 63))) return false;
    }
  }
  return true;
}

/**
 * The WHATWG form of an absolute http(s)/ws(s)/ftp URL without userinfo, or null. For odd inputs only: tabs,
 * userinfo, backslashes, dot segments, IPv6 hosts, non-ASCII. The fragment is kept (an empty one as '#'): squidGuard
 * compares it as part of the path, so a list entry `example.com/#p2` means that text, never the whole site.
 */
export function canonicalUrl(url: string): string | null {
  if (typeof url !== 'string' || url.length > 65536) return null;
  try {
    const parsed = new URL(url);
    const scheme = parsed.protocol.slice(0, -1);
    if (!SPECIAL_SCHEMES.has(scheme) || parsed.hostname === '') return null;
    const host = normaliseHost(parsed.hostname);
    if (host === null) return null;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const fragment = parsed.hash !== '' ? parsed.hash : parsed.href.endsWith('#') ? '#' : '';
    return `${scheme}://${hostPart}${parsed.port === '' ? '' : `:${parsed.port}`}${parsed.pathname}${parsed.search}${fragment}`;
  } catch {
    return null;
  }
}

/** Hex digit value of a character code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * The path, query and fragment in url[start…end) as URL entries and expressions compare them, squidGuard's way:
 * every %XX decoded once (to the character with that byte's code), then runs of '/' before the first '?' merged
 * into one — so `//second-chance` and `/pr1v4%74e1` cannot get past `/second-chance` and `/pr1v4te1`. Returns null when
 * the text is already in that form (almost always), so the caller compares the original string without a copy.
 */
export function comparablePath(url: string, start: number, end: number): string | null {
  let plain = true;
  let inPath = true;
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 37 && i + 2 < end && hexValue(url.charCodeAt(i + 1)) >= 0 && hexValue(url.charCodeAt(i + 2)) >= 0) {
      plain = false;
      break;
    }
    if (c === 63) inPath = false;
    else if (inPath && c === 47 && i + 1 < end && url.charCodeAt(i + 1) === 47) {
      plain = false;
      break;
    }
  }
  if (plain) return null;
  let decoded = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (url.charCodeAt(i) !== 37 || i + 2 >= end) continue;
    const high = hexValue(url.charCodeAt(i + 1));
    const low = hexValue(url.charCodeAt(i + 2));
    if (high < 0 || low < 0) continue;
    decoded += url.slice(from, i) + String.fromCharCode(high * 16 + low);
    from = i + 3;
    i += 2;
  }
  decoded += url.slice(from, end);
  let query = decoded.indexOf('?');
  if (query < 0) query = decoded.length;
  const path = decoded.slice(0, query);
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') + decoded.slice(query) : decoded;
}

/** ASCII-only lower case, as squidGuard's tolower: other characters (decoded bytes ≥ 128) are left as they are. */
export function asciiLowerCase(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : text;
}

/** A URL's parts, normalised. Not for the hot path (allocates); `decide` uses `scanUrl` directly. */
export function splitUrl(url: string): UrlParts | null {
  if (typeof url !== 'string') return null;
  let text = url;
  if (!scanUrl(text) || !isPlainPath(text, urlScan.pathStart, pathEndOf(text, urlScan.pathStart))) {
    const canonical = canonicalUrl(text);
    if (canonical === null || !scanUrl(canonical)) return null;
    text = canonical;
  }
  const { hostStart, hostEnd, pathStart } = urlScan;
  const pathEnd = pathEndOf(text, pathStart);
  const host = normaliseHost(text.slice(hostStart, hostEnd));
  if (host === null) return null;
  const authorityEnd = pathStart;
  const port = hostEnd < authorityEnd ? text.slice(hostEnd + 1, authorityEnd) : '';
  const rest = text.slice(pathStart, pathEnd);
  return {
    scheme: text.slice(0, text.indexOf(':')).toLowerCase(),
    host,
    port,
    pathAndQuery: rest === '' ? '/' : rest.charCodeAt(0) === 63 ? `/${rest}` : rest,
  };
}
