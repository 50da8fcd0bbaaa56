/**
 * squidGuard `time` blocks: parsing their `weekly` and `date` lines, and saying whether a block is active at a
 * moment. squidGuard judges times in the proxy's local time; Osprey takes the time zone explicitly so the helper
 * behaves the same on a server set to UTC.
 *
 * Semantics kept from squidGuard (so a migrated configuration behaves as before):
 *  - a range covers `from` ≤ minute < `to`; '24:00' may end a range; a range that ends before it starts
 *    (22:00-06:00) never matches, so it is refused here with a hint to write it as two ranges;
 *  - `date` without a time covers 00:00 to 23:59 exclusive — squidGuard's own quirk, kept on purpose;
 *  - weekday letters: s m t w h f a (Sunday … Saturday), or names (mon, tuesdays …), or '*' for every day.
 */

export interface TimeElement {
  line: number;
  /** Bit d set = weekday d (0 = Sunday). Absent for `date` elements. */
  days?: number;
  /** 'YYYYMMDD' inclusive range, for `date` with fixed dates. */
  dates?: { from: string; to: string };
  /** `date` with wildcards ('*.12.24'): -1 is any. */
  cron?: { year: number; month: number; day: number };
  /** Minutes since local midnight; the element is active for from ≤ minute < to. */
  from: number;
  to: number;
}

