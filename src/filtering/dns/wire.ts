/**
 * DNS wire format on the hot path, by hand (RFC 1035 §4, RFC 6891 for EDNS0). A full `dns-packet` decode allocates
 * an object per record and a string per name; a query only needs its header, its one question and whether it
 * carries an OPT record, so this reads exactly that into a reused object and allocates one string (the name).
 * `dns-packet` is still used off the hot path (SafeSearch answers, odd upstream replies) and by the tests.
 */

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, HTTPS: 65,
  IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

/** Header flag bits (the 16-bit word at offset 2). */
export const QR = 0x8000;
export const AA = 0x0400;
export const TC = 0x0200;
export const RD = 0x0100;
export const RA = 0x0080;
export const AD = 0x0020;
export const CD = 0x0010;
/** The EDNS0 "DNSSEC OK" bit, in the OPT record's TTL field (RFC 3225). */
export const DO = 0x8000;

/** RFC 1035 §2.3.4. */
const MAX_NAME = 255;
const MAX_LABEL = 63;
/** RFC 6891 §6.2.5: sizes below 512 are treated as 512. */
export const MIN_UDP = 512;

/** `parseQuery` outcomes other than an rcode to answer with. */
export const PARSE_OK = -1;
/** Nothing can be answered: too short for a header, or a response (answering responses invites reflection loops). */
export const PARSE_DROP = -2;

/** One parsed query. A single instance is reused on the hot path; copy what must outlive the call. */
export interface ParsedQuery {
  id: number;
  flags: number;
  /** Offset just after the question's name; the question's type and class follow. */
  nameEnd: number;
  /** Offset just after the whole question; 0 while the question has not been read. */
  questionEnd: number;
  qtype: number;
  qclass: number;
  /** The name as the engine reads it: lower case, dot-separated, no trailing dot, '' for the root. */
  host: string;
  /** The cache key's name: lower case, one character per byte, so different names never share a key. */
  keyName: string;
  edns: boolean;
  /** The client's EDNS0 UDP payload size, or 512 without EDNS0. */
  udpSize: number;
  dnssecOk: boolean;
  ednsVersion: number;
}

export function newParsedQuery(): ParsedQuery {
  return { id: 0, flags: 0, nameEnd: 0, questionEnd: 0, qtype: 0, qclass: 0, host: '', keyName: '', edns: false,
    udpSize: MIN_UDP, dnssecOk: false, ednsVersion: 0 };
}

const scratch = Buffer.alloc(MAX_NAME + 1);

/**
 * Reads a query's header, question and OPT record into `q`. Returns PARSE_OK, PARSE_DROP, or the rcode to answer
 * with (FORMERR for anything malformed, NOTIMP for opcodes other than QUERY, BADVERS for EDNS versions above 0).
 * Never throws and never reads outside `msg`.
 */
export function parseQuery(msg: Buffer, q: ParsedQuery): number {
  const length = msg.length;
  q.questionEnd = 0;
  q.edns = false;
  q.udpSize = MIN_UDP;
  q.dnssecOk = false;
  q.ednsVersion = 0;
  if (length < 12) return PARSE_DROP;
  q.id = (msg[0] << 8) | msg[1];
  const flags = (msg[2] << 8) | msg[3];
  q.flags = flags;
  if ((flags & QR) !== 0) return PARSE_DROP;
  if (((flags >> 11) & 0xf) !== 0) return RCODE.NOTIMP;
  if (msg[4] !== 0 || msg[5] !== 1) return RCODE.FORMERR; // QDCOUNT ≠ 1: RFC 9619
  // the question's name, copied lower-cased with dots for the engine; pointers are refused because nothing
  // precedes the first name for them to point at legitimately (and a pointer to itself would loop)
  let p = 12;
  let out = 0;
  let highBytes = false;
  for (;;) {
    if (p >= length) return RCODE.FORMERR;
    const labelLength = msg[p];
    if (labelLength === 0) break;
    if (labelLength > MAX_LABEL) return RCODE.FORMERR; // a compression pointer or a reserved label type
    const end = p + 1 + labelLength;
    if (end > length || end - 12 + 1 > MAX_NAME) return RCODE.FORMERR;
    if (out > 0) scratch[out++] = 46;
    for (let i = p + 1; i < end; i++) {
      let c = msg[i];
      if (c >= 65 && c <= 90) c |= 0x20;
      else if (c >= 128) highBytes = true;
      else if (c === 46 || c <= 32 || c === 127) c = 47; // see below
      scratch[out++] = c;
    }
    p = end;
  }
  q.nameEnd = p + 1;
  if (q.nameEnd + 4 > length) return RCODE.FORMERR;
  q.qtype = (msg[q.nameEnd] << 8) | msg[q.nameEnd + 1];
  q.qclass = (msg[q.nameEnd + 2] << 8) | msg[q.nameEnd + 3];
  q.questionEnd = q.nameEnd + 4;
  q.keyName = scratch.toString('latin1', 0, out);
  // A dot, space or control byte inside a label became '/' above: a label must not read as several labels, and
  // the engine refuses such a name (invalid_request → blocked), so it never reaches the answer cache either.
  // Bytes above 127 are read as UTF-8 so that an IDN sent raw meets the same list entry as its punycode form.
  q.host = highBytes ? scratch.toString('utf8', 0, out) : q.keyName;
  return readAdditional(msg, q);
}

