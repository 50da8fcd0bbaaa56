/**
 * E-mail from Osprey reaches a real SMTP server; a mail server that refuses or is down delays the e-mail but never
 * loses it or sends it twice; without a mail server set, e-mails wait in the outbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, ConfigError } from '../src/config.ts';
import { outboxCounts, queueMail, sendQueuedMail, startMailer } from '../src/platform/mail.ts';
import { ensureSchool } from '../src/platform/setup.ts';
import { TestClock } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';

let db: TestDatabase;
let smtp: TestSmtpServer;
let schoolId: string;
const clock = new TestClock();

before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
  schoolId = (await ensureSchool(db.db, 'Oakfield Primary', clock.now())).id;
});
after(async () => {
  await smtp.close();
  await db.close();
});

const config = () => ({ smtpUrl: smtp.url, mailFrom: 'Osprey at Oakfield <osprey@oakfield.example>' });

describe('e-mail', () => {
  it('delivers a queued alert e-mail to the mail server, once, with the sender and subject the school set', async () => {
    await queueMail(db.db, { schoolId, purpose: 'alert', to: 'dsl@oakfield.example', subject: 'Osprey: an urgent safeguarding alert', text: 'Please log in to Osprey to see it.\nAlert 1 of 1 — priority: immediate.' }, clock.now());
    const result = await sendQueuedMail({ db: db.db, clock, config: config() });
    assert.equal(result.sent, 1);
    const [mail] = await smtp.waitForMessages(1);
    assert.deepEqual(mail!.to, ['dsl@oakfield.example']);
    assert.equal(mail!.from, 'osprey@oakfield.example');
    assert.equal(mail!.subject, 'Osprey: an urgent safeguarding alert');
    assert.match(mail!.text, /Alert 1 of 1 — priority: immediate\./);
    assert.equal((await sendQueuedMail({ db: db.db, clock, config: config() })).sent, 0, 'nothing is sent twice');
    assert.equal(smtp.messages.length, 1);
  });

  it('keeps an e-mail the server refused and sends it on a later attempt, once', async () => {
    const before = smtp.messages.length;
    smtp.refuseNext(1);
    await queueMail(db.db, { schoolId, purpose: 'agreement_reminder', to: 'parent@home.example', subject: 'Please sign the home–school agreement', text: 'Thank you.' }, clock.now());
    const first = await sendQueuedMail({ db: db.db, clock, config: config() });
    assert.deepEqual(first, { sent: 0, retrying: 1, gaveUp: 0 });
    assert.equal((await sendQueuedMail({ db: db.db, clock, config: config() })).sent, 0, 'not retried before its wait is over');
    clock.advance(2 * 60_000);
    assert.equal((await sendQueuedMail({ db: db.db, clock, config: config() })).sent, 1);
    await smtp.waitForMessages(before + 1);
    assert.equal(smtp.messages.filter((m) => m.to[0] === 'parent@home.example').length, 1);
  });

  it('keeps e-mails in the outbox while no mail server is set, and sends them once one is', async () => {
    await queueMail(db.db, { schoolId, purpose: 'digest', to: 'osl@oakfield.example', subject: 'Weekly digest', text: 'Three alerts this week.' }, clock.now());
    assert.deepEqual(await sendQueuedMail({ db: db.db, clock, config: { smtpUrl: undefined, mailFrom: 'x <x@example.org>' } }), { sent: 0, retrying: 0, gaveUp: 0 });
    assert.equal((await outboxCounts(db.db, schoolId)).waiting, 1);
    const mailer = startMailer({ db: db.db, clock, config: config() }, 60_000);
    try {
      await mailer.nudge();
    } finally {
      await mailer.stop();
    }
    await smtp.waitForMessages(3);
    assert.deepEqual(await outboxCounts(db.db, schoolId), { waiting: 0, sent: 3, gaveUp: 0 });
  });

  it('gives up on an address the server keeps refusing after the last retry, and says so', async () => {
    await queueMail(db.db, { schoolId, purpose: 'alert', to: 'nobody@oakfield.example', subject: 'Alert', text: '…' }, clock.now());
    smtp.refuseNext(100);
    let gaveUp = 0;
    for (let i = 0; i < 10 && gaveUp === 0; i++) {
      gaveUp = (await sendQueuedMail({ db: db.db, clock, config: config() })).gaveUp;
      clock.advance(13 * 3600_000);
    }
    smtp.refuseNext(0);
    assert.equal(gaveUp, 1);
    assert.equal((await outboxCounts(db.db, schoolId)).gaveUp, 1);
  });

  it('refuses to queue mail for something that is not an e-mail address', async () => {
    await assert.rejects(queueMail(db.db, { schoolId, purpose: 'alert', to: 'not an address', subject: 's', text: 't' }, clock.now()), /not an e-mail address/);
  });

  it('says plainly when the mail server setting is not an SMTP address, without printing its password', () => {
    assert.throws(() => loadConfig({ OSPREY_SMTP_URL: 'https://osprey:hunter2@mail.example' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /\(OSPREY_SMTP_URL\) must start with smtp:\/\/ or smtps:\/\//);
      return true;
    });
    assert.throws(() => loadConfig({ OSPREY_SMTP_URL: 'smtp://osprey:hunter2@ bad host' }), (e: unknown) => !String((e as Error).message).includes('hunter2'));
  });
});
