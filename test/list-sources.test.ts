/**
 * List sources (R2.11): import from a path or a web address, skip bad lines with file:line reasons, replace a
 * source's entries in one go, keep the old entries when an update fails, and log every change (R3.2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importListSource, listSources, loadSourceEntries, refreshDueSources } from '../src/filtering/sources/service.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { onPostgres } from './helpers/database.ts';

describe('list sources', () => {
  let t: TestApp;
  let deps: { db: TestApp['db']; clock: TestApp['clock']; dataDir: string };
  let actor: { id: null; label: string; schoolId: string };
  let work: string;
  before(async () => {
    t = await createTestApp();
    deps = { db: t.db, clock: t.clock, dataDir: t.dataDir };
    actor = { id: null, label: 'network manager', schoolId: t.school.id };
    work = mkdtempSync(path.join(tmpdir(), 'osprey-lists-'));
  });
  after(async () => { await t.close(); rmSync(work, { recursive: true, force: true }); });

  it('imports a school\'s own gambling list, skipping bad lines with their line numbers', async () => {
    const file = path.join(work, 'our-gambling.txt');
    writeFileSync(file, '# sites we block\nbet365.com\n\nexa mple.com\nwww.paddypower.com.\nco.uk\n');
    const result = await importListSource(deps, actor, { name: 'Our gambling list', location: file, category: 'gambling', reason: 'Sites found in the annual filter test' });
    assert.deepEqual(result.entries, { gambling: 2 });
    assert.deepEqual(result.problems.map((p) => p.line), [4, 6]);
    assert.match(result.problems[0].reason, /not a domain/);
    assert.match(result.problems[1].reason, /public suffix/);
    const [stored] = await listSources(t.db, t.school.id);
    assert.equal(stored.status, 'ok');
    const lists = await loadSourceEntries(t.dataDir, (await t.db.selectFrom('list_sources').select('entries_file').executeTakeFirstOrThrow()).entries_file!);
    assert.deepEqual(lists[0].domains.sort(), ['bet365.com', 'www.paddypower.com']);
    const log = (await t.db.selectFrom('filter_changes').selectAll().where('entity_type', '=', 'list_source').execute());
    assert.equal(log.length, 1);
    assert.equal(log[0].reason, 'Sites found in the annual filter test');
  });

  it('an update replaces the entries in one go and removes the old file; an unchanged list logs nothing', async () => {
    const file = path.join(work, 'our-gambling.txt');
    const before = (await t.db.selectFrom('list_sources').select('entries_file').executeTakeFirstOrThrow()).entries_file!;
    const same = await importListSource(deps, actor, { name: 'Our gambling list', location: file, category: 'gambling' });
    assert.equal(same.changed, false);
    writeFileSync(file, 'bet365.com\nwilliamhill.com\nskybet.com\n');
    const changed = await importListSource(deps, actor, { name: 'Our gambling list', location: file, category: 'gambling' });
    assert.equal(changed.changed, true);
    assert.deepEqual(changed.entries, { gambling: 3 });
    const after = (await t.db.selectFrom('list_sources').select('entries_file').executeTakeFirstOrThrow()).entries_file!;
    assert.notEqual(after, before);
    assert.equal(existsSync(path.join(t.dataDir, before)), false, 'the replaced entries file is gone');
    const log = await t.db.selectFrom('filter_changes').select('action').where('entity_type', '=', 'list_source').execute();
    assert.deepEqual(log.map((l) => l.action), ['list_source.created', 'list_source.updated']);
  });

  it('a list that yields nothing is refused and the old entries stay in use', async () => {
    const file = path.join(work, 'our-gambling.txt');
    writeFileSync(file, 'not a domain at all\n<html>oops</html>\n');
    await assert.rejects(importListSource(deps, actor, { name: 'Our gambling list', location: file, category: 'gambling' }), /no usable entries/);
    const [stored] = await listSources(t.db, t.school.id);
    assert.equal(stored.status, 'error');
    assert.deepEqual(stored.entries, { gambling: 3 }, 'still the last good entries');
  });

  it('a UT1 folder is read with its category names mapped onto Osprey\'s', async () => {
    const result = await importListSource(deps, actor, { name: 'UT1 mini', location: 'test/fixtures/lists/ut1-mini', vendor: 'ut1' });
    assert.ok(Object.keys(result.entries).length >= 2, JSON.stringify(result.entries));
    assert.match(result.attribution?.licence ?? '', /CC BY-SA/);
  });

  it('a web list is fetched, fetched again when due, kept when the server fails, and the ETag saves a download', async () => {
    let body = 'casino-one.example\ncasino-two.example\n';
    let failing = false;
    let downloads = 0;
    const server: Server = createServer((req, res) => {
      if (failing) { res.writeHead(500); res.end('broken'); return; }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) { res.writeHead(304); res.end(); return; }
      downloads++;
      res.writeHead(200, { etag, 'content-type': 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const listServer = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = `http://${listServer}/casinos.txt`;
    // the test's list server is on loopback, which downloads reach only when it is named as the school's own
    const webDeps = { ...deps, listServers: listServer };
    try {
      const first = await importListSource(webDeps, actor, { name: 'Casinos', location: url, category: 'gambling', refreshHours: 6 });
      assert.deepEqual(first.entries, { gambling: 2 });
      assert.deepEqual(await refreshDueSources(webDeps, () => actor), [], 'not due yet');

      t.clock.advance(6 * 3_600_000);
      assert.deepEqual((await refreshDueSources(webDeps, () => actor)).find((r) => r.name === 'Casinos'), { name: 'Casinos', ok: true, message: 'unchanged' });
      assert.equal(downloads, 1, 'the ETag meant no second download');

      body += 'casino-three.example\n';
      t.clock.advance(6 * 3_600_000);
      assert.equal((await refreshDueSources(webDeps, () => actor)).find((r) => r.name === 'Casinos')?.message, 'updated');
      assert.deepEqual((await listSources(t.db, t.school.id)).find((s) => s.name === 'Casinos')?.entries, { gambling: 3 });

      failing = true;
      t.clock.advance(6 * 3_600_000);
      const failed = (await refreshDueSources(webDeps, () => actor)).find((r) => r.name === 'Casinos')!;
      assert.equal(failed.ok, false);
      assert.match(failed.message, /500/);
      const stored = (await listSources(t.db, t.school.id)).find((s) => s.name === 'Casinos')!;
      assert.equal(stored.status, 'error');
      assert.deepEqual(stored.entries, { gambling: 3 }, 'the last good entries stay in use');
    } finally {
      server.close();
    }
  });
});

describe('osprey lists import (command line)', () => {
  it('shows a progress bar, the skipped lines as file:line: reason, and a summary; a missing path is explained', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-lists-cli-'));
    const t = await createTestApp({ dataDir });
    const env = { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: t.handle.url } : {}) };
    await t.app.close();
    if (!onPostgres) await t.handle.close();
    try {
      const list = path.join(dataDir, 'messy.txt');
      writeFileSync(list, readFileSync('test/fixtures/lists/domains-messy.txt'));
      const r = spawnSync(process.execPath, ['bin/osprey.js', 'lists', 'import', list, '--category', 'gambling', '--name', 'Messy'], { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /Reading Messy \[#+\] 100%/);
      assert.match(r.stdout, /messy\.txt:\d+: /);
      assert.match(r.stdout, /Imported: "Messy" — \d+ entries \(gambling \d+\); \d+ lines skipped/);
      const shown = spawnSync(process.execPath, ['bin/osprey.js', 'lists'], { encoding: 'utf8', env });
      assert.match(shown.stdout, /Messy .*\n\s+status: ok/);
      const missing = spawnSync(process.execPath, ['bin/osprey.js', 'lists', 'import', 'no/such/list.txt', '--category', 'gambling'], { encoding: 'utf8', env });
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /There is no file or folder at no\/such\/list\.txt/);
    } finally {
      if (onPostgres) await t.handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('list sources through the API', () => {
  it('a network manager adds a web list; a teacher can see it but not add one; file lists are updated on the server', async () => {
    const server = createServer((_req, res) => { res.writeHead(200); res.end('poker-room.example\nslots.example\n'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // the test's list server is on loopback, which downloads reach only when it is named as the school's own
    const t = await createTestApp({ config: { listServers: `127.0.0.1:${(server.address() as AddressInfo).port}` } });
    try {
      const manager = await t.logIn((await t.makePerson(['network_manager'])).username);
      const teacher = await t.logIn((await t.makePerson(['teacher'])).username);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/poker.txt`;
      const added = await t.as(manager, 'POST', '/api/filtering/sources', { name: 'Poker', url, category: 'gambling', reason: 'Poker sites seen in the weekly report' });
      assert.equal(added.statusCode, 200, added.body);
      assert.deepEqual(added.json().entries, { gambling: 2 });
      const seen = (await t.as(teacher, 'GET', '/api/filtering/sources')).json().sources;
      assert.equal(seen[0].name, 'Poker');
      assert.equal(seen[0].status, 'ok');
      assert.equal((await t.as(teacher, 'POST', '/api/filtering/sources', { name: 'Mine', url, category: 'gambling', reason: 'I would like to' })).statusCode, 403);
      const pathAttempt = await t.as(manager, 'POST', '/api/filtering/sources', { name: 'Secrets', url: '/etc/passwd', category: 'gambling', reason: 'Reading a file' });
      assert.equal(pathAttempt.statusCode, 400, 'the web cannot make the server read a file');
      const refreshed = await t.as(manager, 'POST', `/api/filtering/sources/${seen[0].id}/refresh`);
      assert.equal(refreshed.statusCode, 200);
      assert.equal(refreshed.json().changed, false);
    } finally {
      server.close();
      await t.close();
    }
  });
});
