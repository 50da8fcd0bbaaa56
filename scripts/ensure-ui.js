#!/usr/bin/env node
// Before `npm start`: build the web interface when it has not been built, or when its sources are newer than the
// build, so that `npm ci && npm start` on a fresh clone serves the UI with no extra step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const built = 'ui/dist/index.html';

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules') continue;
    const p = path.join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

if (!existsSync('ui/index.html')) process.exit(0);
if (existsSync(built) && statSync(built).mtimeMs >= newest('ui')) process.exit(0);
console.log('Building the web interface (first start only; takes about half a minute)…');
const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('The web interface could not be built. Run "npm run build" to see why.');
  process.exit(r.status ?? 1);
}
