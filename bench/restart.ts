/**
 * Restart with a full spool (issue 18): what a school sees after `kill -9` under load. A data folder is given
 * EVENTS events in its spool that the database never received (1,000,000 by default; --smoke: 30,000), then the real
 * `osprey serve` is started as a child process and timed:
 *   healthz_first_s  until /healthz answers            proxy_first_s  until the web proxy answers a request
 *   dns_first_s      until the DNS resolver answers    replay_s       until the whole backlog is stored
 * and, in a second start on a fresh copy of the backlog, sigterm_exit_s: how long `osprey serve` takes to exit when
 * asked to stop half-way through the replay (the rest stays in the spool). The embedded database by default; a
 * scratch database on the server DATABASE_URL names otherwise.
 *
 *   npm run bench:restart [-- --smoke]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { ActivityEncoder } from '../src/activity/encode.ts';
import { openDatabase } from '../src/platform/db.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const smoke = process.argv.includes('--smoke');
const EVENTS = Number(process.env.EVENTS ?? (smoke ? 30_000 : 1_000_000));
const PER_FILE = 100_000;
const TOKEN = 'bench-restart-metrics-token';

function fail(why: string): never {
  console.error(`bench restart: ${why}`);
  process.exit(1);
}

function env(dataDir: string, databaseUrl?: string): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OSPREY_') && k !== 'DATABASE_URL'));
  return {
    ...base, OSPREY_DATA_DIR: dataDir, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_PROXY_PORT: '0', OSPREY_DNS_PORT: '0',
    OSPREY_FILTER_HOST: '127.0.0.1', OSPREY_FRONT_ENDS: 'proxy,dns', OSPREY_LOG_LEVEL: 'warn', OSPREY_METRICS_TOKEN: TOKEN,
    OSPREY_DNS_UPSTREAMS: '127.0.0.1:9', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
}

/** A data folder with a school, and EVENTS events in its spool. */
async function prepare(databaseUrl?: string): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-restart-'));
  execFileSync(process.execPath, ['bin/osprey.js', 'admin', 'create', '--username', 'head.admin', '--first-name', 'Alex', '--last-name', 'Morgan', '--school', 'Kestrel Primary'],
    { cwd: REPO, env: env(dataDir, databaseUrl), stdio: ['ignore', 'ignore', 'inherit'] });
  const h = await openDatabase({ dataDir, databaseUrl });
  const schoolId = (await h.db.selectFrom('schools').select('id').executeTakeFirstOrThrow()).id;
  await h.close();
  const encoder = new ActivityEncoder('control-plane');
  const spool = path.join(dataDir, 'spool');
  mkdirSync(spool, { recursive: true });
  const start = Date.now() - 3_600_000;
  for (let f = 0; f * PER_FILE < EVENTS; f++) {
    const lines: string[] = [];
    for (let i = f * PER_FILE; i < Math.min(EVENTS, (f + 1) * PER_FILE); i++) {
      lines.push(encoder.encode({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, time: start + Math.floor(i / 300), schoolId, ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
        host: `site${i % 5000}.example.org`, url: `http://site${i % 5000}.example.org/page/${i}`, action: i % 10 === 0 ? 'block' : 'allow',
        reason: i % 10 === 0 ? 'category' : 'default', categoryId: i % 10 === 0 ? 'gambling' : undefined, frontEnd: 'proxy', policyId: 'bench', node: 'control-plane',
      }).line);
    }
    writeFileSync(path.join(spool, `activity-${String(f + 1).padStart(16, '0')}.jsonl`), `${lines.join('\n')}\n`);
  }
  return dataDir;
}

function serve(dataDir: string, databaseUrl?: string): { child: ChildProcess; output(): string; seen(re: RegExp): RegExpExecArray | null } {
  const child = spawn(process.execPath, ['bin/osprey.js', 'serve'], { cwd: REPO, env: env(dataDir, databaseUrl), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  return { child, output: () => out, seen: (re) => re.exec(out) };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs: number, child: ChildProcess, output: () => string): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (child.exitCode !== null) fail(`osprey serve stopped while waiting for ${what}:\n${output()}`);
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) fail(`${what} did not happen within ${limitMs / 1000} s:\n${output().slice(-3000)}`);
    await pause(20);
  }
}

function getStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function viaProxy(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: 'http://blocked-or-not.example.invalid/', headers: { host: 'blocked-or-not.example.invalid' }, timeout: 2000 }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** One DNS question for localhost (answered by the resolver itself); resolves when any answer comes back. */
function dnsAnswers(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const id = Math.floor(Math.random() * 65535);
    const q = Buffer.concat([Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([9, ...Buffer.from('localhost'), 0, 0, 1, 0, 1])]);
    const timer = setTimeout(() => { socket.close(); reject(new Error('no answer')); }, 1000);
    socket.on('message', (m) => { if (m.readUInt16BE(0) === id) { clearTimeout(timer); socket.close(); resolve(true); } });
    socket.send(q, port, '127.0.0.1');
  });
}

