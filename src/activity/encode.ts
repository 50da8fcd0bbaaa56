/**
 * An event as it is spooled and stored: checked and cleaned once, at `emit`, then written as one JSON line. Whatever a
 * front-end hands over (a malformed address, a NUL byte in a URL, an id that is not a UUID), the line must insert, or
 * one bad event would hold up every event behind it; so nothing here throws and nothing is dropped — odd values are
 * made safe instead (and a stable UUID replaces a malformed id, so that replays still store the event once).
 */
import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import type { ActivityEvent } from './types.ts';
import { isUuid, newActivityId, uuidFromText } from './ids.ts';

/** The school id recorded when a front-end gives none that is valid: kept, so that the event is not lost. */
export const UNKNOWN_SCHOOL = '00000000-0000-0000-0000-000000000000';

/** One spooled line's fields: the event contract's names, plus `domain` (derived from host, for the host filter). */
export interface StoredEvent extends Omit<ActivityEvent, 'ip'> {
  ip?: string;
  domain: string;
}

const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
const LIMITS = { short: 100, name: 200, host: 253, url: 2048, searchTerm: 500 } as const;
// NUL cannot be stored in PostgreSQL text, and a lone UTF-16 surrogate cannot be stored as UTF-8.
// eslint-disable-next-line no-control-regex -- NUL is exactly what has to be found
const UNSTORABLE = /[\u0000\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex -- as above
const UNSTORABLE_ALL = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(value: unknown, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  let s = typeof value === 'string' ? value : String(value);
  if (s.length > max) s = s.slice(0, max);
  if (UNSTORABLE.test(s)) s = s.replace(UNSTORABLE_ALL, '\ufffd');
  return s;
}

/**
 * The client address in one canonical form, so that searching for it finds it: IPv4-mapped IPv6 (how a dual-stack
 * socket reports an IPv4 client) becomes plain IPv4, IPv6 is lower-cased and its zone dropped. Not an address: none.
 */
export function normaliseIp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let ip = value.trim();
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1];
  const kind = isIP(ip);
  if (kind === 4) return ip;
  if (kind === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return undefined;
}

export function normaliseHost(value: unknown): string {
  let host = cleanText(value, LIMITS.host * 2)?.trim().toLowerCase() ?? '';
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.slice(0, LIMITS.host);
}

/** `s` if it is a UUID (lower-cased if need be), else undefined. A character loop: no regex and no copy for the usual case. */
export function asUuid(s: unknown): string | undefined {
  if (typeof s !== 'string' || s.length !== 36) return undefined;
  let upper = false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) { if (c !== 45) return undefined; continue; }
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) continue;
    if (c >= 65 && c <= 70) { upper = true; continue; }
    return undefined;
  }
  return upper ? s.toLowerCase() : s;
}

/** A bounded memo: traffic repeats the same hosts, addresses, policies and actions over and over. */
function memo<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined && !cache.has(key)) {
      v = compute(key);
      if (cache.size >= limit) cache.clear();
      cache.set(key, v);
    }
    return v as V;
  };
}


/** Encodes events for one pipeline. Hosts and addresses repeat all day, so their clean forms are remembered. */
export class ActivityEncoder {
  private readonly hosts = memo(50_000, (raw) => {
    const host = normaliseHost(raw);
    return { host, domain: (host && getDomain(host, { extractHostname: false })) || host };
  });
  private readonly ips = memo(50_000, (raw) => normaliseIp(raw) ?? null);

  constructor(private readonly node: string) {}

