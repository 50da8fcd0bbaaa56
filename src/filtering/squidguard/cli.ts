/**
 * The squidGuard commands: `osprey squid-helper` (a drop-in for squidGuard as Squid's url_rewrite_program) and
 * `osprey import squidguard` (a squidGuard configuration → Osprey list sources and policies). src/cli.ts dispatches
 * here and prints SQUIDGUARD_HELP for --help.
 */
import { parseArgs } from 'node:util';
import type { AuditActor } from '../../platform/audit.ts';
import type { Clock } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { defaultSchool } from '../../platform/setup.ts';
import { compileSnapshot, SnapshotCompileError } from '../engine/index.ts';
import { formatProblem, readSquidGuardConfig, SquidGuardConfigError } from './config.ts';
import { SquidGuardHelper, serveSquidHelper } from './helper.ts';
import { applySquidGuardImport, planSquidGuardImport, type ImportPlan } from './import.ts';
import { loadSquidGuard } from './load.ts';
import { translateSquidGuard } from './translate.ts';

export const SQUIDGUARD_HELP: Record<string, string> = {
  'squid-helper': `Usage: osprey squid-helper --squidguard-config FILE [--modern] [--time-zone ZONE] [--ignore-unsupported]

Answers Squid's URL-rewrite helper requests exactly as squidGuard would with that configuration, using Osprey's
filtering engine. In squid.conf, replace squidGuard with it:

  url_rewrite_program /usr/bin/env node /opt/osprey/bin/osprey.js squid-helper --squidguard-config /etc/squidguard/squidGuard.conf

It reads one request per line ("URL client/fqdn user method", with or without Squid's concurrency channel id first)
and answers each at once: an empty line to let it through, or the block page address from the redirect template.
Problems in the configuration are printed as file:line: reason to standard error (Squid's cache.log).

Options:
  --squidguard-config FILE  The squidGuard configuration (squidGuard.conf). Lists are read from its dbhome.
  --modern                  Answer in Squid 3.4+ syntax: OK, OK rewrite-url="…" or OK status=302 url="…", ERR.
  --time-zone ZONE          Time zone for time blocks, e.g. Europe/London (default: this computer's).
  --ignore-unsupported      Run even if the configuration uses things Osprey cannot do (rewrite rules, LDAP user
                            look-ups, quotas); they are left out. Without it the helper stops and lists them.`,
  'import squidguard': `Usage: osprey import squidguard FILE [--dry-run] [--category DEST=ID]... [--reason TEXT]

Turns a squidGuard configuration into Osprey list sources and filtering policies:
  - each dest becomes a list source, in the Osprey category its name matches (directly, or through the UT1,
    Block List Project or ShadowWhisperer names); give others one with --category DEST=ID;
  - each src with an acl becomes a policy whose category actions come from its pass line ("!dest" blocks, "all"
    allows the rest, "none" blocks the rest); the default acl becomes one too.
Osprey's groups are people, so squidGuard's IP ranges and ident users are printed "to set up in identity" and
recorded in each policy's description; the new policies apply to nobody until then. Every change is audited and
written to the filter change log. Anything that cannot be carried over is listed.

Options:
  --dry-run          Show what would be created and change nothing.
  --category DEST=ID Put dest DEST in Osprey category ID (e.g. --category blacklist=pornography). Repeatable.
  --reason TEXT      Why (kept in the filter change log). Default: "Imported from squidGuard configuration FILE".`,
};

function printProblems(write: (s: string) => void, label: string, problems: Array<{ file: string; line: number; reason: string }>, max = 20): void {
  for (const p of problems.slice(0, max)) write(`${label}${formatProblem(p)}`);
  if (problems.length > max) write(`${label}… and ${problems.length - max} more`);
}

