/**
 * Issue 13, item 14, as a teacher sees it: a parent's page shows their e-mail address to the office but not to a
 * teacher whose classes their children are not in, who reads why instead.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ApiClient, launchBrowser, logInOnPage, see, startOsprey, waitForPath, type OspreyServer } from './server.ts';

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

test('a teacher opening a parent\'s page sees "Not shown to you" where the office sees the address', { timeout: 90_000 }, async () => {
  const admin = new ApiClient(server!.url);
  const token = new URL(server!.setupUrl).searchParams.get('token')!;
  await admin.call('POST', '/api/setup', {
    token, schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', username: 'a.morgan', password: 'kestrel-meadow-lantern',
  });
  await admin.logIn('a.morgan', 'kestrel-meadow-lantern');
  const person = (body: object) => admin.call<{ id: string }>('POST', '/api/people', body);
  const parent = await person({ username: 'r.fernandes', givenName: 'Rosa', familyName: 'Fernandes', email: 'rosa.fernandes@example.net', roles: ['parent'] });
  const teacher = await person({ username: 'h.price', givenName: 'Hannah', familyName: 'Price', email: 'h.price@oakfield.example.sch.uk', roles: ['teacher'] });
  const office = await person({ username: 'j.osei', givenName: 'Joy', familyName: 'Osei', roles: ['support_staff'] });
  const passwordOf = async (id: string) => (await admin.call<{ temporaryPassword: string }>('POST', `/api/people/${id}/account/temporary-password`)).temporaryPassword;

  const parentPage = async (username: string, temporary: string) => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${server!.url}/login`);
    await logInOnPage(page, { username, password: temporary });
    await waitForPath(page, '/change-password');
    await page.getByLabel('Temporary or current password').fill(temporary);
    await page.getByLabel(/^New password/).fill('purple-otter-biscuit');
    await page.getByLabel('Type the new password again').fill('purple-otter-biscuit');
    await page.getByRole('button', { name: 'Change password' }).click();
    await waitForPath(page, '/');
    await page.goto(`${server!.url}/people/${parent.id}`);
    await see(page, 'Rosa Fernandes');
    return page;
  };

  const asTeacher = await parentPage('h.price', await passwordOf(teacher.id));
  await see(asTeacher, /Not shown to you/);
  assert.equal(await asTeacher.getByText('rosa.fernandes@example.net').count(), 0, 'the teacher does not see the parent\'s address');
  await asTeacher.close();

  const asOffice = await parentPage('j.osei', await passwordOf(office.id));
  await see(asOffice, 'rosa.fernandes@example.net');
  assert.equal(await asOffice.getByText(/Not shown to you/).count(), 0);
  await asOffice.close();
});
