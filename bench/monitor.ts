/**
 * Monitoring throughput: events per second the monitoring stage scores — normalise, match every phrase, check the
 * alert rules, store the alerts that result — with the FULL lists a school could hold: Osprey's starter lists, all
 * of e2guardian's ukenglish lists and the suicide-risk lexicon (read by path from ../shared/data/keywords, never
 * copied). Events are realistic: request URLs from ../shared/data/bench/requests.ndjson.gz (long CDN and page URLs),
 * one in ten a search with a search term, one in a thousand a search that should raise an alert, on an embedded
 * PGlite database as `osprey serve` runs it. Batches of 2,000, as the activity writer hands them over.
 * `score_only_events_per_s`: the scoring alone (normalise, match, rules), without storing alerts.
 * `flood_events_per_s`: one device's flood of FLOOD_EVENTS blocked requests for one name within seconds (issue 18),
 * through the whole stage: the repeated-blocks rule meets nearly every event, so this measures its per-event cost
 * (once quadratic in the blocks of the last hour) and what storing its alerts costs.
 * BENCH_EVENTS (default 100,000) and BENCH_ROUNDS (default 5) change the size.
 * Prints one line: `monitor: events_per_s=… phrases=… …` (median of ROUNDS rounds). Target: the ingest rate, ~50,000/s.
 * Run: npm run bench:monitor   (--smoke: fewer events)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { newActivityId } from '../src/activity/ids.ts';
import { readE2guardianTree, readLexiconFolder, readStarterLists } from '../src/monitoring/importer.ts';
import { MonitoringStage, type MonitoredEvent } from '../src/monitoring/stage.ts';
import { upsertPhrases } from '../src/monitoring/store.ts';
import { ensureMonitoringDefaults } from '../src/monitoring/defaults.ts';
import { openDatabase } from '../src/platform/db.ts';
import { migrate } from '../src/platform/migrations.ts';
import { ensureSchool } from '../src/platform/setup.ts';

const smoke = process.argv.includes('--smoke');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (smoke ? 2 : 5));
const EVENTS = Number(process.env.BENCH_EVENTS ?? (smoke ? 20_000 : 100_000));
const FLOOD_EVENTS = smoke ? 20_000 : 100_000;
const DATA = path.resolve(import.meta.dirname, '../../shared/data');
const UKENGLISH = path.join(DATA, 'keywords/e2guardian-phraselists/ukenglish');
const LEXICON = path.join(DATA, 'keywords/suicide-risk-lexicon/by-construct');

const SEARCHES = [
  'homework help fractions', 'year 8 french vocabulary', 'minecraft servers', 'football scores', 'how to draw a horse',
  'bbc bitesize photosynthesis', 'weather tomorrow', 'taylor swift tickets', 'roblox free robux', 'world war 2 facts',
  'how to revise for gcse maths', 'funny cat videos', 'what time is it in new york', 'recipe pancakes', 'why is the sky blue',
];
const RISKY = ['how to kill myself', 'i want to die', 'buy weed online', 'how to make a bomb', 'join isis'];

function events(schoolId: string, people: string[]): MonitoredEvent[] {
  const lines = gunzipSync(readFileSync(path.join(DATA, 'bench/requests.ndjson.gz'))).toString('utf8').split('\n');
  const urls = lines.filter(Boolean).slice(0, 50_000).map((l) => (JSON.parse(l) as { url: string }).url);
  const out: MonitoredEvent[] = [];
  const t0 = Date.now() - 3600_000;
  for (let i = 0; i < EVENTS; i++) {
    const time = t0 + i;
    const personId = people[i % people.length];
    let url = urls[i % urls.length];
    let searchTerm: string | undefined;
    if (i % 10 === 0) {
      searchTerm = i % 1000 === 0 ? RISKY[(i / 1000) % RISKY.length] : `${SEARCHES[(i / 10) % SEARCHES.length]} ${i % 97}`;
      url = `http://www.google.co.uk/search?q=${encodeURIComponent(searchTerm).replace(/%20/g, '+')}&hl=en`;
    }
    const host = new URL(url).hostname;
    const https = url.startsWith('https:');
    out.push({
      id: newActivityId(time), time, schoolId, personId, username: null, ip: '10.0.0.1', host, url: https ? null : url, searchTerm,
      categoryId: null, action: i % 37 === 0 ? 'block' : 'allow', reason: 'default', circumvention: false,
    });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-monitor-'));
  const handle = await openDatabase({ dataDir: dir });
  try {
    await migrate(handle.db);
    const school = await ensureSchool(handle.db, 'Bench School', new Date());
    await ensureMonitoringDefaults(handle.db, school.id, new Date());
    const all = [...readStarterLists(), ...readE2guardianTree(UKENGLISH), ...readLexiconFolder(LEXICON)].flatMap((r) => r.phrases);
    await upsertPhrases(handle.db, school.id, all, 'bench', new Date());
    const people = Array.from({ length: 600 }, () => crypto.randomUUID());
    const evs = events(school.id, people);
    const options = { db: handle.db, clock: { now: () => new Date() }, publicUrl: () => 'http://localhost', reloadMs: 3600_000 };
    const stage = new MonitoringStage(options);
    const scorer = new MonitoringStage(options);
    const monitor = await stage.monitorFor(school.id);
    const rates: number[] = [];
    const scoreOnly: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each round is the next hour of the school's traffic: new events, so new alerts where the rules say so.
      const fresh = evs.map((e) => ({ ...e, time: e.time + round * 3600_000, id: newActivityId(e.time + round * 3600_000) }));
      let start = performance.now();
      for (const e of fresh) scorer.check(monitor, e);
      scoreOnly.push(fresh.length / ((performance.now() - start) / 1000));
      start = performance.now();
      for (let i = 0; i < fresh.length; i += 2000) await stage.process(fresh.slice(i, i + 2000));
      rates.push(fresh.length / ((performance.now() - start) / 1000));
    }
    const floods: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start0 = Date.now() + (round + 1) * 86_400_000;
      const flood: MonitoredEvent[] = Array.from({ length: FLOOD_EVENTS }, (_, i) => {
        const time = start0 + Math.floor(i / 10); // 10,000 a second, as a DNS flood from one device
        return { id: newActivityId(time), time, schoolId: school.id, ip: '10.0.66.6', host: 'blocked.example.net', categoryId: 'games', action: 'block', reason: 'category' };
      });
      const start = performance.now();
      for (let i = 0; i < flood.length; i += 2000) await stage.process(flood.slice(i, i + 2000));
      floods.push(flood.length / ((performance.now() - start) / 1000));
    }
    const alerts = await handle.db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(`monitor: events_per_s=${Math.round(median(rates))} phrases=${monitor.matcher.phrases} score_only_events_per_s=${Math.round(median(scoreOnly))} flood_events_per_s=${Math.round(median(floods))} alerts=${Number(alerts.n)} events=${evs.length} rounds=${ROUNDS} database=pglite`);
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
