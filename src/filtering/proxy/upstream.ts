/**
 * How the proxy reaches origins: name resolution with a small cache (getaddrinfo has none, and a page load asks for
 * the same few names dozens of times), keep-alive connection pools with a connect timeout, and an optional upstream
 * ("parent") proxy that every request and tunnel goes through — a trust's central proxy, say.
 */
import dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';

export interface UpstreamSettings {
  /** http://host:port of a parent proxy; requests are sent to it as absolute URIs, tunnels with CONNECT. */
  upstreamProxy?: string;
  /** Name servers to resolve origins with ('127.0.0.1:5353'); the system resolver when absent. */
  dnsServers?: string[];
  /** Fixed answers, like a hosts file: host → address; '*' answers every name (tests and benchmarks). */
  hosts?: Record<string, string>;
  connectTimeoutMs: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
export type Lookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void;

const POSITIVE_MS = 30_000;
const NEGATIVE_MS = 5_000;
const CACHE_LIMIT = 10_000;

/** A `lookup` for net.connect/http.request: hosts, then the cache, then DNS. */
export function createLookup(s: UpstreamSettings): Lookup {
  const cache = new Map<string, { address?: string; family?: number; error?: NodeJS.ErrnoException; until: number }>();
  const resolver = s.dnsServers?.length ? new dns.promises.Resolver({ timeout: 2000, tries: 2 }) : null;
  resolver?.setServers(s.dnsServers!);
  const fixed = s.hosts ?? {};
  const answer = (options: dns.LookupOptions, callback: LookupCallback, address: string, family: number) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const resolve = async (host: string): Promise<{ address: string; family: number; ttlMs: number }> => {
    if (resolver) {
      const v4 = await resolver.resolve4(host, { ttl: true }).catch(() => []);
      if (v4.length) return { address: v4[0].address, family: 4, ttlMs: Math.min(v4[0].ttl * 1000, 300_000) };
      const v6 = await resolver.resolve6(host, { ttl: true });
      if (v6.length) return { address: v6[0].address, family: 6, ttlMs: Math.min(v6[0].ttl * 1000, 300_000) };
      throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    }
    const found = await dns.promises.lookup(host, { verbatim: true });
    return { ...found, ttlMs: POSITIVE_MS };
  };
  return (hostname, options, callback) => {
    const host = hostname.toLowerCase();
    // an address is itself, whatever the fixed answers say: it is the address the destination rule checked
    const literal = net.isIP(host);
    if (literal) return answer(options, callback, host, literal);
    const pinned = fixed[host] ?? fixed['*'];
    if (pinned) return answer(options, callback, pinned, net.isIP(pinned) || 4);
    const now = Date.now();
    const hit = cache.get(host);
    if (hit && hit.until > now) {
      if (hit.error) return callback(hit.error, '');
      return answer(options, callback, hit.address!, hit.family!);
    }
    resolve(host).then((r) => {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(host, { address: r.address, family: r.family, until: Date.now() + Math.max(r.ttlMs, 1000) });
      answer(options, callback, r.address, r.family);
    }, (err: NodeJS.ErrnoException) => {
      cache.set(host, { error: err, until: Date.now() + NEGATIVE_MS });
      callback(err, '');
    });
  };
}

/** Opens a TCP connection, failing with code ETIMEDOUT_CONNECT if it is not up in time. */
export function connectWithTimeout(options: net.NetConnectOpts, timeoutMs: number): net.Socket {
  const socket = net.connect(options);
  const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT_CONNECT' })), timeoutMs);
  socket.once('connect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
  return socket;
}

/** Keep-alive pools to origins (or to the parent proxy), with the connect timeout applied to each new connection. */
export class OriginAgent extends http.Agent {
  constructor(private readonly connectTimeoutMs: number, private readonly lookupFn: Lookup) {
    super({ keepAlive: true, keepAliveMsecs: 15_000, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo', timeout: 60_000 });
  }

  override createConnection(options: net.NetConnectOpts): net.Socket {
    return connectWithTimeout({ ...options, lookup: this.lookupFn } as net.NetConnectOpts, this.connectTimeoutMs);
  }
}

export interface ParentProxy { host: string; port: number }

export function parseParentProxy(url: string | undefined): ParentProxy | undefined {
  if (!url) return undefined;
  const u = new URL(url.includes('://') ? url : `http://${url}`);
  if (u.protocol !== 'http:') throw new Error(`The upstream proxy must be an http:// address, not '${url}'.`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 3128) };
}

/**
 * A tunnel to host:port through the parent proxy: CONNECT, then the parent's answer. Resolves with the socket and
 * any bytes the parent sent after its header (the start of the origin's stream).
 */
export function connectThroughParent(parent: ParentProxy, authority: string, timeoutMs: number): Promise<{ socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connectWithTimeout({ host: parent.host, port: parent.port }, timeoutMs);
    let buffered = Buffer.alloc(0);
    const fail = (err: Error) => { socket.destroy(); reject(err); };
    socket.once('error', fail);
    socket.once('connect', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > 16_384) fail(new Error('the upstream proxy sent an oversized answer'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(buffered.subarray(0, end).toString('latin1'));
      if (!status || status[1] !== '200') return fail(Object.assign(new Error(`the upstream proxy refused the tunnel (${status?.[1] ?? 'no status'})`), { code: 'EPARENT' }));
      resolve({ socket, rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}
