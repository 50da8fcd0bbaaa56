#!/usr/bin/env node
// Runs the test suite with Node's test runner. `npm test` uses the embedded database; with DATABASE_URL set (or
// `npm run test:pg`) the same suite runs against a PostgreSQL server, each test file in a database of its own.
// `--e2e` runs the browser tests in test/e2e/ instead; `--security` only the security suite in test/security/ (it is
// part of the whole suite too). Names of test files run only those.
//
// Each file runs in a process of its own, two at a time (one for the browser tests), and is stopped when it takes
// longer than the per-file limit (--file-timeout=SECONDS, or OSPREY_TEST_FILE_TIMEOUT; 10 minutes): a file that
// hangs fails with the names of the tests still running instead of holding up the run. At the end the runner prints
// how many tests passed, failed and were skipped, and names every skipped test with its reason.
//
// For CI: `--no-skips` fails the run when any test was skipped or left as todo, unless its reason matches one of the
// `--allow-skip=REGEX` patterns; `--summary-file=PATH` appends the run's counts to PATH as one line.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name) => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const e2e = args.includes('--e2e');
const security = args.includes('--security');
const noSkips = args.includes('--no-skips');
const allowSkips = option('allow-skip').map((r) => new RegExp(r));
const summaryFile = option('summary-file').at(-1);
const fileTimeoutS = Number(option('file-timeout').at(-1) ?? process.env.OSPREY_TEST_FILE_TIMEOUT ?? 600);
const jobs = Number(option('jobs').at(-1) ?? (e2e ? 1 : 2));
if (!(fileTimeoutS > 0) || !(jobs >= 1)) {
  console.error('--file-timeout and --jobs take a positive number');
  process.exit(2);
}
const env = { ...process.env };
if (args.includes('--pg')) env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
if (process.stdout.isTTY && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = args.filter((a) => !a.startsWith('--'));
const files = only.length ? only : e2e
  ? find('test/e2e')
  : security ? find(path.join('test', 'security'))
  : [...find('src'), ...find('test').filter((f) => !f.startsWith(path.join('test', 'e2e')))];

const where = env.DATABASE_URL ? 'the PostgreSQL server' : 'the embedded database';
const label = `${e2e ? 'Browser tests' : security ? 'Security tests' : 'Tests'} on ${where}`;
console.log(`Running ${files.length} test files on ${where}${e2e ? ' (browser tests)' : ''}, ${jobs} at a time, each stopped after ${duration(fileTimeoutS)}`);

const reporter = fileURLToPath(new URL('./test-events.js', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'osprey-tests-'));
const running = new Set();

function duration(s) {
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  return `${m} min${Math.round(s - m * 60) ? ` ${Math.round(s - m * 60)} s` : ''}`;
}

/** Signals a file's whole process group: the test process and whatever it started. True if anything was there. */
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The processes still in a file's process group, one a line (empty when `ps` cannot say). */
function processesOf(child) {
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '--pgid', String(child.pid)], { encoding: 'utf8' });
  return (ps.stdout ?? '').split('\n').filter((l) => l.trim() && !/\bps -o pid=/.test(l)).map((l) => l.trim().slice(0, 200));
}

function runFile(file, index) {
  const events = path.join(scratch, `${index}.jsonl`);
  const child = spawn(process.execPath, [
    '--import', 'tsx', '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${events}`,
    file,
  ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const started = Date.now();
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s) => { output += s; });
  child.stderr.setEncoding('utf8').on('data', (s) => { output += s; });
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    signalGroup(child, 'SIGTERM');
    setTimeout(() => signalGroup(child, 'SIGKILL'), 5000).unref();
  }, fileTimeoutS * 1000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      // Whatever the file started and left running goes with it (and is named, so that the leak can be fixed).
      const leftOver = !timedOut && signalGroup(child, 0) ? processesOf(child) : undefined;
      if (leftOver !== undefined) signalGroup(child, 'SIGKILL');
      // the output pipes close when the last process holding them has gone
      const finish = () => {
        running.delete(child);
        resolve({ file, code, signal, timedOut, leftOver, output, seconds: (Date.now() - started) / 1000, ...readEvents(file, events) });
      };
      if (child.stdout.readableEnded && child.stderr.readableEnded) return finish();
      const grace = setTimeout(() => { child.stdout.destroy(); child.stderr.destroy(); finish(); }, 2000);
      child.on('close', () => { clearTimeout(grace); finish(); });
    });
  });
}

