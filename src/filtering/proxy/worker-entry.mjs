// Worker threads do not inherit tsx's loader on Node 20, so this plain-JS entry loads the TypeScript worker through
// tsx's API (the same as test/fixtures/engine/decide-worker.mjs).
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker.ts', import.meta.url);
