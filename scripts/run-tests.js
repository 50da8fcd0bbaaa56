#!/usr/bin/env node
// Runs the test suite with Node's test runner. `npm test` uses the embedded database; with DATABASE_URL set (or
// `npm run test:pg`) the same suite runs against a PostgreSQL server, each test file in a database of its own.
// `--e2e` runs the browser tests in test/e2e/ instead; `--security` only the security suite in test/security/ (it is
// part of the whole suite too).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const e2e = args.includes('--e2e');
const security = args.includes('--security');
const env = { ...process.env };
if (args.includes('--pg')) env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = args.filter((a) => !a.startsWith('--'));
const files = only.length ? only : e2e
  ? find('test/e2e')
  : security ? find(path.join('test', 'security'))
  : [...find('src'), ...find('test').filter((f) => !f.startsWith(path.join('test', 'e2e')))];

console.log(`Running ${files.length} test files on ${env.DATABASE_URL ? 'the PostgreSQL server' : 'the embedded database'}${e2e ? ' (browser tests)' : ''}`);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${e2e ? 1 : 2}`, ...files], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
