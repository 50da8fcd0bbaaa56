/**
 * Issue 11 (low): the audit chain is keyed with the installation secret, so someone with the database alone cannot
 * rewrite it and recompute the hashes; and `osprey audit verify --head` notices entries cut off the end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { entryHash, verifyAuditChain } from '../../src/platform/audit.ts';
import type { Db } from '../../src/platform/db.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';

/** What an attacker with a database login does: change entries, then recompute every hash after them. */
async function rewriteFrom(db: Db, seq: number, change: (row: Record<string, unknown>) => void, mac: 'keep' | 'strip') {
  await db.transaction().execute(async (tx) => {
    await sql`alter table audit_log disable trigger audit_log_no_update`.execute(tx);
    const rows = await tx.selectFrom('audit_log').selectAll().where('seq', '>=', seq).orderBy('seq').execute();
    let prev = (await tx.selectFrom('audit_log').select('hash').where('seq', '=', seq - 1).executeTakeFirstOrThrow()).hash;
    for (const r of rows) {
      const fields = {
        seq: Number(r.seq), at: new Date(r.at).toISOString(), school_id: r.school_id, actor_id: r.actor_id, actor_label: r.actor_label,
        action: r.action, entity_type: r.entity_type, entity_id: r.entity_id, ip: r.ip,
        details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>, prev_hash: prev,
      };
      if (fields.seq === seq) change(fields);
      prev = entryHash(fields);
      await tx.updateTable('audit_log').set({ actor_label: fields.actor_label, prev_hash: fields.prev_hash, hash: prev, ...(mac === 'strip' ? { mac: null } : {}) })
        .where('seq', '=', fields.seq).execute();
    }
    await sql`alter table audit_log enable trigger audit_log_no_update`.execute(tx);
  });
}

async function someEntries(t: TestApp, n: number) {
  const admin = await t.makePerson(['administrator']);
  const s = await t.logIn(admin.username);
  for (let i = 0; i < n; i++) assert.equal((await t.as(s, 'POST', '/api/groups', { kind: 'custom', name: `Club ${i} ${Math.random()}` })).statusCode, 201);
}

describe('the audit chain is keyed with the installation secret', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); await someEntries(t, 5); });
  after(async () => { await t.close(); });

  it('every entry carries a key mark, and an intact log verifies with its last entry named', async () => {
    const marks = await t.db.selectFrom('audit_log').select('mac').execute();
    assert.ok(marks.length >= 6 && marks.every((m) => /^[0-9a-f]{64}$/.test(m.mac ?? '')));
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, true, JSON.stringify(result.firstBroken));
    assert.equal(result.unkeyed, 0);
    assert.equal(result.head?.seq, marks.length);
  });

  it('an entry rewritten by someone with the database alone, every hash after it recomputed, is found by its key mark', async () => {
    await rewriteFrom(t.db, 3, (row) => { row.actor_label = 'someone else'; }, 'keep');
    const result = await verifyAuditChain(t.db);
    assert.equal(result.ok, false, 'the recomputed chain links up, so only the key mark can tell');
    assert.equal(result.firstBroken?.seq, 3);
    assert.match(result.firstBroken!.reason, /key mark is wrong/);
  });

  it('stripping the key marks from the rewritten entries does not hide it either', async () => {
    const t2 = await createTestApp();
    try {
      await someEntries(t2, 5);
      await rewriteFrom(t2.db, 4, (row) => { row.actor_label = 'another one'; }, 'strip');
      const result = await verifyAuditChain(t2.db);
      assert.equal(result.ok, false);
      assert.equal(result.firstBroken?.seq, 4);
      assert.match(result.firstBroken!.reason, /no key mark, though entries before it do/);
    } finally {
      await t2.close();
    }
  });
});

describe('entries cut off the end', () => {
  it('the chain that is left still links up, but the head the administrator kept shows what was cut (API and command line)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-audit-head-'));
    let t = await createTestApp({ dataDir });
    try {
      await someEntries(t, 3);
      const kept = (await verifyAuditChain(t.db)).head!;
      await someEntries(t, 2);
      const later = (await verifyAuditChain(t.db)).head!;
      assert.ok(later.seq > kept.seq);
      await sql`alter table audit_log disable trigger audit_log_no_update`.execute(t.db);
      await sql`delete from audit_log where seq > ${kept.seq}`.execute(t.db);
      await sql`alter table audit_log enable trigger audit_log_no_update`.execute(t.db);

      assert.equal((await verifyAuditChain(t.db)).ok, true, 'without the kept head the shorter chain looks whole');
      const cut = await verifyAuditChain(t.db, { expectHead: later });
      assert.equal(cut.ok, false);
      assert.match(cut.firstBroken!.reason, /no longer in the log: entries have been cut off the end/);
      assert.equal((await verifyAuditChain(t.db, { expectHead: kept })).ok, true);

      // The command line, as the administrator runs it with the line they kept.
      const url = t.handle.url;
      if (!onPostgres) { await t.app.close(); await t.handle.close(); }
      const run = (...extra: string[]) => spawnSync(process.execPath, ['bin/osprey.js', 'audit', 'verify', ...extra], {
        encoding: 'utf8', env: { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: url } : {}) },
      });
      const plain = run();
      assert.equal(plain.status, 0, plain.stderr);
      assert.match(plain.stdout, new RegExp(`Last entry: ${kept.seq}:${kept.hash}`));
      const withHead = run('--head', `${later.seq}:${later.hash}`);
      assert.equal(withHead.status, 1, withHead.stdout);
      assert.match(withHead.stderr, new RegExp(`entry ${later.seq}, which you kept, is no longer in the log`));
      assert.equal(run('--head', `${kept.seq}:${kept.hash}`).status, 0);
      const badly = run('--head', 'yesterday');
      assert.equal(badly.status, 2);
      assert.match(badly.stderr, /NUMBER:HASH/);
      if (!onPostgres) t = await createTestApp({ dataDir });
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
