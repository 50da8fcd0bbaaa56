/**
 * Issue 6's first acceptance item, in a real browser: a new Year 7 pupil's account browses through Osprey's proxy
 * (Chromium with the PAC file, the real `osprey serve`, a local test site), is sent to sign the Key Stage 3
 * Acceptable Use Agreement, signs it, and browses normally; the coverage view shows the change and the audit log
 * records the signature.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/dns/upstream.ts';
import { waitFor } from '../helpers/wait.ts';
import { ApiClient, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
const PUPIL = { username: 'nokafor', password: 'silver-heron-pancake' };
const SITE = 'www.kestrel-learning.org';

let server: OspreyServer | undefined;
let browser: Browser | undefined;
let origin: Server | undefined;
let names: FakeUpstream | undefined;
let originPort = 0;

before(async () => {
  origin = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>${req.headers.host}</title><h1>Welcome to ${req.headers.host?.split(':')[0]}</h1>`);
  });
  await new Promise<void>((resolve) => origin!.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
  names = await startFakeUpstream([{ name: SITE, type: 'A', ttl: 300, data: '127.0.0.1' }]);
  // the test site stands in for the internet on loopback, which the proxy opens only when told to
  server = await startOsprey({ env: { OSPREY_PROXY_DNS_SERVERS: names.address, OSPREY_FRONT_ENDS: 'proxy', OSPREY_PROXY_ALLOWED_DESTINATIONS: `127.0.0.1:${originPort}` } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await names?.close();
  await new Promise((resolve) => (origin ? origin.close(resolve) : resolve(undefined)));
});

test('a new Year 7 pupil is sent to sign the agreement, signs it, and browses; coverage and the audit log show it', { timeout: 150_000 }, async () => {
  // The school: an administrator, the Key Stage 3 agreement published with no grace period, log-on required.
  const admin = new ApiClient(server!.url);
  const token = new URL(server!.setupUrl).searchParams.get('token')!;
  await admin.call('POST', '/api/setup', { token, schoolName: 'Kestrel Academy', givenName: 'Alex', familyName: 'Morgan', ...ADMIN });
  await admin.logIn(ADMIN.username, ADMIN.password);
  await admin.call('PUT', '/api/agreements/settings', { yearStarts: '09-01', gating: true, joinerGraceDays: 0, versionGraceDays: 14, yearGraceDays: 14 });
  const { templates } = await admin.call<{ templates: { id: string; key: string }[] }>('GET', '/api/agreements/templates');
  await admin.call('POST', `/api/agreements/templates/${templates.find((t) => t.key === 'ks3')!.id}/publish`);
  await admin.call('PUT', '/api/identity/settings', { unidentified: 'logon', logonMinutes: 60 });

  // The new pupil's account, as the office sets it up.
  const { id: pupilId } = await admin.call<{ id: string }>('POST', '/api/people', { username: PUPIL.username, givenName: 'Nia', familyName: 'Okafor', roles: ['pupil'], yearGroup: 'Year 7' });
  const { temporaryPassword } = await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${pupilId}/account/temporary-password`);
  const pupilApi = new ApiClient(server!.url);
  await pupilApi.logIn(PUPIL.username, temporaryPassword);
  await pupilApi.call('POST', '/api/auth/password', { currentPassword: temporaryPassword, newPassword: PUPIL.password });
  // Nobody opens or edits a filtering policy: the Key Stage 3 group her account has just brought into being must be
  // linked to the Key Stage 3 policy by Osprey itself before her first request (an unlinked pupil is filtered as an
  // unidentified device, which blocks everything).
  const before = await admin.call<{ counts: { signed: number; unsigned: number } }>('GET', '/api/agreements/coverage', undefined);
  assert.equal(before.counts.unsigned, 1);

  browser = await launchBrowser([`--proxy-pac-url=${server!.url}/proxy.pac`]);
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  page.setDefaultTimeout(20_000);

  // She logs on to the internet; the log-on page tells her to sign first.
  const siteUrl = `http://${SITE}:${originPort}/lessons/welcome`;
  await page.goto(siteUrl);
  await waitForPath(page, '/logon');
  await page.getByLabel('Username').fill(PUPIL.username);
  await page.getByLabel('Password').fill(PUPIL.password);
  await page.getByRole('button', { name: 'Log on' }).click();
  await see(page, 'read and sign the school\'s Acceptable Use Agreement');

  // Going to the site anyway, the proxy sends her to the sign page (she logs in to Osprey there).
  await page.goto(siteUrl);
  await waitForPath(page, '/login');
  await logInOnPage(page, { username: PUPIL.username, password: PUPIL.password });
  await waitForPath(page, '/agreements/sign');
  await see(page, 'Students in Key Stage 3 and above');
  await see(page, /filters and monitors internet use/);

  // Signing without ticking the box is explained; then she ticks, types her name and signs.
  await page.getByLabel('Type your full name').fill('Nia Okafor');
  await page.getByRole('button', { name: 'Sign the agreement' }).click();
  await see(page, 'Tick the box to say you have read the agreement');
  await page.getByLabel('I have read this agreement and I will keep to it').check();
  await page.getByRole('button', { name: 'Sign the agreement' }).click();
  await see(page, 'everything is signed');

  // Carrying on to the site now works: the proxy has the signature within a second.
  await page.getByRole('link', { name: /Carry on to/ }).click();
  await page.waitForURL(siteUrl).catch(async (e: Error) => {
    throw new Error(`${e.message}\nThe page is ${page.url()}:\n${await page.locator('body').innerText().catch(() => '')}`);
  });
  await see(page, `Welcome to ${SITE}`);

  // The activity log shows the page was let through under the Key Stage 3 policy, not the unidentified one.
  const allowed = await waitFor('the activity log to record her allowed request', async () => {
    const { events } = await admin.call<{ events: { policy: { name: string | null }; person: { id: string } | null }[] }>('GET', `/api/activity?person=${PUPIL.username}&host=${SITE}&action=allow`);
    return events[0];
  });
  assert.equal(allowed.person?.id, pupilId);
  assert.equal(allowed.policy.name, 'Key Stage 3', 'the brand-new Year 7 pupil is filtered by the Key Stage 3 policy');

  // The Online Safety Lead's coverage view shows her as signed, and the audit log records the signature.
  const staff = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  staff.setDefaultTimeout(20_000);
  await staff.goto(`${server!.url}/login`);
  await logInOnPage(staff, { username: ADMIN.username, password: ADMIN.password });
  await waitForPath(staff, '/');
  await staff.goto(`${server!.url}/agreements/coverage?status=signed`);
  const row = staff.getByRole('row').filter({ hasText: 'Nia Okafor' });
  await row.waitFor();
  assert.match(await row.innerText(), /Signed/i);
  await staff.goto(`${server!.url}/agreements`);
  await see(staff, /1\s*signed · 0\s*not signed/);
  const audit = await admin.call<{ entries: { action: string; entityId: string | null }[] }>('GET', '/api/audit?action=agreement.signed');
  assert.ok(audit.entries.some((e) => e.action === 'agreement.signed' && e.entityId === pupilId), 'the audit log records the signature');
});

test('an agreement with unsafe HTML shows as harmless text on a phone and in print', { timeout: 120_000 }, async () => {
  const admin = new ApiClient(server!.url);
  await admin.logIn(ADMIN.username, ADMIN.password);
  const { templates } = await admin.call<{ templates: { id: string; key: string }[] }>('GET', '/api/agreements/templates');
  const guest = await admin.call<{ id: string; name: string; audience: unknown }>('GET', `/api/agreements/templates/${templates.find((t) => t.key === 'guest')!.id}`);
  const body = '# Visitors\n\n<script>window.pwned = 1</script>\n\n<img src="x" onerror="window.pwned = 2">\n\n- I will read [the rules](javascript:window.pwned=3) and [the website](https://example.org/rules).\n';
  await admin.call('PUT', `/api/agreements/templates/${guest.id}`, { name: guest.name, body, audience: guest.audience, parentMaySign: false, active: true });
  await admin.call('POST', `/api/agreements/templates/${guest.id}/publish`);
  const visitor = { username: 'vbrown', password: 'amber-finch-teapot' };
  const { id } = await admin.call<{ id: string }>('POST', '/api/people', { username: visitor.username, givenName: 'Vic', familyName: 'Brown', roles: ['guest'] });
  const { temporaryPassword } = await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${id}/account/temporary-password`);
  const api = new ApiClient(server!.url);
  await api.logIn(visitor.username, temporaryPassword);
  await api.call('POST', '/api/auth/password', { currentPassword: temporaryPassword, newPassword: visitor.password });

  browser ??= await launchBrowser();
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  phone.setDefaultTimeout(20_000);
  await phone.goto(`${server!.url}/agreements/sign`);
  await waitForPath(phone, '/login');
  await logInOnPage(phone, { username: visitor.username, password: visitor.password });
  await waitForPath(phone, '/agreements/sign');
  await see(phone, '<script>window.pwned = 1</script>');
  assert.equal(await phone.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined, 'no script ran');
  assert.equal(await phone.locator('a[href^="javascript"]').count(), 0);
  assert.equal(await phone.locator('.osprey-agreement-text a[href="https://example.org/rules"]').count(), 1);
  // big tap targets that fit the screen
  const button = await phone.getByRole('button', { name: 'Sign the agreement' }).boundingBox();
  assert.ok(button && button.height >= 44 && button.width <= 390, `the Sign button is easy to tap (${JSON.stringify(button)})`);
  if (process.env.OSPREY_SCREENSHOT) await phone.screenshot({ path: process.env.OSPREY_SCREENSHOT.replace(/\.png$/, '-sign.png') });
  await phone.getByLabel('I have read this agreement and I will keep to it').check();
  await phone.getByLabel('Type your full name').fill('Vic Brown');
  await phone.getByRole('button', { name: 'Sign the agreement' }).click();
  await see(phone, 'everything is signed');
  await phone.getByRole('link', { name: 'View or print' }).click();
  await see(phone, 'Text fingerprint (SHA-256)');
  assert.equal(await phone.locator('header').first().isVisible(), true);
  await phone.emulateMedia({ media: 'print' });
  assert.equal(await phone.locator('header').first().isVisible(), false, 'no menus in print');
  assert.equal(await phone.getByRole('button', { name: 'Print' }).isVisible(), false);
  await see(phone, '<script>window.pwned = 1</script>');
  assert.equal(await phone.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined, 'no script ran in the printed copy');
  // a developer can look at the printed copy: OSPREY_SCREENSHOT=/tmp/print.png
  if (process.env.OSPREY_SCREENSHOT) await phone.screenshot({ path: process.env.OSPREY_SCREENSHOT, fullPage: true });
});
