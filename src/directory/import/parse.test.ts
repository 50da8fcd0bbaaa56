import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROLES, ROLE_LABELS, type ImportProblem, type ParsedImport } from '../types.js';
import { parsePeopleCsv, readRole } from './parse-csv.js';
import { parseImport } from './detect.js';
import { readYearGroup } from './year-groups.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/import/', import.meta.url));
const fixture = (name: string): string => readFileSync(fixtures + name, 'utf8');

const HEADER = 'id,username,first_name,last_name,email,roles,year,classes,teams,children';

function problemLines(parsed: ParsedImport): number[] {
  return parsed.problems.map((problem) => problem.line);
}

function problemOn(parsed: ParsedImport, line: number): ImportProblem {
  const found = parsed.problems.find((problem) => problem.line === line);
  assert.ok(found, `expected a problem on line ${line}, got ${JSON.stringify(parsed.problems)}`);
  return found;
}

function person(parsed: ParsedImport, externalId: string) {
  const found = parsed.people.find((p) => p.externalId === externalId);
  assert.ok(found, `expected ${externalId} among the people`);
  return found;
}

test("a primary school's 50-person export comes in whole: pupils by year and class, staff in teams, parents with children", () => {
  const parsed = parsePeopleCsv(fixture('people-50.csv'), 'people-50.csv');

  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.people.length, 50);
  const withRole = (role: string) => parsed.people.filter((p) => p.roles.some((r) => r === role));
  assert.equal(withRole('pupil').length, 35);
  assert.equal(withRole('parent').length, 5);
  assert.deepEqual(withRole('dsl').map((p) => p.username), ['m.rahman']);
  assert.deepEqual(withRole('network_manager').map((p) => p.username), ['c.macleod']);
  assert.deepEqual(person(parsed, 'S1006').roles, ['teacher', 'online_safety_lead']);

  // Every class that has pupils has a teacher.
  const teachers = withRole('teacher');
  for (const pupil of withRole('pupil')) {
    assert.ok(pupil.yearGroup, `${pupil.username} has a year group`);
    for (const className of pupil.classes) {
      assert.ok(teachers.some((t) => t.classes.includes(className)), `class ${className} has a teacher`);
    }
  }
  assert.deepEqual(person(parsed, 'C3002').childExternalIds, ['P2002', 'P2019']);
  assert.deepEqual(person(parsed, 'S1002').staffTeams, ['SLT', 'Safeguarding']);
});

test('a spreadsheet saved with a byte order mark and Windows line endings reads cleanly', () => {
  const parsed = parsePeopleCsv(fixture('people-50.csv'), 'people-50.csv');
  const first = person(parsed, 'S1001');
  assert.deepEqual(first.source, { file: 'people-50.csv', line: 2 });
  assert.deepEqual(person(parsed, 'C3005').childExternalIds, ['P2020'], 'no carriage return left on the last cell');
  assert.equal(person(parsed, 'S1007').familyName, "O'Neill", 'quoted names lose their quotes');
});

test('a CSV with a malformed row, an unknown role, a duplicate username and a pupil without a year names file, line and problem for every bad row', () => {
  const parsed = parsePeopleCsv(fixture('people-bad.csv'), 'people-bad.csv');

  assert.deepEqual(problemLines(parsed), [4, 5, 6, 7, 8, 9, 10, 11, 12, 15]);
  assert.ok(parsed.problems.every((problem) => problem.file === 'people-bad.csv'));
  assert.match(problemOn(parsed, 4).message, /7 values but the header has 10 columns/);
  assert.match(problemOn(parsed, 5).message, /unknown role 'techer' — use one of: administrator, headteacher, /);
  assert.match(problemOn(parsed, 6).message, /username 'j\.price' is already used on line 2/);
  assert.match(problemOn(parsed, 7).message, /id 'P1' is already used on line 3/);
  assert.match(problemOn(parsed, 8).message, /pupil has no year group/);
  assert.match(problemOn(parsed, 9).message, /unrecognised year 'Year 14'/);
  assert.match(problemOn(parsed, 10).message, /children are listed but this person is not a parent/);
  assert.match(problemOn(parsed, 11).message, /last_name is empty/);
  assert.match(problemOn(parsed, 12).message, /email 'b\.ortiz@brookside' does not look like an email address/);
  assert.match(problemOn(parsed, 15).message, /double quote .* never closed/);

  // Only the good rows become people, including the row after the unclosed quote.
  assert.deepEqual(parsed.people.map((p) => p.source.line), [2, 3, 13, 14, 16]);
});

