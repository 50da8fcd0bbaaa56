/**
 * Osprey's own people CSV: one row per person, the simplest thing a school can export from any MIS or
 * spreadsheet. Columns (any case): id, username, first_name, last_name, email, roles, year, classes, teams,
 * children. Lists inside a cell are separated by `;` because the comma already separates cells.
 */
import { ROLES, ROLE_LABELS, isRole, type ImportPerson, type ParsedImport, type Role } from '../types.js';
import { readCsvTable, type CsvRecord } from './csv-table.js';
import { DuplicateWatch, ImportResult, normaliseUsername, readEmail, splitList } from './people-rules.js';
import { YEAR_GROUP_EXAMPLES, readYearGroup } from './year-groups.js';

export const PEOPLE_CSV_REQUIRED_COLUMNS = ['id', 'username', 'first_name', 'last_name', 'roles'] as const;
export const PEOPLE_CSV_OPTIONAL_COLUMNS = ['email', 'year', 'classes', 'teams', 'children'] as const;

/** Words MIS exports use for a role that Osprey names differently. */
const ROLE_SYNONYMS: Record<string, Role> = {
  student: 'pupil',
  carer: 'parent',
};

function squash(text: string): string {
  // "Parent / Carer" and "parent/carer" should both match the label "Parent/Carer".
  return text.trim().toLowerCase().replace(/\s*\/\s*/g, '/').replace(/\s+/g, ' ');
}

const ROLE_BY_LABEL = new Map<string, Role>(ROLES.map((role) => [squash(ROLE_LABELS[role]), role]));

/** Accepts a role id ("online_safety_lead", also "online safety lead"), its label in any case, or a synonym. */
export function readRole(text: string): Role | undefined {
  const spoken = squash(text);
  const asId = spoken.replace(/[ -]+/g, '_');
  if (isRole(asId)) return asId;
  return ROLE_BY_LABEL.get(spoken) ?? ROLE_SYNONYMS[spoken];
}

const ROLE_CHOICES = ROLES.join(', ');

function readRow(record: CsvRecord, file: string, duplicates: DuplicateWatch): { person?: ImportPerson; messages: string[] } {
  const messages: string[] = [];
  const externalId = record.get('id');
  const username = normaliseUsername(record.get('username'));
  const givenName = record.get('first_name');
  const familyName = record.get('last_name');
  const roleNames = splitList(record.get('roles'));

  const missing = PEOPLE_CSV_REQUIRED_COLUMNS.filter((column) =>
    column === 'roles' ? roleNames.length === 0 : record.get(column) === '');
  if (missing.length > 0) {
    const list = missing.join(', ');
    messages.push(missing.length === 1
      ? `${list} is empty — every person needs a ${list}`
      : `${list} are empty — every person needs all of these`);
  }
  messages.push(...duplicates.claim(externalId, username, record.line));

  const roles: Role[] = [];
  for (const name of roleNames) {
    const role = readRole(name);
    if (role === undefined) messages.push(`unknown role '${name}' — use one of: ${ROLE_CHOICES} (or their names, such as 'Designated Safeguarding Lead')`);
    else if (!roles.includes(role)) roles.push(role);
  }

  const { email, problem: emailProblem } = readEmail(record.get('email'));
  if (emailProblem !== undefined) messages.push(emailProblem);

  // Only pupils belong to a year group; MIS exports often fill the column for form tutors too, so it is
  // ignored for everyone else rather than reported.
  const isPupil = roles.includes('pupil');
  const yearText = record.get('year');
  const yearGroup = isPupil ? readYearGroup(yearText) : undefined;
  if (isPupil && yearText === '') {
    messages.push(`pupil has no year group — fill in the year column, for example ${YEAR_GROUP_EXAMPLES}`);
  } else if (isPupil && yearGroup === undefined) {
    messages.push(`unrecognised year '${yearText}' — use ${YEAR_GROUP_EXAMPLES}`);
  }

  const childExternalIds = splitList(record.get('children'));
  if (childExternalIds.length > 0 && !roles.includes('parent')) {
    messages.push("children are listed but this person is not a parent — add the role 'parent' or clear the children column");
  }

  if (messages.length > 0) return { messages };
  return {
    messages,
    person: {
      externalId,
      username,
      givenName,
      familyName,
      ...(email === undefined ? {} : { email }),
      roles,
      ...(yearGroup === undefined ? {} : { yearGroup }),
      classes: splitList(record.get('classes')),
      staffTeams: splitList(record.get('teams')),
      childExternalIds,
      source: { file, line: record.line },
    },
  };
}

/**
 * Reads Osprey's people CSV. Rows with problems are left out of `people`; every problem names the file and the
 * physical line. A parent's child ids are not checked here: the pupil may already be stored from an earlier import.
 */
export function parsePeopleCsv(text: string, fileName: string): ParsedImport {
  const table = readCsvTable(text, fileName, PEOPLE_CSV_REQUIRED_COLUMNS);
  const result = new ImportResult();
  result.problems.push(...table.problems);
  const duplicates = new DuplicateWatch('id');
  for (const record of table.records) {
    const { person, messages } = readRow(record, fileName, duplicates);
    if (result.rowIsGood(fileName, record.line, messages) && person !== undefined) result.people.push(person);
  }
  return { people: result.people, problems: result.orderedProblems() };
}
