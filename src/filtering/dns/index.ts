/**
 * Osprey's DNS filtering resolver (R2.6, R2.7, R2.9): UDP and TCP on one port, decisions from the same engine and
 * snapshot as the proxy, everything allowed forwarded to upstream resolvers with a TTL-honouring cache.
 *
 *   const dns = await startDnsResolver({ host: '0.0.0.0', port: 53, view, upstreams: ['192.0.2.53'],
 *     blockAnswer: 'block-page', blockPageIPv4: '192.0.2.10' });
 *   … dns.port, dns.stats() …
 *   await dns.close();
 *
 * What each answer is:
 *   block (and warn, unless warnAs: 'allow')  'block-page': A/AAAA → the block page's address, other types NODATA;
 *                                             'nxdomain': NXDOMAIN for every type. TTL `blockTtl` (10 s).
 *   circumvention hosts                       NXDOMAIN always (use-application-dns.net, mask(-h2).icloud.com: R2.7)
 *   safesearch                                CNAME to decision.safeSearchHost + that host's records for the type
 *   allow, monitor                            the upstream's answer (cached for its TTL; RFC 2308 negative caching)
 *   upstreams all failing or timing out       SERVFAIL
 *   malformed (header readable)               FORMERR; opcodes other than QUERY → NOTIMP; classes other than IN →
 *                                             REFUSED; meta-types (ANY, AXFR …) → NOTIMP; EDNS version > 0 → BADVERS
 *   shorter than a header, or a response      dropped (answering a response invites a loop between two servers)
 * IDs and questions are echoed byte for byte (0x20 case preserved); EDNS0 answers carry our OPT, answers to clients
 * without EDNS0 carry none; UDP answers larger than the client takes are truncated (TC) so it asks over TCP.
 *
 * Activity: one event per decision, except that allowed/monitored/SafeSearch decisions are recorded at most once
 * per client, name and decision per `activityWindowMs` (5 s); blocked and warned ones always. SafeSearch's own
 * lookups of the safe host are internal and record nothing.
 *
 * Port: 5353 by default so that it runs unprivileged (note: 5353 is also mDNS's port; on a machine running Avahi
 * choose another, e.g. 5300). Devices only ever ask port 53: in production bind 53 (run with
 * CAP_NET_BIND_SERVICE, e.g. systemd `AmbientCapabilities=CAP_NET_BIND_SERVICE`), or redirect 53 to the
 * unprivileged port in the firewall. Listen on the school network's address, never on the internet: an open
 * resolver is used for amplification attacks.
 */
import type { FilterView } from '../frontend-types.ts';
import { DnsActivity } from './activity.ts';
import { AnswerCache } from './cache.ts';
import { AllowedClients, parseAllowedClients } from './clients.ts';
import { listenTcp, listenUdp } from './listeners.ts';
import { DnsResolverCore, type DnsStats } from './resolver.ts';
import { blockAnswers } from './synthesise.ts';
import { UpstreamPool } from './upstream.ts';

export interface DnsResolverOptions {
  /** Address to listen on (default '127.0.0.1'); '0.0.0.0', or '::' for IPv4 and IPv6 both. */
  host?: string;
  /** Default 5353; 53 in production (see above); 0 picks a free port (tests). UDP and TCP share it. */
  port?: number;
  view: FilterView;
  /**
   * Whom the resolver answers besides the devices the school knows (its address ranges, devices and log-ons): a
   * comma-separated list of addresses and ranges, `private` standing for the private and local networks (the
   * default). Everyone else is refused. See clients.ts.
   */
  allowedClients?: string;
  /** Upstream resolvers as 'ip:port', '[ipv6]:port' or 'ip' (port 53), in order of preference. */
  upstreams: string[];
  blockAnswer: 'block-page' | 'nxdomain';
  /** The block page's addresses, for 'block-page' (at least one of them). */
  blockPageIPv4?: string;
  blockPageIPv6?: string;
  /** TTL of blocked answers in seconds (default 10): short, so an unblock reaches devices soon. */
  blockTtl?: number;
  /** DNS cannot show a warning page: 'block' (default) answers `warn` like `block`; 'allow' resolves the name. */
  warnAs?: 'block' | 'allow';
  /** Answers kept in the cache (default 50,000), least recently used out first. */
  cacheSize?: number;
  /** Longest a positive answer is cached, seconds (default 86,400). */
  maxTtl?: number;
  /** Longest a negative answer is cached, seconds (default 3,600; RFC 2308 §5). */
  maxNegativeTtl?: number;
  /** Our EDNS0 UDP payload size (default 1,232, the DNS Flag Day 2020 value that avoids IP fragmentation). */
  udpSize?: number;
  /** One try at one upstream, ms (default 1,500); then the next upstream. */
  upstreamTimeoutMs?: number;
  /** Tries per question over all upstreams (default: the number of upstreams, at least 2). */
  upstreamAttempts?: number;
  /**
   * Questions in flight to the upstreams at once (default 1,000). Each has a socket (a file descriptor) of its own,
   * on its own random port; see upstream.ts.
   */
  maxInflight?: number;
  tcpIdleTimeoutMs?: number; // default 10,000
  tcpMaxConnectionsPerClient?: number; // default 32
  tcpMaxConnections?: number; // default 2,000
  tcpMaxPipelined?: number; // default 100
  /** De-duplication window for allowed activity, ms (default 5,000; 0 records every query). */
  activityWindowMs?: number;
  /** The clock (ms since the epoch), injectable for tests. */
  now?: () => number;
  logger?: { warn(message: string): void; info?(message: string): void };
}

