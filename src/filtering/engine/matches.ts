/**
 * Everything a request matches, found in one right-to-left pass over its host: each label-boundary suffix's hash
 * is probed in the snapshot's table (`com`, `example.com`, `www.example.com`), then URL-prefix entries are checked
 * against the path and list expressions against `host:port/path`. Results go into module-level typed arrays that are reused
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
        if (value > 0) {
          if ((value & REF_TAG) !== REF_URL) push(value, i, KIND_DOMAIN, 0);
          else addUrlRef(t, host, value, i, withUrl);
        } else {
          const set = value & REF_ID;
          for (let j = t.setOffsets[set]; j < t.setOffsets[set + 1]; j++) {
            const ref = t.setRefs[j];
            if ((ref & REF_TAG) !== REF_URL) push(ref, i, KIND_DOMAIN, 0);
            else addUrlRef(t, host, ref, i, withUrl);
          }
        }
        break;
      }
      s += SLOT_WORDS;
      if (s === end) s = 0;
    }
  }
  return true;
}

function addUrlRef(t: SnapshotTables, host: string, ref: number, start: number, withUrl: boolean): void {
  const id = ref & REF_ID;
  // a URL entry does not cover subdomains (squidGuard's rule), except on an illegal-content list: never under-block those
  if (start !== 0 && !isWwwForm(host, start) && !onIllegalList(t, t.urlOwner[id])) return;
  if (withUrl) {
    push(ref, start, KIND_URL, id);
    matches.pendingUrls++;
  } else if (t.urlPaths[id + 1] - t.urlPaths[id] === 1) {
    // a whole-site entry (`example.com/`) also answers DNS and CONNECT requests, which have no path to compare
    push(t.urlOwner[id], start, KIND_URL, id);
  }
}

function onIllegalList(t: SnapshotTables, owner: number): boolean {
  return (owner & REF_TAG) === REF_LIST && t.categoryIllegal[t.listCategory[owner & REF_ID]] === 1;
}

/**
 * Whether host[start…] is the host itself or it with `www.`, `webN.`, `ftpN.` labels in front: squidGuard drops
 * one such label from the request before comparing URL entries; Osprey drops any number of them.
 */
function isWwwForm(host: string, start: number): boolean {
  let i = 0;
  while (i < start) {
    const a = host.charCodeAt(i);
    const b = host.charCodeAt(i + 1);
    const c = host.charCodeAt(i + 2);
    if (!((a === 119 && b === 119 && c === 119) || (a === 119 && b === 101 && c === 98) || (a === 102 && b === 116 && c === 112))) return false;
    i += 3;
    while (i < start && host.charCodeAt(i) >= 48 && host.charCodeAt(i) <= 57) i++;
    if (host.charCodeAt(i) !== 46) return false;
    i++;
  }
  return true;
}

/**
 * Pending URL-prefix matches become their owner's ref when the path matches, and 0 (nothing) when not. `text`
 * [start…end) is the request's path, query and fragment as `comparablePath` gives them.
 */
export function resolveUrlMatches(t: SnapshotTables, text: string, start: number, end: number): void {
  for (let k = 0; k < matches.count; k++) {
    const ref = matches.ref[k];
    if ((ref & REF_TAG) !== REF_URL) continue;
    const id = ref & REF_ID;
    matches.ref[k] = pathMatches(t, id, text, start, end) ? t.urlOwner[id] : 0;
  }
  matches.pendingUrls = 0;
}

/**
 * squidGuard urllist semantics: the entry's path is a prefix of the request's, ASCII case-insensitive, and nothing
 * more — `example.com/play.html` covers `/play.htmlx` too, as it does in squidGuard.
 */
function pathMatches(t: SnapshotTables, id: number, text: string, start: number, end: number): boolean {
  const bytes = t.urlBytes;
  const from = t.urlPaths[id];
  const length = t.urlPaths[id + 1] - from;
  if (end === start) return length === 1; // no path at all is '/'
  if (length > end - start) return false;
  for (let j = 0; j < length; j++) {
    let c = text.charCodeAt(start + j);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== bytes[from + j]) return false;
  }
  return true;
}

const found: number[] = [];

/** Adds list expressions found in `text` (`host:port/path…`, or the host when there is no URL); see ExpressionSet. */
export function collectExpressionMatches(set: ExpressionSet, expressionLists: Int32Array, text: string, scheme: string): void {
  found.length = 0;
  set.allMatches(text, scheme, found);
  for (const i of found) push(REF_LIST | expressionLists[set.owners[i]], -1, KIND_EXPRESSION, set.owners[i]);
}

/** The URL-prefix entry's path as text, for explanations: decoded bytes that are not printable ASCII as %XX. */
export function urlEntryPath(t: SnapshotTables, id: number): string {
  let path = '';
  for (let i = t.urlPaths[id]; i < t.urlPaths[id + 1]; i++) {
    const c = t.urlBytes[i];
    path += c > 32 && c < 127 ? String.fromCharCode(c) : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return path;
}
