/**
 * The compiled server (scripts/build-server.js, run by `npm run build`; bin/osprey.js prefers it while it is newer
 * than the sources): the same product as the sources, with its store thread started before the rest loads. Compiled
 * into a folder of this test's own under dist/, then set up and served as a school would: the set-up command, the
 * web proxy blocking and recording through the compiled proxy worker, the activity stored by the compiled store
 * thread, the starter phrase lists found beside the compiled code, and a clean stop.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { viaProxy, waitFor } from './fixtures/proxy/harness.ts';
import { osprey, ospreyEnv, REPO, scratchDatabase, serve, stopped } from './helpers/serve.ts';

describe('the compiled server', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => { for (const c of cleanups.reverse()) await c(); });

  it('sets up a school, filters and records through the web proxy, and stops cleanly, as the sources do', { timeout: 180_000 }, async () => {
    const name = `test-${process.pid}`;
    const compiled = path.join(REPO, 'dist', name);
    cleanups.push(() => rmSync(compiled, { recursive: true, force: true }));
    const built = execFileSync(process.execPath, ['scripts/build-server.js', '--out', name], { cwd: REPO, encoding: 'utf8' });
    assert.match(built, new RegExp(`Compiled the server into dist/${name}`));
    for (const f of ['cli.mjs', 'early-start.mjs', 'store-worker-entry.mjs', 'worker-entry.mjs', 'phrases']) assert.ok(existsSync(path.join(compiled, f)), `${f} is compiled`);

    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-compiled-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const scratch = await scratchDatabase('osprey_compiled');
    if (scratch) cleanups.push(() => scratch.drop());
    const env = ospreyEnv(dataDir, scratch?.url, { OSPREY_METRICS_TOKEN: 'compiled-test-token' });
    const launch = { compiled };

    assert.match(osprey(['--help'], env, launch), /Usage: osprey/);
    osprey(['admin', 'create', '--username', 'head.admin', '--first-name', 'Alex', '--last-name', 'Morgan', '--school', 'Kestrel Primary'], env, launch);
    // the starter phrase lists are read from beside the compiled code
    assert.match(osprey(['phrases'], env, launch), /^self_harm\s+[1-9]\d*\s+Self-harm and suicide$/m);

    const served = await serve(env, launch);
    cleanups.push(() => { served.child.kill('SIGKILL'); });
    const health = await fetch(`${served.url}/healthz`);
    assert.equal(health.status, 200);
    // an unidentified device is refused with the block page, and the attempt is recorded
    const blocked = await viaProxy(served.proxyPort, 'http://games.example.net/compiled');
    assert.equal(blocked.status, 403);
    assert.match(blocked.body, /blocked/i);
    await waitFor('the attempt to reach the activity log', async () => {
      const metrics = await (await fetch(`${served.url}/metrics`, { headers: { authorization: 'Bearer compiled-test-token' } })).text();
      const stored = /^osprey_activity_events_stored_total(?:\{[^}]*\})? (\d+)/m.exec(metrics);
      return stored && Number(stored[1]) >= 1 ? true : undefined;
    }, 60_000);

    served.child.kill('SIGTERM');
    await stopped(served.child);
    assert.equal(served.child.exitCode, 0, served.output());
    assert.doesNotMatch(served.output(), /older than the sources/);
  });
});
