/**
 * The DSL's view of activity: search by person, group, device, address, time, category, action and site; page
 * through; export CSV for a case file. Every look is in the audit log, and pupils, parents, teachers and governors
 * are refused. Old days go when the retention period passes, while the daily totals for reports stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { applyActivityRetention, listActivityPartitions } from '../src/activity/partitions.ts';
import { startActivityPipeline } from '../src/activity/pipeline.ts';
import { activityTotals } from '../src/activity/store.ts';
import type { ActivityEvent } from '../src/activity/types.ts';
import { newActivityId } from '../src/activity/ids.ts';
import type { Role } from '../src/directory/types.ts';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

const T0 = Date.UTC(2026, 10, 16, 9, 0, 0); // Monday 16 November 2026, 09:00 in London (GMT)
const MIN = 60_000;

describe('activity search and export', () => {
  let t: TestApp;
  const as = new Map<Role, Session>();
  let ana: { id: string; username: string };
  let ben: { id: string; username: string };
  let cal: { id: string; username: string };
  let groupId = '';
  let policyId = '';
  const events: ActivityEvent[] = [];

  const get = (role: Role, url: string) => t.as(as.get(role)!, 'GET', url);
  const search = async (query: string) => {
    const res = await get('dsl', `/api/activity?${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { events: Array<{ id: string; time: string; host: string; person: { name: string } | null; searchTerm: string | null; category: { name: string } | null; policy: { name: string | null } }>; next: string | null };
  };
  const hosts = async (query: string) => (await search(query)).events.map((e) => e.host);

  before(async () => {
    t = await createTestApp();
    for (const role of ['dsl', 'pupil', 'parent', 'teacher', 'governor', 'network_manager', 'administrator'] as Role[]) {
      as.set(role, await t.logIn((await t.makePerson([role])).username));
    }
    ana = await t.makePerson(['pupil'], { username: 'ana.b' });
    ben = await t.makePerson(['pupil'], { username: 'ben.c' });
    cal = await t.makePerson(['pupil'], { username: 'cal.d' });
    groupId = (await t.as(as.get('administrator')!, 'POST', '/api/groups', { kind: 'class', name: '5K' })).json().id;
    await t.as(as.get('administrator')!, 'POST', `/api/groups/${groupId}/members`, { add: [ana.id, ben.id] });
    policyId = (await get('administrator', '/api/filtering/policies')).json().policies[0].id;

    const e = (minutes: number, fields: Partial<ActivityEvent>): ActivityEvent => {
      const time = T0 + minutes * MIN;
      return { id: newActivityId(time), time, schoolId: t.school.id, ip: '10.0.1.10', host: 'www.example.com', action: 'allow', reason: 'default', policyId, frontEnd: 'proxy', node: 'control-plane', ...fields };
    };
    events.push(
      e(0, { personId: ana.id, username: ana.username, host: 'www.bbc.co.uk', url: 'http://www.bbc.co.uk/news' }),
      e(1, { personId: ana.id, username: ana.username, host: 'www.bet365.com', categoryId: 'gambling', action: 'block', reason: 'category', sourceId: 'ut1' }),
      e(2, { personId: ana.id, username: ana.username, host: 'www.google.co.uk', url: 'http://www.google.co.uk/search?q=%3DHYPERLINK', searchTerm: '=HYPERLINK("http://x","click, me")' }),
      e(3, { personId: ben.id, username: ben.username, deviceId: 'LAPTOP-07', ip: '10.0.5.20', host: 'news.bbc.co.uk' }),
      e(4, { personId: ben.id, username: ben.username, deviceId: 'LAPTOP-07', ip: '10.0.5.21', host: 'www.tiktok.com', categoryId: 'social-networking', action: 'warn', reason: 'category' }),
      e(-6 * 24 * 60, { personId: cal.id, username: cal.username, host: 'en.wikipedia.org' }),
      e(5, { ip: '10.0.9.9', host: 'vpn.example.net', categoryId: 'proxies', action: 'block', reason: 'category', circumvention: true }),
    );
    const pipeline = await startActivityPipeline({ db: t.db, databaseKind: t.handle.kind, dataDir: t.dataDir });
    for (const ev of events) pipeline.emit(ev);
    assert.equal(await pipeline.drain(30_000), true);
    await pipeline.stop();
  });
  after(async () => { await t.close(); });

  it('lists everything newest first, with names for people, categories and policies', async () => {
    const r = await search('');
    assert.deepEqual(r.events.map((e) => e.host), ['vpn.example.net', 'www.tiktok.com', 'news.bbc.co.uk', 'www.google.co.uk', 'www.bet365.com', 'www.bbc.co.uk', 'en.wikipedia.org']);
    const bet = r.events.find((e) => e.host === 'www.bet365.com')!;
    assert.match(bet.person!.name, /^Test pupil/);
    assert.equal(bet.category!.name, 'Gambling');
    assert.ok(bet.policy.name, 'the policy is named');
    assert.equal(r.events[0].person, null, 'an unidentified device has no person');
  });

  it('finds one pupil by id or by username: their timeline', async () => {
    assert.deepEqual(await hosts(`person=${ana.id}`), ['www.google.co.uk', 'www.bet365.com', 'www.bbc.co.uk']);
    assert.deepEqual(await hosts('person=ANA.B'), ['www.google.co.uk', 'www.bet365.com', 'www.bbc.co.uk']);
    assert.deepEqual(await hosts('person=nobody.here'), []);
  });

  it('finds everyone in a group, a device, an address or a network', async () => {
    assert.deepEqual(await hosts(`group=${groupId}`), ['www.tiktok.com', 'news.bbc.co.uk', 'www.google.co.uk', 'www.bet365.com', 'www.bbc.co.uk']);
    assert.deepEqual(await hosts('device=LAPTOP-07'), ['www.tiktok.com', 'news.bbc.co.uk']);
    assert.deepEqual(await hosts('ip=10.0.5.20'), ['news.bbc.co.uk']);
    assert.deepEqual(await hosts('ip=10.0.5.0/24'), ['www.tiktok.com', 'news.bbc.co.uk']);
    const bad = await get('dsl', '/api/activity?ip=10.0.5');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /not an IP address or network/);
  });

  it('narrows by time, category and action', async () => {
    const from = new Date(T0 + 1 * MIN).toISOString();
    const to = new Date(T0 + 4 * MIN).toISOString();
    assert.deepEqual(await hosts(`from=${from}&to=${to}`), ['news.bbc.co.uk', 'www.google.co.uk', 'www.bet365.com']);
    assert.deepEqual(await hosts(`to=${new Date(T0 - MIN).toISOString()}`), ['en.wikipedia.org']);
    assert.deepEqual(await hosts('category=gambling'), ['www.bet365.com']);
    assert.equal((await hosts('category=none')).length, 4);
    assert.deepEqual(await hosts('action=block'), ['vpn.example.net', 'www.bet365.com']);
    assert.deepEqual(await hosts('action=warn'), ['www.tiktok.com']);
    assert.equal((await get('dsl', `/api/activity?from=${to}&to=${from}`)).statusCode, 400);
  });

  it('matches a site and everything under it, however it is typed', async () => {
    assert.deepEqual(await hosts('host=bbc.co.uk'), ['news.bbc.co.uk', 'www.bbc.co.uk']);
    assert.deepEqual(await hosts('host=news.bbc.co.uk'), ['news.bbc.co.uk']);
    assert.deepEqual(await hosts(`host=${encodeURIComponent('https://WWW.BBC.co.uk/news?x=1')}`), ['www.bbc.co.uk']);
    assert.deepEqual(await hosts('host=co.uk'), ['news.bbc.co.uk', 'www.google.co.uk', 'www.bbc.co.uk']);
    assert.deepEqual(await hosts('host=bc.co.uk'), [], 'a suffix matches whole labels only');
  });

  it('pages through results without missing or repeating any', async () => {
    const seen: string[] = [];
    let next: string | null = '';
    do {
      const page = await search(`limit=2${next ? `&before=${next}` : ''}`);
      assert.ok(page.events.length <= 2);
      seen.push(...page.events.map((e) => e.id));
      next = page.next;
    } while (next);
    assert.deepEqual(seen, (await search('')).events.map((e) => e.id));
  });

  it('records every search in the audit log: who, and which filters', async () => {
    await search(`person=${ana.id}&action=block`);
    const entry = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'activity.searched').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const details = typeof entry.details === 'string' ? JSON.parse(entry.details) : entry.details;
    assert.equal(entry.entity_type, 'person');
    assert.equal(entry.entity_id, ana.id);
    assert.match(entry.actor_label, /^dsl/);
    assert.deepEqual(details.filters, { person: ana.id, action: 'block' });
    assert.equal(details.shown, 1);
  });

  it('names the person a search is about and the school time zone, for the timeline heading even on an empty day', async () => {
    const r = await search(`person=${cal.id}&action=block`) as unknown as { events: unknown[]; person: { id: string; name: string; username: string; yearGroup: string | null }; timeZone: string };
    assert.deepEqual(r.events, []);
    assert.equal(r.person.id, cal.id);
    assert.equal(r.person.username, 'cal.d');
    assert.match(r.person.name, /^Test pupil/);
    assert.equal(r.person.yearGroup, 'Year 5');
    assert.equal(r.timeZone, 'Europe/London');
    assert.equal((await search('person=nobody.here') as unknown as { person: unknown }).person, null, 'a username the directory does not know');
    const unknownId = await get('dsl', '/api/activity?person=00000000-0000-4000-8000-000000000000');
    assert.equal(unknownId.statusCode, 404);
  });

  it('writes one audit entry for every read: each page, each filter, each export', async () => {
    const count = async () => Number((await t.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', 'like', 'activity.%').executeTakeFirstOrThrow()).n);
    const before = await count();
    const first = await search('limit=3');
    await search(`limit=3&before=${first.next}`);
    for (const q of [`group=${groupId}`, 'device=LAPTOP-07', 'ip=10.0.5.0/24', 'category=gambling', 'host=bbc.co.uk', `from=${new Date(T0).toISOString()}`]) await search(q);
    assert.equal((await get('network_manager', '/api/activity.csv?action=block')).statusCode, 200);
    assert.equal(await count(), before + 9);

    const last = await t.db.selectFrom('audit_log').selectAll().where('action', 'like', 'activity.%').orderBy('seq', 'desc').limit(9).execute();
    const details = (e: (typeof last)[number]) => (typeof e.details === 'string' ? JSON.parse(e.details) : e.details) as { filters: Record<string, string>; page?: string };
    assert.deepEqual(last.map((e) => e.action), ['activity.exported', ...Array(8).fill('activity.searched')]);
    assert.match(last[0].actor_label, /^networkmanager/);
    assert.deepEqual(details(last[0]).filters, { action: 'block' });
    assert.deepEqual(last.slice(1, 7).reverse().map((e) => Object.keys(details(e).filters)[0]), ['group', 'device', 'ip', 'category', 'host', 'from']);
    assert.deepEqual([details(last[8]).page, details(last[7]).page], ['first', 'later'], 'an older page is a read of its own');
  });

  it('writes nothing to the audit log for a refused read', async () => {
    const count = async () => Number((await t.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', 'like', 'activity.%').executeTakeFirstOrThrow()).n);
    const before = await count();
    assert.equal((await get('pupil', `/api/activity?person=${ana.id}`)).statusCode, 403);
    assert.equal(await count(), before);
  });

  it('exports CSV with a header, UK and ISO times, and formulas disarmed; the export is audited', async () => {
    const res = await get('dsl', `/api/activity.csv?person=${ana.username}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /attachment; filename="osprey-activity-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = res.body.replace(/^\ufeff/, '').trim().split('\r\n');
    assert.ok(res.body.startsWith('\ufeff'), 'a byte-order mark, so Excel reads UTF-8');
    assert.match(lines[0], /^Date and time \(UK\),Time UTC \(ISO 8601\),Person,Username,/);
    assert.equal(lines.length, 4);
    assert.match(lines[3], /^16\/11\/2026 09:00:00,2026-11-16T09:00:00\.000Z,Test pupil [\d ]+,ana\.b,Year 5,,10\.0\.1\.10,www\.bbc\.co\.uk,/);
    assert.ok(lines[1].includes(`"'=HYPERLINK(""http://x"",""click, me"")"`), `a search term that looks like a formula is disarmed: ${lines[1]}`);
    const entry = await t.db.selectFrom('audit_log').select(['action', 'entity_id']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.deepEqual(entry, { action: 'activity.exported', entity_id: ana.id });
  });

  it('refuses pupils, parents, teachers and governors; allows the DSL, network manager and administrator', async () => {
    for (const role of ['pupil', 'parent', 'teacher', 'governor'] as Role[]) {
      for (const url of ['/api/activity', '/api/activity.csv']) {
        const res = await get(role, url);
        assert.equal(res.statusCode, 403, `${role} must not read ${url}`);
      }
    }
    for (const role of ['dsl', 'network_manager', 'administrator'] as Role[]) assert.equal((await get(role, '/api/activity?limit=1')).statusCode, 200);
  });

  it('keeps daily totals for reports, which retention leaves in place while it drops old days', async () => {
    const totals = await activityTotals(t.db, t.school.id, '2026-11-16', '2026-11-16');
    assert.equal(totals.reduce((n, r) => n + r.events, 0), 6);
    assert.deepEqual(totals.filter((r) => r.action === 'block').map((r) => r.categoryId).sort(), ['gambling', 'proxies']);

    const now = new Date(T0 + 2 * 86_400_000);
    assert.deepEqual((await applyActivityRetention(t.db, now, 3)).dropped, ['activity_p20261110'], 'the day six days before is past a 3-day period');
    assert.deepEqual(await hosts('host=wikipedia.org'), []);
    assert.equal((await hosts('')).length, 6, 'the days inside the period are kept');
    assert.deepEqual((await applyActivityRetention(t.db, now, 3)).dropped, []);
    assert.ok((await listActivityPartitions(t.db)).some((p) => p.name === 'activity_p20261116'));
    const kept = await sql<{ n: number }>`select sum(events)::int as n from activity_daily where school_id = ${t.school.id}`.execute(t.db);
    assert.equal(kept.rows[0].n, 7, 'the totals (no personal details) outlive the events');
  });
});
