/**
 * An upstream's answer as the cache keeps it: the wire message itself (without the upstream's OPT record) plus
 * where each TTL sits, so a cache hit is one copy and a few patches — the client's ID, flags and question bytes
 * (0x20 case preserved), TTLs counted down, our own OPT appended — instead of decoding and encoding records.
 *
 * Only the question's own records are kept (issue 18): the question's name and the CNAME chain from it in the
 * answer section; the zone's SOA, NS and denial-of-existence proofs in the authority section; and in the additional
 * section only records for those names or for the names their NS, MX and SRV records point at. Anything else an
 * upstream adds (a confused or malicious server's "extra" records, the stuff of cache poisoning) is not relayed.
 * The names the chain leads to are kept with the answer (`aliases`), so that a CNAME to a blocked name is blocked.
 */
import dnsPacket from 'dns-packet';
import { AD, CD, DO, engineName, MIN_UDP, RA, RCODE, RD, readName, skipName, TC, TYPE } from './wire.ts';

export interface Answer {
  /** Header, question and records without an OPT record; ID and flags are rewritten for each client. */
  wire: Buffer;
  /** Offset just after the question (the question itself is overwritten with the client's bytes). */
  questionEnd: number;
  rcode: number;
  /** Where each record's TTL is, and its value when stored (already capped at the entry's lifetime). */
  ttlOffsets: Uint16Array;
  ttls: Uint32Array;
  storedAt: number;
  /** When the entry stops being served, in ms; 0 for an answer that must not be cached (relayed once). */
  expiresAt: number;
  /** The names the question's CNAME chain leads to, as the engine reads names; null when there is no chain. */
  aliases: string[] | null;
  /** Cache bookkeeping (see cache.ts). */
  key: string;
  touched: number;
}

export interface TtlLimits {
  /** Longest time a positive answer is kept, in seconds. */
  maxTtl: number;
  /** Longest time a negative answer is kept (RFC 2308 §5 suggests 1–3 hours), in seconds. */
  maxNegativeTtl: number;
}

/** What a served message needs from the client's query (the parsed query, or a waiter copied from it). */
export interface ClientQuery {
  id: number;
  flags: number;
  questionEnd: number;
  edns: boolean;
  udpSize: number;
  dnssecOk: boolean;
}

/**
 * Reads a checked upstream response (header and question already matched to ours) into an Answer: the TTL to
 * cache it for is the smallest answer TTL, or for NXDOMAIN/NODATA min(SOA TTL, SOA MINIMUM) (RFC 2308 §5);
 * negative answers without an SOA, and other rcodes, are relayed but not cached. Null when malformed.
 */
