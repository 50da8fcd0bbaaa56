/** `osprey lists …`: list sources from the command line, with a progress bar and file:line problems. */
import { parseArgs } from 'node:util';
import type { AuditActor } from '../../platform/audit.ts';
import type { Clock } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { defaultSchool } from '../../platform/setup.ts';
import { importListSource, listSources, refreshDueSources } from './service.ts';

export const LISTS_HELP = {
  'lists import': `Usage: osprey lists import PATH|URL [--name NAME] [--format FORMAT] [--category ID] [--vendor VENDOR] [--every HOURS] [--reason TEXT]

Imports a categorised block list, or updates it if a list of that name exists (its entries are replaced in one go).
PATH is a list file, a squidGuard category folder (domains, urls, expressions) or a whole UT1-style folder of
categories; URL is an http:// or https:// address of a list file, fetched again on a schedule.
Lines that are not valid entries are listed as file:line: reason and skipped.

Options:
  --name       What to call the list in Osprey (default: the file or folder name).
  --format     auto (default), squidguard, hosts, domains or adblock.
  --category   Osprey category for a single list, e.g. gambling (see the Filtering page for the ids).
  --vendor     ut1, shadowwhisperer or blocklistproject: map that publisher's category names onto Osprey's.
  --every      For web addresses: fetch again every this many hours (default 24).
  --reason     Why the list is being added or changed (kept in the filter change log).`,
  lists: `Usage: osprey lists

Shows every list source: where it comes from, its status, when it was last updated and how many entries it holds
per category.`,
  'lists update': `Usage: osprey lists update

Fetches the web lists that are due (as "serve" does on its own every few minutes) and reports what changed.`,
};

function progressBar(label: string) {
  let last = -1;
  return (done: number, total: number) => {
    const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : 100;
    if (pct === last) return;
    last = pct;
    const bar = `${label} [${'#'.repeat(Math.round(pct * 0.3))}${'-'.repeat(30 - Math.round(pct * 0.3))}] ${String(pct).padStart(3)}%`;
    if (process.stderr.isTTY) process.stderr.write(`\r${bar}${pct === 100 ? '\n' : ''}`);
    else if (pct % 25 === 0) process.stderr.write(bar + '\n');
  };
}

export async function runListsCommand(sub: string, args: string[], deps: { db: Db; clock: Clock; dataDir: string; listServers?: string }, out: (s?: string) => void): Promise<number> {
  const school = await defaultSchool(deps.db);
  if (!school) throw new AppError(2, 'no_school', 'Osprey has not been set up yet. Start it with "npm start" and follow the set-up link, or run "osprey admin create", first.');
  const actor: AuditActor & { schoolId: string } = { id: null, label: `command line (${sub})`, ip: null, schoolId: school.id };

  if (sub === 'lists') {
    const sources = await listSources(deps.db, school.id);
    if (sources.length === 0) out('No list sources yet. Add one with "osprey lists import PATH|URL".');
    for (const s of sources) {
      const total = Object.values(s.entries).reduce((a, b) => a + b, 0);
      out(`${s.name}  (${s.kind === 'url' ? `fetched every ${s.refreshHours} h from ${s.location}` : s.location})`);
      out(`  status: ${s.status}${s.lastError ? ` — ${s.lastError}` : ''}; last updated ${s.lastUpdatedAt ?? 'never'}; ${total} entries; ${s.problemsCount} lines skipped`);
      out(`  ${Object.entries(s.entries).map(([c, n]) => `${c}: ${n}`).join(', ')}`);
    }
    return 0;
  }

  if (sub === 'lists update') {
    const results = await refreshDueSources(deps, () => actor);
    if (results.length === 0) out('No web lists are due for an update.');
    for (const r of results) out(`${r.name}: ${r.ok ? r.message : `not updated — ${r.message}`}`);
    return results.some((r) => !r.ok) ? 1 : 0;
  }

  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { name: { type: 'string' }, format: { type: 'string' }, category: { type: 'string' }, vendor: { type: 'string' }, every: { type: 'string' }, reason: { type: 'string' } },
  });
  if (positionals.length !== 1) { process.stderr.write('Give one file, folder or web address to import. Run "osprey lists import --help" for examples.\n'); return 2; }
  const location = positionals[0];
  const name = values.name ?? (location.replace(/\/+$/, '').split('/').pop() || 'list').replace(/[^A-Za-z0-9 ._-]/g, '-').slice(0, 64);
  const result = await importListSource(deps, actor, {
    name, location, format: values.format, category: values.category, vendor: values.vendor, reason: values.reason,
    refreshHours: values.every === undefined ? undefined : Number(values.every),
  }, progressBar(`Reading ${name}`));
  for (const p of result.problems) out(`${p.file}:${p.line}: ${p.reason}`);
  if (result.problemsCount > result.problems.length) out(`… and ${result.problemsCount - result.problems.length} more lines skipped.`);
  const total = Object.values(result.entries).reduce((a, b) => a + b, 0);
  out(`${result.changed ? 'Imported' : 'Unchanged'}: "${name}" — ${total} entries (${Object.entries(result.entries).map(([c, n]) => `${c} ${n}`).join(', ')}); ${result.problemsCount} lines skipped.`);
  if (result.attribution) out(`Source: ${result.attribution.title} (${result.attribution.licence}).`);
  return 0;
}