  /** The event as stored; never throws. */
  clean(e: ActivityEvent): StoredEvent {
    // A time outside 2000–2100 is a front-end's bug; the time it reached us is the best record of when it happened.
    const time = typeof e.time === 'number' && e.time >= EARLIEST && e.time <= LATEST ? Math.round(e.time) : Date.now();
    const id = asUuid(e.id) ?? (e.id === undefined || e.id === null ? newActivityId(time) : uuidFromText(String(e.id)));
    const { host, domain } = this.hosts(typeof e.host === 'string' ? e.host : String(e.host ?? ''));
    // A fixed key order gives every object the same shape, which keeps JSON.stringify on its fast path; building
    // the line by string concatenation instead was measured slower (a rope of ~25 pieces per event for the GC).
    return {
      id,
      time,
      schoolId: asUuid(e.schoolId) ?? UNKNOWN_SCHOOL,
      personId: asUuid(e.personId),
      username: cleanText(e.username, LIMITS.name),
      deviceId: cleanText(e.deviceId, LIMITS.name),
      ip: typeof e.ip === 'string' ? this.ips(e.ip) ?? undefined : undefined,
      host,
      domain,
      url: cleanText(e.url, LIMITS.url),
      searchTerm: cleanText(e.searchTerm, LIMITS.searchTerm),
      categoryId: cleanText(e.categoryId, LIMITS.short),
      action: cleanText(e.action, LIMITS.short) as ActivityEvent['action'] || 'allow',
      reason: cleanText(e.reason, LIMITS.short) as ActivityEvent['reason'] || 'default',
      policyId: cleanText(e.policyId, LIMITS.short) ?? '',
      ruleId: cleanText(e.ruleId, LIMITS.name),
      sourceId: cleanText(e.sourceId, LIMITS.name),
      circumvention: e.circumvention === true ? true : undefined,
      acknowledged: e.acknowledged === true ? true : undefined,
      frontEnd: cleanText(e.frontEnd, LIMITS.short) as ActivityEvent['frontEnd'] || 'proxy',
      node: cleanText(e.node, LIMITS.short) || this.node,
    };
  }

  private readonly totals = memo(10_000, (key) => key);

  /**
   * The event as one spool line (JSON, no newline), the same event as a row of COPY text (copyRowOf, with its
   * newline: what the writer sends), and the daily-totals row it counts towards (see totalKeyOf; interned, as a batch
   * holds the same few over and over). Never throws.
   */
  encode(e: ActivityEvent): { line: string; row: string; time: number; total: string } {
    try {
      const stored = this.clean(e);
      return { line: JSON.stringify(stored), row: copyRowOf(stored), time: stored.time, total: this.totals(totalKeyOf(stored)) };
    } catch {
      // Only a hostile object (a throwing getter) gets here; keep what can be kept rather than lose the event.
      const time = Date.now();
      const fallback: StoredEvent = {
        id: newActivityId(time), time, schoolId: UNKNOWN_SCHOOL, host: '', domain: '', action: 'allow', reason: 'default',
        policyId: '', frontEnd: 'proxy', node: this.node,
      };
      return { line: JSON.stringify(fallback), row: copyRowOf(fallback), time, total: totalKeyOf(fallback) };
    }
  }
}

/** The activity columns in the order copyRowOf writes them. */
export const COPY_COLUMNS = 'id, time, school_id, person_id, username, device_id, ip, host, domain, url, search_term, category_id, action, '
  + 'reason, policy_id, rule_id, source_id, circumvention, front_end, node, acknowledged';

// COPY's text format: tab between columns, \N for null, and backslash, tab, newline and carriage return escaped.
// (NUL and lone surrogates never get here: cleanText replaced them.)
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
function copyText(s: string | undefined): string {
  if (s === undefined || s === null) return '\\N';
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]) : s;
}

// Events come in runs within one millisecond: the last time's text is kept rather than formatted again.
let lastTime = NaN;
let lastTimeText = '';
function copyTime(ms: number): string {
  if (ms !== lastTime) {
    lastTime = ms;
    lastTimeText = new Date(ms).toISOString();
  }
  return lastTimeText;
}

/**
 * A stored event as one line of COPY text for the activity table (columns COPY_COLUMNS), newline included. Built
 * from the clean event, so every value is one the JSON insert would store the same (see writer.ts).
 */
