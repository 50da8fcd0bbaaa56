/**
 * Osprey's DNS resolver against dnsmasq, set up as ../shared/docs/PEERS.md describes: the same blocked domains for
 * both (100,000 from combined-domains.tsv.gz; BENCH_DNS_DOMAINS to change), the server under test pinned to core 1
 * and dnsperf (100 outstanding UDP queries) plus the upstream on core 0, turns interleaved (A B C A B C …), medians.
 * dnsmasq runs twice: with `address=/domain/0.0.0.0` (blocks subdomains too, as Osprey does — the peer to beat)
 * and with a hosts file (exact names only — the speed to reach). Allowed names are answered by a catch-all dnsmasq
 * on 127.0.0.2 (`address=/#/127.0.0.1`, `no-resolv`), the same upstream for every resolver, so nothing leaves the
 * machine; every resolver caches (Osprey's cache, dnsmasq's cache-size). The query file mixes ~30% blocked names
 * (a quarter asked as `www.` + the listed name) with ~70% allowed hosts from sitelist.txt.
 *
 * A fourth turn measures the floor: a bare Node UDP echo server pinned the same way, i.e. what Node's datagram
 * handling alone allows on this core before any DNS work — the bound on any resolver written for Node.
 *
 * `--forwarding` measures the other path: every query a name never asked before (`f<turn>-<n>.` + an allowed host),
 * so Osprey and dnsmasq must both forward each one to the upstream (the cache cannot help) — the path that pays for
 * the upstream sockets' random source ports. It runs Osprey and dnsmasq only (dnsmasq without its cache, see below),
 * and also prints each one's CPU time per query (µs), which stays meaningful when the shared upstream on core 0 is
 * what limits the rate.
 *
 * `--flood` (issue 18) measures the product rather than the resolver alone: the real server as `osprey serve` runs it
 * (startServer as `osprey serve` calls it: the resolver and the live filter on the main thread; the database — the
 * embedded one, or PostgreSQL with DATABASE_URL — the activity pipeline and monitoring in the store thread), a school whose two laptops are known by address. One laptop
 * (127.0.0.5) asks for a blocked name 50,000 times as fast as the answers come (100 unanswered at most, like dnsperf;
 * 2 s to answer); the other (127.0.0.6) asks for an allowed name every 100 ms as a stub resolver does. A bystander's
 * question is lost when no answer comes within 2 s. The load runs in a child process, so that it does not share the
 * server's thread. Afterwards the activity log must hold every blocked attempt answered (or the bench fails).
 *
 * Prints one line:  dns: osprey_qps=… dnsmasq_qps=… ratio=… dnsmasq_hosts_qps=… ratio_vs_hosts=… node_floor_qps=… …
 *   (with --forwarding:  dns-forwarding: osprey_qps=… dnsmasq_qps=… ratio=… osprey_us_per_query=… …)
 *   (with --flood:  dns-flood: flood_queries=… flood_answered=… flood_seconds=… bystander_asked=… bystander_lost=…
 *    bystander_p99_ms=… stored_blocks=… database=…)
 * Run: npm run bench:dns (20 s per turn, 3 rounds) · --smoke (3 s, 1 round; then the flood with 5,000 queries, a second
 * line) · --forwarding · --flood (BENCH_DNS_FLOOD queries, 50,000 by default) · BENCH_PROFILE=1 writes a CPU profile of
 * Osprey's server to bench/profiles/ · BENCH_VERBOSE=1 prints each turn on stderr.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import dnsPacket from 'dns-packet';

const DATA = path.resolve(import.meta.dirname, '../../shared/data/bench');
const FLOOR_SERVER = `const s = require('node:dgram').createSocket({ type: 'udp4', lookup: (a, f, cb) => cb(null, a, 4) });
s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); });
s.bind(Number(process.argv[1]), '127.0.0.1');`;
const BLOCKED_CATEGORY = 'bench-blocked';

if (process.argv[2] === '--serve-osprey') await serveOsprey(process.argv[3], process.argv[4], process.argv[5]);
else if (process.argv.includes('--flood')) await floodScenario(Number(process.env.BENCH_DNS_FLOOD ?? (process.argv.includes('--smoke') ? 5_000 : 50_000)));
else {
  await main();
  // smoke mode (CI) also shows that the flood scenario still runs
  if (process.argv.includes('--smoke') && !process.argv.includes('--forwarding')) await floodScenario(5_000);
}

async function main(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const forwarding = process.argv.includes('--forwarding');
  const seconds = Number(process.env.BENCH_DNS_SECONDS ?? (smoke ? 3 : 20));
  const rounds = Number(process.env.BENCH_DNS_ROUNDS ?? (smoke ? 1 : 3));
  const domainCount = Number(process.env.BENCH_DNS_DOMAINS ?? 100_000);
  const verbose = process.env.BENCH_VERBOSE === '1';
  const [load] = (readFileSync('/proc/loadavg', 'utf8').split(' ')).map(Number);
  if (load > 1) console.error(`bench:dns: load average ${load} before starting — other work on this machine will skew the numbers`);
  if (!ensureTools()) {
    console.log('dns: skipped — dnsperf and dnsmasq are needed and could not be installed (apt-get install -y dnsperf dnsmasq-base)');
    if (smoke) return;
    process.exit(1);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'osprey-bench-dns-'));
  const children: ChildProcess[] = [];
  const stopAll = () => { for (const child of children) if (child.exitCode === null) child.kill('SIGTERM'); };
  process.on('SIGINT', () => { stopAll(); process.exit(130); });
  try {
    const blocked = readBlockedDomains(domainCount);
    const queries = buildQueries(blocked, smoke ? 20_000 : 60_000);
    writeFileSync(path.join(work, 'domains.txt'), blocked.join('\n'));
    writeFileSync(path.join(work, 'queries.txt'), queries.map((q) => `${q} A`).join('\n'));
    const [upPort, ospreyPort, addressPort, hostsPort, floorPort] = await freePorts(5);
    const upstream = `127.0.0.2#${upPort}`;
    const base = ['bind-interfaces', 'no-resolv', 'no-hosts', 'log-facility=/dev/null', ...(process.getuid?.() === 0 ? ['user=root'] : [])];
    writeFileSync(path.join(work, 'upstream.conf'), [...base, `port=${upPort}`, 'listen-address=127.0.0.2',
      'address=/#/127.0.0.1', 'address=/#/::1', 'local-ttl=3600'].join('\n'));
    // --forwarding: no cache for dnsmasq, which could not use it (every name is new) and stalls once it is full of
    // live answers (measured: ~4,600 q/s over 20 s with 100,000 entries against ~22,700 without)
    const peer = [...base, 'listen-address=127.0.0.1', `server=${upstream}`, `cache-size=${forwarding ? 0 : 100_000}`];
    writeFileSync(path.join(work, 'address.conf'), [...peer, `port=${addressPort}`, ...blocked.map((d) => `address=/${d}/0.0.0.0`)].join('\n'));
    writeFileSync(path.join(work, 'hosts.txt'), blocked.map((d) => `0.0.0.0 ${d}`).join('\n'));
    writeFileSync(path.join(work, 'hosts.conf'), [...peer, `port=${hostsPort}`, `addn-hosts=${path.join(work, 'hosts.txt')}`].join('\n'));

    children.push(startPinned('0', 'dnsmasq', ['--keep-in-foreground', `--conf-file=${path.join(work, 'upstream.conf')}`]));
    const profileDir = path.resolve(import.meta.dirname, 'profiles');
    if (process.env.BENCH_PROFILE === '1') mkdirSync(profileDir, { recursive: true });
    const nodeArgs = [...(process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx',
      import.meta.filename, '--serve-osprey', String(ospreyPort), path.join(work, 'domains.txt'), `127.0.0.2:${upPort}`];
    const servers = [
      { name: 'osprey', port: ospreyPort, child: startPinned('1', process.execPath, nodeArgs) },
      { name: 'dnsmasq', port: addressPort, child: startPinned('1', 'dnsmasq', ['--keep-in-foreground', `--conf-file=${path.join(work, 'address.conf')}`]) },
      ...(forwarding ? [] : [{ name: 'dnsmasq_hosts', port: hostsPort, child: startPinned('1', 'dnsmasq', ['--keep-in-foreground', `--conf-file=${path.join(work, 'hosts.conf')}`]) }]),
    ];
    children.push(...servers.map((s) => s.child));
    const listed = new Set(blocked);
    const sampleAllowed = queries.find((q) => !isBlocked(q, listed))!;
    for (const server of servers) await checkAnswers(server.name, server.port, server.child, blocked[blocked.length >> 1], sampleAllowed);
    if (!forwarding) {
      // the floor: a Node UDP server that only echoes each query back — what any Node resolver pays per datagram
      const floor = { name: 'node_floor', port: floorPort, child: startPinned('1', process.execPath, ['-e', FLOOR_SERVER, String(floorPort)]) };
      children.push(floor.child);
      servers.push(floor);
    }
    await new Promise((r) => setTimeout(r, 300));

    // --forwarding: a file of names never asked before for every turn (more than a turn can send), deleted after it
    const allowedHosts = [...new Set(queries.filter((q) => !isBlocked(q, listed)))];
    let turn = 0;
    const queryFile = (count: number): string => {
      if (!forwarding) return path.join(work, 'queries.txt');
      const file = path.join(work, `forward-${++turn}.txt`);
      writeFileSync(file, Array.from({ length: count }, (_, i) => `f${turn}-${i}.${allowedHosts[i % allowedHosts.length]} A`).join('\n'));
      return file;
    };
    const forwardLines = (s: number) => s * 40_000;

    const results = new Map<string, { qps: number[]; cpu: number[]; lost: number[] }>(servers.map((server) => [server.name, { qps: [], cpu: [], lost: [] }]));
    for (const server of servers) { // warm the caches (and the JIT)
      const file = queryFile(forwardLines(smoke ? 1 : 3));
      dnsperf(server.port, file, smoke ? 1 : 3);
      if (forwarding) rmSync(file);
    }
    for (let round = 0; round < rounds; round++) {
      for (const server of servers) {
        const file = queryFile(forwardLines(seconds));
        const cpuBefore = cpuSeconds(server.child.pid!);
        const started = process.hrtime.bigint();
        const run = dnsperf(server.port, file, seconds);
        if (forwarding) rmSync(file);
        const wall = Number(process.hrtime.bigint() - started) / 1e9;
        const cpu = (cpuSeconds(server.child.pid!) - cpuBefore) / wall * 100;
        const result = results.get(server.name)!;
        result.qps.push(run.qps);
        result.cpu.push(cpu);
        result.lost.push(run.lost);
        if (verbose) console.error(`round ${round + 1} ${server.name}: ${Math.round(run.qps)} q/s, server CPU ${cpu.toFixed(0)}%, lost ${run.lost}, ${run.codes}`);
      }
    }
    const m = (name: string, key: 'qps' | 'cpu' | 'lost') => median(results.get(name)![key]);
    const osprey = m('osprey', 'qps');
    if (forwarding) {
      // CPU per query from each turn's own CPU share and rate, then the median over the rounds
      const perQuery = (name: string) => median(results.get(name)!.cpu.map((cpu, i) => cpu / 100 / results.get(name)!.qps[i] * 1e6));
      console.log(`dns-forwarding: osprey_qps=${Math.round(osprey)} dnsmasq_qps=${Math.round(m('dnsmasq', 'qps'))} ratio=${(osprey / m('dnsmasq', 'qps')).toFixed(2)}`
        + ` osprey_cpu=${m('osprey', 'cpu').toFixed(0)}% dnsmasq_cpu=${m('dnsmasq', 'cpu').toFixed(0)}%`
        + ` osprey_us_per_query=${perQuery('osprey').toFixed(1)} dnsmasq_us_per_query=${perQuery('dnsmasq').toFixed(1)}`
        + ` lost=${m('osprey', 'lost')}/${m('dnsmasq', 'lost')} seconds=${seconds} rounds=${rounds}`);
      return;
    }
    console.log(`dns: osprey_qps=${Math.round(osprey)} dnsmasq_qps=${Math.round(m('dnsmasq', 'qps'))} ratio=${(osprey / m('dnsmasq', 'qps')).toFixed(2)}`
      + ` dnsmasq_hosts_qps=${Math.round(m('dnsmasq_hosts', 'qps'))} ratio_vs_hosts=${(osprey / m('dnsmasq_hosts', 'qps')).toFixed(2)}`
      + ` osprey_cpu=${m('osprey', 'cpu').toFixed(0)}% dnsmasq_cpu=${m('dnsmasq', 'cpu').toFixed(0)}% dnsmasq_hosts_cpu=${m('dnsmasq_hosts', 'cpu').toFixed(0)}%`
      + ` node_floor_qps=${Math.round(m('node_floor', 'qps'))} osprey_vs_floor=${(osprey / m('node_floor', 'qps')).toFixed(2)}`
      + ` lost=${m('osprey', 'lost')}/${m('dnsmasq', 'lost')}/${m('dnsmasq_hosts', 'lost')} domains=${blocked.length} seconds=${seconds} rounds=${rounds}`);
  } finally {
    stopAll();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(work, { recursive: true, force: true });
  }
}

/** dnsperf and dnsmasq from Debian; `dnsmasq-base` is the binary without the system service (which would take port 53). */
function ensureTools(): boolean {
  const have = () => ['dnsperf', 'dnsmasq', 'taskset'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
  if (have()) return true;
  if (process.getuid?.() !== 0) return false;
  console.error('bench:dns: installing dnsperf and dnsmasq-base with apt-get …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'dnsperf', 'dnsmasq-base'], { stdio: 'ignore', env }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    install();
  }
  return have();
}

/** N listed domains spread evenly over the whole list (every category), IP literals left out. */
function readBlockedDomains(count: number): string[] {
  const lines = gunzipSync(readFileSync(path.join(DATA, 'combined-domains.tsv.gz'))).toString('utf8').split('\n');
  const unique = [...new Set(lines.slice(1).map((line) => line.split('\t')[0]?.trim().toLowerCase() ?? '')
    .filter((d) => /^[a-z0-9_.-]+$/.test(d) && d.includes('.') && isIP(d) === 0))];
  const step = Math.max(1, Math.floor(unique.length / count));
  return unique.filter((_, i) => i % step === 0).slice(0, count);
}

/** Listed itself or under a listed domain (what both resolvers block). */
function isBlocked(name: string, blocked: Set<string>): boolean {
  for (let rest = name; ; rest = rest.slice(rest.indexOf('.') + 1)) {
    if (blocked.has(rest)) return true;
    if (!rest.includes('.')) return false;
  }
}

/** ~30% blocked (a quarter of those as www.<listed>), ~70% allowed hosts from sitelist.txt, shuffled reproducibly. */
function buildQueries(blocked: string[], total: number): string[] {
  const listed = new Set(blocked);
  const hosts = [...new Set(readFileSync(path.join(DATA, 'sitelist.txt'), 'utf8').split('\n').map((u) => {
    try { return new URL(u.trim()).hostname.toLowerCase(); } catch { return ''; }
  }))].filter((h) => h !== '' && isIP(h) === 0 && !isBlocked(h, listed));
  let seed = 2026;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const queries: string[] = [];
  for (let i = 0; i < total; i++) {
    if (random() < 0.3) {
      const domain = blocked[Math.floor(random() * blocked.length)];
      queries.push(random() < 0.25 ? `www.${domain}` : domain);
    } else {
      queries.push(hosts[Math.floor(random() * hosts.length)]);
    }
  }
  return queries;
}

function startPinned(core: string, command: string, args: string[]): ChildProcess {
  const child = spawn('taskset', ['-c', core, command, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (error) => console.error(`bench:dns: could not start ${command}: ${error.message}`));
  return child;
}

/** Waits until a server answers, then checks that it blocks and resolves as configured (or the bench is void). */
async function checkAnswers(name: string, port: number, child: ChildProcess, blockedName: string, allowedName: string): Promise<void> {
  const deadline = Date.now() + 300_000; // dnsmasq reads a million address= lines slowly
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench:dns: ${name} stopped (exit code ${child.exitCode}) before answering`);
    const blocked = await askA(port, blockedName);
    if (blocked !== null) {
      const allowed = await askA(port, allowedName);
      if (blocked !== '0.0.0.0' || allowed !== '127.0.0.1') {
        throw new Error(`bench:dns: ${name} answered ${blockedName} → ${blocked} and ${allowedName} → ${allowed}; expected 0.0.0.0 and 127.0.0.1`);
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`bench:dns: ${name} did not start within five minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function askA(port: number, name: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => { socket.close(); resolve(null); }, 500);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      const answer = dnsPacket.decode(msg).answers?.find((a) => a.type === 'A') as { data?: string } | undefined;
      resolve(answer?.data ?? 'none');
    });
    socket.send(dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
  });
}

