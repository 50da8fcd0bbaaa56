import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ParsedImport } from '../types.js';
import { parseOneRoster } from './parse-oneroster.js';
import { parseImport } from './detect.js';

const folder = fileURLToPath(new URL('../../../test/fixtures/import/oneroster/', import.meta.url));

/** The fixture export, with any file replaced or removed (undefined) for one story. */
function oneRosterSet(changes: Record<string, string | undefined> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(folder)) files[name] = readFileSync(folder + name, 'utf8');
  for (const [name, text] of Object.entries(changes)) {
    if (text === undefined) delete files[name];
    else files[name] = text;
  }
  return files;
}

const USERS_HEADER = 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password';
const ENROLLMENTS_HEADER = 'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate';

function user(id: string, role: string, username: string, grades = '', agents = '', status = ''): string {
  return `${id},${status},,true,org-1,${role},${username},,Given,Family,,,,,,"${agents}","${grades}",`;
}

function person(parsed: ParsedImport, externalId: string) {
  const found = parsed.people.find((p) => p.externalId === externalId);
  assert.ok(found, `expected ${externalId} among the people`);
  return found;
}

test('the fixture OneRoster export imports without problems and is detected as OneRoster', () => {
  const result = parseImport({ files: oneRosterSet() });
  assert.equal(result.format, 'oneroster');
  assert.deepEqual(result.problems, []);
  assert.equal(result.people.length, 19, 'twenty users less one leaver');
  assert.deepEqual(person(result, 'u-s4').source, { file: 'users.csv', line: 9 });
});

test('OneRoster enrollments put pupils into their classes, and teachers into the classes they teach', () => {
  const parsed = parseOneRoster(oneRosterSet());
  assert.deepEqual(person(parsed, 'u-s1').classes, ['7H', '7 Computing']);
  assert.deepEqual(person(parsed, 'u-s2').classes, ['7H']);
  assert.deepEqual(person(parsed, 'u-s7').classes, ['Reception Bluebells']);
  assert.deepEqual(person(parsed, 'u-t2').classes, ['8B', '7 Computing']);
  assert.deepEqual(person(parsed, 'u-s10').classes, [], 'a pupil with no enrolments has no classes');
});

test('OneRoster grades become year groups: 07 is Year 7, KG is Reception, PK is Nursery', () => {
  const parsed = parseOneRoster(oneRosterSet());
  assert.equal(person(parsed, 'u-s1').yearGroup, 'Year 7');
  assert.equal(person(parsed, 'u-s4').yearGroup, 'Year 8');
  assert.equal(person(parsed, 'u-s7').yearGroup, 'Reception');
  assert.equal(person(parsed, 'u-s10').yearGroup, 'Nursery');
  assert.equal(person(parsed, 'u-t2').yearGroup, undefined, "a teacher's grades are what they teach, not their year");
});

test("OneRoster roles map to Osprey's; a MIS administrator comes in as support staff, never as an Osprey administrator", () => {
  const parsed = parseOneRoster(oneRosterSet());
  const roleOf = (id: string) => person(parsed, id).roles;
  assert.deepEqual(roleOf('u-t1'), ['teacher']);
  assert.deepEqual(roleOf('u-s1'), ['pupil']);
  assert.deepEqual(roleOf('u-a1'), ['support_staff']);
  assert.deepEqual(roleOf('u-ta1'), ['support_staff']);
  assert.deepEqual(roleOf('u-p1'), ['support_staff']);
  for (const id of ['u-g1', 'u-g2', 'u-g3']) assert.deepEqual(roleOf(id), ['parent']);
  assert.ok(parsed.people.every((p) => !p.roles.includes('administrator')));
  assert.equal(person(parsed, 'u-t1').username, 'g.achterberg', 'usernames are lower-cased');
});

test("parents are linked to children whether the link is on the parent's row or the pupil's row", () => {
  const parsed = parseOneRoster(oneRosterSet());
  assert.deepEqual(person(parsed, 'u-g1').childExternalIds, ['u-s1'], "from Chidi's agentSourcedIds");
  assert.deepEqual(person(parsed, 'u-g2').childExternalIds, ['u-s2', 'u-s4']);
  assert.deepEqual(person(parsed, 'u-g3').childExternalIds, ['u-s4']);
  assert.deepEqual(person(parsed, 'u-s1').childExternalIds, [], 'a pupil has no children');
});

test('leavers marked tobedeleted are simply absent, with their classes and enrolments, and raise no problem', () => {
  const parsed = parseOneRoster(oneRosterSet());
  assert.equal(parsed.people.some((p) => p.externalId === 'u-s9'), false);
  assert.equal(parsed.people.some((p) => p.classes.includes('9 History')), false);
  assert.deepEqual(parsed.problems, []);
});

test('a disabled account is still imported, unchanged, for the store to decide about', () => {
  const parsed = parseOneRoster(oneRosterSet());
  const zara = person(parsed, 'u-s5');
  assert.deepEqual(zara.roles, ['pupil']);
  assert.deepEqual(zara.classes, ['8B']);
});

