import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListSourceError, detectPathFormat, readListSource, type ListSource } from './read.js';
import { describeProblem } from './formats/types.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/lists/', import.meta.url));
const blocklists = fileURLToPath(new URL('../../../../shared/data/blocklists/', import.meta.url));
const ut1 = path.join(blocklists, 'ut1');

/** Entries in a list file counted the simple way (non-blank lines that are not comments), to check the parser against. */
function linesWithEntries(file: string): number {
  return readFileSync(file, 'latin1').split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#')).length;
}

function listFor(source: ListSource, categoryId: string) {
  const list = source.lists.find((l) => l.categoryId === categoryId);
  assert.ok(list, `a ${categoryId} list in ${JSON.stringify(source.lists.map((l) => l.categoryId))}`);
  return list;
}

test("a school imports UT1's gambling list and gets every domain in it under Gambling, less one public suffix", async () => {
  const folder = path.join(ut1, 'gambling');
  const source = await readListSource(folder, { vendor: 'ut1' });

  const gambling = listFor(source, 'gambling');
  const inFile = linesWithEntries(path.join(folder, 'domains'));
  assert.ok(inFile > 30_000, `UT1 lists over 30,000 gambling domains (${inFile})`);
  assert.equal(gambling.domains.length + source.counts.duplicates + source.counts.problems, inFile);
  assert.equal(gambling.urls.length, linesWithEntries(path.join(folder, 'urls')));
  assert.equal(gambling.sourceId, 'ut1');
  // UT1 lists Brazil's licensed-betting suffix itself; Osprey will not take a whole public suffix from a list.
  assert.ok(!gambling.domains.includes('bet.br'));
  assert.ok(source.problems.every((p) => /is a public suffix: it would block every site under it$/.test(p.reason)),
    source.problems.map(describeProblem).join('\n'));
  assert.equal(source.attribution?.licence, 'CC BY-SA 4.0; lists derived from UT1 keep its notice');
});

test('importing the whole UT1 tree maps every folder, reads each alias once and leaves out what only suits Toulouse', async () => {
  // How fast this is belongs to `npm run bench:engine` (compile_ms), not to a test on a shared machine.
  const source = await readListSource(ut1, { vendor: 'ut1' });

  assert.equal(source.format, 'squidguard');
  assert.deepEqual(source.aliases.find((a) => a.name === 'porn'), { name: 'porn', aliasOf: 'adult' });
  assert.ok(!source.sources.some((s) => s.name === 'porn'), 'the alias is not read a second time');
  assert.ok(source.ignored.includes('global_usage') && source.ignored.includes('adult/usage'));
  assert.ok(source.ignored.includes('adult/very_restrictive_expression'), 'the optional over-blocking patterns stay out');

  const skipped = source.sources.filter((s) => s.categoryId === null).map((s) => s.name);
  assert.deepEqual(skipped.sort(), [
    'examen_pix', 'exceptions_liste_bu', 'liste_blanche', 'liste_bu', 'reaffected', 'special', 'strict_redirector',
    'strong_redirector', 'tricheur_pix',
  ]);
  assert.equal(source.problems.filter((p) => p.line === 0).length, 0, 'no folder is left unmapped');

  // Each folder read is accounted for line by line against the files themselves.
  for (const list of source.sources.filter((s) => s.categoryId !== null)) {
    const files = readdirSync(list.path).filter((name) => ['domains', 'urls', 'expressions'].includes(name));
    const expected = files.reduce((sum, name) => sum + linesWithEntries(path.join(list.path, name)), 0);
    const { domains, urls, expressions, duplicates, problems } = list.counts;
    assert.equal(domains + urls + expressions + duplicates + problems, expected, list.name);
  }
  // Several UT1 folders feed one Osprey category, without duplicates.
  const proxies = listFor(source, 'proxies');
  assert.equal(new Set(proxies.domains).size, proxies.domains.length);
  assert.ok(proxies.domains.length >= linesWithEntries(path.join(ut1, 'redirector', 'domains')));
  assert.ok(listFor(source, 'hate-speech').domains.length > 300, "'agressif' is French for aggressive: hate sites");
  assert.equal(listFor(source, 'pornography').domains.length, 0, "the shared copy leaves out UT1's adult domains");
  assert.ok(listFor(source, 'malware').expressions.length >= 1);
});

test("ShadowWhisperer's adult list fills the gap in UT1, refusing entries that are whole cities' public suffixes", async () => {
  const file = path.join(blocklists, 'shadowwhisperer', 'Adult');
  const source = await readListSource(file, { vendor: 'shadowwhisperer' });

  assert.equal(source.format, 'domains');
  const porn = listFor(source, 'pornography');
  assert.ok(porn.domains.length > 200_000);
  assert.equal(porn.domains.length + source.counts.problems + source.counts.duplicates, linesWithEntries(file));
  assert.ok(source.problems.some((p) => p.reason === "'bologna.it' is a public suffix: it would block every site under it"));
});

