/**
 * Everything a request matches, found in one right-to-left pass over its host: each label-boundary suffix's hash
 * is probed in the snapshot's table (`com`, `example.com`, `www.example.com`), then URL-prefix entries are checked
 * against the path and list expressions against the URL. Results go into module-level typed arrays that are reused
 * for every request (decide is synchronous, so one set per thread is enough): no allocation on the hot path.
 */
import { finishHashA, finishHashB, HASH_SEED_A, HASH_SEED_B, homeSlot, SLOT_WORDS, stepA, stepB } from './domain-hash.js';
import type { ExpressionSet } from './expressions.js';
import { isIpLiteral } from './normalise.js';
import { REF_ID, REF_LIST, REF_TAG, REF_URL } from './snapshot-format.js';
import type { SnapshotTables } from './snapshot-load.js';

export const KIND_DOMAIN = 0;
export const KIND_URL = 1;
export const KIND_EXPRESSION = 2;

/** The matches of the current request; `count` of them are valid. */
export const matches = {
  count: 0,
  /** URL-prefix entries whose host matched; `resolveUrlMatches` checks their paths. */
  pendingUrls: 0,
  /** A list, rule or built-in ref (URL entries are replaced by their owner once the path has matched). */
  ref: new Int32Array(64),
  /** Where the matching suffix starts in the host; -1 for expressions. */
  start: new Int32Array(64),
  kind: new Uint8Array(64),
  /** KIND_URL: the URL entry; KIND_EXPRESSION: the expression's index in its set's owners. */
  detail: new Int32Array(64),
};

function push(ref: number, start: number, kind: number, detail: number): void {
  const n = matches.count;
  if (n === matches.ref.length) grow();
  matches.ref[n] = ref;
  matches.start[n] = start;
  matches.kind[n] = kind;
  matches.detail[n] = detail;
  matches.count = n + 1;
}

/** Never drops a match (an illegal one could be among them); growing is rare and kept. */
function grow(): void {
  const size = matches.ref.length * 2;
  const widen = <T extends Int32Array | Uint8Array>(from: T, to: T): T => {
    to.set(from);
    return to;
  };
  matches.ref = widen(matches.ref, new Int32Array(size));
  matches.start = widen(matches.start, new Int32Array(size));
  matches.kind = widen(matches.kind, new Uint8Array(size));
  matches.detail = widen(matches.detail, new Int32Array(size));
}

/** 1 for the characters an already-normal host is made of: a-z 0-9 - _ and '.'. */
const NORMAL_HOST_CHAR = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789-_.') NORMAL_HOST_CHAR[ch.charCodeAt(0)] = 1;

/** RFC 1035's limit, as in normaliseHost. */
const MAX_HOST_LENGTH = 253;

/**
 * Collects the host's table matches. URL-prefix entries are kept only when the request has a URL (`withUrl`), as
 * pending matches for `resolveUrlMatches`: most hosts have none, so most requests never look at their path.
 *
 * With `normalised` false the same pass also checks that the host is already in the form `normaliseHost` gives
 * (lower-case a-z 0-9 - _, no empty label or trailing dot, no IPv4-looking or possible-punycode label) and returns
 * false at the first doubt, so the caller normalises and calls again: one pass instead of two for almost every host.
 */
