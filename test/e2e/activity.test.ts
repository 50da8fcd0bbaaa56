/**
 * Activity in the browser. The Designated Safeguarding Lead sees the school's internet activity, narrows it to
 * blocked attempts, downloads that as CSV, finds a pupil by typing part of her name, and opens a pupil's timeline
 * (grouped by day) from a name in the results and from the pupil's record; every look is in the audit log. A teacher
 * and a pupil have no Activity entry and are refused at the address.
 *
 * Osprey runs in this process (the same startServer that `osprey serve` runs) so that events can be put through its
 * own activity pipeline into its database, whether that is the embedded one or a PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { newActivityId } from '../../src/activity/ids.ts';
import type { ActivityEvent } from '../../src/activity/types.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/app/server.ts';
import { scratchPostgresDatabase } from '../helpers/database.ts';
import { ApiClient, FIXTURE_50, launchBrowser, requireBuiltUi, see, waitForPath, logInOnPage } from './server.ts';

const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
/** From the 50-person fixture: the DSL, a teacher and two Reception pupils. */
const DSL = { username: 'm.rahman', password: 'safeguard-harbour-lantern' };
const TEACHER = { username: 'h.cohen', password: 'robins-chalk-window' };
const PUPIL = { username: 'ohughes02', password: 'purple-otter-biscuit' };
const ZONE = 'Europe/London';
const MIN = 60_000;

let server: RunningServer | undefined;
let dataDir = '';
let dropDatabase: (() => Promise<void>) | undefined;
let browser: Browser | undefined;
let url = '';
const ids: Record<string, string> = {};
/** The times of the seeded events, relative to the start of the test run. */
const NOW = Date.now();
const oliverYesterday = NOW - 24 * 60 * MIN - 30 * MIN;
/** Twenty minutes ago, moved back a little if the 22 seconds of tries would cross a quarter-hour (rows fold within one). */
const betFrom = Math.min(NOW - 20 * MIN, Math.floor((NOW - 20 * MIN) / (15 * MIN)) * 15 * MIN + 15 * MIN - 30_000);

before(async () => {
  requireBuiltUi();
  dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-e2e-'));
  const scratch = process.env.DATABASE_URL ? await scratchPostgresDatabase(process.env.DATABASE_URL, 'osprey_e2e') : undefined;
  dropDatabase = scratch?.drop;
  const databaseUrl = scratch?.url;
  const config = loadConfig({
    OSPREY_DATA_DIR: dataDir, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_LOG_LEVEL: 'warn',
    OSPREY_PROXY_PORT: '0', OSPREY_DNS_PORT: '0', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  server = await startServer(config);
  url = server.url.replace('//localhost:', '//127.0.0.1:');
  browser = await launchBrowser();

  // The school, its administrator and 50 people; known passwords for the DSL, a teacher and a pupil.
  const admin = new ApiClient(url);
  await admin.call('POST', '/api/setup', {
    token: new URL(server.setupUrl!).searchParams.get('token'), schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', ...ADMIN,
  });
  await admin.logIn(ADMIN.username, ADMIN.password);
  await admin.call('POST', '/api/import/people', { files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false });
  ids.dsl = await admin.givePassword(DSL);
  await admin.givePassword(TEACHER);
  ids.oliver = await admin.givePassword(PUPIL);
  const aisha = await admin.call<{ people: { id: string }[] }>('GET', '/api/people?q=abegum03');
  ids.aisha = aisha.people[0].id;
  const me = await admin.call<{ school: { id: string } }>('GET', '/api/auth/me');
  const policy = await admin.call<{ policies: { id: string }[] }>('GET', '/api/filtering/policies');

  // What the web proxy and DNS filter would have recorded: through the real pipeline into the server's database.
  const event = (at: number, fields: Partial<ActivityEvent>): ActivityEvent => ({
    id: newActivityId(at), time: at, schoolId: me.school.id, ip: '10.0.1.10', host: 'www.example.com', action: 'allow', reason: 'default',
    policyId: policy.policies[0].id, frontEnd: 'proxy', node: 'control-plane', ...fields,
  });
  const oliver = { personId: ids.oliver, username: PUPIL.username, deviceId: 'IPAD-12', ip: '10.0.1.21' };
  const aishaFields = { personId: ids.aisha, username: 'abegum03', deviceId: 'IPAD-14', ip: '10.0.1.23' };
  const pipeline = server.activity;
  for (const e of [
    event(oliverYesterday, { ...oliver, host: 'www.tiktok.com', categoryId: 'social-networking', action: 'warn', reason: 'category' }),
    event(NOW - 30 * MIN, { ...oliver, host: 'www.bbc.co.uk', url: 'http://www.bbc.co.uk/newsround', categoryId: 'news' }),
    event(NOW - 25 * MIN, { ...oliver, host: 'www.google.co.uk', url: 'http://www.google.co.uk/search?q=free+robux', searchTerm: 'free robux', categoryId: 'search-engines' }),
    // Twelve tries at a betting site in 22 seconds: stored as one row that says how many.
    ...Array.from({ length: 12 }, (_, i) => event(betFrom + i * 2000, { ...oliver, host: 'www.bet365.com', url: 'http://www.bet365.com/', categoryId: 'gambling', action: 'block', reason: 'category' })),
    event(NOW - 15 * MIN, { ...aishaFields, host: 'www.coolmathgames.com', categoryId: 'educational-games' }),
    event(NOW - 10 * MIN, { ...aishaFields, host: 'vpn.example.net', categoryId: 'proxies', action: 'block', reason: 'category', circumvention: true }),
    event(NOW - 5 * MIN, { ip: '10.0.9.9', host: 'www.example.com' }),
    // A visitor's laptop warned about a forum, and its user chose Continue (R2.4: logged).
    event(NOW - 7 * MIN, { ip: '10.0.9.8', host: 'forum.example.org', url: 'http://forum.example.org/threads/42', action: 'warn', reason: 'default', acknowledged: true }),
    // Three days ago, a library computer nobody logged on to: more than one page (100) of activity.
    ...Array.from({ length: 105 }, (_, i) => event(NOW - 3 * 24 * 60 * MIN - i * MIN, { ip: '10.0.7.7', host: 'en.wikipedia.org', categoryId: 'education' })),
  ]) pipeline.emit(e);
  assert.equal(await pipeline.drain(30_000), true, 'the seeded events are stored');
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase?.().catch(() => undefined);
});

async function logIn(who: { username: string; password: string }): Promise<Page> {
  // bypassCSP lets the test add axe-core (Osprey's script-src 'self' rightly refuses injected scripts).
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, bypassCSP: true });
  page.setDefaultTimeout(15_000);
  await page.goto(`${url}/login`);
  await logInOnPage(page, { username: who.username, password: who.password });
  await waitForPath(page, '/');
  return page;
}

