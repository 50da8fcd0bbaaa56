/**
 * Issue 11, item 8: importing a block list by web address is not a way to read the server's own network. The same
 * destination rule as the web proxy applies to the address given and to every redirect hop, whether the list is
 * added on the web (POST /api/filtering/sources) or with `osprey lists import URL`; nothing a server sends back is
 * repeated in an error; and the school's own list server, named in OSPREY_LIST_SERVERS, still imports.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type Session, type TestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';

const SECRET = 'PAYROLL-TOP-SECRET-4242';

/** A web server on loopback that records every request it is sent. */
async function webServer(handler: (url: string, res: import('node:http').ServerResponse) => void) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => { requests.push(req.url!); handler(req.url!, res); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

describe('list downloads never reach the server\'s own network', () => {
  let internal: Awaited<ReturnType<typeof webServer>>;
  let hidden: Awaited<ReturnType<typeof webServer>>;
  let t: TestApp;
  let manager: Session;

  before(async () => {
    // A service that listens only on loopback, holding something nobody outside should read.
    hidden = await webServer((url, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`casino.example\n${SECRET}\n`));
    // The school's own list server: a list, a page that is not a list, an error page, and redirects.
    internal = await webServer((url, res) => {
      if (url === '/gambling.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('poker-room.example\nslots.example\n');
      if (url === '/staff-page') return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>\n<body>\n<p>Staff salaries: ${SECRET}</p>\n</body>\n</html>\n`);
      if (url === '/mixed.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`bingo.example\n<p>${SECRET}</p>\n`);
      if (url === '/broken') return void res.writeHead(500, SECRET, { 'content-type': 'text/plain' }).end(SECRET);
      if (url === '/to-hidden') return void res.writeHead(302, { location: `http://127.0.0.1:${hidden.port}/list.txt` }).end();
      if (url === '/to-hidden-by-name') return void res.writeHead(301, { location: `http://localhost:${hidden.port}/list.txt` }).end();
      if (url === '/to-metadata') return void res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (url.startsWith('/loop')) return void res.writeHead(302, { location: `/loop${url.length}` }).end();
      if (url === '/to-file') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      res.writeHead(404).end(SECRET);
    });
    t = await createTestApp({ config: { listServers: `127.0.0.1:${internal.port}` } });
    manager = await t.logIn((await t.makePerson(['network_manager'])).username);
  });

  after(async () => {
    await t?.close();
    await internal?.close();
    await hidden?.close();
  });

  const add = (name: string, url: string) => t.as(manager, 'POST', '/api/filtering/sources', { name, url, category: 'gambling', reason: 'Testing what list downloads may reach' });

  it('a list on loopback, in any spelling, is refused on the web unless it is the school\'s list server, and the service there is never asked', async () => {
    const p = hidden.port;
    for (const url of [`http://127.0.0.1:${p}/list.txt`, `http://localhost:${p}/list.txt`, `http://127.1:${p}/list.txt`, `http://2130706433:${p}/list.txt`,
      `http://[::1]:${p}/list.txt`, `http://[::ffff:127.0.0.1]:${p}/list.txt`, `http://0.0.0.0:${p}/list.txt`, `https://127.0.0.1:${p}/list.txt`,
      'http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/list.txt']) {
      const res = await add('Hidden', url);
      assert.equal(res.statusCode, 400, `${url}: ${res.statusCode} ${res.body}`);
      const error = res.json().error;
      assert.equal(error.code, 'list_address_refused', url);
      assert.match(error.message, /Osprey does not fetch lists from .*(loopback|not the address of any site|link-local|private network)/, url);
      assert.match(error.message, /OSPREY_LIST_SERVERS/, 'it says how to name the school\'s own list server');
      assert.doesNotMatch(res.body, new RegExp(SECRET));
    }
    assert.deepEqual(hidden.requests, [], 'the loopback-only service was never asked for anything');
  });

  it('osprey lists import URL keeps the same rule', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-list-cli-'));
    const cli = await createTestApp({ dataDir });
    const env = { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: cli.handle.url } : {}) };
    await cli.app.close();
    if (!onPostgres) await cli.handle.close();
    try {
      // not spawnSync: the test's own list servers must go on answering while the command runs
      const run = (url: string, extra: Record<string, string> = {}) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['bin/osprey.js', 'lists', 'import', url, '--category', 'gambling', '--name', 'From the web'], { encoding: 'utf8', env: { ...env, ...extra } },
          (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
      });
      const refused = await run(`http://localhost:${hidden.port}/list.txt`);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /Osprey does not fetch lists from 127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/);
      assert.doesNotMatch(refused.stderr + refused.stdout, new RegExp(SECRET));
      const hop = await run(`http://127.0.0.1:${internal.port}/to-hidden`, { OSPREY_LIST_SERVERS: `127.0.0.1:${internal.port}` });
      assert.notEqual(hop.status, 0);
      assert.match(hop.stderr, /loopback address/);
      assert.deepEqual(hidden.requests, [], 'the loopback-only service was never asked for anything');
      const allowed = await run(`http://127.0.0.1:${internal.port}/gambling.txt`, { OSPREY_LIST_SERVERS: `127.0.0.1:${internal.port}` });
      assert.equal(allowed.status, 0, allowed.stderr);
      assert.match(allowed.stdout, /Imported: "From the web" — 2 entries/);
    } finally {
      if (onPostgres) await cli.handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('every redirect hop is checked: the school\'s list server cannot pass a download on to another loopback service, the metadata address or a file', async () => {
    const base = `http://127.0.0.1:${internal.port}`;
    for (const [p, why] of [['/to-hidden', /loopback address/], ['/to-hidden-by-name', /loopback address/], ['/to-metadata', /link-local address/]] as const) {
      const res = await add('Redirected', `${base}${p}`);
      assert.equal(res.statusCode, 400, `${p}: ${res.body}`);
      assert.equal(res.json().error.code, 'list_address_refused');
      assert.match(res.json().error.message, why);
    }
    const file = await add('Redirected', `${base}/to-file`);
    assert.match(file.json().error.message, /redirected to an address that is not http:\/\/ or https:\/\//);
    const loop = await add('Redirected', `${base}/loop`);
    assert.match(loop.json().error.message, /more than 5 redirects/);
    assert.equal(internal.requests.filter((u) => u.startsWith('/loop')).length, 6, 'five redirects are followed, no more');
    assert.deepEqual(hidden.requests, [], 'the loopback-only service was never asked for anything');
  });

  it('nothing a server sends is repeated: not a page that is not a list, not an error page, not the lines that are not entries', async () => {
    const base = `http://127.0.0.1:${internal.port}`;
    const page = await add('Staff page', `${base}/staff-page`);
    assert.equal(page.statusCode, 400);
    assert.equal(page.json().error.code, 'list_empty');
    assert.doesNotMatch(page.body, new RegExp(SECRET), 'the page\'s text is not in the answer');
    assert.doesNotMatch(page.body, /Staff salaries|<p>/);
    const broken = await add('Broken', `${base}/broken`);
    assert.equal(broken.statusCode, 502);
    assert.match(broken.json().error.message, /answered 500: the list server has a problem/);
    assert.doesNotMatch(broken.body, new RegExp(SECRET), 'neither the status text nor the body is repeated');
    const missing = await add('Missing', `${base}/nothing-here`);
    assert.match(missing.json().error.message, /answered 404: there is no list at that address/);
    assert.doesNotMatch(missing.body, new RegExp(SECRET));

    const mixed = await add('Mixed', `${base}/mixed.txt`);
    assert.equal(mixed.statusCode, 200, mixed.body);
    assert.deepEqual(mixed.json().entries, { gambling: 1 });
    assert.equal(mixed.json().problems[0].line, 2, 'the line number is given');
    assert.doesNotMatch(mixed.body, new RegExp(SECRET), 'the line itself is not');
    const sources = await t.as(manager, 'GET', '/api/filtering/sources');
    assert.doesNotMatch(sources.body, new RegExp(SECRET), 'nor is anything kept where the list sources are shown');
  });

  it('the school\'s own list server, named in OSPREY_LIST_SERVERS, still imports — and only on the address and port named', async () => {
    const ok = await add('School list', `http://127.0.0.1:${internal.port}/gambling.txt`);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().entries, { gambling: 2 });
    const otherPort = await add('Other port', `http://127.0.0.1:${hidden.port}/gambling.txt`);
    assert.equal(otherPort.statusCode, 400);
    assert.equal(otherPort.json().error.code, 'list_address_refused');
    assert.deepEqual(hidden.requests, []);
  });
});
