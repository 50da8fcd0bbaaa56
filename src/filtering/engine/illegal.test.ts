/**
 * R2.2: illegal-content entries are blocked for everyone and nothing can allow them. Each policy below opens exactly
 * one route to "allow" and proves the route works on an ordinary host; the IWF/CTIRU entries must still be blocked
 * through every one of them, in every spelling of the host and URL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from './decide.ts';
import { compileSnapshot, loadSnapshot, serialiseSnapshot } from './snapshot.ts';
import type { CompileInput, DecisionRequest, Policy } from './types.ts';

const FAR_FUTURE = '2099-01-01T00:00:00Z';
const IWF_HOSTS = ['abuse-host.example', 'duckduckgo.com', '192.0.2.1'];
const IWF_URLS = ['images.example.net/gallery/abc123', 'www.google.com/imgres?imgurl=abuse'];

const policy = (id: string, groupIds: string[], changes: Partial<Policy>): Policy => ({
  id, name: id, priority: 10, groupIds, defaultAction: 'block', categoryActions: {}, schedules: [], localBlock: [],
  localAllow: [], exceptions: [], safeSearch: false, ...changes,
});

/** Every route, with the ordinary host that shows the route really allows things. */
const ROUTES: Array<{ policy: Policy; control: string; allowedAs: string }> = [
  { control: 'control.example', allowedAs: 'exception', policy: policy('exception', ['route-exception'], {
    exceptions: [
      ...['control.example', ...IWF_HOSTS].map((value, i) => ({ id: `ex-domain-${i}`, kind: 'domain' as const, value, expiresAt: FAR_FUTURE })),
      ...IWF_URLS.map((value, i) => ({ id: `ex-url-${i}`, kind: 'url' as const, value, expiresAt: FAR_FUTURE })),
      { id: 'ex-iwf-category', kind: 'category', value: 'child-abuse', expiresAt: FAR_FUTURE },
      { id: 'ex-ctiru-category', kind: 'category', value: 'terrorism', expiresAt: FAR_FUTURE },
    ],
  }) },
  { control: 'control.example', allowedAs: 'local_allow', policy: policy('local-allow', ['route-local-allow'], {
    localAllow: [
      ...['control.example', ...IWF_HOSTS].map((value, i) => ({ id: `allow-domain-${i}`, kind: 'domain' as const, value })),
      ...IWF_URLS.map((value, i) => ({ id: `allow-url-${i}`, kind: 'url' as const, value })),
      { id: 'allow-everything', kind: 'regex', value: '.*' },
    ],
  }) },
  { control: 'control.example', allowedAs: 'category', policy: policy('category-allow', ['route-category'], {
    categoryActions: { education: 'allow', 'child-abuse': 'allow', terrorism: 'allow' },
  }) },
  { control: 'control.example', allowedAs: 'category', policy: policy('schedule-allow', ['route-schedule'], {
    categoryActions: { education: 'block' },
    schedules: [{ id: 'always', name: 'Always', days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '24:00',
      categoryActions: { education: 'allow', 'child-abuse': 'allow', terrorism: 'allow' } }],
  }) },
  { control: 'unlisted.example', allowedAs: 'default', policy: policy('default-allow', ['route-default'], { defaultAction: 'allow' }) },
  { control: 'www.bing.com', allowedAs: 'safesearch', policy: policy('safesearch', ['route-safesearch'], { defaultAction: 'allow', safeSearch: true }) },
  { control: 'control.example', allowedAs: 'category', policy: policy('staff', ['staff'], {
    priority: 1000, defaultAction: 'allow', categoryActions: { education: 'allow', 'child-abuse': 'allow', terrorism: 'allow' },
  }) },
  { control: 'unlisted.example', allowedAs: 'default', policy: policy('unidentified', [], { defaultAction: 'allow', priority: 0 }) },
];

