/**
 * Plain domain lists: one domain per line, `#` comments, an optional leading `*.` or `.` (both mean "and its
 * subdomains", which every Osprey domain entry already does). The same syntax as a squidGuard `domains` file.
 */
import { parseInput } from './collector.js';
import { normaliseHost, type HostOptions } from './domain.js';
import type { LineSink, ParseResult } from './types.js';

export function parseDomainLine(line: string, sink: LineSink): void {
  parseDomainLineWith(line, sink, {});
}

/** `parseDomainLine` that also accepts a bare public suffix (`gouv.fr`), for squidGuard configurations that list one. */
export function parseDomainLineAllowingSuffixes(line: string, sink: LineSink): void {
  parseDomainLineWith(line, sink, { allowPublicSuffix: true });
}

function parseDomainLineWith(line: string, sink: LineSink, options: HostOptions): void {
  const hash = line.indexOf('#');
  const text = (hash === -1 ? line : line.slice(0, hash)).trim();
  if (text === '') {
    if (hash === -1) sink.blank();
    else sink.comment();
    return;
  }
  const name = text.startsWith('*.') ? text.slice(2) : text.startsWith('.') ? text.slice(1) : text;
  const check = normaliseHost(name, options);
  if (check.ok) sink.domain(check.host);
  else sink.problem(check.reason);
}

export function parseDomainList(input: string | Uint8Array, file = 'domains'): ParseResult {
  return parseInput(input, file, parseDomainLine);
}
