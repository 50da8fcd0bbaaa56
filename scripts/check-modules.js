#!/usr/bin/env node
// The module walls that lint cannot see (issue 12): no import cycle between files anywhere in src/, and none between
// modules (a module is a folder under src/: directory, filtering, activity, …; platform and the settings are the
// floor, src/app/ and cli.ts the roof). Reads the imports with madge, prints the module map it found, and exits 1
// naming the cycle when there is one. Run: npm run check:cycles (CI runs it).
import madge from 'madge';

const result = await madge('src', { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' });
/** Source files only: unit tests beside the code may import test fixtures from outside src/. */
const isSource = (file) => !file.endsWith('.test.ts') && !file.startsWith('..');
let failed = false;

const fileCycles = result.circular().filter((cycle) => cycle.every(isSource));
for (const cycle of fileCycles) {
  console.error(`Import cycle between files: ${cycle.join(' → ')} → ${cycle[0]}`);
  failed = true;
}

// The settings (config.ts) are part of the floor with platform: they import each other's plain parts.
const moduleOf = (file) => { const m = file.split('/')[0].replace(/\.ts$/, ''); return m === 'config' ? 'platform' : m; };
const edges = new Map();
for (const [file, deps] of Object.entries(result.obj())) {
  if (!isSource(file)) continue;
  const from = moduleOf(file);
  for (const dep of deps.filter(isSource)) {
    const to = moduleOf(dep);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  }
}

// depth-first search for a cycle among modules
const state = new Map();
const stack = [];
function visit(m) {
  state.set(m, 'open');
  stack.push(m);
  for (const next of edges.get(m) ?? []) {
    if (state.get(next) === 'open') {
      console.error(`Import cycle between modules: ${[...stack.slice(stack.indexOf(next)), next].join(' → ')}`);
      failed = true;
    } else if (!state.has(next)) {
      visit(next);
    }
  }
  stack.pop();
  state.set(m, 'done');
}
for (const m of [...edges.keys()].sort()) if (!state.has(m)) visit(m);

console.log('Modules and what they import:');
for (const m of [...edges.keys()].sort()) console.log(`  ${m} → ${[...edges.get(m)].sort().join(', ')}`);
if (failed) {
  console.error('Break the cycle: let src/app/ pass one side a callback (see docs/architecture.md, "Where do I add a feature?").');
  process.exit(1);
}
console.log(`No import cycles: ${Object.keys(result.obj()).filter(isSource).length} files, ${edges.size} parts of src/ (modules, platform, app, cli).`);
