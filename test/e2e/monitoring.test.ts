/**
 * Monitoring in the browser, through the same startServer that `osprey serve` runs (so the monitoring stage is the
 * one serve starts): a Year 8 pupil's search for a way to end their life is stored by the activity pipeline; the DSL
 * finds a critical alert under Alerts, opens it and reads the search, the phrases found and the pupil's activity
 * just before; Dismiss without a reason is refused with the server's message; with a reason the alert is dismissed
 * and the history says who did it. The Online Safety Lead tests a phrase on the Phrase lists page. A teacher has no
 * Alerts entry and is refused at the address.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { newActivityId } from '../../src/activity/ids.ts';
import type { ActivityEvent } from '../../src/activity/types.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/app/server.ts';
import { scratchPostgresDatabase } from '../helpers/database.ts';
import { waitFor } from '../fixtures/proxy/harness.ts';
import { ApiClient, FIXTURE_50, launchBrowser, requireBuiltUi, see, waitForPath, logInOnPage } from './server.ts';

const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
const DSL = { username: 'm.rahman', password: 'safeguard-harbour-lantern' };
const TEACHER = { username: 'h.cohen', password: 'robins-chalk-window' };
const PUPIL = { username: 'ohughes02', password: 'purple-otter-biscuit' };
const MIN = 60_000;

let server: RunningServer | undefined;
let dataDir = '';
let dropDatabase: (() => Promise<void>) | undefined;
let browser: Browser | undefined;
let url = '';
let admin: ApiClient;
const ids: Record<string, string> = {};

before(async () => {
  requireBuiltUi();
  dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-e2e-'));
  const scratch = process.env.DATABASE_URL ? await scratchPostgresDatabase(process.env.DATABASE_URL, 'osprey_e2e') : undefined;
  dropDatabase = scratch?.drop;
  const config = loadConfig({
    OSPREY_DATA_DIR: dataDir, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_LOG_LEVEL: 'warn',
    OSPREY_PROXY_PORT: '0', OSPREY_DNS_PORT: '0', ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  });
  server = await startServer(config);
  url = server.url.replace('//localhost:', '//127.0.0.1:');
  browser = await launchBrowser();
  admin = new ApiClient(url);
  await admin.call('POST', '/api/setup', {
    token: new URL(server.setupUrl!).searchParams.get('token'), schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', ...ADMIN,
  });
  await admin.logIn(ADMIN.username, ADMIN.password);
  await admin.call('POST', '/api/import/people', { files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false });
  ids.dsl = await admin.givePassword(DSL);
  await admin.givePassword(TEACHER);
  ids.pupil = await admin.givePassword(PUPIL);
  const me = await admin.call<{ school: { id: string } }>('GET', '/api/auth/me');
  const policy = await admin.call<{ policies: { id: string }[] }>('GET', '/api/filtering/policies');
  const now = Date.now();
  const event = (at: number, fields: Partial<ActivityEvent>): ActivityEvent => ({
    id: newActivityId(at), time: at, schoolId: me.school.id, personId: ids.pupil, username: PUPIL.username, ip: '10.0.1.21',
    host: 'www.example.com', action: 'allow', reason: 'default', policyId: policy.policies[0].id, frontEnd: 'proxy', node: 'control-plane', ...fields,
  });
  for (const e of [
    event(now - 3 * MIN, { host: 'www.bbc.co.uk', url: 'http://www.bbc.co.uk/newsround', categoryId: 'news' }),
    event(now - MIN, { host: 'www.google.co.uk', url: 'http://www.google.co.uk/search?q=painless+way+to+die', searchTerm: 'painless way to die', categoryId: 'search-engines' }),
  ]) server.activity.emit(e);
  assert.equal(await server.activity.drain(30_000), true);
  const dsl = new ApiClient(url);
  await dsl.logIn(DSL.username, DSL.password);
  await waitFor('the monitoring stage to raise the alert', async () => (await dsl.call<{ alerts: unknown[] }>('GET', '/api/alerts')).alerts.length === 1, 15_000);
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase?.().catch(() => undefined);
});

async function logIn(who: { username: string; password: string }): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  await page.goto(`${url}/login`);
  await logInOnPage(page, { username: who.username, password: who.password });
  await waitForPath(page, '/');
  return page;
}

test('the DSL opens a critical self-harm alert, reads the evidence and dismisses it with a reason', { timeout: 90_000 }, async () => {
  const page = await logIn(DSL);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
  await waitForPath(page, '/alerts');
  const row = page.getByRole('table', { name: 'Alerts' }).getByRole('row').nth(1);
  assert.equal(await row.getAttribute('data-severity'), 'critical');
  await row.getByRole('link', { name: 'Self-harm and suicide' }).click();
  await page.getByRole('heading', { level: 1, name: 'Self-harm and suicide' }).waitFor();
  await see(page, 'painless way to die');
  await see(page, /painless way to die \(\+90\)/);
  const context = await page.getByRole('table', { name: 'Recent activity' }).innerText();
  assert.match(context, /www\.google\.co\.uk|painless way to die/);
  assert.match(context, /bbc\.co\.uk\/newsround/);

  await page.getByRole('button', { name: 'Dismiss' }).click();
  await see(page, /Say why you are dismissing this alert/);
  await page.getByLabel('Note or reason').fill('Talked to the pupil and parents; support plan in place');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await see(page, /Dismissed by m\.rahman/);
  await see(page, /m\.rahman: dismissed \(Talked to the pupil and parents; support plan in place\)/);
  const audit = await server!.handle.db.selectFrom('audit_log').select('action').where('actor_id', '=', ids.dsl).where('entity_type', '=', 'alert').execute();
  assert.ok(audit.some((a) => a.action === 'alert.read'));
  assert.ok(audit.some((a) => a.action === 'alert.dismissed'));
});

test('the DSL tests a phrase on the Phrase lists page', { timeout: 60_000 }, async () => {
  const page = await logIn(DSL);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Phrase lists' }).click();
  await waitForPath(page, '/monitoring');
  await see(page, 'Self-harm and suicide');
  await page.getByLabel('Search term or text').fill('h0w to k1ll mys3lf');
  await page.getByRole('button', { name: 'Score it' }).click();
  await see(page, /self_harm 80/);

  // The rules below the lists: the illegal-content alert can go to other people but cannot be switched off.
  await page.getByRole('button', { name: 'Change Attempt at illegal content' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('This rule is on').uncheck();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByText(/always raise an immediate alert/).waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  const row = page.getByRole('table', { name: 'Alert rules' }).getByRole('row').filter({ hasText: 'Attempt at illegal content' });
  assert.match(await row.innerText(), /At once/);
});

test('a teacher has no Alerts entry and is refused at the address', { timeout: 60_000 }, async () => {
  const page = await logIn(TEACHER);
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).count(), 0);
  await page.goto(`${url}/alerts`);
  await see(page, 'You do not have access to this page');
});
