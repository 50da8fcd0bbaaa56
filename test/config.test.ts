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

  it('explains each filtering setting that cannot work, all at once', () => {
    const err = (() => {
      try {
        loadConfig({
          OSPREY_FRONT_ENDS: 'web', OSPREY_DNS_BLOCK_ANSWER: 'block-page', OSPREY_DNS_UPSTREAMS: '192.0.2.53, 1.2.3, [2001:db8::53]:53',
          OSPREY_PROXY_DNS_SERVERS: 'dns.example', OSPREY_UPSTREAM_PROXY: 'https://proxy.example:8080', OSPREY_PROXY_WORKERS: '-1',
        });
      } catch (e) { return e as ConfigError; }
      throw new Error('the settings were accepted');
    })();
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    assert.match(text, /OSPREY_FRONT_ENDS\) is 'web' — use proxy, dns, proxy,dns or none/);
    assert.match(text, /block-page, but no OSPREY_BLOCK_PAGE_ADDRESS is set/);
    assert.match(text, /OSPREY_DNS_UPSTREAMS\) has '1\.2\.3', which is not an address/);
    assert.doesNotMatch(text, /has '192\.0\.2\.53'|'\[2001/, 'good addresses are not reported');
    assert.match(text, /OSPREY_PROXY_DNS_SERVERS\) has 'dns\.example'/);
    assert.match(text, /OSPREY_UPSTREAM_PROXY\) must start with http:\/\//);
    assert.match(text, /OSPREY_PROXY_WORKERS\) is '-1'/);
    assert.equal(err.problems.length, 6);
    const ok = loadConfig({ OSPREY_FRONT_ENDS: 'dns', OSPREY_DNS_BLOCK_ANSWER: 'block-page', OSPREY_BLOCK_PAGE_ADDRESS: '192.0.2.10, 2001:db8::10' });
    assert.equal(ok.dnsBlockAnswer, 'block-page');
    assert.throws(() => loadConfig({ OSPREY_BLOCK_PAGE_ADDRESS: 'blocked.example' }), /OSPREY_BLOCK_PAGE_ADDRESS\) is 'blocked\.example' — give an IPv4 address/);
  });

  it('osprey serve says which program to stop when the proxy port is taken', { timeout: 200_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-config-'));
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const env = { OSPREY_DATA_DIR: dir, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_PROXY_PORT: String(port), OSPREY_FILTER_HOST: '127.0.0.1', OSPREY_FRONT_ENDS: 'proxy' };
    const made = spawnSync(process.execPath, ['bin/osprey.js', 'admin', 'create', '--username', 'n.okoro', '--first-name', 'Ngozi', '--last-name', 'Okoro'], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    assert.equal(made.status, 0, made.stderr);
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      // not spawnSync: this process must keep holding the port while serve tries it
      import('node:child_process').then(({ execFile }) => execFile(process.execPath, ['bin/osprey.js', 'serve'], { encoding: 'utf8', timeout: 150_000, env: { PATH: process.env.PATH, ...env } },
        (e, _out, stderr) => resolve({ status: e ? (e.code as number) : 0, stderr })));
    });
    taken.close();
    assert.equal(r.status, 78, 'it stops by itself, with the settings exit code');
    assert.match(r.stderr, new RegExp(`the web proxy cannot listen on port ${port}: another program is using it — stop that program, or choose another port with OSPREY_PROXY_PORT`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    rmSync(dir, { recursive: true, force: true });
  });
});
