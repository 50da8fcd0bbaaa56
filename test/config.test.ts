/** Bad settings: one message at start listing every problem and how to fix it, and a non-zero exit code. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, SETTINGS } from '../src/config.ts';

function serve(env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/osprey.js', 'serve'], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, ...env } });
}

describe('configuration', () => {
  it('has defaults a school can start with, and every setting has an environment variable', () => {
    const c = loadConfig({});
    assert.equal(c.httpPort, 8080);
    assert.equal(c.databaseUrl, undefined);
    assert.ok(c.dataDir.endsWith('data'));
    for (const s of SETTINGS) assert.match(s.env, /^(OSPREY_[A-Z_]+|DATABASE_URL)$/);
    for (const env of ['OSPREY_DATA_DIR', 'OSPREY_HTTP_PORT', 'OSPREY_PROXY_PORT', 'OSPREY_DNS_PORT', 'DATABASE_URL']) {
      assert.ok(SETTINGS.some((s) => s.env === env), `${env} is a setting`);
    }
  });

  it('takes the environment over the settings file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-config-'));
    writeFileSync(path.join(dir, 'osprey.json'), JSON.stringify({ httpPort: 9000, proxyPort: 3129 }));
    const c = loadConfig({ OSPREY_DATA_DIR: dir, OSPREY_HTTP_PORT: '9100' });
    assert.equal(c.httpPort, 9100);
    assert.equal(c.proxyPort, 3129);
    rmSync(dir, { recursive: true });
  });

  it('lists every problem at once: a bad port, an unknown setting and a bad database address', () => {
    assert.throws(() => loadConfig({ OSPREY_HTTP_PORT: 'eighty', OSPREY_DNS_PORT: '70000', OSPREY_COLOUR: 'blue', DATABASE_URL: 'mysql://db/osprey' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 4);
      assert.match(e.message, /OSPREY_HTTP_PORT\) is 'eighty', which is not a port/);
      assert.match(e.message, /OSPREY_DNS_PORT\) is '70000'/);
      assert.match(e.message, /unknown setting OSPREY_COLOUR/);
      assert.match(e.message, /must start with postgres:\/\//);
      return true;
    });
  });

  it('reports an unknown setting in the settings file by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-config-'));
    writeFileSync(path.join(dir, 'osprey.json'), JSON.stringify({ httpPrt: 9000 }));
    assert.throws(() => loadConfig({ OSPREY_DATA_DIR: dir }), /unknown setting 'httpPrt'/);
    rmSync(dir, { recursive: true });
  });

  it('osprey serve refuses to start with bad settings: one message, every problem, exit code not 0', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-config-'));
    const r = serve({ OSPREY_DATA_DIR: dir, OSPREY_HTTP_PORT: '-1', OSPREY_PROXY_PORT: 'abc', OSPREY_TYPO: '1' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Osprey cannot start because of 3 problems with its settings/);
    assert.match(r.stderr, /OSPREY_HTTP_PORT/);
    assert.match(r.stderr, /OSPREY_PROXY_PORT/);
    assert.match(r.stderr, /unknown setting OSPREY_TYPO/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    rmSync(dir, { recursive: true, force: true });
  });

  it('osprey serve says plainly when the PostgreSQL server cannot be reached', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-config-'));
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const r = serve({ OSPREY_DATA_DIR: dir, DATABASE_URL: 'postgres://osprey:secret@127.0.0.1:1/osprey' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cannot reach the PostgreSQL server at postgres:\/\/osprey:\*\*\*@127\.0\.0\.1:1\/osprey/);
    assert.doesNotMatch(r.stderr, /secret/, 'the password is never printed');
    rmSync(dir, { recursive: true, force: true });
  });
});
