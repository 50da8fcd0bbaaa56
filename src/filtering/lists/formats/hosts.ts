/**
 * Hosts files (`0.0.0.0 ads.example.com`, `127.0.0.1 one.example two.example`), the format of many public block
 * lists. The address is ignored: Osprey blocks the names. The machine's own names (`localhost` and friends, which
 * every hosts file starts with) are passed over silently.
 */
import { isIP } from 'node:net';
import { parseInput } from './collector.js';
import { normaliseHost } from './domain.js';
import { quote, type LineSink, type ParseResult } from './types.js';

const OWN_MACHINE_NAMES = new Set([
  'localhost', 'localhost.localdomain', 'local', 'broadcasthost', 'localhost4', 'localhost6',
  'localhost4.localdomain4', 'localhost6.localdomain6', 'ip6-localhost', 'ip6-loopback', 'ip6-localnet',
  'ip6-mcastprefix', 'ip6-allnodes', 'ip6-allrouters', 'ip6-allhosts',
]);

function isAddress(token: string): boolean {
  return isIP(token.replace(/%.*$/, '')) !== 0; // fe80::1%lo0: the zone does not matter here
}

export function parseHostsLine(line: string, sink: LineSink): void {
  const hash = line.indexOf('#');
  const text = (hash === -1 ? line : line.slice(0, hash)).trim();
  if (text === '') {
    if (hash === -1) sink.blank();
    else sink.comment();
    return;
  }
  const [address, ...names] = text.split(/\s+/);
  if (address === undefined || !isAddress(address)) {
    sink.problem(`not a hosts line: ${quote(text)} (expected an address and then names, e.g. '0.0.0.0 ads.example.com')`);
    return;
  }
  if (names.length === 0) {
    sink.problem(`not a hosts line: ${quote(text)} (an address with no names after it)`);
    return;
  }
  for (const name of names) {
    if (OWN_MACHINE_NAMES.has(name.toLowerCase())) {
      sink.skip("the machine's own name");
      continue;
    }
    if (isAddress(name)) {
      sink.skip('an address where a name should be');
      continue;
    }
    const check = normaliseHost(name);
    if (check.ok) sink.domain(check.host);
    else sink.problem(check.reason);
  }
}

export function parseHostsFile(input: string | Uint8Array, file = 'hosts'): ParseResult {
  return parseInput(input, file, parseHostsLine);
}
