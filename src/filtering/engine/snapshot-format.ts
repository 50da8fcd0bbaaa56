/**
 * The snapshot's binary layout: ONE buffer (ArrayBuffer or SharedArrayBuffer), so that it is written to disk,
 * sent to a filter node or shared with worker threads as it is, and loaded as typed-array views in milliseconds.
 *
 *   header (128 bytes, little-endian 32-bit words)
 *     0 magic 'OSPS'   1 format version   2 byte-order mark 0x01020304   3 total bytes
 *     4 checksum of everything after the header   5 section count   6… (offset, byte length) per section
 *   sections, each 8-byte aligned:
 *     META        UTF-8 JSON: categories, sources, lists, policies, rules, expressions, built-in hosts — the
 *                 few strings explanations and policies need (kilobytes), never the domains
 *     SLOTS       Int32 × 3 per slot: domain hash A, hash B, value (a ref, or SET_FLAG | set index; 0 = empty)
 *     SET_OFFSETS Int32 × (sets + 1): where each set's refs start in SET_REFS
 *     SET_REFS    Int32 refs, sorted, for names that are in several lists or rules at once
 *     URL_OWNER   Int32 × URL entries: the list or rule ref a URL-prefix entry belongs to
 *     URL_PATHS   Int32 × (URL entries + 1): where each entry's path starts in URL_BYTES
 *     URL_BYTES   the paths of URL-prefix entries (lower-case, %XX decoded: one byte per character), compared
 *                 byte by byte with the request
 */

import type { CompileProblem } from './problems.js';
import type { CategoryDef, Policy } from './types.js';

export const MAGIC = 0x5350534f; // 'OSPS' as little-endian bytes
export const FORMAT_VERSION = 1;
const BYTE_ORDER_MARK = 0x01020304;
export const HEADER_BYTES = 128;

const Section = { Meta: 0, Slots: 1, SetOffsets: 2, SetRefs: 3, UrlOwner: 4, UrlPaths: 5, UrlBytes: 6 } as const;
type Section = (typeof Section)[keyof typeof Section];
const SECTION_COUNT = 7;

/**
 * A ref names one thing a host can match: tag in bits 28–30, id below. Values ≥ 0 in a slot are one ref; a
 * negative value (bit 31) is a set of refs.
 */
export const REF_LIST = 1 << 28; // a domain entry of list `id`
export const REF_URL = 2 << 28; // URL-prefix entry `id` (its owner says which list or rule)
export const REF_RULE = 3 << 28; // local block/allow entry or exception `id` (index into meta.rules)
export const REF_BUILT_IN = 4 << 28; // built-in host `id` (index into meta.builtIns)
export const REF_TAG = 7 << 28;
export const REF_ID = (1 << 28) - 1;
export const SET_FLAG = 1 << 31;

export const RULE_BLOCK = 0;
export const RULE_ALLOW = 1;
export const RULE_EXCEPTION = 2;

/** What META holds: small, JSON, parsed once per load. */
export interface SnapshotMeta {
  timeZone: string;
  unidentifiedPolicyId: string;
  categories: CategoryDef[];
  sources: string[];
  /** Per list: [source index, category index]. */
  lists: Array<[number, number]>;
  policies: Policy[];
  /** Per rule: [policy index, RULE_BLOCK | RULE_ALLOW | RULE_EXCEPTION, index in that policy's array]. */
  rules: Array<[number, number, number]>;
  /** List expressions: [list index, pattern]. */
  expressions: Array<[number, string]>;
  /** Hosts with fixed meanings; `exact` ones match only themselves, the rest cover subdomains. */
  builtIns: Array<{ kind: 'circumvention' | 'safesearch'; host: string; target: string; exact: boolean }>;
  /** `name.*` SafeSearch hosts: [name, target]; `www.name.*` is covered too. */
  safeSearchWildcards: Array<[string, string]>;
  capacity: number;
  domainCount: number;
  /** Warnings from compilation (refused list entries), kept so a loaded snapshot can still show them. */
  problems: CompileProblem[];
}

export interface SnapshotSections {
  /** The whole snapshot (a copy only if the given bytes were not 8-byte aligned). */
  bytes: Uint8Array;
  meta: SnapshotMeta;
  slots: Int32Array;
  setOffsets: Int32Array;
  setRefs: Int32Array;
  urlOwner: Int32Array;
  urlPaths: Int32Array;
  urlBytes: Uint8Array;
}

