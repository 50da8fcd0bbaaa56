/** R10.3: every change and every read of personal data is in a hash-chained log, and tampering is detected. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { verifyAuditChain } from '../src/platform/audit.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { onPostgres } from './helpers/database.ts';

/** Alters a stored entry the way someone with direct database access might, bypassing the append-only trigger. */
async function tamper(t: TestApp, seq: number, change: string) {
  await t.db.transaction().execute(async (tx) => {
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(tx);
    await sql.raw(`update audit_log set ${change} where seq = ${seq}`).execute(tx);
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(tx);
  });
}

describe('audit log', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('records who changed what, who read whom, and from where', async () => {
    const admin = await t.makePerson(['administrator']);
    const pupil = await t.makePerson(['pupil']);
    const s = await t.logIn(admin.username);
    await t.as(s, 'GET', `/api/people/${pupil.id}`);
    await t.as(s, 'PATCH', `/api/people/${pupil.id}`, { givenName: 'Amara' });
    const res = await t.as(s, 'GET', `/api/audit?entityId=${pupil.id}`);
    const entries = res.json().entries as Array<{ action: string; actorLabel: string; ip: string; details: { changes?: Array<{ field: string; to: string }> } }>;
    assert.deepEqual(entries.map((e) => e.action), ['person.updated', 'person.viewed']);
    assert.ok(entries.every((e) => e.actorLabel === admin.username && e.ip));
    assert.deepEqual(entries[0].details.changes?.map((c) => [c.field, c.to]), [['givenName', 'Amara']]);
  });

  it('stays one unbroken chain when many people search at the same moment', async () => {
    const staff = await Promise.all([1, 2, 3, 4].map(() => t.makePerson(['teacher'])));
    const sessions = await Promise.all(staff.map((p) => t.logIn(p.username)));
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => t.as(sessions[i % 4], 'GET', `/api/people?q=test${i}`)));
    assert.ok(answers.every((r) => r.statusCode === 200));
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, true, JSON.stringify(result.firstBroken));
    const searches = await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'people.searched').execute();
    assert.equal(searches.length, 24, 'every search was recorded');
  });

  it('cannot be changed or emptied through the database', async () => {
    await assert.rejects(sql`update audit_log set action = 'nothing' where seq = 1`.execute(t.db), /append-only/);
    await assert.rejects(sql`delete from audit_log`.execute(t.db), /append-only/);
  });

  it('verifies intact, then names the first entry that was altered', async () => {
    const before = await verifyAuditChain(t.db);
    assert.equal(before.ok, true);
    assert.ok(before.checked >= 4);
    await tamper(t, 2, `actor_label = 'someone else'`);
    const afterTamper = await verifyAuditChain(t.db);
    assert.equal(afterTamper.ok, false);
    assert.equal(afterTamper.firstBroken?.seq, 2, 'the first altered entry is named, not a later one');
    assert.match(afterTamper.firstBroken!.reason, /changed/);
  });
});

describe('osprey audit verify (command line)', () => {
  it('says the log is intact, then exits 1 naming the first broken entry after an entry is removed', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-audit-'));
    const t = await createTestApp({ dataDir });
    const admin = await t.makePerson(['administrator']);
    const s = await t.logIn(admin.username);
    for (const name of ['Eco club', 'Chess club', 'Choir']) await t.as(s, 'POST', '/api/groups', { kind: 'custom', name });
    const url = t.handle.url;
    const run = () => spawnSync(process.execPath, ['bin/osprey.js', 'audit', 'verify'], {
      encoding: 'utf8', env: { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: url } : {}) },
    });
    try {
      // PGlite is one process at a time: hand the database to the command, then take it back to tamper.
      let handleClosed = false;
      if (!onPostgres) { await t.app.close(); await t.handle.close(); handleClosed = true; }
      const ok = run();
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /intact: \d+ entries checked/);

      const t2 = handleClosed ? await createTestApp({ dataDir }) : t;
      await sql`alter table audit_log disable trigger audit_log_no_update`.execute(t2.db);
      await sql`delete from audit_log where seq = 3`.execute(t2.db);
      await sql`alter table audit_log enable trigger audit_log_no_update`.execute(t2.db);
      if (!onPostgres) { await t2.app.close(); await t2.handle.close(); }
      const broken = run();
      assert.equal(broken.status, 1);
      assert.match(broken.stderr, /entry 3 is broken — entry 3 is missing/);
      if (onPostgres) await t.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('audit log behind a reverse proxy', () => {
  it('records the browser\'s address from X-Forwarded-For only when the proxy is trusted', async () => {
    for (const [trusted, expected] of [['127.0.0.1', '203.0.113.7'], [undefined, '127.0.0.1']] as const) {
      const t = await createTestApp({ config: { trustedProxies: trusted } });
      const p = await t.makePerson(['teacher']);
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-for': '203.0.113.7' }, payload: { username: p.username, password: p.password } });
      assert.equal(res.statusCode, 200);
      const entry = await t.db.selectFrom('audit_log').select('ip').where('action', '=', 'auth.login').executeTakeFirstOrThrow();
      assert.equal(entry.ip, expected);
      await t.close();
    }
  });
});
