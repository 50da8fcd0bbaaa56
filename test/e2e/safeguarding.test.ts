/**
 * Issue 5's first acceptance item, end to end: the real `osprey serve` with its web proxy and monitoring stage, a real
 * SMTP server, Debian's Chromium configured with Osprey's PAC file, and a local stand-in for Bing (its name answered
 * by the test's own DNS server, so nothing leaves the machine).
 *
 * A Year 8 pupil logs on at the log-on page and searches "how to kill myself". The DSL finds the immediate critical
 * self-harm alert naming the pupil in their Alerts inbox, reads the search as evidence, and has an e-mail that says
 * there is an alert without naming the pupil or the search. The DSL escalates it into an incident: restricted, with
 * the search as evidence and the pupil as the person at risk; answers the triage questions, completes or skips (with a
 * reason) every step, writes the outcome and closes it. A teacher cannot see it (404, and not in their list); the
 * audit log has every read of the alert and of the incident, the escalation and the teacher's refused attempt.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/dns/upstream.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { ApiClient, launchBrowser, proxyPortOf, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
const DSL = { username: 'm.rahman', password: 'safeguard-harbour-lantern', email: 'm.rahman@kestrel.example' };
const TEACHER = { username: 'h.cohen', password: 'robins-chalk-window' };
const PUPIL = { username: 'staylor08', password: 'purple-otter-biscuit' };
const PUPIL_NAME = 'Sam Taylor';
// Not www.bing.com: Chromium's HSTS preload list would send that to HTTPS. The engine is known by its name, any suffix.
const SEARCH_HOST = 'www.bing.co.uk';
const SEARCH = 'how to kill myself';

let server: OspreyServer | undefined;
let browser: Browser | undefined;
let origin: Server | undefined;
let names: FakeUpstream | undefined;
let smtp: TestSmtpServer | undefined;
let originPort = 0;

before(async () => {
  // The stand-in search engine: a results page for whatever was searched.
  origin = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>${q.replace(/[<>&"]/g, '')} - Search</title><h1>Search results</h1><p>Results for your search</p>`);
  });
  await new Promise<void>((resolve) => origin!.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
  names = await startFakeUpstream([{ name: SEARCH_HOST, type: 'A', ttl: 300, data: '127.0.0.1' }]);
  smtp = await startSmtpServer();
  // the test site stands in for the internet on loopback, which the proxy opens only when told to
  server = await startOsprey({ env: { OSPREY_PROXY_DNS_SERVERS: names.address, OSPREY_FRONT_ENDS: 'proxy', OSPREY_SMTP_URL: smtp.url, OSPREY_PROXY_ALLOWED_DESTINATIONS: `127.0.0.1:${originPort}` } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await names?.close();
  await smtp?.close();
  await new Promise((resolve) => (origin ? origin.close(resolve) : resolve(undefined)));
});

/** Polls `check` (which may reload a page) until it is true, failing with `describe()` after `ms`. */
async function eventually(what: string, check: () => Promise<boolean>, describe: () => Promise<string>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} did not happen within ${ms / 1000} s:\n${await describe()}\n--- Osprey's output ---\n${server!.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('a pupil\'s self-harm search becomes an alert, an e-mail, a restricted incident that is triaged and closed, with every read audited', { timeout: 240_000 }, async () => {
  const url = server!.url.replace('//localhost:', '//127.0.0.1:');

  // The school: its administrator, the DSL (with an e-mail address), a teacher and a Year 8 pupil, each with a password.
  const admin = new ApiClient(server!.url);
  const token = new URL(server!.setupUrl).searchParams.get('token')!;
  await admin.call('POST', '/api/setup', { token, schoolName: 'Kestrel Academy', givenName: 'Alex', familyName: 'Morgan', ...ADMIN });
  await admin.logIn(ADMIN.username, ADMIN.password);
  const givePassword = async (id: string, who: { username: string; password: string }) => {
    const { temporaryPassword } = await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${id}/account/temporary-password`);
    const them = new ApiClient(server!.url);
    await them.logIn(who.username, temporaryPassword);
    await them.call('POST', '/api/auth/password', { currentPassword: temporaryPassword, newPassword: who.password });
  };
  const { id: dslId } = await admin.call<{ id: string }>('POST', '/api/people', { username: DSL.username, givenName: 'Mohammed', familyName: 'Rahman', email: DSL.email, roles: ['dsl'] });
  const { id: teacherId } = await admin.call<{ id: string }>('POST', '/api/people', { username: TEACHER.username, givenName: 'Hannah', familyName: 'Cohen', email: 'h.cohen@kestrel.example', roles: ['teacher'] });
  const { id: pupilId } = await admin.call<{ id: string }>('POST', '/api/people', { username: PUPIL.username, givenName: 'Sam', familyName: 'Taylor', roles: ['pupil'], yearGroup: 'Year 8' });
  await givePassword(dslId, DSL);
  await givePassword(teacherId, TEACHER);
  await givePassword(pupilId, PUPIL);
  await admin.call('PUT', '/api/identity/settings', { unidentified: 'logon', logonMinutes: 60 });

  // The pupil, in Chromium set up through Osprey's PAC file: sent to log on, then back to the search.
  await proxyPortOf(server!);
  browser = await launchBrowser([`--proxy-pac-url=${server!.url}/proxy.pac`]);
  const pupilContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const pupil = await pupilContext.newPage();
  pupil.setDefaultTimeout(30_000);
  const searchUrl = `http://${SEARCH_HOST}:${originPort}/search?q=${SEARCH.replace(/ /g, '+')}`;
  await pupil.goto(searchUrl).catch((e: Error) => { throw new Error(`${e.message}\n--- Osprey's output ---\n${server!.output()}`); });
  await waitForPath(pupil, '/logon', 30_000);
  await pupil.getByLabel('Username').fill(PUPIL.username);
  await pupil.getByLabel('Password').fill(PUPIL.password);
  await pupil.getByRole('button', { name: 'Log on' }).click();
  await see(pupil, 'You are logged on', 30_000);
  await pupil.getByRole('link', { name: /Continue to/ }).click();
  await pupil.waitForURL((u) => u.hostname === SEARCH_HOST && u.pathname === '/search', { timeout: 30_000 }).catch(async (e: Error) => {
    throw new Error(`${e.message}\nThe page is ${pupil.url()}:\n${await pupil.locator('body').innerText().catch(() => '')}\n${server!.output()}`);
  });
  await see(pupil, 'Results for your search', 30_000);

  // The DSL, on a desktop-sized page of their own, logs in and opens Alerts.
  const dslContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const dsl = await dslContext.newPage();
  dsl.setDefaultTimeout(30_000);
  const alertReads: string[] = [];
  const incidentReads: string[] = [];
  dsl.on('response', (r) => {
    if (r.request().method() !== 'GET' || r.status() !== 200) return;
    const p = new URL(r.url()).pathname;
    if (/^\/api\/alerts\/[^/]+$/.test(p)) alertReads.push(p);
    if (/^\/api\/incidents\/[0-9a-f-]{36}$/.test(p)) incidentReads.push(p);
  });
  await dsl.goto(`${url}/login`);
  await logInOnPage(dsl, { username: DSL.username, password: DSL.password });
  await waitForPath(dsl, '/', 30_000);
  await dsl.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
  await waitForPath(dsl, '/alerts');

  // The immediate alert arrives in the inbox (the page is reloaded until it does, within a minute).
  const alertRow = dsl.getByRole('table', { name: 'Alerts' }).getByRole('row').filter({ hasText: PUPIL_NAME });
  await eventually('The self-harm alert appearing in the DSL\'s Alerts', async () => {
    await dsl.goto(`${url}/alerts`);
    await dsl.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    await dsl.waitForFunction(() => document.querySelectorAll('.mantine-Loader').length === 0, undefined, { timeout: 30_000 });
    return (await alertRow.count()) > 0;
  }, () => dsl.locator('main').innerText());
  assert.equal(await alertRow.count(), 1, 'one alert for the search');
  assert.equal(await alertRow.getAttribute('data-severity'), 'critical');
  assert.match(await alertRow.innerText(), /Self-harm and suicide[\s\S]*Sam Taylor \(Year 8\)[\s\S]*Open/);

  // Its page: who, and the search itself as the evidence.
  await alertRow.getByRole('link', { name: 'Self-harm and suicide' }).click();
  await dsl.getByRole('heading', { level: 1, name: 'Self-harm and suicide' }).waitFor();
  const alertId = new URL(dsl.url()).pathname.split('/').pop()!;
  await see(dsl, `Who: ${PUPIL_NAME} (Year 8)`);
  const evidence = await dsl.getByRole('table', { name: 'Evidence' }).innerText();
  assert.match(evidence, new RegExp(SEARCH));
  assert.ok(evidence.includes(SEARCH_HOST), evidence);
  assert.match(evidence, /Allowed|Blocked/);

  // The e-mail: to the DSL's address, urgent, with a link to the alert, and nothing that identifies the pupil.
  await eventually('The alert e-mail reaching the SMTP server', async () => smtp!.messages.some((m) => /safeguarding alert/.test(m.subject)),
    async () => `received: ${JSON.stringify(smtp!.messages.map((m) => ({ to: m.to, subject: m.subject })))}`);
  const mails = smtp!.messages.filter((m) => /safeguarding alert/.test(m.subject));
  assert.equal(mails.length, 1, 'one e-mail for the one alert');
  const [mail] = mails;
  assert.deepEqual(mail!.to, [DSL.email]);
  assert.match(mail!.subject, /critical safeguarding alert/);
  assert.match(mail!.text, /self-harm/i);
  assert.ok(mail!.text.includes(`${server!.url}/alerts/${alertId}`), `the e-mail links to the alert:\n${mail!.text}`);
  for (const secret of ['Sam', 'Taylor', PUPIL.username, 'kill', 'myself', SEARCH_HOST]) {
    assert.ok(!mail!.raw.includes(secret), `the e-mail must not contain "${secret}":\n${mail!.raw}`);
  }

  // Escalate: what the DSL writes becomes the incident's description; the new incident's page opens.
  await dsl.getByLabel('Note or reason').fill('Sam searched for ways to end their life during period 3. Spoke to Sam at break.');
  await dsl.getByRole('button', { name: 'Escalate into an incident' }).click();
  await dsl.waitForURL((u) => /^\/incidents\/[0-9a-f-]{36}$/.test(u.pathname));
  await dsl.getByRole('heading', { level: 1, name: /^Incident INC-\d{4}-\d{4}$/ }).waitFor();
  const incidentId = new URL(dsl.url()).pathname.split('/').pop()!;
  await see(dsl, 'Restricted: safeguarding');
  await see(dsl, 'Sam searched for ways to end their life during period 3. Spoke to Sam at break.');
  await see(dsl, /From a monitoring alert/);
  await see(dsl, `searched “${SEARCH}”`);
  const involved = await dsl.getByRole('table', { name: 'People involved' }).innerText();
  assert.match(involved, /Sam Taylor\s+Pupil\s+Victim/);

  // Triage: not illegal, no staff involved, the pupil at risk (the victim), serious.
  await dsl.getByRole('radiogroup', { name: /Was illegal material/ }).getByLabel('No').check();
  await dsl.getByRole('radiogroup', { name: /involve a member of staff/ }).getByLabel('No').check();
  await dsl.getByRole('radiogroup', { name: /pupil the victim or the instigator/ }).getByLabel('Victim').check();
  await dsl.getByRole('radiogroup', { name: /serious or persistent/ }).getByLabel('Yes').check();
  await dsl.getByRole('button', { name: 'Save answers and make the checklist' }).click();
  await see(dsl, '4 required steps are still to do.');

  // Closing with steps still open is refused, naming them.
  await dsl.getByLabel('Outcome', { exact: true }).fill('Sam is supported by the pastoral team with a safety plan; parents informed; CAMHS referral made.');
  await dsl.getByRole('button', { name: 'Close the incident' }).click();
  await see(dsl, /These steps are not done yet: .*Keep the evidence/);

  const step = (label: string) => dsl.getByRole('region', { name: label, exact: true });
  const complete = async (label: string, note: string) => {
    const s = step(label);
    await s.getByLabel(/^Note/).fill(note);
    await s.getByRole('button', { name: 'Mark done' }).click();
    await s.getByText(`Done by ${DSL.username} on`).waitFor();
  };
  const skip = async (label: string, reason: string) => {
    const s = step(label);
    await s.getByLabel(/^Note/).fill(reason);
    await s.getByRole('button', { name: 'Skip with reason' }).click();
    await s.getByText(`Skipped by ${DSL.username} on`).waitFor();
  };
  await complete('Keep the evidence', 'Alert evidence attached to this incident');
  await complete('Support the pupil in school', 'Head of Year 8 and the DSL met Sam; daily check-ins');
  await complete('Inform parents or carers', 'Phoned Sam\'s mother at 13:10');
  await skip('Inform the child-protection lead (Designated Safeguarding Lead)', 'I am the DSL and am handling it');
  await skip('Confiscate the device, if appropriate', 'A shared school computer; nothing on it to keep');
  await see(dsl, 'Every required step is done or skipped with a reason.');
  await see(dsl, /Done by m\.rahman on .*: Phoned Sam's mother at 13:10/);
  await see(dsl, /Skipped by m\.rahman on .*: I am the DSL and am handling it/);

  // The outcome is still in the box: close it.
  assert.match(await dsl.getByLabel('Outcome', { exact: true }).inputValue(), /safety plan/);
  await dsl.getByRole('button', { name: 'Close the incident' }).click();
  await see(dsl, 'Status changed to closed');
  await dsl.getByText('Closed', { exact: true }).first().waitFor();
  assert.equal(await dsl.getByRole('button', { name: 'Correct or add to the record' }).count(), 0, 'a closed record cannot be changed');
  await see(dsl, /CAMHS referral made/);

  // The alert now says it was escalated, and links to the incident.
  await dsl.goto(`${url}/alerts/${alertId}`);
  await see(dsl, `Escalated to an incident by ${DSL.username}`);
  assert.equal(await dsl.getByRole('link', { name: 'Open the incident' }).getAttribute('href'), `/incidents/${incidentId}`);

  // A teacher: not found at the address, and not in their list.
  const teacher = new ApiClient(server!.url);
  await teacher.logIn(TEACHER.username, TEACHER.password);
  await assert.rejects(teacher.call('GET', `/api/incidents/${incidentId}`), /answered 404/);
  const { incidents } = await teacher.call<{ incidents: Array<{ id: string }> }>('GET', '/api/incidents');
  assert.ok(!incidents.some((i) => i.id === incidentId), 'the incident is not in the teacher\'s list');
  await assert.rejects(teacher.call('GET', `/api/alerts/${alertId}`), /answered 40[34]/);

  // The audit log, as the administrator reads it.
  type Entry = { actorLabel: string; action: string; entityId: string | null; details: Record<string, unknown> | null };
  const audit = async (action: string) => (await admin.call<{ entries: Entry[] }>('GET', `/api/audit?action=${action}&limit=500`)).entries.filter((e) => e.action === action);
  const alertReadEntries = (await audit('alert.read')).filter((e) => e.entityId === alertId && e.actorLabel === DSL.username);
  const pageReads = alertReads.filter((p) => p.endsWith(`/${alertId}`)).length;
  assert.ok(pageReads >= 2, `the DSL's page read the alert (${pageReads})`);
  assert.equal(alertReadEntries.filter((e) => e.details?.purpose !== 'escalation').length, pageReads, 'every read of the alert by the DSL is in the audit log');
  assert.equal(alertReadEntries.filter((e) => e.details?.purpose === 'escalation').length, 1, 'the read made to escalate it too');
  assert.equal((await audit('alert.escalated')).filter((e) => e.entityId === alertId && e.actorLabel === DSL.username).length, 1);
  assert.equal((await audit('incident.escalated')).filter((e) => e.actorLabel === DSL.username).length, 1);
  const viewed = (await audit('incident.viewed')).filter((e) => e.entityId === incidentId);
  const incidentPageReads = incidentReads.filter((p) => p.endsWith(`/${incidentId}`)).length;
  assert.ok(incidentPageReads >= 5, `the DSL's page read the incident after each change (${incidentPageReads})`);
  assert.ok(viewed.every((e) => e.actorLabel === DSL.username), 'only the DSL read the incident');
  assert.equal(viewed.length, incidentPageReads, 'every read of the incident is in the audit log');
  const refused = (await audit('incident.view_refused')).filter((e) => e.entityId === incidentId);
  assert.deepEqual(refused.map((e) => e.actorLabel), [TEACHER.username], 'the teacher\'s attempt is recorded');
  assert.ok((await audit('alerts.listed')).some((e) => e.actorLabel === DSL.username), 'opening the inbox is recorded');
  assert.equal((await audit('incident.listed')).filter((e) => e.entityId === incidentId && e.actorLabel === TEACHER.username).length, 0);
});