export function collectHostMatches(t: SnapshotTables, host: string, withUrl: boolean, normalised: boolean): boolean {
  matches.count = 0;
  matches.pendingUrls = 0;
  const n = host.length;
  if (!normalised && (n === 0 || n > MAX_HOST_LENGTH)) return false;
  const { slots, capacity } = t;
  const end = capacity * SLOT_WORDS;
  const ip = normalised && isIpLiteral(host);
  let labelEnd = n;
  let a = HASH_SEED_A;
  let b = HASH_SEED_B;
  for (let i = n - 1; i >= 0; i--) {
    const c = host.charCodeAt(i);
    if (!normalised && (c >= 128 || NORMAL_HOST_CHAR[c] === 0)) return false;
    a = stepA(a, c);
    b = stepB(b, c);
    if (c === 46) {
      if (!normalised && (labelEnd === i + 1 || i === 0)) return false; // an empty label, or a leading/trailing dot
      labelEnd = i;
      continue;
    }
    if (i !== 0 && (ip || host.charCodeAt(i - 1) !== 46)) continue;
    // host[i…] is a suffix starting at a label
    if (!normalised) {
      if (labelEnd === n && c >= 48 && c <= 57) return false; // the last label starts with a digit: IPv4 forms
      if (i + 3 < labelEnd && host.charCodeAt(i + 2) === 45 && host.charCodeAt(i + 3) === 45) return false; // 'xn--'?
    }
    const hashA = finishHashA(a, n - i);
    const hashB = finishHashB(b, hashA);
    let s = homeSlot(hashA, capacity) * SLOT_WORDS;
    for (;;) {
      const value = slots[s + 2];
      if (value === 0) break;
      if (slots[s] === hashA && slots[s + 1] === hashB) {
        if (value > 0) addRef(value, i, withUrl);
        else {
          const set = value & REF_ID;
          for (let j = t.setOffsets[set]; j < t.setOffsets[set + 1]; j++) addRef(t.setRefs[j], i, withUrl);
        }
        break;
      }
      s += SLOT_WORDS;
      if (s === end) s = 0;
    }
  }
  return true;
}

function addRef(ref: number, start: number, withUrl: boolean): void {
  if ((ref & REF_TAG) !== REF_URL) return push(ref, start, KIND_DOMAIN, 0);
  if (!withUrl) return;
  push(ref, start, KIND_URL, ref & REF_ID);
  matches.pendingUrls++;
}

/** Pending URL-prefix matches become their owner's ref when the path matches, and 0 (nothing) when not. */
export function resolveUrlMatches(t: SnapshotTables, url: string, pathStart: number, pathEnd: number): void {
  for (let k = 0; k < matches.count; k++) {
    const ref = matches.ref[k];
    if ((ref & REF_TAG) !== REF_URL) continue;
    const id = ref & REF_ID;
    matches.ref[k] = pathMatches(t, id, url, pathStart, pathEnd) ? t.urlOwner[id] : 0;
  }
  matches.pendingUrls = 0;
}

/**
 * squidGuard urllist semantics: the entry's path is a prefix of the request's (ASCII case-insensitive), ending at
 * a boundary — the entry ends in '/', or the request continues with '/', '?', '&', ';' or '#' — so that
 * `example.com/games` covers `/games/x` and `/games?x` but not `/gamesroom`.
 */
function pathMatches(t: SnapshotTables, id: number, url: string, pathStart: number, pathEnd: number): boolean {
  const bytes = t.urlBytes;
  const from = t.urlPaths[id];
  const length = t.urlPaths[id + 1] - from;
  if (pathEnd === pathStart) return length === 1; // no path at all is '/'
  if (length > pathEnd - pathStart) return false;
  for (let j = 0; j < length; j++) {
    let c = url.charCodeAt(pathStart + j);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== bytes[from + j]) return false;
  }
  if (length === pathEnd - pathStart || bytes[from + length - 1] === 47) return true;
  const next = url.charCodeAt(pathStart + length);
  return next === 47 || next === 63 || next === 38 || next === 59 || next === 35;
}

const found: number[] = [];

/** Adds list expressions found in `text` (the URL, or the host when there is none). */
export function collectExpressionMatches(set: ExpressionSet, expressionLists: Int32Array, text: string): void {
  found.length = 0;
  set.allMatches(text, found);
  for (const i of found) push(REF_LIST | expressionLists[set.owners[i]], -1, KIND_EXPRESSION, set.owners[i]);
}

/** The URL-prefix entry's path as text, for explanations. */
export function urlEntryPath(t: SnapshotTables, id: number): string {
  return new TextDecoder().decode(t.urlBytes.slice(t.urlPaths[id], t.urlPaths[id + 1]));
}
