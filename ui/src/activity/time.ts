/**
 * Times on the activity pages are the school's (the server's `timeZone` setting, Europe/London unless changed), not
 * the browser's: a DSL working from home abroad, or a laptop set to UTC, must still read "09:05" as the lesson time.
 */

export const DEFAULT_TIME_ZONE = 'Europe/London';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f;
}

function parts(date: Date, timeZone: string): Record<string, number> {
  const f = formatter(`parts:${timeZone}`, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }));
  return Object.fromEntries(f.formatToParts(date).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

/** "16 Nov 2026, 09:05:03" in the school's time zone. */
export function formatWhen(iso: string, timeZone: string): string {
  return formatter(`when:${timeZone}`, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  })).format(new Date(iso));
}

/** "09:05:03" in the school's time zone. */
export function formatClock(iso: string, timeZone: string): string {
  return formatter(`clock:${timeZone}`, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  })).format(new Date(iso));
}

/** "Monday 16 November 2026": the heading of a day in a timeline. */
export function formatDay(iso: string, timeZone: string): string {
  return formatter(`day:${timeZone}`, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  })).format(new Date(iso)).replace(',', '');
}

/** "2026-11-16": the school day an instant falls on, for grouping. */
export function dayKey(iso: string, timeZone: string): string {
  const p = parts(new Date(iso), timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** How far the zone is ahead of UTC at that instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const p = parts(new Date(instant), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * A wall-clock time typed in a datetime-local field ("2026-11-16T09:00") read in the school's zone, as ISO 8601.
 * The offset is taken twice so that a time just after a clock change lands on the right side of it.
 */
export function zonedToIso(local: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return '';
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  let instant = asUtc - offsetAt(asUtc, timeZone);
  instant = asUtc - offsetAt(instant, timeZone);
  return new Date(instant).toISOString();
}

/** The other way: an ISO time as the value of a datetime-local field, in the school's zone. */
export function isoToZoned(iso: string, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = parts(d, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour % 24)}:${two(p.minute)}`;
}

/** Midnight at the start of the school day `daysAgo` days before now, as ISO (for "Today", "Last 7 days"). */
export function startOfDayIso(now: Date, daysAgo: number, timeZone: string): string {
  const p = parts(now, timeZone);
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day - daysAgo));
  return zonedToIso(`${day.toISOString().slice(0, 10)}T00:00`, timeZone);
}
