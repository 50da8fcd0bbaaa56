/**
 * Header handling for a forwarding proxy (RFC 9110 §7.6): hop-by-hop fields — the fixed set plus every field the
 * Connection header names — belong to one connection and are never forwarded; `Via` records that Osprey handled
 * the message. Headers stay as raw [name, value, …] arrays so that order, case and repeated fields (Set-Cookie)
 * pass through unchanged.
 */

/** Always hop-by-hop (RFC 9110 §7.6.1, plus the non-standard Proxy-Connection and Keep-Alive that clients send). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

/**
 * Headers a client sends to claim another address (or scheme, host or port) to the servers behind a proxy. A device
 * sends them through Osprey to pose as another device — to the control plane's log-on page when it trusts this
 * proxy (OSPREY_TRUSTED_PROXIES), or to any site that believes them — so none of them is ever forwarded.
 */
export const CLIENT_FORWARDING: readonly string[] = [
  'x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port',
  'x-forwarded-server', 'x-client-ip', 'client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip',
  'x-cluster-client-ip', 'x-originating-ip',
];

/** Field names listed in the Connection header(s), lower-case. */
function connectionListed(raw: readonly string[]): Set<string> | null {
  let listed: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      for (const token of raw[i + 1].split(',')) {
        const name = token.trim().toLowerCase();
        if (name) (listed ??= new Set()).add(name);
      }
    }
  }
  return listed;
}

/**
 * The end-to-end fields of a message, with `Via` appended. `drop` names further fields to leave out (lower-case);
 * `add` are appended as they are.
 */
export function forwardHeaders(raw: readonly string[], via: string, drop?: ReadonlySet<string>, add?: readonly string[]): string[] {
  const listed = connectionListed(raw);
  const out: string[] = [];
  let viaIndex = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower) || drop?.has(lower)) continue;
    if (lower === 'via') {
      if (viaIndex < 0) { viaIndex = out.length; out.push(name, raw[i + 1]); } else out[viaIndex + 1] += `, ${raw[i + 1]}`;
      continue;
    }
    out.push(name, raw[i + 1]);
  }
  if (viaIndex < 0) out.push('Via', via);
  else out[viaIndex + 1] += `, ${via}`;
  if (add) out.push(...add);
  return out;
}

/** How many times a field occurs (lower-case name), e.g. to refuse two Host headers. */
export function countHeader(raw: readonly string[], lowerName: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === lowerName.length && raw[i].toLowerCase() === lowerName) n++;
  return n;
}

/** True when a Via value names this proxy already: the request has come round in a loop. */
export function viaHasLoop(raw: readonly string[], pseudonym: string): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 3 && raw[i].toLowerCase() === 'via' && raw[i + 1].includes(pseudonym)) return true;
  }
  return false;
}
