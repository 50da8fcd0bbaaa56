/**
 * `osprey filter-node` (R11.2): the web proxy and DNS resolver on another machine, for another site or for scale.
 * It needs no database. From the control plane it pulls its school's compiled snapshot and identity tables (a
 * conditional GET every half second, so a policy change is in force within a second), and it pushes its activity.
 *
 * While the control plane cannot be reached it goes on filtering with the last snapshot and identity it had — kept
 * on disk, so a restart during an outage filters too — and its activity waits in its own spool (the same pipeline as
 * the server's, with the control plane as the writer) until the control plane takes it: nothing is lost.
 *
 * Every request carries the node's token, and proxy log-ons carry pupils' passwords, so the control plane must be
 * an https:// address; plain http:// is refused unless it points at this machine itself (issue 11).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startActivityPipeline, type ActivityPipeline } from '../activity/pipeline.ts';
import { ActivityRejectedError, type ActivityBatch, type ActivityBatchWriter } from '../activity/writer.ts';
import type { Config } from '../config.ts';
import { loadSnapshot, type Snapshot } from '../filtering/engine/index.ts';
import type { FilterView } from '../filtering/frontend-types.ts';
import { startFrontEnds, type FrontEndsLogger, type RunningFrontEnds } from '../filtering/frontends.ts';
import type { CredentialResult } from '../filtering/identity/credentials.ts';
import type { IdentitySource } from '../filtering/identity/service.ts';
import { IdentityTable, type IdentityChange, type IdentityTableData } from '../filtering/identity/table.ts';
import type { ClientIdentity } from '../filtering/identity/types.ts';
import { addressBytes } from '../platform/addresses.ts';
import { AppError } from '../platform/errors.ts';

export interface FilterNodeOptions {
  controlPlane: string;
  token: string;
  config: Config;
  log: FrontEndsLogger;
  /** How often to ask for a newer snapshot and identity tables (default 500 ms). */
  pollMs?: number;
}

export interface RunningFilterNode {
  name: string;
  proxyPort?: number;
  dnsPort?: number;
  activity: ActivityPipeline;
  /** Whether the last exchange with the control plane worked. */
  connected(): boolean;
  close(): Promise<void>;
}

/** What went wrong talking to the control plane; `osprey filter-node` prints the message (exit code 2). */
class ControlPlaneError extends AppError {
  constructor(message: string, readonly status?: number) { super(2, 'control_plane', message); }
}

/**
 * The control plane's address as a URL, refused (before anything is sent) unless it is https:// or plain http:// to
 * this machine itself. The address is echoed without any user name or password written into it.
 */
export function controlPlaneUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(2, 'invalid_control_plane', `The control plane address '${text}' is not a web address. Write it like https://osprey.school.example`);
  }
  const shown = `${url.protocol}//${url.host}`;
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return url;
  if (url.protocol === 'http:') {
    throw new AppError(2, 'insecure_control_plane', `The control plane address ${shown} uses http://, so this node's token and the passwords `
      + 'people type for the web proxy would cross the network unencrypted, where anyone on it could read them. Use the Osprey '
      + 'server\'s https:// address instead, e.g. --control-plane https://osprey.school.example (if its certificate comes from the '
      + 'school\'s own certificate authority, start the node with NODE_EXTRA_CA_CERTS=/path/to/that-ca.pem). Plain http:// is only '
      + 'accepted for this machine itself (localhost, 127.0.0.1 or [::1]).');
  }
  throw new AppError(2, 'invalid_control_plane', `The control plane address ${shown} is not an https:// address. Write it like https://osprey.school.example`);
}

/** localhost, 127.0.0.0/8, ::1, or 127.x.x.x written as an IPv4-mapped IPv6 address. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  const bytes = addressBytes(host);
  if (bytes === null) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes[12] === 127;
  return bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

/** The control plane's filter-node API over HTTPS (or HTTP to this machine), with the node's bearer token. */
export class ControlPlaneClient {
  private readonly base: string;

  constructor(controlPlane: string, private readonly token: string) {
    this.base = controlPlaneUrl(controlPlane).href.replace(/\/+$/, '');
  }

