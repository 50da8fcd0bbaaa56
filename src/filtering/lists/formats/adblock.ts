/**
 * Adblock-style lists. Osprey decides by host (and by URL prefix where it sees the URL), so it takes the rules that
 * mean "this whole site": `||example.com^`, and `@@||example.com^` as an exception. Everything else in such a list
 * (element hiding, rules for scripts or images only, wildcard patterns) only makes sense inside a browser; those rules
 * are counted as skipped, not reported as problems, because the list is not wrong.
 */
import { parseInput } from './collector.js';
import { normaliseHost } from './domain.js';
import type { LineSink, ParseResult } from './types.js';

/**
 * Options that do not narrow a `||host^` rule to some of the site's requests, so blocking the whole host keeps the
 * rule's intent (the same set AdGuard's hostlist compiler strips before using a rule for DNS).
 */
const HOST_WIDE_OPTIONS = new Set(['third-party', '3p', 'important', 'all', 'document', 'doc', 'popup', 'network']);

// `##`, `#@#`, `#?#`, `#$#`, `#%#` and their `#@…#` exceptions; `$$` and `$@$` are HTML filtering.
const COSMETIC = /#@?[?$%]?#|\$@?\$/;

const SKIP = {
  cosmetic: 'element hiding or page script rule',
  options: 'rule limited to some requests by its options',
  pattern: 'pattern or wildcard rule',
  notAnchored: 'rule without a || domain anchor',
  regex: 'regular expression rule',
} as const;

function parseNetworkRule(rule: string, exception: boolean, sink: LineSink): void {
  if (rule.startsWith('/') && rule.length > 1 && rule.lastIndexOf('/') > 0) {
    sink.skip(SKIP.regex);
    return;
  }
  if (!rule.startsWith('||')) {
    sink.skip(SKIP.notAnchored);
    return;
  }
  let body = rule.slice(2);
  const dollar = body.indexOf('$');
  if (dollar !== -1) {
    const options = body.slice(dollar + 1).split(',').map((option) => option.trim().toLowerCase());
    if (!options.every((option) => HOST_WIDE_OPTIONS.has(option))) {
      sink.skip(SKIP.options);
      return;
    }
    body = body.slice(0, dollar);
  }
  body = body.replace(/\^\|?$/, '');
  if (body.startsWith('*.')) body = body.slice(2);

  const slash = body.indexOf('/');
  const hostPart = slash === -1 ? body : body.slice(0, slash);
  const path = slash === -1 ? '' : body.slice(slash);
  if (/[*^|]/.test(hostPart) || /[*^|]/.test(path)) {
    sink.skip(SKIP.pattern);
    return;
  }
  const check = normaliseHost(hostPart);
  if (!check.ok) {
    sink.problem(check.reason);
    return;
  }
  // `||example.com/games/` is exactly a squidGuard-style URL prefix.
  if (path === '' || path === '/') {
    if (exception) sink.exception('domain', check.host);
    else sink.domain(check.host);
  } else if (exception) {
    sink.exception('url', check.host + path);
  } else {
    sink.url(check.host + path);
  }
}

export function parseAdblockLine(line: string, sink: LineSink): void {
  const text = line.trim();
  if (text === '') {
    sink.blank();
    return;
  }
  if (text.startsWith('!') || (text.startsWith('[') && text.endsWith(']'))) {
    sink.comment(); // `! Title: …` and the `[Adblock Plus 2.0]` header
    return;
  }
  if (/^#(?![#@?$%])/.test(text)) {
    sink.comment(); // some lists use hosts-style comments
    return;
  }
  if (COSMETIC.test(text)) {
    sink.skip(SKIP.cosmetic);
    return;
  }
  if (text.startsWith('@@')) parseNetworkRule(text.slice(2), true, sink);
  else parseNetworkRule(text, false, sink);
}

export function parseAdblockList(input: string | Uint8Array, file = 'adblock'): ParseResult {
  return parseInput(input, file, parseAdblockLine);
}
