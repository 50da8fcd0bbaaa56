/** The normaliser and matcher (R4.2): what a pupil types to hide a phrase is still found; context lowers a score. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileMatcher, type PhraseEntry } from './matcher.ts';
import { normalisePhrase, normaliseText, urlText } from './normalise.ts';
import { readStarterLists } from './importer.ts';

describe('normalising text', () => {
  it('folds case, accents and letters NFKD does not decompose, in several languages', () => {
    assert.equal(normaliseText('CAFÉ Łódź ŵyn Straße'), ' cafe lodz wyn strase ');
    assert.equal(normaliseText('Hunanladdiad'), normaliseText('hunanladdiad'));
  });
  it('reads leetspeak inside words but leaves numbers alone', () => {
    assert.equal(normaliseText('k1ll mys3lf'), ' kil myself ');
    assert.equal(normaliseText('ki11 $uic1de'), ' kil suicide ');
    assert.equal(normaliseText('b@mb'), ' bamb ');
    assert.equal(normaliseText('Year 7 2257'), ' year 7 257 ');
    assert.equal(normaliseText('help!'), ' help ');
  });
  it('collapses repeated letters, joins spelled-out words and reads common abbreviations', () => {
    assert.equal(normaliseText('sooooo sad'), ' so sad ');
    assert.equal(normaliseText('xxxxx'), ' xxx ', 'one letter repeated is not one letter');
    assert.equal(normaliseText('k i l l myself'), ' kil myself ');
    assert.equal(normaliseText('k.i.l.l myself'), ' kil myself ');
    assert.equal(normaliseText('a b is fine'), ' a b is fine ');
    assert.equal(normaliseText('kms'), normaliseText('kill myself'));
    assert.equal(normaliseText('sucide'), normaliseText('suicide'));
    assert.equal(normaliseText("I don't"), ' i do not ');
  });
  it('keeps word boundaries in phrases and reads URLs as words', () => {
    assert.equal(normalisePhrase(' bomb '), ' bomb ');
    assert.equal(normalisePhrase('anarchist'), 'anarchist');
    assert.equal(normalisePhrase('&&'), null);
    assert.equal(normaliseText(urlText('https://www.google.co.uk/search?q=how+to+k%31ll+myself')), ' www gogle co uk search q how to kil myself ');
  });
});

describe('matching phrases', () => {
  const entries: PhraseEntry[] = [
    { category: 'self_harm', parts: [' kill myself '], weight: 80 },
    { category: 'self_harm', parts: ['suicide'], weight: 30 },
    { category: 'weapons', parts: [' bomb ', ' make'], weight: 60 },
    { category: 'good', parts: [' suicide prevention '], weight: -50 },
    { category: 'self_harm', parts: [' kill myself '], weight: 40 },
  ];
  const m = compileMatcher(entries);

  it('finds a disguised phrase and scores it once however often it appears', () => {
    const r = m.score(['how to K I L L my$elf', 'kms kms']);
    assert.deepEqual(r.scores, { self_harm: 80 });
    assert.equal(r.matches.length, 1);
    assert.equal(m.phrases, 4, 'the same phrase twice in one category counts once, at its larger weight');
  });
  it('counts a combination only when every part is there, and respects word boundaries', () => {
    assert.deepEqual(m.score(['how to make a b0mb']).scores, { weapons: 60 });
    assert.deepEqual(m.score(['bomb disposal']).scores, {});
    assert.deepEqual(m.score(['make bombay duck']).scores, {});
  });
  it('lowers the score in an educational context', () => {
    const r = m.score(['suicide prevention charity']);
    assert.equal(r.scores.self_harm, -20);
    assert.ok(r.matches.some((x) => x.category === 'good'));
  });
  it("ships starter lists for every risk, in more than one language, that find a pupil's search", () => {
    const reports = readStarterLists();
    for (const r of reports) assert.deepEqual(r.problems, [], `${r.phrases[0]?.file}: no bad lines`);
    const starter = compileMatcher(reports.flatMap((r) => r.phrases));
    assert.ok(starter.phrases > 150);
    assert.ok(starter.score(['how to kill myself'])!.scores.self_harm! >= 50);
    assert.ok(starter.score(['eisiau marw'])!.scores.self_harm! >= 50, 'Welsh');
    assert.ok(starter.score(['chcę umrzeć'])!.scores.self_harm! >= 50, 'Polish');
    assert.ok(starter.score(['Je veux me suicider'])!.scores.self_harm! >= 50, 'French');
    assert.ok(starter.score(['join i$i$ now'])!.scores.extremism! >= 50);
    assert.ok((starter.score(['childline suicide advice']).scores.self_harm ?? 0) < 50, 'support context lowers the score');
  });
});
