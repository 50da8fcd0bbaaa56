/**
 * "Why?" (R2.5) over real policies and lists: the API, `osprey why` and `--batch` give the decision and its reasons,
 * policy edits are in force at once, and no route can allow an illegal-list entry (R2.2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importListSource } from '../src/filtering/sources/service.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { onPostgres } from './helpers/database.ts';

// Monday 23 November 2026 (GMT): 10:00 is a lesson, 12:30 is lunchtime.
const LESSON = '2026-11-23T10:00:00Z';
const LUNCH = '2026-11-23T12:30:00Z';

async function setUp(t: TestApp) {
  const admin = await t.logIn((await t.makePerson(['administrator'], { username: 'admin' })).username);
  await t.as(admin, 'POST', '/api/import/people', { files: { 'people.csv': readFileSync('test/fixtures/import/people-50.csv', 'utf8') }, dryRun: false });
  const y10 = await t.as(admin, 'POST', '/api/people', { username: 'kai.year10', givenName: 'Kai', familyName: 'Walsh', roles: ['pupil'], yearGroup: 'Year 10' });
  assert.equal(y10.statusCode, 201, y10.body);
  const dir = mkdtempSync(path.join(tmpdir(), 'osprey-why-'));
  const deps = { db: t.db, clock: t.clock, dataDir: t.dataDir };
  const actor = { id: null, label: 'test', schoolId: t.school.id };
  const write = (name: string, text: string) => { const f = path.join(dir, name); writeFileSync(f, text); return f; };
  await importListSource(deps, actor, { name: 'Gambling', location: write('gambling.txt', 'bet365.com\n'), category: 'gambling' });
  await importListSource(deps, actor, { name: 'Games', location: write('games.txt', 'coolmathgames.example\nminiclip.com\n'), category: 'online-games' });
  // A stand-in for the IWF list: the real one is licensed and never in a repository.
  await importListSource(deps, actor, { name: 'IWF', location: write('iwf.txt', 'iwf-test-entry.example\n'), category: 'child-abuse' });
  // The same host also on an ordinary list a school allows, to try to allow it "by category".
  await importListSource(deps, actor, { name: 'Learning', location: write('learning.txt', 'iwf-test-entry.example\nbbc.co.uk\n'), category: 'education' });
  rmSync(dir, { recursive: true, force: true });
  return admin;
}

describe('why is this site allowed or blocked?', () => {
  let t: TestApp;
  let admin: Session;
  before(async () => { t = await createTestApp(); admin = await setUp(t); });
  after(async () => { await t.close(); });

  const ask = async (body: Record<string, string>) => {
    const res = await t.as(admin, 'POST', '/api/filtering/why', body);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };

  it('a Year 6 pupil is blocked from gambling and told why; a teacher is not blocked from games', async () => {
    const pupil = await ask({ url: 'https://www.bet365.com/', username: 'obyrne29', at: LESSON });
    assert.equal(pupil.action, 'block');
    assert.equal(pupil.policy.name, 'Key Stage 2');
    assert.equal(pupil.match.categoryId, 'gambling');
    assert.match(pupil.explanation.join(' '), /Gambling/);
    assert.equal((await ask({ url: 'miniclip.com', username: 'obyrne29', at: LESSON })).action, 'block');
    const teacher = await ask({ url: 'miniclip.com', username: 'h.cohen', at: LESSON });
    assert.equal(teacher.action, 'allow');
    assert.equal(teacher.policy.name, 'Staff and governors');
  });

  it('games are allowed for Year 10 at lunchtime on a weekday, not in lessons', async () => {
    const lesson = await ask({ url: 'https://miniclip.com/', username: 'kai.year10', at: LESSON });
    assert.equal(lesson.action, 'block');
    const lunch = await ask({ url: 'https://miniclip.com/', username: 'kai.year10', at: LUNCH });
    assert.equal(lunch.action, 'allow');
    assert.equal(lunch.match.scheduleId, 'lunchtime-games');
  });

  it('an unidentified device gets the most restrictive profile', async () => {
    const a = await ask({ url: 'https://miniclip.com/', at: LUNCH });
    assert.equal(a.policy.name, 'Unidentified devices');
    assert.equal(a.action, 'block');
  });

  it('SafeSearch is enforced for pupils', async () => {
    const a = await ask({ url: 'https://www.google.co.uk/search?q=volcanoes', username: 'obyrne29', at: LESSON });
    assert.equal(a.action, 'safesearch');
    assert.equal(a.safeSearchHost, 'forcesafesearch.google.com');
  });

  it('a policy change is in force at the next decision', async () => {
    const ks2 = (await t.as(admin, 'GET', '/api/filtering/policies')).json().policies.find((p: { key: string }) => p.key === 'ks2');
    const document = { name: ks2.name, description: ks2.description, priority: ks2.priority, defaultAction: ks2.defaultAction, safeSearch: ks2.safeSearch,
      categoryActions: { ...ks2.categoryActions, 'online-games': 'allow' }, schedules: ks2.schedules, localBlock: ks2.localBlock, localAllow: ks2.localAllow, targets: ks2.targets };
    const saved = await t.as(admin, 'PUT', `/api/filtering/policies/${ks2.id}`, { document, reason: 'Maths games week in Year 6', expectedVersion: ks2.version });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.equal((await ask({ url: 'miniclip.com', username: 'obyrne29', at: LESSON })).action, 'allow');
  });

  it('no route allows an illegal-list entry: category allow, local allow, default allow, another list, staff or unidentified', async () => {
    const staff = (await t.as(admin, 'GET', '/api/filtering/policies')).json().policies.find((p: { key: string }) => p.key === 'staff');
    const document = { name: staff.name, description: staff.description, priority: staff.priority, defaultAction: 'allow', safeSearch: false,
      categoryActions: { ...staff.categoryActions, education: 'allow' }, schedules: [{ id: 'always', name: 'Always', days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '23:59', categoryActions: { education: 'allow' } }],
      localBlock: [], localAllow: [{ id: 'try', kind: 'domain', value: 'iwf-test-entry.example' }, { id: 'try2', kind: 'regex', value: '.*' }], targets: staff.targets };
    const saved = await t.as(admin, 'PUT', `/api/filtering/policies/${staff.id}`, { document, reason: 'Trying to allow everything', expectedVersion: staff.version });
    assert.equal(saved.statusCode, 200, saved.body);
    const refused = await t.as(admin, 'PUT', `/api/filtering/policies/${staff.id}`, { document: { ...document, categoryActions: { 'child-abuse': 'allow' } }, reason: 'Trying the illegal category itself', expectedVersion: saved.json().version });
    assert.equal(refused.statusCode, 400);
    const everyone: Array<Record<string, string>> = [{ username: 'h.cohen' }, { username: 'admin' }, { username: 'obyrne29' }, {}, { groupId: 'role:administrator' }];
    for (const who of everyone) {
      for (const url of ['http://iwf-test-entry.example/', 'https://WWW.IWF-TEST-ENTRY.EXAMPLE./page', 'http://sub.iwf-test-entry.example/x']) {
        const a = await ask({ url, ...who, at: LESSON });
        assert.equal(a.action, 'block', `${url} for ${JSON.stringify(who)}`);
        assert.equal(a.reason, 'illegal_content');
      }
    }
  });
});

describe('osprey why (command line)', () => {
  it('explains one decision in words, and answers JSON lines with --batch', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-why-cli-'));
    const t = await createTestApp({ dataDir });
    await setUp(t);
    const env = { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: t.handle.url } : {}) };
    await t.app.close();
    if (!onPostgres) await t.handle.close();
    try {
      const one = spawnSync(process.execPath, ['bin/osprey.js', 'why', '--user', 'obyrne29', '--url', 'https://www.bet365.com/', '--at', LESSON], { encoding: 'utf8', env, timeout: 120_000 });
      assert.equal(one.status, 0, one.stderr);
      assert.match(one.stdout, /^BLOCKED: https:\/\/www\.bet365\.com\//);
      assert.match(one.stdout, /policy "Key Stage 2"/);
      assert.match(one.stdout, /Gambling/);

      const input = [
        JSON.stringify({ url: 'https://miniclip.com/', group: 'KS4', at: LUNCH }),
        JSON.stringify({ url: 'https://miniclip.com/', user: 'h.cohen', at: LESSON }),
        'this is not json',
        JSON.stringify({ url: 'http://iwf-test-entry.example/', group: 'role:administrator' }),
        JSON.stringify({ url: 'https://miniclip.com/', ip: '10.0.0.5' }),
      ].join('\n');
      const batch = spawnSync(process.execPath, ['bin/osprey.js', 'why', '--batch'], { encoding: 'utf8', env, input, timeout: 120_000 });
      const lines = batch.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, 5);
      assert.deepEqual(lines.map((l) => l.action ?? 'error'), ['allow', 'allow', 'error', 'block', 'block']);
      assert.equal(lines[0].match.scheduleId, 'lunchtime-games');
      assert.equal(lines[3].reason, 'illegal_content');
      assert.match(lines[4].note, /unidentified/);
      assert.equal(batch.status, 1, 'a bad line makes the exit code 1, after answering the rest');
    } finally {
      if (onPostgres) await t.handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
