/**
 * OneRoster 1.1 CSV (bulk) as exported by MIS connectors (Wonde, Groupcall, Arbor, Bromcom and others).
 * users.csv gives people, classes.csv class titles and enrollments.csv who is in which class.
 * orgs.csv, academicSessions.csv, courses.csv and demographics.csv carry nothing Osprey keeps, so they are not read.
 */
import type { ImportPerson, ParsedImport, Role, YearGroup } from '../types.js';
import { readCsvTable, type CsvRecord, type CsvTable } from './csv-table.js';
import { DuplicateWatch, ImportResult, normaliseUsername, readEmail, splitList } from './people-rules.js';
import { yearGroupFromGrade } from './year-groups.js';

const ROLE_FROM_ONEROSTER: Record<string, Role> = {
  student: 'pupil',
  teacher: 'teacher',
  aide: 'support_staff',
  proctor: 'support_staff',
  // A OneRoster "administrator" is a school administrator: office and admin staff in the MIS. It is NOT
  // Osprey's system `administrator` role, which can change everyone's permissions; mapping it across would
  // hand control of Osprey to whoever the MIS calls an administrator on every sync. So they arrive as
  // support staff, and Osprey administrators are appointed inside Osprey.
  administrator: 'support_staff',
  guardian: 'parent',
  parent: 'parent',
  relative: 'parent',
};
const ONEROSTER_ROLE_CHOICES = Object.keys(ROLE_FROM_ONEROSTER).sort().join(', ');

const USER_COLUMNS = ['sourcedId', 'role', 'username', 'givenName', 'familyName'] as const;
const CLASS_COLUMNS = ['sourcedId', 'title'] as const;
const ENROLLMENT_COLUMNS = ['classSourcedId', 'userSourcedId'] as const;
const GRADE_ADVICE = 'use KG for Reception, 01 to 13 for Year 1 to Year 13, or PK for Nursery';

interface NamedFile { file: string; text: string }

/** Finds a file by its OneRoster name, ignoring case and any folder the upload kept (e.g. "export/Users.csv"). */
function findFile(files: Record<string, string>, name: string): NamedFile | undefined {
  const wanted = name.toLowerCase();
  for (const [file, text] of Object.entries(files)) {
    const base = file.split(/[\\/]/).pop()?.toLowerCase();
    if (base === wanted) return { file, text };
  }
  return undefined;
}

type RowStatus = 'active' | 'deleted' | 'unknown';

/** Bulk files leave status empty; `tobedeleted` marks leavers, whom we simply leave out. */
function rowStatus(record: CsvRecord): RowStatus {
  const status = record.get('status').toLowerCase();
  if (status === '' || status === 'active') return 'active';
  return status === 'tobedeleted' ? 'deleted' : 'unknown';
}

function statusProblem(record: CsvRecord): string {
  return `unknown status '${record.get('status')}' — leave status empty, or use 'active' or 'tobedeleted'`;
}

function missingValues(record: CsvRecord, columns: readonly string[]): string[] {
  const missing = columns.filter((column) => record.get(column) === '');
  if (missing.length === 0) return [];
  return [`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} empty — fill ${missing.length === 1 ? 'it' : 'them'} in in the MIS and export again`];
}

/**
 * A delta file lists only changes. Importing it as a full list would make everyone not in it look like a
 * leaver, so a manifest that declares deltas stops the import.
 */
function checkManifest(manifest: NamedFile | undefined, result: ImportResult): boolean {
  if (manifest === undefined) return true;
  const table = readCsvTable(manifest.text, manifest.file, ['propertyName', 'value']);
  result.problems.push(...table.problems);
  let bulk = true;
  for (const record of table.records) {
    const property = record.get('propertyName');
    if (/^file\.(users|classes|enrollments)$/i.test(property) && record.get('value').toLowerCase() === 'delta') {
      result.problem(manifest.file, record.line, `${property} is a delta export (changes only) — Osprey needs a bulk export of everyone; change the export to bulk and try again`);
      bulk = false;
    }
  }
  return bulk;
}