export function readAnswer(message: Buffer, now: number, limits: TtlLimits, key: string, strip = true): Answer | null {
  const length = message.length;
  if (length < 12 || length > 0xffff) return null;
  const counts = [(message[6] << 8) | message[7], (message[8] << 8) | message[9], (message[10] << 8) | message[11]];
  let p = skipName(message, 12);
  if (p < 0 || p + 4 > length) return null;
  const questionEnd = p + 4;
  p = questionEnd;
  const total = counts[0] + counts[1] + counts[2];
  const offsets = new Uint16Array(total);
  const ttls = new Uint32Array(total);
  const found: FoundRecord[] = [];
  let records = 0;
  let minAnswerTtl = Infinity;
  let negativeTtl = -1;
  let optStart = -1;
  for (let section = 0; section < 3; section++) {
    for (let r = 0; r < counts[section]; r++) {
      const start = p;
      p = skipName(message, p);
      if (p < 0 || p + 10 > length) return null;
      const type = (message[p] << 8) | message[p + 1];
      const ttl = message.readUInt32BE(p + 4);
      const rdEnd = p + 10 + ((message[p + 8] << 8) | message[p + 9]);
      if (rdEnd > length) return null;
      if (type === TYPE.OPT) {
        if (section !== 2 || optStart >= 0) return null;
        optStart = start;
      } else {
        if (optStart >= 0) return withoutOddOpt(message, now, limits, key);
        const owner = readName(message, start);
        if (owner === null) return null;
        found.push({ section, owner, type, rdata: p + 10 });
        offsets[records] = p + 4;
        ttls[records++] = ttl > 0x7fffffff ? 0 : ttl; // RFC 2181 §8: a TTL with the top bit set means zero
        if (section === 0 && ttl < minAnswerTtl) minAnswerTtl = ttl;
        if (section === 1 && type === TYPE.SOA && rdEnd - p - 10 >= 22) {
          negativeTtl = Math.min(ttl, message.readUInt32BE(rdEnd - 4));
        }
      }
      p = rdEnd;
    }
  }
  const qname = readName(message, 12);
  if (qname === null) return null;
  const chain = questionChain(message, qname, found);
  if (chain.strays > 0) return strip ? withoutStrays(message, found, chain.keep, now, limits, key) : null;
  const rcode = message[3] & 0xf;
  let ttl = 0;
  if (rcode === RCODE.NOERROR && counts[0] > 0) ttl = Math.min(minAnswerTtl, limits.maxTtl);
  else if ((rcode === RCODE.NXDOMAIN || rcode === RCODE.NOERROR) && negativeTtl > 0) ttl = Math.min(negativeTtl, limits.maxNegativeTtl);
  let wire = message;
  if (optStart >= 0) {
    wire = Buffer.from(message.subarray(0, optStart));
    wire.writeUInt16BE(counts[2] - 1, 10);
  } else if (p !== length) {
    wire = Buffer.from(message.subarray(0, p)); // trailing bytes after the records are not ours to relay
  }
  if (ttl > 0) for (let i = 0; i < records; i++) if (ttls[i] > ttl) ttls[i] = ttl;
  return {
    wire, questionEnd, rcode, ttlOffsets: offsets.subarray(0, records), ttls: ttls.subarray(0, records),
    storedAt: now, expiresAt: ttl > 0 ? now + ttl * 1000 : 0, key, touched: 0,
    aliases: chain.names.length > 1 ? chain.names.slice(1).map(engineName) : null,
  };
}

/** A record of an upstream answer (OPT aside): its section (0 answer, 1 authority, 2 additional), owner and type. */
interface FoundRecord {
  section: number;
  owner: string;
  type: number;
  /** Where its RDATA starts. */
  rdata: number;
}

const DNAME = 39;
const SRV = 33;
const RRSIG = 46;
const NSEC = 47;
const NSEC3 = 50;

/** `name` is `ancestor` or under it (every name is under the root, ''). */
function atOrUnder(name: string, ancestor: string): boolean {
  return ancestor === '' || name === ancestor || (name.length > ancestor.length && name.endsWith(ancestor) && name.charCodeAt(name.length - ancestor.length - 1) === 46);
}

/**
 * The question's chain — its name, then each CNAME target from a name already in the chain (in any order, as
 * servers need not sort them) — and which records belong to it:
 *   answer      records owned by a chain name (RRSIGs included), and a DNAME above a chain name;
 *   authority   records owned by a chain name or a zone above one (SOA, NS, their RRSIGs), and NSEC/NSEC3 proofs
 *               (with their RRSIGs) inside such a zone;
 *   additional  records owned by a chain name or by a name a kept NS, MX or SRV record points at.
 */
