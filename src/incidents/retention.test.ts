import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentFacts } from './evidence-types.ts';
import { defaultBasis, scheduleOf } from './retention.ts';

const settings = { retirementAge: 67, incidentRetentionYears: 6 };
const incident = (over: Partial<IncidentFacts> = {}): IncidentFacts => ({
  id: 'i1', schoolId: 's1', reference: 'INC-2026-0001', category: 'bullying', categoryLabel: 'Bullying', confidentiality: 'general',
  status: 'open', closed: false, occurredAt: new Date('2026-03-10T10:00:00Z'), reportedAt: new Date('2026-03-10T11:00:00Z'), closedAt: null,
  involved: [], ...over,
});
const set = (basis: 'child_protection' | 'staff_allegation' | 'general', dateOfBirth: string | null) => ({ basis, dateOfBirth, reason: '', setBy: 'dsl', setAt: new Date() });

test('a child-protection record is kept until the pupil is 25, and says so when the date of birth is missing', () => {
  const cp = incident({ confidentiality: 'restricted', involved: [{ kind: 'pupil', part: 'victim', personId: null, name: 'A pupil' }] });
  assert.equal(defaultBasis(cp), 'child_protection');
  const withDob = scheduleOf(cp, set('child_protection', '2013-09-02'), undefined, settings);
  assert.equal(withDob.reviewFrom, '2038-09-02');
  assert.match(withDob.explanation, /2013-09-02\) \+ 25 years/);
  const without = scheduleOf(cp, undefined, undefined, settings);
  assert.equal(without.reviewFrom, null);
  assert.equal(without.missing, 'the pupil\'s date of birth');
  assert.equal(without.basisSource, 'default');
});

test('an allegation against staff is kept until retirement age or 10 years, whichever is later', () => {
  const allegation = incident({ involved: [{ kind: 'staff', part: 'instigator', personId: null, name: 'A teacher' }] });
  assert.equal(defaultBasis(allegation), 'staff_allegation');
  // Born 1990: retirement at 67 (2057) is later than 10 years (2036).
  assert.equal(scheduleOf(allegation, set('staff_allegation', '1990-01-15'), undefined, settings).reviewFrom, '2057-01-15');
  // Born 1962: retirement (2029) is earlier than 10 years from the allegation (2036).
  const older = scheduleOf(allegation, set('staff_allegation', '1962-06-30'), undefined, settings);
  assert.equal(older.reviewFrom, '2036-03-10');
  assert.match(older.explanation, /10 years from the allegation/);
  // A school whose staff retire at 68.
  assert.equal(scheduleOf(allegation, set('staff_allegation', '1990-01-15'), undefined, { ...settings, retirementAge: 68 }).reviewFrom, '2058-01-15');
  const noDob = scheduleOf(allegation, undefined, undefined, settings);
  assert.equal(noDob.reviewFrom, '2036-03-10');
  assert.match(noDob.missing!, /date of birth/);
});

test('a general incident is reviewed a set number of years after closing; an open one has no date yet; a hold shows', () => {
  const closed = incident({ status: 'closed', closed: true, closedAt: new Date('2026-04-01T09:00:00Z') });
  assert.equal(scheduleOf(closed, undefined, undefined, settings).reviewFrom, '2032-04-01');
  assert.equal(scheduleOf(closed, undefined, undefined, { ...settings, incidentRetentionYears: 3 }).reviewFrom, '2029-04-01');
  assert.equal(scheduleOf(incident(), undefined, undefined, settings).reviewFrom, null);
  const held = scheduleOf(closed, undefined, { action: 'set', reason: 'Police investigation', by: 'dsl', at: new Date() }, settings);
  assert.equal(held.onHold, true);
  assert.equal(held.holdReason, 'Police investigation');
});
