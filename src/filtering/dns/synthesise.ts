/**
 * Answers Osprey makes itself rather than relays: blocked names (the block page's address, NODATA or NXDOMAIN)
 * and SafeSearch (a CNAME to the provider's locked-safe host, followed by that host's own records).
 */
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { OPT_LENGTH, readAnswer, writeOpt, type Answer, type ClientQuery, type TtlLimits } from './answer.ts';
import { CD, CLASS_IN, encodeName, RA, RCODE, TYPE } from './wire.ts';

export interface BlockAnswers {
  /** 'block-page': A/AAAA point at the block page, other types get NODATA; 'nxdomain': every type gets NXDOMAIN. */
  mode: 'block-page' | 'nxdomain';
  ipv4: Buffer | null;
  ipv6: Buffer | null;
  /** Short, so that an unblock reaches devices soon (their stub resolvers cache what we answer). */
  ttl: number;
  /** SOA rdata for negative answers, so clients cache them for `ttl` too (RFC 2308 §3). */
  soa: Buffer;
}

export function blockAnswers(
  mode: 'block-page' | 'nxdomain', ipv4: string | undefined, ipv6: string | undefined, ttl: number, soaMailbox = 'blocked.osprey.invalid',
): BlockAnswers {
  if (ipv4 !== undefined && !net.isIPv4(ipv4)) throw new Error(`blockPageIPv4 '${ipv4}' is not an IPv4 address`);
  if (ipv6 !== undefined && !net.isIPv6(ipv6)) throw new Error(`blockPageIPv6 '${ipv6}' is not an IPv6 address`);
  if (mode === 'block-page' && ipv4 === undefined && ipv6 === undefined) {
    throw new Error("blockAnswer 'block-page' needs blockPageIPv4 and/or blockPageIPv6 (the block page's address)");
  }
  const soa = Buffer.concat([encodeName('osprey.invalid'), encodeName(soaMailbox), Buffer.alloc(20)]);
  [1, 3600, 600, 86400, ttl].forEach((value, i) => soa.writeUInt32BE(value, soa.length - 20 + i * 4));
  return {
    mode, ttl, soa,
    ipv4: ipv4 === undefined ? null : Buffer.from(ipv4.split('.').map(Number)),
    ipv6: ipv6 === undefined ? null : ipv6Bytes(ipv6),
  };
}

function ipv6Bytes(address: string): Buffer {
  const packet = dnsPacket.encode({ type: 'response', answers: [{ type: 'AAAA', name: 'a', data: address }] });
  return Buffer.from(packet.subarray(packet.length - 16));
}

/**
 * Names Osprey answers itself and never forwards (issue 18): `localhost` and names under it are the device itself
 * (RFC 6761 §6.3: 127.0.0.1 and ::1), and any name starting `wpad.` does not exist — devices look for a proxy
 * configuration there, and a name that leaked to the internet could be registered by anyone to send them a hostile
 * one. Osprey's own PAC file is given to devices by policy, MDM or DHCP option 252, which carry its full address.
 */
export const LOCAL_ANSWERS = blockAnswers('block-page', '127.0.0.1', '::1', 3600, 'local.osprey.invalid');
export const WPAD_ANSWERS = blockAnswers('nxdomain', undefined, undefined, 3600, 'local.osprey.invalid');

export function localName(host: string): 'localhost' | 'wpad' | null {
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost';
  if (host === 'wpad' || host.startsWith('wpad.')) return 'wpad';
  return null;
}

/** RFC 8914 Extended DNS Error codes used here. */
export const EDE_BLOCKED = 15;

/** An EDNS0 Extended DNS Error option (RFC 8914 §2): code and a sentence a person reads in `dig`'s output. */
export function extendedError(code: number, text: string): Buffer {
  const words = Buffer.from(text, 'utf8').subarray(0, 400);
  const option = Buffer.alloc(6 + words.length);
  option.writeUInt16BE(15, 0); // option code: Extended DNS Error
  option.writeUInt16BE(2 + words.length, 2);
  option.writeUInt16BE(code, 4);
  words.copy(option, 6);
  return option;
}

/**
 * The answer for a blocked name. `negative` (NXDOMAIN mode, and circumvention hosts always — R2.7: the Firefox
 * canary and iCloud Private Relay must be "answered negatively") gives NXDOMAIN for every type; otherwise A and
 * AAAA get the block page's address and every other type NODATA, so the name consistently "exists". `why`, an
 * Extended DNS Error option, goes in the OPT record to clients that sent one.
 */
