/** `osprey phrases …`: the school's monitoring phrase lists from the command line. */
import { statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditActor } from '../platform/audit.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { defaultSchool } from '../platform/setup.ts';
import { readLexiconFolder } from './importer.ts';
import { PHRASE_CATEGORIES } from './matcher.ts';
import { importPhrases, phraseCategories, type ImportResult } from './service.ts';

export const PHRASES_HELP = {
  'phrases import': `Usage: osprey phrases import --category CATEGORY [--format e2guardian|plain|lexicon] [--weight N] [--dry-run] FILE

Adds the phrases in FILE to one of the school's monitoring categories (a phrase already there gets the new weight).
Lines that cannot be read — broken encoding, a weight that is not a number, a bracket not closed — are listed with
their line numbers and skipped; the rest are imported. Files may be UTF-8 or Latin-1.

Options:
  --category  ${PHRASE_CATEGORIES.join(', ')}
  --format    e2guardian (default): <phrase><weight>, <a>,<b><weight> for combinations, # comments.
              plain: one phrase per line, each a whole-word match with the --weight given.
              lexicon: a folder of plain lists, one per construct (the suicide-risk lexicon's by-construct folder);
              each construct goes to its own category and weight, so --category is not needed.
  --weight    The weight for lines without one (plain lists, e2guardian banned lists). Default 50 (good: -50).
  --dry-run   Read the file and report what would be imported, without changing anything.`,
  phrases: `Usage: osprey phrases

Shows each monitoring category and how many phrases the school's lists hold in it.`,
};

export async function runPhrasesCommand(sub: string, args: string[], deps: { db: Db; clock: Clock }, out: (s?: string) => void): Promise<number> {
  const school = await defaultSchool(deps.db);
  if (!school) throw new AppError(2, 'no_school', 'Osprey has not been set up yet. Start it with "npm start" and follow the set-up link, or run "osprey admin create", first.');
  const actor: AuditActor & { schoolId: string } = { id: null, label: `command line (${sub})`, ip: null, schoolId: school.id };
  const ctx = { db: deps.db, clock: deps.clock, actor };

  if (sub === 'phrases') {
    const { categories, total } = await phraseCategories(ctx);
    for (const c of categories) out(`${c.id.padEnd(16)} ${String(c.phrases).padStart(6)}  ${c.name}`);
    out(`${'total'.padEnd(16)} ${String(total).padStart(6)}`);
    return 0;
  }

  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { category: { type: 'string' }, format: { type: 'string', default: 'e2guardian' }, weight: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) { process.stderr.write('Give one file to import. Run "osprey phrases import --help" for the options.\n'); return 2; }
  const file = positionals[0];
  const format = values.format!;
  if (!['e2guardian', 'plain', 'lexicon'].includes(format)) { process.stderr.write(`Unknown format "${format}": use e2guardian, plain or lexicon.\n`); return 2; }
  const weight = values.weight === undefined ? undefined : Number(values.weight);
  if (weight !== undefined && (!Number.isInteger(weight) || Math.abs(weight) > 1000)) { process.stderr.write('--weight must be a whole number between -1000 and 1000.\n'); return 2; }
  const dryRun = values['dry-run']!;
  const print = (label: string, r: ImportResult) => {
    out(`${label}: ${r.read} phrases read (${r.encoding})${dryRun ? ' — dry run, nothing changed' : `; ${r.added} added, ${r.changed} weights changed, ${r.unchanged} already there`}; ${r.problems.length} lines skipped`);
    for (const p of r.problems) out(`  ${p.file ?? label}:${p.line}: ${p.message}${p.text ? `  (${p.text})` : ''}`);
  };

  if (format === 'lexicon') {
    if (!statSync(file).isDirectory()) { process.stderr.write('For --format lexicon give the lexicon\'s by-construct folder.\n'); return 2; }
    for (const report of readLexiconFolder(file)) {
      const first = report.phrases[0];
      if (!first) continue;
      const content = report.phrases.map((p) => `<${p.parts[0]}><${p.weight}>`).join('\n');
      print(`${first.file} → ${first.category}`, await importPhrases(ctx, { category: first.category, format: 'e2guardian', content: '', fileName: first.file, dryRun }, Buffer.from(content)));
    }
    return 0;
  }
  if (!values.category) { process.stderr.write(`Give the category with --category: one of ${PHRASE_CATEGORIES.join(', ')}.\n`); return 2; }
  const result = await importPhrases(ctx, {
    category: values.category, format: format as 'e2guardian' | 'plain', content: '', fileName: path.basename(file), dryRun, defaultWeight: weight,
  }, readFileSync(file));
  print(path.basename(file), result);
  return 0;
}
