/**
 * Osprey's filtering web proxy (R2.9): `startProxy(options)` → { port, close() }. Design and operations notes are
 * in README.md beside this file. In short:
 *
 * THREADS. `workers: n` (n ≥ 1) runs the proxy in n worker threads, so the web interface and API in the main thread
 * never stall filtering. Worker 0 binds the port; the others accept on the same listening socket (its descriptor is
 * passed to them and each adds it to its own event loop — the kernel hands each new connection to one of them).
 * On Node ≥ 22.12 each worker binds the port itself with SO_REUSEPORT instead. `workers: 0` serves in this thread
 * (tests, small sites).
 *
 * SNAPSHOTS. The main thread polls `view.snapshotFor(schoolId)` every `snapshotPollMs` (200 ms); a new object is
 * copied once into a SharedArrayBuffer (`shareSnapshot`) and posted to every worker, which swaps it in for the
 * next request. Requests under way finish with the snapshot they started with; keep-alive connections and tunnels
 * stay open.
 *
 * IDENTITY. The IdentitySource's tables are posted to each worker at start and every change after (a web log-on,
 * a range edited, a reload); credential checks (argon2, the database) run in the main thread on a worker's request
 * and are cached in each worker for five minutes.
 *
 * ACTIVITY. Workers post events in batches (256 events or 50 ms); the main thread hands each to `view.activity`.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { ActivityEvent } from '../decision-events.ts';
import { DEFAULT_DESTINATIONS, DestinationRules, type DestinationSettings } from '../../platform/destination.ts';
import { shareSnapshot, type Snapshot } from '../engine/index.ts';
import type { FilterView } from '../frontend-types.ts';
import type { IdentitySource } from '../identity/service.ts';
import { buildRuntime } from './build-runtime.ts';
import type { FromWorker, ToWorker, WorkerInit } from './messages.ts';
import { DEFAULT_LIMITS, type ProxyLimits, type ProxySettings } from './runtime.ts';
import { createProxyServer } from './server.ts';
import { ClientConnections } from './client-limits.ts';

export { DEFAULT_LIMITS, type ProxyLimits } from './runtime.ts';

export interface ProxyOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Worker threads; 0 serves in the calling thread. */
  workers: number;
  /** Snapshots and the activity sink (its `identify` is not used: identity comes from `identity`). */
  view: Pick<FilterView, 'snapshotFor' | 'activity' | 'node'>;
  identity: IdentitySource;
  /** The schools whose snapshots to serve; default: the identity tables' school. */
  schoolIds?: string[];
  upstreamProxy?: string;
  dnsServers?: string[];
  hosts?: Record<string, string>;
  /** Base address of the control plane, for the web log-on redirect (e.g. http://osprey.school.example:8080). */
  portalUrl?: string;
  /**
   * Where requests and tunnels may go; by default never the server itself, its local links or private networks,
   * plain HTTP on Squid's Safe_ports and tunnels to 443 only. Tests open their own origins with `allowed` entries.
   */
  destinations?: Partial<DestinationSettings>;
  warnGrantMinutes?: number;
  limits?: Partial<ProxyLimits>;
  snapshotPollMs?: number;
  /** Problems a person should see (a worker's uncaught error, a snapshot that could not be read). */
  onError?: (message: string) => void;
}

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

function nodeHasReusePort(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return process.platform === 'linux' && (major > 22 || (major === 22 && minor >= 12));
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const settings: ProxySettings = {
    node: options.view.node,
    pseudonym: `osprey-${randomBytes(4).toString('hex')}`,
    destinations: { ...DEFAULT_DESTINATIONS, ...options.destinations },
    upstreamProxy: options.upstreamProxy,
    dnsServers: options.dnsServers,
    hosts: options.hosts,
    portalUrl: options.portalUrl,
    warnGrantMinutes: options.warnGrantMinutes ?? 30,
    grantSecret: randomBytes(32).toString('hex'),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  // a mistake in the settings is reported here, once, rather than in every worker
  new DestinationRules(settings.destinations);
  const onError = options.onError ?? ((m: string) => console.error(`Osprey proxy: ${m}`));
  const schoolIds = options.schoolIds ?? [options.identity.tableData().schoolId];
  const current = new Map<string, Snapshot>();
  const snapshotNow = (schoolId: string): Snapshot | undefined => {
    try {
      return options.view.snapshotFor(schoolId);
    } catch (e) {
      onError(`no filtering snapshot for school ${schoolId}: ${(e as Error).message}`);
      return undefined;
    }
  };
  for (const id of schoolIds) {
    const s = snapshotNow(id);
    if (s) current.set(id, s);
  }
  const connections = new ClientConnections();
  return options.workers > 0
    ? startWorkers(options, settings, schoolIds, current, snapshotNow, connections, onError)
    : startInThread(options, settings, schoolIds, current, snapshotNow, connections);
}

function pollSnapshots(options: ProxyOptions, schoolIds: string[], current: Map<string, Snapshot>, snapshotNow: (id: string) => Snapshot | undefined, swap: (id: string, s: Snapshot) => void): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (const id of schoolIds) {
      const s = snapshotNow(id);
      if (s && s !== current.get(id)) {
        current.set(id, s);
        swap(id, s);
      }
    }
  }, options.snapshotPollMs ?? 200);
  timer.unref();
  return timer;
}