  private async request(method: 'GET' | 'POST', p: string, opts: { etag?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(opts.etag ? { 'if-none-match': opts.etag } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      throw new ControlPlaneError(`the control plane at ${this.base} cannot be reached (${cause})`);
    }
    if (res.status >= 400) {
      let message = `the control plane answered ${res.status}`;
      try { message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message; } catch { /* not JSON */ }
      throw new ControlPlaneError(message, res.status);
    }
    return res;
  }

  async hello(): Promise<{ name: string; schoolIds: string[] }> {
    return (await this.request('GET', '/api/filter-node/hello', { timeoutMs: 5000 })).json() as Promise<{ name: string; schoolIds: string[] }>;
  }

  /** The resource if it changed since `etag`; undefined when it did not (304). */
  async pull(what: 'snapshot' | 'identity', etag?: string): Promise<{ body: Buffer; etag: string } | undefined> {
    const res = await this.request('GET', `/api/filter-node/${what}`, { etag, timeoutMs: 30_000 });
    if (res.status === 304) return undefined;
    return { body: Buffer.from(await res.arrayBuffer()), etag: res.headers.get('etag') ?? '' };
  }

  async pushActivity(lines: string[]): Promise<{ stored: number }> {
    try {
      return (await this.request('POST', '/api/filter-node/activity', { body: { lines }, timeoutMs: 60_000 })).json() as Promise<{ stored: number }>;
    } catch (e) {
      if (e instanceof ControlPlaneError && e.status === 400) throw new ActivityRejectedError(e.message);
      throw e;
    }
  }

  async checkCredentials(header: string, ip: string): Promise<CredentialResult> {
    return (await this.request('POST', '/api/filter-node/credentials', { body: { header, ip }, timeoutMs: 10_000 })).json() as Promise<CredentialResult>;
  }
}

/** Activity batches go to the control plane, which answers once they are stored. */
class PushWriter implements ActivityBatchWriter {
  constructor(private readonly client: ControlPlaneClient) {}
  write(batch: ActivityBatch): Promise<{ stored: number }> {
    return this.client.pushActivity(batch.lines);
  }
}

/** Last good snapshot and identity tables, on disk so that a restart during an outage still filters. */
class NodeState {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  read(what: 'snapshot' | 'identity'): { body: Buffer; etag: string } | undefined {
    try {
      return { body: readFileSync(path.join(this.dir, `${what}.bin`)), etag: readFileSync(path.join(this.dir, `${what}.etag`), 'utf8') };
    } catch {
      return undefined;
    }
  }

  write(what: 'snapshot' | 'identity', body: Buffer, etag: string): void {
    const file = path.join(this.dir, `${what}.bin`);
    writeFileSync(`${file}.tmp`, body);
    renameSync(`${file}.tmp`, file);
    writeFileSync(path.join(this.dir, `${what}.etag`), etag);
  }
}

/** The filter as the node knows it: a FilterView and an IdentitySource fed from the control plane. */
class RemoteFilter implements FilterView, IdentitySource {
  private snapshot: Snapshot | undefined;
  private snapshotTag: string | undefined;
  private table: IdentityTable | undefined;
  private identityTag: string | undefined;
  private readonly listeners = new Set<(change: IdentityChange) => void>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  ok = false;
  private failingSince = 0;

  constructor(private readonly client: ControlPlaneClient, private readonly state: NodeState, readonly node: string,
    readonly activity: ActivityPipeline, private readonly log: FrontEndsLogger) {}

  /** Loads the last good state from disk. */
  loadSaved(): boolean {
    const s = this.state.read('snapshot');
    const i = this.state.read('identity');
    if (!s || !i) return false;
    try {
      this.applySnapshot(s.body, s.etag);
      this.applyIdentity(i.body, i.etag);
      return true;
    } catch (e) {
      this.log.warn({ err: e }, 'filter node: the saved snapshot could not be read; waiting for the control plane');
      this.snapshot = undefined;
      this.table = undefined;
      return false;
    }
  }

  private applySnapshot(body: Buffer, etag: string): void {
    this.snapshot = loadSnapshot(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    this.snapshotTag = etag;
  }

  private applyIdentity(body: Buffer, etag: string): void {
    const data = JSON.parse(body.toString('utf8')) as IdentityTableData;
    this.table = new IdentityTable(data);
    this.identityTag = etag;
    for (const l of this.listeners) l({ kind: 'table', data });
  }

  get ready(): boolean {
    return !!this.snapshot && !!this.table;
  }

  /** One round: a newer snapshot and identity tables, if there are any. */
  async pull(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const s = await this.client.pull('snapshot', this.snapshotTag);
      if (s) { this.applySnapshot(s.body, s.etag); this.state.write('snapshot', s.body, s.etag); }
      const i = await this.client.pull('identity', this.identityTag);
      if (i) { this.applyIdentity(i.body, i.etag); this.state.write('identity', i.body, i.etag); }
      if (!this.ok && this.failingSince) this.log.info({ seconds: Math.round((Date.now() - this.failingSince) / 1000) }, 'filter node: the control plane is back');
      this.ok = true;
      this.failingSince = 0;
    } catch (e) {
      if (this.ok || !this.failingSince) {
        this.log.warn({}, `filter node: ${(e as Error).message}; filtering goes on with the last snapshot, and activity waits in the spool`);
        this.failingSince = Date.now();
      }
      this.ok = false;
      throw e;
    } finally {
      this.polling = false;
    }
  }

