/**
 * Compile-time helpers shared by lists and policies: the problem log, entry parsing, and the collector that turns
 * (name, ref) pairs into the hash table and sets of the binary snapshot.
 */
import { domainKey, hashDomain, insertKey, SLOT_WORDS } from './domain-hash.js';
import { asciiLowerCase, canonicalUrl, comparablePath, normaliseHost, scanUrl, urlScan } from './normalise.js';
import { MAX_RECORDED_WARNINGS, type CompileProblem } from './problems.js';
import { REF_URL, SET_FLAG } from './snapshot-format.js';

/** Collects problems; warnings beyond a cap are counted, not kept. */
export class ProblemLog {
  readonly errors: CompileProblem[] = [];
  readonly warnings: CompileProblem[] = [];
  private droppedWarnings = 0;

  add(problem: CompileProblem): void {
    if (problem.severity === 'error') this.errors.push(problem);
    else if (this.warnings.length < MAX_RECORDED_WARNINGS) this.warnings.push(problem);
    else this.droppedWarnings++;
  }

  /** Warnings to keep in the snapshot, with a last line counting those left out. */
  keptWarnings(): CompileProblem[] {
    if (this.droppedWarnings === 0) return this.warnings;
    return [...this.warnings, {
      severity: 'warning', code: 'invalid_domain',
      message: `${this.droppedWarnings} more entries were refused for the same kinds of reason`,
    }];
  }
}

/** A URL-prefix entry split into the host that keys it and the path compared with requests. */
export interface UrlEntry {
  host: string;
  /** Path, query and fragment as `comparablePath` gives them, ASCII lower-case; '/' at least. */
  path: string;
}

/**
 * `example.com/games/` (squidGuard urllist form; a scheme is tolerated) → host and path, or null. A leading
 * `www.`/`wwwN.` is dropped, so an entry written with it also covers the name without it. A fragment stays part of
 * the path, as in squidGuard: `example.com/#p2` is that text, never the whole site.
 */
