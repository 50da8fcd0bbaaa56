/**
 * On a phone: a parent logs in, signs the home–school agreement the school has published, then sees their child's
 * photo consents and withdraws consent for the school website. The coverage list shows her signature, and the consent
 * check for that pupil and "website" then answers no with the withdrawal's date, through the office's check page, the
 * API and `osprey consent check` (exit code 1).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AxeResults } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../fixtures/proxy/harness.ts';
import { ospreyEnv, REPO, scratchDatabase, stopped } from '../helpers/serve.ts';
import { ApiClient, FIXTURE_50, launchBrowser, requireBuiltUi, see, waitForPath, logInOnPage } from './server.ts';

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let output = '';
const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-e2e-consents-'));
let database: Awaited<ReturnType<typeof scratchDatabase>>;
let env: NodeJS.ProcessEnv;

/** Serious or critical WCAG 2.2 AA problems axe-core finds on the page, as "rule: where" lines (none expected). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.waitForFunction(() => document.querySelectorAll('.mantine-Loader').length === 0);
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(d: Document, o: object): Promise<AxeResults> } };
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

async function stopServer() {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await stopped(child);
  }
}

before(async () => {
  requireBuiltUi();
  database = await scratchDatabase('osprey_e2e_consents');
  // The web interface only: this story needs no proxy. The data folder is ours, so the command line can use it after.
  env = ospreyEnv(dataDir, database?.url, { OSPREY_FRONT_ENDS: 'none' });
  child = spawn(process.execPath, ['bin/osprey.js', 'serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { output += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { output += s; });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopServer();
  await database?.drop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

test('a parent signs the home–school agreement and withdraws website consent on a phone; the check then says no, with the date', { timeout: 120_000 }, async () => {
  // Dates the server gives must fall within this test (a whole second either side: they may be stored to the second).
  const startedAt = Date.now() - 1000;
  const duringThisTest = (iso: string) => { const at = Date.parse(iso); return at >= startedAt && at <= Date.now() + 1000; };
  const started = await waitFor('Osprey to print its set-up link', () => {
    if (child!.exitCode !== null) throw new Error(`osprey serve stopped:\n${output}`);
    const url = /Osprey is running at (\S+)/.exec(output)?.[1];
    const setupUrl = /(https?:\/\/\S+\/setup\?token=\S+)/.exec(output)?.[1];
    return url && setupUrl ? { url: url.replace('//localhost:', '//127.0.0.1:'), setupUrl } : undefined;
  }, 60_000);

  // The office: set-up, the school's people, and the paper form Joy Okafor signed when Amara started school.
  const office = new ApiClient(started.url);
  await office.call('POST', '/api/setup', {
    token: new URL(started.setupUrl).searchParams.get('token'), schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', username: 'a.morgan', password: 'kestrel-meadow-lantern',
  });
  await office.logIn('a.morgan', 'kestrel-meadow-lantern');
  await office.call('POST', '/api/import/people', { files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false });
  const joy = (await office.call<{ people: { id: string }[] }>('GET', '/api/people?q=j.okafor')).people[0];
  const amara = (await office.call<{ pupils: { id: string }[] }>('GET', '/api/consents/pupils?q=aokafor01')).pupils[0];
  await office.call('POST', `/api/consents/pupils/${amara.id}/paper`, { parentId: joy.id, decisions: { website: true, print: true }, formDated: '2026-09-03', formKeptAt: 'Office, consent forms folder' });
  const before = await office.call<{ allowed: boolean }>('GET', `/api/consents/check?pupil=${amara.id}&use=website`);
  assert.equal(before.allowed, true);
  // The school publishes the parents' home–school agreement (the samples are drafts until then); nothing else.
  const { templates } = await office.call<{ templates: { id: string; key: string; name: string }[] }>('GET', '/api/agreements/templates');
  const homeSchool = templates.find((t) => t.key === 'parent')!;
  await office.call('POST', `/api/agreements/templates/${homeSchool.id}/publish`);
  const unsigned = await office.call<{ people: { person: { id: string }; status: string }[] }>('GET', `/api/agreements/coverage?templateId=${homeSchool.id}`);
  assert.notEqual(unsigned.people.find((p) => p.person.id === joy.id)?.status, 'signed', 'Joy has not signed it yet');
  const { temporaryPassword } = await office.call<{ temporaryPassword: string }>('POST', `/api/people/${joy.id}/account/temporary-password`);

  // Joy, on her phone: log in, choose her own password, and she lands on her children's page.
  const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${started.url}/login`);
  await logInOnPage(page, { username: 'j.okafor', password: temporaryPassword });
  await waitForPath(page, '/change-password');
  await page.getByLabel('Temporary or current password').fill(temporaryPassword);
  await page.getByLabel(/^New password/).fill('sparrow-teapot-harbour');
  await page.getByLabel('Type the new password again').fill('sparrow-teapot-harbour');
  await page.getByRole('button', { name: 'Change password' }).click();
  await waitForPath(page, '/family');
  await see(page, 'Your children');

  // The home–school agreement is waiting for her at the top of the page; she reads and signs it.
  const waiting = page.getByRole('region', { name: 'Agreements to sign' });
  await waiting.getByText(homeSchool.name).waitFor();
  await waiting.getByRole('link', { name: 'Read and sign' }).tap();
  await waitForPath(page, '/agreements/sign');
  const agreement = page.getByRole('region', { name: homeSchool.name });
  await agreement.getByText('Home–school agreement: internet, devices and images').waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the sign page fits the phone\'s width');
  await agreement.getByLabel('I have read this agreement and I will keep to it').check();
  await agreement.getByLabel('Type your full name').fill('Joy Okafor');
  await agreement.getByRole('button', { name: 'Sign the agreement' }).tap();
  await see(page, 'Thank you — everything is signed');
  await page.getByText(`${homeSchool.name}, signed `).waitFor();

  // The thank-you note leads a parent on to the photo questions, on her children's page; nothing is left to sign.
  await page.getByRole('link', { name: 'say how the school may use photos and videos of your children' }).click();
  await waitForPath(page, '/family');
  await see(page, 'Your children');
  const section = page.getByRole('region', { name: 'Amara Okafor' });
  await section.getByText('Reception').waitFor();

  // One big switch per use; the website one is on (the paper form), press is off (never asked).
  const website = section.getByRole('switch', { name: /School website/ });
  assert.equal(await website.isChecked(), true);
  assert.equal(await section.getByRole('switch', { name: /Press and media/ }).isChecked(), false);
  const row = await section.locator('label', { hasText: 'School website' }).first().boundingBox();
  assert.ok(row && row.height >= 44, `the switch's tap target is ${row?.height}px high; it should be at least 44px`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the page fits the phone\'s width');
  assert.equal(await waiting.count(), 0, 'no "Agreements to sign" card once she has signed');
  assert.deepEqual(await accessibilityProblems(page), [], 'the children\'s page has no serious accessibility problems');

  // Turning it off asks first; she confirms.
  await website.tap();
  const dialog = page.getByRole('dialog', { name: 'Withdraw consent?' });
  await dialog.getByText(/no longer use Amara's photo or video for school website/).waitFor();
  await dialog.getByRole('button', { name: 'Withdraw consent' }).tap();
  await dialog.waitFor({ state: 'hidden' });
  await see(page, /No: Joy Okafor withdrew consent for school website on \d{1,2} [A-Z][a-z]+ \d{4}\./);
  assert.equal(await website.isChecked(), false);
  assert.equal(await section.getByRole('switch', { name: /Printed publications/ }).isChecked(), true, 'the other uses are unchanged');
  await section.getByRole('button', { name: /History of changes for Amara/ }).tap();
  await section.getByRole('table', { name: 'History for Amara Okafor' }).getByText('Withdrew consent').waitFor();
  await context.close();

  // The office's check page in the browser says the same, with the reminder about names.
  const desk = await browser!.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const officePage = await desk.newPage();
  officePage.setDefaultTimeout(15_000);
  await officePage.goto(`${started.url}/login`);
  await logInOnPage(officePage, { username: 'a.morgan', password: 'kestrel-meadow-lantern' });
  await officePage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Photo consent' }).click();
  await waitForPath(officePage, '/consents');
  await officePage.getByRole('textbox', { name: 'Pupil' }).fill('aokafor01');
  await officePage.getByRole('button', { name: 'Check' }).click();
  const shown = officePage.getByTestId('consent-answer');
  await shown.getByText(/^No: Joy Okafor withdrew consent for school website on /).waitFor();
  await shown.getByText('Never put a pupil\'s full name beside their image.').waitFor();
  assert.deepEqual(await accessibilityProblems(officePage), [], 'the check page has no serious accessibility problems');
  await desk.close();

  // The school's coverage list shows Joy's own online signature of the current version.
  const signed = await office.call<{ people: { person: { id: string }; status: string; signature: { method: string; signedAt: string } | null }[] }>('GET', `/api/agreements/coverage?templateId=${homeSchool.id}`);
  const joys = signed.people.find((p) => p.person.id === joy.id);
  assert.ok(joys, 'Joy is in the coverage list for the home–school agreement');
  assert.equal(joys.status, 'signed');
  assert.equal(joys.signature?.method, 'online');
  assert.ok(duringThisTest(joys.signature.signedAt), `the signature is dated now, not ${joys.signature.signedAt}`);
  const audit = await office.call<{ entries: { action: string; entityId: string | null }[] }>('GET', '/api/audit?action=agreement.signed');
  assert.ok(audit.entries.some((e) => e.entityId === joy.id), 'the audit log records her signature');

  // The check, through the API: no, withdrawn, on the day she did it.
  const check = await office.call<{ allowed: boolean; reason: string; summary: string; decision: { recordedAt: string; parentName: string } }>('GET', `/api/consents/check?pupil=${amara.id}&use=website`);
  assert.equal(check.allowed, false);
  assert.equal(check.reason, 'withdrawn');
  assert.equal(check.decision.parentName, 'Joy Okafor');
  const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(new Date(check.decision.recordedAt));
  assert.equal(check.summary, `No: Joy Okafor withdrew consent for school website on ${day}.`);
  assert.ok(duringThisTest(check.decision.recordedAt), `the withdrawal is dated now, not ${check.decision.recordedAt}`);

  // …and through the command line, once the server has stopped (the embedded database has one user at a time).
  await stopServer();
  const cli = spawnSync(process.execPath, ['bin/osprey.js', 'consent', 'check', '--pupil', 'Amara Okafor', '--use', 'website'], { cwd: REPO, env, encoding: 'utf8' });
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(cli.stdout, /^NO: Amara Okafor \(Reception\), school website\./);
  assert.ok(cli.stdout.includes(`No: Joy Okafor withdrew consent for school website on ${day}.`), cli.stdout);
});
