/**
 * Regular expressions from lists (squidGuard `expressions`) and local `regex` entries. They run on every request a
 * pupil makes, and anyone can publish a list, so only RE2 (re2js: linear time in the input, no backtracking) is
 * used: a pattern RE2 cannot compile (back-references, look-around) is refused, never run by a backtracking engine.
 * Matching is case-insensitive, as squidGuard does it, over `host:port/path` as squidGuard gives it. Each set is also compiled as one alternation, so a request
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

/**
 * Whether a pattern is written for the whole address with its scheme (`^https?://…`): it mentions `://`. squidGuard
 * runs expressions over `host:port/path` without the scheme, and lists written for it (UT1) anchor on the host, so
 * every other pattern is run over that; these few are run over the scheme and `://` followed by the same text.
 */
export function wantsScheme(pattern: string): boolean {
  return pattern.includes('://') || pattern.includes(':\\/\\/');
}

/** A set of patterns tested together: one alternation for a quick "none", the single ones only to name a match. */
class Alternation {
  private readonly combined: RE2JS;
  private single: RE2JS[] | null = null;

  constructor(private readonly patterns: readonly string[], readonly indices: readonly number[]) {
    this.combined = RE2JS.compile(patterns.map((p) => `(?:${p})`).join('|'), RE2JS.CASE_INSENSITIVE);
  }

  first(text: string): number {
    if (!this.combined.test(text)) return -1;
    this.single ??= this.patterns.map((p) => RE2JS.compile(p, RE2JS.CASE_INSENSITIVE));
    for (let i = 0; i < this.single.length; i++) if (this.single[i].test(text)) return this.indices[i];
    return -1;
  }

  all(text: string, into: number[]): void {
    if (!this.combined.test(text)) return;
    this.single ??= this.patterns.map((p) => RE2JS.compile(p, RE2JS.CASE_INSENSITIVE));
    for (let i = 0; i < this.single.length; i++) if (this.single[i].test(text)) into.push(this.indices[i]);
  }
}

/**
 * Patterns that have all passed `checkPattern`, tested together. `text` is `host:port/path?query#fragment` (no scheme,
 * no user name: squidGuard's form) or the host alone; `scheme` is what went before it in the URL (`https://`), or ''.
 */
export class ExpressionSet {
  private readonly plain: Alternation | null;
  private readonly withScheme: Alternation | null;

  /** `owners[i]` is what pattern i belongs to (a list or a rule index); the caller gives it meaning. */
  constructor(readonly patterns: readonly string[], readonly owners: readonly number[]) {
    const split = (scheme: boolean) => {
      const indices = patterns.map((p, i) => (wantsScheme(p) === scheme ? i : -1)).filter((i) => i >= 0);
      return indices.length === 0 ? null : new Alternation(indices.map((i) => patterns[i]), indices);
    };
    this.plain = split(false);
    this.withScheme = split(true);
  }

  /** The index of the first pattern (in the order given) found, or -1. */
  firstMatch(text: string, scheme: string): number {
    const a = this.plain === null ? -1 : this.plain.first(text);
    if (this.withScheme === null) return a;
    const b = this.withScheme.first(scheme === '' ? text : scheme + text);
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  /** Every pattern found (for lists: a URL can be in several categories at once). */
  allMatches(text: string, scheme: string, into: number[]): void {
    this.plain?.all(text, into);
    this.withScheme?.all(scheme === '' ? text : scheme + text, into);
  }
}
