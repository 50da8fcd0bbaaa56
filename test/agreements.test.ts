/**
 * Acceptable Use Agreements through the real app (R6.1–R6.5): the Online Safety Lead publishes the shipped samples,
 * pupils, staff and parents sign (and cannot sign what they should not), a new version and a new school year ask
 * everyone to sign again (injected clock), paper forms are recorded, coverage counts move and reminders are queued.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMembers, ensureGroup, setChildren } from '../src/directory/store.ts';
import { sendQueuedMail } from '../src/platform/mail.ts';
import { startSmtpServer } from './helpers/smtp.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

const DAY = 86_400_000;

describe('Acceptable Use Agreements: templates, versions, signing and coverage', () => {
  let t: TestApp;
  let lead: Session;
  let templates: { id: string; key: string; name: string; currentVersion: { id: string } | null }[];
  const byKey = (key: string) => templates.find((x) => x.key === key)!;
  let pupil7: { id: string; username: string };
  let pupil1: { id: string; username: string };
  let parent: { id: string; username: string };
  let otherParent: { id: string; username: string };
  let teacher: { id: string; username: string };

  before(async () => {
    t = await createTestApp();
    const osl = await t.makePerson(['online_safety_lead'], { username: 'olivia.lead' });
    lead = await t.logIn(osl.username);
    pupil7 = await t.makePerson(['pupil'], { username: 'sam.year7', yearGroup: 'Year 7' });
    pupil1 = await t.makePerson(['pupil'], { username: 'ava.year1', yearGroup: 'Year 1' });
    parent = await t.makePerson(['parent'], { username: 'priya.parent' });
    otherParent = await t.makePerson(['parent'], { username: 'oscar.parent' });
    teacher = await t.makePerson(['teacher'], { username: 'tariq.teacher' });
    await setChildren(t.db, t.school.id, parent.id, [pupil1.id, pupil7.id]);
    await t.db.updateTable('people').set({ email: 'priya@example.org' }).where('id', '=', parent.id).execute();
    await t.db.updateTable('people').set({ email: 'tariq@school.example' }).where('id', '=', teacher.id).execute();
    // no grace periods unless a test sets them: every unsigned person is unsigned
    const s = await t.as(lead, 'PUT', '/api/agreements/settings', { yearStarts: '09-01', gating: true, joinerGraceDays: 0, versionGraceDays: 0, yearGraceDays: 0 });
    assert.equal(s.statusCode, 200, s.body);
  });
  after(async () => { await t?.close(); });

  const pending = async (who: Session) => {
    const res = await t.as(who, 'GET', '/api/agreements/pending');
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { pending: { person: { id: string; isMe: boolean }; template: { key: string }; version: { id: string; textSha256: string; html: string }; status: string }[]; signed: unknown[] };
  };

  it('the shipped samples cover every audience, say that internet use is monitored, and are drafts until published', async () => {
    const res = await t.as(lead, 'GET', '/api/agreements/templates');
    assert.equal(res.statusCode, 200, res.body);
    templates = res.json().templates;
    assert.deepEqual(templates.map((x) => x.key).sort(), ['community', 'guest', 'ks1', 'ks2', 'ks3', 'parent', 'staff', 'technician']);
    assert.ok(templates.every((x) => x.currentVersion === null), 'nothing is asked of anyone before the school publishes');
    for (const x of templates) {
      const full = (await t.as(lead, 'GET', `/api/agreements/templates/${x.id}`)).json();
      assert.match(full.body, /monitor/i, `${x.key} says internet use is monitored`);
    }
    const ks1 = (await t.as(lead, 'GET', `/api/agreements/templates/${byKey('ks1').id}`)).json();
    assert.match(ks1.body, /^- I will /m, 'young children read short "I will" sentences');
    const parentText = (await t.as(lead, 'GET', `/api/agreements/templates/${byKey('parent').id}`)).json().body;
    assert.match(parentText, /school website/);
    assert.match(parentText, /social media/);
    assert.equal((await pending(await t.logIn(pupil7.username))).pending.length, 0);
  });

  it('unsafe HTML in a template is shown as text, never run: script tags and javascript: links are neutralised', async () => {
    const evil = '# Rules\n\n<script>alert("x")</script>\n\n[Click me](javascript:alert(1)) and [help](https://example.org/help) <img src=x onerror=alert(2)>\n';
    const preview = await t.as(lead, 'POST', '/api/agreements/preview', { markdown: evil });
    assert.equal(preview.statusCode, 200, preview.body);
    const html: string = preview.json().html;
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /href="javascript:/i);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /<a href="https:\/\/example.org\/help" rel="noopener noreferrer" target="_blank">help<\/a>/);
    // a published version is stored and served the same way
    const guest = byKey('guest');
    const current = (await t.as(lead, 'GET', `/api/agreements/templates/${guest.id}`)).json();
    const saved = await t.as(lead, 'PUT', `/api/agreements/templates/${guest.id}`, { name: current.name, body: evil, audience: current.audience, parentMaySign: false, active: true });
    assert.equal(saved.statusCode, 200, saved.body);
    const published = await t.as(lead, 'POST', `/api/agreements/templates/${guest.id}/publish`);
    assert.equal(published.statusCode, 201, published.body);
    const visitor = await t.logIn((await t.makePerson(['guest'], { username: 'vera.visitor' })).username);
    const mine = await pending(visitor);
    assert.equal(mine.pending.length, 1);
    assert.doesNotMatch(mine.pending[0].version.html, /<script|href="javascript:/i);
  });

  it('only the Online Safety Lead (agreements.manage) edits and publishes; a teacher can read coverage, a pupil neither', async () => {
    const teacherSession = await t.logIn(teacher.username);
    const pupilSession = await t.logIn(pupil7.username);
    assert.equal((await t.as(teacherSession, 'POST', `/api/agreements/templates/${byKey('ks3').id}/publish`)).statusCode, 403);
    assert.equal((await t.as(teacherSession, 'GET', '/api/agreements/coverage')).statusCode, 200);
    assert.equal((await t.as(pupilSession, 'GET', '/api/agreements/coverage')).statusCode, 403);
    assert.equal((await t.as(pupilSession, 'GET', '/api/agreements/templates')).statusCode, 403);
  });

  it('publishing assigns each agreement to its audience: a Year 7 pupil gets KS3+, a teacher the staff agreement, a parent the home–school one and their young child\'s', async () => {
    for (const key of ['ks1', 'ks3', 'staff', 'parent']) {
      const res = await t.as(lead, 'POST', `/api/agreements/templates/${byKey(key).id}/publish`);
      assert.equal(res.statusCode, 201, res.body);
    }
    const again = await t.as(lead, 'POST', `/api/agreements/templates/${byKey('ks3').id}/publish`);
    assert.equal(again.statusCode, 409, 'an unchanged text is not a new version');
    const sam = await pending(await t.logIn(pupil7.username));
    assert.deepEqual(sam.pending.map((p) => p.template.key), ['ks3']);
    const tariq = await pending(await t.logIn(teacher.username));
    assert.deepEqual(tariq.pending.map((p) => p.template.key), ['staff']);
    const priya = await pending(await t.logIn(parent.username));
    assert.deepEqual(priya.pending.map((p) => `${p.template.key}:${p.person.isMe ? 'me' : p.person.id}`).sort(), [`ks1:${pupil1.id}`, 'parent:me'],
      'her Year 7 child signs for himself; her Year 1 child\'s agreement is hers to sign');
  });

  it('bad signatures are refused: a forged hash, a superseded version, a child one is not linked to, a pupil\'s own agreement signed by a parent', async () => {
    const sam = await t.logIn(pupil7.username);
    const item = (await pending(sam)).pending[0];
    const forged = await t.as(sam, 'POST', '/api/agreements/sign', { versionId: item.version.id, textSha256: 'a'.repeat(64), typedName: 'Sam Year Seven', agreed: true });
    assert.equal(forged.statusCode, 409);
    assert.equal(forged.json().error.code, 'text_changed');
    assert.match(forged.json().error.message, /Reload the page/);
    const untickeded = await t.as(sam, 'POST', '/api/agreements/sign', { versionId: item.version.id, textSha256: item.version.textSha256, typedName: 'Sam', agreed: false });
    assert.equal(untickeded.statusCode, 400);

    const oscar = await t.logIn(otherParent.username);
    const ks1 = (await pending(await t.logIn(parent.username))).pending.find((p) => p.template.key === 'ks1')!;
    const notMine = await t.as(oscar, 'POST', '/api/agreements/sign', { versionId: ks1.version.id, textSha256: ks1.version.textSha256, typedName: 'Oscar Parent', agreed: true, personId: pupil1.id });
    assert.equal(notMine.statusCode, 403);
    assert.match(notMine.json().error.message, /linked to you/);
    const refusal = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'agreement.sign_refused').where('actor_id', '=', otherParent.id).executeTakeFirst();
    assert.ok(refusal, 'the refusal is in the audit log');
    assert.equal(refusal.entity_id, pupil1.id);

    const priya = await t.logIn(parent.username);
    const forSam = await t.as(priya, 'POST', '/api/agreements/sign', { versionId: item.version.id, textSha256: item.version.textSha256, typedName: 'Priya Parent', agreed: true, personId: pupil7.id });
    assert.equal(forSam.statusCode, 403);
    assert.equal(forSam.json().error.code, 'pupil_must_sign');

    // the Online Safety Lead publishes a new version: the old one can no longer be signed
    const ks3 = byKey('ks3');
    const draft = (await t.as(lead, 'GET', `/api/agreements/templates/${ks3.id}`)).json();
    const edited = await t.as(lead, 'PUT', `/api/agreements/templates/${ks3.id}`, { name: draft.name, body: `${draft.body}\n- I will not use AI tools to cheat in my work.\n`, audience: draft.audience, parentMaySign: false, active: true });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.equal((await t.as(lead, 'POST', `/api/agreements/templates/${ks3.id}/publish`)).statusCode, 201);
    const stale = await t.as(sam, 'POST', '/api/agreements/sign', { versionId: item.version.id, textSha256: item.version.textSha256, typedName: 'Sam Year Seven', agreed: true });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().error.code, 'superseded');
  });

  it('a pupil signs online with name, tick, version, text hash, address and device; the signed copy reads exactly as it was signed', async () => {
    const sam = await t.logIn(pupil7.username);
    const item = (await pending(sam)).pending[0];
    assert.match(item.version.html, /AI tools/);
    const res = await t.app.inject({
      method: 'POST', url: '/api/agreements/sign', headers: { cookie: sam.cookie, 'x-csrf-token': sam.csrf, 'user-agent': 'SchoolChromebook/1.0' },
      payload: { versionId: item.version.id, textSha256: item.version.textSha256, typedName: 'Sam Year Seven', agreed: true },
    });
    assert.equal(res.statusCode, 201, res.body);
    const signed = res.json();
    assert.equal((await pending(sam)).pending.length, 0);
    const copy = (await t.as(sam, 'GET', `/api/agreements/signatures/${signed.id}`)).json();
    assert.equal(copy.typedName, 'Sam Year Seven');
    assert.equal(copy.userAgent, 'SchoolChromebook/1.0');
    assert.ok(copy.ip);
    assert.equal(copy.version.html, item.version.html);
    assert.equal(copy.textSha256, item.version.textSha256);
    assert.equal(copy.textMatches, true);
    const otherPupil = await t.logIn((await t.makePerson(['pupil'], { yearGroup: 'Year 8' })).username);
    assert.equal((await t.as(otherPupil, 'GET', `/api/agreements/signatures/${signed.id}`)).statusCode, 404, 'another pupil cannot read it');
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'agreement.signed').where('entity_id', '=', pupil7.id).executeTakeFirst();
    assert.equal(audit?.details.textSha256, item.version.textSha256);
  });

  it('a parent signs for their Year 1 child and for their own home–school agreement', async () => {
    const priya = await t.logIn(parent.username);
    for (const item of (await pending(priya)).pending) {
      const res = await t.as(priya, 'POST', '/api/agreements/sign', {
        versionId: item.version.id, textSha256: item.version.textSha256, typedName: 'Priya Parent', agreed: true, ...(item.person.isMe ? {} : { personId: item.person.id }),
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    assert.equal((await pending(priya)).pending.length, 0);
    const ava = (await t.as(lead, 'GET', `/api/agreements/coverage?templateId=${byKey('ks1').id}`)).json().people.find((p: { person: { id: string } }) => p.person.id === pupil1.id);
    assert.equal(ava.status, 'signed');
    assert.equal(ava.signature.method, 'parent');
  });

  it('coverage shows who has not signed, reminders go to staff and to parents of unsigned pupils, and staff record a paper form', async () => {
    const pupil9 = await t.makePerson(['pupil'], { username: 'kai.year9', yearGroup: 'Year 9' });
    await t.db.updateTable('people').set({ given_name: 'Kai', family_name: 'Nakamura' }).where('id', '=', pupil9.id).execute();
    await setChildren(t.db, t.school.id, otherParent.id, [pupil9.id]);
    await t.db.updateTable('people').set({ email: 'oscar@example.org' }).where('id', '=', otherParent.id).execute();
    const unsigned = (await t.as(lead, 'GET', '/api/agreements/coverage?status=not_signed')).json();
    const names = unsigned.people.map((p: { person: { username: string } }) => p.person.username);
    assert.ok(names.includes('kai.year9') && names.includes('tariq.teacher'));
    assert.ok(!names.includes('sam.year7'), 'Sam has signed');

    // a class teacher's list: just their class, with the class name on each row
    const class7k = await ensureGroup(t.db, t.school.id, 'class', '7K', t.clock.now());
    await addMembers(t.db, t.school.id, class7k, [pupil7.id, pupil9.id]);
    const classList = (await t.as(await t.logIn(teacher.username), 'GET', `/api/agreements/coverage?groupId=${class7k}`)).json();
    assert.deepEqual(classList.people.map((p: { person: { username: string }; status: string }) => [p.person.username, p.status]).sort(), [['kai.year9', 'unsigned'], ['sam.year7', 'signed']]);
    assert.deepEqual(classList.people[0].person.classes, ['7K']);
    assert.deepEqual({ signed: classList.counts.signed, unsigned: classList.counts.unsigned }, { signed: 1, unsigned: 1 });

    const sent = await t.as(lead, 'POST', '/api/agreements/reminders', { role: 'teacher' });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.equal(sent.json().emails, 1);
    const toKai = await t.as(lead, 'POST', '/api/agreements/reminders', { personIds: [pupil9.id] });
    assert.equal(toKai.json().emails, 1);
    const outbox = await t.db.selectFrom('mail_outbox').selectAll().where('purpose', '=', 'agreement_reminder').orderBy('to_address').execute();
    assert.deepEqual(outbox.map((m) => m.to_address), ['oscar@example.org', 'tariq@school.example']);
    assert.match(outbox[0].body_text, /kai/i);
    assert.ok(await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'agreement.reminders_sent').executeTakeFirst());
    // the mailer delivers them over SMTP
    const smtp = await startSmtpServer();
    try {
      const result = await sendQueuedMail({ db: t.db, clock: t.clock, config: { smtpUrl: smtp.url, mailFrom: 'Osprey <osprey@school.example>' } });
      assert.equal(result.sent, 2);
      const mails = await smtp.waitForMessages(2);
      const toOscar = mails.find((m) => m.to.includes('oscar@example.org'))!;
      assert.equal(toOscar.subject, 'Acceptable Use Agreement for Kai Nakamura');
      assert.match(toOscar.text, /Kai Nakamura has not yet signed "Students in Key Stage 3 and above"/);
      assert.match(toOscar.text, /\/agreements\/sign/);
    } finally {
      await smtp.close();
    }

    const staffVersion = (await t.as(lead, 'GET', `/api/agreements/templates/${byKey('staff').id}`)).json().currentVersion.id;
    const before = (await t.as(lead, 'GET', '/api/agreements/campaign')).json().audiences.find((a: { template: { id: string } }) => a.template.id === byKey('staff').id);
    const paper = await t.as(lead, 'POST', '/api/agreements/paper', { versionId: staffVersion, personId: teacher.id, signedOn: '2026-11-16', nameOnForm: 'Tariq Teacher', paperLocation: 'Office, AUP folder 2026–27' });
    assert.equal(paper.statusCode, 201, paper.body);
    const afterPaper = (await t.as(lead, 'GET', '/api/agreements/campaign')).json().audiences.find((a: { template: { id: string } }) => a.template.id === byKey('staff').id);
    assert.equal(afterPaper.signed, before.signed + 1);
    assert.equal(afterPaper.unsigned, before.unsigned - 1);
    const copy = (await t.as(lead, 'GET', `/api/agreements/signatures/${paper.json().id}`)).json();
    assert.equal(copy.paper.location, 'Office, AUP folder 2026–27');
    assert.match(copy.paper.recordedBy, /online_safety_lead/);
  });

  it('a new school year, and a new version, ask everyone to sign again (injected clock)', async () => {
    const sam = await t.logIn(pupil7.username);
    assert.equal((await pending(sam)).pending.length, 0);
    // to 2 September 2027: the 2027–28 school year has started
    const now = t.clock.now().getTime();
    t.clock.advance(Date.UTC(2027, 8, 2) - now);
    const newYear = await pending(await t.logIn(pupil7.username));
    assert.deepEqual(newYear.pending.map((p) => [p.template.key, p.status]), [['ks3', 'unsigned']]);
    const campaign = (await t.as(await t.logIn('olivia.lead'), 'GET', '/api/agreements/campaign')).json();
    assert.equal(campaign.schoolYear.name, '2027–28');
    assert.equal(campaign.audiences.find((a: { template: { id: string } }) => a.template.id === byKey('ks3').id).signed, 0);

    // with a 14-day grace period after a new year, the pupil is in grace rather than unsigned
    const lead2 = await t.logIn('olivia.lead');
    await t.as(lead2, 'PUT', '/api/agreements/settings', { yearStarts: '09-01', gating: true, joinerGraceDays: 0, versionGraceDays: 0, yearGraceDays: 14 });
    assert.equal((await pending(await t.logIn(pupil7.username))).pending[0].status, 'grace');
    t.clock.advance(15 * DAY);
    assert.equal((await pending(await t.logIn(pupil7.username))).pending[0].status, 'unsigned');

    // sign for this year, then a new version is published: sign again
    const sam2 = await t.logIn(pupil7.username);
    const lead3 = await t.logIn('olivia.lead');
    const item = (await pending(sam2)).pending[0];
    assert.equal((await t.as(sam2, 'POST', '/api/agreements/sign', { versionId: item.version.id, textSha256: item.version.textSha256, typedName: 'Sam Year Seven', agreed: true })).statusCode, 201);
    assert.equal((await pending(sam2)).pending.length, 0);
    const ks3 = byKey('ks3');
    const draft = (await t.as(lead3, 'GET', `/api/agreements/templates/${ks3.id}`)).json();
    await t.as(lead3, 'PUT', `/api/agreements/templates/${ks3.id}`, { name: draft.name, body: `${draft.body}\n- I will charge school laptops at the end of the day.\n`, audience: draft.audience, parentMaySign: false, active: true });
    assert.equal((await t.as(lead3, 'POST', `/api/agreements/templates/${ks3.id}/publish`)).json().number, 3);
    assert.deepEqual((await pending(sam2)).pending.map((p) => p.template.key), ['ks3']);
  });

  it('settings that make no sense are explained', async () => {
    const bad = await t.as(await t.logIn('olivia.lead'), 'PUT', '/api/agreements/settings', { yearStarts: '13-01', gating: true, joinerGraceDays: 0, versionGraceDays: 0, yearGraceDays: 0 });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /not a day of the year/);
  });
});
