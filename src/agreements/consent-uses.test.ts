/** The uses are data people type and read: every key, alias and label finds its use, and nothing else does. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerFor } from './consent-service.ts';
import { CONSENT_USES, findConsentUse } from './consent-uses.ts';

describe('consent uses', () => {
  it('covers the seeds\' list and social media, each with a plain label and description', () => {
    assert.deepEqual(CONSENT_USES.map((u) => u.key), ['website', 'print', 'video', 'learning_platform', 'internal_display', 'external_display', 'press', 'social_media']);
    for (const u of CONSENT_USES) assert.ok(u.label && u.description.endsWith('.'), u.key);
  });

  it('understands what people type on the command line', () => {
    assert.equal(findConsentUse('website')?.key, 'website');
    assert.equal(findConsentUse('Newsletter')?.key, 'print');
    assert.equal(findConsentUse('learning-platform')?.key, 'learning_platform');
    assert.equal(findConsentUse('Social media')?.key, 'social_media');
    assert.equal(findConsentUse('billboard'), undefined);
  });
});

describe('the answer', () => {
  const pupil = { id: 'p1', username: 'aokafor01', givenName: 'Amara', familyName: 'Okafor', yearGroup: 'Year 5', status: 'active' as const };
  const website = CONSENT_USES[0];
  const decision = (d: 'given' | 'withdrawn' | 'refused') => ({
    id: 'd1', seq: 1, pupilId: 'p1', use: 'website', decision: d, parentId: 'a1', parentName: 'Joy Okafor', channel: 'online' as const,
    recordedById: 'a1', recordedByName: 'Joy Okafor', recordedAt: new Date('2026-12-03T09:00:00Z'), formDated: null, formKeptAt: null, note: '',
  });

  it('is no without a record, yes when given, no when withdrawn, and no for a leaver whatever was given', () => {
    assert.equal(answerFor(pupil, website, undefined).reason, 'no_record');
    assert.equal(answerFor(pupil, website, decision('given')).allowed, true);
    assert.equal(answerFor(pupil, website, decision('withdrawn')).summary, 'No: Joy Okafor withdrew consent for school website on 3 December 2026.');
    const leaver = answerFor({ ...pupil, status: 'leaver' }, website, decision('given'));
    assert.deepEqual([leaver.allowed, leaver.reason], [false, 'left_school']);
    assert.equal(answerFor(pupil, website, undefined).reminder, 'Never put a pupil\'s full name beside their image.');
  });
});
