/**
 * Monitoring and alerts (R4.2, R4.3, R2.13), end to end on the real activity pipeline, database and an SMTP server:
 * a Year 8 pupil searches for a way to harm themselves at 10:14; the DSL has an immediate alert in Osprey with the
 * evidence and the pupil's recent activity, and an e-mail that names nobody. A teacher cannot open the inbox; the
 * Online Safety Lead does not see an alert routed to the DSL; a dismissal needs a reason; every read is audited.
 * A search in a support context raises nothing; a lower-risk search waits for the weekly digest.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newActivityId } from '../src/activity/ids.ts';
import { startActivityPipeline, type ActivityPipeline } from '../src/activity/pipeline.ts';
import type { ActivityEvent } from '../src/activity/types.ts';
import { sendQueuedMail } from '../src/platform/mail.ts';
import { sendDueDigests } from '../src/monitoring/digest.ts';
import { MonitoringStage } from '../src/monitoring/stage.ts';
import { readWatermark, writeWatermark } from '../src/monitoring/store.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.ts';
import { waitFor } from './fixtures/proxy/harness.ts';

const MIN = 60_000;

describe('monitoring: from a pupil\'s search to the DSL\'s inbox', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let pipeline: ActivityPipeline;
  let stage: MonitoringStage;
  let dsl: Session;
  let osl: Session;
  let teacher: Session;
  let pupil: { id: string; username: string };
  let T0: number;
  const emitted: ActivityEvent[] = [];

  const event = (minutes: number, fields: Partial<ActivityEvent>): ActivityEvent => {
    const time = T0 + minutes * MIN;
    const e: ActivityEvent = {
      id: newActivityId(time), time, schoolId: t.school.id, personId: pupil.id, username: pupil.username, ip: '10.0.8.14',
      host: 'www.example.com', action: 'allow', reason: 'default', policyId: 'pupils', frontEnd: 'proxy', node: 'control-plane', ...fields,
    };
    emitted.push(e);
    return e;
  };
  const search = (minutes: number, q: string) => event(minutes, {
    host: 'www.google.co.uk', url: `http://www.google.co.uk/search?q=${encodeURIComponent(q).replace(/%20/g, '+')}`, searchTerm: q,
  });
  async function store(...events: ActivityEvent[]) {
    for (const e of events) pipeline.emit(e);
    assert.equal(await pipeline.drain(30_000), true);
    await stage.drain();
  }
  const alertsOf = async (s: Session, query = '') => {
    const res = await t.as(s, 'GET', `/api/alerts${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json().alerts as Array<{ id: string; severity: string; category: string; status: string; person: { name: string } | null; delivery: string }>;
  };

  before(async () => {
    t = await createTestApp();
    T0 = t.clock.now().getTime() + 74 * MIN; // 10:14
    smtp = await startSmtpServer();
    const dslPerson = await t.makePerson(['dsl'], { username: 'r.okafor' });
    const oslPerson = await t.makePerson(['online_safety_lead'], { username: 'j.price' });
    await t.makePerson(['teacher'], { username: 'm.hughes' });
    pupil = await t.makePerson(['pupil'], { username: 'sam.t', yearGroup: 'Year 8' });
    await t.db.updateTable('people').set({ email: 'r.okafor@oakfield.example' }).where('id', '=', dslPerson.id).execute();
    await t.db.updateTable('people').set({ email: 'j.price@oakfield.example' }).where('id', '=', oslPerson.id).execute();
    dsl = await t.logIn('r.okafor');
    osl = await t.logIn('j.price');
    teacher = await t.logIn('m.hughes');
    stage = new MonitoringStage({ db: t.db, clock: t.clock, publicUrl: () => 'https://osprey.oakfield.example' });
    pipeline = await startActivityPipeline({ db: t.db, databaseKind: t.handle.kind, dataDir: t.dataDir, onStored: stage.onStored });
  });
  after(async () => {
    await pipeline?.stop();
    await stage?.stop();
    await smtp?.close();
    await t?.close();
  });

  it('raises an immediate alert for a self-harm search, with the evidence and the pupil\'s recent activity', async () => {
    await store(
      event(-3, { host: 'www.bbc.co.uk', url: 'http://www.bbc.co.uk/bitesize' }),
      event(-2, { host: 'www.roblox.com', categoryId: 'games', action: 'block', reason: 'category' }),
      search(0, 'how to k1ll myself painlessly'),
    );
    const alerts = await alertsOf(dsl);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].severity, 'critical');
    assert.equal(alerts[0].category, 'self_harm');
    assert.equal(alerts[0].delivery, 'immediate');
    assert.match(alerts[0].person!.name, /pupil/);

    const detail = (await t.as(dsl, 'GET', `/api/alerts/${alerts[0].id}`)).json();
    assert.equal(detail.evidence.length, 1);
    assert.equal(detail.evidence[0].searchTerm, 'how to k1ll myself painlessly');
    assert.ok(detail.evidence[0].phrases.some((p: { phrase: string }) => /kill myself/.test(p.phrase)));
    assert.ok(detail.score >= 50);
    assert.deepEqual(detail.context.map((c: { host: string }) => c.host), ['www.google.co.uk', 'www.roblox.com', 'www.bbc.co.uk']);
  });

  it('e-mails the DSL at once, saying there is an alert without naming the pupil or the search', async () => {
    await sendQueuedMail({ db: t.db, clock: t.clock, config: { smtpUrl: smtp.url, mailFrom: 'Osprey <osprey@oakfield.example>' } });
    const [mail] = await smtp.waitForMessages(1);
    assert.deepEqual(mail.to, ['r.okafor@oakfield.example']);
    assert.match(mail.subject, /critical safeguarding alert/);
    assert.match(mail.text, /https:\/\/osprey\.oakfield\.example\/alerts\/[0-9a-f-]{36}/);
    assert.doesNotMatch(mail.text, /k1ll|kill|myself|google|sam\.t|Year 8/i);
  });

  it('keeps the inbox from a teacher and a self-harm alert from the Online Safety Lead', async () => {
    assert.equal((await t.as(teacher, 'GET', '/api/alerts')).statusCode, 403);
    assert.equal((await t.as(teacher, 'GET', '/api/monitoring/phrases')).statusCode, 403);
    assert.deepEqual(await alertsOf(osl), []);
    const id = (await alertsOf(dsl))[0].id;
    assert.equal((await t.as(osl, 'GET', `/api/alerts/${id}`)).statusCode, 404);
  });

  it('does not alert twice when the same events are stored again or scored again after a restart', async () => {
    await store(...emitted.slice(0, 3)); // a replay of the spool: nothing new is stored, the listener hears it again
    const again = new MonitoringStage({ db: t.db, clock: t.clock, publicUrl: () => 'https://osprey.oakfield.example' });
    assert.ok(await again.catchUp() >= 3);
    const alerts = await alertsOf(dsl);
    assert.equal(alerts.length, 1);
    const detail = (await t.as(dsl, 'GET', `/api/alerts/${alerts[0].id}`)).json();
    assert.equal(detail.evidence.length, 1);
    const outbox = await t.db.selectFrom('mail_outbox').select('id').where('purpose', '=', 'alert').execute();
    assert.equal(outbox.length, 1, 'one e-mail for one alert');
  });

  it('after a clean stop a restart scores again only what it must; after a crash it looks back ten minutes', async () => {
    const stage = () => new MonitoringStage({ db: t.db, clock: t.clock, publicUrl: () => 'https://osprey.oakfield.example' });
    const running = stage();
    await running.catchUp();
    await running.stop();
    const mark = await readWatermark(t.db);
    assert.equal(mark?.clean, true, 'a clean stop says so');

    const afterClean = stage();
    const rescored = await afterClean.catchUp();
    assert.equal((await readWatermark(t.db))?.clean, false, 'a running stage never leaves the watermark marked clean');
    await afterClean.stop();

    await writeWatermark(t.db, mark!.watermark, false); // what a kill -9 leaves
    const afterCrash = stage();
    const lookedBack = await afterCrash.catchUp();
    await afterCrash.stop();
    assert.ok(lookedBack >= 3, `after a crash the events of the last ten minutes are scored again (${lookedBack})`);
    assert.ok(rescored < lookedBack && rescored <= 1, `after a clean stop only the newest scored moment is looked at again (${rescored} events, ${lookedBack} after a crash)`);
    assert.equal((await alertsOf(dsl)).length, 1, 'and nothing is alerted twice');
  });

  it('adds a repeat within the half-hour to the same alert instead of a new e-mail', async () => {
    await store(search(6, 'kms'));
    const alerts = await alertsOf(dsl);
    assert.equal(alerts.length, 1);
    assert.equal((await t.as(dsl, 'GET', `/api/alerts/${alerts[0].id}`)).json().evidence.length, 2);
  });

  it('raises nothing for a search for help, and puts a lower-risk search into the digest', async () => {
    await store(search(8, 'childline suicide support'), search(9, 'where to buy weed near me'));
    const alerts = await alertsOf(dsl);
    assert.equal(alerts.length, 2);
    const drugs = alerts.find((a) => a.category === 'drugs')!;
    assert.equal(drugs.delivery, 'digest');
    assert.equal(drugs.severity, 'medium');
    assert.equal((await alertsOf(osl)).length, 1, 'the digest rule also goes to the Online Safety Lead');
    assert.equal((await t.db.selectFrom('mail_outbox').select('id').where('purpose', '=', 'alert').execute()).length, 1, 'no immediate e-mail');
  });

  it('raises an immediate alert for an attempt at illegal content and for getting round the filter', async () => {
    await store(
      event(20, { host: 'bad.example.net', categoryId: 'child-abuse', action: 'block', reason: 'illegal_content', sourceId: 'iwf' }),
      event(21, { host: 'free-vpn.example', categoryId: 'vpns', action: 'block', reason: 'category', circumvention: true }),
    );
    const critical = (await alertsOf(dsl)).filter((a) => a.severity === 'critical');
    assert.equal(critical.length, 2);
    const osls = await alertsOf(osl);
    assert.ok(osls.some((a) => a.severity === 'high'), 'circumvention goes to the Online Safety Lead');
    assert.ok(osls.some((a) => a.severity === 'critical'), 'illegal content goes to the Online Safety Lead too');
  });

  it('needs a reason to dismiss, records who acknowledged and dismissed, and audits every read', async () => {
    const [first] = (await alertsOf(dsl)).filter((a) => a.category === 'self_harm');
    const noReason = await t.as(dsl, 'POST', `/api/alerts/${first.id}/dismiss`, {});
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.json().error.message, /Say why/);
    assert.equal((await t.as(osl, 'POST', `/api/alerts/${first.id}/acknowledge`, {})).statusCode, 404);
    const ack = await t.as(dsl, 'POST', `/api/alerts/${first.id}/acknowledge`, { note: 'Spoke to Sam with the head of year' });
    assert.equal(ack.statusCode, 200, ack.body);
    assert.equal(ack.json().status, 'acknowledged');
    assert.equal(ack.json().handledBy, 'r.okafor');
    t.clock.advance(20 * MIN); // after a talk with the pupil
    const dismissed = await t.as(dsl, 'POST', `/api/alerts/${first.id}/dismiss`, { reason: 'Support plan in place; parents informed' });
    assert.equal(dismissed.json().status, 'dismissed');
    assert.deepEqual(dismissed.json().actions.map((a: { action: string; by: string }) => [a.action, a.by]), [['acknowledged', 'r.okafor'], ['dismissed', 'r.okafor']]);
    assert.equal((await t.as(dsl, 'POST', `/api/alerts/${first.id}/dismiss`, { reason: 'again' })).statusCode, 409);

    const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_label', 'entity_id']).where('entity_type', '=', 'alert').execute();
    const did = (action: string) => audit.filter((a) => a.action === action && a.entity_id === first.id && a.actor_label === 'r.okafor').length;
    assert.ok(did('alert.read') >= 1);
    assert.equal(did('alert.acknowledged'), 1);
    assert.equal(did('alert.dismissed'), 1);
    assert.ok(audit.some((a) => a.action === 'alert.raised' && a.entity_id === first.id));
    assert.ok(audit.some((a) => a.action === 'alerts.listed' && a.actor_label === 'j.price'));
  });

  it('lets the Online Safety Lead import a list (bad lines reported), test a phrase and see it used at once', async () => {
    const file = Buffer.concat([Buffer.from('<vape shop><40>\n< bad weight ><4O>\n'), Buffer.from([0x3c, 0xff, 0xfe, 0x3e, 0x0a]), Buffer.from('<buy>,< vape ><30>\n<caf\u00e9 cr\u00e8me><5>\n')]);
    const dry = await t.as(osl, 'POST', '/api/monitoring/phrases/import', { category: 'drugs', format: 'e2guardian', content: file.toString('base64'), fileName: 'vapes.txt', dryRun: true });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual({ read: dry.json().read, added: dry.json().added }, { read: 3, added: 0 });
    const res = await t.as(osl, 'POST', '/api/monitoring/phrases/import', { category: 'drugs', format: 'e2guardian', content: file.toString('base64'), fileName: 'vapes.txt' });
    assert.equal(res.json().added, 3);
    assert.deepEqual(res.json().problems.map((p: { line: number }) => p.line), [2, 3]);
    const scored = (await t.as(osl, 'POST', '/api/monitoring/test', { text: 'where can I buy a V4PE' })).json();
    assert.equal(scored.scores.drugs, 30);
    const cats = (await t.as(osl, 'GET', '/api/monitoring/phrases')).json().categories;
    assert.ok(cats.find((c: { id: string; phrases: number }) => c.id === 'self_harm').phrases > 20);
    const rules = (await t.as(osl, 'GET', '/api/monitoring/rules')).json().rules;
    assert.equal(rules[0].kind, 'illegal');
    const changed = await t.as(osl, 'PATCH', `/api/monitoring/rules/${rules[4].id}`, { thresholdCount: 3, windowMinutes: 5 });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await t.as(osl, 'PATCH', `/api/monitoring/rules/${rules[4].id}`, { routeRoles: ['pupil'] })).statusCode, 400);
  });

  it('alerts the Online Safety Lead when one pupil is blocked again and again', async () => {
    await waitFor('the stage to see the rule change', async () => {
      stage.invalidate(t.school.id);
      return true;
    });
    await store(...[30, 31, 32].map((m) => event(m, { host: `game${m}.example`, categoryId: 'games', action: 'block', reason: 'category' })));
    const repeated = (await alertsOf(osl)).filter((a) => a.category === 'games');
    assert.equal(repeated.length, 1);
  });
  it('sends the weekly digest when a week has passed, and not before', async () => {
    const deps = { db: t.db, clock: t.clock, publicUrl: 'https://osprey.oakfield.example' };
    t.clock.advance(6 * 24 * 60 * MIN);
    assert.deepEqual(await sendDueDigests(deps), []);
    t.clock.advance(2 * 24 * 60 * MIN);
    const [sent] = await sendDueDigests(deps);
    assert.deepEqual({ alerts: sent.alerts, mails: sent.mails }, { alerts: 1, mails: 2 });
    await sendQueuedMail({ db: t.db, clock: t.clock, config: { smtpUrl: smtp.url, mailFrom: 'Osprey <osprey@oakfield.example>' } });
    const mails = await smtp.waitForMessages(3);
    const digest = mails.filter((m) => /weekly digest/.test(m.subject));
    assert.deepEqual(digest.map((m) => m.to[0]).sort(), ['j.price@oakfield.example', 'r.okafor@oakfield.example']);
    assert.match(digest[0].text, /1 × medium: Drugs/);
    assert.doesNotMatch(digest[0].text, /weed/);
    assert.deepEqual(await sendDueDigests(deps), [], 'the same alerts are not sent twice');

    // The Online Safety Lead asks for a daily digest: a day later the next one is due.
    const lead = await t.logIn('j.price');
    assert.equal((await t.as(lead, 'PUT', '/api/monitoring/digest', { frequency: 'daily' })).statusCode, 200);
    t.clock.advance(24 * 60 * MIN);
    assert.equal((await sendDueDigests(deps)).length, 1);
  });

  it('lets the Online Safety Lead re-route and retune rules (audited), but never quieten the illegal-content alert', async () => {
    const lead = await t.logIn('j.price');
    const rules = (await t.as(lead, 'GET', '/api/monitoring/rules')).json().rules as Array<{ id: string; kind: string; category: string | null; minScore: number | null; routeRoles: string[] }>;
    const illegal = rules.find((r) => r.kind === 'illegal')!;
    for (const change of [{ enabled: false }, { delivery: 'digest' }]) {
      const refused = await t.as(lead, 'PATCH', `/api/monitoring/rules/${illegal.id}`, change);
      assert.equal(refused.statusCode, 400);
      assert.match(refused.json().error.message, /always raise an immediate alert/);
    }
    const rerouted = await t.as(lead, 'PATCH', `/api/monitoring/rules/${illegal.id}`, { routeRoles: ['dsl', 'deputy_dsl', 'headteacher'] });
    assert.equal(rerouted.statusCode, 200, rerouted.body);
    assert.deepEqual(rerouted.json().routeRoles, ['dsl', 'deputy_dsl', 'headteacher']);

    const selfHarm = rules.find((r) => r.kind === 'phrase' && r.category === 'self_harm' && (r.minScore ?? 0) >= 50)!;
    assert.equal((await t.as(lead, 'PATCH', `/api/monitoring/rules/${selfHarm.id}`, { minScore: 40 })).json().minScore, 40);
    const teacherNow = await t.logIn('m.hughes');
    assert.equal((await t.as(teacherNow, 'PATCH', `/api/monitoring/rules/${selfHarm.id}`, { minScore: 1 })).statusCode, 403);
    const audit = await t.db.selectFrom('audit_log').select(['entity_id']).where('action', '=', 'alert_rule.changed').where('entity_id', 'in', [illegal.id, selfHarm.id]).execute();
    assert.deepEqual(audit.map((a) => a.entity_id).sort(), [illegal.id, selfHarm.id].sort(), 'each accepted change is audited, the refused ones are not');
  });

});
