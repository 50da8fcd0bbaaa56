/**
 * `--format auto`: works out a list's format from its first lines. squidGuard folders are recognised by their shape
 * on disk (`read.ts`); here a single file is judged by what most of its entries look like.
 */
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { LineReader } from './lines.js';
import type { ListFormat } from './types.js';

export interface FormatGuess {
  format: ListFormat;
  /** Why, in words, for the import screen ("38 of 40 entries look like '0.0.0.0 host'"). */
  reason: string;
}

/** Enough lines to see past a long header comment, few enough to stay instant on any file. */
const SAMPLE_LINES = 500;
export const SAMPLE_BYTES = 64 * 1024;

type Kind = 'adblock' | 'hosts' | 'domains' | 'adblockComment' | 'none';

function kindOf(line: string): Kind {
  const text = line.trim();
  if (text === '' || /^#(?![#@?$%])/.test(text)) return 'none';
  if (text.startsWith('!') || /^\[adblock/i.test(text)) return 'adblockComment';
  if (text.startsWith('||') || text.startsWith('@@') || /#@?[?$%]?#/.test(text)) return 'adblock';
  const [first, second] = text.split(/\s+/);
  if (first !== undefined && second !== undefined && isIP(first) !== 0) return 'hosts';
  return 'domains';
}

export function detectFormat(sample: string | Uint8Array, fileName?: string): FormatGuess {
  const name = fileName?.split(/[\\/]/).pop();
  if (name === 'domains' || name === 'urls' || name === 'expressions') {
    return { format: 'squidguard', reason: `the file is called '${name}', as in a squidGuard category folder` };
  }
  const tally: Record<Kind, number> = { adblock: 0, hosts: 0, domains: 0, adblockComment: 0, none: 0 };
  let seen = 0;
  const reader = new LineReader({
    line(text) {
      if (seen < SAMPLE_LINES) tally[kindOf(text)] += 1;
      seen += 1;
    },
    tooLong() {},
    unreadable() {},
  });
  const bytes = typeof sample === 'string' ? Buffer.from(sample.slice(0, SAMPLE_BYTES), 'utf8') : sample.subarray(0, SAMPLE_BYTES);
  reader.push(bytes);
  reader.end();

  const entries = tally.adblock + tally.hosts + tally.domains;
  if (entries === 0) {
    return tally.adblockComment > 0
      ? { format: 'adblock', reason: "it starts with '!' comments, as adblock lists do" }
      : { format: 'domains', reason: 'no entries to judge by; read as one domain per line' };
  }
  const best = (['adblock', 'hosts', 'domains'] as const).reduce((a, b) => (tally[b] > tally[a] ? b : a), 'domains' as 'adblock' | 'hosts' | 'domains');
  const looks = { adblock: "'||example.com^'", hosts: "'0.0.0.0 example.com'", domains: 'one domain per line' }[best];
  return { format: best, reason: `${tally[best]} of the first ${entries} entries look like ${looks}` };
}
