/**
 * CONNECT tunnels (https:// and anything else a browser tunnels): decided on the CONNECT host before anything is
 * sent to the site; refused with 403 and a short text. An allowed tunnel is opened only to a destination the proxy
 * opens (`destinations.ts`: not the server itself, its local links or private networks; port 443 by default), and
 * to the very address that was checked. When the CONNECT names a bare address, the TLS ClientHello's
 * server name (SNI) is read first and decided on; when it names a host, the SNI is still read and, if it names a
 * different site, decided too (an allowed host cannot carry a blocked site's traffic). Open tunnels are never cut
 * by a policy reload: the decision holds for the tunnel's life, as in every proxy.
 */
import type { IncomingMessage } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { normaliseHost } from '../engine/index.ts';
import { literalAddress } from '../../platform/destination.ts';
import type { ClientIdentity } from '../identity/types.ts';
import { AGREEMENT_DECISION, activityEvent, clientAddress, decideHosts, identifyClient, snapshotOf, warningAcknowledged } from './decision.ts';
import { destinationDecision, destinationOf } from './destinations.ts';
import type { ActivityEvent } from '../decision-events.ts';
import { countHeader } from './headers.ts';
import { connectRefusalText } from './pages.ts';
import type { Refusal } from '../../platform/destination.ts';
import type { ProxyRuntime } from './runtime.ts';
import { MAX_HELLO_BYTES, parseClientHello } from './sni.ts';
import { connectThroughParent, connectWithTimeout } from './upstream.ts';

const ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

export function respondRaw(socket: Socket, status: number, reason: string, text: string, extra = ''): void {
  if (!socket.writable) return void socket.destroy();
  const body = Buffer.from(text);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n${extra}Connection: close\r\n\r\n${text}`);
  // a client that never reads its answer must not keep the socket open
  setTimeout(() => socket.destroy(), 5_000).unref();
}

/** host:port of a CONNECT request, or null. */
export function parseAuthority(raw: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/@\s]+)):(\d{1,5})$/.exec(raw);
  if (!m) return null;
  const port = Number(m[3]);
  const host = m[1] ? (isIP(m[1]) === 6 ? m[1].toLowerCase() : null) : normaliseHost(m[2]);
  return host && port >= 1 && port <= 65535 ? { host, port } : null;
}

export function handleConnect(rt: ProxyRuntime, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const ip = clientAddress(req);
  socket.on('error', () => socket.destroy());
  const authority = parseAuthority(req.url ?? '');
  if (!authority) return respondRaw(socket, 400, 'Bad Request', 'Osprey could not read the address of this tunnel. It must be host:port.\n');
  if (countHeader(req.rawHeaders, 'host') > 1) return respondRaw(socket, 400, 'Bad Request', 'The request named more than one Host.\n');
  const toPortal = rt.portal !== undefined && authority.host === rt.portal.host;
  const portal = toPortal && authority.port === rt.portal!.port;
  identifyClient(rt, req, ip, toPortal, (answer) => {
    if (answer.kind === 'proxy-auth') {
      return respondRaw(socket, 407, 'Proxy Authentication Required', 'Osprey needs your school username and password.\n', 'Proxy-Authenticate: Basic realm="Osprey", charset="UTF-8"\r\n');
    }
    if (answer.kind === 'logon') {
      return respondRaw(socket, 403, 'Forbidden', `Log on at ${new URL('/logon', rt.settings.portalUrl)} first, then try again.\n`);
    }
    if (answer.kind === 'agreement') {
      rt.activity.emit(activityEvent(rt, { identity: answer.identity, ip, host: authority.host, decision: AGREEMENT_DECISION, time: Date.now() }));
      const where = rt.settings.portalUrl ? ` at ${new URL(rt.identity.signPath, rt.settings.portalUrl)}` : '';
      return respondRaw(socket, 403, 'Forbidden', `Read and sign the school's Acceptable Use Agreement${where} before you use the internet.\n`);
    }
    const literal = isIP(authority.host) !== 0;
    const tunnel: Tunnel = { socket, head, authority, identity: answer.identity, ip, portal };
    if (literal) return void tunnelByServerName(rt, tunnel);
    decideAndOpen(rt, tunnel);
  });
}

