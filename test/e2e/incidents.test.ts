/**
 * Incidents in the browser. A teacher reports a concern about a pupil in a few fields; a pupil reports anonymously
 * through the simple page; the DSL finds both in the log, answers the triage questions, ticks the checklist (who and
 * when shown), skips an optional step with its reason and closes the incident; the teacher sees it closed in their
 * own reports but cannot see the pupil's restricted report; the audit log has every read. axe checks the pages.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, FIXTURE_50, launchBrowser, see, startOsprey, waitForPath, type OspreyServer, logInOnPage, pickOption } from './server.ts';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const ADMIN = { username: 'a.morgan', password: 'kestrel-meadow-lantern' };
const DSL = { username: 'm.rahman', password: 'harbour-lamp-sparrow' };
const TEACHER = { username: 'h.cohen', password: 'robins-chalk-window' };
const PUPIL = { username: 'ohughes02', password: 'purple-otter-biscuit' };

let server: OspreyServer | undefined;
let browser: Browser | undefined;
let url = '';
const admin = () => { const c = new ApiClient(url); return c; };
let adminApi: ApiClient;

before(async () => {
  server = await startOsprey();
  url = server.url.replace('//localhost:', '//127.0.0.1:');
  browser = await launchBrowser();
  adminApi = admin();
  await adminApi.call('POST', '/api/setup', {
    token: new URL(server.setupUrl).searchParams.get('token'), schoolName: 'Oakfield Primary School', givenName: 'Alex', familyName: 'Morgan', ...ADMIN,
  });
  await adminApi.logIn(ADMIN.username, ADMIN.password);
  await adminApi.call('POST', '/api/import/people', { files: { 'people-50.csv': readFileSync(FIXTURE_50, 'utf8') }, dryRun: false });
  for (const who of [DSL, TEACHER, PUPIL]) await adminApi.givePassword(who);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function logIn(who: { username: string; password: string }): Promise<Page> {
  // bypassCSP lets the test add axe-core (Osprey's script-src 'self' rightly refuses injected scripts).
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${url}/login`);
  await logInOnPage(page, { username: who.username, password: who.password });
  await waitForPath(page, '/');
  return page;
}

/** axe-core on the whole page: serious and critical findings fail the test. */
async function axe(page: Page, name: string): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.mantine-Loader').length === 0, undefined, { timeout: 15_000 });
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH });
  const bad = await page.evaluate(async () => {
    const { axe: a } = window as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } };
    const r = await a.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')})`);
  });
  assert.deepEqual(bad, [], `${name}: accessibility problems`);
}

test('a concern goes from report to closed incident, with the right people seeing the right things', async () => {
  // The teacher: who, what, when, where.
  const teacher = await logIn(TEACHER);
  await teacher.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Report a concern' }).click();
  await waitForPath(teacher, '/incidents/report');
  await axe(teacher, 'staff report form');
  await teacher.getByLabel('What happened').fill('Oliver told me older pupils have been posting unkind comments about him in a game chat.');
  await teacher.getByRole('combobox', { name: 'What kind of incident' }).click();
  await teacher.getByRole('combobox', { name: 'What kind of incident' }).fill('Bullying');
  await teacher.getByRole('option', { name: /^Bullying or harassment online/ }).click();
  await pickOption(teacher, 'Pupil or member of staff', 'Oliver', /Oliver Hughes/);
  await see(teacher, 'Oliver Hughes');
  await teacher.getByRole('button', { name: 'Send report' }).click();
  await see(teacher, /Your report has been sent as INC-\d{4}-\d{4}/);
  const reference = (await teacher.getByText(/as INC-/).textContent())!.match(/INC-\d{4}-\d{4}/)![0];

  // The pupil: the simple page, without their name.
  const pupil = await logIn(PUPIL);
  await pupil.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Report a concern' }).click();
  await see(pupil, 'Tell us about something that worried you');
  await axe(pupil, 'pupil report page');
  await pupil.getByLabel('What happened?').fill('Someone in another class sent me a scary message.');
  await pupil.getByLabel('Do not put my name on this report').check();
  await pupil.getByRole('button', { name: 'Send report' }).click();
  await see(pupil, 'Your report has been sent.');
  await pupil.getByRole('link', { name: 'See what you have reported' }).click();
  await see(pupil, 'Someone in another class sent me a scary message.');
  await see(pupil, '(without your name)');

  // The DSL: the log, triage, checklist, close.
  const dsl = await logIn(DSL);
  await dsl.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
  await see(dsl, reference);
  const rows = dsl.getByRole('table', { name: 'Incidents' }).getByRole('row');
  assert.equal(await rows.count(), 3, 'both reports are in the DSL\'s log');
  await axe(dsl, 'incident log');
  await dsl.getByRole('link', { name: reference }).click();
  await see(dsl, `Incident ${reference}`);
  await see(dsl, 'Oliver Hughes');
  const triage = dsl.getByRole('radiogroup', { name: /Was illegal material/ });
  await triage.getByLabel('No').check();
  // Suggested from the record: no staff involved, the pupil as victim.
  assert.equal(await dsl.getByRole('radiogroup', { name: /pupil the victim or the instigator/ }).getByLabel('Victim').isChecked(), true);
  await dsl.getByRole('radiogroup', { name: /serious or persistent/ }).getByLabel('No').check();
  await dsl.getByRole('button', { name: 'Save answers and make the checklist' }).click();
  await see(dsl, '2 required steps are still to do.');
  await axe(dsl, 'incident page with checklist');

  // Closing too early is refused with the steps named.
  await dsl.getByLabel('Outcome', { exact: true }).fill('Pupils spoken to; Oliver supported by his class teacher.');
  await dsl.getByRole('button', { name: 'Close the incident' }).click();
  await see(dsl, /These steps are not done yet: Keep the evidence; Support the pupil in school/);

  const support = dsl.getByRole('region', { name: 'Support the pupil in school' });
  await support.getByLabel(/^Note/).fill('Class teacher checks in daily');
  await support.getByRole('button', { name: 'Mark done' }).click();
  await see(dsl, /Done by m\.rahman on .*: Class teacher checks in daily/);
  await dsl.getByRole('region', { name: 'Keep the evidence' }).getByRole('button', { name: 'Mark done' }).click();
  const optional = dsl.getByRole('region', { name: /Confiscate the device/ });
  await optional.getByRole('button', { name: 'Skip with reason' }).click();
  await see(dsl, 'Write the reason for skipping this step in the note.');
  await optional.getByLabel(/^Note/).fill('Messages were on a home console');
  await optional.getByRole('button', { name: 'Skip with reason' }).click();
  await see(dsl, /Skipped by m\.rahman on .*: Messages were on a home console/);
  await see(dsl, 'Every required step is done or skipped with a reason.');
  await dsl.getByRole('button', { name: 'Close the incident' }).click();
  await see(dsl, 'Status changed to closed');
  await assert.doesNotReject(dsl.getByText('Closed', { exact: true }).first().waitFor());

  // The teacher sees their report closed, and not the pupil's restricted one.
  await teacher.goto(`${url}/incidents`);
  await see(teacher, 'What you have reported');
  await see(teacher, 'Closed');
  const teacherApi = new ApiClient(url);
  await teacherApi.logIn(TEACHER.username, TEACHER.password);
  const { incidents } = await teacherApi.call<{ incidents: unknown[] }>('GET', '/api/incidents');
  assert.equal(incidents.length, 0, 'a teacher sees no incident log');
  const mine = await teacherApi.call<{ reports: Array<{ status: string }> }>('GET', '/api/incidents/mine');
  assert.deepEqual(mine.reports.map((r) => r.status), ['closed']);

  // Every read is in the audit log.
  const viewed = await adminApi.call<{ entries: Array<{ actorLabel?: string; actor_label?: string }> }>('GET', '/api/audit?action=incident.viewed');
  assert.ok(viewed.entries.length >= 1, 'the DSL\'s reads of the incident are audited');
  const listed = await adminApi.call<{ entries: unknown[] }>('GET', '/api/audit?action=incident.listed');
  assert.ok(listed.entries.length >= 2, 'each incident shown in the DSL\'s list is audited');
});

