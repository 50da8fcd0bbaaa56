/**
 * The answer cache: bounded, least-recently-used first out, entries dropped when their TTL runs out. A `Map` keeps
 * insertion order, so the oldest entry is the first key; a hit moves its entry to the end only when it has drifted
 * into the older half, which keeps the order nearly LRU without two hash operations on every hit.
 */
import type { Answer } from './answer.ts';

export class AnswerCache {
  private readonly entries = new Map<string, Answer>();
  private tick = 0;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): Answer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.tick - entry.touched > this.maxEntries >> 1) {
      this.entries.delete(key);
      entry.touched = ++this.tick;
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Keeps a cacheable answer (expiresAt > 0), evicting the least recently used beyond the bound. */
  set(answer: Answer): void {
    if (answer.expiresAt === 0 || this.maxEntries <= 0) return;
    this.entries.delete(answer.key);
    answer.touched = ++this.tick;
    this.entries.set(answer.key, answer);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
