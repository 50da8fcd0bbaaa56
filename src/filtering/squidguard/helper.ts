/**
 * Squid's URL-rewrite helper protocol, answered as squidGuard answers it, with Osprey's engine deciding.
 *
 * IN   one request per line: `URL client_ip/fqdn user method [key=value …]`, or with Squid's concurrency a channel id
 *      first: `ID URL client_ip/fqdn user method …` (a first word of digits followed by more words is a channel id).
 * OUT  one line per request, written as soon as it is decided:
 *      pass  → an empty line (squidGuard's classic answer); with a channel id, the id alone;
 *      block → the redirect template filled in, then ` client_ip/fqdn user method` as squidGuard echoes it;
 *      `modern: true` (Squid 3.4+ syntax) → `OK` for a pass, `OK rewrite-url="…"` or `OK status=30N url="…"` (for a
 *      '30N:' template) for a block, `ERR` (leave the URL alone) for a line that cannot be read.
 * A line squidGuard cannot read (fewer than four words, no host) gets the pass answer, as squidGuard gives it.
 *
 * Template codes: %a client address, %n client name (empty for '-'), %i user (empty for '-'), %s src, %t dest,
 * %u the URL as Squid sent it, %p its path, %f its file name; any other %x is kept as written.
 * Differences from squidGuard, on purpose: %u is not percent-decoded (squidGuard's decoding can put a space into the
 * answer, which Squid then cuts short), and text after the last % code is kept (squidGuard drops it).
 */
import { once } from 'node:events';
import { decide, splitUrl, type Decision, type Snapshot } from '../engine/index.ts';
import type { SquidGuardClient } from './identity.ts';
import type { PolicyRoute, SquidGuardTranslation } from './translate.ts';

export interface HelperOptions {
  /** Answer in Squid 3.4+ syntax (OK / ERR with kv-pairs) instead of squidGuard's classic lines. */
  modern?: boolean;
}

export interface SquidRequest {
  channel?: string;
  /** The URL as Squid sent it. */
  url: string;
  /** The host squidGuard would compare: after the scheme, without user@ and :port. */
  host: string;
  hasScheme: boolean;
  client: SquidGuardClient;
  /** As Squid sent them, for the echo. */
  address: string;
  method: string;
}

/** Splits a request line; undefined when squidGuard could not read it either. */
export function parseRequestLine(line: string): { channel?: string; request?: SquidRequest } {
  const words = line.replace(/\r$/, '').split(/[ \t]+/).filter(Boolean);
  let channel: string | undefined;
  if (words.length >= 2 && /^\d+$/.test(words[0])) channel = words.shift();
  const [url, client, user, method] = words;
  if (url === undefined || method === undefined) return { channel };
  const scheme = url.indexOf('://');
  let rest = scheme >= 0 ? url.slice(scheme + 3) : url;
  const slash = rest.indexOf('/');
  const at = rest.indexOf('@');
  if (at >= 0 && (slash < 0 || at < slash)) rest = rest.slice(at + 1);
  const end = rest.search(/[/:]/);
  const host = (end < 0 ? rest : rest.slice(0, end)).toLowerCase();
  if (host === '') return { channel };
  const cut = client.indexOf('/');
  const address = cut < 0 ? client : client.slice(0, cut);
  const fqdn = cut < 0 || client[cut + 1] === '-' ? '' : client.slice(cut + 1);
  return {
    channel,
    request: { channel, url, host, hasScheme: scheme >= 0, address, method, client: { address, fqdn, user: user === '-' ? '' : user.toLowerCase() } },
  };
}

/** Fills in a redirect template. */
export function fillTemplate(template: string, r: SquidRequest, source: string, target: string): string {
  return template.replace(/%(.)/gs, (whole, code: string) => {
    switch (code) {
      case 'a': return r.address;
      case 'n': return r.client.fqdn;
      case 'i': return r.client.user;
      case 's': return source;
      case 't': return target;
      case 'u': return r.url;
      case 'p': {
        const start = r.url.indexOf('//');
        const slash = start < 0 ? -1 : r.url.indexOf('/', start + 2);
        return slash < 0 ? '' : r.url.slice(slash + 1);
      }
      case 'f': return r.url.slice(r.url.lastIndexOf('/') + 1);
      default: return whole;
    }
  });
}

