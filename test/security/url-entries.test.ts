/**
 * Issue 11, items 7 and 10–16: URL lists that could be walked round, or that answered differently from squidGuard.
 * Each item is proved twice: through the main engine (`decide`, and the "why?" sentences staff read) and through
 * `osprey squid-helper`'s answers for a squidGuard configuration. Every test here failed on 18d3e29.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { compileSnapshot, decide, explainDecision, splitUrl, type CompileInput, type Policy } from '../../src/filtering/engine/index.ts';
import { parseSquidGuardConfig } from '../../src/filtering/squidguard/config.ts';
import { SquidGuardHelper } from '../../src/filtering/squidguard/helper.ts';
import { loadSquidGuard } from '../../src/filtering/squidguard/load.ts';
import { translateSquidGuard } from '../../src/filtering/squidguard/translate.ts';

const LESSON = Date.parse('2026-11-23T10:00:00Z');
const work = mkdtempSync(path.join(tmpdir(), 'osprey-url-entries-'));
after(() => rmSync(work, { recursive: true, force: true }));

const pupils = (changes: Partial<Policy> = {}): Policy => ({
  id: 'pupils', name: 'Pupils', priority: 10, groupIds: ['pupils'], defaultAction: 'allow',
  categoryActions: { malware: 'block', phishing: 'block', adult: 'block', gambling: 'block' }, schedules: [], localBlock: [],
  localAllow: [], exceptions: [], safeSearch: false, ...changes,
});

/** A school's lists: the same kinds of entry as UT1's urls, domains and expressions files. */
function school(policy: Policy = pupils()): CompileInput {
  const category = (id: string) => ({ id, name: id[0].toUpperCase() + id.slice(1), description: '', illegal: false });
  return {
    categories: ['malware', 'phishing', 'adult', 'gambling'].map(category),
    lists: [
      { sourceId: 'ut1', categoryId: 'malware', domains: [], expressions: ['^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/search\\?q=[0-9]+$'],
        urls: ['s3.amazonaws.com/second-chance', 'example.org/pr1v4te1', 'example.shop/new-category', 'play.example.org/play.html',
          'shared.example/login'] },
      { sourceId: 'ut1', categoryId: 'phishing', domains: [], expressions: [], urls: ['shared.example/login'] },
      { sourceId: 'ut1', categoryId: 'adult', domains: ['192.0.2.10'], expressions: [], urls: ['sexcams.example/#content'] },
    ],
    policies: [policy], unidentifiedPolicyId: 'pupils', timeZone: 'Europe/London',
  };
}

const snapshot = compileSnapshot(school());
/** What the main engine decides for a pupil opening `url`, and the "why?" sentence staff see. */
function engine(url: string, input = snapshot) {
  const host = splitUrl(url)?.host ?? '';
  const request = { host, url, groupIds: ['pupils'], time: LESSON };
  const decision = decide(input, request);
  return { ...decision, why: explainDecision(input, request, decision)[0] };
}