export interface LocalMoment {
  /** 'YYYYMMDD' */
  ymd: string;
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_LETTERS: Record<string, number> = { s: 0, m: 1, t: 2, w: 3, h: 4, f: 5, a: 6 };
const NAME = /^(sun|mon|tue|wed|thu|fri|sat)[a-z]*$/;
const RANGE = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;
const DATE = /^(\d{4})[.-](\d{2})[.-](\d{2})$/;
const CRON = /^(\d{4}|\*)[.-](\d{2}|\*)[.-](\d{2}|\*)$/;

/** Splits 'a - b', 'a -b', 'a- b' and commas into 'a-b' words. */
function rangeWords(words: string[]): string[] {
  return words.join(' ').replace(/\s*-\s*/g, '-').split(/[\s,]+/).filter(Boolean);
}

function clockRanges(words: string[]): Array<{ from: number; to: number }> | string {
  const ranges: Array<{ from: number; to: number }> = [];
  for (const word of words) {
    const m = RANGE.exec(word);
    if (m === null) return `'${word}' is not a time range; write it like 08:00-16:00`;
    const from = Number(m[1]) * 60 + Number(m[2]);
    const to = Number(m[3]) * 60 + Number(m[4]);
    if (Number(m[2]) > 59 || Number(m[4]) > 59 || from > 1440 || to > 1440) return `'${word}' is not a time of day (00:00 to 24:00)`;
    if (to <= from) {
      return `the range '${word}' ends before it starts, so squidGuard never matches it; write it as two ranges, e.g. 22:00-24:00 and 00:00-06:00`;
    }
    ranges.push({ from, to });
  }
  return ranges;
}

/** `weekly DAYS RANGE…` → one element per range, or the reason it cannot be read. */
export function parseWeekly(words: string[], line: number): TimeElement[] | string {
  const firstTime = words.findIndex((w) => /^\d/.test(w));
  const dayWords = (firstTime < 0 ? words : words.slice(0, firstTime)).flatMap((w) => w.split(',')).filter(Boolean);
  if (dayWords.length === 0) return "'weekly' needs the days first: letters such as 'mtwhf', names such as 'mon tue', or '*'";
  let days = 0;
  if (dayWords.length === 1 && dayWords[0] === '*') {
    days = 127;
  } else if (dayWords.every((w) => NAME.test(w.toLowerCase()) || w === '*')) {
    for (const w of dayWords) days |= w === '*' ? 127 : 1 << DAY_NAMES.indexOf(w.toLowerCase().slice(0, 3));
  } else if (dayWords.length === 1 && /^[smtwhfa]+$/i.test(dayWords[0])) {
    for (const letter of dayWords[0].toLowerCase()) days |= 1 << DAY_LETTERS[letter];
  } else {
    return `'${dayWords.join(' ')}' are not days; use letters s m t w h f a (Sunday to Saturday), names such as 'mon', or '*'`;
  }
  if (firstTime < 0) return "'weekly' needs at least one time range after the days, e.g. 'weekly mtwhf 08:00-16:00'";
  const ranges = clockRanges(rangeWords(words.slice(firstTime)));
  if (typeof ranges === 'string') return ranges;
  return ranges.map(({ from, to }) => ({ line, days, from, to }));
}

function validDate(ymd: RegExpExecArray): boolean {
  const [y, m, d] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `date YYYY.MM.DD [- YYYY.MM.DD] [RANGE…]` or `date *.MM.DD [RANGE…]`. */
export function parseDate(words: string[], line: number): TimeElement[] | string {
  const joined = rangeWords(words);
  const [first, ...rest] = joined;
  if (first === undefined) return "'date' needs a date such as 2026.12.24 (or a pattern such as *.12.24)";
  let span: Pick<TimeElement, 'dates' | 'cron'>;
  const pair = /^(\d{4}[.-]\d{2}[.-]\d{2})-(\d{4}[.-]\d{2}[.-]\d{2})$/.exec(first);
  if (pair !== null || DATE.test(first)) {
    const a = DATE.exec(pair?.[1] ?? first)!;
    const b = DATE.exec(pair?.[2] ?? first)!;
    if (!validDate(a) || !validDate(b)) return `'${first}' is not a real date`;
    const from = a.slice(1).join('');
    const to = b.slice(1).join('');
    if (to < from) return `the dates in '${first}' are the wrong way round`;
    span = { dates: { from, to } };
  } else {
    const c = CRON.exec(first);
    if (c === null) return `'${first}' is not a date; write it like 2026.12.24, 2026.12.24-2027.01.04 or *.12.24`;
    const num = (s: string) => (s === '*' ? -1 : Number(s));
    span = { cron: { year: num(c[1]), month: num(c[2]), day: num(c[3]) } };
  }
  if (rest.length === 0) return [{ line, ...span, from: 0, to: 1439 }];
  const ranges = clockRanges(rest);
  if (typeof ranges === 'string') return ranges;
  return ranges.map(({ from, to }) => ({ line, ...span, from, to }));
}

/** Whether any element of a time block covers the moment. */
export function timeActive(elements: readonly TimeElement[], at: LocalMoment): boolean {
  return elements.some((e) => {
    if (at.minute < e.from || at.minute >= e.to) return false;
    if (e.days !== undefined) return (e.days & (1 << at.weekday)) !== 0;
    if (e.dates !== undefined) return at.ymd >= e.dates.from && at.ymd <= e.dates.to;
    if (e.cron !== undefined) {
      return (e.cron.year < 0 || e.cron.year === at.year) && (e.cron.month < 0 || e.cron.month === at.month)
        && (e.cron.day < 0 || e.cron.day === at.day);
    }
    return false;
  });
}

/** Local calendar parts of an instant in a time zone; cached per minute, as every request in a minute agrees. */
export class LocalCalendar {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = NaN;
  private cached: LocalMoment | undefined;

  /** Throws RangeError for an unknown time zone. */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short',
    });
  }

  at(time: number): LocalMoment {
    const minute = Math.floor(time / 60_000);
    if (minute === this.cachedMinute && this.cached !== undefined) return this.cached;
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(new Date(time))) parts[part.type] = part.value;
    const moment: LocalMoment = {
      ymd: `${parts.year}${parts.month}${parts.day}`, year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
      weekday: DAY_NAMES.indexOf(parts.weekday.toLowerCase().slice(0, 3)), minute: Number(parts.hour) * 60 + Number(parts.minute),
    };
    this.cachedMinute = minute;
    this.cached = moment;
    return moment;
  }
}