test('the DSL changes the sanctions matrix and lets a teacher read a restricted report', async () => {
  const dsl = await logIn(DSL);
  await dsl.goto(`${url}/incidents`);
  await dsl.getByRole('link', { name: 'Sanctions matrix' }).click();
  await waitForPath(dsl, '/incidents/sanctions');
  await see(dsl, 'Osprey\'s starting table');
  await axe(dsl, 'sanctions matrix');
  const cell = dsl.getByRole('combobox', { name: /^Using sites that are not educational during lessons without permission: Inform parents or carers$/ });
  await cell.selectOption({ label: 'Always' });
  await dsl.getByRole('button', { name: 'Save the table' }).click();
  await see(dsl, 'The sanctions matrix has been saved.');
  const dslApi = new ApiClient(url);
  await dslApi.logIn(DSL.username, DSL.password);
  const matrix = await dslApi.call<{ isDefault: boolean; rows: Array<{ key: string; responses: Record<string, string> }> }>('GET', '/api/sanctions/pupil');
  assert.equal(matrix.isDefault, false);
  assert.equal(matrix.rows.find((r) => r.key === 'non_educational_sites')!.responses.inform_parents, 'always');

  // The pupil's anonymous report: restricted. The DSL gives the teacher access to it.
  const { incidents } = await dslApi.call<{ incidents: Array<{ id: string; reference: string; classification: string; reporterKind: string }> }>('GET', '/api/incidents');
  const pupilReport = incidents.find((i) => i.reporterKind === 'pupil')!;
  assert.equal(pupilReport.classification, 'restricted');
  await dsl.goto(`${url}/incidents/${pupilReport.id}`);
  await see(dsl, 'Who else can see this record');
  await pickOption(dsl, 'Give access to', 'Cohen', /Hannah Cohen/);
  await dsl.getByLabel('Why they need it').fill('Class teacher supporting the pupil');
  await dsl.getByRole('button', { name: 'Give access to Hannah Cohen' }).click();
  await see(dsl, /Hannah Cohen — given by m\.rahman on .*: Class teacher supporting the pupil/);

  const teacher = await logIn(TEACHER);
  await teacher.goto(`${url}/incidents/${pupilReport.id}`);
  await see(teacher, `Incident ${pupilReport.reference}`);
  await see(teacher, 'Someone in another class sent me a scary message.');
  await see(teacher, 'Anonymous pupil');
  assert.equal(await teacher.getByRole('button', { name: 'Correct or add to the record' }).count(), 0, 'a grant is to read, not to change');
  await axe(teacher, 'incident page for a granted teacher');

  await dsl.getByRole('button', { name: 'Take away access for Hannah Cohen' }).click();
  await see(dsl, 'Nobody else.');
  await teacher.reload();
  await see(teacher, /was not found/);
});
