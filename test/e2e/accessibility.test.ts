/**
 * Accessibility: every page an administrator uses is checked with axe-core against WCAG 2.0/2.1/2.2 A and AA, in a
 * real Chromium, on desktop and (for the busiest pages) tablet widths. Any "serious" or "critical" violation fails,
 * listing the rule, its impact, what it means and where it was found. Lesser findings are printed as diagnostics.
 * The log-in page is also used with the keyboard alone: Tab reaches the username, the password and the log-in button
 * in that order, and Enter in the password field logs in.
 *
 * No axe rule is turned off: the whole tag set is run on the whole document.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { twoStepCode } from '../helpers/two-step.ts';
import { ApiClient, FIXTURE_50, REPO_ROOT, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const FIXTURE_BAD = path.join(REPO_ROOT, 'test/fixtures/import/people-bad.csv');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const DESKTOP = { width: 1280, height: 900 };
const TABLET = { width: 768, height: 1024 };
const USERNAME = 'a.morgan';
const PASSWORD = 'kestrel-meadow-lantern';

interface Violation { id: string; impact: string | null; help: string; helpUrl: string; nodes: number; targets: string[]; summary: string }

let server: OspreyServer | undefined;
let browser: Browser | undefined;
/** Each test's serious and critical findings, by page, reported together when the test ends. */
const failures = new Map<TestContext, string[]>();

before(async () => {
  server = await startOsprey();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Waits until the page has finished loading what it shows: no spinner and no Mantine transition in progress. */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.mantine-Loader').length === 0, undefined, { timeout: 15_000 });
  // Let fade-in transitions finish so colours are measured as people see them (endless animations aside).
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity), undefined, { timeout: 15_000 });
}

/** Runs axe-core on the whole document and records serious/critical violations for this page. */
async function checkPage(t: TestContext, page: Page, name: string): Promise<void> {
  await settle(page);
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async (tags: string[]) => {
    const { axe } = window as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } };
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return {
      passed: r.passes.length,
      incomplete: r.incomplete.map((v) => `${v.id} on ${v.nodes.slice(0, 3).map((n) => n.target.map(String).join(' ')).join(' | ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`),
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact ?? null, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((n) => n.target.map(String).join(' ')),
        summary: (v.nodes[0]?.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
      })),
    };
  }, WCAG_TAGS);

  const describe = (v: Violation) => `  - ${v.id} [${v.impact}] ${v.help} (${v.nodes} element${v.nodes === 1 ? '' : 's'}: ${v.targets.join(' | ')}) ${v.helpUrl}\n      first: ${v.summary}`;
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = result.violations.filter((v) => !bad.includes(v));
  // "Incomplete" is axe's "could not decide, check by hand" (e.g. text over an image): listed, not failed.
  t.diagnostic(`${name}: ${result.passed} rules passed, ${result.violations.length} failed`
    + `${result.incomplete.length ? `, to check by hand: ${result.incomplete.join(', ')}` : ''}`);
  if (minor.length > 0) t.diagnostic(`${name}: lesser findings\n${minor.map(describe).join('\n')}`);
  if (bad.length > 0) {
    const found = `${name} (${page.url()}):\n${bad.map(describe).join('\n')}`;
    t.diagnostic(`SERIOUS OR CRITICAL: ${found}`); // also shown if a later step of the test fails first
    failures.set(t, [...(failures.get(t) ?? []), found]);
  }
}

/** Fails the test listing every serious or critical violation found on its pages. */
function assertNoFailures(t: TestContext): void {
  const found = failures.get(t) ?? [];
  assert.equal(found.length, 0, `Serious or critical accessibility problems:\n${found.join('\n')}`);
}