const align8 = (n: number) => (n + 7) & ~7;

/** Lays the sections out in one new buffer and fills in the header and checksum. */
export function writeSnapshotBuffer(
  meta: Uint8Array, arrays: [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Uint8Array], shared: boolean,
): Uint8Array {
  const parts: Uint8Array[] = [meta, ...arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))];
  let offset = HEADER_BYTES;
  const offsets: number[] = [];
  for (const part of parts) {
    offsets.push(offset);
    offset = align8(offset + part.byteLength);
  }
  const buffer = shared ? new SharedArrayBuffer(offset) : new ArrayBuffer(offset);
  const bytes = new Uint8Array(buffer);
  parts.forEach((part, i) => bytes.set(part, offsets[i]));
  const header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  header[0] = MAGIC;
  header[1] = FORMAT_VERSION;
  header[2] = BYTE_ORDER_MARK;
  header[3] = offset;
  header[5] = SECTION_COUNT;
  parts.forEach((part, i) => {
    header[6 + 2 * i] = offsets[i];
    header[7 + 2 * i] = part.byteLength;
  });
  header[4] = checksum(bytes);
  return bytes;
}

/** FNV-style over 32-bit words after the header, two lanes for speed: ~5 ms for a 26 MB snapshot. */
export function checksum(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, (bytes.byteLength - HEADER_BYTES) >> 2);
  let a = 0x811c9dc5 | 0;
  let b = 0x3b9aca07;
  const n = words.length & ~1;
  for (let i = 0; i < n; i += 2) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i + 1], 0x01000193);
  }
  if (n < words.length) a = Math.imul(a ^ words[n], 0x01000193);
  return Math.imul(a, 31) ^ b;
}

/** Checks the header and makes views; throws an Error saying what is wrong with the bytes. */
export function readSnapshotBuffer(bytes: Uint8Array, verify: boolean): SnapshotSections {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < HEADER_BYTES) throw new Error('not an Osprey snapshot: too short');
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice(); // typed-array views need alignment; copying is rare
  const header = new Int32Array(bytes.buffer, bytes.byteOffset, HEADER_BYTES / 4);
  if (header[0] !== MAGIC) throw new Error('not an Osprey snapshot: wrong magic number');
  if (header[2] !== BYTE_ORDER_MARK) throw new Error('snapshot was written on a machine with a different byte order');
  if (header[1] !== FORMAT_VERSION) throw new Error(`snapshot format ${header[1]} is not supported (this build reads ${FORMAT_VERSION}); recompile it`);
  if (header[3] !== bytes.byteLength) throw new Error(`snapshot is ${bytes.byteLength} bytes but its header says ${header[3]}: truncated or padded`);
  if (header[5] !== SECTION_COUNT) throw new Error('snapshot has an unexpected number of sections');
  if (verify && header[4] !== checksum(bytes)) throw new Error('snapshot checksum does not match: the file is damaged');
  const at = (section: Section) => {
    const offset = header[6 + 2 * section];
    const length = header[7 + 2 * section];
    if (offset < HEADER_BYTES || offset % 8 !== 0 || offset + length > bytes.byteLength) throw new Error('snapshot section table is damaged');
    return [bytes.byteOffset + offset, length] as const;
  };
  const ints = (section: Section) => {
    const [offset, length] = at(section);
    return new Int32Array(bytes.buffer, offset, length >> 2);
  };
  const [metaOffset, metaLength] = at(Section.Meta);
  // TextDecoder refuses views of a SharedArrayBuffer, so the (small) JSON is copied out first
  const metaBytes = new Uint8Array(metaLength);
  metaBytes.set(new Uint8Array(bytes.buffer, metaOffset, metaLength));
  const meta = JSON.parse(new TextDecoder().decode(metaBytes)) as SnapshotMeta;
  const [urlBytesOffset, urlBytesLength] = at(Section.UrlBytes);
  return {
    bytes,
    meta,
    slots: ints(Section.Slots),
    setOffsets: ints(Section.SetOffsets),
    setRefs: ints(Section.SetRefs),
    urlOwner: ints(Section.UrlOwner),
    urlPaths: ints(Section.UrlPaths),
    urlBytes: new Uint8Array(bytes.buffer, urlBytesOffset, urlBytesLength),
  };
}
