/**
 * Rules every import format applies to a person, so that a CSV and a OneRoster export of the same school
 * are judged the same way.
 */
import type { ImportPerson, ImportProblem } from '../types.js';

/** Splits a `;`-separated cell into trimmed, non-empty, de-duplicated values, keeping their order. */
export function splitList(cell: string, separator = ';'): string[] {
  const values = cell.split(separator).map((value) => value.trim()).filter((value) => value !== '');
  return [...new Set(values)];
}

/** Usernames are compared without case or surrounding spaces, as sign-in is. */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

/** Deliberately loose: something@something.something with no spaces. Mailbox checks belong to the mail system. */
const PLAUSIBLE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads an optional email. Returns the normalised email, or a problem message when the shape is wrong. */
export function readEmail(cell: string): { email?: string; problem?: string } {
  const email = cell.trim().toLowerCase();
  if (email === '') return {};
  if (!PLAUSIBLE_EMAIL.test(email)) {
    return { problem: `email '${cell.trim()}' does not look like an email address — correct it or leave it empty` };
  }
  return { email };
}

/**
 * Remembers the first line each username and MIS id appeared on, so that the second occurrence can be
 * reported with a pointer to the first. Every row is claimed, even one with other problems: the person
 * fixing the file needs to know about both clashes either way.
 */
export class DuplicateWatch {
  private readonly usernames = new Map<string, number>();
  private readonly ids = new Map<string, number>();

  constructor(private readonly idLabel: string) {}

  /** Returns problem messages for this row (none when both values are new). */
  claim(externalId: string, username: string, line: number): string[] {
    const messages: string[] = [];
    if (externalId !== '') {
      const first = this.ids.get(externalId);
      if (first === undefined) this.ids.set(externalId, line);
      else messages.push(`${this.idLabel} '${externalId}' is already used on line ${first} — each person needs their own ${this.idLabel}; remove the duplicate row or correct the ${this.idLabel}`);
    }
    if (username !== '') {
      const first = this.usernames.get(username);
      if (first === undefined) this.usernames.set(username, line);
      else messages.push(`username '${username}' is already used on line ${first} — give each person a different username`);
    }
    return messages;
  }
}

/** Collects the outcome of one file: good people and problems, keeping problems in file order. */
export class ImportResult {
  readonly people: ImportPerson[] = [];
  readonly problems: ImportProblem[] = [];

  problem(file: string, line: number, message: string): void {
    this.problems.push({ file, line, message });
  }

  /** Adds a row's problems; returns true when the row had none and may become a person. */
  rowIsGood(file: string, line: number, messages: readonly string[]): boolean {
    for (const message of messages) this.problem(file, line, message);
    return messages.length === 0;
  }

  /** Problems grouped by file (in the order files were first mentioned), then by line, as a person fixes them. */
  orderedProblems(): ImportProblem[] {
    const files = [...new Set(this.problems.map((problem) => problem.file))];
    // Array.prototype.sort is stable, so several problems on one line keep the order they were found in.
    return [...this.problems].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line);
  }
}
