// Worker threads do not inherit tsx's loader on Node 20, so this plain-JS entry loads the TypeScript store thread
// through tsx's API (as the proxy's worker-entry.mjs does).
import { tsImport } from 'tsx/esm/api';

await tsImport('./store-worker.ts', import.meta.url);