async function replayFigures(url: string): Promise<{ total: number; done: number } | undefined> {
  const r = await getStatus(`${url}/metrics`, { authorization: `Bearer ${TOKEN}` });
  if (r.status !== 200) return undefined;
  const figure = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(r.body)?.[1] ?? NaN);
  const total = figure('osprey_activity_replay_bytes');
  const done = figure('osprey_activity_replayed_bytes');
  return Number.isFinite(total) && Number.isFinite(done) ? { total, done } : undefined;
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  if (process.env.DATABASE_URL) {
    const { scratchPostgresDatabase } = await import('../test/helpers/database.ts');
    scratch = await scratchPostgresDatabase(process.env.DATABASE_URL, 'osprey_bench_restart');
  }
  const databaseUrl = scratch?.url;
  const dataDir = await prepare(databaseUrl);
  const spare = `${dataDir}-copy`;
  cpSync(path.join(dataDir, 'spool'), path.join(spare, 'spool'), { recursive: true });
  const cleanup: Array<() => unknown> = [() => rmSync(dataDir, { recursive: true, force: true }), () => rmSync(spare, { recursive: true, force: true })];
  try {
    // 1. A start with the whole backlog: how soon each front door answers, and how long the replay takes.
    const t0 = performance.now();
    const s = serve(dataDir, databaseUrl);
    cleanup.unshift(() => s.child.kill('SIGKILL'));
    const url = await until('the web address', async () => s.seen(/Osprey is running at (\S+)/)?.[1].replace('//localhost:', '//127.0.0.1:'), 60_000, s.child, s.output);
    const healthz = until('/healthz', async () => (await getStatus(`${url}/healthz`)).status === 200 ? (performance.now() - t0) / 1000 : undefined, 60_000, s.child, s.output);
    const proxyPort = Number((await until('the web proxy', async () => s.seen(/Web proxy: port (\d+)/)?.[1], 60_000, s.child, s.output)));
    const proxy = until('a proxy answer', async () => (await viaProxy(proxyPort)) > 0 ? (performance.now() - t0) / 1000 : undefined, 60_000, s.child, s.output);
    const dnsPort = Number((await until('the DNS resolver', async () => s.seen(/DNS resolver: port (\d+)/)?.[1], 60_000, s.child, s.output)));
    const dns = until('a DNS answer', async () => (await dnsAnswers(dnsPort)) ? (performance.now() - t0) / 1000 : undefined, 60_000, s.child, s.output);
    const [healthzS, proxyS, dnsS] = await Promise.all([healthz, proxy, dns]);
    const replayS = await until('the end of the replay', async () => {
      const r = await replayFigures(url);
      return r && r.total > 0 && r.done === r.total ? (performance.now() - t0) / 1000 : undefined;
    }, 1_800_000, s.child, s.output);
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));

    // 2. The same backlog again (a fresh copy, its database already holding every event): SIGTERM half-way.
    cpSync(path.join(spare, 'spool'), path.join(dataDir, 'spool'), { recursive: true });
    const s2 = serve(dataDir, databaseUrl);
    cleanup.unshift(() => s2.child.kill('SIGKILL'));
    const url2 = await until('the web address', async () => s2.seen(/Osprey is running at (\S+)/)?.[1].replace('//localhost:', '//127.0.0.1:'), 60_000, s2.child, s2.output);
    await until('the second replay to be under way', async () => {
      const r = await replayFigures(url2);
      return r && r.total > 0 && r.done > 0 ? r : undefined;
    }, 600_000, s2.child, s2.output);
    const t1 = performance.now();
    s2.child.kill('SIGTERM');
    await new Promise((r) => s2.child.once('exit', r));
    const sigtermS = (performance.now() - t1) / 1000;

    const f = (n: number) => n.toFixed(2);
    console.log(`restart: events=${EVENTS} healthz_first_s=${f(healthzS)} proxy_first_s=${f(proxyS)} dns_first_s=${f(dnsS)} replay_s=${f(replayS)} replay_events_per_s=${Math.round(EVENTS / replayS)} sigterm_exit_s=${f(sigtermS)} database=${databaseUrl ? 'postgres' : 'pglite'} load=${load.toFixed(2)}`);
  } finally {
    for (const c of cleanup) { try { await c(); } catch { /* best effort */ } }
    await scratch?.drop();
  }
}

main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
