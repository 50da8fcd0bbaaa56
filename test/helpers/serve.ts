/**
 * The real `osprey` command in a child process, for tests of the whole server (no-loss, curl and dig): a fresh data
 * folder, and on the PostgreSQL run a scratch database of its own; `serve` started and waited for until its web proxy
 * (and DNS resolver, when asked for) are listening.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../fixtures/proxy/harness.ts';
import { onPostgres, scratchPostgresDatabase } from './database.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');

export interface Served { child: ChildProcess; proxyPort: number; dnsPort?: number; url: string; output(): string }

/** The environment of a test server: this data folder and database only, loopback ports chosen by the system. */
export function ospreyEnv(dataDir: string, databaseUrl: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OSPREY_') && k !== 'DATABASE_URL'));
  return {
    ...env, OSPREY_DATA_DIR: dataDir, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_PROXY_PORT: '0', OSPREY_DNS_PORT: '0',
    OSPREY_FILTER_HOST: '127.0.0.1', OSPREY_FRONT_ENDS: 'proxy', OSPREY_PROXY_WORKERS: '1', OSPREY_LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...extra,
  };
}

/**
 * How `osprey` is started: bin/osprey.js, or (`compiled`: a folder scripts/build-server.js compiled into) that
 * compiled copy, started as bin/osprey.js starts one (the store thread first for `serve`).
 */
export interface Launch { compiled?: string }

function commandLine(args: string[], launch: Launch): string[] {
  if (!launch.compiled) return ['bin/osprey.js', ...args];
  // a file, not node -e: worker threads inherit node's options, and --input-type would stop theirs loading
  const launcher = path.join(launch.compiled, 'launch-for-tests.mjs');
  writeFileSync(launcher, `const args = process.argv.slice(2);
if (args.length === 1 && args[0] === 'serve') (await import('./early-start.mjs')).startStoreEarly();
await import('./cli.mjs');
`);
  return [launcher, ...args];
}

/** Runs an `osprey` command to completion and returns what it printed. */
export function osprey(args: string[], env: NodeJS.ProcessEnv, launch: Launch = {}): string {
  return execFileSync(process.execPath, commandLine(args, launch), { cwd: REPO, env, encoding: 'utf8' });
}

/** A scratch database on the PostgreSQL server for the PostgreSQL run; undefined on the embedded run. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  return onPostgres ? scratchPostgresDatabase(process.env.DATABASE_URL!, prefix) : undefined;
}

export async function serve(env: NodeJS.ProcessEnv, launch: Launch = {}): Promise<Served> {
  const child = spawn(process.execPath, commandLine(['serve'], launch), { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  const wantDns = /dns/.test(String(env.OSPREY_FRONT_ENDS));
  return waitFor('Osprey to start its front-ends', () => {
    if (child.exitCode !== null) throw new Error(`osprey serve stopped during start-up:\n${out}`);
    const proxy = /Web proxy: port (\d+)/.exec(out);
    const dns = /DNS resolver: port (\d+)/.exec(out);
    const url = /Osprey is running at (\S+)/.exec(out);
    if (!proxy || !url || (wantDns && !dns)) return undefined;
    return { child, proxyPort: Number(proxy[1]), dnsPort: dns ? Number(dns[1]) : undefined, url: url[1].replace('//localhost:', '//127.0.0.1:'), output: () => out };
  }, 90_000);
}

export function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