export function parseUrlEntry(value: string): UrlEntry | null {
  if (typeof value !== 'string') return null;
  const text = value.trim().replace(/^https?:\/\//i, '');
  if (text === '' || /^[/?#]/.test(text)) return null;
  const canonical = canonicalUrl(`http://${text}`);
  if (canonical === null || !scanUrl(canonical)) return null;
  let host = canonical.slice(urlScan.hostStart, urlScan.hostEnd);
  if (host.startsWith('[')) host = host.slice(1, -1);
  const bare = /^www\d*\.(.+\..+)$/.exec(host);
  if (bare !== null) host = bare[1];
  const pathStart = urlScan.pathStart;
  const path = comparablePath(canonical, pathStart, canonical.length) ?? canonical.slice(pathStart);
  return { host, path: asciiLowerCase(path === '' ? '/' : path.charCodeAt(0) === 47 ? path : `/${path}`) };
}

/** A domain entry as the engine compares it, or null. Tolerates the `*.example.com` wildcard form. */
export function parseDomainEntry(value: string): string | null {
  if (typeof value !== 'string') return null;
  const host = value.startsWith('*.') ? value.slice(2) : value;
  return normaliseHost(host);
}

/**
 * Gathers every (name hash, ref) pair, then builds the slot table: names in several lists (a quarter of the bench
 * list) get one slot whose value points at a shared, de-duplicated set of refs.
 */
export class EntryCollector {
  private hashA: Int32Array;
  private hashB: Int32Array;
  private refs: Int32Array;
  private count = 0;
  private readonly urlOwners: number[] = [];
  private readonly urlPaths: string[] = [];

  constructor(expected: number) {
    const size = Math.max(16, expected);
    this.hashA = new Int32Array(size);
    this.hashB = new Int32Array(size);
    this.refs = new Int32Array(size);
  }

  /** `name` must already be normalised. */
  add(name: string, ref: number): void {
    if (this.count === this.refs.length) this.grow();
    hashDomain(name);
    this.hashA[this.count] = domainKey.a;
    this.hashB[this.count] = domainKey.b;
    this.refs[this.count++] = ref;
  }

  /** URL entries match their own host (and its www. forms) only, never subdomains: see matches.ts. */
  addUrl(entry: UrlEntry, ownerRef: number): void {
    this.add(entry.host, REF_URL | this.urlOwners.length);
    this.urlOwners.push(ownerRef);
    this.urlPaths.push(entry.path);
  }

  private grow(): void {
    const size = this.refs.length * 2;
    const copy = (from: Int32Array) => {
      const to = new Int32Array(size);
      to.set(from);
      return to;
    };
    this.hashA = copy(this.hashA);
    this.hashB = copy(this.hashB);
    this.refs = copy(this.refs);
  }

  /** The hash table (≤ 62% full: ~1.8 probes per miss with linear probing), its sets and the URL sections. */
  build(): { slots: Int32Array; capacity: number; keys: number; setOffsets: Int32Array; setRefs: Int32Array;
    urlOwner: Int32Array; urlPaths: Int32Array; urlBytes: Uint8Array } {
    const { heads, next, unique } = this.groupEqualKeys();
    const capacity = Math.max(16, Math.ceil(unique / 0.62));
    const slots = new Int32Array(capacity * SLOT_WORDS);
    const sets = new SetTable();
    let members: Int32Array = new Int32Array(16);
    for (let u = 0; u < unique; u++) {
      const head = heads[u];
      let count = 0;
      for (let i = head; i >= 0; i = next[i]) {
        if (count === members.length) members = growInts(members);
        members[count++] = this.refs[i];
      }
      count = sortDistinct(members, count);
      const value = count === 1 ? members[0] : SET_FLAG | sets.idOf(members, count);
      insertKey(slots, capacity, this.hashA[head], this.hashB[head], value);
    }
    // one byte per character: paths are ASCII plus decoded %XX bytes (0–255)
    const pathBytes = this.urlPaths.map((p) => Uint8Array.from(p, (c) => c.charCodeAt(0)));
    const urlPaths = new Int32Array(pathBytes.length + 1);
    pathBytes.forEach((b, i) => (urlPaths[i + 1] = urlPaths[i] + b.length));
    const urlBytes = new Uint8Array(urlPaths[pathBytes.length]);
    pathBytes.forEach((b, i) => urlBytes.set(b, urlPaths[i]));
    return {
      slots, capacity, keys: unique, setOffsets: Int32Array.from(sets.offsets), setRefs: Int32Array.from(sets.refs),
      urlOwner: Int32Array.from(this.urlOwners), urlPaths, urlBytes,
    };
  }

  /** Chains entries with equal keys (head → next → …) using a scratch power-of-two table of entry indices. */
  private groupEqualKeys(): { heads: Int32Array; next: Int32Array; unique: number } {
    let size = 16;
    while (size < this.count * 2) size *= 2;
    const mask = size - 1;
    const table = new Int32Array(size).fill(-1);
    const next = new Int32Array(this.count).fill(-1);
    const heads = new Int32Array(this.count);
    let unique = 0;
    const { hashA, hashB } = this;
    for (let i = 0; i < this.count; i++) {
      let s = hashA[i] & mask;
      for (;;) {
        const head = table[s];
        if (head < 0) {
          table[s] = i;
          heads[unique++] = i;
          break;
        }
        if (hashA[head] === hashA[i] && hashB[head] === hashB[i]) {
          next[i] = next[head];
          next[head] = i;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    return { heads, next, unique };
  }
}

function growInts(from: Int32Array): Int32Array {
  const to = new Int32Array(from.length * 2);
  to.set(from);
  return to;
}

/** Sorts the first `count` refs and drops repeats, in place (insertion sort: sets hold a handful); returns the new count. */
function sortDistinct(refs: Int32Array, count: number): number {
  for (let i = 1; i < count; i++) {
    const ref = refs[i];
    let j = i - 1;
    while (j >= 0 && refs[j] > ref) {
      refs[j + 1] = refs[j];
      j--;
    }
    refs[j + 1] = ref;
  }
  let distinct = count === 0 ? 0 : 1;
  for (let i = 1; i < count; i++) if (refs[i] !== refs[distinct - 1]) refs[distinct++] = refs[i];
  return distinct;
}

/** Distinct sets of refs, each stored once: the bench list's 330k multi-list names share a few hundred sets. */
class SetTable {
  readonly offsets: number[] = [0];
  readonly refs: number[] = [];
  private readonly byHash = new Map<number, number[]>();

  idOf(members: Int32Array, count: number): number {
    let hash = count;
    for (let i = 0; i < count; i++) hash = Math.imul(hash ^ members[i], 0x01000193);
    let candidates = this.byHash.get(hash);
    if (candidates === undefined) this.byHash.set(hash, (candidates = []));
    for (const id of candidates) if (this.equals(id, members, count)) return id;
    const id = this.offsets.length - 1;
    for (let i = 0; i < count; i++) this.refs.push(members[i]);
    this.offsets.push(this.refs.length);
    candidates.push(id);
    return id;
  }

  private equals(id: number, members: Int32Array, count: number): boolean {
    const start = this.offsets[id];
    if (this.offsets[id + 1] - start !== count) return false;
    for (let i = 0; i < count; i++) if (this.refs[start + i] !== members[i]) return false;
    return true;
  }
}
