/**
 * Differential test (issue 11): Debian's real squidGuard 1.6 and `osprey squid-helper` answer the same 20,000+
 * requests with the same configuration over the UT1 lists, each as one Squid URL-rewrite helper process. Every answer
 * that differs must be explained by a named rule below; the test prints one summary line and fails on any other.
 *
 * HOW A DIFFERENCE IS EXPLAINED. `SquidGuardModel` re-states squidGuard's request parsing and list look-ups (read
 * from its source: parseLine, sgStripUrl, defined(), sgAclAccess), with switches (`Rule`s) that each change one
 * behaviour the way Osprey has it. For a request where the two programs disagree:
 *  1. the model with every switch off and squidGuard's own look-up must give squidGuard's answer (so the model is
 *     faithful for this request), and
 *  2. some set of switches, found smallest first, must give Osprey's answer.
 * The switches that were needed name the explanation. Each is a squidGuard bug or a deliberate Osprey choice; all are
 * described in docs/filtering.md, "Where Osprey differs from squidGuard".
 *
 * Requests are generated from a fixed seed (the same 20,000+ every run) from the UT1 lists' hosts and URL entries and
 * from the benchmark's site list, with the variations a pupil would try: case, ports, '//', %XX, trailing dots, IPv4
 * and IPv6 forms of addresses, www., user names, query strings, fragments, subdomains and longer paths.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const SQUIDGUARD = '/usr/bin/squidGuard';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UT1 = path.resolve(ROOT, '../shared/data/blocklists/ut1');
const BENCH = path.resolve(ROOT, '../shared/data/bench');
const REQUESTS = 22_000;
const work = mkdtempSync(path.join(tmpdir(), 'osprey-sgdiff-'));
after(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------
// The configuration: one-line dest blocks (item 16), dests overlapping (malware and phishing share entries: item 15),
// a pass list with local tiers (library), a whitelist first (staff) and in-addr.

interface Dest { name: string; domains?: string; urls?: string; expressions?: string }
const DESTS: Dest[] = [
  { name: 'adult', urls: 'adult/urls', expressions: 'adult/very_restrictive_expression' },
  { name: 'malware', urls: 'malware/urls', expressions: 'malware/expressions' },
  { name: 'phishing', urls: 'phishing/urls' },
  { name: 'publicite', domains: 'publicite/domains', urls: 'publicite/urls', expressions: 'publicite/expressions' },
  { name: 'gambling', domains: 'gambling/domains', urls: 'gambling/urls' },
  { name: 'games', domains: 'games/domains', urls: 'games/urls' },
  { name: 'drogue', domains: 'drogue/domains', urls: 'drogue/urls' },
  { name: 'agressif', domains: 'agressif/domains', urls: 'agressif/urls' },
  { name: 'redirector', domains: 'strict_redirector/domains', urls: 'strict_redirector/urls', expressions: 'strict_redirector/expressions' },
  { name: 'audio-video', domains: 'audio-video/domains', urls: 'audio-video/urls' },
  { name: 'manga', domains: 'manga/domains', urls: 'manga/urls' },
  { name: 'liste_blanche', domains: 'liste_blanche/domains', urls: 'liste_blanche/urls' },
  { name: 'liste_bu', domains: 'liste_bu/domains', urls: 'liste_bu/urls' },
  { name: 'special', expressions: 'special/expressions' },
];
type PassItem = { kind: 'dest' | 'in-addr' | 'all' | 'none'; name: string; allow: boolean };
const pass = (words: string): PassItem[] => words.split(' ').map((w) => {
  const name = w.replace(/^!/, '');
  const kind = name === 'all' || name === 'none' ? name : name === 'in-addr' ? 'in-addr' : 'dest';
  return { kind, name, allow: kind === 'all' || (kind !== 'none' && !w.startsWith('!')) };
});
const SOURCES: Array<{ name: string; prefix: string; pass: PassItem[] }> = [
  { name: 'pupils', prefix: '10.1.', pass: pass('!adult !malware !phishing !publicite !gambling !games !drogue !agressif !redirector !special !in-addr all') },
  { name: 'staff', prefix: '10.2.', pass: pass('liste_blanche !phishing !malware !adult all') },
  { name: 'library', prefix: '10.3.', pass: pass('!adult liste_bu !games !audio-video !manga none') },
];
const DEFAULT_PASS = pass('!phishing !malware !adult !in-addr all');
const REDIRECT = 'http://block.example/?src=%s&target=%t';

function configText(): string {
  const lines = [`dbhome ${UT1}`, `logdir ${work}`, ''];
  for (const d of DESTS) {
    const parts = [d.domains && `domainlist ${d.domains}`, d.urls && `urllist ${d.urls}`, d.expressions && `expressionlist ${d.expressions}`];
    lines.push(`dest ${d.name} { ${parts.filter(Boolean).join(' ')} }`);
  }
  const words = (items: PassItem[]) => items.map((i) => (i.allow || i.kind === 'none' ? i.name : `!${i.name}`)).join(' ');
  for (const s of SOURCES) lines.push(`src ${s.name} {`, `  ip ${s.prefix}0.0/16`, '}');
  lines.push('acl {');
  for (const s of SOURCES) lines.push(`  ${s.name} {`, `    pass ${words(s.pass)}`, '  }');
  lines.push('  default {', `    pass ${words(DEFAULT_PASS)}`, `    redirect ${REDIRECT}`, '  }', '}');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// The model of squidGuard, with the switches that make it Osprey.

/** One way Osprey answers differently from squidGuard, as a switch in the model. */
interface Rule { id: string; kind: 'squidGuard bug' | 'Osprey choice'; what: string }
const RULES = {
  overlapCopy: { id: 'squidguard-overlapping-copy', kind: 'squidGuard bug', what: "squidGuard removes a '//' or a trailing dot by copying the rest of the address onto itself (strncpy with overlapping buffers), which can garble a long address so that its entry no longer matches; the test shows it by asking squidGuard again with the '//' already merged" },
  lookup: { id: 'squidguard-neighbour-lookup', kind: 'squidGuard bug', what: "squidGuard's list look-up compares the request with only the one entry sorted next to it, so a listed domain or URL prefix is missed (or an unlisted one matched) when another entry sorts in between" },
  ipForms: { id: 'squidguard-ip-forms', kind: 'squidGuard bug', what: 'squidGuard compares an address as written: an IPv4 address written as one number, in hex or octal, or as IPv6 (::ffff:a.b.c.d, ::a.b.c.d), or any IPv6 literal, misses the IP entries, in-addr and expressions for it' },
  trailingDot: { id: 'squidguard-trailing-dot', kind: 'squidGuard bug', what: "squidGuard removes a host's trailing dot only when '/' follows it, so 'example.com.:8080/' misses the entry for example.com" },
  invalidHosts: { id: 'osprey-invalid-hosts', kind: 'Osprey choice', what: "a host whose last label is a number but which is not an IPv4 address (teen-1.2.3.4) is not an address any browser opens; Osprey reads such a request as unreadable, and the end of the pass list decides it, where squidGuard compares the text with its lists" },
  encodedEntries: { id: 'squidguard-encoded-entries', kind: 'squidGuard bug', what: 'squidGuard decodes %XX in requests but not in list entries, so an entry written with %XX (other than %20) never matches; Osprey decodes both' },
  wwwEntries: { id: 'osprey-www-entries', kind: 'Osprey choice', what: "a URL entry written with www. also covers the same name without it, and every leading www./wwwN./web./ftp. label of the request is dropped (squidGuard drops one, and reads www. entries only when the request names no port)" },
  dotSlash: { id: 'osprey-no-dot-slash-quirk', kind: 'Osprey choice', what: "squidGuard deletes the first './' anywhere before the query (meant for a host's trailing dot), changing paths such as '/v1./x'; Osprey leaves paths alone" },
  slashes: { id: 'osprey-all-double-slashes', kind: 'Osprey choice', what: "squidGuard leaves '//' after a ':' in the path (as in /go/http://…) and merges '//' after '?' when it follows such a '://'; Osprey merges every '//' before the query, in requests and entries alike" },
  decoding: { id: 'osprey-decoding', kind: 'Osprey choice', what: "Osprey decodes %20 too and only valid %XX pairs, and never cuts the address at %00; squidGuard keeps %20 and turns invalid pairs into other characters" },
  defaultPort: { id: 'osprey-default-port', kind: 'Osprey choice', what: 'expressions see no port when the address names its default port (:80 for http, :443 for https), the same address as none' },
} satisfies Record<string, Rule>;
type Switch = Exclude<keyof typeof RULES, 'overlapCopy' | 'lookup'>;
const SWITCHES = (Object.keys(RULES) as Array<keyof typeof RULES>).filter((k): k is Switch => k !== 'overlapCopy' && k !== 'lookup');
type Switches = ReadonlySet<Switch>;

