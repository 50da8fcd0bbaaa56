/**
 * Media consents (R7.1–R7.3), through the real API on a real database: a parent gives and withdraws consent for
 * their child, staff record paper forms, and the check answers yes or no with who decided and when. People without
 * parental responsibility are refused and the refusal is in the audit log; with no record the answer is no.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ensureGroup, addMembers } from '../src/directory/store.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';

const DAY = 86_400_000;

interface Family {
  amara: string; amaraUser: string; theo: string; zara: string; zaraUser: string;
  joy: Session; joyId: string; stepDad: Session; stepDadId: string; nasreen: Session; nasreenId: string;
  office: Session; teacher: Session; pupil: Session; classId: string;
}

/** Two Year 5 pupils with the same family name, one child of another family, and their adults. */
async function arrangeFamily(t: TestApp): Promise<Family> {
  const person = async (roles: Parameters<TestApp['makePerson']>[0], username: string, given: string, family: string, yearGroup?: string) => {
    const p = await t.makePerson(roles, { username, yearGroup });
    await t.db.updateTable('people').set({ given_name: given, family_name: family, search_text: `${given} ${family} ${given} ${family} ${username}`.toLowerCase() }).where('id', '=', p.id).execute();
    return p;
  };
  const amara = await person(['pupil'], 'aokafor01', 'Amara', 'Okafor', 'Year 5');
  const theo = await person(['pupil'], 'tokafor02', 'Theo', 'Okafor', 'Year 5');
  const zara = await person(['pupil'], 'zbegum03', 'Zara', 'Begum', 'Year 5');
  const joy = await person(['parent'], 'j.okafor', 'Joy', 'Okafor');
  const stepDad = await person(['parent'], 'd.hale', 'Daniel', 'Hale');
  const nasreen = await person(['parent'], 'n.begum', 'Nasreen', 'Begum');
  const office = await person(['headteacher'], 'r.adeyemi', 'Ruth', 'Adeyemi');
  const teacher = await person(['teacher'], 'h.cohen', 'Hannah', 'Cohen');
  const links = [[joy.id, amara.id], [joy.id, theo.id], [stepDad.id, amara.id], [nasreen.id, zara.id]];
  await t.db.insertInto('parent_links').values(links.map(([parent_id, pupil_id]) => ({ school_id: t.school.id, parent_id, pupil_id }))).execute();
  const classId = await ensureGroup(t.db, t.school.id, 'class', 'Kingfishers', t.clock.now());
  await addMembers(t.db, t.school.id, classId, [amara.id, theo.id, zara.id]);
  return {
    amara: amara.id, amaraUser: amara.username, theo: theo.id, zara: zara.id, zaraUser: zara.username,
    joy: await t.logIn(joy.username), joyId: joy.id, stepDad: await t.logIn(stepDad.username), stepDadId: stepDad.id,
    nasreen: await t.logIn(nasreen.username), nasreenId: nasreen.id,
    office: await t.logIn(office.username), teacher: await t.logIn(teacher.username), pupil: await t.logIn(amara.username), classId,
  };
}

async function auditOf(t: TestApp, action: string, entityId: string) {
  return t.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('entity_id', '=', entityId).orderBy('seq').execute();
}