  watch(pollMs: number): void {
    this.timer = setInterval(() => { this.pull().catch(() => undefined); }, pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  snapshotFor(): Snapshot {
    if (!this.snapshot) throw new Error('the filter node has no snapshot yet');
    return this.snapshot;
  }

  identify(ip: string, hints?: { username?: string }): ClientIdentity {
    return this.table!.identify(ip, hints);
  }

  /** R6.4 at DNS: the control plane's list of people who must sign first comes with the identity tables. */
  agreementRequired(personId: string): boolean {
    return this.table?.agreementRequired(personId) ?? false;
  }

  portalHost?: string;

  tableData(): IdentityTableData {
    return this.table!.toData();
  }

  subscribe(listener: (change: IdentityChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async checkProxyCredentials(header: string, ip: string): Promise<CredentialResult> {
    try {
      const result = await this.client.checkCredentials(header, ip);
      if (result.ok) this.table?.rememberPerson(result.person);
      return result;
    } catch {
      // Passwords are only checked by the control plane; people already checked stay cached in the proxy meanwhile.
      return { ok: false, reason: 'throttled', retryAfterMs: 30_000 };
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFilterNode(o: FilterNodeOptions): Promise<RunningFilterNode> {
  const client = new ControlPlaneClient(o.controlPlane, o.token);
  const dataDir = o.config.dataDir;
  const state = new NodeState(path.join(dataDir, 'node'));
  const savedName = (() => { try { return readFileSync(path.join(dataDir, 'node', 'name'), 'utf8').trim(); } catch { return undefined; } })();

  // The node's name goes into every event it records, so a node that has never been connected waits to learn it.
  let name = savedName;
  for (let attempt = 0; ; attempt++) {
    try {
      name = (await client.hello()).name;
      writeFileSync(path.join(dataDir, 'node', 'name'), name);
      break;
    } catch (e) {
      if (e instanceof ControlPlaneError && e.status === 401) throw e;
      if (name) break;
      if (attempt === 0) o.log.warn({}, `filter node: ${(e as Error).message}; waiting for it (this node has never been connected, so it has nothing to filter with yet)`);
      await sleep(Math.min(5000, 500 * 2 ** Math.min(attempt, 4)));
    }
  }

  const activity = await startActivityPipeline({
    writer: new PushWriter(client), dataDir, node: name, log: o.log,
    tuning: { insertBatchEvents: 5000, writers: 1, keepCommittedMs: 0 },
  });
  const filter = new RemoteFilter(client, state, name, activity, o.log);
  filter.portalHost = new URL(o.controlPlane).hostname.replace(/^\[|\]$/g, '');
  let frontEnds: RunningFrontEnds | undefined;
  try {
    const saved = filter.loadSaved();
    for (let attempt = 0; ; attempt++) {
      try {
        await filter.pull();
        break;
      } catch (e) {
        if (e instanceof ControlPlaneError && e.status === 401) throw e;
        if (saved) break;
        await sleep(Math.min(5000, 500 * 2 ** Math.min(attempt, 4)));
      }
    }
    filter.watch(o.pollMs ?? 500);
    const schoolId = filter.tableData().schoolId;
    frontEnds = await startFrontEnds({ config: o.config, view: filter, identity: filter, schoolIds: [schoolId], portalUrl: o.controlPlane.replace(/\/+$/, ''), log: o.log });
  } catch (e) {
    filter.stop();
    await activity.stop({ drainMs: 0 });
    throw e;
  }
  return {
    name, proxyPort: frontEnds.proxyPort, dnsPort: frontEnds.dnsPort, activity,
    connected: () => filter.ok,
    async close() {
      await frontEnds?.close();
      filter.stop();
      await activity.stop();
    },
  };
}