/** Reads the events that scripts/test-events.js wrote: every test with its outcome, named by its suites. */
function readEvents(file, eventsFile) {
  let lines = [];
  try {
    lines = readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    // no events: the process did not get as far as reporting; the exit code says the rest
  }
  const stack = [];
  const runningStack = [];
  const open = [];
  const r = { passed: 0, failed: [], skipped: [], todo: [], fileFailed: false, open };
  const fileName = path.resolve(file);
  for (const e of lines) {
    if (e.type === 'test:dequeue' || e.type === 'test:complete') {
      if (e.nesting === 0 && e.name === fileName) continue;
      const title = [...runningStack.slice(0, e.nesting), e.name].join(' › ');
      if (e.type === 'test:dequeue') {
        runningStack[e.nesting] = e.name;
        runningStack.length = e.nesting + 1;
        open.push(title);
      } else if (open.lastIndexOf(title) >= 0) open.splice(open.lastIndexOf(title), 1);
      continue;
    }
    const title = [...stack.slice(0, e.nesting), e.name].join(' › ');
    if (e.type === 'test:start') {
      stack[e.nesting] = e.name;
      stack.length = e.nesting + 1;
      continue;
    }
    // Node reports a file that has no tests, or that failed outside any test, as one test named by its path.
    if (e.nesting === 0 && e.name === fileName) {
      if (e.type === 'test:fail') r.fileFailed = true;
      continue;
    }
    if (e.todo !== undefined) r.todo.push({ title, reason: e.todo });
    else if (e.skip !== undefined) r.skipped.push({ title: e.suite ? `${title} (the whole group)` : title, reason: e.skip });
    else if (e.type === 'test:fail') {
      // a suite or test that failed because its subtests did is counted through them
      if (e.failureType !== 'subtestsFailed') r.failed.push({ title, message: e.message ?? '' });
    } else if (!e.suite) r.passed += 1;
  }
  return r;
}

/** What went wrong with a file as a whole, beyond its failed tests; adds it to `failed`. */
function fileProblems(r) {
  const ran = r.passed + r.failed.length + r.skipped.length + r.todo.length;
  if (r.timedOut) {
    // the innermost tests still running (their suites are running too, and are named in the tests' titles)
    const innermost = r.open.filter((t) => !r.open.some((u) => u.startsWith(`${t} › `)));
    const still = innermost.length ? `; still running: ${innermost.join('; ')}` : '';
    r.failed.push({ title: '(the whole file)', message: `stopped after ${duration(fileTimeoutS)}, the limit for one test file${still}` });
  } else if (r.fileFailed || (r.code !== 0 && r.failed.length === 0)) {
    r.failed.push({ title: '(the whole file)', message: `the test process failed outside any test (exit ${r.code ?? r.signal}): see its output above` });
  } else if (ran === 0) {
    r.failed.push({ title: '(the whole file)', message: 'no test ran in this file' });
  }
}

process.on('SIGINT', () => { for (const c of running) signalGroup(c, 'SIGKILL'); process.exit(130); });
process.on('SIGTERM', () => { for (const c of running) signalGroup(c, 'SIGKILL'); process.exit(143); });

const startedAt = Date.now();
const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const index = next++;
    const r = await runFile(files[index], index);
    fileProblems(r);
    results.push(r);
    const counts = [`${r.passed} passed`, `${r.failed.length} failed`, `${r.skipped.length} skipped`, ...(r.todo.length ? [`${r.todo.length} todo`] : [])];
    process.stdout.write(`\n${r.output.replace(/\n*$/, '\n')}`);
    if (r.leftOver?.length) process.stdout.write(`note: ${r.file} left processes running when it ended; they were stopped:\n${r.leftOver.map((l) => `  ${l}\n`).join('')}`);
    console.log(`${r.failed.length ? 'FAIL' : 'PASS'} ${r.file}: ${counts.join(', ')} (${duration(r.seconds)})`);
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
rmSync(scratch, { recursive: true, force: true });

const total = (key) => results.reduce((n, r) => n + (key === 'passed' ? r.passed : r[key].length), 0);
const passed = total('passed');
const failed = results.flatMap((r) => r.failed.map((f) => ({ ...f, file: r.file })));
const skipped = results.flatMap((r) => [...r.skipped.map((s) => ({ ...s, todo: false, file: r.file })), ...r.todo.map((s) => ({ ...s, todo: true, file: r.file }))]);
const allowed = (s) => allowSkips.some((re) => re.test(s.reason));
const refused = noSkips ? skipped.filter((s) => !allowed(s)) : [];

console.log(`\n── ${label}: ${passed} passed, ${failed.length} failed, ${total('skipped')} skipped${total('todo') ? `, ${total('todo')} todo` : ''} in ${results.length} files (${duration((Date.now() - startedAt) / 1000)})`);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
console.log(`Slowest files: ${slowest.map((r) => `${r.file} ${duration(r.seconds)}`).join(', ')}`);
if (skipped.length) {
  console.log(`Skipped (${skipped.length}):`);
  for (const s of skipped) {
    const mark = !noSkips ? '' : allowed(s) ? '  [allowed]' : '  [NOT ALLOWED]';
    console.log(`  ${s.file}: ${s.title}${s.todo ? ' (todo)' : ''}: ${s.reason || 'no reason given'}${mark}`);
  }
}
if (failed.length) {
  console.log(`Failed (${failed.length}):`);
  for (const f of failed) console.log(`  ${f.file}: ${f.title}${f.message ? `\n      ${f.message.replaceAll('\n', '\n      ')}` : ''}`);
}
if (refused.length) {
  console.log(`\n${refused.length} test(s) skipped that this run must run. Install what they need (.ci/run installs the programs the tests use) or fix the test; a skip is accepted only when its reason matches an allowed pattern (--allow-skip).`);
}
if (summaryFile) {
  const skips = `${total('skipped')} skipped${total('todo') ? `, ${total('todo')} todo` : ''}${noSkips ? ` (${skipped.length - refused.length} allowed)` : ''}`;
  appendFileSync(summaryFile, `${label}: ${passed} passed, ${failed.length} failed, ${skips} in ${results.length} files, ${duration((Date.now() - startedAt) / 1000)}\n`);
}
process.exit(failed.length || refused.length ? 1 : 0);
