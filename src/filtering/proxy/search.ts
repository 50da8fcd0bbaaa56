/**
 * Search engines on plain HTTP: the search term a pupil typed, for the activity log (R2.8) and monitoring (R4.2), and
 * SafeSearch by request rewriting (R2.6) where the engine's decision is `safesearch`. Data, not code: adding an engine
 * is a row in a table.
 */
import { parse } from 'tldts';

interface SearchEngine {
  /** The registrable name without its public suffix: 'google' matches google.com, google.co.uk … */
  name: string;
  /** Query parameters holding the search term, in order of preference. */
  params: readonly string[];
}

/** Where each engine keeps the search term. */
const SEARCH_ENGINES: readonly SearchEngine[] = [
  { name: 'google', params: ['q', 'as_q'] },
  { name: 'bing', params: ['q'] },
  { name: 'duckduckgo', params: ['q'] },
  { name: 'youtube', params: ['search_query', 'q'] },
  { name: 'yahoo', params: ['p', 'q'] },
  { name: 'ecosia', params: ['q'] },
  { name: 'startpage', params: ['query', 'q'] },
  { name: 'yandex', params: ['text'] },
  { name: 'baidu', params: ['wd', 'word'] },
  { name: 'ask', params: ['q'] },
  { name: 'qwant', params: ['q'] },
  { name: 'brave', params: ['q'] },
  { name: 'wikipedia', params: ['search'] },
];
const BY_NAME = new Map(SEARCH_ENGINES.map((e) => [e.name, e]));

/** How each provider's locked-safe mode is asked for in the request itself (R2.6). */
const SAFE_PARAMS: Record<string, [string, string]> = {
  google: ['safe', 'active'],
  bing: ['adlt', 'strict'],
  duckduckgo: ['kp', '1'],
};

const MAX_TERM = 500;

function engineName(host: string): string | null {
  const name = parse(host).domainWithoutSuffix;
  if (!name) return null;
  // search.brave.com is Brave's search; brave.com alone is not
  if (name === 'brave' && !host.startsWith('search.')) return null;
  return name;
}

/** The search term in a plain-HTTP URL of a known search engine, or undefined. */
export function searchTermOf(host: string, pathAndQuery: string): string | undefined {
  const q = pathAndQuery.indexOf('?');
  if (q < 0) return undefined;
  const name = engineName(host);
  const engine = name ? BY_NAME.get(name) : undefined;
  if (!engine) return undefined;
  const params = new URLSearchParams(pathAndQuery.slice(q + 1).split('#')[0]);
  for (const p of engine.params) {
    const value = params.get(p)?.trim();
    if (value) return value.length > MAX_TERM ? value.slice(0, MAX_TERM) : value;
  }
  return undefined;
}

export interface SafeSearchRewrite {
  /** The path and query to send, with the provider's safe-mode parameter set. */
  pathAndQuery: string;
  /** Extra request headers (YouTube's restricted mode). */
  headers: string[];
}

/** The request as sent upstream when the decision is `safesearch`. */
export function safeSearchRewrite(host: string, pathAndQuery: string): SafeSearchRewrite {
  const name = engineName(host);
  if (name === 'youtube' || host.endsWith('youtube-nocookie.com') || host.endsWith('googleapis.com')) {
    return { pathAndQuery, headers: ['YouTube-Restrict', 'Strict'] };
  }
  const safe = name ? SAFE_PARAMS[name] : undefined;
  if (!safe) return { pathAndQuery, headers: [] };
  const hash = pathAndQuery.indexOf('#');
  const withoutHash = hash < 0 ? pathAndQuery : pathAndQuery.slice(0, hash);
  const q = withoutHash.indexOf('?');
  const path = q < 0 ? withoutHash : withoutHash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : withoutHash.slice(q + 1));
  params.set(safe[0], safe[1]);
  return { pathAndQuery: `${path}?${params.toString()}`, headers: [] };
}