test("a parent's child who is not in the file is left for a later step, not reported", () => {
  const parsed = parsePeopleCsv(fixture('people-bad.csv'), 'people-bad.csv');
  assert.deepEqual(person(parsed, 'C1').childExternalIds, ['P1', 'P999']);
  assert.deepEqual(person(parsed, 'C1').roles, ['parent']);
});

test('a header missing required columns is one problem on line 1 that names them, and no one is imported', () => {
  const parsed = parsePeopleCsv('ID,First_Name,Last_Name,Year\nP1,Amy,Hall,Year 3\n', 'pupils.csv');
  assert.equal(parsed.people.length, 0);
  assert.equal(parsed.problems.length, 1);
  assert.equal(parsed.problems[0]?.line, 1);
  assert.match(parsed.problems[0]?.message ?? '', /missing the required columns 'username', 'roles'/);
});

test('a semicolon-separated file gets a hint to save it as comma-separated', () => {
  const parsed = parsePeopleCsv('id;username;first_name;last_name;roles\n', 'excel.csv');
  assert.match(parsed.problems[0]?.message ?? '', /save the file as comma-separated CSV/);
});

test('an empty file says it needs a header row', () => {
  const parsed = parsePeopleCsv('\n\n', 'empty.csv');
  assert.deepEqual(problemLines(parsed), [1]);
  assert.match(parsed.problems[0]?.message ?? '', /the file is empty/);
});

test('line numbers stay physical across blank lines and a quoted value that spans two lines', () => {
  const text = [
    HEADER,
    'T1,a.jones,Anna,Jones,,teacher,,,"KS1',
    'KS2",', // the teams cell continues onto this line
    '',
    'P1,bcole,Ben,Cole,,pupil,Year 2,2J,,',
    'P2,ccole,Cat,Cole,,pupil,Year 9,,,,',
    ',,,,,,,,,',
    'P3,dcole,Dan,Cole,,pupil,,,,',
  ].join('\n');
  const parsed = parsePeopleCsv(text, 'lines.csv');
  assert.deepEqual(parsed.people.map((p) => [p.externalId, p.source.line]), [['T1', 2], ['P1', 5]]);
  assert.deepEqual(person(parsed, 'T1').staffTeams, ['KS1\nKS2']);
  assert.deepEqual(problemLines(parsed), [6, 8]);
});

test('a stray quote inside a value is reported on its own line and later rows still import', () => {
  const text = [HEADER, 'P1,a"b,Al,Bee,,pupil,Year 1,,,', 'P2,cdee,Cy,Dee,,pupil,Year 1,,,'].join('\r\n');
  const parsed = parsePeopleCsv(text, 'quotes.csv');
  assert.deepEqual(problemLines(parsed), [2]);
  assert.match(parsed.problems[0]?.message ?? '', /double quote \(".*middle of a value/);
  assert.deepEqual(parsed.people.map((p) => p.externalId), ['P2']);
});

test('an unclosed quote followed by correctly quoted rows is pinned on the row that opened it', () => {
  const text = [HEADER, 'P1,"abee,Al,Bee,,pupil,Year 1,,,', 'P2,cdee,"Cy, Jr",Dee,,pupil,Year 1,,,'].join('\n');
  const parsed = parsePeopleCsv(text, 'quotes.csv');
  assert.deepEqual(problemLines(parsed), [2]);
  assert.match(parsed.problems[0]?.message ?? '', /never closed/);
  assert.equal(person(parsed, 'P2').givenName, 'Cy, Jr');
});

test('column names, usernames and emails are matched and stored without regard to case or spaces', () => {
  const text = 'ID,USERNAME,First_Name,Last_Name,EMAIL,Roles\nS1, Ms.Patel ,Nisha,Patel, N.Patel@School.SCH.UK ,Teacher\n';
  const parsed = parsePeopleCsv(text, 'staff.csv');
  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.people[0]?.username, 'ms.patel');
  assert.equal(parsed.people[0]?.email, 'n.patel@school.sch.uk');
});

test('roles may be written as Osprey ids or as the names people see, in any case', () => {
  for (const role of ROLES) {
    assert.equal(readRole(role), role);
    assert.equal(readRole(ROLE_LABELS[role].toUpperCase()), role, ROLE_LABELS[role]);
  }
  assert.equal(readRole('Designated Safeguarding Lead'), 'dsl');
  assert.equal(readRole('online safety lead'), 'online_safety_lead');
  assert.equal(readRole('Parent / Carer'), 'parent');
  assert.equal(readRole('Student'), 'pupil');
  assert.equal(readRole('techer'), undefined);
  assert.equal(readRole('Safeguarding'), undefined);
});

test('Reception written as R, KG and Reception all mean Reception', () => {
  for (const written of ['R', 'r', 'Reception', 'RECEPTION', 'Rec', 'YR', 'FS2', 'KG']) {
    assert.equal(readYearGroup(written), 'Reception', written);
  }
  const csv = parsePeopleCsv(`${HEADER}\nP1,aa,A,A,,pupil,R,,,\nP2,bb,B,B,,pupil,Reception,,,\nP3,cc,C,C,,pupil,kg,,,\n`, 'r.csv');
  assert.deepEqual(csv.people.map((p) => p.yearGroup), ['Reception', 'Reception', 'Reception']);
  const oneRoster = parseImport({
    files: {
      'users.csv': 'sourcedId,role,username,givenName,familyName,grades\nu1,student,dd,D,D,KG\n',
    },
  });
  assert.equal(oneRoster.format, 'oneroster');
  assert.equal(oneRoster.people[0]?.yearGroup, 'Reception');
});

test('Year 7 written as "Year 7", "Y7", "Yr 7", "7" or "07" is Year 7; nonsense years are not guessed at', () => {
  for (const written of ['Year 7', 'year7', 'Y7', 'Yr 7', '7', '07']) assert.equal(readYearGroup(written), 'Year 7', written);
  for (const written of ['Nursery', 'N', 'FS1']) assert.equal(readYearGroup(written), 'Nursery', written);
  assert.equal(readYearGroup('12'), 'Year 12');
  assert.equal(readYearGroup('Year 13'), 'Year 13');
  for (const written of ['Year 14', '0', 'Y', 'Sixth Form', '']) assert.equal(readYearGroup(written), undefined, written);
});

test('a year on a staff row is ignored rather than kept or reported', () => {
  const parsed = parsePeopleCsv(`${HEADER}\nT1,tt,T,T,,teacher,Year 99,,,\n`, 'staff.csv');
  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.people[0]?.yearGroup, undefined);
});

