/**
 * The filtering web proxy against its peers (../shared/docs/PEERS.md): Osprey, Squid + squidGuard, e2guardian and
 * plain Squid, each given the same UT1 category lists (14 categories a school would block for pupils), each pinned
 * to one core (taskset -c 1) while wrk, the nginx origin and the dnsmasq catch-all resolver share the other.
 * Requests: every URL of data/bench/sitelist.txt as an absolute URI http://<original host>:8081/<path>, so each
 * filter decides on the real host name and every name resolves (through dnsmasq) to the local origin; keep-alive,
 * 32 connections, peers in turns (A B C D A B C D …), medians of the rounds.
 * A response without nginx's X-Origin header came from the filter: that is how "blocked" is counted (stderr).
 *
 * Prints one line:
 *   proxy: osprey_rps=… squidguard_rps=… e2guardian_rps=… squid_rps=… ratio_vs_e2guardian=… ratio_vs_squidguard=…
 *          osprey_p99_ms=… e2guardian_p99_ms=…
 * Run: npm run bench:proxy  (node --import tsx bench/proxy.ts)   --smoke: 1 s warm-up and one round of 2 s each, 100 sample
 * URLs (under a minute in all; for CI — it shows the bench runs, its figures mean little).
 * BENCH_ROUNDS (3), BENCH_SECONDS (20), BENCH_SAMPLE (2000 URLs checked for blocking), BENCH_OSPREY_WORKERS (1) change the run; BENCH_ONLY=osprey,squid runs
 * some contestants only (the line then shows 0 for the others); BENCH_PROFILE=dir writes Osprey's CPU profiles there. Needs root (apt-get, taskset,
 * a private mount namespace for e2guardian's resolver) and two cores.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compileSnapshot, splitUrl, type Policy } from '../src/filtering/engine/index.ts';
import { staticIdentity } from '../src/filtering/identity/service.ts';
import { startProxy } from '../src/filtering/proxy/index.ts';
import {
  cpuSeconds, ensurePackages, ORIGIN_PORT, RESOLVER, startDnsmasq, startE2guardian, startNginx, startSquid, startSquidGuard,
  writeCategoryLists, type Started,
} from '../test/fixtures/proxy/peers.ts';

const DATA = path.resolve(import.meta.dirname, '../../shared/data/bench');
/** Blocked for pupils in every filter: harmful, circumvention, distraction and advertising categories of UT1. */
const CATEGORIES = ['agressif', 'arjel', 'cryptojacking', 'dating', 'doh', 'drogue', 'gambling', 'games', 'mixed_adult',
  'publicite', 'redirector', 'social_networks', 'vpn', 'warez'];
const PORTS = { osprey: 3204, squidguard: 3202, e2guardian: 3203, squid: 3201 } as const;
type Contestant = keyof typeof PORTS;
const SERVER_CORE = 1;
const LOAD_CORE = 0;

function readUt1Lists(): Map<string, string[]> {
  const wanted = new Set(CATEGORIES);
  const lists = new Map<string, string[]>(CATEGORIES.map((c) => [c, []]));
  for (const line of gunzipSync(readFileSync(path.join(DATA, 'combined-domains.tsv.gz'))).toString('utf8').split('\n')) {
    const [domain, category, source] = line.split('\t');
    if (source === 'ut1' && wanted.has(category)) lists.get(category)!.push(domain);
  }
  return lists;
}