/** The sites in a table of activity, top to bottom (the first line of its Site column). */
async function sitesShown(page: Page, table = 'Activity, newest first'): Promise<string[]> {
  return page.getByRole('table', { name: table }).evaluate((t) => {
    const column = [...t.querySelectorAll('thead th')].findIndex((th) => th.textContent === 'Site');
    return [...t.querySelectorAll('tbody tr')].map((tr) => tr.querySelectorAll('td')[column].querySelector('p')?.textContent ?? '');
  });
}

/**
 * Serious and critical WCAG 2.2 AA findings of axe-core on the page as it is. accessibility.test.ts checks the
 * Activity pages empty and with errors; the filled table and timeline need the events only this file seeds.
 */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.waitForFunction(() => document.querySelectorAll('.mantine-Loader').length === 0);
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(d: Document, o: object): Promise<{ violations: { id: string; impact?: string; nodes: unknown[] }[] }> } };
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
  });
}

const dayLabel = (t: number) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(t).replace(',', '');

async function auditActions(actorId: string): Promise<string[]> {
  const rows = await server!.handle.db.selectFrom('audit_log').select('action').where('actor_id', '=', actorId).where('action', 'like', 'activity.%').orderBy('seq').execute();
  return rows.map((r) => r.action);
}

test('the DSL finds blocked attempts, downloads them as CSV and opens a pupil’s timeline', { timeout: 90_000 }, async () => {
  const page = await logIn(DSL);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
  await waitForPath(page, '/activity');
  await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
  await see(page, 'The latest 100 events. There are older ones.');
  assert.deepEqual((await sitesShown(page)).slice(0, 9), ['www.example.com', 'forum.example.org', 'vpn.example.net', 'www.coolmathgames.com', 'www.bet365.com', 'www.google.co.uk', 'www.bbc.co.uk', 'www.tiktok.com', 'en.wikipedia.org']);
  await see(page, '“free robux”');
  await see(page, 'Not identified');
  assert.deepEqual(await accessibilityProblems(page), [], 'the filled Activity page meets WCAG 2.2 AA');

  // Only what was blocked.
  await page.getByRole('combobox', { name: 'What happened' }).selectOption({ label: 'Blocked' });
  await page.getByRole('button', { name: 'Show activity' }).click();
  await see(page, 'The latest 2 events.');
  assert.equal(new URL(page.url()).searchParams.get('action'), 'block');
  assert.deepEqual(await sitesShown(page), ['vpn.example.net', 'www.bet365.com']);
  await see(page, 'Trying to get round the filter');
  await see(page, `12 times, the last at ${new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(betFrom + 11 * 2000)}`);

  // The same filters as CSV.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  assert.match(download.suggestedFilename(), /^osprey-activity-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '').trim().split('\r\n');
  assert.match(csv[0], /^Date and time \(UK\),/);
  assert.equal(csv.length, 3, `a header and the two blocked attempts:\n${csv.join('\n')}`);
  assert.match(csv[1], /Aisha Begum,abegum03,Reception,IPAD-14,10\.0\.1\.23,vpn\.example\.net,/);
  assert.match(csv[2], /Oliver Hughes,ohughes02,Reception,IPAD-12,10\.0\.1\.21,www\.bet365\.com,/);

  // Who went on past a warning page.
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  await see(page, 'The latest 100 events. There are older ones.');
  await page.getByRole('combobox', { name: 'What happened' }).selectOption({ label: 'Warned, and went on' });
  await page.getByRole('button', { name: 'Show activity' }).click();
  await page.waitForURL((u) => u.searchParams.get('action') === 'warn-continued');
  await see(page, 'Went on past the warning');
  assert.deepEqual(await sitesShown(page), ['forum.example.org']);

  // Paging through one site's 105 visits: 100, then the 5 older ones, then back.
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  await see(page, 'The latest 100 events. There are older ones.');
  await page.getByRole('textbox', { name: 'Site' }).fill('wikipedia.org');
  await page.getByRole('button', { name: 'Show activity' }).click();
  await page.waitForURL((u) => u.searchParams.get('host') === 'wikipedia.org');
  await see(page, 'The latest 100 events. There are older ones.');
  assert.deepEqual(new Set(await sitesShown(page)), new Set(['en.wikipedia.org']));
  const pages = page.getByRole('navigation', { name: 'Pages of activity' });
  assert.equal(await pages.getByRole('button', { name: 'Newer' }).isDisabled(), true);
  await pages.getByRole('button', { name: 'Older' }).click();
  await see(page, '5 older events (page 2).');
  assert.equal(await pages.getByRole('button', { name: 'Older' }).isDisabled(), true);
  await pages.getByRole('button', { name: 'Newer' }).click();
  await see(page, 'The latest 100 events. There are older ones.');

  // A pupil found by typing part of her name.
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  await see(page, 'The latest 100 events. There are older ones.');
  await page.getByRole('combobox', { name: 'Person' }).fill('Aisha');
  await page.getByRole('option', { name: 'Aisha Begum (abegum03, Reception)' }).click();
  await page.getByRole('button', { name: 'Show activity' }).click();
  await see(page, 'The latest 2 events.');
  assert.equal(new URL(page.url()).searchParams.get('person'), ids.aisha);
  assert.equal(await page.getByRole('combobox', { name: 'Person' }).inputValue(), 'Aisha Begum (abegum03, Reception)');

  // Oliver's timeline, from his name in the results: newest first, one section per day.
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  await see(page, 'The latest 100 events. There are older ones.');
  await page.getByRole('table', { name: 'Activity, newest first' }).getByRole('link', { name: 'Oliver Hughes' }).first().click();
  await waitForPath(page, `/activity/people/${ids.oliver}`);
  await page.getByRole('heading', { level: 1, name: 'Oliver Hughes: internet activity' }).waitFor();
  await see(page, 'Showing the latest 4 events over 2 days. That is everything recorded.');
  const today = dayLabel(NOW - 20 * MIN);
  assert.deepEqual(await page.getByRole('heading', { level: 2 }).allInnerTexts(), [today, dayLabel(oliverYesterday)]);
  assert.deepEqual(await sitesShown(page, `Activity on ${today}`), ['www.bet365.com', 'www.google.co.uk', 'www.bbc.co.uk']);
  assert.deepEqual(await sitesShown(page, `Activity on ${dayLabel(oliverYesterday)}`), ['www.tiktok.com']);
  assert.deepEqual(await accessibilityProblems(page), [], 'the timeline meets WCAG 2.2 AA');
  await page.locator('label', { hasText: 'Blocked only' }).click();
  await see(page, 'Showing the latest 1 event over 1 day.');

  // Aisha's timeline, from her record in People & groups.
  await page.goto(`${url}/people/${ids.aisha}`);
  await page.getByRole('heading', { level: 1, name: 'Aisha Begum' }).waitFor();
  await page.getByRole('link', { name: 'Internet activity' }).click();
  await waitForPath(page, `/activity/people/${ids.aisha}`);
  await page.getByRole('heading', { level: 1, name: 'Aisha Begum: internet activity' }).waitFor();
  await see(page, 'Showing the latest 2 events over 1 day.');
  await page.close();

  // Every look and the download, in the audit log under the DSL's name.
  const looked = await auditActions(ids.dsl);
  assert.ok(looked.filter((a) => a === 'activity.searched').length >= 10, `each search is audited: ${looked.join(', ')}`);
  assert.equal(looked.filter((a) => a === 'activity.exported').length, 1);
});

test('a teacher and a pupil have no Activity entry and are refused at the address', { timeout: 60_000 }, async () => {
  for (const who of [TEACHER, PUPIL]) {
    const page = await logIn(who);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Home' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Activity' }).count(), 0, `${who.username} sees no Activity entry`);

    for (const address of ['/activity', `/activity/people/${ids.oliver}`]) {
      await page.goto(`${url}${address}`);
      await see(page, 'You do not have access to this page');
      assert.equal(await page.getByRole('table').count(), 0, `${who.username} sees no activity at ${address}`);
    }
    const status = await page.evaluate(async () => (await fetch('/api/activity')).status);
    assert.equal(status, 403, `${who.username} is refused by the API too`);
    await page.close();
  }
});
