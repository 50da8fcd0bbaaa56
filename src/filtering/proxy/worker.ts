/**
 * A proxy worker thread: serves connections on the shared listening socket with its own copy of the identity
 * tables and zero-copy views of the snapshots (SharedArrayBuffers from the main thread), swapping in each new
 * snapshot as it arrives. Activity goes back to the main thread in batches; credential checks are asked of the main
 * thread (which holds the database) and cached here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSnapshot } from '../engine/index.ts';
import type { CredentialResult } from '../identity/credentials.ts';
import { buildRuntime } from './build-runtime.ts';
import { BatchingSink } from './events.ts';
import type { FromWorker, ToWorker, WorkerInit } from './messages.ts';
import { createProxyServer } from './server.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

const pending = new Map<number, (result: CredentialResult) => void>();
let nextId = 1;
const activity = new BatchingSink((events) => post({ type: 'activity', events }));

const runtime = buildRuntime({
  settings: init.settings,
  identity: init.identity,
  connectionsBuffer: init.connectionsBuffer,
  activity,
  checkCredentials: (header, ip) => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    post({ type: 'auth', id, header, ip });
  }),
  shareGrant: (grant) => post({ type: 'grant', grant }),
});
for (const [schoolId, buffer] of init.snapshots) runtime.snapshots.set(schoolId, loadSnapshot(new Uint8Array(buffer), { verify: false }));

// One bad request must not take filtering down for the whole school: report it and carry on.
process.on('uncaughtException', (err) => post({ type: 'error', message: err.stack ?? String(err) }));

const server = createProxyServer(runtime);
let listening = false;
server.on('error', (err: NodeJS.ErrnoException) => post(listening
  ? { type: 'error', message: `the proxy's listening socket failed: ${err.message}` }
  : { type: 'listen-failed', code: err.code, message: `the proxy could not listen: ${err.message}` }));
server.on('listening', () => { listening = true; });

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'snapshot':
      runtime.snapshots.set(message.schoolId, loadSnapshot(new Uint8Array(message.buffer), { verify: false }));
      break;
    case 'identity':
      runtime.identity.apply(message.change);
      break;
    case 'grant':
      runtime.grants.add(message.grant);
      break;
    case 'auth-result':
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
      break;
    case 'close':
      close();
      break;
  }
});

function close(): void {
  server.shutDown().then(() => {
    activity.flush();
    post({ type: 'closed' });
  }, () => post({ type: 'closed' }));
}

const listen = init.listen;
if ('fd' in listen) {
  server.listen({ fd: listen.fd }, () => post({ type: 'listening', port: 0, fd: listen.fd }));
} else {
  server.listen({ host: listen.host, port: listen.port, reusePort: listen.reusePort } as Parameters<typeof server.listen>[0], () => {
    const address = server.address();
    const handle = (server as unknown as { _handle?: { fd?: number } })._handle;
    post({ type: 'listening', port: typeof address === 'object' && address ? address.port : listen.port, fd: handle?.fd ?? -1 });
  });
}
