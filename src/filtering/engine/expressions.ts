/**
 * Regular expressions from lists (squidGuard `expressions`) and local `regex` entries. They run on every request a
 * pupil makes, and anyone can publish a list, so only RE2 (re2js: linear time in the input, no backtracking) is
 * used: a pattern RE2 cannot compile (back-references, look-around) is refused, never run by a backtracking engine.
 * Matching is case-insensitive, as squidGuard does it. Each set is also compiled as one alternation, so a request
 * costs one linear scan however many patterns there are; the single patterns only run to name the one that matched.
 */
import { RE2JS } from 're2js';

/** Longer patterns are refused: RE2's program grows with pattern size, and no real list needs more. */
export const MAX_PATTERN_LENGTH = 2048;

/** Why a pattern cannot be used, in words for the person who wrote it; null when it can. */
export function checkPattern(pattern: string): string | null {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'empty pattern';
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    return null;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return `not a regular expression RE2 can run in linear time (${detail}); back-references and look-around are not supported`;
  }
}

/** Patterns that have all passed `checkPattern`, tested together. */
export class ExpressionSet {
  private readonly combined: RE2JS;
  private single: RE2JS[] | null = null;

  /** `owners[i]` is what pattern i belongs to (a list or a rule index); the caller gives it meaning. */
  constructor(readonly patterns: readonly string[], readonly owners: readonly number[]) {
    this.combined = RE2JS.compile(patterns.map((p) => `(?:${p})`).join('|'), RE2JS.CASE_INSENSITIVE);
  }

  /** The index of the first pattern found in `text`, or -1. */
  firstMatch(text: string): number {
    if (!this.combined.test(text)) return -1;
    this.single ??= this.patterns.map((p) => RE2JS.compile(p, RE2JS.CASE_INSENSITIVE));
    for (let i = 0; i < this.single.length; i++) if (this.single[i].test(text)) return i;
    return -1;
  }

  /** Every pattern found in `text` (for lists: a URL can be in several categories at once). */
  allMatches(text: string, into: number[]): void {
    if (!this.combined.test(text)) return;
    this.single ??= this.patterns.map((p) => RE2JS.compile(p, RE2JS.CASE_INSENSITIVE));
    for (let i = 0; i < this.single.length; i++) if (this.single[i].test(text)) into.push(i);
  }
}
