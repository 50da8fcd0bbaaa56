#!/usr/bin/env node
// Compiles Osprey's server into dist/server (part of `npm run build`): the TypeScript sources bundled by esbuild into
// plain JavaScript, so that `osprey serve` starts without compiling anything (bin/osprey.js uses this copy while it
// is newer than every file under src/, and the sources through tsx otherwise). Packages stay in node_modules.
// Entry points: the command (cli), the store thread's entry and the web proxy's worker entry, which the code finds
// beside itself by the same names as in src/, and the early start of the store thread; shared code is split into
// chunks, so each module exists once. Files the code reads beside itself are copied (the starter phrase lists).
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(fileURLToPath(import.meta.url), '../..');
// --out NAME compiles into dist/NAME instead (the tests do, beside a copy in use). The compiled code finds the
// repository's folders (migrations/, ui/dist/) two levels up, so it must stay two levels below the repository.
const named = process.argv.indexOf('--out');
const name = named > 0 ? process.argv[named + 1] : 'server';
if (!/^[a-z0-9-]+$/.test(name ?? '')) { console.error('--out takes a folder name of letters, digits and dashes, made under dist/.'); process.exit(2); }
const out = path.join(root, 'dist', name);
const started = Date.now();
rmSync(out, { recursive: true, force: true });
try {
  await build({
    absWorkingDir: root,
    entryPoints: {
      cli: 'src/cli.ts',
      'early-start': 'src/app/early-start.ts',
      'store-worker-entry': 'src/app/store-worker.ts',
      'worker-entry': 'src/filtering/proxy/worker.ts',
    },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
} catch {
  console.error('The server could not be compiled (the errors are above). Osprey still runs from its sources, more slowly at start.');
  rmSync(out, { recursive: true, force: true });
  process.exit(1);
}
cpSync(path.join(root, 'src/monitoring/phrases'), path.join(out, 'phrases'), { recursive: true });
for (const entry of ['cli.mjs', 'early-start.mjs', 'store-worker-entry.mjs', 'worker-entry.mjs']) {
  if (!existsSync(path.join(out, entry))) { console.error(`The compiled server lacks ${entry}.`); process.exit(1); }
}
console.log(`Compiled the server into dist/${name} (${readdirSync(out).filter((f) => f.endsWith('.mjs')).length} files) in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