/** Skips the answer and authority records (a query should have none) and finds the OPT record among the rest. */
function readAdditional(msg: Buffer, q: ParsedQuery): number {
  const length = msg.length;
  const skip = ((msg[6] << 8) | msg[7]) + ((msg[8] << 8) | msg[9]);
  const additional = (msg[10] << 8) | msg[11];
  let p = q.questionEnd;
  for (let r = 0; r < skip + additional; r++) {
    const nameStart = p;
    p = skipName(msg, p);
    if (p < 0 || p + 10 > length) return RCODE.FORMERR;
    const type = (msg[p] << 8) | msg[p + 1];
    const rdEnd = p + 10 + ((msg[p + 8] << 8) | msg[p + 9]);
    if (rdEnd > length) return RCODE.FORMERR;
    if (type === TYPE.OPT) {
      // RFC 6891 §6.1.1: one OPT, owned by the root, in the additional section; anything else is FORMERR
      if (r < skip || q.edns || p !== nameStart + 1) return RCODE.FORMERR;
      q.edns = true;
      const size = (msg[p + 2] << 8) | msg[p + 3];
      q.udpSize = size < MIN_UDP ? MIN_UDP : size;
      q.ednsVersion = msg[p + 5];
      q.dnssecOk = (msg[p + 6] & 0x80) !== 0;
    }
    p = rdEnd;
  }
  return q.ednsVersion > 0 ? RCODE.BADVERS : PARSE_OK;
}

/**
 * The offset after a (possibly compressed) name starting at `p`, or -1. Pointers end a name, so skipping never
 * follows one and a pointer loop cannot trap it.
 */
export function skipName(msg: Uint8Array, p: number): number {
  const length = msg.length;
  let total = 0;
  for (;;) {
    if (p >= length) return -1;
    const b = msg[p];
    if (b === 0) return p + 1;
    if ((b & 0xc0) === 0xc0) return p + 2 <= length ? p + 2 : -1;
    if (b > MAX_LABEL) return -1;
    total += b + 1;
    if (total >= MAX_NAME) return -1;
    p += b + 1;
  }
}

/** A name in wire form ('www.example.com' → 3www7example3com0), for questions Osprey asks itself. */
export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  const bytes = Buffer.alloc(labels.reduce((n, l) => n + Buffer.byteLength(l) + 1, 1));
  let p = 0;
  for (const label of labels) {
    const length = bytes.write(label, p + 1, 'latin1');
    if (length > MAX_LABEL) throw new RangeError(`DNS label too long in '${name}'`);
    bytes[p] = length;
    p += length + 1;
  }
  return bytes;
}

/**
 * A name anywhere in a message (compression pointers followed, only backwards, so they cannot loop) as the cache and
 * the chain checks compare names: lower case, dot-separated, one character per byte, '' for the root. Null when
 * the name is malformed.
 */
export function readName(msg: Uint8Array, p: number): string | null {
  const length = msg.length;
  let out = '';
  let total = 0;
  let limit = p; // a pointer must point before the label it replaces
  for (;;) {
    if (p >= length) return null;
    const b = msg[p];
    if (b === 0) return out;
    if ((b & 0xc0) === 0xc0) {
      if (p + 2 > length) return null;
      const target = ((b & 0x3f) << 8) | msg[p + 1];
      if (target >= limit) return null;
      p = limit = target;
      continue;
    }
    if (b > MAX_LABEL || p + 1 + b > length) return null;
    total += b + 1;
    if (total >= MAX_NAME) return null;
    if (out.length > 0) out += '.';
    for (let i = p + 1; i <= p + b; i++) {
      const c = msg[i];
      out += String.fromCharCode(c >= 65 && c <= 90 ? c | 0x20 : c === 46 || c <= 32 || c === 127 ? 47 : c);
    }
    p += b + 1;
  }
}

/** A name read by readName as the engine reads names (bytes above 127 as UTF-8, as parseQuery does). */
export function engineName(name: string): string {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) >= 128) return Buffer.from(name, 'latin1').toString('utf8');
  return name;
}
