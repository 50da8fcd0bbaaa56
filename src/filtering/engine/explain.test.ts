import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { at, schoolInput } from '../../../test/fixtures/engine/school.ts';
import { decide } from './decide.ts';
import { explainDecision } from './explain.ts';
import { compileSnapshot } from './snapshot.ts';
import type { DecisionRequest } from './types.ts';

const school = compileSnapshot(schoolInput());
const why = (request: DecisionRequest) => explainDecision(school, request, decide(school, request));

describe('explaining a decision to staff', () => {
  it('names the policy, the entry, the category, the list and when the policy blocks it', () => {
    assert.deepEqual(why({ host: 'www.bet365.com', groupIds: ['year-6'], time: at.tuesdayMorningGmt }), [
      "Blocked for the 'Key Stage 2' policy because bet365.com is in the Gambling category (list: ut1).",
      'Key Stage 2 blocks Gambling at all times.',
    ]);
  });

  it('says which schedule window decided, in the school’s terms', () => {
    const [, schedule] = why({ host: 'coolmathgames.com', groupIds: ['year-10'], time: at.wednesdayLunchBst });
    assert.equal(schedule, "During 'Lunchtime' (Monday to Friday, 12:00–13:00), Year 10 allows Online games; at other times it blocks it.");
    const [, outside] = why({ host: 'coolmathgames.com', groupIds: ['year-10'], time: at.tuesdayMorningGmt });
    assert.equal(outside, "Year 10 blocks Online games except during 'Lunchtime' (Monday to Friday, 12:00–13:00).");
  });

  it('names the policies that were not chosen, and why', () => {
    const sentences = why({ host: 'www.bet365.com', groupIds: ['year-6', 'staff'], time: at.tuesdayMorningGmt });
    assert.equal(sentences.at(-1), "This person's groups also have 'Key Stage 2' (priority 10); the policy with the highest priority applies.");
  });

  it('explains illegal content, exceptions, local rules, SafeSearch, circumvention and unreadable requests', () => {
    const first = (request: DecisionRequest) => why(request)[0];
    assert.match(first({ host: 'abuse-host.example', groupIds: ['staff'], time: 0 }), /on the Child sexual abuse \(IWF\) list \(iwf\), which is blocked for everyone and can never be allowed/);
    assert.match(first({ host: 'instagram.com', groupIds: ['year-10'], time: at.tuesdayMorningGmt }), /approved exception \('ex-instagram-project'\) allows instagram.com until 16:00 on Friday 20 March 2026/);
    assert.match(first({ host: 'maths.games.example', groupIds: ['year-6'], time: 0 }), /own allow list includes maths.games.example \(rule 'allow-maths-games': Times tables practice\)/);
    assert.match(first({ host: 'www.google.co.uk', groupIds: ['year-6'], time: 0 }), /^Allowed with SafeSearch enforced .* is Google, which is always sent to its safe version \(forcesafesearch.google.com\)/);
    assert.match(why({ host: 'mask.icloud.com', time: 0 }).join(' '), /iCloud Private Relay.*safeguarding staff are alerted.*unidentified devices/);
    assert.match(first({ host: 'exa mple', groupIds: ['staff'], time: 0 }), /^Blocked for the 'Staff' policy because the address could not be understood/);
    assert.match(first({ host: 'example.org', groupIds: ['staff'], time: 0 }), /not in any category or rule this policy acts on, so the policy's default \(allow\) applies/);
  });
});
