/**
 * Plain HTTP through the proxy: an absolute-URI request is checked, its client identified, decided, recorded, and
 * then answered with the block page, the warning page, a log-on redirect, or — when its destination is one the proxy
 * opens (`destinations.ts`) — forwarded to the address that was checked: bodies streamed both ways (never held
 * whole), hop-by-hop and client-sent forwarding headers removed, `Via` added, SafeSearch rewritten where the decision
 * says so.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { decide, splitUrl, type Decision, type DecisionRequest, type Snapshot } from '../engine/index.ts';
import type { ClientIdentity } from '../identity/types.ts';
import { AGREEMENT_DECISION, activityEvent, clientAddress, identifyClient, pageFacts, snapshotOf, warningAcknowledged } from './decision.ts';
import { destinationDecision, destinationOf } from './destinations.ts';
import type { ActivityEvent } from '../decision-events.ts';
import { grantSite, grantSubject } from './grants.ts';
import { CLIENT_FORWARDING, countHeader, forwardHeaders, viaHasLoop } from './headers.ts';
import { blockPage, destinationRefusedPage, messagePage, warnPage } from './pages.ts';
import type { ProxyRuntime } from './runtime.ts';
import { safeSearchRewrite, searchTermOf } from './search.ts';

/** The warning page's Continue form posts here, on the warned site's own host, so it comes back through the proxy. */
export const CONTINUE_PATH = '/__osprey/continue';
/** Never sent on: the Host is rewritten, and a client's own forwarding headers would let it pose as another device. */
const DROP_TO_ORIGIN = new Set(['host', 'expect', ...CLIENT_FORWARDING]);

export interface Target {
  host: string;
  port: number;
  /** host[:port] as the Host header carries it. */
  authority: string;
  /** The path and query as the client sent them (forwarded unchanged). */
  path: string;
  /** The URL as the engine reads it. */
  url: string;
  pathAndQuery: string;
}

