/**
 * The school's wall-clock time for schedules, without calling Intl per request (~2 µs each). The UTC offset is
 * cached per quarter-hour of UTC rather than per hour: zones with :30/:45 offsets (Newfoundland, Lord Howe) change
 * at 02:00 local, which is a quarter-hour but not an hour boundary in UTC. Europe/London changes at 01:00 UTC.
 */

const BUCKET_MS = 15 * 60_000;
const CACHE_SIZE = 64;
const DAY_MS = 86_400_000;

export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly buckets = new Float64Array(CACHE_SIZE).fill(NaN);
  private readonly offsets = new Float64Array(CACHE_SIZE);

  /** Throws RangeError for an unknown IANA zone (compile reports it). */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** Milliseconds to add to UTC to get local wall-clock time at `time`. */
  offsetAt(time: number): number {
    const bucket = Math.floor(time / BUCKET_MS);
    const slot = bucket & (CACHE_SIZE - 1);
    if (this.buckets[slot] === bucket) return this.offsets[slot];
    const offset = this.computeOffset(bucket * BUCKET_MS);
    this.buckets[slot] = bucket;
    this.offsets[slot] = offset;
    return offset;
  }

  /** Local weekday (0 = Sunday) × 1440 + minutes since local midnight: one number, no allocation. */
  weekMinute(time: number): number {
    const local = time + this.offsetAt(time);
    const day = Math.floor(local / DAY_MS);
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    const minutes = Math.floor((local - day * DAY_MS) / 60_000);
    return weekday * 1440 + minutes;
  }

  private computeOffset(time: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(time))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return wall - (time - (((time % 1000) + 1000) % 1000));
  }
}

/** 'HH:MM' (24-hour, '24:00' allowed as an end) → minutes since midnight, or -1. */
export function parseClockTime(text: string): number {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(typeof text === 'string' ? text : '');
  if (match === null) return -1;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 1440 ? minutes : -1;
}

/** A compiled weekly window: `dayMask` bit d = weekday d; an end at or before the start runs past midnight. */
export interface WeeklyWindow {
  dayMask: number;
  start: number;
  end: number;
}

/** Whether a window covers a `weekMinute`; an overnight window belongs to the day it starts on. */
export function windowCovers(window: WeeklyWindow, weekMinute: number): boolean {
  const weekday = Math.floor(weekMinute / 1440);
  const minute = weekMinute - weekday * 1440;
  if (window.start < window.end) {
    return (window.dayMask & (1 << weekday)) !== 0 && minute >= window.start && minute < window.end;
  }
  const yesterday = (weekday + 6) % 7;
  return ((window.dayMask & (1 << weekday)) !== 0 && minute >= window.start)
    || ((window.dayMask & (1 << yesterday)) !== 0 && minute < window.end);
}
