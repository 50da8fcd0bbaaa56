/**
 * Turns the many ways MIS exports write a year group into one of YEAR_GROUPS.
 */
import { YEAR_GROUPS, type YearGroup } from '../types.js';

/** How people and UK MIS exports write the two early-years groups (SIMS, Arbor, Bromcom and hand-made sheets). */
const EARLY_YEARS: Record<string, YearGroup> = {
  nursery: 'Nursery',
  n: 'Nursery',
  n1: 'Nursery',
  n2: 'Nursery',
  fs1: 'Nursery',
  pk: 'Nursery',
  reception: 'Reception',
  rec: 'Reception',
  r: 'Reception',
  yr: 'Reception',
  fs2: 'Reception',
  kg: 'Reception',
};

function numberedYear(digits: string): YearGroup | undefined {
  const n = Number(digits);
  if (!Number.isInteger(n) || n < 1 || n > 13) return undefined;
  return `Year ${n}` as YearGroup;
}

/**
 * Reads a year group as a person would write it: "Reception", "R", "Nursery", "Year 7", "Y7", "Yr 7", "7", "07".
 * Returns undefined when the text is not a year group we know; the caller reports it.
 */
export function readYearGroup(text: string): YearGroup | undefined {
  const key = text.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  if (key === '') return undefined;
  const exact = YEAR_GROUPS.find((year) => year.toLowerCase() === key);
  if (exact !== undefined) return exact;
  const early = EARLY_YEARS[key.replace(/ /g, '')];
  if (early !== undefined) return early;
  const numbered = /^(?:year|yr|y)? ?(\d{1,2})$/.exec(key);
  return numbered?.[1] === undefined ? undefined : numberedYear(numbered[1]);
}

/**
 * OneRoster `grades` use US CEDS codes. UK exports put Reception in KG and Year N in grade N, so the US
 * pre-kindergarten codes (IT infant/toddler, PR preschool, PK pre-kindergarten) all become Nursery and
 * TK (transitional kindergarten) becomes Reception. Other codes (PS, UG, Other) have no school year group.
 */
export function yearGroupFromGrade(code: string): YearGroup | undefined {
  const key = code.trim().toUpperCase();
  if (key === 'IT' || key === 'PR' || key === 'PK') return 'Nursery';
  if (key === 'KG' || key === 'TK') return 'Reception';
  return /^\d{1,2}$/.test(key) ? numberedYear(key) : undefined;
}

/** For messages: a short list of accepted spellings. */
export const YEAR_GROUP_EXAMPLES = "'Nursery', 'Reception' (or 'R'), 'Year 1' to 'Year 13' (or 'Y7', '7')";