/** The absolute-URI request target, or a message saying what is wrong with it. */
export function parseTarget(raw: string): Target | string {
  if (raw.startsWith('/') || raw === '*') return 'This is Osprey\'s web proxy. Set it as your browser\'s proxy (or use the proxy.pac address from the network manager) rather than opening it as a website.';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 'http') return `Osprey's proxy forwards http:// addresses only${scheme ? `, not ${scheme}://` : ''}. Secure (https://) sites go through the proxy as CONNECT tunnels.`;
  const parts = splitUrl(raw);
  if (!parts) return 'The web address could not be understood.';
  const port = parts.port === '' ? 80 : Number(parts.port);
  if (!(port >= 1 && port <= 65535)) return 'The web address has a port that does not exist.';
  const afterScheme = raw.indexOf('//') + 2;
  const pathStart = raw.slice(afterScheme).search(/[/?#]/);
  let path = pathStart < 0 ? '/' : raw.slice(afterScheme + pathStart).split('#')[0];
  if (path.startsWith('?')) path = `/${path}`;
  if (path === '') path = '/';
  const hostText = parts.host.includes(':') ? `[${parts.host}]` : parts.host;
  return { host: parts.host, port, authority: port === 80 ? hostText : `${hostText}:${port}`, path, url: `http://${hostText}${port === 80 ? '' : `:${port}`}${parts.pathAndQuery}`, pathAndQuery: parts.pathAndQuery };
}

function sendPage(res: ServerResponse, status: number, html: string, extra: string[] = [], close = false): void {
  const body = Buffer.from(html);
  const headers = ['Content-Type', 'text/html; charset=utf-8', 'Content-Length', String(body.length), 'Cache-Control', 'no-store', ...extra];
  if (close) headers.push('Connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}

/** A 4xx for a request the proxy will not handle; the body, if any, is not read, so the connection is closed. */
export function refuse(res: ServerResponse, status: number, title: string, message: string, extra: string[] = []): void {
  sendPage(res, status, messagePage(title, [message]), extra, true);
}

export const PROXY_AUTH_CHALLENGE = ['Proxy-Authenticate', 'Basic realm="Osprey", charset="UTF-8"'];

export function handleRequest(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse): void {
  res.sendDate = false;
  const ip = clientAddress(req);
  if (viaHasLoop(req.rawHeaders, rt.settings.pseudonym)) return refuse(res, 508, 'Loop detected', 'This request came back to Osprey\'s proxy through itself, so it was stopped.');
  const target = parseTarget(req.url ?? '');
  if (typeof target === 'string') return refuse(res, 400, 'This request cannot be handled', target);
  if (countHeader(req.rawHeaders, 'host') > 1) return refuse(res, 400, 'This request cannot be handled', 'The request named more than one Host.');
  const toPortal = rt.portal !== undefined && target.host === rt.portal.host && target.port === rt.portal.port;
  identifyClient(rt, req, ip, toPortal, (answer) => {
    if (answer.kind === 'proxy-auth') {
      return sendPage(res, 407, messagePage('Log on to use the internet', ['Osprey, the school\'s web filter, needs your school username and password. Your browser should ask for them.']), PROXY_AUTH_CHALLENGE);
    }
    if (answer.kind === 'logon') return redirectToLogon(rt, req, res, target);
    if (answer.kind === 'agreement') return redirectToSign(rt, req, res, target, answer.identity, ip);
    // the log-on and sign pages see the device's address from the proxy alone, never from the client's headers
    if (toPortal) return forward(rt, req, res, target, null, ['X-Forwarded-For', ip], { identity: answer.identity, ip, portal: true });
    decideAndAct(rt, req, res, target, answer.identity, ip);
  });
}

function redirectToLogon(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse, target: Target): void {
  const logon = new URL('/logon', rt.settings.portalUrl);
  logon.searchParams.set('return', target.url);
  if (req.method === 'GET' || req.method === 'HEAD') {
    return sendPage(res, 302, messagePage('Log on to use the internet', [`Log on at ${logon.toString()} first.`]), ['Location', logon.toString()]);
  }
  refuse(res, 403, 'Log on to use the internet', `Log on at ${logon.toString()} first, then try again.`);
}

/** R6.4: someone who has not signed their Acceptable Use Agreement is sent to sign it; nothing else is fetched. */
function redirectToSign(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse, target: Target, identity: ClientIdentity, ip: string): void {
  const sign = new URL(rt.identity.signPath, rt.settings.portalUrl ?? 'http://osprey.invalid');
  sign.searchParams.set('return', target.url);
  rt.activity.emit(activityEvent(rt, { identity, ip, host: target.host, url: target.url, decision: AGREEMENT_DECISION, time: Date.now() }));
  const words = rt.settings.portalUrl
    ? `Before you use the internet, read and sign the school's Acceptable Use Agreement at ${sign.toString()}.`
    : 'Before you use the internet, read and sign the school\'s Acceptable Use Agreement. Ask your teacher how.';
  if ((req.method === 'GET' || req.method === 'HEAD') && rt.settings.portalUrl) {
    return sendPage(res, 302, messagePage('Sign the Acceptable Use Agreement', [words]), ['Location', sign.toString()]);
  }
  refuse(res, 403, 'Sign the Acceptable Use Agreement', words);
}

function decideAndAct(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse, target: Target, identity: ClientIdentity, ip: string): void {
  const snapshot = snapshotOf(rt, identity);
  if (!snapshot) return refuse(res, 503, 'The web filter is starting', 'Osprey is starting up. Try again in a few seconds.', ['Retry-After', '5']);
  const time = Date.now();
  const request: DecisionRequest = { host: target.host, url: target.url, groupIds: identity.groupIds, time };
  const decision = decide(snapshot, request);
  if (req.method === 'POST' && decision.action === 'warn' && target.pathAndQuery.startsWith(CONTINUE_PATH)) {
    return acknowledgeWarning(rt, req, res, target, identity, ip, decision);
  }
  const acknowledged = decision.action === 'warn' && warningAcknowledged(rt, identity, ip, target.host, time);
  const event = activityEvent(rt, { identity, ip, host: target.host, url: target.url, searchTerm: searchTermOf(target.host, target.pathAndQuery), decision, time, acknowledged });
  if (decision.action === 'block') {
    rt.activity.emit(event);
    return sendPage(res, 403, blockPage({ url: target.url, reference: event.id, ...pageFacts(snapshot, request, decision) }));
  }
  if (decision.action === 'warn' && !acknowledged) {
    rt.activity.emit(event);
    return showWarning(rt, res, target, identity, ip, snapshot, request, decision, event.id);
  }
  // recorded once the destination is known: as it is, or as a refused destination instead
  forward(rt, req, res, target, decision, [], { identity, ip, portal: false, event });
}

function showWarning(rt: ProxyRuntime, res: ServerResponse, target: Target, identity: ClientIdentity, ip: string, snapshot: Snapshot, request: DecisionRequest, decision: Decision, reference: string): void {
  const { category, explanation } = pageFacts(snapshot, request, decision);
  const token = rt.grants.token(grantSubject(identity.personId, ip), grantSite(target.host), request.time);
  sendPage(res, 403, warnPage({ url: target.url, category, explanation, reference, token, continuePath: CONTINUE_PATH, grantMinutes: rt.settings.warnGrantMinutes }));
}

/** Continue on the warning page: check the token, record the acknowledgement, let the person through. */
function acknowledgeWarning(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse, target: Target, identity: ClientIdentity, ip: string, decision: Decision): void {
  let body = '';
  let tooBig = false;
  req.setEncoding('latin1');
  req.on('data', (chunk: string) => { body += chunk; if (body.length > 4096) { tooBig = true; req.destroy(); } });
  req.on('end', () => {
    if (tooBig) return;
    const form = new URLSearchParams(body);
    const now = Date.now();
    const subject = grantSubject(identity.personId, ip);
    const site = grantSite(target.host);
    if (!rt.grants.verify(form.get('token') ?? '', subject, site, now)) {
      return refuse(res, 403, 'This page has expired', 'The warning page has expired. Go back, reload the page and choose Continue again.');
    }
    const grant = { subject, site, until: now + rt.settings.warnGrantMinutes * 60_000 };
    rt.grants.add(grant);
    rt.shareGrant(grant);
    const to = form.get('to') ?? '';
    const parsed = parseTarget(to);
    const destination = typeof parsed !== 'string' && grantSite(parsed.host) === site ? parsed.url : `http://${target.authority}/`;
    rt.activity.emit(activityEvent(rt, { identity, ip, host: target.host, url: destination, decision, time: now, acknowledged: true }));
    sendPage(res, 303, messagePage('Continuing', [`Continuing to ${destination}.`]), ['Location', destination]);
  });
}

interface Requester {
  identity: ClientIdentity;
  ip: string;
  /** The control plane's own log-on and sign pages (the server's own addresses are open for them). */
  portal: boolean;
  /** The filtering decision's event, recorded when the destination is opened. */
  event?: ActivityEvent;
}

/**
 * Checks the destination, then sends the request on to the address that was checked (or to the parent proxy) and
 * streams the answer back; a refused destination gets its page instead.
 */
function forward(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse, target: Target, decision: Decision | null, extra: string[], who: Requester): void {
  const via = `1.1 ${rt.settings.pseudonym}`;
  let path = target.path;
  let connectHost = target.host;
  const add = ['Host', target.authority, ...extra];
  if (decision?.action === 'safesearch') {
    const rewrite = safeSearchRewrite(target.host, target.path);
    path = rewrite.pathAndQuery;
    add.push(...rewrite.headers);
    // the provider's locked-safe address, reached with the site's own Host header (as its DNS answer would do)
    if (decision.safeSearchHost) connectHost = decision.safeSearchHost;
  }
  if (req.headers['transfer-encoding'] !== undefined) add.push('Transfer-Encoding', 'chunked');
  const headers = forwardHeaders(req.rawHeaders, via, DROP_TO_ORIGIN, add);
  destinationOf(rt, connectHost, target.port, 'http', who.portal).then((destination) => {
    if (!destination.ok) {
      const refused = activityEvent(rt, { identity: who.identity, ip: who.ip, host: target.host, url: target.url, decision: destinationDecision(destination.refusal), time: Date.now() });
      rt.activity.emit(refused);
      return sendPage(res, 403, destinationRefusedPage({ url: target.url, reason: destination.refusal.reason, reference: refused.id }), [], true);
    }
    if (who.event) rt.activity.emit(who.event);
    if (destination.address === null) return send(rt, req, res, target, rt.parent!.host, rt.parent!.port, `http://${target.authority}${path}`, headers, via);
    // Connections are pooled by address, not by name: one kept-alive connection to a server carries requests for
    // all the names it serves (HTTP/1.1 virtual hosting), which matters when a page pulls from many names on one CDN.
    send(rt, req, res, target, destination.address, target.port, path, headers, via);
  }, (err: NodeJS.ErrnoException) => {
    if (who.event) rt.activity.emit(who.event);
    originUnreachable(res, target, err);
  });
}

function send(rt: ProxyRuntime, req: IncomingMessage, res: ServerResponse, target: Target, host: string, port: number, path: string, headers: string[], via: string): void {
  const upstream = http.request({ host, port, method: req.method, path, headers, agent: rt.agent });
  upstream.setTimeout(rt.settings.limits.idleTimeoutMs, () => upstream.destroy(Object.assign(new Error('origin timed out'), { code: 'ETIMEDOUT' })));
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardHeaders(answer.rawHeaders, via));
    answer.pipe(res);
    answer.on('error', () => res.destroy());
    answer.on('aborted', () => res.destroy());
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    req.unpipe(upstream);
    if (res.headersSent) return void res.destroy();
    originUnreachable(res, target, err);
  });
  // a client that goes away mid-request stops the request to the origin too
  res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
  req.pipe(upstream);
}

function originUnreachable(res: ServerResponse, target: Target, err: NodeJS.ErrnoException): void {
  const timedOut = err.code === 'ETIMEDOUT' || err.code === 'ETIMEDOUT_CONNECT';
  const notFound = err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'ENODATA';
  sendPage(res, timedOut ? 504 : 502, messagePage('The site could not be reached', [
    notFound ? `Osprey could not find ${target.host}. Check the address for typing mistakes.`
      : timedOut ? `${target.host} took too long to answer. Try again in a moment.`
        : `${target.host} did not answer properly. Try again in a moment.`,
  ]), [], true);
}