/** Once the set-up page has been checked: the school, the first administrator and 50 people, through the API. */
let arranged: Promise<void> | undefined;
function arrange(): Promise<void> {
  arranged ??= (async () => {
    const admin = new ApiClient(server!.url);
    const token = new URL(server!.setupUrl).searchParams.get('token')!;
    await admin.call('POST', '/api/setup', { token, schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', username: USERNAME, password: PASSWORD });
    await admin.logIn(USERNAME, PASSWORD);
    const imported = await admin.call<{ applied: { added: number } | null }>('POST', '/api/import/people', {
      files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false,
    });
    assert.equal(imported.applied?.added, 50);
  })();
  return arranged;
}

/**
 * A browser context for checking. bypassCSP lets Playwright add axe-core as a script: Osprey's Content Security
 * Policy (script-src 'self') rightly refuses injected scripts, and this only relaxes it inside the test browser.
 */
function newContext(viewport: { width: number; height: number }, extra: { hasTouch?: boolean } = {}): Promise<BrowserContext> {
  return browser!.newContext({ viewport, bypassCSP: true, ...extra });
}

async function logIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${server!.url}/login`);
  await logInOnPage(page, { username: USERNAME, password: PASSWORD });
  await waitForPath(page, '/');
  return page;
}

/** Types a search on People & groups and waits for the narrowed list. */
async function searchPeople(page: Page, text: string, expect: RegExp): Promise<void> {
  await page.goto(`${server!.url}/people`);
  await see(page, /^51 people/);
  await page.getByLabel('Search').fill(text);
  await see(page, expect);
  await page.getByRole('table', { name: 'People' }).waitFor();
}

test('the set-up page, before set-up', { timeout: 30_000 }, async (t) => {
  const context = await newContext(DESKTOP);
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(server!.setupUrl);
    await see(page, 'Welcome to Osprey');
    await checkPage(t, page, 'Set-up page');
    // The same form showing its error messages.
    await page.getByRole('button', { name: 'Set up Osprey' }).click();
    await see(page, 'Enter the name of your school.');
    await checkPage(t, page, 'Set-up page with errors');
  } finally {
    await context.close();
  }
  assertNoFailures(t);
});

test('the log-in page, and logging in with the keyboard alone', { timeout: 30_000 }, async (t) => {
  await arrange();
  const context = await newContext(DESKTOP);
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server!.url}/login`);
    await see(page, 'Log in to Osprey');
    await checkPage(t, page, 'Log-in page');

    // An error message is shown in an alert: check it too.
    await page.getByRole('button', { name: 'Log in' }).click();
    await see(page, 'Enter your username and password.');
    await checkPage(t, page, 'Log-in page with an error');
    await page.reload();
    await see(page, 'Log in to Osprey');

    // From the very start of the page (focus on the document, not the auto-focused field), Tab through it.
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    });
    const describeFocus = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return 'body';
      const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent?.trim() : '';
      const type = el instanceof HTMLInputElement || el instanceof HTMLButtonElement ? `[type=${el.type}]` : '';
      // Labels of required fields end with a "*" for sighted users (hidden from screen readers).
      return `${el.tagName.toLowerCase()}${type}:${(label || el.getAttribute('aria-label') || el.textContent?.trim() || '').replace(/\s*\*$/, '')}`;
    });
    const seen: string[] = [];
    const wanted = ['input[type=text]:Username', 'input[type=password]:Password', 'button[type=submit]:Log in'];
    for (let i = 0; i < 10 && !seen.includes(wanted[2]); i++) {
      await page.keyboard.press('Tab');
      seen.push(await describeFocus());
    }
    const positions = wanted.map((w) => seen.indexOf(w));
    assert.ok(positions.every((p) => p >= 0) && positions[0] < positions[1] && positions[1] < positions[2],
      `Tab should reach the username, the password and the log-in button in that order; it went: ${seen.join(' → ')}`);

    // Type with the keyboard and press Enter in the password field.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await describeFocus(), 'input[type=text]:Username');
    await page.keyboard.type(USERNAME);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    // An administrator's two-step code: the page puts the cursor in the code field, so typing and Enter are enough.
    await see(page, 'Open the authenticator app on your phone');
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.autocomplete === 'one-time-code', undefined, { timeout: 5_000 });
    assert.match(await describeFocus(), /^input\[type=text\]:Code/);
    await page.keyboard.type(twoStepCode(USERNAME)!);
    await page.keyboard.press('Enter');
    await waitForPath(page, '/');
    await see(page, /Good (morning|afternoon|evening), Alex/);
  } finally {
    await context.close();
  }
  assertNoFailures(t);
});