describe('media consents', () => {
  let t: TestApp;
  let f: Family;
  // Log-ins last all term here: the story moves the clock on by weeks.
  before(async () => { t = await createTestApp({ config: { sessionHours: 24 * 365, sessionMaxHours: 24 * 365 } }); f = await arrangeFamily(t); });
  after(async () => { await t.close(); });

  it('with no record the answer is no, with the reminder about full names, and the check is audited', async () => {
    const res = await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.amara}&use=website`);
    assert.equal(res.statusCode, 200, res.body);
    const a = res.json();
    assert.equal(a.allowed, false);
    assert.equal(a.reason, 'no_record');
    assert.equal(a.decision, null);
    assert.match(a.summary, /^No: no parent or carer has given consent for school website/);
    assert.equal(a.reminder, 'Never put a pupil\'s full name beside their image.');
    const audit = await auditOf(t, 'consent.checked', f.amara);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor_label, 'h.cohen');
    assert.equal((audit[0].details as { use: string }).use, 'website');
  });

  it('a parent gives website consent, later withdraws it; the check follows, and the history keeps both', async () => {
    const given = await t.as(f.joy, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'website', given: true });
    assert.equal(given.statusCode, 200, given.body);
    assert.equal(given.json().allowed, true);
    let check = (await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.amara}&use=website`)).json();
    assert.equal(check.allowed, true);
    assert.equal(check.summary, 'Yes: Joy Okafor gave consent for school website on 16 November 2026.');
    assert.equal(check.decision.parentName, 'Joy Okafor');

    t.clock.advance(17 * DAY); // 3 December
    const withdrawn = await t.as(f.joy, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'website', given: false });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    check = (await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.amara}&use=website`)).json();
    assert.equal(check.allowed, false);
    assert.equal(check.reason, 'withdrawn');
    assert.equal(check.summary, 'No: Joy Okafor withdrew consent for school website on 3 December 2026.');
    assert.equal(check.decision.recordedAt, '2026-12-03T09:00:00.000Z');

    // Other uses are untouched: still no record, still no.
    assert.equal((await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.amara}&use=press`)).json().reason, 'no_record');

    const family = (await t.as(f.joy, 'GET', '/api/family/consents')).json();
    const amara = family.children.find((c: { pupil: { id: string } }) => c.pupil.id === f.amara);
    assert.deepEqual(amara.history.map((h: { decision: string }) => h.decision), ['withdrawn', 'given']);
    assert.equal(amara.consents.find((c: { use: { key: string } }) => c.use.key === 'website').allowed, false);
    assert.deepEqual((await auditOf(t, 'consent.withdrawn', f.amara)).map((a) => a.actor_label), ['j.okafor']);

    // Append-only: the history cannot be rewritten, even directly in the database.
    await assert.rejects(sql`update media_consent_decisions set decision = 'given'`.execute(t.db), /append-only/);
    await assert.rejects(sql`delete from media_consent_decisions`.execute(t.db), /append-only/);
  });

  it('an adult linked to the child without parental responsibility is refused, and the refusal is audited', async () => {
    const before = await t.db.selectFrom('media_consent_decisions').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const recorded = await t.as(f.office, 'POST', `/api/consents/pupils/${f.amara}/responsibility`, { parentId: f.stepDadId, hasResponsibility: false, note: 'Step-parent; court order on file' });
    assert.equal(recorded.statusCode, 200, recorded.body);

    const res = await t.as(f.stepDad, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'website', given: true });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /do not have parental responsibility/);
    const refused = await auditOf(t, 'consent.change_refused', f.amara);
    assert.equal(refused.length, 1);
    assert.equal(refused[0].actor_label, 'd.hale');
    assert.deepEqual(refused[0].details, { adultId: f.stepDadId, recordedBy: 'parent', reason: 'no_responsibility', uses: ['website'] });

    // He still sees the child, but as view only; nothing was recorded.
    const view = (await t.as(f.stepDad, 'GET', '/api/family/consents')).json();
    assert.equal(view.children.length, 1);
    assert.equal(view.children[0].canChange, false);
    const after = await t.db.selectFrom('media_consent_decisions').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
    assert.equal((await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.amara}&use=website`)).json().allowed, false);

    // The office corrects its record; from then on he may decide again.
    await t.as(f.office, 'POST', `/api/consents/pupils/${f.amara}/responsibility`, { parentId: f.stepDadId, hasResponsibility: true, note: 'Checked with the local authority' });
    assert.equal((await t.as(f.stepDad, 'GET', '/api/family/consents')).json().children[0].canChange, true);
    await t.as(f.office, 'POST', `/api/consents/pupils/${f.amara}/responsibility`, { parentId: f.stepDadId, hasResponsibility: false });
    const record = (await t.as(f.office, 'GET', `/api/consents/pupils/${f.amara}`)).json();
    assert.deepEqual(record.adults.map((a: { name: string; hasResponsibility: boolean; recordedBy: string | null }) => [a.name, a.hasResponsibility, a.recordedBy]),
      [['Daniel Hale', false, 'Ruth Adeyemi'], ['Joy Okafor', true, null]]);
  });

  it('a parent cannot change the consents of a child they are not linked to (refused and audited)', async () => {
    const res = await t.as(f.nasreen, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'social_media', given: true });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /only change consents for your own children/);
    const refused = (await auditOf(t, 'consent.change_refused', f.amara)).filter((a) => a.actor_label === 'n.begum');
    assert.equal(refused.length, 1);
    assert.equal((refused[0].details as { reason: string }).reason, 'not_linked');
    // Her own view lists only her own child.
    const view = (await t.as(f.nasreen, 'GET', '/api/family/consents')).json();
    assert.deepEqual(view.children.map((c: { pupil: { id: string } }) => c.pupil.id), [f.zara]);
  });

  it('the office records a paper form: who recorded it, when, and where the form is kept', async () => {
    const res = await t.as(f.office, 'POST', `/api/consents/pupils/${f.zara}/paper`, {
      parentId: f.nasreenId, decisions: { print: true, press: false, website: true }, formDated: '2026-09-07', formKeptAt: 'Office, consent forms folder 2026-27',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().recorded, 3);
    const print = (await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.zara}&use=print`)).json();
    assert.equal(print.allowed, true);
    assert.match(print.summary, /^Yes: Nasreen Begum gave consent for printed publications on .* \(paper form\)\.$/);
    const press = (await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.zara}&use=press`)).json();
    assert.equal(press.reason, 'refused');

    const record = (await t.as(f.office, 'GET', `/api/consents/pupils/${f.zara}`)).json();
    const paper = record.history.find((h: { use: string }) => h.use === 'print');
    assert.equal(paper.channel, 'paper');
    assert.equal(paper.recordedByName, 'Ruth Adeyemi');
    assert.equal(paper.formDated, '2026-09-07');
    assert.equal(paper.formKeptAt, 'Office, consent forms folder 2026-27');
    assert.deepEqual(record.adults.map((a: { name: string; hasResponsibility: boolean }) => [a.name, a.hasResponsibility]), [['Nasreen Begum', true]]);
    assert.equal((await auditOf(t, 'consent.given', f.zara)).length, 2);

    // A form from an adult without parental responsibility is not consent: refused and audited.
    const stepDadForm = await t.as(f.office, 'POST', `/api/consents/pupils/${f.amara}/paper`, {
      parentId: f.stepDadId, decisions: { website: true }, formDated: '2026-09-07', formKeptAt: 'Office',
    });
    assert.equal(stepDadForm.statusCode, 403);
    const refused = (await auditOf(t, 'consent.change_refused', f.amara)).filter((a) => a.actor_label === 'r.adeyemi');
    assert.equal((refused[0].details as { recordedBy: string }).recordedBy, 'staff');

    // A form with nowhere it is kept, or a future date, is not accepted; a teacher cannot record forms at all.
    assert.equal((await t.as(f.office, 'POST', `/api/consents/pupils/${f.zara}/paper`, { parentId: f.nasreenId, decisions: { video: true }, formDated: '2026-09-07', formKeptAt: '   ' })).statusCode, 400);
    assert.equal((await t.as(f.office, 'POST', `/api/consents/pupils/${f.zara}/paper`, { parentId: f.nasreenId, decisions: { video: true }, formDated: '2027-09-07', formKeptAt: 'Office' })).statusCode, 400);
    assert.equal((await t.as(f.teacher, 'POST', `/api/consents/pupils/${f.zara}/paper`, { parentId: f.nasreenId, decisions: { video: true }, formDated: '2026-09-07', formKeptAt: 'Office' })).statusCode, 403);
  });

  it('a bulk check for a class photo lists who may not appear, and the names it could not match', async () => {
    await t.as(f.joy, 'POST', `/api/family/children/${f.theo}/consents`, { use: 'print', given: true });
    const byClass = await t.as(f.teacher, 'POST', '/api/consents/check-bulk', { use: 'print', groupId: f.classId });
    assert.equal(byClass.statusCode, 200, byClass.body);
    const c = byClass.json();
    assert.equal(c.group, 'Kingfishers');
    assert.equal(c.checked, 3);
    assert.deepEqual(c.mayNotAppear.map((a: { pupil: { name: string }; reason: string }) => [a.pupil.name, a.reason]), [['Amara Okafor', 'no_record']]);
    assert.deepEqual(c.mayAppear.map((p: { name: string }) => p.name).sort(), ['Theo Okafor', 'Zara Begum']);

    const pasted = (await t.as(f.teacher, 'POST', '/api/consents/check-bulk', { use: 'website', names: ['zbegum03', 'Okafor', 'Amara Okafor', 'Nobody Here', ''] })).json();
    assert.equal(pasted.checked, 2);
    assert.deepEqual(pasted.mayNotAppear.map((a: { pupil: { name: string } }) => a.pupil.name), ['Amara Okafor']);
    assert.deepEqual(pasted.unknown, ['Nobody Here']);
    assert.equal(pasted.ambiguous[0].typed, 'Okafor');
    assert.equal(pasted.ambiguous[0].matches.length, 2);
    const bulkAudits = (await auditOf(t, 'consent.checked', f.zara)).filter((a) => (a.details as { bulk?: boolean }).bulk);
    assert.equal(bulkAudits.length, 2, 'each pupil checked in bulk is audited');
  });

  it('permissions: a teacher may check, a pupil and a parent may not, and only the office sees a full record', async () => {
    assert.equal((await t.as(f.teacher, 'GET', `/api/consents/pupils?q=okafor`)).json().pupils.length, 2);
    for (const who of [f.pupil, f.joy]) {
      assert.equal((await t.as(who, 'GET', `/api/consents/check?pupil=${f.amara}&use=website`)).statusCode, 403);
      assert.equal((await t.as(who, 'POST', '/api/consents/check-bulk', { use: 'website', groupId: f.classId })).statusCode, 403);
      assert.equal((await t.as(who, 'GET', `/api/consents/pupils/${f.amara}`)).statusCode, 403);
    }
    assert.equal((await t.as(f.teacher, 'GET', `/api/consents/pupils/${f.amara}`)).statusCode, 403);
    assert.equal((await t.as(f.office, 'GET', `/api/consents/pupils/${f.amara}`)).statusCode, 200);
    // A pupil has no children: their family view is empty and they cannot change anyone's consent.
    assert.deepEqual((await t.as(f.pupil, 'GET', '/api/family/consents')).json().children, []);
    assert.equal((await t.as(f.pupil, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'website', given: true })).statusCode, 403);
    // An unknown use is a clear error.
    const bad = await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.amara}&use=billboard`);
    assert.equal(bad.statusCode, 400);
  });

  it('a leaver\'s consents stop answering yes; withdrawing is still possible, giving is not', async () => {
    assert.equal((await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.theo}&use=print`)).json().allowed, true);
    await t.db.updateTable('people').set({ status: 'leaver', left_at: t.clock.now() }).where('id', '=', f.theo).execute();
    const check = (await t.as(f.teacher, 'GET', `/api/consents/check?pupil=${f.theo}&use=print`)).json();
    assert.equal(check.allowed, false);
    assert.equal(check.reason, 'left_school');
    assert.equal((await t.as(f.joy, 'POST', `/api/family/children/${f.theo}/consents`, { use: 'website', given: true })).statusCode, 409);
    assert.equal((await t.as(f.joy, 'POST', `/api/family/children/${f.theo}/consents`, { use: 'print', given: false })).statusCode, 200);
  });
});

describe('osprey consent check (command line)', () => {
  it('answers yes (exit 0), no with the withdrawal date (exit 1), and lists matches for an ambiguous name (exit 2)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-consent-cli-'));
    const t = await createTestApp({ dataDir, config: { sessionHours: 24 * 365, sessionMaxHours: 24 * 365 } });
    const f = await arrangeFamily(t);
    await t.as(f.joy, 'POST', `/api/family/children/${f.theo}/consents`, { use: 'print', given: true });
    await t.as(f.joy, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'website', given: true });
    t.clock.advance(2 * DAY);
    await t.as(f.joy, 'POST', `/api/family/children/${f.amara}/consents`, { use: 'website', given: false });
    const env = { PATH: process.env.PATH, OSPREY_DATA_DIR: dataDir, ...(onPostgres ? { DATABASE_URL: t.handle.url } : {}) };
    await t.app.close();
    if (!onPostgres) await t.handle.close();
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/osprey.js', 'consent', ...args], { encoding: 'utf8', env });
    try {
      const yes = run('check', '--pupil', 'Theo Okafor', '--use', 'newsletter');
      assert.equal(yes.status, 0, yes.stderr);
      assert.match(yes.stdout, /^YES: Theo Okafor \(Year 5\), printed publications\.\nYes: Joy Okafor gave consent for printed publications on 16 November 2026\./);
      assert.match(yes.stdout, /Remember: never put a pupil's full name beside their image\./);

      const no = run('check', '--pupil', f.amaraUser, '--use', 'website');
      assert.equal(no.status, 1, no.stderr);
      assert.match(no.stdout, /^NO: Amara Okafor/);
      assert.match(no.stdout, /No: Joy Okafor withdrew consent for school website on 18 November 2026\./);

      const none = run('check', '--pupil', 'Zara', '--use', 'press', '--json');
      assert.equal(none.status, 1);
      assert.equal(JSON.parse(none.stdout).reason, 'no_record');

      const ambiguous = run('check', '--pupil', 'okafor', '--use', 'website');
      assert.equal(ambiguous.status, 2);
      assert.match(ambiguous.stderr, /2 pupils match "okafor"/);
      assert.match(ambiguous.stderr, /aokafor01 +Amara Okafor, Year 5/);
      assert.match(ambiguous.stderr, /tokafor02 +Theo Okafor, Year 5/);

      assert.equal(run('check', '--pupil', 'Nobody', '--use', 'website').status, 2);
      const badUse = run('check', '--pupil', f.amaraUser, '--use', 'billboard');
      assert.equal(badUse.status, 2);
      assert.match(badUse.stderr, /"billboard" is not a use Osprey knows/);
      assert.equal(run('check', '--use', 'website').status, 2);
      assert.equal(run('check', '--pupil', f.amaraUser, '--use', 'website', '--colour').status, 2);
      assert.match(run('--help').stdout, /Exit code: 0 yes, 1 no, 2/);

      // Each answered check from the command line is in the audit log, like one made in the web interface.
      const db = onPostgres ? t.handle : await createTestDatabase({ dataDir });
      try {
        const checks = await db.db.selectFrom('audit_log').select(['entity_id', 'details']).where('action', '=', 'consent.checked').where('actor_label', '=', 'command line (consent check)').orderBy('seq').execute();
        assert.deepEqual(checks.map((c) => [c.entity_id, (c.details as { use: string }).use]), [[f.theo, 'print'], [f.amara, 'website'], [f.zara, 'press']]);
      } finally {
        if (!onPostgres) await db.close();
      }
    } finally {
      if (onPostgres) await t.handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