const lowerAscii = (s: string) => s.replace(/[A-Z]+/g, (u) => u.toLowerCase());
const latin1Lines = (file: string) => readFileSync(path.join(UT1, file), 'latin1').split('\n');

/** squidGuard's HTUnEscape: every '%' and the two characters after it become one, except %20; a NUL ends the text. */
function htUnescape(s: string): string {
  const hex = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c - 87);
  let out = '';
  for (let i = 0; i < s.length;) {
    if (s[i] !== '%') { out += s[i++]; continue; }
    if (s[i + 1] === '2' && s[i + 2] === '0') { out += s[i++]; continue; }
    i++;
    let v = 0;
    if (i < s.length) v = hex(s.charCodeAt(i++)) * 16;
    if (i < s.length) v += hex(s.charCodeAt(i++));
    v &= 255;
    if (v === 0) return out;
    out += String.fromCharCode(v);
  }
  return out;
}

/** Osprey's decoding: valid %XX pairs only, %20 included, nothing cut. */
function decodeValid(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** squidGuard's sgStripUrl: a list entry without user name and port. */
function stripEntry(url: string): string {
  const d = url.indexOf('/');
  let p = 0;
  const at = url.indexOf('@');
  if (at >= 0 && (d < 0 || at < d)) p = at + 1;
  const colon = url.indexOf(':', p);
  const e = colon >= 0 && (d < 0 || colon < d) ? colon : d;
  return (e < 0 ? url.slice(p) : url.slice(p, e)) + (d >= 0 ? url.slice(d) : '');
}

/** C strncmp(a, b, n) === 0. */
const prefixEqual = (a: string, b: string, n: number) => a.slice(0, n) === b.slice(0, n);

/** squidGuard's sgStrRncmp: a reverse comparison of the last `blen` characters (and the terminator). */
function strRncmp(a: string, b: string, blen: number): number {
  const at = (s: string, i: number) => (i === s.length ? 0 : s.charCodeAt(i));
  let a1 = a.length;
  let b1 = b.length;
  while (at(a, a1) === at(b, b1) && blen > 0) {
    if (b1 === 0 || a1 === 0) break;
    a1--; b1--; blen--;
  }
  if ((a1 === 0 && b1 === 0) || blen === 0) return at(a, a1) - at(b, b1);
  if (a1 === 0) return -1;
  if (b1 === 0) return 1;
  return at(a, a1) - at(b, b1);
}

/** squidGuard's domainCompare: domain keys sorted from their last character, '.' before everything. */
function domainCompare(a: string, b: string): number {
  let a1 = a.length - 1;
  let b1 = b.length - 1;
  while (a[a1] === b[b1]) {
    if (b1 === 0 || a1 === 0) break;
    a1--; b1--;
  }
  const code = (s: string, i: number) => (s[i] === '.' ? 1 : s.charCodeAt(i));
  if (a1 === 0 && b1 === 0) return code(a, a1) - code(b, b1);
  if (a1 === 0) return -1;
  if (b1 === 0) return 1;
  return code(a, a1) - code(b, b1);
}
const byteCompare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One list as squidGuard's Berkeley DB b-tree holds it: sorted keys, looked up with defined()'s neighbour check. */
class SortedList {
  readonly keys: string[];
  readonly set: Set<string>;
  constructor(keys: Iterable<string>, readonly domain: boolean) {
    this.set = new Set(keys);
    this.keys = [...this.set].sort(domain ? domainCompare : byteCompare);
  }

  /** defined(): DB_SET_RANGE, then the entry before it. */
  squidGuard(request: string): boolean {
    const key = this.domain ? `.${request}` : request;
    const compare = this.domain ? domainCompare : byteCompare;
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(this.keys[mid], key) < 0) lo = mid + 1; else hi = mid;
    }
    if (lo < this.keys.length) {
      const data1 = this.keys[lo];
      if (prefixEqual(key, data1, data1.length)) return true;
      if (lo === 0) return false;
      const data2 = this.keys[lo - 1];
      return this.domain
        ? strRncmp(data1, data2, data2.length) !== 0 && strRncmp(data2, key, data2.length) === 0
        : !prefixEqual(data1, data2, data2.length) && prefixEqual(data2, key, data2.length);
    }
    if (this.keys.length === 0) return false;
    const last = this.keys[this.keys.length - 1];
    return this.domain ? strRncmp(last, key, last.length) === 0 : prefixEqual(last, key, last.length);
  }

  /** What defined() means to do: a domain key is a label-boundary suffix, a URL key a prefix. */
  correct(request: string): boolean {
    if (this.domain) {
      const key = `.${request}`;
      for (let i = key.indexOf('.'); i >= 0; i = key.indexOf('.', i + 1)) if (this.set.has(key.slice(i))) return true;
      return false;
    }
    for (let n = 1; n <= request.length; n++) if (this.set.has(request.slice(0, n))) return true;
    return false;
  }
}

