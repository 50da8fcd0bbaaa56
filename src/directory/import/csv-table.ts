/**
 * Reads one CSV file into header + records with physical line numbers, turning every malformed row into an
 * ImportProblem instead of an exception. Shared by the Osprey CSV importer and the OneRoster importer.
 */
import { parse, CsvError } from 'csv-parse/sync';
import type { ImportProblem } from '../types.js';

/** One data row. `line` is the 1-based physical line on which the row starts (what a person sees in an editor). */
export interface CsvRecord {
  line: number;
  /** Trimmed value of a column, matched case-insensitively; '' when the column is absent or the cell is empty. */
  get(column: string): string;
  has(column: string): boolean;
}

export interface CsvTable {
  /** Header names as written in the file. */
  columns: string[];
  records: CsvRecord[];
  problems: ImportProblem[];
  /** False when the header is missing, unreadable or lacks a required column: the records are then empty. */
  usable: boolean;
}

interface RawRow {
  line: number;
  fields: string[];
}

/**
 * Parses the whole text into raw rows. csv-parse stops at the first syntax error, so on an error we report the
 * row that failed (it starts on the line after the last good row) and start a fresh parse on the following
 * physical line. Without this, one unclosed quote would hide every row below it.
 */
function readRawRows(text: string, file: string): { rows: RawRow[]; problems: ImportProblem[] } {
  // Normalising line endings first keeps line counting simple and lets files with mixed CRLF/LF endings
  // (common after hand-editing an export) parse as one table.
  const physicalLines = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const rows: RawRow[] = [];
  const problems: ImportProblem[] = [];
  let start = 1;
  while (start <= physicalLines.length) {
    const chunkStart = start;
    let nextRowLine = start;
    try {
      parse(physicalLines.slice(start - 1).join('\n'), {
        bom: false,
        record_delimiter: '\n',
        // Field counts are checked against the header by readCsvTable so that the message can name both counts.
        relax_column_count: true,
        on_record: (fields: string[], info) => {
          rows.push({ line: nextRowLine, fields });
          nextRowLine = chunkStart + info.lines; // info.lines is the chunk-relative line the row ended on
          return null;
        },
      });
      break;
    } catch (error) {
      const failedOn = error instanceof CsvError && typeof error.lines === 'number'
        ? chunkStart + error.lines - 1
        : nextRowLine;
      problems.push({ file, line: nextRowLine, message: describeSyntaxError(error, nextRowLine, failedOn) });
      start = nextRowLine + 1;
    }
  }
  return { rows, problems };
}

function describeSyntaxError(error: unknown, rowLine: number, failedOn: number): string {
  const code = error instanceof CsvError ? error.code : undefined;
  const quoteAdvice = 'put the whole value in double quotes and write any double quote inside it twice ("")';
  if (code === 'CSV_QUOTE_NOT_CLOSED' || (code === 'CSV_INVALID_CLOSING_QUOTE' && failedOn > rowLine)) {
    return 'this row opens a double quote (") that is never closed — add the missing closing quote, '
      + 'or remove the stray quote';
  }
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
    return `a quoted value is followed by other text before the next comma — ${quoteAdvice}`;
  }
  if (code === 'INVALID_OPENING_QUOTE') {
    return `a double quote (") appears in the middle of a value — ${quoteAdvice}`;
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return 'this row is far too long to be one person — check that the file is comma-separated and its quotes are balanced';
  }
  const detail = error instanceof Error ? error.message : String(error);
  return `this row could not be read as CSV (${detail}) — check its commas and quotes`;
}

function isBlank(fields: string[]): boolean {
  // Spreadsheets often leave rows of empty cells (",,,,") after deleted rows; they carry no person.
  return fields.every((field) => field.trim() === '');
}

/**
 * Reads a CSV file with a header row. Column names match case-insensitively. Rows whose field count differs
 * from the header are reported and left out, because their values cannot be trusted to be in the right columns.
 */
export function readCsvTable(text: string, file: string, requiredColumns: readonly string[]): CsvTable {
  const { rows, problems } = readRawRows(text, file);
  const nonBlank = rows.filter((row) => !isBlank(row.fields));
  const headerRow = nonBlank[0];
  const unusable = (message: string, line: number): CsvTable => ({
    columns: [],
    records: [],
    problems: [...problems, { file, line, message }],
    usable: false,
  });
  if (headerRow === undefined) {
    if (problems.length > 0) return { columns: [], records: [], problems, usable: false };
    return unusable(`the file is empty — it needs a header row naming the columns (${requiredColumns.join(', ')}) and one row per person`, 1);
  }
  if (problems.some((problem) => problem.line < headerRow.line)) {
    // The header itself was malformed; we would only be guessing at the columns.
    return { columns: [], records: [], problems, usable: false };
  }

  const columns = headerRow.fields.map((name) => name.trim());
  const indexByName = new Map<string, number>();
  const repeated = new Set<string>();
  columns.forEach((name, index) => {
    const key = name.toLowerCase();
    if (key === '') return;
    if (indexByName.has(key)) repeated.add(name);
    else indexByName.set(key, index);
  });
  const missing = requiredColumns.filter((name) => !indexByName.has(name.toLowerCase()));
  if (missing.length > 0) {
    const hint = columns.length === 1 && /[;\t|]/.test(columns[0] ?? '')
      ? ' The header has only one column: save the file as comma-separated CSV.'
      : '';
    return unusable(
      `the header row is missing the required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`
        + ` — add ${missing.length > 1 ? 'them' : 'it'} to the first row.${hint}`,
      headerRow.line,
    );
  }
  if (repeated.size > 0) {
    return unusable(
      `the header row names the column${repeated.size > 1 ? 's' : ''} ${[...repeated].map((m) => `'${m}'`).join(', ')} more than once`
        + ' — keep one column of each name',
      headerRow.line,
    );
  }

  const records: CsvRecord[] = [];
  for (const row of nonBlank.slice(1)) {
    if (row.fields.length !== columns.length) {
      problems.push({
        file,
        line: row.line,
        message: `this row has ${row.fields.length} value${row.fields.length === 1 ? '' : 's'} but the header has ${columns.length} columns`
          + ' — check for a missing or extra comma, and put values that contain commas in double quotes',
      });
      continue;
    }
    const fields = row.fields;
    records.push({
      line: row.line,
      get: (column) => {
        const index = indexByName.get(column.toLowerCase());
        return index === undefined ? '' : (fields[index] ?? '').trim();
      },
      has: (column) => indexByName.has(column.toLowerCase()),
    });
  }
  problems.sort((a, b) => a.line - b.line);
  return { columns, records, problems, usable: true };
}
