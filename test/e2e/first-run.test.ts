/**
 * The acceptance story: on a fresh Osprey, the first administrator sets up the school from the set-up link, logs in,
 * imports 50 people from a CSV file (checking the differences first), finds people by surname, and logs out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { authenticator } from 'otplib';
import { FIXTURE_50, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

let server: OspreyServer | undefined;
let browser: Browser | undefined;

before(async () => {
  server = await startOsprey();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('set up, log in, import 50 people, search them and log out', { timeout: 60_000 }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);

  // Set up the school and the first administrator with the one-time link.
  await page.goto(server!.setupUrl);
  await see(page, 'Welcome to Osprey');
  await page.getByLabel('School name').fill('Oakfield Primary School');
  await page.getByLabel('First name').fill('Alex');
  await page.getByLabel('Last name').fill('Morgan');
  await page.getByLabel('Username').fill('a.morgan');
  await page.getByLabel('E-mail address (optional)').fill('a.morgan@oakfield.sch.uk');
  await page.getByLabel(/^Password/).fill('kestrel-meadow-lantern');
  await page.getByLabel('Type the password again').fill('kestrel-meadow-lantern');
  await page.getByRole('button', { name: 'Set up Osprey' }).click();
  await waitForPath(page, '/login');
  await see(page, 'Osprey is set up. Log in with the username and password you have just chosen.');

  // Log in: an administrator can see safeguarding information, so Osprey asks for two-step verification before
  // anything else (issue 11). The test's authenticator app reads the set-up key shown under the QR code.
  await logInOnPage(page, { username: 'a.morgan', password: 'kestrel-meadow-lantern' });
  await waitForPath(page, '/account/two-step');
  await see(page, 'Your role can see safeguarding information, so you need to set up two-step verification.');
  assert.equal(await page.evaluate(async () => (await fetch('/api/people')).status), 403, 'nothing else is open until it is set up');
  await page.getByLabel('Your password').fill('kestrel-meadow-lantern');
  await page.getByRole('button', { name: 'Start' }).click();
  const key = (await page.locator('code').filter({ hasText: 'Setup key' }).innerText()).replace(/^Setup key:\s*/, '').replace(/\s+/g, '');
  await page.getByLabel('Code from the app').fill(authenticator.generate(key));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await see(page, 'Your recovery codes');
  assert.equal(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count(), 10);
  await page.getByRole('button', { name: 'I have kept them safe – continue' }).click();
  await waitForPath(page, '/');
  await see(page, /Good (morning|afternoon|evening), Alex/);
  await see(page, 'Oakfield Primary School');
  assert.equal(await page.getByText('Osprey is set up').count(), 0, 'the set-up note is not shown again after log-in');

  // Import the fixture: check first, see 50 to add, then apply.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import people' }).click();
  await waitForPath(page, '/people/import');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByLabel('CSV files').click()]);
  await chooser.setFiles(FIXTURE_50);
  await page.getByRole('button', { name: 'Check the files' }).click();
  await see(page, 'Check what will change');
  await page.getByRole('heading', { name: 'To add (50)' }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'People to add' }).locator('tbody tr').count(), 50);
  await see(page, 'Ruth Adeyemi');
  await page.getByRole('button', { name: 'Import these changes' }).click();
  await see(page, 'The import is finished');
  await see(page, /50 people added/);

  // The people are listed: 50 imported plus the administrator.
  await page.getByRole('link', { name: 'Go to People & groups' }).click();
  await waitForPath(page, '/people');
  await see(page, /^51 people/);
  await see(page, 'Tariq Mahmood');

  // Searching as you type narrows the list to the matching person.
  await page.getByLabel('Search').fill('Mahm');
  await see(page, /^1 person$/);
  const rows = page.getByRole('table', { name: 'People' }).locator('tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /Tariq Mahmood/);

  await page.getByLabel('Search').fill('hughes');
  await see(page, /^3 people$/);
  const names = await page.getByRole('table', { name: 'People' }).locator('tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(names.map((n) => n.trim()).sort(), ['Megan Hughes', 'Oliver Hughes', 'Tom Hughes']);

  // Log out and land on the log-in page.
  await page.getByRole('button', { name: 'Log out' }).click();
  await waitForPath(page, '/login');
  await see(page, 'Log in to Osprey');
  await see(page, 'You have logged out.');
  await page.close();
});