export function copyRowOf(e: StoredEvent): string {
  const row = `${e.id}\t${copyTime(e.time)}\t${e.schoolId}\t${copyText(e.personId)}\t${copyText(e.username)}\t${copyText(e.deviceId)}\t${copyText(e.ip)}\t`
    + `${copyText(e.host)}\t${copyText(e.domain)}\t${copyText(e.url)}\t${copyText(e.searchTerm)}\t${copyText(e.categoryId)}\t`
    + `${copyText(e.action)}\t${copyText(e.reason)}\t${copyText(e.policyId)}\t${copyText(e.ruleId)}\t${copyText(e.sourceId)}\t`
    + `${e.circumvention === true ? 't' : 'f'}\t${copyText(e.frontEnd)}\t${copyText(e.node)}\t${e.acknowledged === true ? 't' : 'f'}\n`;
  // The concatenation is a rope of some 40 pieces; reading a character makes V8 flatten it into one string now, while
  // the pieces are young and cheap to collect, rather than keep them all alive until the batch is written.
  row.charCodeAt(0);
  return row;
}

const TEXT_FIELDS = ['personId', 'username', 'deviceId', 'ip', 'url', 'searchTerm', 'categoryId', 'action', 'reason', 'policyId',
  'ruleId', 'sourceId', 'frontEnd', 'node'] as const;

// eslint-disable-next-line no-control-regex -- NUL is exactly what has to be found
const UNSTORABLE_ONE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (s: string | null | undefined) => typeof s === 'string' && UNSTORABLE.test(s) && UNSTORABLE_ONE.test(s);

/**
 * The COPY row of a spooled or pushed line, or undefined when the line holds anything but the plain values the encoder
 * writes (a whole-millisecond time, text or nothing in the text fields, true or nothing for circumvention and
 * acknowledged): such a
 * line is left to the JSON insert, whose casts decide what it stores, so that both ways store the same.
 */
export function copyRowOfLine(line: string): string | undefined {
  const e = plainEventOfLine(line);
  return e && copyRowOf(e);
}

/** The event of a spooled or pushed line when it holds only plain values (see copyRowOfLine), else undefined. */
export function plainEventOfLine(line: string): StoredEvent | undefined {
  const e = decodeLine(line);
  if (!e || !Number.isInteger(e.time) || e.time < EARLIEST || e.time > LATEST || typeof e.domain !== 'string') return undefined;
  if (e.circumvention !== undefined && e.circumvention !== null && typeof e.circumvention !== 'boolean') return undefined;
  if (e.acknowledged !== undefined && e.acknowledged !== null && typeof e.acknowledged !== 'boolean') return undefined;
  for (const f of TEXT_FIELDS) {
    const v = e[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return undefined;
  }
  // Text that PostgreSQL cannot hold fails either way; the JSON insert then finds and sets aside the line.
  for (const f of TEXT_FIELDS) if (unstorable(e[f])) return undefined;
  if (unstorable(e.host) || unstorable(e.domain)) return undefined;
  return e;
}

/** Daily totals are counted per quarter of an hour in Node; the database turns quarters into the school's days. */
export const TOTALS_BUCKET_MS = 900_000;

/**
 * Which daily-totals row an event counts towards, before the time zone is applied: school, quarter-hour (every time
 * zone's offset is a whole number of quarters), category, action and policy, separated by NUL (which clean text
 * never holds).
 */
export function totalKeyOf(e: StoredEvent): string {
  return `${e.schoolId}\u0000${Math.floor(e.time / TOTALS_BUCKET_MS)}\u0000${e.categoryId ?? ''}\u0000${e.action}\u0000${e.policyId}`;
}

/** Reads one spool line back; undefined for a line that is not a whole event (a write torn by a crash). */
export function decodeLine(line: string): StoredEvent | undefined {
  if (line.length < 2 || line.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const e = JSON.parse(line) as StoredEvent;
    if (!isUuid(e.id) || typeof e.time !== 'number' || !isUuid(e.schoolId) || typeof e.host !== 'string') return undefined;
    return e;
  } catch {
    return undefined;
  }
}