interface Tunnel {
  socket: Socket;
  head: Buffer;
  authority: { host: string; port: number };
  identity: ClientIdentity;
  ip: string;
  /** The control plane's own address and port (its log-on and sign pages). */
  portal: boolean;
}

type Verdict = ({ open: true; connectHost: string } | { open: false; reason: string }) & { event: ActivityEvent };

/** Decides the hosts and says whether (and where) to connect, with the event to record. */
function verdictFor(rt: ProxyRuntime, hosts: string[], identity: ClientIdentity, ip: string): Verdict | 'starting' {
  const snapshot = snapshotOf(rt, identity);
  if (!snapshot) return 'starting';
  const time = Date.now();
  const { decision, request } = decideHosts(snapshot, hosts, identity.groupIds, time);
  const acknowledged = decision.action === 'warn' && warningAcknowledged(rt, identity, ip, request.host, time);
  const event = activityEvent(rt, { identity, ip, host: request.host, decision, time, acknowledged });
  if (decision.action === 'block') {
    const category = decision.match?.categoryId ? snapshot.categories.find((c) => c.id === decision.match!.categoryId)?.name : undefined;
    const why = decision.reason === 'illegal_content' ? 'it is on a list of content that is illegal in the UK.'
      : category ? `it is in the ${category} category, which is blocked for you.` : 'the school\'s filtering policy blocks it.';
    return { open: false, reason: connectRefusalText(request.host, why), event };
  }
  if (decision.action === 'warn' && !acknowledged) {
    return { open: false, reason: connectRefusalText(request.host, `the school shows a warning before this site. Open http://${request.host}/ to read it and choose Continue.`), event };
  }
  return { open: true, connectHost: decision.action === 'safesearch' && decision.safeSearchHost ? decision.safeSearchHost : request.host, event };
}

/** Records a refused destination and says why, in the short text a CONNECT refusal carries. */
function refuseDestination(rt: ProxyRuntime, t: Tunnel, refusal: Refusal): string {
  rt.activity.emit(activityEvent(rt, { identity: t.identity, ip: t.ip, host: t.authority.host, decision: destinationDecision(refusal), time: Date.now() }));
  return connectRefusalText(t.authority.host, refusal.reason.replace(/^./, (c) => c.toLowerCase()));
}

function decideAndOpen(rt: ProxyRuntime, t: Tunnel): void {
  const { socket, head, authority, identity, ip } = t;
  const verdict = verdictFor(rt, [authority.host], identity, ip);
  if (verdict === 'starting') return respondRaw(socket, 503, 'Service Unavailable', 'Osprey is starting up. Try again in a few seconds.\n');
  if (!verdict.open) {
    rt.activity.emit(verdict.event);
    return respondRaw(socket, 403, 'Forbidden', verdict.reason);
  }
  destinationOf(rt, verdict.connectHost, authority.port, 'tunnel', t.portal).then((destination): Promise<Upstream> | undefined => {
    if (!destination.ok) {
      respondRaw(socket, 403, 'Forbidden', refuseDestination(rt, t, destination.refusal));
      return undefined;
    }
    rt.activity.emit(verdict.event);
    return openUpstream(rt, destination.address, verdict.connectHost, authority.port);
  }, (err: NodeJS.ErrnoException) => {
    rt.activity.emit(verdict.event);
    throw err;
  }).then((opened) => {
    if (!opened) return;
    const { upstream, rest } = opened;
    if (socket.destroyed) return void upstream.destroy();
    socket.write(ESTABLISHED);
    if (rest.length) socket.write(rest);
    readHello(socket, head, rt.settings.limits.sniTimeoutMs, (first, serverName) => {
      const sni = serverName ? normaliseHost(serverName) : null;
      if (sni && sni !== authority.host) {
        // the tunnel's TLS asks for another site than its CONNECT named: that site must be allowed too
        const second = verdictFor(rt, [sni], identity, ip);
        if (second !== 'starting') rt.activity.emit(second.event);
        if (second === 'starting' || !second.open) { upstream.destroy(); socket.destroy(); return; }
      }
      splice(rt, socket, upstream, first);
    });
  }, (err: NodeJS.ErrnoException) => {
    const timedOut = err.code === 'ETIMEDOUT_CONNECT';
    const notFound = err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'ENODATA';
    respondRaw(socket, timedOut ? 504 : 502, timedOut ? 'Gateway Timeout' : 'Bad Gateway', notFound ? `Osprey could not find ${authority.host}.\n` : `Osprey could not reach ${authority.host}${timedOut ? ' in time' : ''}.\n`);
  });
}