interface ModelDest { name: string; domains: SortedList | null; urls: SortedList | null; expressions: RegExp[] }

/** A parsed request, as parseLine leaves it. */
interface Parsed { domain: string; surl: string; furl: string; dot: boolean }

const WWW = /^(www|web|ftp)[0-9]*\./;

/** IPv4-in-IPv6 → IPv4, for the ipForms switch (WHATWG serialisation in, dotted quad out). */
function browserHost(host: string): string | null {
  try {
    const name = new URL(`http://${host}/`).hostname;
    const v6 = /^\[::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(name);
    if (v6 === null) return name.replace(/\.$/, '');
    const [h, l] = [parseInt(v6[1], 16), parseInt(v6[2], 16)];
    return `${h >> 8}.${h & 255}.${l >> 8}.${l & 255}`;
  } catch {
    return null;
  }
}

class SquidGuardModel {
  readonly dests = new Map<string, ModelDest>();

  constructor() {
    for (const d of DESTS) {
      const entries = (file: string | undefined) => file === undefined ? [] : latin1Lines(file)
        .filter((l) => !l.startsWith('#')).map((l) => lowerAscii(l.replace(/\r$/, '').replace(/^[+-]/, '').split(/[ \t]/)[0])).filter(Boolean);
      const domains = entries(d.domains);
      const urls = entries(d.urls).map((u) => (u.startsWith('.') ? u : stripEntry(u)));
      const expressions = d.expressions === undefined ? [] : latin1Lines(d.expressions).filter((l, i, all) => l !== '' || i < all.length - 1)
        .map((l) => new RegExp(l.replace(/\r$/, '') || '\n', 'i'));
      this.dests.set(d.name, {
        name: d.name, expressions,
        domains: domains.length > 0 ? new SortedList(domains.map((domain) => `.${domain}`), true) : null,
        urls: urls.length > 0 ? new SortedList(urls, false) : null,
      });
    }
  }

  /** parseLine, with the switches. Null: the request cannot be read (squidGuard passes it; Osprey: see invalidHosts). */
  parse(url: string, on: Switches): Parsed | null {
    let field = on.has('decoding') ? decodeValid(url) : htUnescape(url);
    field = lowerAscii(field);
    const scheme = field.indexOf('://');
    let p = scheme < 0 ? field : field.slice(scheme + 3);
    if (scheme >= 0) p = mergeSlashes(p, on);
    const d = p.indexOf('/');
    const at = p.indexOf('@');
    if (at >= 0 && (d < 0 || at < d)) p = p.slice(at + 1);
    const slash = p.indexOf('/');
    let authority = slash < 0 ? p : p.slice(0, slash);
    let rest = slash < 0 ? '' : p.slice(slash);
    let host: string;
    let port = '';
    if (on.has('ipForms') && authority.startsWith('[')) {
      const close = authority.indexOf(']');
      host = authority.slice(0, close + 1);
      port = authority.slice(close + 1);
    } else {
      const colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.slice(0, colon);
      port = colon < 0 ? '' : authority.slice(colon);
    }
    if (on.has('trailingDot') && host.endsWith('.')) host = host.slice(0, -1);
    if ((on.has('ipForms') || on.has('invalidHosts')) && (host.startsWith('[') || /(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$/.test(host))) {
      const normal = browserHost(host);
      if (normal === null && on.has('invalidHosts')) return null;
      if (normal !== null && on.has('ipForms')) host = normal;
    }
    if (on.has('defaultPort') && ((port === ':80' && field.startsWith('http:')) || (port === ':443' && field.startsWith('https:')))) port = '';
    if (on.has('slashes')) rest = rest.replace(/^([^?]*)/, (m) => m.replace(/\/{2,}/g, '/'));
    authority = host + port;
    if (host === '') return null;
    const stripped = host.replace(WWW, '');
    return { domain: host, furl: authority + rest, surl: stripped + rest, dot: /^[.0-9]*$/.test(host) };
  }

  /** sgAclAccess: the first pass item that decides. Returns the target that blocked, or null for a pass. */
  decide(url: string, items: PassItem[], on: Switches, squidGuardLookup: boolean): string | null {
    const r = this.parse(url, on);
    if (r === null) {
      // unreadable: squidGuard passes it; Osprey lets the end of the pass list decide
      const end = on.has('invalidHosts') ? items.find((i) => i.kind === 'all' || i.kind === 'none') : undefined;
      return end === undefined || end.allow ? null : 'none';
    }
    for (const item of items) {
      if (item.kind === 'all' || item.kind === 'none') return item.allow ? null : 'none';
      if (item.kind === 'in-addr') {
        if (r.dot) return item.allow ? null : 'in-addr';
        continue;
      }
      const dest = this.dests.get(item.name)!;
      const look = (list: SortedList, text: string) => (squidGuardLookup ? list.squidGuard(text) : list.correct(text));
      let hit = dest.domains !== null && look(dest.domains, r.domain);
      if (!hit && dest.urls !== null) {
        hit = on.has('wwwEntries') || on.has('encodedEntries') || on.has('slashes')
          ? this.ospreyUrlMatch(dest, r, on)
          : look(dest.urls, r.surl) || look(dest.urls, r.furl);
      }
      if (!hit) hit = dest.expressions.some((re) => re.test(r.furl));
      if (hit) return item.allow ? null : item.name;
    }
    return null;
  }

  /**
   * URL entries with the entry-side switches: entries as Osprey reads them, compared with the request's host (and,
   * with wwwEntries, each form of it without leading www./web./ftp. labels; without it, as squidGuard: the stripped
   * host, or the host with its port) followed by the path.
   */
  private ospreyUrlMatch(dest: ModelDest, r: Parsed, on: Switches): boolean {
    const set = entryCache(dest, on);
    const slash = r.surl.indexOf('/');
    const path = slash < 0 ? '/' : r.surl.slice(slash);
    const hosts: string[] = [];
    if (on.has('wwwEntries')) {
      for (let host = r.domain; ; host = host.replace(WWW, '')) {
        hosts.push(host);
        if (!WWW.test(host) || host.replace(WWW, '') === '') break;
      }
    } else {
      const furlSlash = r.furl.indexOf('/');
      hosts.push(r.surl.slice(0, slash < 0 ? r.surl.length : slash), r.furl.slice(0, furlSlash < 0 ? r.furl.length : furlSlash));
    }
    for (const host of hosts) {
      const text = host + path;
      for (let n = host.length + 1; n <= text.length; n++) if (set.has(text.slice(0, n))) return true;
    }
    return false;
  }
}

/** An entry as Osprey's parser turns it (for the entry-side switches). */
function ospreyEntry(u: string, on: Switches): string {
  const slash = u.indexOf('/');
  let host = slash < 0 ? u : u.slice(0, slash);
  let rest = slash < 0 ? '/' : u.slice(slash);
  if (on.has('wwwEntries')) {
    const bare = /^www\d*\.(.+\..+)$/.exec(host);
    if (bare !== null) host = bare[1];
  }
  if (on.has('encodedEntries')) rest = lowerAscii(decodeValid(rest));
  if (on.has('slashes')) rest = rest.replace(/^([^?]*)/, (m) => m.replace(/\/{2,}/g, '/'));
  return host + rest;
}

const entryCaches = new Map<string, Set<string>>();
function entryCache(dest: ModelDest, on: Switches): Set<string> {
  const key = `${dest.name}:${(['wwwEntries', 'encodedEntries', 'slashes'] as const).filter((s) => on.has(s)).join(',')}`;
  let set = entryCaches.get(key);
  if (set === undefined) entryCaches.set(key, (set = new Set(dest.urls!.keys.map((u) => ospreyEntry(u, on)))));
  return set;
}

/** parseLine's '//' merge and first './' removal, up to the first '?'. */
function mergeSlashes(p: string, on: Switches): string {
  const s = [...p];
  const size = s.length;
  let trailingDot = on.has('dotSlash') ? 1 : 0;
  let ndx = 0;
  const at = (i: number) => (i < s.length ? s[i] : '\0');
  while (at(ndx) !== '?' && at(ndx) !== '\0') {
    if (!on.has('slashes') && size - ndx >= 3 && at(ndx) === ':' && at(ndx + 1) === '/' && at(ndx + 2) === '/' && at(ndx + 3) !== '\0') ndx += 3;
    if (at(ndx) === '/' && at(ndx + 1) === '/') s.splice(ndx, 1);
    else if (at(ndx) === '.' && at(ndx + 1) === '/' && trailingDot === 0) {
      trailingDot++;
      s.splice(ndx, 1);
    } else ndx++;
  }
  if (on.has('dotSlash')) {
    // Osprey drops only the host's trailing dot
    const joined = s.join('');
    const slash = joined.indexOf('/');
    if (slash > 0 && joined[slash - 1] === '.') return joined.slice(0, slash - 1) + joined.slice(slash);
    return joined;
  }
  return s.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Requests, from a fixed seed.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateRequests(count: number): string[] {
  const random = mulberry32(0x05b7e11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const chance = (p: number) => random() < p;
  const ascii = (s: string) => /^[!-~]+$/.test(s);
  const clean = (l: string) => l.replace(/\r$/, '').trim();
  const urlEntries = DESTS.flatMap((d) => (d.urls ? latin1Lines(d.urls).map(clean).filter((l) => l && !l.startsWith('#') && ascii(l)) : []));
  const domains = DESTS.flatMap((d) => (d.domains ? latin1Lines(d.domains).map(clean).filter((l) => l && !l.startsWith('#') && ascii(l)) : []));
  const ips = domains.filter((d) => /^[0-9.]+$/.test(d));
  const bench = [
    ...readFileSync(path.join(BENCH, 'sitelist.txt'), 'utf8').split('\n'),
    ...gunzipSync(readFileSync(path.join(BENCH, 'requests.ndjson.gz'))).toString('utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { url: string }).url),
  ].filter((u) => /^https?:\/\/[^/]+/.test(u) && ascii(u) && !u.includes('@'));
  const paths = bench.map((u) => u.replace(/^https?:\/\/[^/]+/, '') || '/');
  const expressionUrls = ['http://%IP/search?q=%N', 'http://www.google.fr/search?q=cache:%H', 'http://images.google.com/images?q=tbn:%N',
    'http://%H/banner/ad.gif', 'http://%H/sponsor/x', 'http://%H/files/ymsgr8.exe', 'http://%H/sexy-pics/', 'http://teen-%H/',
    'http://%H/?q=porn', 'http://%H/Advertisement/top.png', 'http://%IP:8080/search?q=%N'];

  const randomIp = () => pick(ips.length > 0 && chance(0.7) ? ips : [`${1 + Math.floor(random() * 223)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`]);
  const ipForm = (ip: string): string => {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255))) return ip;
    const value = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    switch (Math.floor(random() * 7)) {
      case 0: return String(value);
      case 1: return `0x${hex(value, 8)}`;
      case 2: return parts.map((n) => `0${n.toString(8)}`).join('.');
      case 3: return `${parts[0]}.${(parts[1] << 16) + (parts[2] << 8) + parts[3]}`;
      case 4: return `[::ffff:${ip}]`;
      case 5: return `[::ffff:${hex((parts[0] << 8) + parts[1], 1)}:${hex((parts[2] << 8) + parts[3], 1)}]`;
      default: return `[::${ip}]`;
    }
  };
  const randomCase = (s: string) => [...s].map((c) => (chance(0.3) ? c.toUpperCase() : c)).join('');
  const encodeSome = (s: string) => [...s].map((c, i) => (i > 0 && /[a-zA-Z0-9._~-]/.test(c) && chance(0.2)
    ? `%${c.charCodeAt(0).toString(16)[chance(0.5) ? 'toUpperCase' : 'toLowerCase']()}` : c)).join('');

  const requests: string[] = [];
  while (requests.length < count) {
    let scheme = chance(0.85) ? 'http' : 'https';
    let host: string;
    let rest: string;
    const source = random();
    if (source < 0.4) {
      const entry = pick(urlEntries);
      const slash = entry.indexOf('/');
      host = slash < 0 ? entry : entry.slice(0, slash);
      rest = slash < 0 ? '/' : entry.slice(slash);
      if (chance(0.15)) rest += pick(['x', '/', '/more/page.html', '.php', '?a=1']);
      else if (chance(0.1)) rest = rest.slice(0, Math.max(1, rest.length - 1 - Math.floor(random() * 4)));
    } else if (source < 0.62) {
      host = pick(domains);
      rest = pick(paths);
    } else if (source < 0.87) {
      const url = pick(bench);
      const m = /^(https?):\/\/([^/?#]+)(.*)$/.exec(url)!;
      scheme = m[1];
      host = m[2].replace(/:\d+$/, '');
      rest = m[3] || '/';
    } else if (source < 0.95) {
      host = ipForm(randomIp());
      rest = chance(0.5) ? pick(paths) : '/';
    } else {
      const n = String(Math.floor(random() * 100000));
      const url = pick(expressionUrls).replace('%IP', randomIp()).replace('%N', n).replace('%H', pick(domains));
      const m = /^(https?):\/\/([^/?#]+)(.*)$/.exec(url)!;
      host = m[2];
      rest = m[3] || '/';
    }
    if (!rest.startsWith('/') && !rest.startsWith('?') && !rest.startsWith('#')) rest = `/${rest}`;
    // variations a pupil would try
    if (!host.startsWith('[') && !/^[0-9.]+$/.test(host)) {
      if (chance(0.15)) host = host.replace(/^www\d*\./, '');
      else if (chance(0.12)) host = `${pick(['www.', 'www.', 'www2.', 'web.', 'ftp.'])}${host}`;
      if (chance(0.06)) host = `${pick(['x1.', 'cdn.', 'm.'])}${host}`;
      if (chance(0.2)) host = randomCase(host);
      if (chance(0.04)) host = encodeSome(host);
    } else if (/^[0-9.]+$/.test(host) && chance(0.4)) host = ipForm(host);
    if (chance(0.05) && !host.startsWith('[')) host += '.';
    let port = '';
    if (chance(0.1)) port = pick([':80', ':8080', ':443', ':8000']);
    let userinfo = '';
    if (chance(0.04)) userinfo = pick(['user@', 'user:pass@', 'a.b:c@']);
    if (chance(0.2)) rest = randomCase(rest);
    if (chance(0.15)) {
      const slashes = [...rest.matchAll(/\//g)].map((m) => m.index!).filter((i) => !rest.slice(0, i).includes('?'));
      if (slashes.length > 0) {
        const i = pick(slashes);
        rest = `${rest.slice(0, i)}/${chance(0.3) ? '/' : ''}${rest.slice(i)}`;
      }
    }
    if (chance(0.15)) rest = encodeSome(rest);
    if (chance(0.1)) rest += `${rest.includes('?') ? '&' : '?'}${pick(['q=1', 'id=42&x=y', 'ref=home', 'u=http://a.example/'])}`;
    if (chance(0.06)) rest += pick(['#top', '#', '#p2', '#content']);
    const client = chance(0.25) ? `192.168.1.${Math.floor(random() * 250) + 1}` : `${pick(SOURCES).prefix}${Math.floor(random() * 250)}.${Math.floor(random() * 250) + 1}`;
    const url = `${scheme}://${userinfo}${host}${port}${rest}`;
    if (url.length > 1500 || /\s/.test(url)) continue;
    requests.push(`${url} ${client}/- - GET`);
  }
  return requests;
}

// ---------------------------------------------------------------------------------------------------------------
// Running both programs.

function runHelper(command: string, args: string[], input: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => {}); // a helper that stops early is reported by its exit status and error output
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(Buffer.from(input, 'latin1'));
  });
}

/** An answer line as a decision: 'pass', or 'src/target' read from the block page address. */
function answerOf(line: string | undefined): string {
  if (line === undefined) return 'missing';
  if (line === 'ERR' || line === 'OK' || line === '') return 'pass';
  const m = /rewrite-url="http:\/\/block\.example\/\?src=([^&]*)&target=([^"]*)"/.exec(line);
  return m === null ? `unreadable: ${line}` : `${m[1]}/${m[2]}`;
}

const answerFor = (source: string, target: string | null) => (target === null ? 'pass' : `${source}/${target}`);

/** The URL with the '//' merges and the first './' removal squidGuard's parseLine makes, done beforehand. */
function withoutRemovals(url: string): string {
  const scheme = url.indexOf('://');
  return scheme < 0 ? url : url.slice(0, scheme + 3) + mergeSlashes(url.slice(scheme + 3), new Set());
}

function sourceOf(client: string): { name: string; pass: PassItem[] } {
  return SOURCES.find((s) => client.startsWith(s.prefix)) ?? { name: 'default', pass: DEFAULT_PASS };
}

/** Switch sets to try, smallest first (every single one, then pairs, then triples, then all). */
function switchSets(): Array<Set<Switch>> {
  const sets: Array<Set<Switch>> = [new Set()];
  for (let size = 1; size <= 3; size++) {
    const grow = (start: number, chosen: Switch[]) => {
      if (chosen.length === size) return void sets.push(new Set(chosen));
      for (let i = start; i < SWITCHES.length; i++) grow(i + 1, [...chosen, SWITCHES[i]]);
    };
    grow(0, []);
  }
  sets.push(new Set(SWITCHES));
  return sets;
}

describe('squidGuard differential (issue 11)', () => {
  it('osprey squid-helper answers 20,000+ generated requests as Debian\'s squidGuard does, every difference explained', async () => {
    assert.ok(existsSync(SQUIDGUARD), `squidGuard is not installed at ${SQUIDGUARD}: install Debian's package with "apt-get install squidguard" (.ci/run does this before the tests)`);
    assert.ok(existsSync(path.join(UT1, 'malware/urls')), `the UT1 lists are missing from ${UT1}`);
    const conf = path.join(work, 'squidGuard.conf');
    writeFileSync(conf, configText(), 'latin1');
    const requests = generateRequests(REQUESTS);
    const input = `${requests.join('\n')}\n`;

    const [real, osprey] = await Promise.all([
      runHelper(SQUIDGUARD, ['-c', conf], input),
      runHelper(process.execPath, ['bin/osprey.js', 'squid-helper', '--squidguard-config', conf, '--modern'], input),
    ]);
    assert.equal(osprey.status, 0, `osprey squid-helper failed: ${osprey.stderr}`);
    assert.equal(real.status, 0, `squidGuard failed: ${real.stderr}`);
    const realLines = real.stdout.split('\n');
    const ospreyLines = osprey.stdout.split('\n');
    assert.equal(realLines.length - 1, requests.length, 'squidGuard answered every request');
    assert.equal(ospreyLines.length - 1, requests.length, 'osprey squid-helper answered every request');

    const model = new SquidGuardModel();
    const sets = switchSets();
    const differing: Array<{ line: string; url: string; client: string; sg: string; os: string; intended: string }> = [];
    let identical = 0;
    requests.forEach((line, i) => {
      const sg = answerOf(realLines[i]);
      const os = answerOf(ospreyLines[i]);
      if (sg === os) return void identical++;
      const [url, client] = line.split(' ');
      const source = sourceOf(client);
      const intended = answerFor(source.name, model.decide(url, source.pass, new Set(), true));
      differing.push({ line, url, client, sg, os, intended });
    });
    // where the model and squidGuard disagree after squidGuard removed a '//' or trailing dot, ask squidGuard again
    // with that already done: the same answer as the model shows squidGuard garbled the address while copying it
    const recheck = differing.filter((d) => d.intended !== d.sg && withoutRemovals(d.url) !== d.url);
    const again = await runHelper(SQUIDGUARD, ['-c', conf], recheck.map((d) => `${withoutRemovals(d.url)} ${d.client}/- - GET\n`).join(''));
    const againLines = again.stdout.split('\n');
    const garbled = new Set(recheck.filter((d, i) => answerOf(againLines[i]) === d.intended).map((d) => d.line));

    const explained = new Map<string, number>();
    const unexplained: string[] = [];
    for (const d of differing) {
      const source = sourceOf(d.client);
      const as = (target: string | null) => answerFor(source.name, target);
      const faithful = d.intended === d.sg || garbled.has(d.line);
      const found = faithful ? sets.find((on) => as(model.decide(d.url, source.pass, on, false)) === d.os) : undefined;
      if (found === undefined) {
        unexplained.push(`${d.line}\n      squidGuard: ${d.sg}   osprey: ${d.os}${faithful ? '' : `   (the model gives ${d.intended}, not squidGuard's answer)`}`);
        continue;
      }
      const names = [...found].map((s) => RULES[s].id);
      if (garbled.has(d.line)) names.push(RULES.overlapCopy.id);
      if (as(model.decide(d.url, source.pass, found, true)) !== d.os) names.push(RULES.lookup.id);
      for (const name of names) explained.set(name, (explained.get(name) ?? 0) + 1);
      explained.set('', (explained.get('') ?? 0) + 1);
    }
    const explainedCount = explained.get('') ?? 0;
    console.log(`squidguard-diff: requests=${requests.length} identical=${identical} explained=${explainedCount} unexplained=${unexplained.length}`);
    // which rules explained how many (SQUIDGUARD_DIFF_VERBOSE=1), kept off the summary so it stays one line
    if (process.env.SQUIDGUARD_DIFF_VERBOSE) for (const [name, n] of [...explained].filter(([k]) => k !== '').sort((a, b) => b[1] - a[1])) console.log(`  ${name}: ${n}`);
    assert.equal(unexplained.length, 0, `${unexplained.length} differences no rule explains; the first ${Math.min(25, unexplained.length)}:\n  ${unexplained.slice(0, 25).join('\n  ')}`);
  });
});
