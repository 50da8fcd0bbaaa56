/**
 * Per-address throttling of failed log-ons, kept in memory: a guesser moving between accounts is slowed down even
 * though each account's own lock-out (in the database) is never reached.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit = 20, private readonly windowMs = 10 * 60_000) {}

  /** Milliseconds until this address may try again, or 0. */
  retryAfter(key: string, now: number): number {
    const recent = this.recent(key, now);
    return recent.length >= this.limit ? recent[0] + this.windowMs - now : 0;
  }

  recordFailure(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 50_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  /** Takes back one attempt recorded at `at` (an attempt counted up front that turned out not to be a failure). */
  forgive(key: string, at: number): void {
    const list = this.failures.get(key);
    const i = list?.lastIndexOf(at) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }
}