/** One pupil's usable year group from a comma-separated grades cell, or the problem to report. */
function pupilYear(gradesCell: string): { yearGroup?: YearGroup; problem?: string } {
  const grades = splitList(gradesCell, ',');
  if (grades.length === 0) return { problem: `pupil has no grade — ${GRADE_ADVICE}` };
  const years = [...new Set(grades.map(yearGroupFromGrade).filter((year) => year !== undefined))];
  const [yearGroup, ...others] = years;
  if (yearGroup === undefined) return { problem: `grade '${gradesCell}' is not a school year group — ${GRADE_ADVICE}` };
  if (others.length > 0) return { problem: `pupil has grades in several year groups (${years.join(', ')}) — give the pupil one grade` };
  return { yearGroup };
}

interface UserOutcome {
  people: Map<string, ImportPerson>;
  /** Leavers and rows with problems: enrolments for them are skipped without another problem. */
  setAside: Set<string>;
}

function readUsers(users: NamedFile, result: ImportResult): UserOutcome {
  const table = readCsvTable(users.text, users.file, USER_COLUMNS);
  result.problems.push(...table.problems);
  const people = new Map<string, ImportPerson>();
  const setAside = new Set<string>();
  const duplicates = new DuplicateWatch('sourcedId');
  /** Pupils' own agentSourcedIds: many exports record the parent link only on the pupil's row. */
  const agentsOfPupil = new Map<string, string[]>();

  for (const record of table.records) {
    const externalId = record.get('sourcedId');
    const status = rowStatus(record);
    if (status === 'deleted') {
      setAside.add(externalId);
      continue;
    }
    const messages: string[] = status === 'unknown' ? [statusProblem(record)] : [];
    const username = normaliseUsername(record.get('username'));
    messages.push(...missingValues(record, USER_COLUMNS));
    messages.push(...duplicates.claim(externalId, username, record.line));

    const roleName = record.get('role');
    const role = ROLE_FROM_ONEROSTER[roleName.toLowerCase()];
    if (role === undefined && roleName !== '') {
      messages.push(`unknown role '${roleName}' — use one of: ${ONEROSTER_ROLE_CHOICES}`);
    }
    const { email, problem: emailProblem } = readEmail(record.get('email'));
    if (emailProblem !== undefined) messages.push(emailProblem);
    // Teachers' grades say what they teach, not a year group they belong to, so only pupils' grades are read.
    const { yearGroup, problem: yearProblem }: { yearGroup?: YearGroup; problem?: string } =
      role === 'pupil' ? pupilYear(record.get('grades')) : {};
    if (yearProblem !== undefined) messages.push(yearProblem);

    if (!result.rowIsGood(users.file, record.line, messages) || role === undefined) {
      setAside.add(externalId);
      continue;
    }
    const agents = splitList(record.get('agentSourcedIds'), ',');
    if (role === 'pupil') agentsOfPupil.set(externalId, agents);
    people.set(externalId, {
      externalId,
      username,
      givenName: record.get('givenName'),
      familyName: record.get('familyName'),
      ...(email === undefined ? {} : { email }),
      roles: [role],
      ...(yearGroup === undefined ? {} : { yearGroup }),
      classes: [],
      staffTeams: [],
      childExternalIds: role === 'parent' ? agents : [],
      source: { file: users.file, line: record.line },
    });
  }

  for (const [pupilId, agents] of agentsOfPupil) {
    for (const agentId of agents) {
      const parent = people.get(agentId);
      if (parent?.roles.includes('parent') && !parent.childExternalIds.includes(pupilId)) {
        parent.childExternalIds.push(pupilId);
      }
    }
  }
  return { people, setAside };
}

interface ClassOutcome {
  titles: Map<string, string>;
  setAside: Set<string>;
}

