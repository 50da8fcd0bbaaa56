#!/usr/bin/env node
// Before `npm start`: build the web interface, and compile the server (scripts/build-server.js), when either has not
// been built or its sources are newer than the build, so that `npm ci && npm start` on a fresh clone serves the UI
// and starts quickly with no extra step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

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

const ui = 'ui/dist/index.html';
if (existsSync('ui/index.html') && !(existsSync(ui) && statSync(ui).mtimeMs >= newest('ui'))) {
  console.log('Building the web interface (first start only; takes about half a minute)…');
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The web interface could not be built. Run "npm run build" to see why.');
    process.exit(r.status ?? 1);
  }
}

const server = 'dist/server/cli.mjs';
if (!(existsSync(server) && statSync(server).mtimeMs >= newest('src'))) {
  // Osprey also runs from its sources when this fails, only more slowly at start; so a failure here is reported, not fatal
  const r = spawnSync(process.execPath, ['scripts/build-server.js'], { stdio: 'inherit' });
  if (r.status !== 0) console.error('Osprey will run from its sources.');
}
