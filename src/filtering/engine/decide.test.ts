import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { at, schoolInput } from '../../../test/fixtures/engine/school.ts';
import { decide } from './decide.ts';
import { compileSnapshot } from './snapshot.ts';
import type { CompileInput, DecisionRequest } from './types.ts';

const school = compileSnapshot(schoolInput());
const ask = (host: string, groupIds: string[], time: number, url?: string) =>
  decide(school, { host, groupIds, time, ...(url === undefined ? {} : { url }) });

describe('a school day', () => {
  it('a KS2 pupil is blocked from gambling at 10:00 but a teacher is not', () => {
    const pupil = ask('bet365.com', ['year-6'], at.tuesdayMorningGmt);
    assert.equal(pupil.action, 'block');
    assert.equal(pupil.reason, 'category');
    assert.equal(pupil.policyId, 'ks2');
    assert.deepEqual(pupil.match, { entry: 'bet365.com', sourceId: 'ut1', categoryId: 'gambling' });
    const teacher = ask('www.bet365.com', ['staff'], at.tuesdayMorningGmt);
    assert.equal(teacher.action, 'monitor'); // staff may look (e.g. for a lesson on gambling harms), and it is logged
    assert.equal(teacher.policyId, 'staff');
  });

  it('games are allowed 12:00–13:00 for Year 10 on weekdays, by the school clock in GMT and in BST', () => {
    assert.equal(ask('coolmathgames.com', ['year-10'], at.tuesdayMorningGmt).action, 'block');
    const lunchGmt = ask('coolmathgames.com', ['year-10'], at.tuesdayLunchGmt);
    assert.equal(lunchGmt.action, 'allow');
    assert.equal(lunchGmt.match?.scheduleId, 'lunch');
    assert.equal(ask('coolmathgames.com', ['year-10'], at.wednesdayLunchBst).action, 'allow'); // 11:30 UTC is 12:30 BST
    assert.equal(ask('coolmathgames.com', ['year-10'], at.wednesdayAfterLunchBst).action, 'block'); // 12:10 UTC is 13:10 BST
    assert.equal(ask('coolmathgames.com', ['year-10'], at.saturdayLunchBst).action, 'block'); // weekdays only
    assert.equal(ask('coolmathgames.com', ['year-6'], at.tuesdayLunchGmt).action, 'block'); // Year 10's window only
  });

  it('a lunchtime games window does not unblock a site that is also gambling', () => {
    const decision = ask('casino.example', ['year-10'], at.tuesdayLunchGmt);
    assert.equal(decision.action, 'block');
    assert.equal(decision.match?.categoryId, 'gambling'); // block beats the window's allow; the explanation names gambling
  });

  it('a local allow for a subdomain does not unblock the rest of the site', () => {
    const maths = ask('maths.games.example', ['year-6'], at.tuesdayMorningGmt);
    assert.equal(maths.action, 'allow');
    assert.equal(maths.reason, 'local_allow');
    assert.equal(maths.match?.ruleId, 'allow-maths-games');
    assert.equal(ask('www.maths.games.example', ['year-6'], at.tuesdayMorningGmt).action, 'allow'); // and below it
    assert.equal(ask('games.example', ['year-6'], at.tuesdayMorningGmt).action, 'block');
    assert.equal(ask('other.games.example', ['year-6'], at.tuesdayMorningGmt).action, 'block');
  });

  it('an exception expires', () => {
    const during = ask('instagram.com', ['year-10'], Date.parse('2026-03-20T15:59:59Z'));
    assert.equal(during.action, 'allow');
    assert.equal(during.reason, 'exception');
    assert.equal(during.match?.ruleId, 'ex-instagram-project');
    const after = ask('instagram.com', ['year-10'], Date.parse('2026-03-20T16:00:00Z'));
    assert.equal(after.action, 'warn');
    assert.equal(after.reason, 'category');
  });

  it('www.example.com., WWW.EXAMPLE.COM and xn--… forms all match the same entry', () => {
    const forms = ['bücher-spiele.example', 'BÜCHER-SPIELE.EXAMPLE.', 'xn--bcher-spiele-dlb.example', 'WWW.xn--bcher-spiele-dlb.example.'];
    for (const host of forms) {
      const decision = ask(host, ['year-6'], at.tuesdayMorningGmt);
      assert.equal(decision.action, 'block', host);
      assert.equal(decision.match?.entry, 'xn--bcher-spiele-dlb.example', host);
    }
    for (const host of ['www.bet365.com.', 'WWW.BET365.COM', 'Bet365.Com']) assert.equal(ask(host, ['year-6'], at.tuesdayMorningGmt).action, 'block');
  });

  it('a URL-prefix entry blocks that part of a site only, and only when the URL is visible', () => {
    assert.equal(ask('www.bbc.co.uk', ['year-5'], at.tuesdayMorningGmt, 'https://www.bbc.co.uk/bitesize/cheats/quiz1').reason, 'local_block');
    assert.equal(ask('www.bbc.co.uk', ['year-5'], at.tuesdayMorningGmt, 'https://www.bbc.co.uk/bitesize/maths').action, 'allow');
    // squidGuard's urllist is a plain prefix: the entry …/bitesize/cheats also covers …/bitesize/cheatsheet (issue 11, item 13)
    assert.equal(ask('www.bbc.co.uk', ['year-5'], at.tuesdayMorningGmt, 'https://www.bbc.co.uk/bitesize/cheatsheet').reason, 'local_block');
    assert.equal(ask('www.bbc.co.uk', ['year-5'], at.tuesdayMorningGmt).action, 'allow'); // DNS sees no path
    assert.equal(ask('www.bbc.co.uk', ['year-5'], at.tuesdayMorningGmt, 'https://www.bbc.co.uk/bitesize/x/../cheats/').reason, 'local_block');
  });

  it('list expressions match the URL, case-insensitively', () => {
    const decision = ask('pics.example', [], at.tuesdayMorningGmt, 'http://pics.example/XXX-Pics/1.jpg');
    assert.equal(decision.action, 'block');
    assert.equal(decision.match?.entry, '(^|[./])xxx-pics');
  });
});

