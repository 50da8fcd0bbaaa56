/**
 * Activity as CSV (RFC 4180) for spreadsheets: a header row, the time twice (as people in a UK school read it, in the
 * school's time zone, and as ISO 8601 UTC for other systems), and a byte-order mark so that Excel reads UTF-8.
 * URLs and search terms are typed by pupils: a value that a spreadsheet would run as a formula (=, +, -, @) is
 * prefixed with an apostrophe (OWASP "CSV injection"). Repeated blocks stored as one row (migrations/0016) are one
 * line with how many requests it stands for and when the last was made.
 */
import type { ActivityRow } from './store.ts';
import type { Names } from './service.ts';

export const CSV_HEADER = [
  'Date and time (UK)', 'Time UTC (ISO 8601)', 'Person', 'Username', 'Year group', 'Device', 'IP address', 'Site', 'Address',
  'Search term', 'Category', 'Action', 'Reason', 'Policy', 'Rule', 'List source', 'Circumvention attempt', 'Front-end', 'Node', 'Event id',
  'Requests', 'Last request UTC (ISO 8601)', 'Went on past a warning',
];

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: Array<string | number | boolean | null | undefined>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** "16/11/2026 09:05:03" in the given time zone. */
export function ukDateTime(timeZone: string): (d: Date) => string {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  return (d) => f.format(d).replace(',', '');
}

/** The CSV text, a page of rows at a time (memory stays flat however large the export). */
export async function* activityCsv(pages: AsyncIterable<ActivityRow[]>, names: Names, timeZone: string): AsyncGenerator<string> {
  const uk = ukDateTime(timeZone);
  yield `\ufeff${csvLine(CSV_HEADER)}`;
  for await (const rows of pages) {
    await names.load(rows);
    let out = '';
    for (const r of rows) {
      const v = names.view(r);
      out += csvLine([
        uk(r.time), v.time, v.person?.name, v.username ?? v.person?.username, v.person?.yearGroup, v.deviceId, v.ip, v.host, v.url,
        v.searchTerm, v.category?.name, v.action, v.reason, v.policy.name ?? v.policy.id, v.ruleId, v.sourceId,
        v.circumvention ? 'yes' : '', v.frontEnd, v.node, v.id, v.count, v.lastTime, v.acknowledged ? 'yes' : '',
      ]);
    }
    yield out;
  }
}
