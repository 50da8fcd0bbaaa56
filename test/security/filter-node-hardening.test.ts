/**
 * Issue 11, filter nodes. A node asks the control plane to check the passwords people type into its proxy, and
 * tells it which client address each came from — but a node's token can be stolen, and whoever holds it can put any
 * address there. So checks are throttled on what the node cannot change: the node itself and the account asked
 * about. And a node sends its token, and people's passwords, with every request, so it refuses a control plane it
 * would reach over plain http:// anywhere but this machine itself.
 *
 * A real control plane (the Osprey server over HTTP on 127.0.0.1, on PGlite or PostgreSQL) and the node's own client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { insertPerson } from '../../src/directory/store.ts';
import { ControlPlaneClient, controlPlaneUrl, startFilterNode } from '../../src/app/filter-node.ts';
import { NODE_ACCOUNT_FAILURE_LIMIT, NODE_FAILURE_LIMIT } from '../../src/filternode/routes.ts';
import { addFilterNode } from '../../src/filternode/tokens.ts';
import type { CredentialResult } from '../../src/filtering/identity/credentials.ts';
import { hashPassword } from '../../src/platform/auth/passwords.ts';
import { startServer, type RunningServer } from '../../src/app/server.ts';
import { ensureSchool } from '../../src/platform/setup.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const PASSWORD = 'correct horse battery';
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const silent = { info() {}, warn() {}, error() {} };

describe('a filter node asking the control plane to check passwords', () => {
  let handle: TestDatabase;
  let dir: string;
  let server: RunningServer;
  let schoolId: string;
  let controlPlane: string;
  const actor = () => ({ id: null, label: 'test', schoolId });

  async function pupil(username: string): Promise<void> {
    const now = new Date();
    const id = await insertPerson(handle.db, schoolId, { username, givenName: 'Test', familyName: username, source: 'manual', roles: ['pupil'], yearGroup: 'Year 9' }, now);
    await handle.db.insertInto('accounts').values({
      person_id: id, school_id: schoolId, password_hash: await hashPassword(PASSWORD), must_change_password: false, password_changed_at: now, created_at: now,
    }).execute();
  }

  async function nodeClient(name: string): Promise<ControlPlaneClient> {
    const { token } = await addFilterNode(handle.db, actor(), name, new Date());
    return new ControlPlaneClient(controlPlane, token);
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'osprey-node-hardening-'));
    handle = await createTestDatabase();
    schoolId = (await ensureSchool(handle.db, 'Riverside Academy', new Date())).id;
    for (const username of ['mia.y9', 'noah.y9', 'olivia.y9', 'pia.y9']) await pupil(username);
    server = await startServer(loadConfig({ OSPREY_DATA_DIR: path.join(dir, 'server') },
      { logLevel: 'silent', httpHost: '127.0.0.1', httpPort: 0, frontEnds: 'none' }), { handle });
    controlPlane = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server?.close();
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('guessing one account\'s password, each guess claiming another client address, is stopped — then even the right password is not checked', async () => {
    const stolen = await nodeClient('Sports hall');
    const answers: CredentialResult[] = [];
    for (let i = 0; i < NODE_ACCOUNT_FAILURE_LIMIT + 5; i++) {
      answers.push(await stolen.checkCredentials(basic('mia.y9', `guess-${i}`), `10.${i}.${i}.${i + 1}`));
    }
    assert.ok(answers.every((a) => !a.ok), 'no guess was accepted');
    const last = answers.at(-1)!;
    assert.ok(!last.ok && (last.reason === 'throttled' || last.reason === 'locked'), `the guesses go on being checked: ${JSON.stringify(last)}`);
    // the right password, from yet another address, is not even checked now: no oracle for the guesser
    const right = await stolen.checkCredentials(basic('mia.y9', PASSWORD), '10.200.0.1');
    assert.ok(!right.ok && (right.reason === 'throttled' || right.reason === 'locked'), `the right password got through: ${JSON.stringify(right)}`);
  });

  it('wrong guesses through a node count towards the account\'s own lock-out, shared with the log-in page', async () => {
    const node = await nodeClient('Music block');
    for (let i = 0; i < 5; i++) assert.equal((await node.checkCredentials(basic('pia.y9', `guess-${i}`), '10.9.9.9')).ok, false);
    const login = await fetch(`${controlPlane}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'pia.y9', password: PASSWORD }) });
    assert.equal(login.status, 423, 'five wrong guesses through the node locked the account, as five at the log-in page would');
    const again = await node.checkCredentials(basic('pia.y9', PASSWORD), '10.9.9.9');
    assert.deepEqual(again, { ok: false, reason: 'locked' });
  });

  it('wrong guesses for one account through a node do not hold up another account on that node', async () => {
    const node = await nodeClient('Library');
    for (let i = 0; i < NODE_ACCOUNT_FAILURE_LIMIT + 2; i++) await node.checkCredentials(basic('noah.y9', `guess-${i}`), `10.1.1.${i + 1}`);
    const noah = await node.checkCredentials(basic('noah.y9', PASSWORD), '10.1.1.100');
    assert.ok(!noah.ok, 'the guessed account is held up');
    const olivia = await node.checkCredentials(basic('olivia.y9', PASSWORD), '10.1.2.1');
    assert.ok(olivia.ok, `another pupil on the same node logs on: ${JSON.stringify(olivia)}`);
    assert.equal(olivia.ok && olivia.person.username, 'olivia.y9');
  });

  it('one password tried on every account through one node (which no account\'s own limit notices) is slowed down too', async () => {
    const spraying = await nodeClient('Stolen token');
    let checked = 0;
    // one guess per made-up account, so no account reaches its own limit; sent a few at a time
    for (let batch = 0; checked < NODE_FAILURE_LIMIT; batch++) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        spraying.checkCredentials(basic(`pupil${batch * 10 + i}.spray`, 'Summer2026!'), `10.9.${batch % 250}.${i + 1}`)));
      assert.ok(results.every((r) => !r.ok && r.reason === 'wrong'), `guess ${checked} was not simply wrong: ${JSON.stringify(results)}`);
      checked += results.length;
    }
    const next = await spraying.checkCredentials(basic('olivia.y9', 'Summer2026!'), '10.9.0.250');
    assert.deepEqual(next.ok === false && next.reason, 'throttled');
  });
});

describe('the control plane address a filter node is given', () => {
  const refusal = /uses http:\/\/.*unencrypted.*https:\/\/osprey\.school\.example.*this machine itself/s;

  it('http:// to anywhere but this machine is refused before anything is sent, saying to use https', () => {
    for (const address of ['http://192.0.2.1:1', 'http://osprey.school.example', 'http://10.0.0.5:8080/', 'http://[2001:db8::5]:1',
      'http://[::ffff:192.0.2.1]:1', 'HTTP://192.0.2.1:1']) {
      assert.throws(() => controlPlaneUrl(address), refusal, address);
      assert.throws(() => new ControlPlaneClient(address, 'osprey-node-x'), refusal, address);
    }
    assert.throws(() => controlPlaneUrl('ftp://osprey.school.example'), /not an https:\/\/ address/);
    assert.throws(() => controlPlaneUrl('osprey.school.example'), /not a web address/);
  });

  it('https:// anywhere, and http:// to this machine itself, are accepted', () => {
    for (const address of ['https://osprey.school.example', 'https://192.0.2.1:8443', 'http://127.0.0.1:3000', 'http://localhost:3000',
      'http://[::1]:3000', 'http://127.1:3000', 'http://[::ffff:127.0.0.1]:3000']) {
      assert.doesNotThrow(() => controlPlaneUrl(address), address);
    }
  });

  it('the user name and password in an address are never echoed', () => {
    assert.throws(() => controlPlaneUrl('http://node:s3cret-pass@192.0.2.1:1'), (e: Error) => !e.message.includes('s3cret-pass') && refusal.test(e.message));
  });

  it('the node refuses it at start, before any connection', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-node-http-'));
    try {
      const config = loadConfig({ OSPREY_DATA_DIR: dir }, { logLevel: 'silent', frontEnds: 'proxy', filterHost: '127.0.0.1', proxyPort: 0 });
      await assert.rejects(startFilterNode({ controlPlane: 'http://192.0.2.1:1', token: 'osprey-node-x', config, log: silent }), refusal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('osprey filter-node --control-plane http://… stops with the message and a non-zero exit code', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-node-cli-'));
    try {
      const tokenFile = path.join(dir, 'token');
      writeFileSync(tokenFile, 'osprey-node-not-a-real-token\n');
      const run = spawnSync(process.execPath, ['bin/osprey.js', 'filter-node', '--control-plane', 'http://192.0.2.1:1', '--token-file', tokenFile],
        { encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, OSPREY_DATA_DIR: dir } });
      assert.notEqual(run.status, 0);
      assert.notEqual(run.status, null, 'the command stopped by itself');
      assert.match(run.stderr, refusal);
      assert.doesNotMatch(run.stderr, /unexpected error|at .*\.ts:\d+/, 'a message, not a stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
