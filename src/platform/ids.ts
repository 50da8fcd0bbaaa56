/**
 * Event ids: UUID version 7 (RFC 9562) — 48 bits of Unix milliseconds, then a 12-bit counter and 62 random
 * bits. Ids sort by time, so new rows land at the end of the primary key, and they are strictly increasing within a
 * process (the counter, RFC 9562 §6.2 method 1), so two events in the same millisecond never collide.
 * Generated in the front-ends' hot path: no allocation beyond the string, random bytes drawn from a pooled buffer.
 */
import { createHash, randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
let lastMs = -1;
let counter = 0;
/** The id's first 15 characters depend only on the millisecond: formatted once per millisecond. */
let prefix = '';

function randomAt(n: number): number {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += n;
  return at;
}

/**
 * A new, unique, time-ordered id for an event at `time` (milliseconds since the epoch): the one id generator for
 * activity, alerts' evidence and every front-end (the proxy's threads and the DNS resolver), about 80 ns each.
 */
export function newActivityId(time: number = Date.now()): string {
  const ms = Math.max(0, Math.floor(time));
  if (ms > lastMs) {
    lastMs = ms;
    prefix = '';
    // Start each millisecond's counter at a random point in its lower half, so ids are not guessable in sequence.
    counter = pool[randomAt(1)] << 3;
  } else if (++counter > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next millisecond rather than repeat or go backwards.
    lastMs++;
    prefix = '';
    counter = 0;
  }
  if (prefix === '') {
    const t = lastMs.toString(16).padStart(12, '0');
    prefix = `${t.slice(0, 8)}-${t.slice(8, 12)}-7`;
  }
  const r = randomAt(8);
  return `${prefix}${HEX[counter >> 8].charAt(1)}${HEX[counter & 0xff]}-`
    + `${HEX[0x80 | (pool[r] & 0x3f)]}${HEX[pool[r + 1]]}-${HEX[pool[r + 2]]}${HEX[pool[r + 3]]}${HEX[pool[r + 4]]}${HEX[pool[r + 5]]}${HEX[pool[r + 6]]}${HEX[pool[r + 7]]}`;
}

/** The millisecond time held in a version-7 id. */
export function timeOfActivityId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * A stable UUID (version 8, RFC 9562 §5.8) for an id that is not a UUID, so that such an event is still stored once
 * however often it is replayed: the same text always gives the same UUID.
 */
export function uuidFromText(text: string): string {
  const h = createHash('sha256').update('osprey-activity-id:').update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