/** The Osprey side, run as its own process so it can be pinned to the server core: `bench/proxy.ts --osprey-server`. */
async function serveOsprey(listsJson: string, workers: number): Promise<void> {
  const lists = new Map<string, string[]>(JSON.parse(readFileSync(listsJson, 'utf8')) as Array<[string, string[]]>);
  const pupils: Policy = {
    id: 'pupils', name: 'Pupils', priority: 10, groupIds: [], defaultAction: 'allow', safeSearch: false,
    categoryActions: Object.fromEntries(CATEGORIES.map((c) => [c, 'block'])), schedules: [], localBlock: [], localAllow: [], exceptions: [],
  };
  const snapshot = compileSnapshot({
    categories: CATEGORIES.map((id) => ({ id, name: id, description: `${id} (UT1)`, illegal: false })),
    lists: [...lists].map(([categoryId, domains]) => ({ sourceId: 'ut1', categoryId, domains, urls: [], expressions: [] })),
    policies: [pupils], unidentifiedPolicyId: 'pupils', timeZone: 'Europe/London',
  }, { shared: true });
  let events = 0;
  const proxy = await startProxy({
    host: '127.0.0.1', port: PORTS.osprey, workers, view: { snapshotFor: () => snapshot, activity: { emit: () => { events++; } }, node: 'bench' },
    identity: staticIdentity({ schoolId: 'bench', settings: { unidentified: 'fallback', logonMinutes: 60 }, ranges: [], sessions: [] }),
    dnsServers: [RESOLVER],
    // nginx stands in for the internet on loopback, which the proxy opens only when told to
    destinations: { allowed: [`127.0.0.1:${ORIGIN_PORT}`] },
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => { void proxy.close().then(() => { process.stderr.write(`osprey events: ${events}\n`); process.exit(0); }); });
}

function urlsFile(dir: string): string {
  const urls: string[] = [];
  for (const line of readFileSync(path.join(DATA, 'sitelist.txt'), 'utf8').split('\n')) {
    const parts = line.trim() ? splitUrl(line.trim()) : null;
    if (parts && !parts.host.includes(':')) urls.push(`http://${parts.host}:${ORIGIN_PORT}${parts.pathAndQuery}`);
  }
  const file = path.join(dir, 'urls.txt');
  writeFileSync(file, `${urls.join('\n')}\n`);
  // wrk sends each URL as an absolute URI with its own Host header, the way a browser talks to a proxy
  writeFileSync(path.join(dir, 'urls.lua'), `local urls, hosts = {}, {}
for line in io.lines("${file}") do urls[#urls + 1] = line; hosts[#hosts + 1] = line:match("^http://([^/]+)") end
local threads = 0
function setup(thread) thread:set("offset", threads * 7919); threads = threads + 1 end
function init(args) i = offset or 0 end
function request()
  i = i % #urls + 1
  return wrk.format("GET", urls[i], { ["Host"] = hosts[i] })
end
`);
  return file;
}

interface Measured { rps: number; p99: number; cpu: number; errors: string }

function runWrk(dir: string, port: number, seconds: number, pid: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const before = cpuSeconds(pid);
    const started = Date.now();
    const wrk = spawn('taskset', ['-c', String(LOAD_CORE), 'wrk', '-t2', '-c32', `-d${seconds}s`, '--latency', '--timeout', '10s', '-s', path.join(dir, 'urls.lua'), `http://127.0.0.1:${port}/`]);
    let out = '';
    wrk.stdout.on('data', (d) => { out += d; });
    wrk.on('error', reject);
    wrk.on('exit', () => {
      const cpu = (cpuSeconds(pid) - before) / ((Date.now() - started) / 1000);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
      const p = /\n\s+99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
      const p99 = p ? Number(p[1]) * (p[2] === 'us' ? 0.001 : p[2] === 's' ? 1000 : 1) : NaN;
      resolve({ rps, p99, cpu, errors: [/Socket errors:[^\n]*/.exec(out)?.[0], /Non-2xx[^\n]*/.exec(out)?.[0]].filter(Boolean).join('; ') });
    });
  });
}

/** Sends the first `n` URLs one by one over a kept-alive connection; counts answers that did not come from nginx. */
async function blockedShare(port: number, urls: string[], n: number): Promise<{ blocked: number; failed: number; statuses: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let blocked = 0, failed = 0;
  const statuses = new Map<number, number>();
  for (const url of urls.slice(0, n)) {
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: url, agent, headers: { host: new URL(url).host }, timeout: 10_000 }, (res) => {
        if (!res.headers['x-origin']) {
          blocked++;
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        }
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => { failed++; resolve(); });
      req.on('timeout', () => req.destroy());
    });
  }
  agent.destroy();
  return { blocked, failed, statuses: [...statuses].map(([status, count]) => `${status}×${count}`).join(' ') };
}