function dnsperf(port: number, file: string, seconds: number): { qps: number; lost: number; codes: string } {
  const output = execFileSync('taskset', ['-c', '0', 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', file,
    '-l', String(seconds), '-q', '100', '-t', '2'], { encoding: 'utf8' });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(output)?.[1]);
  if (!(qps > 0)) throw new Error(`bench:dns: could not read dnsperf's output:\n${output}`);
  return { qps, lost: Number(/Queries lost:\s+(\d+)/.exec(output)?.[1] ?? 0), codes: /Response codes:\s+(.*)/.exec(output)?.[1] ?? '' };
}

/** User + system CPU time of a process so far, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Ports free for both UDP and TCP (dnsmasq and Osprey listen on both), held until all are found. */
async function freePorts(count: number): Promise<number[]> {
  const held: Array<() => void> = [];
  const ports: number[] = [];
  while (ports.length < count) {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    const tcp = createServer();
    const free = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    held.push(() => { udp.close(); if (free) tcp.close(); });
    if (free) ports.push(port);
  }
  for (const release of held) release();
  return ports;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

/** The child process: Osprey's resolver over a snapshot blocking the same domains, for a pupil on 127.0.0.1. */
async function serveOsprey(port: string, domainsFile: string, upstream: string): Promise<void> {
  const { compileSnapshot } = await import('../src/filtering/engine/index.ts');
  const { startDnsResolver } = await import('../src/filtering/dns/index.ts');
  const domains = readFileSync(domainsFile, 'utf8').split('\n').filter((d) => d !== '');
  const policy = (id: string, groupIds: string[]) => ({ id, name: id, priority: 10, groupIds, defaultAction: 'allow' as const,
    categoryActions: { [BLOCKED_CATEGORY]: 'block' as const }, schedules: [], localBlock: [], localAllow: [], exceptions: [], safeSearch: true });
  const snapshot = compileSnapshot({
    categories: [{ id: BLOCKED_CATEGORY, name: 'Blocked (bench)', description: 'the bench list', illegal: false }],
    lists: [{ sourceId: 'bench', categoryId: BLOCKED_CATEGORY, domains, urls: [], expressions: [] }],
    policies: [policy('pupils', ['pupils']), policy('unidentified', [])], unidentifiedPolicyId: 'unidentified', timeZone: 'Europe/London',
  });
  let events = 0;
  const identity = { schoolId: 'bench', groupIds: ['pupils'], source: 'ip-range' as const };
  const resolver = await startDnsResolver({
    host: '127.0.0.1', port: Number(port), upstreams: [upstream], blockAnswer: 'block-page', blockPageIPv4: '0.0.0.0',
    blockPageIPv6: '::', cacheSize: 100_000,
    // events are counted, not stored: the activity pipeline's own cost is bench:ingest's to measure
    view: { snapshotFor: () => snapshot, identify: () => identity, activity: { emit: () => { events++; } }, node: 'bench' },
  });
  process.on('SIGTERM', async () => {
    if (process.env.BENCH_VERBOSE === '1') console.error(`osprey: ${JSON.stringify({ ...resolver.stats(), events })}`);
    await resolver.close();
    process.exit(0);
  });
}

/**
 * The load for --flood, in a child process of its own: argv port, blocked name, allowed name, flood size. Prints one
 * JSON line: the flood's answers and duration, and each bystander question's latency (null when lost).
 */
function floodClient(): string {
  return `const dgram = require('node:dgram');
const [port, blocked, allowed, total] = [Number(process.argv[1]), process.argv[2], process.argv[3], Number(process.argv[4])];
const ask = (name, id) => {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
};
const flood = dgram.createSocket('udp4');
let sent = 0, answered = 0, gaveUp = 0, progress = Date.now();
const started = process.hrtime.bigint();
let finished = null;
const pump = () => { while (sent < total && sent - answered - gaveUp < 100) flood.send(ask(blocked, sent++ & 0xffff), port, '127.0.0.1'); };
flood.on('message', () => { answered++; progress = Date.now(); pump(); });
const latencies = [];
const asking = new Set();
const bystander = setInterval(() => {
  const socket = dgram.createSocket('udp4');
  const id = Math.floor(Math.random() * 65536);
  const t0 = process.hrtime.bigint();
  const entry = { socket, timer: null };
  asking.add(entry);
  const done = (ms) => { clearTimeout(entry.timer); asking.delete(entry); socket.close(); latencies.push(ms); };
  entry.timer = setTimeout(() => done(null), 2000);
  socket.on('message', (m) => { if (m.readUInt16BE(0) === id) done(Number(process.hrtime.bigint() - t0) / 1e6); });
  socket.bind(0, '127.0.0.6', () => socket.send(ask(allowed, id), port, '127.0.0.1'));
}, 100);
const watch = setInterval(() => {
  if (answered + gaveUp >= total || Date.now() - progress > 2000) {
    if (answered + gaveUp < total && sent < total) { gaveUp = sent - answered; progress = Date.now(); pump(); return; }
    if (finished === null) finished = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(bystander);
    if (asking.size > 0) return;
    clearInterval(watch);
    flood.close();
    console.log(JSON.stringify({ sent, answered, seconds: finished, latencies }));
  }
}, 50);
flood.bind(0, '127.0.0.5', pump);`;
}

async function floodScenario(total: number): Promise<void> {
  const { loadConfig } = await import('../src/config.ts');
  const { openConfiguredDatabase, startServer } = await import('../src/app/server.ts');
  const { ensureSchool } = await import('../src/platform/setup.ts');
  const { createPolicy } = await import('../src/filtering/policy/service.ts');
  const { sql } = await import('kysely');
  const blocked = 'arcade.blocked-games.example';
  const allowed = 'www.kestrel-learning.org';
  const work = mkdtempSync(path.join(tmpdir(), 'osprey-bench-dns-flood-'));
  // the upstream: every allowed question gets 192.0.2.20 for an hour
  const upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, from) => {
    const questionEnd = msg.indexOf(0, 12) + 5;
    const reply = Buffer.concat([msg.subarray(0, questionEnd), Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 20])]);
    reply[2] = 0x81; reply[3] = 0x80; reply[6] = 0; reply[7] = 1; reply[10] = 0; reply[11] = 0;
    upstream.send(reply.subarray(0, questionEnd + 16), from.port, from.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  // PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL): a scratch database of the bench's own, dropped at the end
  const server0 = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  if (server0) {
    const { default: pg } = await import('pg');
    const name = `osprey_bench_dns_${Math.random().toString(16).slice(2, 12)}`;
    const admin = new pg.Client({ connectionString: server0 });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(server0);
    url.pathname = `/${name}`;
    scratch = { url: url.toString(), async drop() { await admin.query(`drop database if exists ${name} with (force)`); await admin.end(); } };
  }
  const env = { OSPREY_DATA_DIR: work, ...(scratch ? { DATABASE_URL: scratch.url } : {}) };
  const config = loadConfig(env, {
    logLevel: 'silent', httpHost: '127.0.0.1', httpPort: 0, frontEnds: 'dns', filterHost: '127.0.0.1', dnsPort: 0,
    dnsUpstreams: `127.0.0.1:${upstream.address().port}`,
  });
  const handle = await openConfiguredDatabase(config).catch(async (error: unknown) => { await scratch?.drop(); throw error; });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let handleOpen = true;
  try {
    // a fresh school with two laptops known by address
    const school = await ensureSchool(handle.db, 'Bench Academy', new Date());
    const group = await handle.db.insertInto('groups').values({ id: crypto.randomUUID(), school_id: school.id, kind: 'custom', name: 'Bench laptops', created_at: new Date() })
      .returning('id').executeTakeFirstOrThrow();
    await createPolicy({ db: handle.db, clock: { now: () => new Date() }, actor: { id: null, label: 'bench', schoolId: school.id } }, `bench-${Date.now()}`, {
      name: 'Bench laptops', description: 'Everything but the game site', priority: 60, defaultAction: 'allow', safeSearch: false,
      categoryActions: {}, schedules: [], localAllow: [], targets: [group.id],
      localBlock: [{ id: 'no-arcade', kind: 'domain', value: 'blocked-games.example', note: 'bench' }],
    }, 'bench:dns flood scenario');
    for (const ip of ['127.0.0.5', '127.0.0.6']) {
      await handle.db.insertInto('ip_ranges').values({
        id: crypto.randomUUID(), school_id: school.id, cidr: `${ip}/32`, name: `BENCH-${ip}`, kind: 'device', group_ids: JSON.stringify([group.id]),
        note: '', created_at: new Date(), updated_at: new Date(),
      }).execute();
    }
    // then the composition `osprey serve` runs: the database, the activity log and monitoring in the store thread,
    // the resolver on the main thread
    await handle.close();
    handleOpen = false;
    server = await startServer(config);
    const port = (await server.filteringStarted).dnsPort;
    if (port === undefined) throw new Error('bench:dns: the DNS resolver did not start');
    const child = spawn(process.execPath, ['-e', floodClient(), String(port), blocked, allowed, String(total)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`bench:dns: the flood client stopped with exit code ${code}`);
    const result = JSON.parse(out) as { sent: number; answered: number; seconds: number; latencies: Array<number | null> };
    if (!(await server.activity.drain(300_000))) throw new Error('bench:dns: the activity log did not catch up within five minutes');
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'activity'`.execute(server.handle.db);
    const counted = columns.rows.map((c) => c.column_name).find((c) => /^(count|repeats|attempts|hits)$/.test(c));
    const stored = Number((await (counted
      ? sql<{ n: string }>`select coalesce(sum(${sql.ref(counted)}), 0) as n from activity where ip = '127.0.0.5'::inet and host = ${blocked} and action = 'block' and school_id = ${school.id}`
      : sql<{ n: string }>`select count(*) as n from activity where ip = '127.0.0.5'::inet and host = ${blocked} and action = 'block' and school_id = ${school.id}`
    ).execute(server.handle.db)).rows[0].n);
    const answeredLatencies = result.latencies.filter((l): l is number => l !== null).sort((a, b) => a - b);
    const lost = result.latencies.length - answeredLatencies.length;
    const p99 = answeredLatencies.length > 0 ? answeredLatencies[Math.min(answeredLatencies.length - 1, Math.ceil(answeredLatencies.length * 0.99) - 1)] : NaN;
    if (result.sent !== total || !(result.answered > 0) || result.latencies.length === 0 || !Number.isFinite(p99)) {
      throw new Error(`bench:dns: the flood scenario is void: ${JSON.stringify({ ...result, latencies: result.latencies.length })}`);
    }
    if (stored < result.answered || stored > result.sent) {
      throw new Error(`bench:dns: ${stored} blocked attempts stored, but ${result.answered} were answered of ${result.sent} sent`);
    }
    const [load] = readFileSync('/proc/loadavg', 'utf8').split(' ');
    console.log(`dns-flood: flood_queries=${total} flood_answered=${result.answered} flood_seconds=${result.seconds.toFixed(1)}`
      + ` bystander_asked=${result.latencies.length} bystander_lost=${lost} bystander_p99_ms=${p99.toFixed(1)}`
      + ` stored_blocks=${stored} database=${handle.kind} load=${load}`);
  } finally {
    await server?.close();
    if (handleOpen) await handle.close();
    await scratch?.drop();
    upstream.close();
    rmSync(work, { recursive: true, force: true });
  }
}
