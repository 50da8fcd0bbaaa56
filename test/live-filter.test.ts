/** Hot reload: a policy change made in the web interface is what the front-ends decide with, moments later. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { decide } from '../src/filtering/engine/index.ts';
import { LiveFilter } from '../src/filtering/live.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';
import { waitFor } from './helpers/wait.ts';

describe('the filter in force', () => {
  let t: TestApp;
  let lead: Session;
  let live: LiveFilter;
  before(async () => {
    t = await createTestApp();
    lead = await t.logIn((await t.makePerson(['online_safety_lead'])).username);
    live = new LiveFilter(t.db, { dataDir: t.dataDir, timeZone: 'Europe/London', pollMs: 100 },
      (ip) => ({ schoolId: t.school.id, groupIds: [], source: 'unidentified' as const, ...(ip ? {} : {}) }), { emit: () => {} });
    await live.start();
  });
  after(async () => { live.stop(); await t.close(); });

  it('an "Always allow" entry added to the unidentified-devices policy is in force at the next refresh', async () => {
    const ask = () => decide(live.snapshotFor(t.school.id), { host: 'www.museum.example', groupIds: [], time: Date.now() });
    assert.equal(ask().action, 'block', 'unidentified devices are blocked by default');
    const policy = (await t.as(lead, 'GET', '/api/filtering/policies')).json().policies.find((p: { key: string }) => p.key === 'unidentified');
    const document = { name: policy.name, description: policy.description, priority: policy.priority, defaultAction: policy.defaultAction, safeSearch: policy.safeSearch,
      categoryActions: policy.categoryActions, schedules: policy.schedules, localBlock: policy.localBlock, targets: policy.targets,
      localAllow: [...policy.localAllow, { id: 'museum', kind: 'domain', value: 'museum.example', note: 'Visitors\' guide' }] };
    const res = await t.as(lead, 'PUT', `/api/filtering/policies/${policy.id}`, { document, reason: 'Museum guide for visitors', expectedVersion: policy.version });
    assert.equal(res.statusCode, 200, res.body);
    // Wait for the swap that carries this change: an earlier one (the default policies being created by the first
    // read of the policies) may come in between, so one 'swap' event is not enough.
    const after = await waitFor('the allow entry to be in force', async () => {
      const d = ask();
      return d.action === 'allow' ? d : undefined;
    }, 10_000);
    assert.equal(after.action, 'allow');
    assert.equal(after.reason, 'local_allow');
  });

  it('keeps filtering with the last good snapshot while the database is unreachable', async () => {
    let down = false;
    // The real database, until it "goes down": every query then fails as a lost connection would.
    const flaky = new Proxy(t.db, {
      get: (target, prop) => {
        if (down && prop === 'selectFrom') return () => { throw new Error('connection refused'); };
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const node = new LiveFilter(flaky, { dataDir: t.dataDir, timeZone: 'Europe/London' }, () => ({ schoolId: t.school.id, groupIds: [], source: 'unidentified' }), { emit: () => {} });
    await node.refresh();
    const before = node.snapshotFor(t.school.id);
    down = true;
    const failed = once(node, 'refresh-failed');
    await node.refresh();
    await failed;
    assert.equal(node.snapshotFor(t.school.id), before, 'the same snapshot is still in force');
    assert.equal(decide(node.snapshotFor(t.school.id), { host: 'www.museum.example', groupIds: [], time: Date.now() }).action, 'allow');
  });
});
