#!/usr/bin/env node
// The `osprey` command. It runs the compiled copy of the server in dist/server (made by `npm run build`) while that
// copy is newer than every file under src/, and otherwise the TypeScript sources directly through tsx, so a fresh
// clone needs no build step (it only starts more slowly).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(import.meta.url), '../..');
const compiled = path.join(root, 'dist/server');

function newestUnder(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return t;
}

const cli = path.join(compiled, 'cli.mjs');
const useCompiled = existsSync(cli) && statSync(cli).mtimeMs >= newestUnder(path.join(root, 'src'));
// `osprey serve` (as it is started for a school, with nothing after it) starts its store thread first, so that the
// database opens while the rest of Osprey loads (src/app/early-start.ts). `serve --demo` does not: it fills the
// database before the server starts.
const serving = process.argv.length === 3 && process.argv[2] === 'serve';
if (useCompiled) {
  if (serving) (await import(path.join(compiled, 'early-start.mjs'))).startStoreEarly();
  await import(cli);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  if (serving) {
    if (existsSync(cli)) process.stderr.write('osprey: the compiled server in dist/server is older than the sources, so they are run directly (a slower start); "npm run build" compiles them again.\n');
    (await import('../src/app/early-start.ts')).startStoreEarly();
  }
  await import('../src/cli.ts');
}