async function startInThread(options: ProxyOptions, settings: ProxySettings, schoolIds: string[], current: Map<string, Snapshot>, snapshotNow: (id: string) => Snapshot | undefined, connections: ClientConnections): Promise<RunningProxy> {
  const runtime = buildRuntime({
    settings, identity: options.identity.tableData(), connectionsBuffer: connections.buffer,
    activity: options.view.activity,
    checkCredentials: (header, ip) => options.identity.checkProxyCredentials(header, ip),
    shareGrant: () => undefined,
  });
  for (const [id, s] of current) runtime.snapshots.set(id, s);
  const unsubscribe = options.identity.subscribe((change) => runtime.identity.apply(change));
  const timer = pollSnapshots(options, schoolIds, current, snapshotNow, (id, s) => runtime.snapshots.set(id, s));
  const server = createProxyServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host ?? '0.0.0.0', port: options.port }, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    async close() {
      clearInterval(timer);
      unsubscribe();
      await server.shutDown();
    },
  };
}

async function startWorkers(options: ProxyOptions, settings: ProxySettings, schoolIds: string[], current: Map<string, Snapshot>, snapshotNow: (id: string) => Snapshot | undefined, connections: ClientConnections, onError: (m: string) => void): Promise<RunningProxy> {
  const shared = new Map<string, SharedArrayBuffer>();
  const share = (s: Snapshot) => shareSnapshot(s).bytes.buffer as SharedArrayBuffer;
  for (const [id, s] of current) shared.set(id, share(s));
  const workers: Worker[] = [];
  const reusePort = nodeHasReusePort();
  const broadcast = (message: ToWorker, except?: Worker) => { for (const w of workers) if (w !== except) w.postMessage(message); };
  const host = options.host ?? '0.0.0.0';

  const spawn = (index: number, listen: WorkerInit['listen']): Promise<{ port: number; fd: number }> => {
    const init: WorkerInit = { index, settings, identity: options.identity.tableData(), connectionsBuffer: connections.buffer, snapshots: [...shared], listen };
    const worker = new Worker(WORKER_ENTRY, { workerData: init, name: `osprey-proxy-${index}` });
    workers.push(worker);
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'listening': resolve(message); break;
          case 'activity': for (const e of message.events as ActivityEvent[]) options.view.activity.emit(e); break;
          case 'auth':
            options.identity.checkProxyCredentials(message.header, message.ip)
              .catch(() => ({ ok: false as const, reason: 'wrong' as const }))
              .then((result) => worker.postMessage({ type: 'auth-result', id: message.id, result } satisfies ToWorker));
            break;
          case 'grant': broadcast({ type: 'grant', grant: message.grant }, worker); break;
          case 'error': onError(`worker ${index}: ${message.message}`); break;
          case 'listen-failed': reject(Object.assign(new Error(message.message), { code: message.code })); break;
        }
      });
    });
  };

  let first: { port: number; fd: number };
  try {
    first = await spawn(0, { host, port: options.port, reusePort });
    await Promise.all(Array.from({ length: options.workers - 1 }, (_, i) =>
      spawn(i + 1, reusePort ? { host, port: first.port, reusePort } : { fd: first.fd })));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  const unsubscribe = options.identity.subscribe((change) => broadcast({ type: 'identity', change }));
  // a log-on while the workers were starting would otherwise be missed until the next change
  broadcast({ type: 'identity', change: { kind: 'table', data: options.identity.tableData() } });
  const timer = pollSnapshots(options, schoolIds, current, snapshotNow, (id, s) => broadcast({ type: 'snapshot', schoolId: id, buffer: share(s) }));

  return {
    port: first.port,
    async close() {
      clearInterval(timer);
      unsubscribe();
      // every worker is told at once: they share one listening descriptor, and the first to close it stops them all
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
        const done = setTimeout(resolve, 5_000);
        w.on('message', (m: FromWorker) => { if (m.type === 'closed') { clearTimeout(done); resolve(); } });
        w.postMessage({ type: 'close' } satisfies ToWorker);
      })));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