test("The Block List Project's drugs list gives exactly the number of entries its own header promises", async () => {
  const file = path.join(blocklists, 'blocklistproject', 'drugs.txt');
  const header = /# Entries: ([\d,]+)/.exec(readFileSync(file, 'utf8'))?.[1];
  assert.ok(header, 'the list states its size');
  const progress: Array<[number, number]> = [];
  const source = await readListSource(file, { vendor: 'blocklistproject', onProgress: (read, total) => progress.push([read, total]) });

  assert.equal(listFor(source, 'drugs').domains.length, Number(header.replace(/,/g, '')));
  assert.ok(source.counts.comments > 5, 'the header is comments');
  assert.deepEqual(source.problems, []);
  // The progress bar starts at nothing, only moves forward, and ends at the file's size.
  const size = statSync(file).size;
  assert.deepEqual(progress[0], [0, size]);
  assert.deepEqual(progress.at(-1), [size, size]);
  assert.ok(progress.every(([read], i) => i === 0 || read >= (progress[i - 1]?.[0] ?? 0)));
});

test('a UT1-style tree with an alias file, a pattern that could hang the filter and a category nobody has mapped', async () => {
  const source = await readListSource(path.join(fixtures, 'ut1-mini'), { vendor: 'ut1' });

  assert.deepEqual(listFor(source, 'gambling').domains, ['bet.example', 'casino.example', 'poker.example']);
  assert.deepEqual(listFor(source, 'gambling').urls, ['news.example/sport/betting/', 'odds.example/Football']);
  assert.deepEqual(listFor(source, 'hate-speech').expressions, ['(hatred|racist)-forum']);
  assert.deepEqual(source.aliases, [{ name: 'aggressive', aliasOf: 'agressif' }]);
  assert.deepEqual(source.problems.map(describeProblem), [
    "agressif/expressions line 2: not a pattern Osprey can use: '(a)\\1' (invalid escape sequence: `\\1`)",
    "nouvelle_categorie: not in Osprey's UT1 mapping (src/filtering/lists/mappings/ut1.json), so it was not imported; add it there to import it",
  ]);
  assert.match(source.sources.find((s) => s.name === 'strict_redirector')?.reason ?? '', /would block search/);
  assert.match(source.sources.find((s) => s.name === 'agressif')?.note ?? '', /racist/);
});

test("a school's own file goes into the category it chooses, in the format it is detected to be", async () => {
  const file = path.join(fixtures, 'hosts-windows.txt');
  assert.equal((await detectPathFormat(file)).format, 'hosts');
  assert.equal((await detectPathFormat(path.join(fixtures, 'ut1-mini'))).format, 'squidguard');

  const source = await readListSource(file, { category: 'advertising', sourceId: 'local-ads' });
  assert.equal(source.format, 'hosts');
  assert.deepEqual(source.lists.map((l) => [l.sourceId, l.categoryId, l.domains.length]), [['local-ads', 'advertising', 6]]);

  await assert.rejects(readListSource(file, { category: 'adverts' }),
    (error: unknown) => error instanceof ListSourceError && error.message === "'adverts' is not an Osprey category; did you mean 'advertising'?");
  const unplaced = await readListSource(file);
  assert.deepEqual(unplaced.lists, [], 'nothing is imported without a category');
  assert.deepEqual(unplaced.problems.map(describeProblem), [
    'hosts-windows.txt: not an Osprey category, so it was not imported; choose a category for it, or name the vendor (e.g. UT1) whose category names these are',
  ]);
  await assert.rejects(readListSource(path.join(fixtures, 'no-such-list.txt')), /there is no file or folder at/);
});

test('a 10 MB line is reported and skipped, whether it sits in a list or is the whole file', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'osprey-lists-'));
  try {
    const file = path.join(folder, 'huge-line.txt');
    const out = createWriteStream(file);
    out.write('before.example\n');
    const block = Buffer.alloc(1024 * 1024, 'a');
    for (let i = 0; i < 10; i += 1) if (!out.write(block)) await once(out, 'drain');
    out.end('\nafter.example\n');
    await once(out, 'finish');

    const source = await readListSource(file, { category: 'gambling', format: 'domains' });
    assert.deepEqual(listFor(source, 'gambling').domains, ['before.example', 'after.example']);
    assert.deepEqual(source.problems.map(describeProblem), [
      'huge-line.txt line 2: the line is 10,485,760 bytes long, more than the 4,096 a list line can have; skipped',
    ]);

    // A file that is one enormous line with no newline at all (a minified web page saved as a list).
    const single = path.join(folder, 'one-line.txt');
    const whole = createWriteStream(single);
    for (let i = 0; i < 10; i += 1) if (!whole.write(block)) await once(whole, 'drain');
    whole.end();
    await once(whole, 'finish');
    const lone = await readListSource(single, { category: 'gambling' });
    assert.deepEqual(lone.lists.map((l) => l.domains.length), [0]);
    assert.equal(lone.counts.lines, 1);
    assert.match(describeProblem(lone.problems[0] ?? { file: '', line: 0, reason: '' }), /^one-line\.txt line 1: the line is 10,485,760 bytes long/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
    assert.ok(!existsSync(folder));
  }
});