function questionChain(message: Buffer, qname: string, found: FoundRecord[]): { names: string[]; keep: boolean[]; strays: number } {
  const names = [qname];
  const inChain = new Set(names);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of found) {
      if (r.section !== 0 || r.type !== TYPE.CNAME || !inChain.has(r.owner)) continue;
      const target = readName(message, r.rdata);
      if (target === null || inChain.has(target)) continue;
      inChain.add(target);
      names.push(target);
      grew = true;
    }
  }
  const keep = found.map(() => false);
  const zones: string[] = [];
  const pointedAt = new Set<string>();
  const underChain = (owner: string) => names.some((name) => atOrUnder(name, owner));
  found.forEach((r, i) => {
    if (r.section === 0) keep[i] = inChain.has(r.owner) || (r.type === DNAME && names.some((name) => name !== r.owner && atOrUnder(name, r.owner)));
    else if (r.section === 1 && r.type !== NSEC && r.type !== NSEC3 && r.type !== RRSIG) keep[i] = underChain(r.owner);
    else return;
    if (keep[i] && r.section === 1) zones.push(r.owner);
  });
  found.forEach((r, i) => {
    if (r.section !== 1 || (r.type !== NSEC && r.type !== NSEC3 && r.type !== RRSIG)) return;
    keep[i] = underChain(r.owner) || zones.some((zone) => atOrUnder(r.owner, zone));
  });
  found.forEach((r, i) => {
    if (!keep[i] || r.section === 2) return;
    const at = r.type === TYPE.NS ? r.rdata : r.type === TYPE.MX ? r.rdata + 2 : r.type === SRV ? r.rdata + 6 : -1;
    const target = at < 0 ? null : readName(message, at);
    if (target !== null) pointedAt.add(target);
  });
  let strays = 0;
  found.forEach((r, i) => {
    if (r.section === 2) keep[i] = inChain.has(r.owner) || pointedAt.has(r.owner);
    if (!keep[i]) strays++;
  });
  return { names, keep, strays };
}

/**
 * The answer without the records that are not the question's (rare: re-encoded, which also drops the upstream's
 * OPT and expands compressed names, so nothing can point into a record taken out). Null when it cannot be read.
 */
function withoutStrays(message: Buffer, found: FoundRecord[], keep: boolean[], now: number, limits: TtlLimits, key: string): Answer | null {
  try {
    const packet = dnsPacket.decode(message);
    const kept = (section: number) => found.map((r, i) => (r.section === section ? keep[i] : null)).filter((k) => k !== null);
    const [answers, authorities, additionals] = [kept(0), kept(1), kept(2)];
    packet.answers = (packet.answers ?? []).filter((_, i) => answers[i]);
    packet.authorities = (packet.authorities ?? []).filter((_, i) => authorities[i]);
    packet.additionals = (packet.additionals ?? []).filter((r) => r.type !== 'OPT').filter((_, i) => additionals[i]);
    return readAnswer(dnsPacket.encode(packet), now, limits, key, false);
  } catch {
    return null;
  }
}

/** An OPT record before other additional records is legal but unusual: re-encode without it (slow, rare). */
function withoutOddOpt(message: Buffer, now: number, limits: TtlLimits, key: string): Answer | null {
  try {
    const packet = dnsPacket.decode(message);
    packet.additionals = (packet.additionals ?? []).filter((r) => r.type !== 'OPT');
    const answer = readAnswer(dnsPacket.encode(packet), now, limits, key);
    return answer !== null && answer.wire.length <= message.length ? answer : null;
  } catch {
    return null;
  }
}

/** EDNS0 OPT record (RFC 6891 §6.1.2) advertising our UDP payload size, echoing the client's DO bit. */
export const OPT_LENGTH = 11;
export function writeOpt(out: Buffer, p: number, udpSize: number, dnssecOk: boolean, extendedRcode = 0): number {
  out[p] = 0;
  out.writeUInt16BE(TYPE.OPT, p + 1);
  out.writeUInt16BE(udpSize, p + 3);
  out[p + 5] = extendedRcode;
  out[p + 6] = 0;
  out.writeUInt16BE(dnssecOk ? DO : 0, p + 7);
  out.writeUInt16BE(0, p + 9);
  return p + OPT_LENGTH;
}

/** The largest response a client can take: the TCP limit, or its EDNS0 size clamped to ours (512 without EDNS0). */
export function responseLimit(q: ClientQuery, udp: boolean, ourUdpSize: number): number {
  if (!udp) return 0xffff;
  if (!q.edns) return MIN_UDP;
  return q.udpSize < ourUdpSize ? q.udpSize : ourUdpSize;
}

