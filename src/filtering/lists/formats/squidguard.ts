/**
 * The squidGuard directory format, as UT1 ships it: one folder per category holding up to three files, `domains`
 * (one domain per line), `urls` (URL prefixes without a scheme, `example.com/games/`) and `expressions` (regular
 * expressions over the whole URL). This module parses the contents; `read.ts` walks the folders on disk.
 */
import { Buffer } from 'node:buffer';
import { RE2JS } from 're2js';
import { MAX_PATTERN_LENGTH } from '../../engine/expressions.js';
import { ListCollector, fileReader } from './collector.js';
import { normaliseHost } from './domain.js';
import { parseDomainLine, parseDomainLineAllowingSuffixes } from './plain.js';
import { quote, type LineParser, type LineSink, type LineSyntax, type ParseResult } from './types.js';

/** The files of a squidGuard category folder, and how each is read. Other files (`usage`, `*.diff`) are not lists. */
export const SQUIDGUARD_FILES = { domains: 'domains', urls: 'squidguard-urls', expressions: 'squidguard-expressions' } as const satisfies Record<string, LineSyntax>;

export type SquidGuardFile = keyof typeof SQUIDGUARD_FILES;

export function isSquidGuardFile(name: string): name is SquidGuardFile {
  return Object.hasOwn(SQUIDGUARD_FILES, name);
}

/** Text before an unquoted ` #` comment, trimmed; undefined for a whole-line comment. */
function withoutComment(line: string): string | undefined {
  const text = line.trim();
  if (text.startsWith('#')) return undefined;
  return text.replace(/\s+#.*$/, '');
}

export function parseUrlLine(line: string, sink: LineSink): void {
  const text = withoutComment(line);
  if (text === undefined) return sink.comment();
  if (text === '') return sink.blank();
  const address = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (/\s/.test(address)) return sink.problem(`not a web address: ${quote(text)} (it contains a space)`);
  const slash = address.indexOf('/');
  const hostPart = slash === -1 ? address : address.slice(0, slash);
  if (hostPart.includes('@')) return sink.problem(`not a web address: ${quote(text)} (it contains a user name; list it without one)`);
  const port = /:\d{1,5}$/.exec(hostPart)?.[0] ?? '';
  const check = normaliseHost(hostPart.slice(0, hostPart.length - port.length));
  if (!check.ok) return sink.problem(check.reason);
  // The host is case-insensitive and so lower-cased; the path is kept as written, because servers may not ignore case.
  const host = check.host.includes(':') ? `[${check.host}]` : check.host;
  sink.url(host + port + (slash === -1 ? '/' : address.slice(slash)));
}

/**
 * Expressions are kept only when the engine can run them: RE2 matches in time linear in the URL, so a list cannot
 * make the filter hang (no back-references or look-arounds, which need backtracking). Same flags and length limit as
 * the engine (case-insensitive, as squidGuard matches), so nothing accepted here is refused when compiled.
 */
export function parseExpressionLine(line: string, sink: LineSink): void {
  const text = line.trim();
  if (text === '') return sink.blank();
  if (text.startsWith('#')) return sink.comment();
  if (text.length > MAX_PATTERN_LENGTH) {
    return sink.problem(`not a pattern Osprey can use: ${quote(text)} (it is ${text.length} characters long; the most is ${MAX_PATTERN_LENGTH})`);
  }
  try {
    RE2JS.compile(text, RE2JS.CASE_INSENSITIVE);
    sink.expression(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    sink.problem(`not a pattern Osprey can use: ${quote(text)} (${detail})`);
  }
}

export const SQUIDGUARD_LINE_PARSERS: Record<SquidGuardFile, LineParser> = {
  domains: parseDomainLine,
  urls: parseUrlLine,
  expressions: parseExpressionLine,
};

/**
 * Parses one category folder's files, held in memory. `folder` names the category in problems
 * ("gambling/domains line 3: …"). `allowPublicSuffix`: keep an entry such as `gouv.fr`, as squidGuard does (for
 * `osprey squid-helper`, which must answer as squidGuard; imported block lists never set it).
 */
export function parseSquidGuardCategory(
  files: Partial<Record<SquidGuardFile, string | Uint8Array>>,
  folder = 'category',
  options: { allowPublicSuffix?: boolean } = {},
): ParseResult {
  const collector = new ListCollector();
  const parsers = options.allowPublicSuffix ? { ...SQUIDGUARD_LINE_PARSERS, domains: parseDomainLineAllowingSuffixes } : SQUIDGUARD_LINE_PARSERS;
  for (const name of Object.keys(SQUIDGUARD_FILES) as SquidGuardFile[]) {
    const input = files[name];
    if (input === undefined) continue;
    const reader = fileReader(collector, `${folder}/${name}`, parsers[name]);
    reader.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
    reader.end();
  }
  return collector.result();
}
