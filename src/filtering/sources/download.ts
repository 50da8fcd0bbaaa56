/**
 * Fetching a web list (R2.11) under the destination rule (`src/platform/destination.ts`): each hop's host is resolved,
 * every address checked, and the request sent to the address that was checked; redirects are followed by hand, at
 * most five, each hop checked again. Only public addresses are fetched, plus the school's own list servers (the
 * listServers setting). Errors say what happened and what to do, from status codes and error codes only: nothing
 * the server sent (status text, headers, body) is ever put into a message.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { lookup } from 'node:dns/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { allowEntriesOf, DEFAULT_SAFE_PORTS, DEFAULT_SSL_PORTS, DestinationRules, type Destination } from '../../platform/destination.ts';

/** Largest list download accepted; real category lists are far smaller. */
export const MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 120_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A download that failed; `refused` when the address is one Osprey does not fetch from. */
export class DownloadError extends Error {
  constructor(message: string, readonly refused = false) {
    super(message);
  }
}

/** The address as it may be shown: without a user name or password. */
export function shownUrl(location: string): string {
  try {
    const u = new URL(location);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return location;
  }
}

/**
 * Where list downloads may go: public addresses on the usual web ports, and the school's own list servers (the
 * listServers setting) on whatever address and port they are given.
 */
export function listDownloadRules(listServers: string | undefined): DestinationRules {
  return new DestinationRules({ allowPrivate: false, allowed: allowEntriesOf(listServers), safePorts: DEFAULT_SAFE_PORTS, sslPorts: DEFAULT_SSL_PORTS });
}

const systemResolveAll = async (name: string) => (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** Downloads a list into a temporary file; returns undefined when the server says it has not changed (ETag). */
export async function downloadList(location: string, etag: string | null, dir: string, listServers: string | undefined): Promise<{ file: string; etag: string | null } | undefined> {
  const rules = listDownloadRules(listServers);
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let url = new URL(location);
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(rules, url, etag, signal);
    if (REDIRECTS.has(res.statusCode ?? 0)) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new DownloadError(`${url.host} sent more than ${MAX_REDIRECTS} redirects in a row. Check the address, or give the list's final address.`);
      url = nextHop(url, res.headers.location);
      continue;
    }
    if (res.statusCode === 304) { res.resume(); return undefined; }
    if (res.statusCode !== 200) {
      res.resume();
      throw new DownloadError(statusProblem(res.statusCode ?? 0, url));
    }
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > MAX_DOWNLOAD_BYTES) {
      res.destroy();
      throw new DownloadError(`the list is ${declared} bytes, more than the ${MAX_DOWNLOAD_BYTES} Osprey accepts`);
    }
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `download-${randomUUID()}${path.extname(url.pathname) || '.txt'}`);
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_DOWNLOAD_BYTES) res.destroy(new DownloadError(`the list is larger than the ${MAX_DOWNLOAD_BYTES} bytes Osprey accepts`));
    });
    try {
      await pipeline(res, createWriteStream(file), { signal });
    } catch (e) {
      await rm(file, { force: true });
      throw e instanceof DownloadError ? e : connectionProblem(e as NodeJS.ErrnoException, url);
    }
    return { file, etag: typeof res.headers.etag === 'string' ? res.headers.etag : null };
  }
}

function nextHop(from: URL, location: string | undefined): URL {
  let to: URL;
  try {
    if (!location) throw new Error('no Location');
    to = new URL(location, from);
  } catch {
    throw new DownloadError(`${from.host} answered with a redirect Osprey could not follow. Give the list's final address instead.`);
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') throw new DownloadError(`${from.host} redirected to an address that is not http:// or https://, so Osprey did not follow it. Give the list's final address instead.`);
  return to;
}

/** One request to `url`, sent to the address its host resolved to once that address passed the destination rule. */
async function requestOnce(rules: DestinationRules, url: URL, etag: string | null, signal: AbortSignal): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let destination: Destination;
  try {
    const answer = await rules.resolve(host, port, 'http', systemResolveAll);
    if (!answer.ok) {
      const where = answer.refusal.kind === 'port' ? `port ${port}` : answer.refusal.address;
      throw new DownloadError(`Osprey does not fetch lists from ${where}: ${answer.refusal.reason} If this is the school's own list server, add it to the list servers setting (OSPREY_LIST_SERVERS), for example ${url.host}.`, true);
    }
    destination = answer.destination;
  } catch (e) {
    throw e instanceof DownloadError ? e : connectionProblem(e as NodeJS.ErrnoException, url);
  }
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request({
      host, port, path: `${url.pathname}${url.search}`, method: 'GET', agent: false, signal,
      headers: { 'user-agent': 'Osprey list download', accept: '*/*', ...(etag ? { 'if-none-match': etag } : {}) },
      // the connection goes to the address that was checked, never to a second answer for the name
      lookup: (_name, options, callback) => {
        if (options.all) callback(null, [destination]);
        else (callback as (err: null, address: string, family: number) => void)(null, destination.address, destination.family);
      },
    }, resolve);
    request.on('error', (e: NodeJS.ErrnoException) => reject(connectionProblem(e, url)));
    request.end();
  });
}

function statusProblem(status: number, url: URL): string {
  const what = status === 404 || status === 410 ? 'there is no list at that address; check it for typing mistakes'
    : status === 401 || status === 403 ? 'the server would not give Osprey the list; check the address, or whether the server needs the list to be made public'
      : status >= 500 ? 'the list server has a problem; Osprey will try again at the next update'
        : 'that is not a list Osprey can fetch; check the address';
  return `${url.host} answered ${status}: ${what}.`;
}

function connectionProblem(e: NodeJS.ErrnoException, url: URL): DownloadError {
  const code = e.code ?? e.name;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return new DownloadError(`Osprey could not find ${url.hostname}. Check the address for typing mistakes.`);
  if (code === 'ECONNREFUSED') return new DownloadError(`${url.host} refused the connection. Check the address and the port.`);
  if (code === 'TimeoutError' || code === 'AbortError' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') return new DownloadError(`${url.host} took too long to send the list. Try again later.`);
  if (/CERT|SSL|TLS/i.test(String(code))) return new DownloadError(`the secure connection to ${url.host} could not be checked (${code}). Check the address, or the server's certificate.`);
  return new DownloadError(`Osprey could not fetch the list from ${url.host} (${code ?? 'the connection failed'}). Try again later.`);
}
