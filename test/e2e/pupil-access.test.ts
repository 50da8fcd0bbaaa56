/**
 * A pupil cannot reach the People page: after changing the temporary password they were given, they see no
 * "People & groups" link, and typing the address shows a friendly "no access" page.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ApiClient, FIXTURE_50, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

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

test('a pupil changes their temporary password and cannot open People & groups', { timeout: 60_000 }, async () => {
  // Arrange through the API: set-up, log-in as the administrator, import, a temporary password for one pupil.
  const admin = new ApiClient(server!.url);
  const token = new URL(server!.setupUrl).searchParams.get('token')!;
  await admin.call('POST', '/api/setup', {
    token, schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', username: 'a.morgan', password: 'kestrel-meadow-lantern',
  });
  await admin.logIn('a.morgan', 'kestrel-meadow-lantern');
  const imported = await admin.call<{ applied: { added: number } | null }>('POST', '/api/import/people', {
    files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false,
  });
  assert.equal(imported.applied?.added, 50);
  const found = await admin.call<{ people: { id: string; username: string }[] }>('GET', '/api/people?q=aokafor01');
  assert.equal(found.people.length, 1);
  const { temporaryPassword } = await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${found.people[0].id}/account/temporary-password`);

  // The pupil logs in and must choose a new password before anything else.
  const page = await browser!.newPage({ viewport: { width: 768, height: 1024 } });
  page.setDefaultTimeout(15_000);
  await page.goto(`${server!.url}/login`);
  await logInOnPage(page, { username: 'aokafor01', password: temporaryPassword });
  await waitForPath(page, '/change-password');
  await see(page, 'Choose a new password');
  assert.equal(await page.getByRole('link', { name: 'People & groups' }).count(), 0);

  // Trying to go elsewhere first brings them back to the password page.
  await page.goto(`${server!.url}/people`);
  await waitForPath(page, '/change-password');
  await see(page, 'Choose a new password');

  await page.getByLabel('Temporary or current password').fill(temporaryPassword);
  await page.getByLabel(/^New password/).fill('purple-otter-biscuit');
  await page.getByLabel('Type the new password again').fill('purple-otter-biscuit');
  await page.getByRole('button', { name: 'Change password' }).click();
  await waitForPath(page, '/');
  await see(page, 'Your password has been changed.');
  await see(page, /Good (morning|afternoon|evening), Amara/);

  // No People & groups in the navigation…
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Home' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'People & groups' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'People & groups' }).count(), 0);

  // …and typing the address shows the friendly "no access" page.
  await page.goto(`${server!.url}/people`);
  await see(page, 'You do not have access to this page');
  assert.equal(await page.getByRole('table', { name: 'People' }).count(), 0);
  assert.equal(new URL(page.url()).pathname, '/people');
  await page.close();
});