/** A squid-helper over a squidGuard configuration and its list files, answering in-process. */
async function helperFor(config: string, files: Record<string, string>) {
  const dir = mkdtempSync(path.join(work, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  writeFileSync(path.join(dir, 'squidGuard.conf'), `dbhome ${dir}\nredirect http://block.example/?target=%t\n${config}`);
  const translation = translateSquidGuard(await loadSquidGuard(path.join(dir, 'squidGuard.conf')), { timeZone: 'Europe/London' });
  const helper = new SquidGuardHelper(translation, compileSnapshot(translation.input), { modern: true });
  /** The dest that blocked the request, or 'pass'. */
  return (url: string) => {
    const answer = helper.answer(`${url} 10.0.0.1/- - GET`, LESSON);
    return answer === 'OK' ? 'pass' : /target=([^"]*)"/.exec(answer)?.[1] ?? answer;
  };
}

const UT1_STYLE = {
  'malware/urls': 's3.amazonaws.com/second-chance\nexample.org/pr1v4te1\nexample.shop/new-category\nplay.example.org/play.html\nshared.example/login\n',
  'malware/expressions': '^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+/search\\?q=[0-9]+$\n',
  'phishing/urls': 'shared.example/login\n',
  'adult/domains': '192.0.2.10\n',
  'adult/urls': 'sexcams.example/#content\n',
};
const sgHelper = helperFor([
  'dest malware {', '  urllist malware/urls', '  expressionlist malware/expressions', '}',
  'dest phishing {', '  urllist phishing/urls', '}',
  'dest adult {', '  domainlist adult/domains', '  urllist adult/urls', '}',
  'acl {', '  default {', '    pass !malware !phishing !adult all', '  }', '}',
].join('\n'), UT1_STYLE);

describe('URL lists cannot be walked round (issue 11)', () => {
  it('item 7: an IPv4 address written as IPv6 (::ffff:…, ::…) does not get past an IP entry', async () => {
    const ask = await sgHelper;
    for (const url of ['http://[::ffff:192.0.2.10]/', 'http://[::ffff:c000:20a]/photos', 'http://[::192.0.2.10]:8080/', 'http://[0:0:0:0:0:ffff:c000:020a]/']) {
      const d = engine(url);
      assert.deepEqual([d.action, d.match?.entry, d.match?.categoryId], ['block', '192.0.2.10', 'adult'], url);
      assert.match(d.why, /because 192\.0\.2\.10 is in the Adult category/, url);
      assert.equal(ask(url), 'adult', url);
    }
    assert.equal(engine('http://[::1]/').action, 'allow', "IPv6's own loopback is not an IPv4 address");
  });

  it('item 10: a doubled slash in the path does not get past a URL entry', async () => {
    const ask = await sgHelper;
    for (const url of ['http://s3.amazonaws.com//second-chance', 'http://s3.amazonaws.com///second-chance/x', 'http://s3.amazonaws.com/%2Fsecond-chance']) {
      const d = engine(url);
      assert.deepEqual([d.action, d.match?.entry], ['block', 's3.amazonaws.com/second-chance'], url);
      assert.equal(ask(url), 'malware', url);
    }
  });

  it('item 11: percent-encoding letters of the path does not get past a URL entry', async () => {
    const ask = await sgHelper;
    for (const url of ['http://example.org/pr1v4%74e1', 'http://example.org/%70%72%31%76%34%74%65%31', 'http://example.org/PR1V4%54E1?page=2']) {
      const d = engine(url);
      assert.deepEqual([d.action, d.match?.entry], ['block', 'example.org/pr1v4te1'], url);
      assert.match(d.why, /example\.org\/pr1v4te1 is in the Malware category/);
      assert.equal(ask(url), 'malware', url);
    }
  });

  it("item 12: UT1's anchored expressions match, because they run over host:port/path without scheme or user name", async () => {
    const ask = await sgHelper;
    for (const url of ['http://192.0.2.7/search?q=42', 'https://user:secret@192.0.2.7/search?q=42', 'http://192.0.2.7:80/search?q=42']) {
      const d = engine(url);
      assert.deepEqual([d.action, d.match?.categoryId], ['block', 'malware'], url);
      assert.equal(ask(url), 'malware', url);
    }
    assert.equal(engine('http://192.0.2.7/search?q=42x').action, 'allow');
    // a school's own pattern written for the whole address, scheme included, still works
    const own = compileSnapshot(school(pupils({ localBlock: [{ id: 'games-pages', kind: 'regex', value: '^https?://[^/]*\\.example\\.com/.*games' }] })));
    assert.equal(engine('https://www.example.com/fun/games/1', own).reason, 'local_block');
  });

  it('item 13: a URL entry is a plain prefix of host and path, as in squidGuard: longer paths are covered, other sites under the domain are not', async () => {
    const ask = await sgHelper;
    for (const url of ['http://play.example.org/play.htmlx', 'http://play.example.org/play.html5/game', 'http://www.example.shop/new-category', 'http://www2.example.shop/new-categoryx']) {
      assert.equal(engine(url).action, 'block', url);
      assert.equal(ask(url), 'malware', url);
    }
    for (const url of ['http://x1.example.shop/new-category', 'http://cdn.play.example.org/play.html']) {
      const d = engine(url);
      assert.deepEqual([d.action, d.reason], ['allow', 'default'], url);
      assert.equal(ask(url), 'pass', url);
    }
  });

  it('item 14: an entry with a #fragment means that address, never the whole site', async () => {
    const ask = await sgHelper;
    for (const url of ['http://sexcams.example/', 'http://sexcams.example/index.html']) {
      assert.equal(engine(url).action, 'allow', url);
      assert.equal(ask(url), 'pass', url);
    }
    for (const url of ['http://sexcams.example/#content', 'http://sexcams.example/%23content-2']) {
      assert.deepEqual([engine(url).action, engine(url).match?.entry], ['block', 'sexcams.example/#content'], url);
      assert.equal(ask(url), 'adult', url);
    }
  });

  it('item 15: a URL in two lists is blocked in the name of the first category in the pass list', async () => {
    const files = { 'malware/urls': 'shared.example/login\n', 'phishing/urls': 'shared.example/login\n' };
    const dests = 'dest malware { urllist malware/urls }\ndest phishing { urllist phishing/urls }\n';
    assert.equal((await helperFor(`${dests}acl { default { pass !malware !phishing all } }`, files))('http://shared.example/login'), 'malware');
    assert.equal((await helperFor(`${dests}acl { default { pass !phishing !malware all } }`, files))('http://shared.example/login'), 'phishing');
    // the engine names the category that comes first in the policy's order (squidGuard's pass list)
    for (const order of [['malware', 'phishing'], ['phishing', 'malware']]) {
      const d = engine('http://shared.example/login', compileSnapshot(school(pupils({ categoryOrder: order }))));
      assert.equal(d.match?.categoryId, order[0]);
      assert.match(d.why, new RegExp(`in the ${order[0][0].toUpperCase()}${order[0].slice(1)} category`));
    }
  });

  it('item 16: a valid configuration with a whole dest block on one line is accepted and used', async () => {
    const config = parseSquidGuardConfig('dest adult { urllist adult/urls expressionlist adult/expressions }\nsrc staff { ip 10.2.0.0/16 user alice }\nacl { default { pass !adult all } }\n', '/etc/squidguard/squidGuard.conf');
    assert.equal(config.dests[0].urllist?.given, 'adult/urls');
    assert.equal(config.dests[0].expressionlist?.given, 'adult/expressions');
    assert.deepEqual([config.sources[0].ips.length, config.sources[0].users], [1, ['alice']]);
    const ask = await helperFor('dest adult { urllist adult/urls expressionlist adult/expressions }\nacl { default { pass !adult all } }\n',
      { 'adult/urls': 'pics.example/gallery\n', 'adult/expressions': '(^|[./])xxx-pics\n' });
    assert.equal(ask('http://pics.example/gallery/1'), 'adult');
    assert.equal(ask('http://xxx-pics.example/'), 'adult');
    assert.equal(ask('http://pics.example/'), 'pass');
  });
});
