/**
 * Issue 13, item 2: a command run beside `osprey serve` loses nothing. On the embedded database (PGlite lives inside
 * one process) `osprey lists import` beside a running server once wrote changes the proxy never saw and that the next
 * start lost, audit entries and all. Now the server holds the data folder and any other process is refused with a
 * plain message; on a PostgreSQL server both may run, and the running proxy picks the import up.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../src/platform/db.ts';
import { viaProxy } from './fixtures/proxy/harness.ts';
import { onPostgres } from './helpers/database.ts';
import { osprey, ospreyEnv, REPO, scratchDatabase, serve, stopped } from './helpers/serve.ts';
import { waitFor } from './helpers/wait.ts';

const run = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['bin/osprey.js', ...args], { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 });
const RUNNING = /Osprey is running \(process \d+\) and is using the embedded database in .+\. Make this change in the web interface, or stop Osprey first and run the command again\./;

describe('a command beside a running server', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => { for (const c of cleanups.reverse()) await c(); });

  async function school(prefix: string) {
    const dataDir = mkdtempSync(path.join(tmpdir(), `osprey-${prefix}-`));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const scratch = await scratchDatabase(`osprey_${prefix}`);
    if (scratch) cleanups.push(() => scratch.drop());
    const env = ospreyEnv(dataDir, scratch?.url);
    osprey(['admin', 'create', '--username', 'head.admin', '--first-name', 'Alex', '--last-name', 'Morgan', '--school', 'Kestrel Primary'], env);
    const list = path.join(dataDir, 'casinos.txt');
    writeFileSync(list, 'lucky-spins.example\nroulette-nights.example\n');
    return { dataDir, databaseUrl: scratch?.url, env, list };
  }

  /** The proxy's block page for the casino, naming the list's category. */
  const blocks = async (proxyPort: number) => {
    const r = await viaProxy(proxyPort, 'http://lucky-spins.example/');
    return r.status === 403 && /gambling/i.test(r.body) ? r : undefined;
  };

  it(onPostgres
    ? 'on PostgreSQL a list import beside the server is carried out, the running proxy blocks it within seconds, and it survives a restart'
    : 'on the embedded database a list import (or a second server) beside the server is refused in plain words, and once the server is stopped it goes in and stays',
  { timeout: 300_000 }, async () => {
    const s = await school('lock');
    const first = await serve(s.env);
    cleanups.push(() => { first.child.kill('SIGKILL'); });
    assert.equal(await blocks(first.proxyPort), undefined, 'the casino is not blocked before its list is imported');

    const beside = run(['lists', 'import', s.list, '--category', 'gambling', '--name', 'Casinos'], s.env);
    if (onPostgres) {
      assert.equal(beside.status, 0, beside.stderr);
      await waitFor('the running proxy to block the imported list', () => blocks(first.proxyPort), 30_000);
    } else {
      assert.equal(beside.status, 75, `the import must be refused while the server runs: ${beside.stdout}${beside.stderr}`);
      assert.match(beside.stderr, RUNNING);
      assert.doesNotMatch(beside.stderr, /\n\s+at /, 'no stack trace');
      const second = run(['serve'], s.env);
      assert.equal(second.status, 75, `a second server on the same folder is refused: ${second.stderr}`);
      assert.match(second.stderr, RUNNING);
      assert.equal(await blocks(first.proxyPort), undefined, 'nothing was half-imported');
    }
    first.child.kill('SIGTERM');
    await stopped(first.child);

    if (!onPostgres) {
      const afterStop = run(['lists', 'import', s.list, '--category', 'gambling', '--name', 'Casinos'], s.env);
      assert.equal(afterStop.status, 0, afterStop.stderr);
    }
    const again = await serve(s.env);
    cleanups.push(() => { again.child.kill('SIGKILL'); });
    await waitFor('the restarted proxy to block the imported list', () => blocks(again.proxyPort), 30_000);
    again.child.kill('SIGTERM');
    await stopped(again.child);

    const handle = await openDatabase({ dataDir: s.dataDir, databaseUrl: s.databaseUrl });
    try {
      const audited = await handle.db.selectFrom('audit_log').select('action').where('action', '=', 'list_source.created').execute();
      assert.equal(audited.length, 1, 'the import is in the audit log once, after the restart');
      const changes = await handle.db.selectFrom('filter_changes').select('action').where('entity_type', '=', 'list_source').execute();
      assert.equal(changes.length, 1, 'and in the filter change log once');
    } finally {
      await handle.close();
    }
  });

  it('a lock left by a server that has gone (a crash, a power cut) does not stop the next command', { timeout: 120_000 }, async () => {
    const s = await school('stale');
    // the process id of a process that has finished
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(path.join(s.dataDir, 'db.lock'), `${gone.stdout.trim()}\n`);
    const r = run(['lists', 'import', s.list, '--category', 'gambling', '--name', 'Casinos'], s.env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Casinos/);
  });
});