/**
 * CONNECT to an address: the address is checked first (refused with 403 while that can still be said), then the
 * tunnel is accepted, the ClientHello read, its server name (and the address) decided, and the connection made.
 */
function tunnelByServerName(rt: ProxyRuntime, t: Tunnel): void {
  const { socket, head, authority, identity, ip } = t;
  const address = literalAddress(authority.host)!;
  const refusal = rt.destinations.check(address, authority.port, 'tunnel', { portal: t.portal });
  if (refusal) return respondRaw(socket, 403, 'Forbidden', refuseDestination(rt, t, refusal));
  socket.write(ESTABLISHED);
  readHello(socket, head, rt.settings.limits.sniTimeoutMs, (first, serverName) => {
    const sni = serverName ? normaliseHost(serverName) : null;
    const verdict = verdictFor(rt, sni ? [sni, authority.host] : [authority.host], identity, ip);
    if (verdict !== 'starting' && !verdict.open) rt.activity.emit(verdict.event);
    // the 200 has gone: a refusal can only close the connection (the browser shows a connection error)
    if (verdict === 'starting' || !verdict.open) return void socket.destroy();
    // SafeSearch sends the tunnel to the provider's locked-safe name, which is checked in its turn
    const rewritten = sni && verdict.connectHost !== sni ? verdict.connectHost : null;
    const destination = rewritten
      ? destinationOf(rt, rewritten, authority.port, 'tunnel', false)
      : Promise.resolve({ ok: true as const, address: rt.parent ? null : address });
    destination.then((d) => {
      if (!d.ok) {
        refuseDestination(rt, t, d.refusal);
        return void socket.destroy();
      }
      rt.activity.emit(verdict.event);
      return openUpstream(rt, d.address, rewritten ?? address, authority.port).then(({ upstream, rest }) => {
        if (rest.length) socket.write(rest);
        splice(rt, socket, upstream, first);
      });
    }).catch(() => socket.destroy());
  });
}

/** Collects the client's first bytes until a ClientHello can be read (or it is clearly not TLS, or time is up). */
function readHello(socket: Socket, head: Buffer, timeoutMs: number, then: (first: Buffer, serverName?: string) => void): void {
  let data = head;
  let done = false;
  const finish = (serverName?: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    then(data, serverName);
  };
  const check = () => {
    const result = parseClientHello(data);
    if (result.status === 'ok') finish(result.serverName);
    else if (result.status === 'not-tls' || data.length > MAX_HELLO_BYTES) finish();
  };
  const onData = (chunk: Buffer) => { data = data.length ? Buffer.concat([data, chunk]) : chunk; check(); };
  const onEnd = () => finish();
  const timer = setTimeout(() => finish(), timeoutMs);
  socket.on('data', onData);
  socket.on('end', onEnd);
  if (data.length) check();
}

interface Upstream { upstream: Socket; rest: Buffer }

/** Connects to the checked address, or through the parent proxy to `host` (address null). */
function openUpstream(rt: ProxyRuntime, address: string | null, host: string, port: number): Promise<Upstream> {
  const timeout = rt.settings.limits.connectTimeoutMs;
  if (address === null) {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    return connectThroughParent(rt.parent!, authority, timeout).then(({ socket, rest }) => ({ upstream: socket, rest }));
  }
  return new Promise((resolve, reject) => {
    const upstream = connectWithTimeout({ host: address, port }, timeout);
    upstream.once('connect', () => { upstream.off('error', reject); resolve({ upstream, rest: Buffer.alloc(0) }); });
    upstream.once('error', reject);
  });
}

/** Joins the two sockets until either side closes or the tunnel is idle too long. */
function splice(rt: ProxyRuntime, client: Socket, upstream: Socket, first: Buffer): void {
  if (client.destroyed) return void upstream.destroy();
  const idle = rt.settings.limits.tunnelIdleTimeoutMs;
  const close = () => { client.destroy(); upstream.destroy(); };
  client.setTimeout(idle, close);
  upstream.setTimeout(idle, close);
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  if (first.length) upstream.write(first);
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
}