export function blockedResponse(
  msg: Buffer, q: ClientQuery & { qtype: number }, block: BlockAnswers, negative: boolean, ourUdpSize: number, why?: Buffer,
): Buffer {
  let rdata: Buffer | null = null;
  if (!negative) rdata = q.qtype === TYPE.A ? block.ipv4 : q.qtype === TYPE.AAAA ? block.ipv6 : null;
  const answerLength = rdata === null ? 0 : 12 + rdata.length;
  const soaLength = rdata === null ? 12 + block.soa.length : 0;
  const end = q.questionEnd + answerLength + soaLength;
  const extra = q.edns && why !== undefined ? why.length : 0;
  const out = Buffer.allocUnsafe(end + (q.edns ? OPT_LENGTH + extra : 0));
  out[0] = msg[0];
  out[1] = msg[1];
  out[2] = 0x80 | (msg[2] & 0x01);
  out[3] = RA | (q.flags & CD) | (negative ? RCODE.NXDOMAIN : RCODE.NOERROR);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(answerLength > 0 ? 1 : 0, 6);
  out.writeUInt16BE(soaLength > 0 ? 1 : 0, 8);
  out.writeUInt16BE(q.edns ? 1 : 0, 10);
  for (let i = 12; i < q.questionEnd; i++) out[i] = msg[i];
  let p = q.questionEnd;
  if (rdata !== null) p = writeRecord(out, p, q.qtype, block.ttl, rdata);
  else p = writeRecord(out, p, TYPE.SOA, block.ttl, block.soa);
  if (q.edns) {
    const optEnd = writeOpt(out, p, ourUdpSize, q.dnssecOk);
    if (extra > 0) {
      out.writeUInt16BE(extra, optEnd - 2);
      (why as Buffer).copy(out, optEnd);
    }
  }
  return out;
}

/** A record owned by the question's name (a compression pointer to offset 12). */
function writeRecord(out: Buffer, p: number, type: number, ttl: number, rdata: Buffer): number {
  out[p] = 0xc0;
  out[p + 1] = 12;
  out[p + 2] = type >> 8;
  out[p + 3] = type;
  out[p + 4] = 0;
  out[p + 5] = CLASS_IN;
  out.writeUInt32BE(ttl, p + 6);
  out[p + 10] = rdata.length >> 8;
  out[p + 11] = rdata.length;
  out.set(rdata, p + 12);
  return p + 12 + rdata.length;
}

/**
 * R2.6 SafeSearch: `www.google.com CNAME forcesafesearch.google.com` followed by the target's own records for the
 * question's type, as the upstream gave them (`target`, counted down to now). The result is an ordinary Answer,
 * cached under `key` until the target's answer would expire. Null when the target could not be resolved.
 */
export function composeSafeSearch(
  key: string, msg: Buffer, q: ClientQuery, targetName: Buffer, target: Answer, now: number, limits: TtlLimits,
): Answer | null {
  if (target.rcode !== RCODE.NOERROR && target.rcode !== RCODE.NXDOMAIN) return null;
  let records: Buffer;
  let answers = 0;
  let authorities = 0;
  const elapsed = Math.floor((now - target.storedAt) / 1000);
  const left = target.expiresAt > 0 ? Math.max(1, Math.floor((target.expiresAt - now) / 1000)) : 0;
  try {
    const decoded = dnsPacket.decode(target.wire);
    const age = (r: dnsPacket.Answer) => ({ ...r, ttl: Math.max(0, ((r as { ttl?: number }).ttl ?? 0) - elapsed) }) as dnsPacket.Answer;
    const packet = { type: 'response' as const, answers: (decoded.answers ?? []).map(age), authorities: (decoded.authorities ?? []).map(age) };
    answers = packet.answers.length;
    authorities = packet.authorities.length;
    // dns-packet writes names in full (no compression), so these records can be placed after our own bytes
    records = dnsPacket.encode(packet).subarray(12);
  } catch {
    return null;
  }
  const cname = 12 + targetName.length;
  const out = Buffer.alloc(q.questionEnd + cname + records.length);
  out[2] = 0x81;
  out[3] = RA | target.rcode;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(1 + answers, 6);
  out.writeUInt16BE(authorities, 8);
  msg.copy(out, 12, 12, q.questionEnd);
  const p = writeRecord(out, q.questionEnd, TYPE.CNAME, left, targetName);
  records.copy(out, p);
  return readAnswer(out, now, limits, key);
}