test('bad users rows name users.csv, the line and the problem, and their enrolments are not reported again', () => {
  const users = [
    USERS_HEADER,
    user('u1', 'student', 'amy', '05'),
    user('u2', 'student', 'Amy', '05'), // line 3: duplicate username
    user('u3', 'student', 'bob'), // line 4: no grade
    user('u4', 'student', 'cat', 'UG'), // line 5: grade that is no year group
    user('u5', 'headmaster', 'dan'), // line 6: unknown role
    user('u6', 'student', 'eve', '05,06'), // line 7: two year groups
    user('u1', 'teacher', 'fay'), // line 8: duplicate sourcedId
  ].join('\n');
  const enrollments = [ENROLLMENTS_HEADER, 'e1,,,c-7h,org-1,u3,student,,,', 'e2,,,c-7h,org-1,u1,student,,,'].join('\n');
  const parsed = parseOneRoster(oneRosterSet({ 'users.csv': users, 'enrollments.csv': enrollments }));

  assert.deepEqual(parsed.problems.map((p) => [p.file, p.line]), [
    ['users.csv', 3], ['users.csv', 4], ['users.csv', 5], ['users.csv', 6], ['users.csv', 7], ['users.csv', 8],
  ]);
  const messages = parsed.problems.map((p) => p.message);
  assert.match(messages[0] ?? '', /username 'amy' is already used on line 2/);
  assert.match(messages[1] ?? '', /pupil has no grade — use KG for Reception/);
  assert.match(messages[2] ?? '', /grade 'UG' is not a school year group/);
  assert.match(messages[3] ?? '', /unknown role 'headmaster' — use one of: administrator, aide, guardian/);
  assert.match(messages[4] ?? '', /several year groups \(Year 5, Year 6\)/);
  assert.match(messages[5] ?? '', /sourcedId 'u1' is already used on line 2/);
  assert.deepEqual(parsed.people.map((p) => p.externalId), ['u1']);
  assert.deepEqual(person(parsed, 'u1').classes, ['7H'], 'the first u1 keeps its enrolment');
});

test('an enrolment for an unknown class or an unknown user is a problem on its enrollments.csv line', () => {
  const enrollments = [
    ENROLLMENTS_HEADER,
    'e1,,,c-7h,org-1,u-s1,student,,,',
    'e2,,,c-nope,org-1,u-s1,student,,,',
    'e3,,,c-7h,org-1,u-ghost,student,,,',
    'e4,,,c-7h,org-1,u-s9,student,,,', // a leaver: skipped quietly
  ].join('\r\n');
  const parsed = parseOneRoster(oneRosterSet({ 'enrollments.csv': enrollments }));
  assert.deepEqual(parsed.problems.map((p) => [p.file, p.line]), [['enrollments.csv', 3], ['enrollments.csv', 4]]);
  assert.match(parsed.problems[0]?.message ?? '', /class 'c-nope', which is not in classes\.csv/);
  assert.match(parsed.problems[1]?.message ?? '', /user 'u-ghost', who is not in the users file/);
  assert.deepEqual(person(parsed, 'u-s1').classes, ['7H']);
});

test('two classes with one title are reported, because Osprey would merge them into one group', () => {
  const classes = 'sourcedId,title\nc-7h,7H\nc-7h-again,7h\n';
  const enrollments = `${ENROLLMENTS_HEADER}\ne1,,,c-7h-again,org-1,u-s2,student,,,\n`;
  const parsed = parseOneRoster(oneRosterSet({ 'classes.csv': classes, 'enrollments.csv': enrollments }));
  assert.deepEqual(parsed.problems.map((p) => [p.file, p.line]), [['classes.csv', 3]]);
  assert.match(parsed.problems[0]?.message ?? '', /class title '7h' is already used on line 2/);
  assert.deepEqual(person(parsed, 'u-s2').classes, []);
});

test('a missing users.csv, or users.csv without a required column, stops the import with a clear problem', () => {
  const noUsers = parseOneRoster(oneRosterSet({ 'users.csv': undefined }));
  assert.deepEqual(noUsers.people, []);
  assert.deepEqual(noUsers.problems.map((p) => p.file), ['users.csv']);
  assert.match(noUsers.problems[0]?.message ?? '', /no users\.csv/);

  const noRole = parseOneRoster({ 'users.csv': 'sourcedId,username,givenName,familyName\nu1,a,A,A\n' });
  assert.deepEqual(noRole.people, []);
  assert.deepEqual(noRole.problems.map((p) => [p.file, p.line]), [['users.csv', 1]]);
  assert.match(noRole.problems[0]?.message ?? '', /missing the required column 'role'/);
});

test('enrolments without classes.csv are one problem, and the people still come through', () => {
  const parsed = parseOneRoster(oneRosterSet({ 'classes.csv': undefined }));
  assert.deepEqual(parsed.problems.map((p) => [p.file, p.line]), [['enrollments.csv', 1]]);
  assert.match(parsed.problems[0]?.message ?? '', /need classes\.csv/);
  assert.equal(parsed.people.length, 19);
});

test('a delta export is refused, because everyone missing from it would look like a leaver', () => {
  const manifest = 'propertyName,value\noneroster.version,1.1\nfile.users,delta\nfile.enrollments,bulk\n';
  const parsed = parseOneRoster(oneRosterSet({ 'manifest.csv': manifest }));
  assert.deepEqual(parsed.people, []);
  assert.deepEqual(parsed.problems.map((p) => [p.file, p.line]), [['manifest.csv', 3]]);
  assert.match(parsed.problems[0]?.message ?? '', /delta export .* bulk export/);
});

test('OneRoster file names are found regardless of case or folder', () => {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(oneRosterSet())) files[`export/${name.toUpperCase()}`] = text;
  const parsed = parseImport({ files });
  assert.equal(parsed.format, 'oneroster');
  assert.equal(parsed.people.length, 19);
  assert.deepEqual(person(parsed, 'u-s1').source, { file: 'export/USERS.CSV', line: 6 });
  assert.deepEqual(person(parsed, 'u-s1').classes, ['7H', '7 Computing']);
});

test('an unknown status is reported rather than guessed', () => {
  const users = [USERS_HEADER, user('u1', 'student', 'amy', '05', '', 'inactive')].join('\n');
  const parsed = parseOneRoster({ 'users.csv': users });
  assert.deepEqual(parsed.people, []);
  assert.match(parsed.problems[0]?.message ?? '', /unknown status 'inactive'/);
});
