/**
 * Load and probes for bench/proxy.ts: wrk through a proxy (its failures are errors, never a figure of 0), a /healthz
 * prober, and the checks that a proxy really filters before it is measured.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { cpuSeconds } from '../../test/fixtures/proxy/peers.ts';

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU used by the server under test (and its helpers) per second of wall time: 1 = one core busy. */
  cpu: number;
  errors: string;
}

const toMs = (value: string, unit: string) => Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);

/** Runs wrk (pinned to `core`) with the URL-cycling script in `dir`; throws if wrk fails or reports nothing. */
export function runWrk(o: { dir: string; port: number; seconds: number; connections: number; core: number; serverPid: number }): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const before = cpuSeconds(o.serverPid);
    const started = Date.now();
    const wrk = spawn('taskset', ['-c', String(o.core), 'wrk', '-t2', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', '--timeout', '10s',
      '-s', path.join(o.dir, 'urls.lua'), `http://127.0.0.1:${o.port}/`]);
    let out = '';
    let err = '';
    wrk.stdout.on('data', (d) => { out += d; });
    wrk.stderr.on('data', (d) => { err += d; });
    wrk.on('error', reject);
    wrk.on('exit', (code, signal) => {
      const cpu = (cpuSeconds(o.serverPid) - before) / ((Date.now() - started) / 1000);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const requests = Number(/(\d+) requests in /.exec(out)?.[1]);
      const p50 = /\n\s+50%\s+([\d.]+)(us|ms|s)\b/.exec(out);
      const p99 = /\n\s+99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
      if (code !== 0 || !(rps > 0) || !(requests > 0) || !p50 || !p99) {
        return reject(new Error(`wrk against port ${o.port} failed (exit ${code ?? signal}):\n${out}${err}`));
      }
      resolve({
        rps, requests, p50: toMs(p50[1], p50[2]), p99: toMs(p99[1], p99[2]), cpu,
        errors: [/Socket errors:[^\n]*/.exec(out)?.[0], /Non-2xx[^\n]*/.exec(out)?.[0]].filter(Boolean).join('; '),
      });
    });
  });
}

/** Asks `url` every `everyMs` (never two at once, each on a new connection) until stopped; the latencies in ms. */
export function probeHealthz(url: string, everyMs = 50): { stop(): Promise<{ latencies: number[]; failed: number }> } {
  const latencies: number[] = [];
  let failed = 0;
  let running = true;
  const once = () => new Promise<void>((resolve) => {
    const t0 = performance.now();
    const done = (ok: boolean) => { latencies.push(performance.now() - t0); if (!ok) failed++; resolve(); };
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => done(res.statusCode === 200 && body.includes('ok')));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => done(false));
  });
  const loop = (async () => {
    while (running) {
      const next = performance.now() + everyMs;
      await once();
      const wait = next - performance.now();
      if (wait > 0 && running) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return { stop: async () => { running = false; await loop; return { latencies, failed }; } };
}

/** One request through a proxy; whether nginx (the origin) answered it. */
export function throughProxy(port: number, url: string, agent: http.Agent | false = false): Promise<{ fromOrigin: boolean; status: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, agent, headers: { host: new URL(url).host }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ fromOrigin: Boolean(res.headers['x-origin']), status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from the proxy on port ${port} within 10 s`)));
  });
}

export async function waitForProxy(port: number, probeUrl: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await throughProxy(port, probeUrl).then((r) => r.fromOrigin, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the proxy on port ${port} did not pass ${probeUrl} to the origin within ${ms / 1000} s`);
}

/** Sends the first `n` URLs one by one over a kept-alive connection; counts answers that did not come from nginx. */
export async function blockedShare(port: number, urls: string[], n: number): Promise<{ blocked: number; failed: number; statuses: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let blocked = 0, failed = 0;
  const statuses = new Map<number, number>();
  for (const url of urls.slice(0, n)) {
    try {
      const r = await throughProxy(port, url, agent);
      if (!r.fromOrigin) {
        blocked++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    } catch {
      failed++;
    }
  }
  agent.destroy();
  return { blocked, failed, statuses: [...statuses].map(([status, count]) => `${status}×${count}`).join(' ') };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
