/**
 * Devices and log-on in the browser. The network manager maps the library's address range to Year 6 and names a
 * library PC, is told by the server what is wrong with a mistyped range (next to the field), changes the PC and
 * removes the range, sends devices nobody can identify to the log-on page with a one-hour log-on, and the API then
 * answers with exactly that. A pupil who logs on at the log-on page is listed and the network manager ends the
 * log-on. A teacher has no entry for the page and is refused at its address and by the API.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, FIXTURE_50, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage } from './server.ts';

const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
/** From the 50-person fixture: the network manager, a teacher and a Reception pupil. */
const NETWORK_MANAGER = { username: 'c.macleod', password: 'switch-cabinet-heron' };
const TEACHER = { username: 'h.cohen', password: 'robins-chalk-window' };
const PUPIL = { username: 'ohughes02', password: 'purple-otter-biscuit' };

interface AddressEntry { id: string; cidr: string; name: string; kind: string; groupIds: string[]; note: string }

let server: OspreyServer | undefined;
let browser: Browser | undefined;
let url = '';
const groupIds: Record<string, string> = {};

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
  for (const who of [NETWORK_MANAGER, TEACHER, PUPIL]) await admin.givePassword(who);
  const { groups } = await admin.call<{ groups: { id: string; name: string }[] }>('GET', '/api/groups');
  for (const g of groups) groupIds[g.name] = g.id;
  assert.ok(groupIds['Year 5'] && groupIds['Year 6'] && groupIds.Falcons, 'the fixture has Year 5, Year 6 and the Falcons class');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function logIn(who: { username: string; password: string }): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  await page.goto(`${url}/login`);
  await logInOnPage(page, { username: who.username, password: who.password });
  await waitForPath(page, '/');
  return page;
}

/** Chooses options in a Mantine MultiSelect by typing part of each and clicking it. */
async function choose(page: Page, label: string, options: string[]): Promise<void> {
  const box = page.getByRole('dialog').getByLabel(label, { exact: true });
  for (const option of options) {
    await box.fill(option);
    await page.getByRole('option', { name: new RegExp(`^${option}( \\(\\d+\\))?$`) }).click();
  }
  await box.press('Escape').catch(() => undefined);
}

/** The text of each row of the ranges table, by name, once the table has `count` rows (it reloads after a change). */
async function rangesShown(page: Page, count: number): Promise<Record<string, string>> {
  const rows = page.getByRole('table', { name: 'Address ranges and devices' }).locator('tbody tr');
  await page.waitForFunction((n) => document.querySelectorAll('table[aria-label="Address ranges and devices"] tbody tr').length === n, count);
  const out: Record<string, string> = {};
  for (const text of await rows.allInnerTexts()) out[text.split(/\t|\n/)[0]] = text.replace(/\s+/g, ' ');
  return out;
}

