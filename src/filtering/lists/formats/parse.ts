/**
 * One entry point for every list syntax: pick the line parser for a format (and, for squidGuard, the file's name),
 * then feed it bytes in one go (`parseList`) or chunk by chunk (`createListParser`).
 */
import { parseAdblockLine } from './adblock.js';
import { ListCollector, fileReader, parseInput } from './collector.js';
import { parseHostsLine } from './hosts.js';
import { parseDomainLine } from './plain.js';
import { parseExpressionLine, parseUrlLine } from './squidguard.js';
import type { LineParser, LineSyntax, ListFormat, ParseResult } from './types.js';

export const LINE_PARSERS: Record<LineSyntax, LineParser> = {
  domains: parseDomainLine,
  hosts: parseHostsLine,
  adblock: parseAdblockLine,
  'squidguard-urls': parseUrlLine,
  'squidguard-expressions': parseExpressionLine,
};

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** The syntax of one file: a squidGuard file's name says which of its three kinds it is. */
export function syntaxFor(format: ListFormat, file: string): LineSyntax {
  if (format !== 'squidguard') return format;
  const name = baseName(file);
  if (name === 'urls') return 'squidguard-urls';
  if (name === 'expressions') return 'squidguard-expressions';
  return 'domains';
}

/** Parses a whole file held in memory. `file` names it in problems and, for squidGuard, picks the syntax. */
export function parseList(input: string | Uint8Array, format: ListFormat, file: string): ParseResult {
  return parseInput(input, file, LINE_PARSERS[syntaxFor(format, file)]);
}

export interface ListParser {
  push(chunk: Uint8Array): void;
  end(): ParseResult;
}

/** Parses a file as it streams in, holding at most one line (of `MAX_LINE_BYTES`) besides the entries found. */
export function createListParser(format: ListFormat, file: string): ListParser {
  const collector = new ListCollector();
  const reader = fileReader(collector, file, LINE_PARSERS[syntaxFor(format, file)]);
  return {
    push: (chunk) => reader.push(chunk),
    end: () => {
      reader.end();
      return collector.result();
    },
  };
}