/** The dest (or 'in-addr', 'none', …) a decision blocked on, or null when it passes. */
function blockedBy(d: Decision, route: PolicyRoute, t: SquidGuardTranslation, defaultAction: string | undefined): string | null {
  switch (d.reason) {
    case 'category':
      return d.action === 'block' ? d.match?.categoryId ?? 'unknown' : null;
    case 'local_block':
      return t.ruleTarget(d.match?.ruleId ?? '') ?? 'unknown';
    case 'default':
    case 'invalid_request': // a URL the engine cannot read matches no dest: the end of the pass list decides
      return defaultAction === 'block' ? route.fallthroughTarget : null;
    case 'circumvention_host': // Osprey always blocks ways round the filter (DoH canary, Private Relay)
      return 'circumvention';
    case 'illegal_content':
      return 'illegal';
    default:
      return null;
  }
}

export class SquidGuardHelper {
  private readonly defaultActions: Map<string, string>;

  constructor(private readonly t: SquidGuardTranslation, private readonly snapshot: Snapshot, private readonly options: HelperOptions = {}) {
    this.defaultActions = new Map(t.input.policies.map((p) => [p.id, p.defaultAction]));
  }

  /** The redirect for a request, or undefined for a pass. Follows squidGuard's `continue` between sources. */
  redirectFor(r: SquidRequest, time: number): string | undefined {
    const id = this.t.identity;
    const at = id.moment(time);
    const parts = r.hasScheme ? splitUrl(r.url) : null;
    const host = parts?.host ?? r.host;
    const url = parts === null ? undefined : r.url;
    for (let from = 0; ;) {
      const source = id.findSource(r.client, from, at);
      const groupId = id.groupFor(id.aclFor(source, at), at);
      const route = this.t.routes.get(groupId)!;
      const decision = decide(this.snapshot, { host, url, groupIds: [groupId], time });
      const target = blockedBy(decision, route, this.t, this.defaultActions.get(groupId));
      const template = target === null ? undefined : route.redirectFor(target);
      // squidGuard treats a block with no redirect template anywhere as a pass
      if (template !== undefined) return fillTemplate(template, r, route.source, target!);
      if (source < 0 || !id.sourceContinues(source) || source === id.sourceCount - 1) return undefined;
      from = source + 1;
    }
  }

  /** One answer line (without the newline) for one request line. Never throws. */
  answer(line: string, time: number): string {
    let parsed: ReturnType<typeof parseRequestLine> = {};
    let redirect: string | undefined;
    try {
      parsed = parseRequestLine(line);
      if (parsed.request !== undefined) redirect = this.redirectFor(parsed.request, time);
    } catch {
      redirect = undefined; // an answer must go back for every line; a pass is what squidGuard gives for the unreadable
    }
    const r = parsed.request;
    const prefix = parsed.channel === undefined ? '' : `${parsed.channel} `;
    if (this.options.modern) {
      if (r === undefined) return `${prefix}ERR`;
      if (redirect === undefined) return `${prefix}OK`;
      const status = /^(30[12378]):(.*)$/s.exec(redirect);
      const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
      return status === null ? `${prefix}OK rewrite-url=${quote(redirect)}` : `${prefix}OK status=${status[1]} url=${quote(status[2])}`;
    }
    if (r === undefined || redirect === undefined) return parsed.channel ?? '';
    return `${prefix}${redirect} ${r.address}/${r.client.fqdn || '-'} ${r.client.user || '-'} ${r.method}`;
  }
}

/** Longest request line kept; Squid's URLs are far shorter. A longer line is answered as unreadable. */
const MAX_LINE = 1 << 20;

/**
 * Reads request lines from `input` and writes one answer per line to `output`, each as soon as it is decided. Bytes
 * are read and written as latin1, so whatever Squid sends is echoed back byte for byte.
 */
export async function serveSquidHelper(helper: SquidGuardHelper, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, now: () => number = Date.now): Promise<void> {
  let pending = '';
  let overlong = false;
  let closed = false;
  // Squid closing its end (EPIPE) ends the helper quietly instead of crashing it
  output.once('error', () => { closed = true; });
  const write = async (text: string) => {
    if (closed || output.write(`${text}\n`, 'latin1')) return;
    await Promise.race([once(output, 'drain'), once(output, 'close')]).catch(() => { closed = true; });
  };
  for await (const chunk of input) {
    if (closed) break;
    pending += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('latin1');
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      await write(helper.answer(overlong ? '' : pending.slice(start, nl), now()));
      overlong = false;
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_LINE) {
      pending = '';
      overlong = true;
    }
  }
  if (pending !== '' || overlong) await write(helper.answer(overlong ? '' : pending, now()));
}
