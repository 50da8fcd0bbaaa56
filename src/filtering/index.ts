/**
 * Filtering's front door for other modules: the events its front-ends record, category and policy names, compiled
 * snapshots and the identity tables (filter nodes serve them), and who is who on the network. The front-ends
 * themselves are started by the composition root (src/app/). Other modules import from here, never filtering's other
 * files (lint: eslint.config.js).
 */
export type { ActivityEvent, ActivitySink, FrontEnd } from './decision-events.ts';
export { loadSnapshot, serialiseSnapshot, type Snapshot } from './engine/index.ts';
export { parseBasic, type CredentialResult } from './identity/credentials.ts';
export { IdentityService, type IdentitySource } from './identity/service.ts';
export { IdentityTable, type IdentityChange, type IdentityTableData } from './identity/table.ts';
export type { ClientIdentity } from './identity/types.ts';
export { categoryById } from './lists/taxonomy.ts';
export { listPolicies } from './policy/store.ts';
export type { SnapshotCache } from './snapshots.ts';
