/**
 * Browser-test helpers: a real Osprey started as a child process (`node bin/osprey.js serve`) on a fresh data folder
 * (and, when DATABASE_URL is set, a fresh database on that PostgreSQL server), Debian's Chromium through
 * playwright-core, and a small API client for arranging data quickly. Nothing is built here: run `npm run build`
 * first (CI does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchPostgresDatabase } from '../helpers/database.ts';
import { enrolTwoStep, mustEnrol, twoStepCode, type MeTwoStep } from '../helpers/two-step.ts';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_50 = path.join(REPO_ROOT, 'test/fixtures/import/people-50.csv');

/** Fails with a clear message when the web UI has not been built. */
export function requireBuiltUi(): void {
  if (!existsSync(path.join(REPO_ROOT, 'ui/dist/index.html'))) {
    throw new Error('The web UI has not been built (ui/dist/index.html is missing): run npm run build first.');
  }
}

export interface OspreyServer {
  /** Where Osprey says it is running, e.g. http://localhost:41234 */
  url: string;
  /** The one-time set-up link it printed (fresh database). */
  setupUrl: string;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

/** Starts `osprey serve` on a free port with a new, empty data folder, and waits for the set-up link. */
export async function startOsprey(opts: { env?: Record<string, string> } = {}): Promise<OspreyServer> {
  requireBuiltUi();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-e2e-'));
  const database = process.env.DATABASE_URL ? await scratchPostgresDatabase(process.env.DATABASE_URL, 'osprey_e2e') : undefined;
  // A developer's own OSPREY_* settings must not leak into the test server.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OSPREY_') && k !== 'DATABASE_URL'));
  Object.assign(env, {
    OSPREY_DATA_DIR: dataDir, OSPREY_HTTP_PORT: '0', OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_LOG_LEVEL: 'warn',
    OSPREY_PROXY_PORT: '0', OSPREY_DNS_PORT: '0', OSPREY_FILTER_HOST: '127.0.0.1', OSPREY_PROXY_WORKERS: '1',
    ...opts.env,
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const child = spawn(process.execPath, ['bin/osprey.js', 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { out += s; });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop().catch(() => undefined);
  };

  try {
    const found = await new Promise<{ url: string; setupUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Osprey did not print its set-up link within 60 s.')), 60_000);
      const look = () => {
        const url = /Osprey is running at (\S+)/.exec(out)?.[1];
        const setupUrl = /(https?:\/\/\S+\/setup\?token=\S+)/.exec(out)?.[1];
        if (url && setupUrl) { clearTimeout(timer); resolve({ url, setupUrl }); }
        else if (url && /Log in at /.test(out)) { clearTimeout(timer); reject(new Error('Osprey did not print a set-up link: the database is not fresh.')); }
      };
      child.stdout!.on('data', look);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`Osprey stopped during start-up (exit code ${code}).`)); });
    });
    return { ...found, output: () => out, stop };
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n--- Osprey's output ---\n${out}`);
  }
}

/** Debian's Chromium, headless; `args` adds switches (e.g. --proxy-pac-url=…). */
export function launchBrowser(args: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.OSPREY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
  });
}

