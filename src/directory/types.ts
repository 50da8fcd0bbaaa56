/**
 * Domain words of the directory (R1.1–R1.3, R1.7). Shared by the store, the importers, the demo school and the API.
 */

export { ROLES, ROLE_LABELS, isRole, type Role } from '../platform/roles.ts';
import type { Role } from '../platform/roles.ts';

/** R1.2: kinds of group. */
export const GROUP_KINDS = ['key_stage', 'year', 'class', 'staff_team', 'custom'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

/** Year groups from EYFS (Reception) to Year 13, in school order. */
export const YEAR_GROUPS = [
  'Nursery', 'Reception', 'Year 1', 'Year 2', 'Year 3', 'Year 4', 'Year 5', 'Year 6',
  'Year 7', 'Year 8', 'Year 9', 'Year 10', 'Year 11', 'Year 12', 'Year 13',
] as const;
export type YearGroup = (typeof YEAR_GROUPS)[number];

/** The key stage a year group belongs to (England). */
export function keyStageOf(year: YearGroup): 'EYFS' | 'KS1' | 'KS2' | 'KS3' | 'KS4' | 'KS5' {
  const i = YEAR_GROUPS.indexOf(year);
  if (i <= 1) return 'EYFS';
  if (i <= 3) return 'KS1';
  if (i <= 7) return 'KS2';
  if (i <= 10) return 'KS3';
  if (i <= 12) return 'KS4';
  return 'KS5';
}

/**
 * One person as an import source describes them, after parsing and before comparing with what is stored.
 * `externalId` is the MIS's stable identifier (sourcedId in OneRoster); re-imports match on it.
 */
export interface ImportPerson {
  externalId: string;
  username: string;
  givenName: string;
  familyName: string;
  email?: string;
  roles: Role[];
  /** Pupils only: one of YEAR_GROUPS. */
  yearGroup?: YearGroup;
  /** Names of class/form groups the person belongs to (pupils: member; teachers: teach). */
  classes: string[];
  /** Names of staff teams (staff only). */
  staffTeams: string[];
  /** Parents only: externalIds of the pupils this person is a parent/carer of. */
  childExternalIds: string[];
  /** Where the record came from, for error messages: file name and 1-based line. */
  source: { file: string; line: number };
}

/** A problem with one row of an import file. The message says what is wrong and what to do. */
export interface ImportProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedImport {
  people: ImportPerson[];
  problems: ImportProblem[];
}
