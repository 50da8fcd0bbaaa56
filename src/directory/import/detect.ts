/**
 * One entry point for an upload: works out whether the files are Osprey's people CSV or a OneRoster export,
 * then parses them.
 */
import type { ParsedImport } from '../types.js';
import { parsePeopleCsv } from './parse-csv.js';
import { parseOneRoster } from './parse-oneroster.js';

export type ImportFormat = 'csv' | 'oneroster';

export interface ImportUpload {
  /** File name → file text. */
  files: Record<string, string>;
  /** When the person chose a format; otherwise it is detected. */
  format?: ImportFormat;
}

const ONEROSTER_FILES = new Set([
  'manifest.csv', 'orgs.csv', 'users.csv', 'classes.csv', 'enrollments.csv',
  'academicsessions.csv', 'courses.csv', 'demographics.csv',
]);

function baseName(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).toLowerCase();
}

/** The header cells of a CSV text, lower-cased; good enough to recognise a format without a full parse. */
function headerCells(text: string): string[] {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
  return firstLine.split(',').map((cell) => cell.trim().replace(/^"|"$/g, '').toLowerCase());
}

type Detection = { format: ImportFormat } | { format: ImportFormat; unsure: string };

function detectFormat(files: Record<string, string>): Detection {
  const names = Object.keys(files);
  const oneRosterNames = names.filter((name) => ONEROSTER_FILES.has(baseName(name)));
  const users = names.find((name) => baseName(name) === 'users.csv');
  if (users !== undefined && (names.length > 1 || headerCells(files[users] ?? '').includes('sourcedid'))) {
    return { format: 'oneroster' };
  }
  if (names.length === 1) {
    const only = names[0] ?? '';
    const header = headerCells(files[only] ?? '');
    if (header.includes('sourcedid') && !header.includes('id')) {
      return {
        format: 'oneroster',
        unsure: `'${only}' looks like a OneRoster file, but OneRoster files must keep their own names (users.csv, classes.csv, enrollments.csv)`
          + " — upload the export's files without renaming them, or choose Osprey CSV if this is Osprey's format",
      };
    }
    return { format: 'csv' };
  }
  if (oneRosterNames.length > 0) return { format: 'oneroster' };
  return {
    format: 'csv',
    unsure: `cannot tell what kind of import these ${names.length} files are (${names.join(', ')})`
      + " — upload one Osprey people CSV, or a OneRoster export's users.csv, classes.csv and enrollments.csv together",
  };
}

/**
 * Parses an upload. When the format cannot be worked out, no one is imported and the single problem says why;
 * `format` is then only the likelier guess.
 */
export function parseImport(input: ImportUpload): ParsedImport & { format: ImportFormat } {
  const names = Object.keys(input.files);
  if (names.length === 0) {
    return {
      format: input.format ?? 'csv',
      people: [],
      problems: [{ file: '', line: 1, message: 'no files were uploaded — choose an Osprey people CSV or the files of a OneRoster export' }],
    };
  }
  const detection: Detection = input.format === undefined ? detectFormat(input.files) : { format: input.format };
  const format = detection.format;
  if ('unsure' in detection) {
    return { format, people: [], problems: [{ file: names[0] ?? '', line: 1, message: detection.unsure }] };
  }
  if (format === 'oneroster') return { format, ...parseOneRoster(input.files) };
  if (names.length > 1) {
    return {
      format,
      people: [],
      problems: [{
        file: names[0] ?? '',
        line: 1,
        message: `Osprey's people CSV is a single file but ${names.length} files were uploaded (${names.join(', ')}) — put everyone in one file, or choose OneRoster`,
      }],
    };
  }
  const file = names[0] ?? '';
  return { format, ...parsePeopleCsv(input.files[file] ?? '', file) };
}