describe('local rules and exceptions', () => {
  const input = schoolInput();
  const year10 = input.policies.find((p) => p.id === 'year-10')!;
  year10.exceptions.push({ id: 'ex-games-week', kind: 'category', value: 'games', expiresAt: '2026-03-13T16:00:00Z' });
  year10.localBlock.push({ id: 'no-cheat-sites', kind: 'regex', value: '(^|\\.)cheat' }, { id: 'no-tiktok', kind: 'domain', value: 'tiktok.com' });
  year10.localAllow.push({ id: 'tiktok-education', kind: 'domain', value: 'education.tiktok.com' }, { id: 'allow-pages', kind: 'regex', value: '^https://[^/]+/lesson-' });
  const snapshot = compileSnapshot(input);
  const year10Asks = (host: string, time: number, url?: string) => decide(snapshot, { host, groupIds: ['year-10'], time, ...(url ? { url } : {}) });

  it("an exception for a category lets Year 10 into games during project week, but not into a site that is also gambling", () => {
    const game = year10Asks('miniclip.com', at.tuesdayMorningGmt);
    assert.deepEqual([game.action, game.reason, game.match?.ruleId, game.match?.categoryId], ['allow', 'exception', 'ex-games-week', 'games']);
    assert.equal(year10Asks('casino.example', at.tuesdayMorningGmt).match?.categoryId, 'gambling');
    assert.equal(year10Asks('casino.example', at.tuesdayMorningGmt).action, 'block');
    assert.equal(year10Asks('miniclip.com', Date.parse('2026-03-16T10:00:00Z')).action, 'block'); // the week is over
  });

  it('a local block beats a local allow, however specific the allow is', () => {
    const decision = year10Asks('education.tiktok.com', at.tuesdayMorningGmt);
    assert.deepEqual([decision.action, decision.reason, decision.match?.ruleId], ['block', 'local_block', 'no-tiktok']);
  });

  it('local regular expressions match the URL, or the host when only the host is known', () => {
    const byHost = year10Asks('cheatcodes.example', at.tuesdayMorningGmt);
    assert.deepEqual([byHost.action, byHost.reason, byHost.match?.ruleId, byHost.match?.entry], ['block', 'local_block', 'no-cheat-sites', '(^|\\.)cheat']);
    const page = year10Asks('bet365.com', at.tuesdayMorningGmt, 'https://bet365.com/lesson-probability');
    assert.deepEqual([page.action, page.reason, page.match?.ruleId], ['allow', 'local_allow', 'allow-pages']);
  });
});

