/** The messages between the main thread and proxy worker threads (structured-cloned; snapshots as SharedArrayBuffers). */
import type { ActivityEvent } from '../decision-events.ts';
import type { CredentialResult } from '../identity/credentials.ts';
import type { IdentityChange, IdentityTableData } from '../identity/table.ts';
import type { WarnGrant } from './grants.ts';
import type { ProxySettings } from './runtime.ts';

export interface WorkerInit {
  index: number;
  settings: ProxySettings;
  identity: IdentityTableData;
  connectionsBuffer: SharedArrayBuffer;
  snapshots: Array<[schoolId: string, buffer: SharedArrayBuffer]>;
  /** Worker 0 binds host:port; the others listen on its socket (see index.ts). */
  listen: { host: string; port: number; reusePort: boolean } | { fd: number };
}

export type ToWorker =
  | { type: 'snapshot'; schoolId: string; buffer: SharedArrayBuffer }
  | { type: 'identity'; change: IdentityChange }
  | { type: 'grant'; grant: WarnGrant }
  | { type: 'auth-result'; id: number; result: CredentialResult }
  | { type: 'close' };

export type FromWorker =
  | { type: 'listening'; port: number; fd: number }
  | { type: 'activity'; events: ActivityEvent[] }
  | { type: 'auth'; id: number; header: string; ip: string }
  | { type: 'grant'; grant: WarnGrant }
  | { type: 'error'; message: string }
  /** The listening socket could not be opened (a port in use, no permission): start-up fails with this. */
  | { type: 'listen-failed'; code?: string; message: string }
  | { type: 'closed' };
