/**
 * Incident records in the browser: the DSL adds a screenshot to an incident and sees its SHA-256 hash, is told why a
 * program is refused, finds uploads refused (with the reason) on a suspected child abuse images incident, downloads
 * the referral PDF, and reads the incidents dashboard; the Online Safety Lead sees the counts but not the restricted
 * incidents. axe checks the panel and the dashboard.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, FIXTURE_50, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
const DSL = { username: 'm.rahman', password: 'harbour-lamp-sparrow' };

let server: OspreyServer | undefined;
let browser: Browser | undefined;
let url = '';
let dslApi: ApiClient;

before(async () => {
  server = await startOsprey();
  url = server.url.replace('//localhost:', '//127.0.0.1:');
  browser = await launchBrowser();
  const admin = new ApiClient(url);
  await admin.call('POST', '/api/setup', {
    token: new URL(server.setupUrl).searchParams.get('token'), schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', ...ADMIN,
  });
  await admin.logIn(ADMIN.username, ADMIN.password);
  await admin.call('POST', '/api/import/people', { files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false });
  const found = await admin.call<{ people: { id: string; username: string }[] }>('GET', `/api/people?q=${DSL.username}`);
  const id = found.people.find((p) => p.username === DSL.username)!.id;
  const { temporaryPassword } = await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${id}/account/temporary-password`);
  dslApi = new ApiClient(url);
  await dslApi.logIn(DSL.username, temporaryPassword);
  await dslApi.call('POST', '/api/auth/password', { currentPassword: temporaryPassword, newPassword: DSL.password });
  dslApi = new ApiClient(url);
  await dslApi.logIn(DSL.username, DSL.password);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function logIn(who: { username: string; password: string }): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${url}/login`);
  await logInOnPage(page, { username: who.username, password: who.password });
  await waitForPath(page, '/');
  return page;
}

async function axe(page: Page, selector: string, name: string): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.mantine-Loader').length === 0, undefined, { timeout: 15_000 });
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  const bad = await page.evaluate(async (sel) => {
    const { axe: a } = window as unknown as { axe: { run(context: Element, options: RunOptions): Promise<AxeResults> } };
    const r = await a.run(document.querySelector(sel)!, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')})`);
  }, selector);
  assert.deepEqual(bad, [], `${name}: accessibility problems`);
}

test('the DSL keeps a screenshot as evidence, is told why a program and child abuse images are refused, exports the PDF and reads the dashboard', async () => {
  const when = new Date(Date.now() - 2 * 3600_000).toISOString();
  const bullying = await dslApi.call<{ id: string; reference: string }>('POST', '/api/incidents', {
    occurredAt: when, description: 'Unkind messages about a Year 5 pupil in a class group chat.', category: 'bullying', classification: 'restricted',
  });
  const csam = await dslApi.call<{ id: string; reference: string }>('POST', '/api/incidents', {
    occurredAt: when, description: 'A pupil said an indecent image of a child was being passed around.', category: 'child_abuse_images', classification: 'restricted',
  });

  const page = await logIn(DSL);
  await page.goto(`${url}/incidents/${bullying.id}`);
  const panel = page.getByTestId('evidence-panel');
  await panel.getByText('No evidence has been recorded yet.').waitFor();

  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('screenshot of the group chat')]);
  await panel.getByLabel('Note (optional)').fill('Shown to the DSL by the pupil');
  await panel.locator('input[type=file]').setInputFiles({ name: 'group-chat.png', mimeType: 'image/png', buffer: png });
  const hash = createHash('sha256').update(png).digest('hex');
  await see(page, `"group-chat.png" was added. Its SHA-256 hash is ${hash}.`);
  await panel.getByRole('cell', { name: hash }).waitFor();
  await panel.getByRole('link', { name: 'group-chat.png' }).waitFor();

  await panel.locator('input[type=file]').setInputFiles({ name: 'free-robux.png', mimeType: 'image/png', buffer: Buffer.from('MZ\x90\x00 this program cannot be run in DOS mode') });
  await see(page, /"free-robux\.png" cannot be kept as evidence because it is a Windows program/);
  await axe(page, '[data-testid=evidence-panel]', 'evidence panel');

  // The referral PDF.
  const href = await page.getByTestId('export-pdf').getAttribute('href');
  assert.equal(href, `/api/incidents/${bullying.id}/export.pdf`);
  const pdf = await page.request.get(url + href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.ok((await pdf.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));

  // Suspected child abuse images: no upload button, and the reason is on the page.
  await page.goto(`${url}/incidents/${csam.id}`);
  await see(page, 'Nothing can be uploaded to this incident');
  await see(page, /must never be uploaded, copied, viewed or shown to anyone/);
  assert.equal(await page.getByTestId('evidence-panel').getByRole('button', { name: /Add a screenshot or file/ }).count(), 0);

  // The dashboard counts both; the overdue list is empty today.
  await page.getByRole('link', { name: 'Incidents dashboard' }).click();
  await waitForPath(page, '/incidents/dashboard');
  await see(page, 'Incidents per month');
  await page.getByTestId('dashboard-categories').getByRole('cell', { name: /^Bullying/ }).waitFor();
  await see(page, bullying.reference);
  await see(page, csam.reference);
  await axe(page, 'main', 'incidents dashboard');
});
