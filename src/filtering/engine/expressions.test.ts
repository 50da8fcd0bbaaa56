/**
 * Patterns in block lists come from anyone who publishes a list: one that would make a backtracking engine run for
 * ever is either refused with a message naming it, or run by RE2 in time proportional to the URL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schoolInput } from '../../../test/fixtures/engine/school.ts';
import { compileSnapshot, decide, SnapshotCompileError } from './index.ts';
import { checkPattern } from './expressions.ts';

describe('patterns in lists and policies', () => {
  it('a back-reference (which needs backtracking) is refused with a reason', () => {
    assert.match(checkPattern('(a+)\\1') ?? '', /back|escape|invalid/i);
    assert.match(checkPattern('x'.repeat(5000)) ?? '', /longer than/);
  });

  it('a classic catastrophic pattern still answers at once over a long hostile URL (RE2 runs in linear time)', { timeout: 20_000 }, () => {
    const input = schoolInput();
    input.lists = [...input.lists, { sourceId: 'hostile', categoryId: 'adult', domains: [], urls: [], expressions: ['^http://(a+)+$', '(x+x+)+y'] }];
    const snapshot = compileSnapshot(input);
    // With a backtracking engine each of these would take around 2^40 steps.
    const url = `http://${'a'.repeat(40)}!`;
    const d = decide(snapshot, { host: 'example.com', url, groupIds: ['year-6'], time: Date.parse('2026-11-23T10:00:00Z') });
    assert.notEqual(d.reason, 'category', 'the hostile pattern did not match this URL');
    const hit = decide(snapshot, { host: 'x.example', url: `http://x.example/${'x'.repeat(40)}y`, groupIds: ['year-6'], time: Date.parse('2026-11-23T10:00:00Z') });
    assert.equal(hit.action, 'block');
    assert.equal(hit.match?.categoryId, 'adult');
  });

  it('a policy pattern that cannot be run safely stops compilation with a message naming it', () => {
    const input = schoolInput();
    input.policies[0] = { ...input.policies[0], localBlock: [{ id: 'bad', kind: 'regex', value: '(a)\\1' }] };
    assert.throws(() => compileSnapshot(input), (e: unknown) => e instanceof SnapshotCompileError && /\(a\)\\1/.test(e.message));
  });
});
