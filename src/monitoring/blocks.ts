/**
 * Blocked requests per person (or device address) for the "N blocked requests within M minutes" rule, at a cost per
 * event that does not grow with how many blocks came before it (issue 18: a flood from one device once cost the
 * square of its blocks, and stalled everyone's DNS answers).
 *
 * The rule only asks "at least N within the window?", and that is so exactly when the N-th most recent block (up to
 * this event) falls within the window. So each person keeps only their last `capacity` block times, sorted, in a
 * fixed ring: adding a time and answering the question are O(1) for times that arrive in order (a time that arrives
 * late by d blocks costs O(d)). `capacity` is the largest threshold any rule asks for plus some room for times that
 * arrive a little out of order; it grows when a rule asks for more.
 *
 * The same semantics as before (stage.ts kept an hour of block times per person and filtered them): blocks counted
 * are those after `time - window` and not after `time`, this event's included; a window longer than an hour counts
 * the last hour, the blocks at exactly an hour ago included.
 *
 * Memory is bounded: at most MAX_PEOPLE people are remembered, the least recently blocked forgotten first (after an
 * hour without a block, forgetting changes nothing).
 */

export const HOUR_MS = 60 * 60_000;
/** How many people's recent blocks are remembered (the least recently blocked are forgotten first). */
export const MAX_PEOPLE = 50_000;
/** Room for block times that arrive out of order (several front-ends write one spool). */
const SLACK = 16;

/** One person's most recent block times, ascending, in a ring. */
class BlockTimes {
  private times: Float64Array;
  private start = 0;
  size = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
  }

  get capacity(): number { return this.times.length; }

  private at(i: number): number {
    return this.times[(this.start + i) % this.times.length];
  }

  private put(i: number, t: number): void {
    this.times[(this.start + i) % this.times.length] = t;
  }

  grow(capacity: number): void {
    if (capacity <= this.times.length) return;
    const next = new Float64Array(capacity);
    for (let i = 0; i < this.size; i++) next[i] = this.at(i);
    this.times = next;
    this.start = 0;
  }

  add(t: number): void {
    const cap = this.times.length;
    if (this.size === cap) {
      if (t < this.at(0)) return; // older than everything kept: it can no longer be the N-th most recent of anything
      this.start = (this.start + 1) % cap;
      this.size--;
    }
    // Insertion from the end: nothing to move for a time in order.
    let i = this.size;
    while (i > 0 && this.at(i - 1) > t) {
      this.put(i, this.at(i - 1));
      i--;
    }
    this.put(i, t);
    this.size++;
  }

  /** Whether at least `n` kept times lie in (from, to] (or [from, to] when `fromIncluded`). */
  atLeast(n: number, from: number, fromIncluded: boolean, to: number): boolean {
    let last = this.size - 1;
    while (last >= 0 && this.at(last) > to) last--; // later blocks already seen (out of order): not counted
    const nth = last - (n - 1);
    if (nth < 0) return false;
    const t = this.at(nth);
    return fromIncluded ? t >= from : t > from;
  }
}

export class RecentBlocks {
  private readonly people = new Map<string, BlockTimes>();
  private capacity: number;

  constructor(largestThreshold = 10) {
    this.capacity = largestThreshold + SLACK;
  }

  /** Makes room for rules that ask for up to `threshold` blocks. */
  allowFor(threshold: number): void {
    if (threshold + SLACK > this.capacity) this.capacity = Math.min(threshold, 100_000) + SLACK;
  }

  get remembered(): number { return this.people.size; }

  /** Records a block by `key` at `time`; returns the question the rule asks about it. */
  add(key: string, time: number): (threshold: number, windowMinutes: number) => boolean {
    let times = this.people.get(key);
    if (times) {
      this.people.delete(key); // re-inserted below: the map's order is then least recently blocked first
    } else {
      times = new BlockTimes(this.capacity);
      if (this.people.size >= MAX_PEOPLE) this.people.delete(this.people.keys().next().value!);
    }
    if (times.capacity < this.capacity) times.grow(this.capacity);
    times.add(time);
    this.people.set(key, times);
    const held = times;
    return (threshold, windowMinutes) => {
      if (threshold > held.capacity - SLACK) held.grow(threshold + SLACK); // a rule raised since: counts from now on
      const windowMs = Math.min(windowMinutes * 60_000, HOUR_MS);
      return held.atLeast(threshold, time - windowMs, windowMinutes * 60_000 > HOUR_MS, time);
    };
  }
}
