/**
 * The importer (R4.2) on the real e2guardian ukenglish lists and the suicide-risk lexicon (read by path, never
 * copied), and on a list with broken encoding and malformed weights: bad lines reported with numbers, the rest kept.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compileMatcher } from './matcher.ts';
import { parsePhraseList, readE2guardianTree, readLexiconFolder } from './importer.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data');
const UKENGLISH = path.join(SHARED, 'keywords/e2guardian-phraselists/ukenglish');
const LEXICON = path.join(SHARED, 'keywords/suicide-risk-lexicon/by-construct');

describe('importing phrase lists', () => {
  it('reads a list with broken encoding and malformed weights: each bad line reported, the rest imported', () => {
    const bytes = Buffer.concat([
      Buffer.from('#listcategory: "test"\n<kill myself><80>\n< self harm ><25\n'),
      Buffer.from([0x3c, 0x63, 0x61, 0x66, 0xc3, 0x28, 0x3e, 0x3c, 0x31, 0x30, 0x3e, 0x0a]), // <caf\xc3(><10>: not UTF-8
      Buffer.from('<café><10>\n< keygens ><25i>\n<a>,<b><40>\n.Include</etc/e2guardian/other>\n<lonely><x>\n<za dużo><2000>\n'),
    ]);
    const r = parsePhraseList(bytes, { category: 'self_harm', format: 'e2guardian' });
    assert.equal(r.encoding, 'utf-8');
    assert.equal(r.listCategory, 'test');
    assert.deepEqual(r.phrases.map((p) => [p.line, p.parts, p.weight]), [[2, ['kill myself'], 80], [5, ['café'], 10], [7, ['a', 'b'], 40]]);
    assert.deepEqual(r.problems.map((p) => [p.line, p.message]), [
      [3, "the weight is not closed with '>'"],
      [4, 'the line is not valid UTF-8 text (broken encoding): save the file as UTF-8 and import it again'],
      [6, "the weight '25i' is not a whole number"],
      [8, 'includes another file: import that file on its own'],
      [9, "the weight 'x' is not a whole number"],
      [10, 'the weight 2000 is too large (at most 1000 either way)'],
    ]);
  });

  it('reads a Latin-1 list as Latin-1, and a list without weights with the default weight', () => {
    const latin1 = Buffer.from('<caf\xe9 noir><20>\n<na\xefve><5>\n', 'latin1');
    const r = parsePhraseList(latin1, { category: 'other', format: 'e2guardian' });
    assert.equal(r.encoding, 'latin-1');
    assert.deepEqual(r.phrases.map((p) => p.parts[0]), ['café noir', 'naïve']);
    const banned = parsePhraseList(Buffer.from('<one>\n<two>,<three>\n'), { category: 'good', format: 'e2guardian' });
    assert.deepEqual(banned.phrases.map((p) => p.weight), [-50, -50]);
    const plain = parsePhraseList(Buffer.from('# mine\nkill myself\n\nend it all\n'), { category: 'self_harm', format: 'plain', defaultWeight: 70 });
    assert.deepEqual(plain.phrases.map((p) => [p.parts[0], p.weight]), [[' kill myself ', 70], [' end it all ', 70]]);
  });

  it('imports every ukenglish list, reporting the few bad lines it has', () => {
    assert.ok(existsSync(UKENGLISH), `the shared data must be beside the repository: ${UKENGLISH} is missing`);
    const reports = readE2guardianTree(UKENGLISH);
    const count = (file: string) => reports.find((r) => r.phrases[0]?.file === file || r.problems[0]?.file === file);
    assert.ok(reports.length >= 22);
    const porn = count('pornography/weighted')!;
    assert.ok(porn.phrases.length > 4900, `pornography/weighted: ${porn.phrases.length}`);
    assert.deepEqual(porn.problems.map((p) => p.line), [244, 782, 2896]);
    assert.deepEqual(count('adult/weighted')!.problems.map((p) => [p.line, p.text]), [[62, '< self harm ><25']]);
    assert.deepEqual(count('warezhacking/weighted')!.problems.map((p) => p.line), [21]);
    const total = reports.reduce((n, r) => n + r.phrases.length, 0);
    const problems = reports.reduce((n, r) => n + r.problems.length, 0);
    assert.ok(total > 6000, `phrases: ${total}`);
    assert.equal(problems, 5);
    const good = reports.filter((r) => r.phrases[0]?.category === 'good');
    assert.ok(good.every((r) => r.phrases.every((p) => p.weight < 0)), 'good phrases lower scores');
  });

  it('maps the suicide-risk lexicon to self-harm, direct language weighing most', () => {
    assert.ok(existsSync(LEXICON), `the shared data must be beside the repository: ${LEXICON} is missing`);
    const reports = readLexiconFolder(LEXICON);
    const phrases = reports.flatMap((r) => r.phrases);
    assert.ok(phrases.length > 2000, `lexicon phrases: ${phrases.length}`);
    assert.ok(phrases.filter((p) => p.category === 'self_harm').length > 1000);
    const m = compileMatcher(phrases);
    assert.ok(m.score(['i want to kill myself']).scores.self_harm! >= 50);
    assert.ok((m.score(['cheap flights to spain']).scores.self_harm ?? 0) === 0);
  });
});