export interface DnsResolver {
  host: string;
  port: number;
  /**
   * `upstreamRejected`: answers from upstream sockets dropped as not ours (wrong source, ID or question: late or
   * spoofed); `upstreamSockets`: sockets opened to ask upstreams so far, one per try.
   */
  stats(): DnsStats & { cacheEntries: number; upstreamPending: number; upstreamRejected: number; upstreamSockets: number };
  close(): Promise<void>;
}

export type { DnsStats } from './resolver.ts';

export async function startDnsResolver(options: DnsResolverOptions): Promise<DnsResolver> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const warn = rateLimited((message: string) => (options.logger ?? console).warn(message));
  const udpSize = clamp(options.udpSize ?? 1232, 512, 4096);
  const limits = { maxTtl: options.maxTtl ?? 86_400, maxNegativeTtl: options.maxNegativeTtl ?? 3_600 };
  const block = blockAnswers(options.blockAnswer, options.blockPageIPv4, options.blockPageIPv6, options.blockTtl ?? 10);
  const ranges = options.allowedClients === undefined ? null : parseAllowedClients(options.allowedClients);
  if (typeof ranges === 'string') throw new Error(`DNS resolver: the list of devices it answers (OSPREY_DNS_ALLOWED_CLIENTS) is wrong: ${ranges}`);
  const allowed = ranges === null ? AllowedClients.privateNetworks() : new AllowedClients(ranges);
  const pool = new UpstreamPool({
    upstreams: options.upstreams, attemptTimeoutMs: options.upstreamTimeoutMs ?? 1500,
    maxAttempts: Math.max(1, options.upstreamAttempts ?? Math.max(2, options.upstreams.length)),
    // timeouts run on the monotonic clock, not the injectable one: a test's frozen clock must not stop them
    maxInflight: options.maxInflight ?? 1_000, udpSize, now: () => performance.now(), warn,
  });
  const cache = new AnswerCache(options.cacheSize ?? 50_000);
  const activity = new DnsActivity(options.view.activity, options.view.node, options.activityWindowMs ?? 5_000);
  const core = new DnsResolverCore(options.view, {
    block, warnAs: options.warnAs ?? 'block', udpSize, limits, maxWaiters: 1_000, allowed, now,
  }, cache, pool, activity, warn);

  const tcpLimits = {
    idleTimeoutMs: options.tcpIdleTimeoutMs ?? 10_000, maxConnectionsPerClient: options.tcpMaxConnectionsPerClient ?? 32,
    maxConnections: options.tcpMaxConnections ?? 2_000, maxPipelined: options.tcpMaxPipelined ?? 100,
  };
  const wanted = options.port ?? 5353;
  let listeners: [Awaited<ReturnType<typeof listenUdp>>, Awaited<ReturnType<typeof listenTcp>>] | undefined;
  // with port 0 the UDP socket picks the port and TCP must get the same one; retry if TCP's is taken
  for (let attempt = 0; listeners === undefined; attempt++) {
    const udp = await listenUdp(core, host, wanted, warn).catch((error) => { pool.close(); throw listenError(error, host, wanted); });
    try {
      listeners = [udp, await listenTcp(core, host, udp.address().port, tcpLimits)];
    } catch (error) {
      udp.close();
      if (wanted !== 0 || attempt >= 20) { pool.close(); throw listenError(error, host, wanted); }
    }
  }
  const [udp, tcp] = listeners;
  const port = udp.address().port;
  options.logger?.info?.(`DNS resolver listening on ${host} port ${port} (UDP and TCP)`);
  return {
    host,
    port,
    stats: () => ({ ...core.stats, cacheEntries: cache.size, upstreamPending: pool.pending, upstreamRejected: pool.rejected,
      upstreamSockets: pool.socketsOpened }),
    async close() {
      pool.close();
      udp.close();
      await tcp.close();
    },
  };
}

/**
 * A hostile client or a broken upstream can cause the same warning thousands of times a second: each distinct
 * message is logged at most once a minute, with a count of the ones left out.
 */
function rateLimited(log: (message: string) => void): (message: string) => void {
  const seen = new Map<string, { until: number; suppressed: number }>();
  return (message) => {
    const now = Date.now();
    const entry = seen.get(message);
    if (entry !== undefined && entry.until > now) {
      entry.suppressed++;
      return;
    }
    if (seen.size > 1000) seen.clear();
    seen.set(message, { until: now + 60_000, suppressed: 0 });
    log(entry !== undefined && entry.suppressed > 0 ? `${message} (and ${entry.suppressed} more like it in the last minute)` : message);
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.floor(value)));
}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES') return new Error(`DNS resolver: not allowed to listen on ${host} port ${port} (ports below 1024 need CAP_NET_BIND_SERVICE)`);
  if (code === 'EADDRINUSE') return new Error(`DNS resolver: ${host} port ${port} is already in use by another program`);
  return new Error(`DNS resolver: cannot listen on ${host} port ${port}: ${(error as Error).message}`);
}
