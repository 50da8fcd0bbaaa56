/**
 * First run (R1.5): a fresh installation has no school and no administrator. The one-time set-up link printed by
 * `osprey serve`, or `osprey admin create`, makes the first administrator.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/platform/db.ts';
import { peopleDirectory } from '../src/directory/index.ts';
import { buildOspreyApp } from '../src/app/http.ts';
import { secretBox } from '../src/platform/secrets.ts';
import { createSetupToken } from '../src/platform/setup.ts';
import { TestClock } from './helpers/app.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';

/** An Osprey app on a database with nothing in it yet: no school, no people (unlike createTestApp). */
async function freshApp(handle?: DatabaseHandle) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-setup-'));
  const db = handle ?? await createTestDatabase();
  const clock = new TestClock();
  const config = loadConfig({ OSPREY_DATA_DIR: dataDir }, { logLevel: 'silent' });
  const app = await buildOspreyApp({ db: db.db, clock, config, secrets: secretBox(randomBytes(32)), databaseKind: db.kind, people: peopleDirectory });
  await app.ready();
  const status = async () => (await app.inject({ method: 'GET', url: '/api/setup/status' })).json().needed as boolean;
  const setUp = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/setup', payload });
  const logIn = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  const count = async (table: 'people' | 'schools' | 'accounts') =>
    Number((await db.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return {
    app, db: db.db, clock, status, setUp, logIn, count,
    async close() {
      await app.close();
      if (!handle) await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const ADMIN = { schoolName: 'Riverside Primary School', givenName: 'Grace', familyName: 'Hopper', username: 'ghopper', email: 'g.hopper@riverside.sch.uk', password: 'kettle on the hob please' };

describe('first run with the set-up link', () => {
  let f: Awaited<ReturnType<typeof freshApp>>;
  before(async () => { f = await freshApp(); });
  after(async () => { await f.close(); });

  it('a fresh installation says set-up is needed, and a made-up link is refused', async () => {
    assert.equal(await f.status(), true);
    const res = await f.setUp({ token: 'made-up-token', ...ADMIN });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'setup_link_invalid');
    assert.match(res.json().error.message, /admin create/);
    assert.equal(await f.count('people'), 0);
    assert.equal(await f.status(), true);
  });

  it('the set-up link creates the school and the first administrator, who can then log in', async () => {
    const token = await createSetupToken(f.db, f.clock);
    const res = await f.setUp({ token, ...ADMIN, username: 'GHopper' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await f.status(), false, 'once there is an administrator, set-up is no longer needed');

    const login = await f.logIn('ghopper', ADMIN.password);
    assert.equal(login.statusCode, 200, login.body);
    const me = login.json().me;
    assert.deepEqual(me.person.roles, ['administrator']);
    assert.equal(me.person.givenName, 'Grace');
    assert.equal(me.person.familyName, 'Hopper');
    assert.equal(me.school.name, 'Riverside Primary School');
    assert.equal(me.mustChangePassword, false, 'they chose their own password');
    assert.ok(me.permissions.includes('roles.manage'));

    // The same link cannot make a second administrator.
    const again = await f.setUp({ token, ...ADMIN, username: 'intruder' });
    assert.equal(again.statusCode, 403);
    assert.equal(again.json().error.code, 'setup_link_invalid');
    assert.equal(await f.count('people'), 1);
    assert.equal(await f.count('schools'), 1);

    // Nor can a new link once set-up is done.
    const later = await f.setUp({ token: await createSetupToken(f.db, f.clock), ...ADMIN, username: 'intruder' });
    assert.equal(later.statusCode, 403);
    assert.equal(await f.count('people'), 1);
  });
});

describe('set-up link rules', () => {
  let f: Awaited<ReturnType<typeof freshApp>>;
  before(async () => { f = await freshApp(); });
  after(async () => { await f.close(); });

  it('weak passwords and bad usernames are refused with a message, create nothing, and leave the link usable', async () => {
    const token = await createSetupToken(f.db, f.clock);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ password: 'short' }, /at least 10 characters/],
      [{ password: 'ghopper-the-admin' }, /does not contain your username/],
      [{ password: 'password123' }, /too easy to guess/],
      [{ username: 'g hopper' }, /Choose a username of 2 to 64 letters, digits, dots, dashes or underscores/],
      [{ username: 'g' }, /Choose a username/],
      [{ username: '.hidden' }, /Choose a username/],
      [{ givenName: '  ' }, /Enter a first name/],
    ];
    for (const [change, message] of cases) {
      const res = await f.setUp({ token, ...ADMIN, ...change });
      assert.equal(res.statusCode, 400, `${JSON.stringify(change)} should be refused: ${res.body}`);
      assert.equal(res.json().error.code, 'invalid_request');
      assert.match(res.json().error.message, message);
      assert.equal(await f.count('people'), 0, `nothing is created for ${JSON.stringify(change)}`);
      assert.equal(await f.count('accounts'), 0);
    }
    assert.equal(await f.status(), true);

    const fixed = await f.setUp({ token, ...ADMIN });
    assert.equal(fixed.statusCode, 200, `after fixing the mistake the same link works: ${fixed.body}`);
    assert.equal((await f.logIn('ghopper', ADMIN.password)).statusCode, 200);
  });

  it('a set-up link stops working after 24 hours, and printing a new one cancels the old', async () => {
    const f3 = await freshApp();
    try {
      const first = await createSetupToken(f3.db, f3.clock);
      const second = await createSetupToken(f3.db, f3.clock);
      const res = await f3.setUp({ token: first, ...ADMIN });
      assert.equal(res.statusCode, 403, 'the earlier link was cancelled by the new one');
      f3.clock.advance(24 * 3_600_000);
      const expired = await f3.setUp({ token: second, ...ADMIN });
      assert.equal(expired.statusCode, 403);
      assert.equal(expired.json().error.code, 'setup_link_invalid');
      assert.equal(await f3.count('people'), 0);
    } finally {
      await f3.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The command line

const BIN = path.resolve('bin/osprey.js');

/** The environment for the `osprey` command: none of this process's Osprey settings, only the ones given. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSPREY_') && k !== 'DATABASE_URL') env[k] = v;
  return { ...env, OSPREY_LOG_LEVEL: 'silent', ...extra };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A migrated, empty database the `osprey` command can open: on PostgreSQL a test database (given by URL); on the
 * embedded database one on disk in dataDir, closed again because only one process may open it at a time.
 */
async function databaseForCli(dataDir: string): Promise<{ env: Record<string, string>; open(): Promise<DatabaseHandle>; drop(): Promise<void> }> {
  const created = await createTestDatabase(onPostgres ? {} : { dataDir });
  if (onPostgres) return { env: { OSPREY_DATA_DIR: dataDir, DATABASE_URL: created.url! }, open: async () => created, drop: () => created.close() };
  await created.close();
  let reopened: DatabaseHandle | undefined;
  return {
    env: { OSPREY_DATA_DIR: dataDir },
    open: async () => (reopened = await openDatabase({ dataDir })),
    drop: async () => { await reopened?.close(); },
  };
}

describe('osprey admin create', () => {
  let dataDir: string;
  let database: Awaited<ReturnType<typeof databaseForCli>>;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-cli-'));
    database = await databaseForCli(dataDir);
  });
  after(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('--help explains the options', async () => {
    const res = await runCli(['admin', 'create', '--help'], cliEnv(database.env));
    assert.equal(res.code, 0, res.stderr);
    for (const option of ['--username', '--first-name', '--last-name', '--email', '--school']) assert.ok(res.stdout.includes(option), `help mentions ${option}`);
    assert.match(res.stdout, /temporary password/);
  });

  it('missing options exit with code 2 and name them', async () => {
    const res = await runCli(['admin', 'create', '--username', 'jbloggs'], cliEnv(database.env));
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--first-name/);
    assert.match(res.stderr, /--last-name/);
    assert.doesNotMatch(res.stderr, /--username/);
    assert.equal(res.stdout, '');
  });

  it('creates an administrator with a temporary password they must change at first log-on', async () => {
    const res = await runCli(['admin', 'create', '--username', 'NetMgr.Jones', '--first-name', 'Rhys', '--last-name', 'Jones', '--school', 'Valley High School'], cliEnv(database.env));
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    const printed = /Temporary password: (\S+)/.exec(res.stdout);
    assert.ok(printed, `the temporary password is printed: ${res.stdout}`);
    const temporary = printed[1];

    const handle = await database.open();
    const f = await freshApp(handle);
    try {
      assert.equal(await f.status(), false, 'with an administrator, the set-up link is no longer needed');
      const login = await f.logIn('netmgr.jones', temporary);
      assert.equal(login.statusCode, 200, login.body);
      const me = login.json().me;
      assert.equal(me.mustChangePassword, true);
      assert.deepEqual(me.person.roles, ['administrator']);
      assert.equal(me.school.name, 'Valley High School');
      const cookie = login.cookies.find((c) => c.name === 'osprey_session')!;
      const people = await f.app.inject({ method: 'GET', url: '/api/people', headers: { cookie: `osprey_session=${cookie.value}` } });
      assert.equal(people.statusCode, 403);
      // An administrator first sets up two-step verification (issue 11), then chooses their own password.
      assert.equal(people.json().error.code, 'two_step_required');
      assert.equal(me.mfa.required, true);
      const row = await f.db.selectFrom('accounts').select('must_change_password').where('person_id', '=', me.person.id).executeTakeFirstOrThrow();
      assert.equal(row.must_change_password, true);
    } finally {
      await f.close();
    }
  });
});

describe('osprey serve on a fresh installation', () => {
  it('prints its address and a one-time set-up link that works', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-serve-'));
    const database = await databaseForCli(dataDir);
    const child = spawn(process.execPath, [BIN, 'serve'], { env: cliEnv({ ...database.env, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    try {
      const link = await new Promise<URL>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          const m = /(http:\/\/\S+\/setup\?token=\S+)/.exec(stdout);
          if (m) resolve(new URL(m[1]));
        });
        child.on('close', (code) => reject(new Error(`osprey serve stopped (${code}) before printing a set-up link:\n${stdout}\n${stderr}`)));
      });
      const address = /Osprey is running at (http:\/\/\S+)/.exec(stdout)?.[1];
      assert.ok(address, `the address is printed: ${stdout}`);
      assert.equal(link.origin, new URL(address).origin);
      assert.match(stdout, /one-time link/);

      const status = await fetch(`${address}/api/setup/status`);
      assert.equal(status.status, 200);
      assert.deepEqual(await status.json(), { needed: true });

      const token = link.searchParams.get('token')!;
      const setUp = await fetch(`${address}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, ...ADMIN }) });
      assert.equal(setUp.status, 200, await setUp.clone().text());
      assert.deepEqual(await (await fetch(`${address}/api/setup/status`)).json(), { needed: false });
    } finally {
      child.kill('SIGTERM');
      await exited;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
