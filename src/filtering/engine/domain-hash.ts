/**
 * The 64-bit domain hash and the open-addressing table it keys. Domain strings are never stored: a slot holds the
 * hash of an entry (two 32-bit halves) and a value, so 1.3M domains cost ~20 bytes each. Two different names share a
 * 64-bit hash with probability ~n²/2^65 (≈ 5·10⁻⁸ for the whole 1.3M list), far below any list's own error rate.
 *
 * Hashing runs right to left, one character at a time, so one pass over a host yields the hash of every
 * label-boundary suffix (`com`, `example.com`, `www.example.com`) without slicing strings: the running state after
 * character i covers host[i…], and `finishHashA`/`finishHashB` turn it into the key of that suffix.
 */

export const HASH_SEED_A = 0x811c9dc5 | 0;
export const HASH_SEED_B = 0x2f8b6c4d | 0;
/** Words per slot: hash half A, hash half B, value (0 = empty). */
export const SLOT_WORDS = 3;

/** One character into lane A (FNV-1a step; the finaliser repairs FNV's weak low bits). */
export function stepA(state: number, c: number): number {
  return Math.imul(state ^ c, 0x01000193);
}

/** One character into lane B: a different multiplier plus a shift, so the lanes do not collide together. */
export function stepB(state: number, c: number): number {
  const s = Math.imul(state ^ c, 0x5bd1e995);
  return s ^ (s >>> 13);
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function finishHashA(stateA: number, length: number): number {
  return fmix32(stateA ^ Math.imul(length, 0x9e3779b1));
}

export function finishHashB(stateB: number, hashA: number): number {
  return fmix32(stateB + hashA) | 0;
}

/** Scratch for `hashDomain`, so compiling 1.3M entries allocates nothing per entry. */
export const domainKey = { a: 0, b: 0 };

/** The key of a whole domain (or any string), exactly as the right-to-left host pass computes it for a suffix. */
export function hashDomain(domain: string): void {
  let a = HASH_SEED_A;
  let b = HASH_SEED_B;
  for (let i = domain.length - 1; i >= 0; i--) {
    const c = domain.charCodeAt(i);
    a = stepA(a, c);
    b = stepB(b, c);
  }
  domainKey.a = finishHashA(a, domain.length);
  domainKey.b = finishHashB(b, domainKey.a);
}

/** The home slot of a key in a table of `capacity` slots (any size, not only powers of two: memory matters). */
export function homeSlot(hashA: number, capacity: number): number {
  // 24 high bits times capacity stays below 2^53, so this is exact and identical at compile and at lookup
  return Math.floor(((hashA >>> 8) * capacity) / 16777216);
}

/** The value stored for a key, or 0. Linear probing; the table is never more than ~62% full. */
export function lookupKey(slots: Int32Array, capacity: number, hashA: number, hashB: number): number {
  let i = homeSlot(hashA, capacity) * SLOT_WORDS;
  const end = capacity * SLOT_WORDS;
  for (;;) {
    const value = slots[i + 2];
    if (value === 0) return 0;
    if (slots[i] === hashA && slots[i + 1] === hashB) return value;
    i += SLOT_WORDS;
    if (i === end) i = 0;
  }
}

/** Inserts a key known to be absent. */
export function insertKey(slots: Int32Array, capacity: number, hashA: number, hashB: number, value: number): void {
  let i = homeSlot(hashA, capacity) * SLOT_WORDS;
  const end = capacity * SLOT_WORDS;
  while (slots[i + 2] !== 0) {
    i += SLOT_WORDS;
    if (i === end) i = 0;
  }
  slots[i] = hashA;
  slots[i + 1] = hashB;
  slots[i + 2] = value;
}
