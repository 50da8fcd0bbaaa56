/**
 * Hosts the engine treats specially whatever the lists say. Data, not code: adding a search engine or a canary
 * host is a line here. Each compiled snapshot copies these tables, so a snapshot decides the same way forever.
 */

export interface SafeSearchEngine {
  /** For explanations: "SafeSearch is enforced for Google". */
  engine: string;
  /**
   * Exact hosts, not their subdomains. `name.*` means `name.` followed by any public suffix (google.co.uk,
   * google.com.au …), checked with the public suffix list so `google.evil.com` does not count.
   */
  hosts: readonly string[];
  /** R2.6: the locked-safe host to answer with (DNS CNAME) or rewrite to (proxy). */
  target: string;
}

/** R2.6 SafeSearch / YouTube Restricted Mode, as each provider documents for networks. */
export const SAFE_SEARCH_ENGINES: readonly SafeSearchEngine[] = [
  { engine: 'Google', hosts: ['www.google.*', 'google.*'], target: 'forcesafesearch.google.com' },
  { engine: 'Bing', hosts: ['bing.com', 'www.bing.com'], target: 'strict.bing.com' },
  { engine: 'DuckDuckGo', hosts: ['duckduckgo.com', 'www.duckduckgo.com'], target: 'safe.duckduckgo.com' },
  {
    engine: 'YouTube',
    hosts: ['youtube.com', 'www.youtube.com', 'm.youtube.com', 'youtubei.googleapis.com', 'youtube.googleapis.com',
      'www.youtube-nocookie.com'],
    target: 'restrict.youtube.com',
  },
];

export interface CircumventionHost {
  /** Covers its subdomains. */
  host: string;
  /** For explanations. */
  purpose: string;
}

/** R2.7: answered negatively for everyone, so browsers keep using the school's filtered DNS. */
export const CIRCUMVENTION_HOSTS: readonly CircumventionHost[] = [
  { host: 'use-application-dns.net', purpose: "Firefox's canary for turning on DNS-over-HTTPS" },
  { host: 'mask.icloud.com', purpose: 'iCloud Private Relay' },
  { host: 'mask-h2.icloud.com', purpose: 'iCloud Private Relay' },
];