export async function runSquidHelper(
  args: string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const err = (s: string) => { io.stderr.write(`osprey squid-helper: ${s}\n`); };
  if (args.includes('--help') || args.includes('-h')) { io.stdout.write(`${SQUIDGUARD_HELP['squid-helper']}\n`); return 0; }
  let values;
  try {
    ({ values } = parseArgs({ args, options: {
      'squidguard-config': { type: 'string' }, modern: { type: 'boolean', default: false }, 'time-zone': { type: 'string' },
      'ignore-unsupported': { type: 'boolean', default: false },
    } }));
  } catch (e) {
    err(`${(e as Error).message}. Run "osprey squid-helper --help" to see the options.`);
    return 2;
  }
  const file = values['squidguard-config'];
  if (file === undefined) { err('give the squidGuard configuration with --squidguard-config FILE.'); return 2; }
  const timeZone = values['time-zone'] ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try { new Intl.DateTimeFormat('en-GB', { timeZone }); } catch { err(`'${timeZone}' is not a time zone such as Europe/London.`); return 2; }

  let helper: SquidGuardHelper;
  try {
    const loaded = await loadSquidGuard(file);
    const translation = translateSquidGuard(loaded, { timeZone });
    const unsupported = [...loaded.config.unsupported, ...translation.problems];
    printProblems(err, 'note: ', loaded.config.notes);
    if (loaded.listProblemCount > 0) {
      err(`${loaded.listProblemCount} list line${loaded.listProblemCount === 1 ? ' was' : 's were'} skipped because they are not valid entries:`);
      printProblems(err, '  ', loaded.listProblems, 10);
    }
    if (unsupported.length > 0) {
      printProblems(err, values['ignore-unsupported'] ? 'ignored: ' : '', unsupported, 50);
      if (!values['ignore-unsupported']) {
        err('stopped: the configuration uses things Osprey cannot do (above), so it cannot answer as squidGuard would. Change the configuration, or run with --ignore-unsupported to leave them out.');
        return 1;
      }
    }
    if (!loaded.config.redirect && !loaded.config.defaultAcl.redirect) {
      err('note: there is no global or default redirect, so requests blocked by an acl without its own redirect are let through, as squidGuard does.');
    }
    helper = new SquidGuardHelper(translation, compileSnapshot(translation.input), { modern: values.modern });
  } catch (e) {
    if (e instanceof SquidGuardConfigError) { printProblems(err, '', e.problems, 50); err('stopped: fix the configuration above and start again.'); return 1; }
    if (e instanceof SnapshotCompileError) { for (const p of e.problems.slice(0, 20)) err(p.message); err('stopped: the lists could not be compiled.'); return 1; }
    throw e;
  }
  await serveSquidHelper(helper, io.stdin, io.stdout);
  return 0;
}

function printPlan(plan: ImportPlan, out: (s?: string) => void): void {
  out(`squidGuard configuration: ${plan.file}`);
  out(`\nDests → list sources: ${plan.dests.length}`);
  for (const d of plan.dests) {
    if (d.problem !== undefined) { out(`  ! ${d.dest} (line ${d.line}): not imported — ${d.problem}`); continue; }
    const from = d.staged ? `copied from ${d.files.map((f) => f.path).join(', ')} into ${d.location}` : `from ${d.location}`;
    out(`  + ${d.dest} (line ${d.line}) → list source "${d.sourceName}" in category ${d.categoryId} (${d.categoryWhy}); ${d.files.map((f) => f.kind).join(', ')} ${from}`);
  }
  out(`\nsrc and acl → policies: ${plan.policies.length}`);
  for (const p of plan.policies) {
    const actions = Object.entries(p.categoryActions).map(([c, a]) => `${a} ${c} (dest ${p.actionFrom[c]})`);
    out(`  + "${p.name}" (acl '${p.source}', line ${p.line}; priority ${p.priority}): ${actions.length ? `${actions.join(', ')}; ` : ''}everything else: ${p.defaultAction}`);
  }
  out('\nTo set up in identity (Osprey cannot target these yet; each policy\'s description records them):');
  for (const line of plan.identity) out(`  ${line}`);
  if (plan.notImported.length > 0) {
    out(`\nNot imported: ${plan.notImported.length}`);
    for (const p of plan.notImported) out(`  ${formatProblem(p)}`);
  }
}

export async function runImportSquidGuard(args: string[], deps: { db: Db; clock: Clock; dataDir: string }, out: (s?: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false }, category: { type: 'string', multiple: true }, reason: { type: 'string' } },
  });
  if (positionals.length !== 1) { process.stderr.write('Give the squidGuard configuration file to import. Run "osprey import squidguard --help" for the options.\n'); return 2; }
  const categories: Record<string, string> = {};
  for (const pair of values.category ?? []) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) { process.stderr.write(`--category ${pair}: write it as DEST=ID, e.g. --category blacklist=pornography.\n`); return 2; }
    categories[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let plan: ImportPlan;
  try {
    plan = await planSquidGuardImport(await readSquidGuardConfig(positionals[0]), { categories, dataDir: deps.dataDir });
  } catch (e) {
    if (!(e instanceof SquidGuardConfigError)) throw e;
    for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.stderr.write('Nothing was imported: fix the configuration above and try again.\n');
    return 1;
  }
  printPlan(plan, out);
  if (values['dry-run']) { out('\nDry run: nothing has been changed. Run again without --dry-run to import.'); return 0; }

  const school = await defaultSchool(deps.db);
  if (!school) throw new AppError(2, 'no_school', 'Osprey has not been set up yet. Start it with "npm start" and follow the set-up link, or run "osprey admin create", first.');
  const actor: AuditActor & { schoolId: string } = { id: null, label: 'command line (import squidguard)', ip: null, schoolId: school.id };
  const reason = values.reason?.trim() || `Imported from squidGuard configuration ${positionals[0]}`;
  const outcome = await applySquidGuardImport(deps, actor, plan, reason);
  out('\nDone:');
  for (const s of outcome.sources) out(`  list source "${s.name}": ${s.result}${s.entries !== undefined ? ` (${s.entries} entries)` : ''}${s.message ? ` — ${s.message}` : ''}`);
  for (const p of outcome.policies) out(`  policy "${p.name}": ${p.result}`);
  return outcome.sources.some((s) => s.result === 'failed') ? 1 : 0;
}
