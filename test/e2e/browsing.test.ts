/**
 * Browsing through Osprey as a pupil would (issue 4's first acceptance item): Debian's Chromium configured with
 * Osprey's PAC file, the real `osprey serve` with its web proxy, and local test sites standing in for the internet
 * (their names answered by a small DNS server of the test's own, so nothing leaves the machine). The school asks
 * unidentified devices to log on: the pupil is sent to the log-on page, logs on, reaches an allowed site, sees the
 * block page for a blocked one, and the DSL finds that block, with the pupil's name, in Activity.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startFakeUpstream, type FakeUpstream } from '../fixtures/dns/upstream.ts';
import { waitFor } from '../helpers/wait.ts';
import { ApiClient, launchBrowser, proxyPortOf, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
const PUPIL = { username: 'zwhitfield', password: 'purple-otter-biscuit' };
const ALLOWED = 'www.kestrel-learning.org';
const BLOCKED = 'games.arcade-example.com';

let server: OspreyServer | undefined;
let browser: Browser | undefined;
let origin: Server | undefined;
let names: FakeUpstream | undefined;
let originPort = 0;

before(async () => {
  origin = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>${req.headers.host}</title><h1>Welcome to ${req.headers.host?.split(':')[0]}</h1>`);
  });
  await new Promise<void>((resolve) => origin!.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
  names = await startFakeUpstream([ALLOWED, BLOCKED].map((name) => ({ name, type: 'A', ttl: 300, data: '127.0.0.1' })));
  // the test site stands in for the internet on loopback, which the proxy opens only when told to
  server = await startOsprey({ env: { OSPREY_PROXY_DNS_SERVERS: names.address, OSPREY_FRONT_ENDS: 'proxy', OSPREY_PROXY_ALLOWED_DESTINATIONS: `127.0.0.1:${originPort}` } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await names?.close();
  await new Promise((resolve) => (origin ? origin.close(resolve) : resolve(undefined)));
});

test('a pupil logs on through the captive portal, browses an allowed site, is blocked from another, and the DSL sees it', { timeout: 120_000 }, async () => {
  // The school: its administrator, a Year 7 pupil with a password, a site blocked for Key Stage 3, log-on required.
  const admin = new ApiClient(server!.url);
  const token = new URL(server!.setupUrl).searchParams.get('token')!;
  await admin.call('POST', '/api/setup', { token, schoolName: 'Kestrel Academy', givenName: 'Alex', familyName: 'Morgan', ...ADMIN });
  await admin.logIn(ADMIN.username, ADMIN.password);
  const { id: pupilId } = await admin.call<{ id: string }>('POST', '/api/people', { username: PUPIL.username, givenName: 'Zara', familyName: 'Whitfield', roles: ['pupil'], yearGroup: 'Year 7' });
  const { temporaryPassword } = await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${pupilId}/account/temporary-password`);
  const pupilApi = new ApiClient(server!.url);
  await pupilApi.logIn(PUPIL.username, temporaryPassword);
  await pupilApi.call('POST', '/api/auth/password', { currentPassword: temporaryPassword, newPassword: PUPIL.password });

  const { policies } = await admin.call<{ policies: Array<{ id: string; key: string }> }>('GET', '/api/filtering/policies');
  const ks3 = await admin.call<Record<string, unknown> & { id: string; version: number }>('GET', `/api/filtering/policies/${policies.find((p) => p.key === 'ks3')!.id}`);
  const document = Object.fromEntries(['name', 'description', 'priority', 'defaultAction', 'safeSearch', 'categoryActions', 'schedules', 'localBlock', 'localAllow', 'targets']
    .map((k) => [k, ks3[k]]));
  document.localBlock = [...(ks3.localBlock as unknown[]), { id: 'arcade', kind: 'domain', value: 'arcade-example.com', note: 'Online games in lessons' }];
  await admin.call('PUT', `/api/filtering/policies/${ks3.id}`, { document, reason: 'Year 7 were playing games in lessons', expectedVersion: ks3.version });
  await admin.call('PUT', '/api/identity/settings', { unidentified: 'logon', logonMinutes: 60 });

  // Chromium finds the proxy through Osprey's PAC file, as a school's managed browsers do.
  const proxyPort = await proxyPortOf(server!);
  const pac = await (await fetch(`${server!.url.replace('//localhost:', '//127.0.0.1:')}/proxy.pac`)).text();
  assert.match(pac, new RegExp(`PROXY (localhost|127\\.0\\.0\\.1):${proxyPort}"`));
  browser = await launchBrowser([`--proxy-pac-url=${server!.url}/proxy.pac`]);
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  page.setDefaultTimeout(20_000);

  // Not yet known: the proxy sends the browser to the log-on page, which offers the way back to the site afterwards.
  const allowedUrl = `http://${ALLOWED}:${originPort}/lessons/fractions`;
  await page.goto(allowedUrl);
  await waitForPath(page, '/logon');
  await page.getByLabel('Username').fill(PUPIL.username);
  await page.getByLabel('Password').fill(PUPIL.password);
  await page.getByRole('button', { name: 'Log on' }).click();
  await see(page, 'You are logged on');
  await page.getByRole('link', { name: /Continue to/ }).click();
  await page.waitForURL(allowedUrl).catch(async (e: Error) => {
    throw new Error(`${e.message}\nThe page is ${page.url()}:\n${await page.locator('body').innerText().catch(() => '')}\n${server!.output()}`);
  });
  await see(page, `Welcome to ${ALLOWED}`);

  // A blocked site: the block page says what and why, and how to ask for a review.
  const response = await page.goto(`http://${BLOCKED}:${originPort}/play`);
  assert.equal(response?.status(), 403);
  await see(page, 'This page is blocked');
  const blockPage = await page.locator('body').innerText();
  assert.match(blockPage, new RegExp(BLOCKED.replace(/\./g, '\\.')));
  assert.match(blockPage, /Key Stage 3/);
  assert.doesNotMatch(blockPage, /Welcome to/);

  // The DSL's view: the block is in Activity with the pupil's name (the administrator may read activity too).
  const dslPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  dslPage.setDefaultTimeout(20_000);
  await dslPage.goto(`${server!.url}/login`);
  await logInOnPage(dslPage, { username: ADMIN.username, password: ADMIN.password });
  await waitForPath(dslPage, '/');
  const found = async () => {
    await dslPage.goto(`${server!.url}/activity?action=block`);
    await dslPage.getByRole('heading', { level: 1 }).first().waitFor();
    return (await dslPage.locator('main').innerText()).includes(BLOCKED);
  };
  await waitFor(`the block of ${BLOCKED} to appear in Activity`, found).catch(async (e: Error) => {
    throw new Error(`${e.message}; the page shows:\n${await dslPage.locator('main').innerText()}`);
  });
  const row = dslPage.getByRole('row').filter({ hasText: BLOCKED }).first();
  const text = await row.innerText();
  assert.match(text, /Zara Whitfield/);
  assert.match(text, /Blocked/);
});