async function waitForProxy(port: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: `http://www.example.com:${ORIGIN_PORT}/`, headers: { host: `www.example.com:${ORIGIN_PORT}` }, agent: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(Boolean(res.headers['x-origin']));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the proxy on port ${port} did not start`);
}

function startOsprey(dir: string, lists: Map<string, string[]>, workers: number): Promise<Started> {
  const listsJson = path.join(dir, 'lists.json');
  writeFileSync(listsJson, JSON.stringify([...lists]));
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
  const child = spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...profile, '--import', 'tsx', import.meta.filename, '--osprey-server', listsJson, String(workers)],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve({ name: 'osprey', pid: child.pid!, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) });
    });
    child.on('exit', (code) => reject(new Error(`Osprey's proxy exited (${code}) before it was ready`)));
  });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

async function main(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const seconds = smoke ? 2 : Number(process.env.BENCH_SECONDS ?? 20);
  const sample = smoke ? 100 : Number(process.env.BENCH_SAMPLE ?? 2000);
  const began = Date.now();
  const workers = Number(process.env.BENCH_OSPREY_WORKERS ?? 1);
  ensurePackages();
  const dir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-proxy-'));
  chmodSync(dir, 0o755);
  const servers: Started[] = [];
  try {
    const lists = readUt1Lists();
    const listsDir = path.join(dir, 'lists');
    writeCategoryLists(listsDir, lists);
    const urls = readFileSync(urlsFile(dir), 'utf8').split('\n').filter(Boolean);
    servers.push(startDnsmasq(dir, LOAD_CORE), startNginx(dir, LOAD_CORE));
    const order = (Object.keys(PORTS) as Contestant[]).filter((n) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(n));
    const starters: Record<Contestant, () => Started | Promise<Started>> = {
      osprey: () => startOsprey(dir, lists, workers),
      squidguard: () => startSquidGuard(dir, PORTS.squidguard, SERVER_CORE, listsDir, CATEGORIES),
      e2guardian: () => startE2guardian(dir, PORTS.e2guardian, SERVER_CORE, listsDir, CATEGORIES),
      squid: () => startSquid(dir, PORTS.squid, SERVER_CORE),
    };
    const byName = {} as Record<Contestant, Started>;
    for (const name of order) servers.push(byName[name] = await starters[name]());
    for (const name of order) await waitForProxy(PORTS[name]);
    for (const name of order) {
      const share = await blockedShare(PORTS[name], urls, sample);
      process.stderr.write(`${name}: ${share.blocked} of ${Math.min(sample, urls.length)} sample URLs blocked (${share.statuses || 'none'})${share.failed ? `, ${share.failed} failed` : ''}\n`);
      await runWrk(dir, PORTS[name], smoke ? 1 : 3, byName[name].pid); // warm-up: JIT, name caches, helper start-up
    }
    process.stderr.write(`ready to measure after ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
    const results: Record<Contestant, Measured[]> = { osprey: [], squidguard: [], e2guardian: [], squid: [] };
    for (let round = 0; round < rounds; round++) {
      for (const name of order) {
        const m = await runWrk(dir, PORTS[name], seconds, byName[name].pid);
        results[name].push(m);
        process.stderr.write(`round ${round + 1} ${name}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99.toFixed(1)} ms, server CPU ${(m.cpu * 100).toFixed(0)}%${m.errors ? ` (${m.errors})` : ''}\n`);
      }
    }
    const rps = (n: Contestant) => (results[n].length ? median(results[n].map((m) => m.rps)) : 0);
    const p99 = (n: Contestant) => (results[n].length ? median(results[n].map((m) => m.p99)) : 0);
    console.log(`proxy: osprey_rps=${rps('osprey').toFixed(0)} squidguard_rps=${rps('squidguard').toFixed(0)} e2guardian_rps=${rps('e2guardian').toFixed(0)} squid_rps=${rps('squid').toFixed(0)} ratio_vs_e2guardian=${(rps('osprey') / rps('e2guardian')).toFixed(2)} ratio_vs_squidguard=${(rps('osprey') / rps('squidguard')).toFixed(2)} osprey_p99_ms=${p99('osprey').toFixed(1)} e2guardian_p99_ms=${p99('e2guardian').toFixed(1)}`);
  } finally {
    for (const s of servers.reverse()) await s.stop();
    spawnSync('rm', ['-rf', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--osprey-server') await serveOsprey(process.argv[3], Number(process.argv[4] ?? 1));
else await main();
