/**
 * squidGuard's own test suite (test1.conf, its blacklist and 1,005 logged requests): the same lists and ACL as an
 * Osprey snapshot must block exactly the requests squidGuard redirected. Checks domain-list subdomain coverage and
 * urllist semantics ('www.' stripped, path prefix at a boundary) against the tool schools are migrating from.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decide } from './decide.ts';
import { splitUrl } from './normalise.ts';
import { compileSnapshot } from './snapshot.ts';
import type { Policy } from './types.ts';

const DIR = new URL('../../../../shared/data/conformance/squidguard/', import.meta.url);
const lines = (file: string) => readFileSync(new URL(file, DIR), 'utf8').split('\n');

const policy = (id: string, priority: number, changes: Partial<Policy>): Policy => ({
  id, name: id, priority, groupIds: [id], defaultAction: 'allow', categoryActions: {}, schedules: [], localBlock: [],
  localAllow: [], exceptions: [], safeSearch: false, ...changes,
});

describe('squidGuard conformance (test1)', () => {
  it('blocks exactly the requests squidGuard redirects', () => {
    const snapshot = compileSnapshot({
      categories: [{ id: 'blacklist', name: 'Blacklist', description: 'squidGuard test blacklist', illegal: false }],
      lists: [{ sourceId: 'squidguard-test', categoryId: 'blacklist', domains: lines('blacklist/domains').filter(Boolean),
        urls: lines('blacklist/urls').filter(Boolean), expressions: [] }],
      // acl: grownups pass all; kids pass !blacklist all; default pass none
      policies: [policy('grownups', 20, {}), policy('kids', 10, { categoryActions: { blacklist: 'block' } }),
        policy('default', 0, { groupIds: [], defaultAction: 'block' })],
      unidentifiedPolicyId: 'default',
      timeZone: 'UTC',
    });
    assert.deepEqual(snapshot.problems, []);
    const requests = lines('requests');
    const expected = lines('test1.expected');
    let compared = 0;
    requests.forEach((line, i) => {
      if (line.trim() === '') return;
      const [url, client, ident] = line.split(' ');
      const [a, b, c] = client.split('/')[0].split('.').map(Number);
      // src grownups: 10.0.0.0/24 AND user foo or bar;  src kids: 10.0.0.0/22
      const kids = a === 10 && b === 0 && c < 4;
      const grownups = a === 10 && b === 0 && c === 0 && (ident === 'foo' || ident === 'bar');
      const groupIds = grownups ? ['grownups'] : kids ? ['kids'] : [];
      const decision = decide(snapshot, { host: splitUrl(url)?.host ?? '', url, groupIds, time: 0 });
      assert.equal(decision.action === 'block', expected[i].trim() !== '', `line ${i + 1}: ${line}`);
      compared++;
    });
    assert.equal(compared, 1005);
  });
});