function input(): CompileInput {
  return {
    categories: [
      { id: 'child-abuse', name: 'Child sexual abuse (IWF)', description: '', illegal: true },
      { id: 'terrorism', name: 'Terrorist content (CTIRU)', description: '', illegal: true },
      { id: 'education', name: 'Education', description: '', illegal: false },
    ],
    lists: [
      { sourceId: 'iwf', categoryId: 'child-abuse', domains: IWF_HOSTS, urls: IWF_URLS, expressions: [] },
      { sourceId: 'ctiru', categoryId: 'terrorism', domains: [], urls: [], expressions: ['/ctiru-[0-9]+/'] },
      // the same hosts also sit in an ordinary, allowed category: a category route must not carry them through
      { sourceId: 'edu', categoryId: 'education', domains: ['control.example', ...IWF_HOSTS], urls: IWF_URLS, expressions: [] },
    ],
    policies: ROUTES.map((r) => r.policy),
    unidentifiedPolicyId: 'unidentified',
    timeZone: 'Europe/London',
  };
}

/** The illegal entries as a pupil might try to reach them: case, trailing dots, subdomains, IPv4 forms, URL tricks. */
const ILLEGAL_REQUESTS: Array<Omit<DecisionRequest, 'time' | 'groupIds'>> = [
  { host: 'abuse-host.example' }, { host: 'ABUSE-HOST.EXAMPLE.' }, { host: 'www.abuse-host.example' },
  { host: 'deep.sub.abuse-host.example' }, { host: 'abuse-host.example', url: 'https://abuse-host.example/anything?x=1' },
  { host: 'duckduckgo.com' }, { host: 'www.duckduckgo.com' },
  { host: '192.0.2.1' }, { host: '3221225985' }, { host: '0xc0000201' }, { host: '0300.0.02.01' }, { host: '192.0.513' },
  { host: 'images.example.net', url: 'http://images.example.net/gallery/abc123' },
  { host: 'images.example.net', url: 'http://IMAGES.example.net/Gallery/ABC123?size=large' },
  { host: 'cdn.images.example.net', url: 'https://cdn.images.example.net/gallery/abc123/' },
  { host: 'images.example.net', url: 'http://images.example.net/other/../gallery/abc123' },
  { host: 'images.example.net', url: 'http://images.example.net/%2e%2e/gallery/abc123' },
  { host: 'images.example.net', url: 'http://user:pass@images.example.net/gallery/abc123#top' },
  { host: 'www.images.example.net', url: 'http://www.images.example.net\\gallery\\abc123' },
  { host: 'www.google.com', url: 'https://www.google.com/imgres?imgurl=abuse' },
  { host: 'news.example.org', url: 'https://news.example.org/video/ctiru-1234/' },
  { host: 'safe.example.org', url: 'https://abuse-host.example/' }, // the URL's host is listed, the connection's is not
];

const TIMES = [Date.parse('2026-03-10T10:00:00Z'), Date.parse('2026-06-17T11:30:00Z'), Date.parse('2026-12-25T23:59:00Z')];

describe('illegal content is blocked through every route to allow it', () => {
  const compiled = compileSnapshot(input());
  const loaded = loadSnapshot(serialiseSnapshot(compiled).slice());

  for (const route of ROUTES) {
    it(`route: ${route.policy.id}`, () => {
      const groupIds = route.policy.groupIds;
      const control = decide(compiled, { host: route.control, groupIds, time: TIMES[0] });
      assert.equal(control.reason, route.allowedAs, `the ${route.policy.id} route must really allow an ordinary host`);
      assert.notEqual(control.action, 'block');
      for (const snapshot of [compiled, loaded]) {
        for (const time of TIMES) {
          for (const request of ILLEGAL_REQUESTS) {
            const decision = decide(snapshot, { ...request, groupIds, time });
            assert.equal(decision.action, 'block', JSON.stringify(request));
            assert.equal(decision.reason, 'illegal_content', JSON.stringify(request));
            assert.ok(['iwf', 'ctiru'].includes(decision.match?.sourceId ?? ''), JSON.stringify(decision));
          }
        }
      }
    });
  }

  it('a person in every group at once is still blocked', () => {
    const everyGroup = ROUTES.flatMap((r) => r.policy.groupIds);
    for (const request of ILLEGAL_REQUESTS) {
      assert.equal(decide(compiled, { ...request, groupIds: everyGroup, time: TIMES[0] }).reason, 'illegal_content');
    }
  });

  it('an exception for an illegal category is reported and ignored', () => {
    assert.ok(compiled.problems.some((p) => p.ruleId === 'ex-iwf-category' && /illegal content cannot be allowed/.test(p.message)));
  });
});
