/** Filtering policies per group with a reasoned, append-only change log (R2.1, R2.4, R3.2). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

interface PolicyView { id: string; key: string; name: string; version: number; targets: string[]; categoryActions: Record<string, string>; [k: string]: unknown }

const documentOf = (p: PolicyView) => ({
  name: p.name, description: p.description, priority: p.priority, defaultAction: p.defaultAction, safeSearch: p.safeSearch,
  categoryActions: p.categoryActions, schedules: p.schedules, localBlock: p.localBlock, localAllow: p.localAllow, targets: p.targets,
});

describe('filtering policies', () => {
  let t: TestApp;
  let lead: Session;
  let teacher: Session;
  let governor: Session;
  before(async () => {
    t = await createTestApp();
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    const csv = readFileSync('test/fixtures/import/people-50.csv', 'utf8');
    await t.as(admin, 'POST', '/api/import/people', { files: { 'people.csv': csv }, dryRun: false });
    lead = await t.logIn((await t.makePerson(['online_safety_lead'])).username);
    teacher = await t.logIn((await t.makePerson(['teacher'])).username);
    governor = await t.logIn((await t.makePerson(['governor', 'online_safety_governor'])).username);
  });
  after(async () => { await t.close(); });

  const policies = async (s: Session) => (await t.as(s, 'GET', '/api/filtering/policies')).json().policies as PolicyView[];

  it('a new school gets default policies for each key stage, staff, guests and unidentified devices', async () => {
    const list = await policies(lead);
    assert.deepEqual(list.map((p) => p.key), ['eyfs-ks1', 'ks2', 'ks3', 'ks4-5', 'guests', 'staff', 'unidentified']);
    const unidentified = list.find((p) => p.key === 'unidentified')!;
    assert.equal(unidentified.unidentified, true);
    assert.equal(unidentified.defaultAction, 'block', 'unidentified devices get the most restrictive pupil profile');
    const ks2 = list.find((p) => p.key === 'ks2')!;
    assert.equal(ks2.categoryActions.gambling, 'block');
    assert.equal(ks2.categoryActions['child-abuse'], undefined, 'illegal categories have no action to set: always blocked');
  });

  it('key-stage policies are linked to the school\'s key-stage groups', async () => {
    const groups = (await t.as(lead, 'GET', '/api/groups?kind=key_stage')).json().groups as Array<{ id: string; name: string }>;
    const ks2Group = groups.find((g) => g.name === 'KS2');
    assert.ok(ks2Group, 'the import made a KS2 group');
    const ks2 = (await policies(lead)).find((p) => p.key === 'ks2')!;
    assert.ok(ks2.targets.includes(ks2Group.id));
  });

  it('a change needs a reason, and the change log keeps who, when, before, after and why', async () => {
    const ks3 = (await policies(lead)).find((p) => p.key === 'ks3')!;
    const doc = documentOf(ks3);
    const noReason = await t.as(lead, 'PUT', `/api/filtering/policies/${ks3.id}`, { document: doc, reason: '', expectedVersion: ks3.version });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.json().error.message, /Say why/);

    doc.categoryActions = { ...doc.categoryActions, 'video-streaming': 'allow' };
    const ok = await t.as(lead, 'PUT', `/api/filtering/policies/${ks3.id}`, { document: doc, reason: 'Year 9 media studies uses film clips', expectedVersion: ks3.version });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().version, ks3.version + 1);

    const log = (await t.as(governor, 'GET', `/api/filtering/changes?entityId=${ks3.id}`)).json().changes;
    assert.equal(log[0].reason, 'Year 9 media studies uses film clips');
    assert.equal(log[0].before.categoryActions['video-streaming'], 'monitor');
    assert.equal(log[0].after.categoryActions['video-streaming'], 'allow');
    assert.match(log[0].actorLabel, /onlinesafetylead/);
  });

  it('a save based on an old version is refused, so nobody overwrites a colleague\'s change', async () => {
    const ks3 = (await policies(lead)).find((p) => p.key === 'ks3')!;
    const res = await t.as(lead, 'PUT', `/api/filtering/policies/${ks3.id}`, { document: documentOf(ks3), reason: 'Tidying up', expectedVersion: ks3.version - 1 });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /Someone else changed this policy/);
  });

  it('refuses to give an illegal-content category any action, and refuses patterns that cannot run safely', async () => {
    const staff = (await policies(lead)).find((p) => p.key === 'staff')!;
    const doc = documentOf(staff);
    doc.categoryActions = { ...doc.categoryActions, 'child-abuse': 'allow' };
    doc.localAllow = [{ id: 'x', kind: 'regex', value: '(a)\\1' }];
    doc.localBlock = [{ id: 'y', kind: 'domain', value: 'exa mple.com' }];
    const res = await t.as(lead, 'PUT', `/api/filtering/policies/${staff.id}`, { document: doc, reason: 'Testing what is refused', expectedVersion: staff.version });
    assert.equal(res.statusCode, 400);
    const problems = res.json().error.details.problems.join('\n');
    assert.match(problems, /illegal content and is always blocked for everyone/);
    assert.match(problems, /cannot be used .*RE2/);
    assert.match(problems, /'exa mple.com' is not a domain/);
    const unchanged = (await policies(lead)).find((p) => p.key === 'staff')!;
    assert.equal(unchanged.version, staff.version, 'nothing was saved');
  });

  it('a teacher can read policies but not change them; a governor reads the change log', async () => {
    const ks2 = (await policies(teacher)).find((p) => p.key === 'ks2')!;
    const res = await t.as(teacher, 'PUT', `/api/filtering/policies/${ks2.id}`, { document: documentOf(ks2), reason: 'Let me see games', expectedVersion: ks2.version });
    assert.equal(res.statusCode, 403);
    assert.equal((await t.as(governor, 'GET', '/api/filtering/changes')).statusCode, 200);
  });

  it('the change log cannot be altered', async () => {
    await assert.rejects(sql`update filter_changes set reason = 'nothing to see'`.execute(t.db), /append-only/);
    await assert.rejects(sql`delete from filter_changes`.execute(t.db), /append-only/);
  });
});

describe('a school that adds its own policy before opening the Filtering page', () => {
  it('still gets the shipped policies, including the one for unidentified devices', async () => {
    const { createPolicy, policiesForEngine } = await import('../src/filtering/policy/service.ts');
    const t = await createTestApp();
    try {
      const ctx = { db: t.db, clock: t.clock, actor: { id: null, label: 'test', schoolId: t.school.id } };
      await createPolicy(ctx, 'library-pcs', {
        name: 'Library computers', description: '', priority: 60, defaultAction: 'allow', safeSearch: true,
        categoryActions: { gambling: 'block' }, schedules: [], localBlock: [], localAllow: [], targets: [],
      }, 'Imported from our old filter');
      const { policies, unidentifiedPolicyId } = await policiesForEngine(t.db, t.school.id, t.clock.now());
      assert.ok(policies.some((p) => p.name === 'Library computers'));
      assert.equal(policies.find((p) => p.id === unidentifiedPolicyId)?.name, 'Unidentified devices');
      assert.equal(policies.length, 8);
    } finally {
      await t.close();
    }
  });
});
