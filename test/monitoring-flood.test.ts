/**
 * A device floods the filter with blocked requests (issue 18): 100,000 blocks from one address. The "repeated blocked
 * attempts" rule must fire exactly as it did when the stage kept an hour of block times per person and filtered them
 * for every event (the reference below is that code, kept here), while each event now costs the same however many
 * blocks came before it (src/monitoring/blocks.ts). Through the stage and the database: one alert per rule window,
 * each holding at most MAX_EVIDENCE events, and nothing more stored once an alert is full.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newActivityId } from '../src/activity/ids.ts';
import { ensureMonitoringDefaults } from '../src/monitoring/defaults.ts';
import { MAX_EVIDENCE, MonitoringStage, type MonitoredEvent, type SchoolMonitor } from '../src/monitoring/stage.ts';
import type { RuleRow } from '../src/monitoring/store.ts';
import { ensureSchool } from '../src/platform/setup.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

const EVENTS = 100_000;
const IP = '10.0.9.77';

/** A deterministic flood: bursts of blocks a millisecond or two apart, with pauses of up to ten seconds between. */
function flood(schoolId: string, start: number): MonitoredEvent[] {
  const out: MonitoredEvent[] = [];
  let time = start;
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < EVENTS; i++) {
    time += i % 5000 < 4500 ? Math.floor(next() * 3) : Math.floor(next() * 10_000);
    out.push({
      id: newActivityId(time), time, schoolId, ip: IP, host: 'games.example.net', categoryId: 'games', action: 'block', reason: 'category',
    });
  }
  return out;
}

/** The rule as it was checked before (src/monitoring/stage.ts until issue 18): quadratic, but plainly right. */
function referenceHits(events: readonly MonitoredEvent[], threshold: number, windowMinutes: number): number[] {
  const times: number[] = [];
  const hits: number[] = [];
  events.forEach((e, i) => {
    times.push(e.time);
    const keepFrom = e.time - 60 * 60_000;
    while (times.length && times[0] < keepFrom) times.shift();
    if (times.filter((t) => t > e.time - windowMinutes * 60_000 && t <= e.time).length >= threshold) hits.push(i);
  });
  return hits;
}

describe('monitoring: a flood of blocked requests from one device', () => {
  let db: TestDatabase;
  let schoolId: string;
  let events: MonitoredEvent[];
  let stage: MonitoringStage;
  let monitor: SchoolMonitor;
  let repeated: RuleRow;
  let expected: number[];

  before(async () => {
    db = await createTestDatabase();
    const now = new Date(Date.UTC(2026, 10, 16, 8, 0));
    schoolId = (await ensureSchool(db.db, 'Flood School', now)).id;
    await ensureMonitoringDefaults(db.db, schoolId, now);
    stage = new MonitoringStage({ db: db.db, clock: { now: () => now }, publicUrl: () => 'http://osprey.test', reloadMs: 3600_000 });
    monitor = await stage.monitorFor(schoolId);
    repeated = monitor.rules.find((r) => r.kind === 'repeated_blocks')!;
    assert.equal(repeated.threshold_count, 10);
    assert.equal(repeated.window_minutes, 10);
    events = flood(schoolId, now.getTime());
    expected = referenceHits(events, 10, 10);
  });
  after(async () => { await db?.close(); });

  /** Which of the events meet a repeated-blocks rule with this threshold and window, checked by a fresh stage. */
  function hitsOf(threshold: number, windowMinutes: number, evs: readonly MonitoredEvent[]): number[] {
    const s = new MonitoringStage({ db: db.db, clock: { now: () => new Date() }, publicUrl: () => '' });
    const m: SchoolMonitor = { ...monitor, rules: [{ ...repeated, threshold_count: threshold, window_minutes: windowMinutes }], largestThreshold: undefined };
    const hits: number[] = [];
    evs.forEach((e, i) => { if (s.check(m, e)?.hit.rule.kind === 'repeated_blocks') hits.push(i); });
    return hits;
  }

  it('the default rule (10 blocks in 10 minutes) fires for exactly the same events as before, all 100,000 checked', () => {
    const hits = hitsOf(10, 10, events);
    assert.ok(expected.length > 50_000 && expected.length < EVENTS, `the flood meets the rule often but not always (${expected.length})`);
    assert.deepEqual(hits, expected);
  });

  it('other thresholds and windows, an hour and longer included, fire exactly as before', () => {
    const prefix = events.slice(0, 12_000);
    for (const [threshold, windowMinutes] of [[1, 1], [3, 1], [50, 5], [4000, 60], [700, 120], [10_000, 10_080]]) {
      assert.deepEqual(hitsOf(threshold, windowMinutes, prefix), referenceHits(prefix, threshold, windowMinutes), `${threshold} blocks in ${windowMinutes} minutes`);
    }
  });

  it('through the stage and the database: one alert per ten-minute window, each with at most MAX_EVIDENCE events', async () => {
    for (let i = 0; i < events.length; i += 2000) await stage.process(events.slice(i, i + 2000));
    assert.equal(stage.stats().scored, EVENTS);

    const perWindow = new Map<number, number>();
    for (const i of expected) {
      const w = Math.floor(events[i].time / (10 * 60_000));
      perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
    }
    const alerts = await db.db.selectFrom('alerts').select(['id', 'rule_name', 'ip', 'first_event_at']).where('school_id', '=', schoolId).execute();
    assert.equal(alerts.length, perWindow.size);
    assert.ok(alerts.every((a) => a.rule_name === 'Repeated blocked attempts' && a.ip === IP));
    const evidence = await db.db.selectFrom('alert_evidence').select(['alert_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('alert_id').execute();
    const byAlert = new Map(evidence.map((r) => [r.alert_id, Number(r.n)]));
    for (const a of alerts) {
      const w = Math.floor(new Date(a.first_event_at).getTime() / (10 * 60_000));
      assert.equal(byAlert.get(a.id), Math.min(perWindow.get(w)!, MAX_EVIDENCE), `evidence of the alert for window ${w}`);
    }
    assert.equal(stage.stats().alertsRaised, perWindow.size);
  });
});