function readClasses(table: CsvTable, file: string, result: ImportResult): ClassOutcome {
  const titles = new Map<string, string>();
  const setAside = new Set<string>();
  const lineOfId = new Map<string, number>();
  const lineOfTitle = new Map<string, number>();
  for (const record of table.records) {
    const classId = record.get('sourcedId');
    const title = record.get('title');
    const status = rowStatus(record);
    if (status === 'deleted') {
      setAside.add(classId);
      continue;
    }
    const messages = status === 'unknown' ? [statusProblem(record)] : [];
    messages.push(...missingValues(record, CLASS_COLUMNS));
    const firstWithId = lineOfId.get(classId);
    if (firstWithId !== undefined) messages.push(`class sourcedId '${classId}' is already used on line ${firstWithId} — remove the duplicate row`);
    else if (classId !== '') lineOfId.set(classId, record.line);
    // Osprey names class groups by title, so two classes with one title would silently become one group
    // and show each teacher the other's pupils.
    const firstWithTitle = lineOfTitle.get(title.toLowerCase());
    if (firstWithTitle !== undefined) messages.push(`class title '${title}' is already used on line ${firstWithTitle} — give each class its own title in the MIS`);
    else if (title !== '') lineOfTitle.set(title.toLowerCase(), record.line);

    if (result.rowIsGood(file, record.line, messages)) titles.set(classId, title);
    else setAside.add(classId);
  }
  return { titles, setAside };
}

function readEnrollments(
  enrollments: NamedFile,
  classesFile: NamedFile | undefined,
  users: UserOutcome,
  result: ImportResult,
): void {
  if (classesFile === undefined) {
    result.problem(enrollments.file, 1, 'enrolments need classes.csv to name the classes — include classes.csv from the same export');
    return;
  }
  const classTable = readCsvTable(classesFile.text, classesFile.file, CLASS_COLUMNS);
  result.problems.push(...classTable.problems);
  if (!classTable.usable) return;
  const classes = readClasses(classTable, classesFile.file, result);

  const table = readCsvTable(enrollments.text, enrollments.file, ENROLLMENT_COLUMNS);
  result.problems.push(...table.problems);
  for (const record of table.records) {
    const status = rowStatus(record);
    if (status === 'deleted') continue;
    const messages = status === 'unknown' ? [statusProblem(record)] : [];
    messages.push(...missingValues(record, ENROLLMENT_COLUMNS));
    const classId = record.get('classSourcedId');
    const userId = record.get('userSourcedId');
    const title = classes.titles.get(classId);
    const person = users.people.get(userId);
    // Leavers, deleted classes and rows already reported elsewhere are skipped quietly: one problem per cause.
    if ((title === undefined && classes.setAside.has(classId)) || (person === undefined && users.setAside.has(userId))) continue;
    if (classId !== '' && title === undefined) {
      messages.push(`enrolment is for class '${classId}', which is not in ${classesFile.file} — export classes and enrolments together, or remove this row`);
    }
    if (userId !== '' && person === undefined) {
      messages.push(`enrolment is for user '${userId}', who is not in the users file — export users and enrolments together, or remove this row`);
    }
    if (!result.rowIsGood(enrollments.file, record.line, messages) || title === undefined || person === undefined) continue;
    if (!person.classes.includes(title)) person.classes.push(title);
  }
}

/** Reads a OneRoster 1.1 bulk CSV set, keyed by file name. Rows with problems are left out of `people`. */
export function parseOneRoster(files: Record<string, string>): ParsedImport {
  const result = new ImportResult();
  const users = findFile(files, 'users.csv');
  if (!checkManifest(findFile(files, 'manifest.csv'), result)) return { people: [], problems: result.orderedProblems() };
  if (users === undefined) {
    result.problem('users.csv', 1, 'the OneRoster export has no users.csv — include users.csv (and classes.csv and enrollments.csv) from the export');
    return { people: [], problems: result.orderedProblems() };
  }
  const outcome = readUsers(users, result);
  const enrollments = findFile(files, 'enrollments.csv');
  if (enrollments !== undefined) readEnrollments(enrollments, findFile(files, 'classes.csv'), outcome, result);
  return { people: [...outcome.people.values()], problems: result.orderedProblems() };
}