/** The web proxy's port, from what `osprey serve` printed (it starts once the school is set up). */
export async function proxyPortOf(server: OspreyServer, timeoutMs = 30_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = /Web proxy: port (\d+)/.exec(server.output());
    if (m) return Number(m[1]);
    if (Date.now() > until) throw new Error(`Osprey did not start its web proxy within ${timeoutMs / 1000} s:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the page shows this text (visible), or fails naming what the page shows instead. */
export async function see(page: Page, text: string | RegExp, timeout = 15_000): Promise<void> {
  try {
    await page.getByText(text).first().waitFor({ state: 'visible', timeout });
  } catch {
    const body = (await page.locator('body').innerText().catch(() => '')).slice(0, 2000);
    throw new Error(`Expected to see ${String(text)} on ${page.url()}, but the page shows:\n${body}`);
  }
}

/**
 * Types into a search box that offers choices as you type (a person picker), and picks one, as a person would: if
 * the list has not appeared after a few seconds (the field lost focus, or a slow answer was overtaken), they click
 * into the field and type again.
 */
export async function pickOption(page: Page, combobox: string | RegExp, text: string, option: string | RegExp): Promise<void> {
  const field = page.getByRole('combobox', { name: combobox });
  const choice = page.getByRole('option', { name: option });
  for (let attempt = 1; ; attempt++) {
    await field.click();
    await field.fill('');
    await field.pressSequentially(text);
    try {
      await choice.first().waitFor({ state: 'visible', timeout: attempt < 3 ? 5_000 : 15_000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw new Error(`Typed "${text}" into "${String(combobox)}" three times, but "${String(option)}" was never offered: ${(e as Error).message}`);
    }
  }
  await choice.first().click();
}

/**
 * Logs in on the page as a person would: username, password, and — when Osprey asks — the code from their
 * authenticator (set up by an ApiClient log-in first). Waits until the page has left the log-in form.
 */
export async function logInOnPage(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  const code = page.getByLabel(/^Code/);
  const asked = await Promise.race([
    code.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true),
    page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 }).then(() => false),
  ]);
  if (!asked) return;
  const value = twoStepCode(who.username);
  if (!value) throw new Error(`Osprey asked ${who.username} for a two-step code, but the test has not set up their authenticator`);
  await code.fill(value);
  await page.getByRole('button', { name: /Log in|Continue|Check/ }).click();
  await page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 });
}

/** Waits until the address bar shows this path. */
export async function waitForPath(page: Page, pathname: string, timeout = 15_000): Promise<void> {
  await page.waitForURL((u) => u.pathname === pathname, { timeout });
}

/** A minimal API client with its own session cookie, for arranging data without the browser. */
export class ApiClient {
  private cookie = '';
  private csrf = '';
  // Node's fetch may try ::1 for "localhost" first; the server listens on 127.0.0.1.
  constructor(private base: string) { this.base = base.replace('//localhost:', '//127.0.0.1:'); }

  async call<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const res = await fetch(this.base + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const data = await res.json() as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`${method} ${urlPath} answered ${res.status}: ${data.error?.message}`);
    return data;
  }

  /**
   * Logs in, with the code from the person's authenticator when they have set one up here; a person whose role needs
   * two-step verification and has not set it up yet does so now, as Osprey asks them to (issue 11).
   */
  async logIn(username: string, password: string): Promise<void> {
    const code = twoStepCode(username);
    const r = await this.call<{ status: string; me: { csrfToken: string } & MeTwoStep }>('POST', '/api/auth/login', { username, password, ...(code ? { code } : {}) });
    if (r.status !== 'ok') throw new Error(`log-in as ${username} asked for a two-step code the test does not have`);
    this.csrf = r.me.csrfToken;
    if (mustEnrol(r.me)) await enrolTwoStep((m, p, b) => this.call(m, p, b), username, password);
  }

  /**
   * As an administrator: gives a person an account with a password of the test's choosing, the way a school does it
   * (a temporary password, which the person then changes at first log-in). Returns the person's id.
   */
  async givePassword(who: { username: string; password: string }): Promise<string> {
    const found = await this.call<{ people: { id: string; username: string }[] }>('GET', `/api/people?q=${encodeURIComponent(who.username)}`);
    const person = found.people.find((p) => p.username === who.username);
    if (!person) throw new Error(`no person with the username ${who.username}`);
    const { temporaryPassword } = await this.call<{ temporaryPassword: string }>('POST', `/api/people/${person.id}/account/temporary-password`);
    const them = new ApiClient(this.base);
    await them.logIn(who.username, temporaryPassword);
    await them.call('POST', '/api/auth/password', { currentPassword: temporaryPassword, newPassword: who.password });
    return person.id;
  }
}
