import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalClock, parseClockTime, windowCovers } from './local-time.ts';

const weekMinute = (day: number, hh: number, mm: number) => day * 1440 + hh * 60 + mm;

describe('the school clock', () => {
  const london = new LocalClock('Europe/London');

  it('reads Europe/London wall-clock time in GMT and in BST', () => {
    assert.equal(london.weekMinute(Date.parse('2026-03-10T10:00:00Z')), weekMinute(2, 10, 0)); // Tuesday, GMT
    assert.equal(london.weekMinute(Date.parse('2026-06-17T11:30:00Z')), weekMinute(3, 12, 30)); // Wednesday, BST
    assert.equal(london.weekMinute(Date.parse('2026-06-13T23:30:00Z')), weekMinute(0, 0, 30)); // Saturday night UTC is Sunday in BST
  });

  it('changes offset exactly when the clocks go forward and back', () => {
    // 29 March 2026: 01:00 UTC becomes 02:00 BST; 25 October 2026: 01:00 UTC becomes 01:00 GMT again
    assert.equal(london.offsetAt(Date.parse('2026-03-29T00:59:59Z')), 0);
    assert.equal(london.offsetAt(Date.parse('2026-03-29T01:00:00Z')), 3_600_000);
    assert.equal(london.offsetAt(Date.parse('2026-10-25T00:59:59Z')), 3_600_000);
    assert.equal(london.offsetAt(Date.parse('2026-10-25T01:00:00Z')), 0);
  });

  it('is right in zones that change on a half hour of UTC (why the cache is per quarter-hour)', () => {
    const stJohns = new LocalClock('America/St_Johns'); // Newfoundland: UTC−3:30, changes at 02:00 local = 05:30 UTC
    assert.equal(stJohns.offsetAt(Date.parse('2026-03-08T05:29:00Z')), -3.5 * 3_600_000);
    assert.equal(stJohns.offsetAt(Date.parse('2026-03-08T05:30:00Z')), -2.5 * 3_600_000);
  });

  it('refuses a zone that does not exist', () => {
    assert.throws(() => new LocalClock('Europe/Londres'), RangeError);
  });
});

describe('schedule windows', () => {
  it('reads HH:MM, allowing 24:00 as an end', () => {
    assert.deepEqual(['00:00', '12:30', '24:00', '7:30', '12:60', '24:01', 'noon'].map(parseClockTime), [0, 750, 1440, -1, -1, -1, -1]);
  });

  it('a weekday lunchtime window covers weekday lunchtimes only, end exclusive', () => {
    const lunch = { dayMask: 0b0111110, start: 720, end: 780 };
    assert.equal(windowCovers(lunch, weekMinute(1, 12, 0)), true);
    assert.equal(windowCovers(lunch, weekMinute(5, 12, 59)), true);
    assert.equal(windowCovers(lunch, weekMinute(5, 13, 0)), false);
    assert.equal(windowCovers(lunch, weekMinute(6, 12, 30)), false);
  });

  it('an overnight window belongs to the evening it starts on', () => {
    const friday = { dayMask: 1 << 5, start: 22 * 60, end: 6 * 60 };
    assert.equal(windowCovers(friday, weekMinute(5, 23, 0)), true);
    assert.equal(windowCovers(friday, weekMinute(6, 5, 59)), true); // Saturday early morning
    assert.equal(windowCovers(friday, weekMinute(6, 23, 0)), false);
    assert.equal(windowCovers(friday, weekMinute(5, 5, 0)), false);
  });
});
