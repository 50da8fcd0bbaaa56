/**
 * Gathers what the line parsers find into one `ParseResult`: entries without duplicates, counts, and problems with
 * the file and line they came from. One collector can take several files (a squidGuard category's `domains`, `urls`
 * and `expressions`), so their entries and counts add up.
 */
import { Buffer } from 'node:buffer';
import { LineReader, type LineHandler } from './lines.js';
import { MAX_LINE_BYTES, MAX_PROBLEMS, type LineParser, type LineSink, type ListProblem, type ParseResult } from './types.js';

export class ListCollector implements LineSink {
  private file = '';
  private lineNumber = 0;
  private readonly domains = new Set<string>();
  private readonly urls = new Set<string>();
  private readonly expressions = new Set<string>();
  private readonly exceptionDomains = new Set<string>();
  private readonly exceptionUrls = new Set<string>();
  private readonly problems: ListProblem[] = [];
  private readonly counts = {
    lines: 0, blank: 0, comments: 0, duplicates: 0, skipped: 0, problems: 0,
    skippedBecause: {} as Record<string, number>,
  };

  /** Where the next lines come from, for problem messages. */
  at(file: string, lineNumber: number): void {
    this.file = file;
    this.lineNumber = lineNumber;
  }

  domain(host: string): void {
    this.add(this.domains, host);
  }

  url(prefix: string): void {
    this.add(this.urls, prefix);
  }

  expression(pattern: string): void {
    this.add(this.expressions, pattern);
  }

  exception(kind: 'domain' | 'url', value: string): void {
    this.add(kind === 'domain' ? this.exceptionDomains : this.exceptionUrls, value);
  }

  blank(): void {
    this.counts.blank += 1;
  }

  comment(): void {
    this.counts.comments += 1;
  }

  skip(why: string): void {
    this.counts.skipped += 1;
    this.counts.skippedBecause[why] = (this.counts.skippedBecause[why] ?? 0) + 1;
  }

  problem(reason: string): void {
    this.counts.problems += 1;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ file: this.file, line: this.lineNumber, reason });
  }

  /** Counts a line read (called by `feed`; a line may yield several entries or none). */
  countLine(): void {
    this.counts.lines += 1;
  }

  result(): ParseResult {
    return {
      entries: { domains: [...this.domains], urls: [...this.urls], expressions: [...this.expressions] },
      exceptions: { domains: [...this.exceptionDomains], urls: [...this.exceptionUrls] },
      problems: [...this.problems],
      counts: {
        ...this.counts,
        skippedBecause: { ...this.counts.skippedBecause },
        domains: this.domains.size,
        urls: this.urls.size,
        expressions: this.expressions.size,
        exceptions: this.exceptionDomains.size + this.exceptionUrls.size,
      },
    };
  }

  private add(set: Set<string>, value: string): void {
    if (set.has(value)) this.counts.duplicates += 1;
    else set.add(value);
  }
}

/** A line reader that feeds one file's lines, parsed with `parseLine`, into `collector`. */
export function fileReader(collector: ListCollector, file: string, parseLine: LineParser): LineReader {
  const handler: LineHandler = {
    line(text, lineNumber) {
      collector.at(file, lineNumber);
      collector.countLine();
      parseLine(text, collector);
    },
    tooLong(lineNumber, bytes) {
      collector.at(file, lineNumber);
      collector.countLine();
      collector.problem(`the line is ${bytes.toLocaleString('en-GB')} bytes long, more than the ${MAX_LINE_BYTES.toLocaleString('en-GB')} a list line can have; skipped`);
    },
    unreadable(reason) {
      collector.at(file, 1);
      collector.problem(reason);
    },
  };
  return new LineReader(handler);
}

/** Parses a whole text or byte array held in memory; the disk reader streams through `fileReader` instead. */
export function parseInput(input: string | Uint8Array, file: string, parseLine: LineParser): ParseResult {
  const collector = new ListCollector();
  const reader = fileReader(collector, file, parseLine);
  reader.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  reader.end();
  return collector.result();
}
