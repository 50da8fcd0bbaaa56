/**
 * The lists and requests every filter in bench/proxy.ts is given (../shared/docs/PEERS.md): UT1's domains for the
 * categories a school blocks for pupils, read from ../shared/data/bench (never copied into the repository), and the
 * site list's URLs as absolute URIs to the local origin, with wrk's Lua script cycling through them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { splitUrl } from '../../src/filtering/engine/index.ts';

export const DATA = path.resolve(import.meta.dirname, '../../../shared/data/bench');

/** Blocked for pupils in every filter: harmful, circumvention, distraction and advertising categories of UT1. */
export const CATEGORIES = ['agressif', 'arjel', 'cryptojacking', 'dating', 'doh', 'drogue', 'gambling', 'games', 'mixed_adult',
  'publicite', 'redirector', 'social_networks', 'vpn', 'warez'];

export function readUt1Lists(): Map<string, string[]> {
  const wanted = new Set(CATEGORIES);
  const lists = new Map<string, string[]>(CATEGORIES.map((c) => [c, []]));
  for (const line of gunzipSync(readFileSync(path.join(DATA, 'combined-domains.tsv.gz'))).toString('utf8').split('\n')) {
    const [domain, category, source] = line.split('\t');
    if (source === 'ut1' && wanted.has(category)) lists.get(category)!.push(domain);
  }
  for (const [category, domains] of lists) if (domains.length === 0) throw new Error(`no UT1 domains for ${category} in ${DATA}/combined-domains.tsv.gz`);
  return lists;
}

/** The category folders as written by writeCategoryLists (test/fixtures/proxy/peers.ts), read back. */
export function readCategoryDomains(listsDir: string, categories: string[]): Map<string, string[]> {
  return new Map(categories.map((c) => [c, readFileSync(path.join(listsDir, c, 'domains'), 'utf8').split('\n').filter(Boolean)]));
}

/** Writes urls.txt and urls.lua into `dir`; returns the URLs. */
export function writeRequests(dir: string, originPort: number): string[] {
  const urls: string[] = [];
  for (const line of readFileSync(path.join(DATA, 'sitelist.txt'), 'utf8').split('\n')) {
    const parts = line.trim() ? splitUrl(line.trim()) : null;
    if (parts && !parts.host.includes(':')) urls.push(`http://${parts.host}:${originPort}${parts.pathAndQuery}`);
  }
  if (urls.length === 0) throw new Error(`no URLs in ${DATA}/sitelist.txt`);
  const file = path.join(dir, 'urls.txt');
  writeFileSync(file, `${urls.join('\n')}\n`);
  // wrk sends each URL as an absolute URI with its own Host header, the way a browser talks to a proxy
  writeFileSync(path.join(dir, 'urls.lua'), `local urls, hosts = {}, {}
for line in io.lines("${file}") do urls[#urls + 1] = line; hosts[#hosts + 1] = line:match("^http://([^/]+)") end
local threads = 0
function setup(thread) thread:set("offset", threads * 7919); threads = threads + 1 end
function init(args) i = offset or 0 end
function request()
  i = i % #urls + 1
  return wrk.format("GET", urls[i], { ["Host"] = hosts[i] })
end
`);
  return urls;
}