test('a row with several problems reports each of them, so one pass fixes the row', () => {
  const parsed = parsePeopleCsv(`${HEADER}\nP1,,A,B,not-an-email,pupil;wizard,,,,\n`, 'many.csv');
  const messages = parsed.problems.map((problem) => problem.message);
  assert.equal(messages.length, 4);
  assert.match(messages[0] ?? '', /username is empty/);
  assert.match(messages[1] ?? '', /unknown role 'wizard'/);
  assert.match(messages[2] ?? '', /email/);
  assert.match(messages[3] ?? '', /pupil has no year group/);
  assert.deepEqual(parsed.people, []);
});

test('an Osprey CSV upload is recognised as CSV and parsed', () => {
  const result = parseImport({ files: { 'people-50.csv': fixture('people-50.csv') } });
  assert.equal(result.format, 'csv');
  assert.equal(result.people.length, 50);
});

test('a single users.csv whose header has sourcedId is recognised as OneRoster', () => {
  const result = parseImport({ files: { 'users.csv': fixture('oneroster/users.csv') } });
  assert.equal(result.format, 'oneroster');
  assert.ok(result.people.length > 0);
});

test('an Osprey CSV that happens to be called users.csv is still read as Osprey CSV', () => {
  const result = parseImport({ files: { 'users.csv': `${HEADER}\nP1,aa,A,A,,pupil,Year 1,,,\n` } });
  assert.equal(result.format, 'csv');
  assert.equal(result.people.length, 1);
});

test('a renamed OneRoster users file cannot be told apart safely, so nobody is imported and the problem says why', () => {
  const result = parseImport({ files: { 'export.csv': fixture('oneroster/users.csv') } });
  assert.equal(result.people.length, 0);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0]?.message ?? '', /looks like a OneRoster file.*keep their own names/);
});

test('several files that are not a OneRoster set give one clear problem', () => {
  const result = parseImport({ files: { 'staff.csv': HEADER, 'pupils.csv': HEADER } });
  assert.deepEqual(result.people, []);
  assert.match(result.problems[0]?.message ?? '', /cannot tell what kind of import these 2 files are/);
});

test('a chosen format is used as given, and an empty upload is reported', () => {
  const forced = parseImport({ files: { 'people.csv': HEADER }, format: 'oneroster' });
  assert.equal(forced.format, 'oneroster');
  assert.match(forced.problems[0]?.message ?? '', /no users\.csv/);
  const empty = parseImport({ files: {} });
  assert.match(empty.problems[0]?.message ?? '', /no files were uploaded/);
});