describe('which policy applies', () => {
  it('the policy with the highest priority wins when a person is in several groups', () => {
    assert.equal(ask('example.org', ['year-6', 'staff'], at.tuesdayMorningGmt).policyId, 'staff');
    assert.equal(ask('example.org', ['year-10', 'year-6'], at.tuesdayMorningGmt).policyId, 'year-10');
  });

  it('no groups, unknown groups or a malformed group list get the unidentified policy', () => {
    for (const groupIds of [[], ['governors'], undefined, 'staff' as unknown as string[], [42 as unknown as string]]) {
      assert.equal(decide(school, { host: 'bet365.com', groupIds, time: at.tuesdayMorningGmt }).policyId, 'unidentified');
    }
  });

  it('equal priorities: the policy listed first keeps the group, whatever order the groups come in', () => {
    const input: CompileInput = schoolInput();
    input.policies.push({ ...input.policies[0], id: 'ks2-copy', groupIds: ['year-6'], defaultAction: 'block' });
    const snapshot = compileSnapshot(input);
    assert.equal(decide(snapshot, { host: 'example.org', groupIds: ['year-6'], time: 0 }).policyId, 'ks2');
  });
});

describe('SafeSearch and circumvention', () => {
  it('search engines and YouTube are sent to their safe hosts for pupils but not for staff', () => {
    const cases: Array<[string, string]> = [['www.google.co.uk', 'forcesafesearch.google.com'], ['google.com', 'forcesafesearch.google.com'],
      ['www.bing.com', 'strict.bing.com'], ['duckduckgo.com', 'safe.duckduckgo.com'], ['m.youtube.com', 'restrict.youtube.com'],
      ['youtubei.googleapis.com', 'restrict.youtube.com'], ['www.youtube-nocookie.com', 'restrict.youtube.com']];
    for (const [host, target] of cases) {
      const pupil = ask(host, ['year-6'], at.tuesdayMorningGmt);
      assert.equal(pupil.action, 'safesearch', host);
      assert.equal(pupil.safeSearchHost, target, host);
      assert.notEqual(ask(host, ['staff'], at.tuesdayMorningGmt).action, 'safesearch', host);
    }
  });

  it('only the exact search hosts are rewritten, not look-alikes', () => {
    for (const host of ['google.evil.com', 'images.bing.com', 'notgoogle.com', 'google.blogspot.com']) {
      assert.notEqual(ask(host, ['year-6'], at.tuesdayMorningGmt).action, 'safesearch', host);
    }
  });

  it('the DoH canary and Private Relay are refused for everyone and raise an alert', () => {
    for (const host of ['use-application-dns.net', 'mask.icloud.com', 'mask-h2.icloud.com']) {
      for (const groupIds of [['staff'], ['year-6'], []]) {
        const decision = ask(host, groupIds, at.tuesdayMorningGmt);
        assert.deepEqual([decision.action, decision.reason, decision.circumvention], ['block', 'circumvention_host', true], host);
      }
    }
  });

  it('a visit to a proxy or VPN site is flagged even where the policy only warns', () => {
    const decision = ask('www.hola.org', ['staff'], at.tuesdayMorningGmt);
    assert.equal(decision.action, 'warn');
    assert.equal(decision.circumvention, true);
    assert.equal(ask('bet365.com', ['staff'], at.tuesdayMorningGmt).circumvention, undefined);
  });
});

describe('requests the filter cannot read', () => {
  it('are blocked with invalid_request, naming the chosen policy', () => {
    const bad: DecisionRequest[] = [
      { host: '', time: 0 }, { host: 'exa mple.com', groupIds: ['staff'], time: 0 }, { host: 'example.com', time: Number.NaN },
      { host: 'example.com', url: 'not a url', groupIds: ['staff'], time: 0 }, { host: 'example.com', url: 42 as unknown as string, time: 0 },
    ];
    for (const request of bad) {
      const decision = decide(school, request);
      assert.equal(decision.action, 'block', JSON.stringify(request));
      assert.equal(decision.reason, 'invalid_request');
    }
    assert.equal(decide(school, { host: '', groupIds: ['staff'], time: 0 }).policyId, 'staff');
    assert.equal(decide(school, null as unknown as DecisionRequest).reason, 'invalid_request');
  });

  it('a URL naming another host than the connection gets the stricter of the two decisions', () => {
    const fronted = ask('www.bbc.co.uk', ['year-6'], at.tuesdayMorningGmt, 'https://bet365.com/');
    assert.equal(fronted.action, 'block');
    assert.equal(fronted.match?.entry, 'bet365.com');
  });
});
