/**
 * Importing people from the MIS (R1.7): a dry run shows the diff, applying is all-or-nothing (or skips bad rows when
 * asked), re-imports update in place and mark leavers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { onPostgres } from './helpers/database.ts';

const FIXTURES = 'test/fixtures/import';
const people50 = readFileSync(`${FIXTURES}/people-50.csv`, 'utf8');
const peopleBad = readFileSync(`${FIXTURES}/people-bad.csv`, 'utf8');

async function countPeople(t: TestApp) {
  const r = await t.db.selectFrom('people').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('people import through the API', () => {
  let t: TestApp;
  let admin: Session;
  before(async () => {
    t = await createTestApp();
    // Staff rows give roles, which needs roles.manage (issue 11): the administrator imports.
    admin = await t.logIn((await t.makePerson(['administrator'], { username: 'netman' })).username);
  });
  after(async () => { await t.close(); });

  it('a dry run lists the 50 people to add and changes nothing', async () => {
    const res = await t.as(admin, 'POST', '/api/import/people', { files: { 'people-50.csv': people50 }, dryRun: true });
    assert.equal(res.statusCode, 200, res.body);
    const { plan, applied } = res.json();
    assert.equal(plan.added.length, 50);
    assert.equal(plan.changed.length, 0);
    assert.deepEqual(plan.problems, []);
    assert.equal(applied, null);
    assert.equal(await countPeople(t), 1);
  });

  it('applying adds the people with their roles, year groups, classes and parents', async () => {
    const res = await t.as(admin, 'POST', '/api/import/people', { files: { 'people-50.csv': people50 }, dryRun: false });
    assert.equal(res.json().applied.added, 50);
    const search = (await t.as(admin, 'GET', '/api/people?q=hughes')).json();
    const oliver = search.people.find((p: { username: string }) => p.username === 'ohughes02');
    assert.ok(oliver, 'Oliver Hughes is found by surname');
    assert.equal(oliver.yearGroup, 'Reception');
    const page = (await t.as(admin, 'GET', `/api/people/${oliver.id}`)).json();
    assert.deepEqual(page.groups.map((g: { kind: string; name: string }) => `${g.kind}:${g.name}`).sort(), ['class:Robins', 'key_stage:EYFS', 'year:Reception']);
    const robins = (await t.as(admin, 'GET', '/api/groups?kind=class')).json().groups.find((g: { name: string }) => g.name === 'Robins');
    const inRobins = (await t.as(admin, 'GET', `/api/people?group=${robins.id}`)).json();
    assert.ok(inRobins.total >= 4, 'the class lists its pupils and teacher');
    const parents = await t.db.selectFrom('parent_links').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.ok(Number(parents.n) >= 5, 'parents are linked to their children');
  });

  it('importing the same file again changes nothing', async () => {
    const { plan } = (await t.as(admin, 'POST', '/api/import/people', { files: { 'people-50.csv': people50 }, dryRun: true })).json();
    assert.equal(plan.added.length + plan.changed.length + plan.leavers.length, 0);
    assert.equal(plan.unchanged, 50);
  });

  it('a re-import updates a changed surname in place and marks a missing pupil as a leaver', async () => {
    const lines = people50.split(/\r?\n/);
    const edited = lines.map((l) => l.startsWith('P2002,') ? l.replace(',Hughes,', ',Hughes-Ward,') : l).filter((l) => !l.startsWith('P2003,')).join('\n');
    const dry = (await t.as(admin, 'POST', '/api/import/people', { files: { 'people.csv': edited }, dryRun: true })).json().plan;
    assert.deepEqual(dry.changed.map((c: { username: string; changes: unknown }) => [c.username, c.changes]), [['ohughes02', [{ field: 'last name', from: 'Hughes', to: 'Hughes-Ward' }]]]);
    assert.deepEqual(dry.leavers.map((l: { username: string }) => l.username), ['abegum03']);
    const applied = (await t.as(admin, 'POST', '/api/import/people', { files: { 'people.csv': edited }, dryRun: false })).json().applied;
    assert.deepEqual({ changed: applied.changed, leavers: applied.leavers }, { changed: 1, leavers: 1 });
    assert.equal((await t.as(admin, 'GET', '/api/people?q=hughes-ward')).json().total, 1);
    assert.equal((await t.as(admin, 'GET', '/api/people?q=abegum03')).json().total, 0, 'leavers are not in the current list');
    const leavers = (await t.as(admin, 'GET', '/api/people?q=abegum03&status=leaver')).json();
    assert.equal(leavers.people[0].status, 'leaver');
    assert.equal(await countPeople(t), 51, 'nobody is deleted');
  });

  it('a file with bad rows names file, line and problem for every bad row and applies nothing', async () => {
    const before = await countPeople(t);
    const res = await t.as(admin, 'POST', '/api/import/people', { files: { 'people-bad.csv': peopleBad }, dryRun: false });
    const { plan, applied } = res.json();
    assert.equal(applied, null);
    assert.equal(await countPeople(t), before, 'nothing was applied');
    const byLine = new Map<number, string>(plan.problems.map((p: { line: number; message: string }) => [p.line, p.message]));
    assert.ok(plan.problems.every((p: { file: string }) => p.file === 'people-bad.csv'));
    assert.match(byLine.get(4)!, /3 fields|columns|fields/i, 'malformed row (too few fields)');
    assert.match(byLine.get(5)!, /unknown role 'techer'/);
    assert.match(byLine.get(6)!, /username 'j\.price'.*line 2/, 'duplicate username names the first line');
    assert.match(byLine.get(8)!, /year/i, 'a pupil without a year');
  });

  it('with skipInvalid the good rows are imported and the skipped rows are listed', async () => {
    const res = await t.as(admin, 'POST', '/api/import/people', { files: { 'people-bad.csv': peopleBad }, dryRun: false, skipInvalid: true });
    const { plan, applied } = res.json();
    assert.ok(applied.added >= 3, `good rows imported: ${applied.added}`);
    assert.equal(applied.skipped, plan.problems.length);
    assert.equal(applied.leavers, 0, 'nobody is marked as a leaver while rows are skipped');
    assert.match(plan.leaversNote, /not marked/);
    assert.equal((await t.as(admin, 'GET', '/api/people?q=j.price')).json().total, 1);
    assert.equal((await t.as(admin, 'GET', '/api/people?q=m.kelly')).json().total, 0, 'the row with an unknown role was skipped');
  });

  it('reads a OneRoster 1.1 CSV set and puts pupils in their classes', async () => {
    const dir = `${FIXTURES}/oneroster`;
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
    const res = await t.as(admin, 'POST', '/api/import/people', { files, dryRun: false, markLeavers: false });
    const body = res.json();
    assert.equal(body.format, 'oneroster');
    assert.deepEqual(body.plan.problems, []);
    assert.ok(body.applied.added >= 15);
    const chidi = (await t.as(admin, 'GET', '/api/people?q=chidi')).json().people[0];
    assert.equal(chidi.yearGroup, 'Year 7');
    const page = (await t.as(admin, 'GET', `/api/people/${chidi.id}`)).json();
    assert.ok(page.groups.some((g: { kind: string }) => g.kind === 'class'), 'Chidi is in a class from enrollments.csv');
  });

  it('every import is in the audit log, person by person', async () => {
    const entries = await t.db.selectFrom('audit_log').select(['action']).where('action', 'in', ['people.imported', 'person.created', 'person.left']).execute();
    assert.ok(entries.filter((e) => e.action === 'person.created').length >= 50);
    assert.equal(entries.filter((e) => e.action === 'person.left').length, 1);
    assert.ok(entries.filter((e) => e.action === 'people.imported').length >= 3);
  });
});

describe('osprey import people (command line)', () => {
  let dataDir: string;
  let t: TestApp;
  const env = () => ({ PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: t.handle.url } : {}) });
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/osprey.js', 'import', 'people', ...args], { encoding: 'utf8', env: env() });

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-import-'));
    t = await createTestApp({ dataDir });
    await t.app.close();
    if (!onPostgres) await t.handle.close();
  });
  after(async () => {
    if (onPostgres) await t.handle.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('--dry-run prints the diff with a progress-free summary and changes nothing', () => {
    const r = run(`${FIXTURES}/people-50.csv`, '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /To add: 50/);
    assert.match(r.stdout, /\+ Oliver Hughes \(ohughes02; pupil\)/);
    assert.match(r.stdout, /Dry run: nothing has been changed/);
    const again = run(`${FIXTURES}/people-50.csv`, '--dry-run');
    assert.match(again.stdout, /To add: 50/, 'still 50 to add: the dry run stored nothing');
  });

  it('applies the file and shows a progress bar', () => {
    const r = run(`${FIXTURES}/people-50.csv`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Importing \[#+\] 100% \(50\/50\)/);
    assert.match(r.stdout, /Done: 50 added, 0 changed, 0 marked as leavers/);
  });

  it('a bad file: every problem with file:line, nothing imported, exit code 1', () => {
    const r = run(`${FIXTURES}/people-bad.csv`);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /people-bad\.csv:5: unknown role 'techer'/);
    assert.match(r.stdout, /Nothing was imported because some rows have problems/);
  });

  it('--skip-invalid imports the good rows and lists the skipped ones', () => {
    const r = run(`${FIXTURES}/people-bad.csv`, '--skip-invalid', '--keep-leavers');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /people-bad\.csv:5: unknown role/);
    assert.match(r.stdout, /rows skipped/);
  });

  it('a missing file gets a plain message', () => {
    const r = run('no-such-file.csv');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /There is no file or folder at no-such-file\.csv/);
  });

  it('--help explains the formats', () => {
    const r = run('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--dry-run/);
    assert.match(r.stdout, /OneRoster/);
  });

  it('reads a OneRoster folder', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'oneroster-'));
    for (const f of readdirSync(`${FIXTURES}/oneroster`)) writeFileSync(path.join(tmp, f), readFileSync(path.join(`${FIXTURES}/oneroster`, f)));
    const r = run(tmp, '--dry-run', '--keep-leavers');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Format: OneRoster 1\.1 CSV/);
    rmSync(tmp, { recursive: true });
  });
});
