/**
 * The `osprey` command. Every sub-command answers --help. Errors say what went wrong and what to do, and the exit
 * code is not 0.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { DataFolderBusyError } from './platform/data-lock.ts';
import { ConfigError, frontEndsOf, loadConfig, publicUrlOf, SETTINGS, shownSetting, type Config } from './config.ts';
import { startFilterNode } from './app/filter-node.ts';
import { addFilterNode, listFilterNodes, removeFilterNode } from './filternode/tokens.ts';
import { loadDemoSchool } from './directory/demo-load.ts';
import { LISTS_HELP, runListsCommand } from './filtering/sources/cli.ts';
import { PHRASES_HELP, runPhrasesCommand } from './monitoring/cli.ts';
import { runWhy, WHY_HELP } from './filtering/why-cli.ts';
import { CONSENT_HELP, runConsentCommand } from './agreements/consent-cli.ts';
import { runImportSquidGuard, runSquidHelper, SQUIDGUARD_HELP } from './filtering/squidguard/cli.ts';
import { importPeople, type ImportOutcome } from './directory/service.ts';
import { verifyAuditChain } from './platform/audit.ts';
import { resetMfa, setTemporaryPassword, unlockAccount } from './platform/auth/service.ts';
import { loadOrCreateKey, secretBox } from './platform/secrets.ts';
import { findPersonByUsername, peopleDirectory } from './directory/index.ts';
import { temporaryPassword } from './platform/auth/passwords.ts';
import { systemClock } from './platform/context.ts';
import { openConfiguredDatabase, startServer } from './app/server.ts';
import { createAdministrator, defaultSchool } from './platform/setup.ts';
import { AppError } from './platform/errors.ts';
import { coreIncidentAccess } from './incidents/evidence-access.ts';
import { formatRetentionRuns, RETENTION_HELP, runRetentionReview } from './incidents/retention-job.ts';

const out = (s = '') => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

const GENERAL_HELP = `Osprey — online safety for schools: filtering, monitoring, incidents, agreements and reports.

Usage: osprey <command> [options]

Commands:
  serve                 Start Osprey: web interface, API, web proxy and DNS resolver. --demo loads the demo school.
  demo                  Load the demo school (about 1,200 pupils, 120 staff and their parents; invented names).
  admin create          Create an administrator account from the command line.
  import people FILE    Import people from a CSV file or a OneRoster 1.1 folder; --dry-run shows the changes first.
  lists                 Show the block-list sources and their status.
  lists import PATH|URL Import a categorised block list (squidGuard/UT1, hosts, plain domains or adblock format).
  lists update          Fetch the web lists that are due.
  phrases               Show the monitoring phrase categories and how many phrases each holds.
  phrases import FILE   Import a monitoring phrase list (--category, --format e2guardian|plain|lexicon, --dry-run).
  why --url URL         Explain what the filter does with a web address, and why (--batch for JSON lines).
  import squidguard F   Turn a squidGuard configuration into Osprey list sources and policies (--dry-run first).
  consent check         May this pupil's photo be used for this? (--pupil NAME --use website); exit 0 yes, 1 no.
  squid-helper          Answer an existing Squid as squidGuard does (URL-rewrite helper on stdin/stdout).
  filter-node           Run the web proxy and DNS resolver on another machine, from this server's policies
                        (--control-plane URL --token-file FILE); "filter-node add --name NAME" makes its token.
  audit verify          Check that nobody has altered or removed entries in the audit log (--head to check the end).
  account ACTION        On the server itself: give a temporary password, unlock, or reset two-step verification
                        for any account (--username NAME), e.g. the DSL's, which nobody in the web interface may do.
  incidents retention   List the incident records due for retention review (--due); nothing is deleted.
  migrate               Bring the database up to date (serve does this by itself at start).
  settings              List every setting, its environment variable and its default.

Run "osprey <command> --help" for the options of a command.
Settings come from environment variables (e.g. OSPREY_HTTP_PORT, DATABASE_URL) or <data folder>/osprey.json.`;

const ACCOUNT_HELP = `Usage: osprey account temporary-password|unlock|reset-two-step --username NAME

Acts on one person's account from the Osprey server itself. In the web interface nobody may act on the account of
a person whose roles carry rights they do not hold themselves — so nobody there can reset the password or two-step
verification of the Designated Safeguarding Lead. Whoever runs commands on the server already holds the database
and its secret, so these commands can; each is recorded in the audit log as the command line, and the person is
told by e-mail when Osprey has their address.

Actions:
  temporary-password   Give a temporary password (printed once) that must be changed at the next log-in.
  unlock               Unlock an account locked after too many wrong passwords.
  reset-two-step       Remove two-step verification (a lost phone); they set it up again at their next log-in.

Options:
  --username NAME      The person's log-on name.
  --help               Show this help.`;

const HELP: Record<string, string> = {
  ...LISTS_HELP,
  ...PHRASES_HELP,
  ...SQUIDGUARD_HELP,
  why: WHY_HELP,
  consent: CONSENT_HELP,
  'incidents retention': RETENTION_HELP,
  serve: `Usage: osprey serve [--demo]

Starts Osprey: the web interface and API on OSPREY_HTTP_PORT (default 8080), the filtering web proxy on
OSPREY_PROXY_PORT (default 3128; browsers find it through <address>/proxy.pac) and the filtering DNS resolver on
OSPREY_DNS_PORT (default 5353). Every decision is recorded in the activity log. The database is brought up to date
first. On first start it prints a one-time set-up link for the first administrator; filtering starts once the
school has been set up. OSPREY_FRONT_ENDS=none runs the web interface only.

Options:
  --demo     Load the demo school before starting (if it is not loaded already).
  --help     Show this help.`,
  demo: `Usage: osprey demo

Loads a realistic demo school with invented names: about 1,200 pupils from Nursery to Year 11 in classes, about
120 staff holding every role (one named DSL, Online Safety Lead, Online Safety Governor and network manager),
governors, and parents linked to their children. Running it again changes nothing. If there is no administrator
yet, it creates one called "admin" and prints a temporary password.`,
  'admin create': `Usage: osprey admin create --username NAME --first-name NAME --last-name NAME [--email ADDRESS] [--school NAME]

Creates an administrator with a temporary password, printed once, that must be changed at first log-on.
Use it instead of the set-up link, or to add the second administrator every school should have.

Options:
  --username     Log-on name (letters, digits, dots, dashes).
  --first-name   First name.
  --last-name    Last name.
  --email        E-mail address (optional).
  --school       School name, used only when no school has been set up yet.`,
  'import people': `Usage: osprey import people FILE... [--dry-run] [--skip-invalid] [--format csv|oneroster] [--keep-leavers]

Imports people from the school's information system. FILE is either one CSV file in Osprey's format
(columns: id, username, first_name, last_name, email, roles, year, classes, teams, children) or a OneRoster 1.1
CSV folder or its files (orgs.csv, users.csv, classes.csv, enrollments.csv).
People are matched on their id; changed details are updated; people who are no longer in the file are marked as
leavers (never deleted).

Options:
  --dry-run        Show what would be added, changed and marked as leavers, and change nothing.
  --skip-invalid   Import the good rows and list the rows skipped. Without it, one bad row stops the whole import.
  --format         csv or oneroster (detected when left out).
  --keep-leavers   Do not mark people missing from the file as leavers (for a partial file).`,
  'filter-node': `Usage: osprey filter-node --control-plane URL (--token-file FILE | --token TOKEN)

Runs Osprey's web proxy and DNS resolver on this machine, for another site or for more capacity, deciding with
the policies of the Osprey server at URL (the control plane). It needs no database: it pulls the filter from the
control plane whenever it changes (within a second) and sends it the activity log. If the control plane cannot be
reached, filtering goes on with the last filter it had (also after a restart), and activity is kept on this
machine's disk until the control plane takes it again. Nothing is lost.

First, on the Osprey server, run "osprey filter-node add --name NAME" and copy the token it prints into a file
on this machine that only Osprey can read (chmod 600). The ports and other settings are the same as for serve:
OSPREY_PROXY_PORT, OSPREY_DNS_PORT, OSPREY_DNS_UPSTREAMS, OSPREY_FRONT_ENDS, OSPREY_DATA_DIR (which holds the
spool and the last filter).

Options:
  --control-plane URL   The Osprey server's address, e.g. https://osprey.school.example
  --token-file FILE     A file holding the token (preferred: a token on the command line is visible to others).
  --token TOKEN         The token itself.`,
  'filter-node add': `Usage: osprey filter-node add --name NAME

Adds a filter node and prints its token, once. Give the token to "osprey filter-node" on the node's machine.`,
  'filter-node list': `Usage: osprey filter-node list

Lists the filter nodes, when each was last in touch, and from which address.`,
  'filter-node remove': `Usage: osprey filter-node remove --name NAME

Removes a filter node: its token stops working at once. Its activity already sent stays in the log.`,
  'account temporary-password': ACCOUNT_HELP,
  'account unlock': ACCOUNT_HELP,
  'account reset-two-step': ACCOUNT_HELP,
  account: ACCOUNT_HELP,
  'audit verify': `Usage: osprey audit verify [--head NUMBER:HASH]

Walks the whole audit log and checks each entry's hash, its link to the entry before and its key mark (made with
this installation's secret, so entries rewritten by someone with the database alone are found). Prints the first
entry that has been altered or removed, and exits with code 1 if there is one.

When the log is intact it prints its last entry as NUMBER:HASH. Keep that line somewhere other than this server.

Options:
  --head NUMBER:HASH   Also check that this entry (from an earlier run) is still in the log, unchanged, so that
                       entries cut off the end are noticed.
  --help               Show this help.`,
  migrate: `Usage: osprey migrate

Applies any database changes the installed version needs. "osprey serve" does this at start; use this command to
do it ahead of time, e.g. during an upgrade window.`,
  settings: `Usage: osprey settings

Lists every setting, its environment variable, its default and its current value.`,
};

function wantsHelp(args: string[]) {
  return args.includes('--help') || args.includes('-h');
}

async function withDatabase<T>(config: Config, fn: (h: Awaited<ReturnType<typeof openConfiguredDatabase>>) => Promise<T>): Promise<T> {
  const handle = await openConfiguredDatabase(config);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

const CLI_ACTOR = (command: string) => ({ id: null, label: `command line (${command})`, ip: null });

function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  let last = -1;
  let lastQuarter = -1;
  return (done: number, total: number) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    const bar = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% (${done}/${total})`;
    if (tty) process.stderr.write(`\r${bar}${pct === 100 ? '\n' : ''}`);
    else if (Math.floor(pct / 25) > lastQuarter) { lastQuarter = Math.floor(pct / 25); process.stderr.write(bar + '\n'); }
  };
}

function readImportFiles(paths: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const p of paths) {
    if (!existsSync(p)) throw new AppError(2, 'missing_file', `There is no file or folder at ${p}. Check the path and try again.`);
    const entries = statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.toLowerCase().endsWith('.csv')).map((f) => path.join(p, f)) : [p];
    for (const f of entries) files[path.basename(f)] = readFileSync(f, 'utf8');
  }
  if (Object.keys(files).length === 0) throw new AppError(2, 'missing_file', 'No CSV files were found. Give a CSV file or a OneRoster folder.');
  return files;
}

function printOutcome(o: ImportOutcome, dryRun: boolean) {
  const { plan } = o;
  out(`Format: ${o.format === 'csv' ? 'Osprey CSV' : 'OneRoster 1.1 CSV'}`);
  if (plan.problems.length) {
    out(`\n${plan.problems.length} row${plan.problems.length === 1 ? ' has a problem' : 's have problems'}:`);
    for (const p of plan.problems) out(`  ${p.file}:${p.line}: ${p.message}`);
  }
  const list = <T>(title: string, items: T[], fmt: (t: T) => string, max = 20) => {
    out(`\n${title}: ${items.length}`);
    for (const i of items.slice(0, max)) out(`  ${fmt(i)}`);
    if (items.length > max) out(`  … and ${items.length - max} more`);
  };
  list('To add', plan.added, (a) => `+ ${a.name} (${a.username}; ${a.roles.join(', ')})`);
  list('To change', plan.changed, (c) => `~ ${c.name} (${c.username}): ${c.changes.map((x) => `${x.field} '${x.from}' → '${x.to}'`).join('; ')}`);
  list('To mark as leavers', plan.leavers, (l) => `- ${l.name} (${l.username})`);
  if (plan.leaversNote) out(`  (${plan.leaversNote})`);
  out(`\nUnchanged: ${plan.unchanged}`);
  if (dryRun) out('\nDry run: nothing has been changed. Run again without --dry-run to apply.');
  else if (o.applied) out(`\nDone: ${o.applied.added} added, ${o.applied.changed} changed, ${o.applied.leavers} marked as leavers${o.applied.skipped ? `, ${o.applied.skipped} rows skipped` : ''}.`);
  else out('\nNothing was imported because some rows have problems. Fix them and import again, or use --skip-invalid to import the good rows only.');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') { out(GENERAL_HELP); return 0; }
  const grouped = ['admin', 'import', 'audit', 'incidents', 'account'].includes(command) || (command === 'lists' && ['import', 'update'].includes(rest[0] ?? '')) || (command === 'phrases' && rest[0] === 'import')
    || (command === 'filter-node' && ['add', 'list', 'remove'].includes(rest[0] ?? ''));
  const sub = grouped ? `${command} ${rest[0] ?? ''}`.trim() : command;
  const args = grouped ? rest.slice(1) : rest;
  if (!(sub in HELP)) {
    err(`Unknown command "osprey ${sub}". Run "osprey --help" to see the commands.`);
    return 2;
  }
  if (wantsHelp(args)) { out(HELP[sub]); return 0; }

  if (sub === 'settings') {
    const config = loadConfig();
    for (const s of SETTINGS) {
      const v = config[s.key];
      out(`${s.env.padEnd(36)} ${shownSetting(s, v).padEnd(28)} ${s.description} Default: ${s.default ?? 'not set'}.`);
    }
    return 0;
  }

  if (sub === 'squid-helper') {
    // Squid starts helpers itself and talks over stdin/stdout; no database or settings are needed.
    return runSquidHelper(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  }

  const config = loadConfig();

  if (sub === 'serve') {
    const { values } = parseArgs({ args, options: { demo: { type: 'boolean', default: false } } });
    if (values.demo) await withDatabase(config, (h) => runDemo(h.db));
    // A stop asked for while Osprey is still starting is honoured as soon as it has started (which is quick: the
    // activity replay runs in the background), and within ten seconds in any case.
    let stopAsked = false;
    const stopWhileStarting = () => {
      if (stopAsked) return;
      stopAsked = true;
      setTimeout(() => { err('Osprey did not finish starting within ten seconds of being asked to stop; stopping now. Anything recorded is kept in the spool.'); process.exit(1); }, 10_000).unref();
    };
    process.on('SIGINT', stopWhileStarting);
    process.on('SIGTERM', stopWhileStarting);
    const server = await startServer(config);
    process.off('SIGINT', stopWhileStarting);
    process.off('SIGTERM', stopWhileStarting);
    if (stopAsked) { await server.close(); process.exit(0); }
    out(`Osprey is running at ${server.url}`);
    out(`Database: ${server.handle.kind === 'embedded' ? `embedded, in ${server.handle.location}` : `PostgreSQL server at ${server.handle.location}`}`);
    if (server.setupUrl) {
      out('\nNo administrator has been set up yet. Open this one-time link to set up the first administrator:');
      out(`  ${server.setupUrl}`);
      out('(or stop Osprey and run "npm run osprey -- admin create --help")');
    } else {
      out(`Log in at ${server.url}/login`);
    }
    const filtering = (fe: NonNullable<ReturnType<typeof server.frontEnds>>) => {
      if (fe.proxyPort !== undefined) out(`Web proxy: port ${fe.proxyPort} (browsers can use ${server.url}/proxy.pac)`);
      if (fe.dnsPort !== undefined) out(`DNS resolver: port ${fe.dnsPort}`);
      if (fe.dnsProblem) out(`Note: ${fe.dnsProblem}`);
    };
    const wanted = frontEndsOf(config);
    if (server.frontEnds()) filtering(server.frontEnds()!);
    else if (wanted.proxy || wanted.dns) {
      out('Filtering starts once the school has been set up.');
      void server.filteringStarted.then(filtering);
    }
    const stop = async () => { await server.close(); process.exit(0); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }

  if (sub === 'filter-node') {
    const { values } = parseArgs({ args, options: { 'control-plane': { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' } } });
    if (!values['control-plane']) { err('Give the Osprey server\'s address with --control-plane, e.g. --control-plane https://osprey.school.example'); return 2; }
    try { new URL(values['control-plane']); } catch { err(`--control-plane '${values['control-plane']}' is not a web address — write it like https://osprey.school.example`); return 2; }
    let token = values.token;
    if (values['token-file']) {
      try { token = readFileSync(values['token-file'], 'utf8').trim(); } catch (e) { err(`The token file ${values['token-file']} cannot be read (${(e as NodeJS.ErrnoException).code}).`); return 2; }
    }
    if (!token) { err('Give the node\'s token with --token-file FILE (or --token). On the Osprey server, "osprey filter-node add --name NAME" makes one.'); return 2; }
    const log = pino({ level: config.logLevel });
    const node = await startFilterNode({ controlPlane: values['control-plane'], token, config, log });
    out(`Osprey filter node "${node.name}" is running, with the filter of ${values['control-plane']}${node.connected() ? '' : ' (not reachable now: filtering with the last filter it sent)'}`);
    if (node.proxyPort !== undefined) out(`Web proxy: port ${node.proxyPort}`);
    if (node.dnsPort !== undefined) out(`DNS resolver: port ${node.dnsPort}`);
    const stop = async () => { await node.close(); process.exit(0); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }

  if (sub === 'filter-node add' || sub === 'filter-node list' || sub === 'filter-node remove') {
    const { values } = parseArgs({ args, options: { name: { type: 'string' } } });
    if (sub !== 'filter-node list' && !values.name) { err(`Give the node's name with --name, e.g. osprey ${sub} --name "Sixth form block"`); return 2; }
    return withDatabase(config, async (h) => {
      const school = await defaultSchool(h.db);
      if (!school) throw new AppError(2, 'no_school', 'Osprey has not been set up yet. Start it with "npm start" and follow the set-up link first.');
      const actor = { ...CLI_ACTOR(sub), schoolId: school.id };
      if (sub === 'filter-node add') {
        const { node, token } = await addFilterNode(h.db, actor, values.name!, systemClock.now());
        out(`Filter node "${node.name}" added. Its token (shown only now; keep it secret):`);
        out(`  ${token}`);
        out('On the node\'s machine, save it in a file only Osprey can read, then run:');
        out(`  osprey filter-node --control-plane ${publicUrlOf(config)} --token-file /path/to/token`);
      } else if (sub === 'filter-node remove') {
        await removeFilterNode(h.db, actor, values.name!, systemClock.now());
        out(`Filter node "${values.name}" removed; its token no longer works.`);
      } else {
        const nodes = await listFilterNodes(h.db, school.id);
        if (nodes.length === 0) out('No filter nodes. "osprey filter-node add --name NAME" adds one.');
        for (const n of nodes) out(`${n.name.padEnd(30)} ${n.lastSeenAt ? `last in touch ${n.lastSeenAt.toISOString()} from ${n.lastSeenIp}` : 'never in touch yet'}`);
      }
      return 0;
    });
  }

  if (sub === 'migrate') {
    await withDatabase(config, async () => {});
    out('The database is up to date.');
    return 0;
  }

  if (sub === 'demo') {
    await withDatabase(config, (h) => runDemo(h.db));
    return 0;
  }

  if (sub.startsWith('account')) {
    const action = sub.slice('account'.length).trim();
    if (!['temporary-password', 'unlock', 'reset-two-step'].includes(action)) { err('Say what to do: osprey account temporary-password|unlock|reset-two-step --username NAME. Run "osprey account --help" for more.'); return 2; }
    const { values } = parseArgs({ args, options: { username: { type: 'string' } } });
    if (!values.username) { err(`Missing --username. For example: osprey account ${action} --username j.smith`); return 2; }
    return withDatabase(config, async (h) => {
      const person = await findPersonByUsername(h.db, values.username!);
      if (!person) { err(`There is nobody with the username "${values.username}". Check the spelling (osprey is not case-sensitive about usernames).`); return 1; }
      const deps = { db: h.db, clock: systemClock, config, secrets: secretBox(loadOrCreateKey(config.dataDir)), people: peopleDirectory };
      const actor = { ...CLI_ACTOR(`account ${action}`), schoolId: person.schoolId };
      const name = `${person.givenName} ${person.familyName} (${person.username})`;
      if (action === 'temporary-password') {
        if (person.status !== 'active') { err(`${name} is not active (${person.status}). Mark them as active in the web interface first.`); return 1; }
        out(`Temporary password for ${name}: ${await setTemporaryPassword(deps, actor, person)}`);
        out(`It works for ${config.temporaryPasswordHours} hours; they must choose a new password when they log in with it.`);
      } else if (action === 'unlock') {
        await unlockAccount(deps, actor, person);
        out(`${name} can log in again.`);
      } else {
        await resetMfa(deps, actor, person);
        out(`Two-step verification removed for ${name}. They will set it up again when they next log in.`);
      }
      return 0;
    });
  }

  if (sub === 'admin create') {
    const { values } = parseArgs({ args, options: { username: { type: 'string' }, 'first-name': { type: 'string' }, 'last-name': { type: 'string' }, email: { type: 'string' }, school: { type: 'string' } } });
    const missing = ['username', 'first-name', 'last-name'].filter((k) => !values[k as keyof typeof values]);
    if (missing.length) { err(`Missing ${missing.map((m) => `--${m}`).join(', ')}. Run "osprey admin create --help" for an example.`); return 2; }
    const password = temporaryPassword();
    await withDatabase(config, (h) => createAdministrator(h.db, systemClock, peopleDirectory, {
      schoolName: values.school ?? 'My school', givenName: values['first-name']!, familyName: values['last-name']!, username: values.username!, email: values.email, password, temporary: true,
    }, CLI_ACTOR('admin create')));
    out(`Administrator "${values.username!.toLowerCase()}" created.`);
    out(`Temporary password: ${password}`);
    out('They must choose a new password when they first log in.');
    return 0;
  }

  if (sub === 'import people') {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false }, 'skip-invalid': { type: 'boolean', default: false }, format: { type: 'string' }, 'keep-leavers': { type: 'boolean', default: false } } });
    if (positionals.length === 0) { err('Give the file or folder to import. Run "osprey import people --help" for the formats.'); return 2; }
    if (values.format && !['csv', 'oneroster'].includes(values.format)) { err(`--format must be csv or oneroster, not '${values.format}'.`); return 2; }
    const files = readImportFiles(positionals);
    const outcome = await withDatabase(config, async (h) => {
      const school = await defaultSchool(h.db);
      if (!school) throw new AppError(2, 'no_school', 'Osprey has not been set up yet. Start it with "npm start" and follow the set-up link, or run "osprey admin create", then import.');
      return importPeople({ db: h.db, clock: systemClock, actor: { ...CLI_ACTOR('import people'), schoolId: school.id }, authority: 'system' }, {
        files, format: values.format as 'csv' | 'oneroster' | undefined, dryRun: values['dry-run'], skipInvalid: values['skip-invalid'],
        markLeavers: !values['keep-leavers'], onProgress: progressBar('Importing'),
      });
    });
    printOutcome(outcome, values['dry-run']);
    return outcome.plan.problems.length && !outcome.applied && !values['dry-run'] ? 1 : outcome.plan.problems.length && values['dry-run'] ? 1 : 0;
  }

  if (sub === 'phrases' || sub === 'phrases import') {
    return withDatabase(config, (h) => runPhrasesCommand(sub, args, { db: h.db, clock: systemClock }, out));
  }

  if (sub === 'lists' || sub.startsWith('lists ')) {
    return withDatabase(config, (h) => runListsCommand(sub, args, { db: h.db, clock: systemClock, dataDir: config.dataDir, listServers: config.listServers }, out));
  }

  if (sub === 'import squidguard') {
    return withDatabase(config, (h) => runImportSquidGuard(args, { db: h.db, clock: systemClock, dataDir: config.dataDir }, out));
  }

  if (sub === 'why') {
    return withDatabase(config, (h) => runWhy(args, { db: h.db, clock: systemClock, dataDir: config.dataDir, timeZone: config.timeZone }, { stdin: process.stdin, out }));
  }

  if (sub === 'consent') {
    // Exit codes 0 (yes) and 1 (no) are the answer, so a failure to answer is 2, never 1.
    try {
      return await withDatabase(config, (h) => runConsentCommand(args, { db: h.db, clock: systemClock, timeZone: config.timeZone }, { out, err }));
    } catch (e) {
      err(e instanceof AppError ? e.message : `The consent could not be checked: ${(e as Error)?.message ?? e}`);
      return 2;
    }
  }

  if (sub === 'incidents retention') {
    const { values } = parseArgs({ args, options: { due: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
    if (!values.due) { err('Add --due to list the incident records due for retention review. Run "osprey incidents retention --help" for more.'); return 2; }
    return withDatabase(config, async (h) => {
      const runs = await runRetentionReview(h.db, coreIncidentAccess(h.db), systemClock, config);
      out(values.json ? JSON.stringify(runs.length === 1 ? runs[0] : runs) : formatRetentionRuns(runs));
      return 0;
    });
  }

  if (sub === 'audit verify') {
    const { values } = parseArgs({ args, options: { head: { type: 'string' } } });
    let expectHead: { seq: number; hash: string } | undefined;
    if (values.head !== undefined) {
      const m = /^(\d+):([0-9a-f]{64})$/i.exec(values.head.trim());
      if (!m) { err('--head takes the entry number and hash that "osprey audit verify" printed last time, as NUMBER:HASH (for example 1234:9f86d0…).'); return 2; }
      expectHead = { seq: Number(m[1]), hash: m[2].toLowerCase() };
    }
    const result = await withDatabase(config, (h) => verifyAuditChain(h.db, { expectHead }));
    if (result.ok) {
      out(`The audit log is intact: ${result.checked} entries checked${expectHead ? `, and entry ${expectHead.seq} is still there as you kept it` : ''}.`);
      if (result.unkeyed) out(`The first ${result.unkeyed} entries were written before the log was keyed with this installation's secret; their chain is checked, their key marks cannot be.`);
      if (result.head) out(`Last entry: ${result.head.seq}:${result.head.hash}\nKeep this line somewhere other than this server (print it, or e-mail it to your Data Protection Officer). Next time, run\n  osprey audit verify --head ${result.head.seq}:${result.head.hash}\nto check that no entries have been cut off the end since.`);
      return 0;
    }
    err(`The audit log has been tampered with: entry ${result.firstBroken!.seq} is broken — ${result.firstBroken!.reason}.`);
    err(`${result.checked} entries before it are intact. Keep a copy of the database as it is and tell your Data Protection Officer.`);
    return 1;
  }
  return 2;
}

async function runDemo(db: Parameters<typeof loadDemoSchool>[0]) {
  const result = await loadDemoSchool(db, systemClock, progressBar('Loading the demo school'));
  out(`Demo school "${result.schoolName}": ${result.pupils} pupils, ${result.staff} staff, ${result.parents} parents and carers, ${result.governors} governors.`);
  if (result.adminPassword) out(`Log in as "admin" with the temporary password: ${result.adminPassword}`);
}

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exitCode = code; }, (e: unknown) => {
  if (e instanceof ConfigError) { err(e.message); process.exitCode = 78; return; }
  // EX_TEMPFAIL: the command can be run once Osprey is stopped
  if (e instanceof DataFolderBusyError) { err(e.message); process.exitCode = 75; return; }
  if (e instanceof AppError) { err(e.message); process.exitCode = e.statusCode < 100 ? e.statusCode : 1; return; }
  if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) { err(`${e.message}. Run the command with --help to see its options.`); process.exitCode = 2; return; }
  err(`Osprey stopped because of an unexpected error: ${(e as Error)?.stack ?? e}`);
  process.exitCode = 1;
});