test('the administrator’s pages on a desktop screen', { timeout: 180_000 }, async (t) => {
  await arrange();
  const context = await newContext(DESKTOP);
  try {
    const page = await logIn(context);
    await see(page, /Good (morning|afternoon|evening), Alex/);
    await checkPage(t, page, 'Home');

    // The account menu, opened with the keyboard: focus goes to the first item, the arrows move, Escape goes back.
    const accountButton = page.getByRole('button', { name: /Your account/ });
    await accountButton.focus();
    await page.keyboard.press('Enter');
    const firstItem = page.getByRole('menuitem', { name: 'Change my password' });
    await firstItem.waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Change my password', undefined, { timeout: 5_000 })
      .catch(() => assert.fail('opening the account menu with Enter should move focus to its first item'));
    await checkPage(t, page, 'Home with the account menu open');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Two-step verification');
    await page.keyboard.press('Escape');
    await firstItem.waitFor({ state: 'hidden' });
    assert.equal(await accountButton.evaluate((el) => el === document.activeElement), true, 'Escape returns focus to the account button');

    await searchPeople(page, 'hughes', /^3 people$/);
    await checkPage(t, page, 'People & groups, searching "hughes"');

    await page.getByRole('link', { name: 'Tom Hughes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tom Hughes' }).waitFor();
    await see(page, 'Children at the school');
    await checkPage(t, page, 'A person’s page (Tom Hughes)');

    // A confirmation dialog on that page.
    await page.getByRole('button', { name: 'Mark as leaver' }).click();
    await page.getByRole('dialog').waitFor();
    await checkPage(t, page, 'A person’s page with the "Mark as leaver?" dialog open');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });

    await page.goto(`${server!.url}/groups`);
    await page.getByRole('heading', { name: /^Classes/ }).waitFor();
    await checkPage(t, page, 'Groups');

    // Import: a dry run of a file with problem rows, so the problems and the tables of changes show.
    await page.goto(`${server!.url}/people/import`);
    await page.getByRole('heading', { name: 'Import people' }).waitFor();
    await checkPage(t, page, 'Import people');
    await page.getByRole('button', { name: 'What should the files look like?' }).click();
    await page.getByRole('table', { name: 'CSV columns' }).waitFor();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByLabel('CSV files').click()]);
    await chooser.setFiles(FIXTURE_BAD);
    await page.getByRole('button', { name: 'Check the files' }).click();
    await see(page, 'Check what will change');
    await see(page, /rows have problems/);
    await page.getByRole('table', { name: 'People to add' }).waitFor();
    await checkPage(t, page, 'Import people after checking a file with problems');

    await page.goto(`${server!.url}/audit`);
    await page.getByRole('table', { name: 'Audit log entries' }).waitFor();
    await checkPage(t, page, 'Audit log');

    await page.goto(`${server!.url}/reports`);
    await page.getByRole('heading', { name: 'People by role' }).waitFor();
    await checkPage(t, page, 'Reports');

    await page.goto(`${server!.url}/filtering`);
    await page.getByRole('link', { name: 'Key Stage 2', exact: true }).waitFor();
    await checkPage(t, page, 'Filtering policies');
    await page.getByRole('link', { name: 'Key Stages 4 and 5', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Key Stages 4 and 5' }).waitFor();
    await checkPage(t, page, 'A filtering policy (Key Stages 4 and 5)');
    await page.goto(`${server!.url}/filtering/lists`);
    await page.getByRole('heading', { name: 'Add a web list' }).waitFor();
    await checkPage(t, page, 'Block lists');
    await page.goto(`${server!.url}/filtering/changes`);
    await page.getByRole('table', { name: 'Filter changes' }).waitFor();
    await checkPage(t, page, 'Filter change log');

    // The safeguarding pages, as the administrator sees them (no restricted records; alerts go to the DSL).
    for (const [pagePath, name] of [
      ['/alerts', 'Alerts inbox'], ['/monitoring', 'Phrase lists and alert rules'], ['/incidents', 'Incidents'],
      ['/incidents/report', 'Report a concern'], ['/incidents/sanctions', 'Sanctions matrix'], ['/incidents/dashboard', 'Incidents dashboard'],
      ['/agreements', 'Agreements'], ['/agreements/coverage', 'Agreement coverage'], ['/agreements/sign', 'Sign agreements'],
      ['/consents', 'Photo consent check'],
    ] as const) {
      await page.goto(`${server!.url}${pagePath}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await checkPage(t, page, name);
    }

    await page.goto(`${server!.url}/change-password`);
    await page.getByRole('heading', { name: 'Change my password' }).waitFor();
    await checkPage(t, page, 'Change password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await see(page, 'Enter the password you have now.');
    await checkPage(t, page, 'Change password with errors');

  } finally {
    await context.close();
  }

  assertNoFailures(t);
});

test('Activity and a person’s timeline, with no activity yet, while choosing a person, and with an error', { timeout: 60_000 }, async (t) => {
  await arrange();
  const context = await newContext(DESKTOP);
  try {
    const page = await logIn(context);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await see(page, 'No internet activity has been recorded yet');
    await checkPage(t, page, 'Activity, nothing recorded yet');

    // The person box's suggestions, and the filters' own drop-downs.
    await page.getByRole('combobox', { name: 'Person' }).fill('hughes');
    await page.getByRole('option', { name: /^Oliver Hughes/ }).waitFor();
    await checkPage(t, page, 'Activity, choosing a person');
    await page.getByRole('option', { name: /^Oliver Hughes/ }).click();
    await page.getByRole('combobox', { name: 'Category' }).selectOption({ label: 'Gambling' });
    await page.getByRole('button', { name: 'Show activity' }).click();
    await see(page, 'No activity matches these filters');
    await checkPage(t, page, 'Activity, nothing matches the filters');

    await page.goto(`${server!.url}/activity?ip=10.0.5`);
    await see(page, 'The activity could not be loaded');
    await checkPage(t, page, 'Activity, a filter the server cannot use');

    // Oliver's timeline, from his record.
    await searchPeople(page, 'hughes', /^3 people$/);
    await page.getByRole('link', { name: 'Oliver Hughes' }).click();
    await page.getByRole('link', { name: 'Internet activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Oliver Hughes: internet activity' }).waitFor();
    await see(page, 'No internet activity has been recorded for this person');
    await checkPage(t, page, 'A person’s timeline, nothing recorded');
  } finally {
    await context.close();
  }
  assertNoFailures(t);
});

test('People and a person’s page on a tablet', { timeout: 30_000 }, async (t) => {
  await arrange();
  const context = await newContext(TABLET, { hasTouch: true });
  try {
    const page = await logIn(context);
    await see(page, /Good (morning|afternoon|evening), Alex/);
    await checkPage(t, page, 'Home (tablet)');

    await searchPeople(page, 'hughes', /^3 people$/);
    await checkPage(t, page, 'People & groups, searching "hughes" (tablet)');
    // With a role chosen too, so the filter's clear button shows.
    await page.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'Pupil', exact: true }).click();
    await see(page, /^2 people$/);
    await checkPage(t, page, 'People & groups, searching "hughes" among pupils (tablet)');

    await page.getByRole('link', { name: 'Oliver Hughes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Oliver Hughes' }).waitFor();
    await see(page, 'Parents and carers');
    await checkPage(t, page, 'A person’s page (Oliver Hughes, tablet)');
  } finally {
    await context.close();
  }
  assertNoFailures(t);
});

test('Devices and log-on: nothing set up, the form with a server message, entries, dialogs, saved settings and a load error', { timeout: 90_000 }, async (t) => {
  await arrange();
  const context = await newContext(DESKTOP);
  try {
    const page = await logIn(context);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices and log-on' }).click();
    await page.getByRole('heading', { level: 1, name: 'Devices and log-on' }).waitFor();
    await see(page, 'No address ranges or devices yet');
    await see(page, 'Nobody is logged on at the log-on page at the moment.');
    await checkPage(t, page, 'Devices and log-on, nothing set up yet');

    // The form, opened and closed with the keyboard: focus goes to its first field, and back to the button after.
    const add = page.getByRole('button', { name: 'Add a range or device' });
    await add.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    const name = dialog.getByRole('textbox', { name: 'Name' });
    await page.waitForFunction((el) => el === document.activeElement, await name.elementHandle(), { timeout: 5_000 })
      .catch(() => assert.fail('opening the form should put focus in its Name field'));
    await checkPage(t, page, 'Devices and log-on, adding a range');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction((el) => el === document.activeElement, await add.elementHandle(), { timeout: 5_000 })
      .catch(() => assert.fail('closing the form should return focus to "Add a range or device"'));

    // The server's message next to the address, and the groups drop-down open.
    await add.click();
    await name.fill('Library PCs');
    await dialog.getByRole('textbox', { name: 'Address range' }).fill('10.0.0.300/24');
    await dialog.getByRole('button', { name: 'Add the range' }).click();
    await see(page, "'10.0.0.300/24' is not an address or a range.");
    await checkPage(t, page, 'Devices and log-on, a server message next to the address');
    await dialog.getByRole('textbox', { name: 'Address range' }).fill('10.0.5.0/24');
    await dialog.getByLabel('Groups', { exact: true }).fill('Year 6');
    await page.getByRole('option', { name: /^Year 6 \(\d+\)$/ }).waitFor();
    await checkPage(t, page, 'Devices and log-on, choosing a group');
    await page.getByRole('option', { name: /^Year 6 \(\d+\)$/ }).click();
    await dialog.getByRole('button', { name: 'Add the range' }).click();
    await see(page, 'Library PCs (10.0.5.0/24) was added.');
    await dialog.waitFor({ state: 'hidden' });

    // Someone logged on at the log-on page (this browser's address), so that table shows too.
    const logon = await context.newPage();
    await logon.goto(`${server!.url}/logon`);
    await logon.getByLabel('Username').fill(USERNAME);
    await logon.getByLabel('Password').fill(PASSWORD);
    await logon.getByRole('button', { name: 'Log on' }).click();
    await see(logon, /logged on as/);
    await logon.close();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('table', { name: 'People logged on now' }).waitFor();
    await page.getByRole('table', { name: 'Address ranges and devices' }).waitFor();
    await checkPage(t, page, 'Devices and log-on, a range and a log-on');

    await page.getByRole('button', { name: 'Remove Library PCs' }).click();
    await see(page, 'Remove Library PCs?');
    await checkPage(t, page, 'Devices and log-on, the "Remove?" dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: /^End .*log-on$/ }).click();
    await dialog.getByRole('button', { name: 'End the log-on' }).click();
    await see(page, /is no longer logged on at/);

    const unidentified = page.getByRole('region', { name: 'Devices nobody can identify' });
    await unidentified.getByText('Send them to the log-on page', { exact: true }).click();
    await unidentified.getByRole('button', { name: 'Save' }).click();
    await see(page, 'Saved. Devices nobody can identify are now sent to the log-on page');
    await checkPage(t, page, 'Devices and log-on, settings saved');

    await page.setViewportSize(TABLET);
    await checkPage(t, page, 'Devices and log-on (tablet)');
    await page.setViewportSize(DESKTOP);

    // Osprey cannot be reached: each part says so in words.
    await page.route('**/api/identity/**', (route) => route.abort('connectionrefused'));
    await page.reload();
    await see(page, 'The address ranges and devices could not be loaded');
    await see(page, 'The settings could not be loaded');
    await checkPage(t, page, 'Devices and log-on, Osprey cannot be reached');
    await page.unroute('**/api/identity/**');
  } finally {
    await context.close();
  }
  assertNoFailures(t);
  // Leave the school as the other tests expect it.
  const admin = new ApiClient(server!.url);
  await admin.logIn(USERNAME, PASSWORD);
  const { ranges } = await admin.call<{ ranges: { id: string }[] }>('GET', '/api/identity/ranges');
  for (const r of ranges) await admin.call('DELETE', `/api/identity/ranges/${r.id}`);
  await admin.call('PUT', '/api/identity/settings', { unidentified: 'fallback', logonMinutes: 480 });
});

test('the two-step set-up page, as a new deputy DSL meets it at their first log-in', { timeout: 120_000 }, async (t) => {
  await arrange();
  const api = new ApiClient(server!.url);
  await api.logIn(USERNAME, PASSWORD);
  const { id } = await api.call<{ id: string }>('POST', '/api/people', { username: 'a11y.deputy', givenName: 'Dana', familyName: 'Deputy', roles: ['deputy_dsl'] });
  const { temporaryPassword } = await api.call<{ temporaryPassword: string }>('POST', `/api/people/${id}/account/temporary-password`);
  const deputy = await newContext(DESKTOP);
  try {
    const page = await deputy.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server!.url}/login`);
    await logInOnPage(page, { username: 'a11y.deputy', password: temporaryPassword });
    await waitForPath(page, '/account/two-step');
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    await checkPage(t, page, 'Two-step set-up');
    await page.getByRole('button', { name: 'Start' }).click();
    await see(page, 'Type your password to start');
    await checkPage(t, page, 'Two-step set-up without the password');
    await page.getByLabel('Your password').fill(temporaryPassword);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
    await checkPage(t, page, 'Two-step set-up, showing the QR code');
  } finally {
    await deputy.close();
  }
  assertNoFailures(t);
});
