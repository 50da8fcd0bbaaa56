/**
 * What every list parser returns, and the small interface between "split the bytes into lines" and "understand a
 * line". Parsers are pure: bytes or text in, entries and problems out; reading files is `read.ts`'s job.
 */

/** The list formats of R2.11. `squidguard` is the UT1 directory format (`domains`, `urls`, `expressions`). */
export type ListFormat = 'squidguard' | 'hosts' | 'domains' | 'adblock';

export const LIST_FORMATS: readonly ListFormat[] = ['squidguard', 'hosts', 'domains', 'adblock'];

/** How one file's lines are read: the three squidGuard files each have their own syntax. */
export type LineSyntax = 'domains' | 'hosts' | 'adblock' | 'squidguard-urls' | 'squidguard-expressions';

/**
 * Longest line kept, in bytes. Domains stop at 253 characters and UT1's longest pattern is under 1,000, so a longer
 * line is a mistake (or not a list at all); it is skipped and reported without ever being held in memory.
 */
export const MAX_LINE_BYTES = 4096;

/**
 * Problems kept per parse. A wrong file (a PDF, a web page) can produce a problem on every line; the first few
 * hundred say what is wrong, and `counts.problems` still counts them all.
 */
export const MAX_PROBLEMS = 500;

/** A line that could not be used, and why, in words a network manager can act on. */
export interface ListProblem {
  file: string;
  line: number;
  reason: string;
}

export interface ParsedEntries {
  /** Normalised host names or IP addresses; each covers its subdomains. */
  domains: string[];
  /** URL prefixes without a scheme (`example.com/games/`). */
  urls: string[];
  /** Regular expressions over the whole URL, already checked to run in linear time. */
  expressions: string[];
}

export interface ParseCounts {
  /** Lines read, including blank lines and comments. */
  lines: number;
  blank: number;
  comments: number;
  /** Unique entries kept. */
  domains: number;
  urls: number;
  expressions: number;
  /** Unique exception entries kept (adblock `@@` rules). */
  exceptions: number;
  /** Entries seen again after their first appearance (not an error). */
  duplicates: number;
  /** Lines or names deliberately passed over (cosmetic adblock rules, `localhost`), not errors. */
  skipped: number;
  skippedBecause: Record<string, number>;
  /** Every problem, including those beyond `MAX_PROBLEMS` that `problems` does not list. */
  problems: number;
}

export interface ParseResult {
  entries: ParsedEntries;
  /** Entries the list says must not be blocked (adblock `@@||domain^`); empty for other formats. */
  exceptions: { domains: string[]; urls: string[] };
  /** The first `MAX_PROBLEMS` problems, in file order. */
  problems: ListProblem[];
  counts: ParseCounts;
}

/** What a line parser tells the collector about one line. */
export interface LineSink {
  domain(host: string): void;
  url(prefix: string): void;
  expression(pattern: string): void;
  exception(kind: 'domain' | 'url', value: string): void;
  blank(): void;
  comment(): void;
  /** Passed over on purpose; `why` is a short phrase used as a counter key ("cosmetic rule"). */
  skip(why: string): void;
  problem(reason: string): void;
}

/** Understands one line (already decoded, line ending removed) and reports what it found to the sink. */
export type LineParser = (line: string, sink: LineSink) => void;

/**
 * "hosts.txt line 42: not a domain: 'exa mple.com' (it contains a space)". Line 0 means the whole file or folder
 * ("ut1/newcategory: not in Osprey's UT1 mapping …").
 */
export function describeProblem(problem: ListProblem): string {
  return problem.line > 0 ? `${problem.file} line ${problem.line}: ${problem.reason}` : `${problem.file}: ${problem.reason}`;
}

/** A value quoted for a message, shortened so that a 10 MB line does not become a 10 MB message. */
export function quote(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  let visible = '';
  for (const character of shown) {
    const code = character.codePointAt(0) ?? 0;
    // Control characters (a stray tab, a NUL from a binary file) are shown, not printed.
    visible += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : character;
  }
  return `'${visible}'`;
}
