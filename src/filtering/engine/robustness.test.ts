/**
 * `decide` sees whatever arrives on port 53 and 3128. The Big List of Naughty Strings and 2,000 seeded random byte
 * strings, as hosts, URLs and wrapped around an IWF-listed host, must never throw, must always give a well-formed
 * decision, and must never let the listed host through.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { schoolInput } from '../../../test/fixtures/engine/school.ts';
import { decide } from './decide.ts';
import { normaliseHost, splitUrl } from './normalise.ts';
import { compileSnapshot } from './snapshot.ts';
import type { Decision, DecisionRequest } from './types.ts';

const BLNS = new URL('../../../../shared/data/conformance/blns.txt', import.meta.url);
const ILLEGAL_HOST = 'abuse-host.example'; // on the fixture's IWF list
const ACTIONS = new Set(['allow', 'block', 'warn', 'monitor', 'safesearch']);
const REASONS = new Set(['illegal_content', 'circumvention_host', 'exception', 'local_block', 'local_allow', 'category',
  'safesearch', 'default', 'invalid_request']);

/** mulberry32: a seeded generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomStrings(count: number): string[] {
  const next = random(20261122);
  const strings: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = Math.floor(next() * 64);
    let text = '';
    for (let j = 0; j < length; j++) {
      // mostly bytes (as DNS labels and raw header bytes arrive), some of the rest of the BMP and astral planes
      const pick = next();
      const code = pick < 0.8 ? Math.floor(next() * 256) : pick < 0.95 ? Math.floor(next() * 0xd800) : 0x10000 + Math.floor(next() * 0xfffff);
      text += String.fromCodePoint(code);
    }
    strings.push(text);
  }
  return strings;
}

const underIllegal = (host: string | null | undefined) => host === ILLEGAL_HOST || (host?.endsWith(`.${ILLEGAL_HOST}`) ?? false);

function check(snapshot: ReturnType<typeof compileSnapshot>, request: DecisionRequest): Decision {
  let decision: Decision | undefined;
  assert.doesNotThrow(() => (decision = decide(snapshot, request)), JSON.stringify(request));
  assert.ok(decision !== undefined && ACTIONS.has(decision.action) && REASONS.has(decision.reason), JSON.stringify(decision));
  assert.equal(typeof decision.policyId, 'string');
  const listed = underIllegal(normaliseHost(request.host)) || (typeof request.url === 'string' && underIllegal(splitUrl(request.url)?.host));
  if (listed) assert.equal(decision.action, 'block', `listed host let through: ${JSON.stringify(request)}`);
  return decision;
}

function requestsFor(garbage: string): Array<Omit<DecisionRequest, 'time'>> {
  return [
    { host: garbage }, { host: garbage, url: garbage }, { host: ILLEGAL_HOST, url: garbage },
    { host: `${garbage}.${ILLEGAL_HOST}` }, { host: `${ILLEGAL_HOST}${garbage}` }, { host: garbage, url: `http://${ILLEGAL_HOST}/${garbage}` },
    { host: ILLEGAL_HOST, url: `http://${garbage}@${ILLEGAL_HOST}/` }, { host: garbage, url: `https://${garbage}/` },
  ];
}

describe('decide with garbage input', () => {
  const snapshot = compileSnapshot(schoolInput());
  const groups = [['staff'], [], ['year-6']];

  it('the Big List of Naughty Strings never throws and never lets a listed host through', () => {
    const lines = readFileSync(BLNS, 'utf8').split('\n').filter((line) => !line.startsWith('#'));
    assert.ok(lines.length > 500);
    let invalid = 0;
    for (const line of lines) {
      for (const groupIds of groups) {
        for (const request of requestsFor(line)) {
          if (check(snapshot, { ...request, groupIds, time: Date.parse('2026-03-10T10:00:00Z') }).reason === 'invalid_request') invalid++;
        }
      }
    }
    assert.ok(invalid > 0);
  });

  it('2,000 random byte strings as hosts and URLs never throw and never let a listed host through', () => {
    for (const garbage of randomStrings(2000)) {
      for (const request of requestsFor(garbage)) check(snapshot, { ...request, groupIds: ['staff'], time: 1_773_136_800_000 });
    }
  });

  it('a garbage host is blocked even for a policy whose default is allow', () => {
    const decision = decide(snapshot, { host: '\u0000\u00ff exa mple', groupIds: ['staff'], time: 0 });
    assert.deepEqual(decision, { action: 'block', reason: 'invalid_request', policyId: 'staff' });
  });

  it('garbage in the other fields of a request is an invalid request, not an exception', () => {
    const odd = [{}, { host: 'example.com' }, { host: 'example.com', time: '10:00' }, { host: 'example.com', time: Infinity },
      { host: ['example.com'], time: 0 }, { host: 'example.com', time: 0, groupIds: [null, {}] }, 'example.com', 7];
    for (const request of odd) check(snapshot, request as unknown as DecisionRequest);
    assert.equal(decide(undefined as never, { host: 'example.com', time: 0 }).action, 'block');
  });
});
