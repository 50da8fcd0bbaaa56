/**
 * The filtering web proxy as a school runs it, against its peers (../shared/docs/PEERS.md).
 *
 * Osprey runs the same composition as `osprey serve` (bench/lib/osprey-server.ts): startServer with identity,
 * policies, the activity pipeline into the database — PGlite in a temporary data folder, or a scratch database on
 * the PostgreSQL server DATABASE_URL names — and monitoring, for a school set up with the demo school's people, the
 * bench's UT1 lists and the load generator's address as a Key Stage 3 range. Its peers are plain Squid, Squid +
 * squidGuard and e2guardian, each given the same 14 UT1 categories. Each server is pinned to one core
 * (taskset -c 1); wrk, the nginx origin, the dnsmasq catch-all resolver and this script share the other.
 * Requests: every URL of data/bench/sitelist.txt as an absolute URI http://<original host>:8081/<path>, keep-alive,
 * 32 connections; contestants in turns (A B C D A B C D …), medians of the rounds.
 *
 * Before measuring, each proxy must pass an unlisted site to the origin and block listed ones (a response without
 * nginx's X-Origin header came from the filter); a sample of the site list shows each one's blocked share (stderr),
 * and after its turn each must still filter. During Osprey's load /healthz is asked every 50 ms (never two at once)
 * on a new connection: healthz_p99_ms, with a probe that failed or took over 5 s counted at the time it took and in
 * healthz_failed (a finding about the product, reported, not a failure of the bench). After the load, the time the
 * activity writer takes to store every event (the pipeline's drain(), asked at once) is drain_s.
 *
 * Prints one line:
 *   proxy: rps=… p50_ms=… p99_ms=… drain_s=… healthz_p99_ms=… ratio_vs_squid=… ratio_vs_squidguard=…
 *          ratio_vs_e2guardian=… squid_rps=… squidguard_rps=… e2guardian_rps=… osprey_cpu=… healthz_failed=… events=…
 *          database=pglite|postgres …
 * (a ratio only for the peers installed and measured). Exits non-zero — printing no figure — when wrk, the origin,
 * a peer or Osprey fails, a proxy does not block a listed site, or the activity log does not catch up.
 *
 * Run: npm run bench:proxy (60 s per turn, 1 round)  ·  -- --smoke: 3 s per turn, 100 sample URLs (for CI: it shows
 * the bench runs; its figures mean little)  ·  -- --engine-only: the proxy alone with a no-op activity sink and no
 * database, labelled as such (NOT the product: the old measurement, for the engine's own cost).
 * BENCH_SECONDS (60), BENCH_ROUNDS (1; 3 for medians that ride out the machine's drift), BENCH_SAMPLE (2000 URLs
 * checked for blocking), BENCH_OSPREY_WORKERS (1 proxy thread), BENCH_OSPREY_CORES (1; "0,1" to give Osprey both
 * cores), BENCH_ONLY=osprey,squid (some contestants only; Osprey is always run), BENCH_PROFILE=dir (Osprey's CPU
 * profiles). Needs root (apt-get, taskset, a private mount namespace for e2guardian's resolver) and two cores.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { serveEngineOnly } from './lib/engine-only.ts';
import { blockedShare, median, percentile, probeHealthz, runWrk, throughProxy, waitForProxy, type Measured } from './lib/load.ts';
import { CATEGORIES, readUt1Lists, writeRequests } from './lib/lists.ts';
import { serveOspreyForBench, type OspreyBenchOptions } from './lib/osprey-server.ts';
import {
  ORIGIN_PORT, RESOLVER, startDnsmasq, startE2guardian, startNginx, startSquid, startSquidGuard, writeCategoryLists, type Started,
} from '../test/fixtures/proxy/peers.ts';

const PORTS = { osprey: 3204, squid: 3201, squidguard: 3202, e2guardian: 3203 } as const;
type Contestant = keyof typeof PORTS;
type Peer = Exclude<Contestant, 'osprey'>;
const SERVER_CORE = '1';
const LOAD_CORE = 0;
const CONNECTIONS = 32;
const UNLISTED = `http://www.example.com:${ORIGIN_PORT}/`;

const REQUIRED: Record<string, string> = { wrk: '/usr/bin/wrk', nginx: '/usr/sbin/nginx', 'dnsmasq-base': '/usr/sbin/dnsmasq' };
const PEER_PACKAGES: Record<Peer, Record<string, string>> = {
  squid: { squid: '/usr/sbin/squid' },
  squidguard: { squid: '/usr/sbin/squid', squidguard: '/usr/bin/squidGuard' },
  e2guardian: { e2guardian: '/usr/sbin/e2guardian' },
};
const installed = (bin: string) => spawnSync('test', ['-x', bin]).status === 0;

/** Installs what is missing (one apt-get); the load tools must be there after, a peer that is not is left out. */
function ensureTools(peers: Peer[]): Peer[] {
  const wanted = { ...REQUIRED, ...Object.assign({}, ...peers.map((p) => PEER_PACKAGES[p])) as Record<string, string> };
  const missing = Object.entries(wanted).filter(([, bin]) => !installed(bin)).map(([pkg]) => pkg);
  if (missing.length) {
    process.stderr.write(`installing ${missing.join(', ')} from Debian …\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { encoding: 'utf8', env });
    if (r.status !== 0) process.stderr.write(`apt-get install ${missing.join(' ')} failed: ${r.stderr}\n`);
  }
  const absent = Object.entries(REQUIRED).filter(([, bin]) => !installed(bin)).map(([pkg]) => pkg);
  if (absent.length) throw new Error(`the bench needs ${absent.join(', ')} (apt-get install -y ${absent.join(' ')})`);
  return peers.filter((p) => {
    const ok = Object.values(PEER_PACKAGES[p]).every(installed);
    if (!ok) process.stderr.write(`${p} is not installed and could not be: it is left out, and so is its ratio\n`);
    return ok;
  });
}

interface OspreyProcess extends Started {
  proxyPort: number;
  httpPort?: number;
  /** Asks the server to store every event it has; resolves with the seconds that took. */
  drain(): Promise<{ seconds: number; stats: Record<string, number | boolean> }>;
}

/** Osprey in a child process of its own, pinned to the server core: `bench/proxy.ts --osprey-server JSON`. */
function startOsprey(mode: 'product' | 'engine-only', opts: object): Promise<OspreyProcess> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
  const cores = process.env.BENCH_OSPREY_CORES ?? SERVER_CORE;
  const child: ChildProcess = spawn('taskset', ['-c', cores, process.execPath, ...profile, '--import', 'tsx', import.meta.filename,
    mode === 'product' ? '--osprey-server' : '--osprey-engine-only', JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const waiting: Array<(message: Record<string, unknown>) => void> = [];
  let exited: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: Record<string, unknown> | undefined;
    try { message = JSON.parse(line) as Record<string, unknown>; } catch { /* a log line */ }
    if (message?.bench === true) waiting.shift()?.(message);
    else process.stderr.write(`osprey: ${line}\n`);
  });
  const next = () => new Promise<Record<string, unknown>>((resolve, reject) => {
    if (exited) return reject(new Error(exited));
    waiting.push(resolve);
    child.once('exit', () => reject(new Error(exited)));
  });
  child.on('exit', (code, signal) => { exited = `Osprey's server exited (${code ?? signal})`; });
  child.stdin!.on('error', () => { /* the server went away; `next` reports it */ });
  return next().then((ready) => {
    if (ready.setupSeconds) process.stderr.write(`osprey: school set up and serving after ${Number(ready.setupSeconds).toFixed(1)} s\n`);
    return {
      name: 'osprey', pid: child.pid!, proxyPort: Number(ready.proxyPort), httpPort: ready.httpPort === undefined ? undefined : Number(ready.httpPort),
      async drain() {
        const answer = next();
        child.stdin!.write('drain\n');
        const m = await answer;
        if (m.drained !== true) throw new Error(`the activity log did not catch up within 300 s: ${JSON.stringify(m.stats)}`);
        return { seconds: Number(m.drainSeconds), stats: m.stats as Record<string, number | boolean> };
      },
      stop: () => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        if (mode === 'product') child.stdin!.end('stop\n'); else child.kill('SIGTERM');
        setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 30_000).unref();
      }),
    };
  });
}