test('a network manager maps a range and a named device to groups, is told what is wrong with a bad address, edits and removes, and sends unidentified devices to the log-on page', { timeout: 90_000 }, async () => {
  const page = await logIn(NETWORK_MANAGER);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices and log-on' }).click();
  await waitForPath(page, '/devices');
  await page.getByRole('heading', { level: 1, name: 'Devices and log-on' }).waitFor();
  await see(page, 'No address ranges or devices yet');
  await see(page, 'Nobody is logged on at the log-on page at the moment.');

  // The library's range, for Year 6.
  await page.getByRole('button', { name: 'Add a range or device' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Name' }).fill('Library PCs');
  await dialog.getByRole('textbox', { name: 'Address range' }).fill('10.0.5.0/24');
  await choose(page, 'Groups', ['Year 6']);
  await dialog.getByRole('textbox', { name: 'Note' }).fill('Library, ground floor');
  await dialog.getByRole('button', { name: 'Add the range' }).click();
  await see(page, 'Library PCs (10.0.5.0/24) was added.');
  await dialog.waitFor({ state: 'hidden' });

  // A named device inside it, for Year 5.
  await page.getByRole('button', { name: 'Add a range or device' }).click();
  await dialog.getByRole('radiogroup', { name: 'What are you adding?' }).getByText('Device', { exact: true }).click();
  assert.equal(await dialog.getByRole('radio', { name: 'Device' }).isChecked(), true);
  await dialog.getByRole('textbox', { name: 'Name' }).fill('LIB-PC-03');
  await dialog.getByRole('textbox', { name: 'Address', exact: true }).fill('10.0.5.23');
  await choose(page, 'Groups', ['Year 5']);
  await dialog.getByRole('button', { name: 'Add the device' }).click();
  await see(page, 'LIB-PC-03 (10.0.5.23) was added.');
  await dialog.waitFor({ state: 'hidden' });

  let shown = await rangesShown(page, 2);
  assert.match(shown['Library PCs'], /10\.0\.5\.0\/24 256 addresses Range Year 6 Library, ground floor/);
  assert.match(shown['LIB-PC-03'], /10\.0\.5\.23 Device Year 5/);

  // A mistyped range: the server's message is shown next to the address, which is marked invalid and focused.
  await page.getByRole('button', { name: 'Add a range or device' }).click();
  await dialog.getByRole('textbox', { name: 'Name' }).fill('Science labs');
  const address = dialog.getByRole('textbox', { name: 'Address range' });
  await address.fill('10.0.0.300/24');
  await dialog.getByRole('button', { name: 'Add the range' }).click();
  await see(page, "'10.0.0.300/24' is not an address or a range. Write it like 10.0.5.0/24, 10.0.5.23 or 2001:db8::/32.");
  assert.equal(await address.getAttribute('aria-invalid'), 'true');
  const describedBy = (await address.getAttribute('aria-describedby')) ?? '';
  const description = await page.evaluate((ids) => ids.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '), describedBy);
  assert.match(description, /is not an address or a range/, 'the message is tied to the address field');
  await page.waitForFunction((el) => el === document.activeElement, await address.elementHandle(), { timeout: 5_000 })
    .catch(() => assert.fail('focus should move to the field with the problem'));
  // Typing again clears the message; a range already listed is refused next to the same field.
  await address.fill('10.0.5.0/24');
  assert.equal(await dialog.getByText('is not an address or a range').count(), 0);
  await dialog.getByRole('button', { name: 'Add the range' }).click();
  await see(page, '10.0.5.0/24 is already listed. Change that entry instead.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(Object.keys(await rangesShown(page, 2)).sort(), ['LIB-PC-03', 'Library PCs'], 'nothing was added');

  // The PC has moved: a new address, the Falcons class as well, and a note.
  await page.getByRole('button', { name: 'Edit LIB-PC-03' }).click();
  await dialog.getByRole('heading', { name: 'Change LIB-PC-03' }).or(dialog.getByText('Change LIB-PC-03')).first().waitFor();
  assert.equal(await dialog.getByRole('textbox', { name: 'Address', exact: true }).inputValue(), '10.0.5.23');
  await dialog.getByRole('textbox', { name: 'Address', exact: true }).fill('10.0.5.24');
  await choose(page, 'Groups', ['Falcons']);
  await dialog.getByRole('textbox', { name: 'Note' }).fill('By the window');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await see(page, 'LIB-PC-03 (10.0.5.24) was saved.');
  await see(page, 'By the window');
  shown = await rangesShown(page, 2);
  assert.match(shown['LIB-PC-03'], /10\.0\.5\.24 Device Year 5 Falcons By the window/);

  // Remove the range, after saying so in a dialog; Cancel first changes nothing.
  await page.getByRole('button', { name: 'Remove Library PCs' }).click();
  await see(page, 'Remove Library PCs?');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.ok('Library PCs' in (await rangesShown(page, 2)));
  await page.getByRole('button', { name: 'Remove Library PCs' }).click();
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await see(page, 'Library PCs (10.0.5.0/24) was removed.');
  assert.deepEqual(Object.keys(await rangesShown(page, 1)), ['LIB-PC-03']);

  // Devices nobody can identify go to the log-on page, for an hour.
  const section = page.getByRole('region', { name: 'Devices nobody can identify' });
  assert.equal(await section.getByRole('radio', { name: 'Filter them with the unidentified-devices policy' }).isChecked(), true);
  assert.equal(await section.getByRole('button', { name: 'Save' }).isDisabled(), true, 'nothing to save yet');
  await section.getByRole('radio', { name: 'Send them to the log-on page' }).check();
  await section.getByRole('textbox', { name: 'How long a web log-on lasts, in minutes' }).fill('60');
  await see(page, 'That is 1 hour.');
  await section.getByRole('button', { name: 'Save' }).click();
  await see(page, 'Saved. Devices nobody can identify are now sent to the log-on page; a web log-on lasts 1 hour.');

  // The two addresses to copy are this server's, as the browser reached it.
  assert.equal(await section.getByRole('textbox', { name: 'Log-on page address' }).inputValue(), `${url}/logon`);
  assert.equal(await section.getByRole('textbox', { name: 'Proxy settings file (PAC) address' }).inputValue(), `${url}/proxy.pac`);

  // The API answers with what the page showed, and the page shows it again after a reload.
  const api = new ApiClient(url);
  await api.logIn(NETWORK_MANAGER.username, NETWORK_MANAGER.password);
  const { ranges } = await api.call<{ ranges: AddressEntry[] }>('GET', '/api/identity/ranges');
  assert.deepEqual(ranges.map(({ id: _id, ...r }) => ({ ...r, groupIds: [...r.groupIds].sort() })), [
    { cidr: '10.0.5.24/32', name: 'LIB-PC-03', kind: 'device', groupIds: [groupIds['Year 5'], groupIds.Falcons].sort(), note: 'By the window' },
  ]);
  assert.deepEqual(await api.call('GET', '/api/identity/settings'), { unidentified: 'logon', logonMinutes: 60 });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Devices and log-on' }).waitFor();
  await see(page, 'LIB-PC-03');
  assert.equal(await section.getByRole('radio', { name: 'Send them to the log-on page' }).isChecked(), true);
  assert.equal(await section.getByRole('textbox', { name: 'How long a web log-on lasts, in minutes' }).inputValue(), '60');
  await page.close();
});

test('a pupil who logs on at the log-on page is listed by name, and the network manager ends the log-on', { timeout: 60_000 }, async () => {
  // The pupil logs on at the real log-on page; the address bound is the browser's, 127.0.0.1.
  const pupilPage = await browser!.newPage();
  await pupilPage.goto(`${url}/logon`);
  await pupilPage.getByLabel('Username').fill(PUPIL.username);
  await pupilPage.getByLabel('Password').fill(PUPIL.password);
  await pupilPage.getByRole('button', { name: /Log on/ }).click();
  await see(pupilPage, /logged on as/);
  await pupilPage.close();

  const page = await logIn(NETWORK_MANAGER);
  await page.goto(`${url}/devices`);
  const table = page.getByRole('table', { name: 'People logged on now' });
  await table.waitFor();
  const row = table.locator('tbody tr');
  await row.getByRole('link', { name: 'Oliver Hughes' }).waitFor();
  const text = (await row.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /^127\.0\.0\.1 Oliver Hughes ohughes02 \d\d:\d\d (today|tomorrow) \d\d:\d\d (today|tomorrow)/, text);

  await row.getByRole('button', { name: 'End Oliver Hughes’s log-on' }).click();
  await see(page, 'End Oliver Hughes’s log-on?');
  await page.getByRole('dialog').getByRole('button', { name: 'End the log-on' }).click();
  await see(page, 'Oliver Hughes is no longer logged on at 127.0.0.1.');
  await see(page, 'Nobody is logged on at the log-on page at the moment.');

  const api = new ApiClient(url);
  await api.logIn(NETWORK_MANAGER.username, NETWORK_MANAGER.password);
  assert.deepEqual(await api.call('GET', '/api/identity/sessions'), { sessions: [] });
  await page.close();
});

test('a teacher has no Devices and log-on entry and is refused at the address and by the API', { timeout: 30_000 }, async () => {
  const page = await logIn(TEACHER);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Filtering' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Devices and log-on' }).count(), 0, 'no entry in the navigation');
  await page.goto(`${url}/devices`);
  await see(page, 'You do not have access to this page');
  assert.equal(await page.getByRole('table').count(), 0);
  assert.equal(await page.getByText('Log-on page address').count(), 0);
  const statuses = await page.evaluate(async () => Promise.all(['/api/identity/ranges', '/api/identity/sessions', '/api/identity/settings']
    .map(async (p) => (await fetch(p)).status)));
  assert.deepEqual(statuses, [403, 403, 403]);
  await page.close();
});