/**
 * A cached or fresh answer for one client: its ID and RD/CD bits, its question bytes as sent, TTLs counted down,
 * an OPT record when it sent one (none otherwise, RFC 6891 §7), truncated with TC when it does not fit over UDP.
 */
export function serveAnswer(a: Answer, msg: Buffer, q: ClientQuery, limit: number, ourUdpSize: number, now: number): Buffer {
  const base = a.wire.length;
  const size = q.edns ? base + OPT_LENGTH : base;
  if (size > limit || a.questionEnd !== q.questionEnd) {
    return a.questionEnd === q.questionEnd ? truncated(msg, q, ourUdpSize, a.rcode) : servfail(msg, q, ourUdpSize);
  }
  const out = Buffer.allocUnsafe(size);
  out.set(a.wire); // TypedArray#set: Buffer#copy's argument checks cost more than the copy at this size
  out[0] = msg[0];
  out[1] = msg[1];
  out[2] = 0x80 | (q.flags >> 8 & (RD >> 8)); // QR, opcode QUERY, not authoritative, RD as asked
  // AD only for clients that asked for DNSSEC data or AD (RFC 6840 §5.8); CD echoed
  const adAllowed = q.dnssecOk || (q.flags & AD) !== 0;
  out[3] = RA | (adAllowed ? a.wire[3] & AD : 0) | (q.flags & CD) | a.rcode;
  for (let i = 12; i < q.questionEnd; i++) out[i] = msg[i];
  const offsets = a.ttlOffsets;
  if (offsets.length > 0) {
    const elapsed = a.expiresAt > 0 ? Math.floor((now - a.storedAt) / 1000) : 0;
    const ttls = a.ttls;
    for (let i = 0; i < offsets.length; i++) {
      const left = ttls[i] - elapsed;
      const ttl = left > 0 ? left : 0;
      const at = offsets[i];
      out[at] = ttl >>> 24;
      out[at + 1] = ttl >>> 16;
      out[at + 2] = ttl >>> 8;
      out[at + 3] = ttl;
    }
  }
  if (q.edns) {
    out.writeUInt16BE(((a.wire[10] << 8) | a.wire[11]) + 1, 10);
    writeOpt(out, base, ourUdpSize, q.dnssecOk);
  }
  return out;
}

/** Header, question and OPT with TC set: "ask again over TCP" (RFC 7766 §5). */
export function truncated(msg: Buffer, q: ClientQuery, ourUdpSize: number, rcode: number): Buffer {
  const out = headerOnly(msg, q, rcode, true, ourUdpSize);
  out[2] |= TC >> 8;
  return out;
}

export function servfail(msg: Buffer, q: ClientQuery, ourUdpSize: number): Buffer {
  return headerOnly(msg, q, RCODE.SERVFAIL, q.questionEnd > 0, ourUdpSize);
}

/**
 * A response with no records: for errors and truncation. The question is echoed when it could be read (not for
 * FORMERR, whose question may be what was wrong); BADVERS goes in the OPT record's extended rcode (RFC 6891 §6.1.3).
 */
export function headerOnly(msg: Buffer, q: ClientQuery, rcode: number, withQuestion: boolean, ourUdpSize: number): Buffer {
  const questionEnd = withQuestion && q.questionEnd > 0 ? q.questionEnd : 12;
  const withOpt = q.edns && rcode !== RCODE.FORMERR;
  const out = Buffer.alloc(questionEnd + (withOpt ? OPT_LENGTH : 0));
  msg.copy(out, 0, 0, 2);
  out[2] = 0x80 | (msg[2] & 0x79); // QR, the client's opcode and RD
  out[3] = RA | (q.flags & CD) | (rcode & 0xf);
  if (questionEnd > 12) {
    out[5] = 1;
    msg.copy(out, 12, 12, questionEnd);
  }
  if (withOpt) {
    out[11] = 1;
    writeOpt(out, questionEnd, ourUdpSize, q.dnssecOk, rcode >> 4);
  }
  return out;
}