/**
 * Each proxy passes an unlisted site to the origin, and each filter blocks a listed domain of three categories
 * (plain Squid, the baseline, filters nothing: it must pass them).
 */
async function checkFilters(port: number, name: Contestant, lists: Map<string, string[]>): Promise<void> {
  const passed = await throughProxy(port, UNLISTED);
  if (!passed.fromOrigin) throw new Error(`${name} did not pass ${UNLISTED} to the origin (status ${passed.status})`);
  for (const category of ['gambling', 'social_networks', 'publicite']) {
    const url = `http://${lists.get(category)![0]}:${ORIGIN_PORT}/`;
    const r = await throughProxy(port, url);
    if (name === 'squid') {
      if (!r.fromOrigin) throw new Error(`plain Squid, which filters nothing, did not pass ${url} to the origin (status ${r.status})`);
    } else if (r.fromOrigin) throw new Error(`${name} let ${url} (UT1 ${category}) through to the origin: it is not filtering, so it is not measured`);
  }
}

const fixed = (n: number, digits: number, key: string): string => {
  if (!Number.isFinite(n) || n < 0) throw new Error(`${key} came out as ${n}: not printing a figure that was not measured`);
  return n.toFixed(digits);
};

async function main(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const engineOnly = process.argv.includes('--engine-only');
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const seconds = Number(process.env.BENCH_SECONDS ?? (smoke ? 3 : 60));
  const sample = Number(process.env.BENCH_SAMPLE ?? (smoke ? 100 : 2000));
  const workers = Number(process.env.BENCH_OSPREY_WORKERS ?? 1);
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const began = Date.now();
  const [load] = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').map(Number);
  if (load > 1) process.stderr.write(`bench:proxy: load average ${load} before starting — other work on this machine will skew the figures\n`);
  const peers = ensureTools((['squid', 'squidguard', 'e2guardian'] as Peer[]).filter((p) => !only || only.includes(p)));
  // this script's probes and bookkeeping run on the load core, beside wrk, not on the server's
  spawnSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });

  const dir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-proxy-'));
  chmodSync(dir, 0o755);
  const servers: Started[] = [];
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  const cleanUp = async () => {
    for (const s of servers.reverse()) await s.stop().catch(() => {});
    servers.length = 0;
    await scratch?.drop().catch((e: unknown) => process.stderr.write(`could not drop the scratch database: ${(e as Error).message}\n`));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => { void cleanUp().finally(() => process.exit(130)); });
  try {
    const lists = readUt1Lists();
    const listsDir = path.join(dir, 'lists');
    writeCategoryLists(listsDir, lists);
    const urls = writeRequests(dir, ORIGIN_PORT);
    servers.push(startDnsmasq(dir, LOAD_CORE), startNginx(dir, LOAD_CORE));

    let database = 'none';
    let osprey: OspreyProcess;
    if (engineOnly) {
      osprey = await startOsprey('engine-only', { listsDir, categories: CATEGORIES, proxyPort: PORTS.osprey, workers, resolver: RESOLVER, origin: `127.0.0.1:${ORIGIN_PORT}` });
    } else {
      if (process.env.DATABASE_URL) {
        const { scratchPostgresDatabase } = await import('../test/helpers/database.ts');
        scratch = await scratchPostgresDatabase(process.env.DATABASE_URL, 'osprey_bench');
        database = 'postgres';
      } else {
        database = 'pglite';
      }
      const opts: OspreyBenchOptions = {
        dataDir: path.join(dir, 'osprey'), listsDir, proxyPort: PORTS.osprey, workers, resolver: RESOLVER, origin: `127.0.0.1:${ORIGIN_PORT}`, databaseUrl: scratch?.url,
      };
      osprey = await startOsprey('product', opts);
    }
    servers.push(osprey);
    const starters: Record<Peer, () => Started> = {
      squid: () => startSquid(dir, PORTS.squid, Number(SERVER_CORE)),
      squidguard: () => startSquidGuard(dir, PORTS.squidguard, Number(SERVER_CORE), listsDir, CATEGORIES),
      e2guardian: () => startE2guardian(dir, PORTS.e2guardian, Number(SERVER_CORE), listsDir, CATEGORIES),
    };
    const byName: Partial<Record<Contestant, Started>> = { osprey };
    for (const name of peers) servers.push(byName[name] = starters[name]());
    const order: Contestant[] = ['osprey', ...peers];
    for (const name of order) await waitForProxy(PORTS[name], UNLISTED);
    for (const name of order) {
      await checkFilters(PORTS[name], name, lists);
      const share = await blockedShare(PORTS[name], urls, sample);
      process.stderr.write(`${name}: ${share.blocked} of ${Math.min(sample, urls.length)} sample URLs blocked (${share.statuses || 'none'})${share.failed ? `, ${share.failed} failed` : ''}\n`);
      if (share.failed > Math.min(sample, urls.length) / 10) throw new Error(`${name}: ${share.failed} sample requests failed`);
      await runWrk({ dir, port: PORTS[name], seconds: smoke ? 1 : 3, connections: CONNECTIONS, core: LOAD_CORE, serverPid: byName[name]!.pid }); // warm-up
    }
    if (!engineOnly) await osprey.drain(); // the warm-up's and the checks' events, so that each round starts level
    process.stderr.write(`ready to measure after ${((Date.now() - began) / 1000).toFixed(1)} s\n`);

    const results = Object.fromEntries(order.map((n) => [n, [] as Measured[]])) as Record<Contestant, Measured[]>;
    const drains: number[] = [];
    const healthz: number[] = [];
    let healthzFailed = 0;
    let events = 0;
    for (let round = 0; round < rounds; round++) {
      for (const name of order) {
        const probe = name === 'osprey' && osprey.httpPort ? probeHealthz(`http://127.0.0.1:${osprey.httpPort}/healthz`) : undefined;
        const m = await runWrk({ dir, port: PORTS[name], seconds, connections: CONNECTIONS, core: LOAD_CORE, serverPid: byName[name]!.pid })
          .finally(async () => { if (probe) { const p = await probe.stop(); healthz.push(...p.latencies); healthzFailed += p.failed; } });
        results[name].push(m);
        // a helper that died under load would turn the turn into fast errors: the proxy must still filter after it
        await checkFilters(PORTS[name], name, lists).catch((e: unknown) => { throw new Error(`after its turn in round ${round + 1}: ${(e as Error).message}`); });
        let note = '';
        if (name === 'osprey' && !engineOnly) {
          const d = await osprey.drain();
          drains.push(d.seconds);
          if (Number(d.stats.dropped) || Number(d.stats.setAside)) throw new Error(`the activity pipeline dropped or set aside events: ${JSON.stringify(d.stats)}`);
          events = Number(d.stats.stored);
          note = `, drained in ${d.seconds.toFixed(2)} s (${events} events stored in all)`;
        }
        process.stderr.write(`round ${round + 1} ${name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(1)} ms, server CPU ${(m.cpu * 100).toFixed(0)}%${m.errors ? ` (${m.errors})` : ''}${note}\n`);
      }
    }
    const rps = (n: Contestant) => median(results[n].map((m) => m.rps));
    const fields: string[] = [
      `rps=${fixed(rps('osprey'), 0, 'rps')}`, `p50_ms=${fixed(median(results.osprey.map((m) => m.p50)), 2, 'p50_ms')}`,
      `p99_ms=${fixed(median(results.osprey.map((m) => m.p99)), 1, 'p99_ms')}`,
    ];
    if (!engineOnly) {
      if (healthz.length === 0) throw new Error('/healthz was never asked during the load');
      // a probe that failed or timed out (5 s) is a finding about the product, not a failure of the bench: it counts
      // in the percentile with the time it took, and is reported
      if (healthzFailed) process.stderr.write(`osprey: ${healthzFailed} of ${healthz.length} /healthz probes failed or timed out (5 s) during the load\n`);
      fields.push(`drain_s=${fixed(median(drains), 2, 'drain_s')}`, `healthz_p99_ms=${fixed(percentile(healthz, 99), 1, 'healthz_p99_ms')}`);
    }
    for (const p of peers) fields.push(`ratio_vs_${p}=${fixed(rps('osprey') / rps(p), 2, `ratio_vs_${p}`)}`);
    for (const p of peers) fields.push(`${p}_rps=${fixed(rps(p), 0, `${p}_rps`)}`);
    fields.push(`osprey_cpu=${fixed(median(results.osprey.map((m) => m.cpu)), 2, 'osprey_cpu')}`);
    if (!engineOnly) fields.push(`healthz_probes=${healthz.length}`, `healthz_failed=${healthzFailed}`, `events=${events}`, `database=${database}`);
    fields.push(`workers=${workers}`, `seconds=${seconds}`, `rounds=${rounds}`, `c=${CONNECTIONS}`);
    console.log(`${engineOnly ? 'proxy-engine-only (no database, no activity pipeline, no monitoring: NOT the product path)' : 'proxy'}: ${fields.join(' ')}`);
  } finally {
    await cleanUp();
  }
}

if (process.argv[2] === '--osprey-server') await serveOspreyForBench(JSON.parse(process.argv[3]) as OspreyBenchOptions);
else if (process.argv[2] === '--osprey-engine-only') await serveEngineOnly(JSON.parse(process.argv[3]) as Parameters<typeof serveEngineOnly>[0]);
else {
  try {
    await main();
  } catch (e) {
    process.stderr.write(`bench:proxy failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  }
}
