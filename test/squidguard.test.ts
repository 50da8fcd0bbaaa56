/**
 * squidGuard compatibility (R2.11, item 10): `osprey squid-helper` answers squidGuard's own test suite byte for byte,
 * with and without Squid's channel ids, survives garbage; the configuration parser names file:line for every
 * mistake; the translation keeps squidGuard's semantics (first src wins, pass lists in order, in-addr, time blocks,
 * continue, redirect templates); and `osprey import squidguard` creates audited list sources and policies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileSnapshot } from '../src/filtering/engine/index.ts';
import { parseSquidGuardConfig, SquidGuardConfigError } from '../src/filtering/squidguard/config.ts';
import { runImportSquidGuard } from '../src/filtering/squidguard/cli.ts';
import { SquidGuardHelper } from '../src/filtering/squidguard/helper.ts';
import { loadSquidGuard } from '../src/filtering/squidguard/load.ts';
import { translateSquidGuard } from '../src/filtering/squidguard/translate.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

const CONFORMANCE = fileURLToPath(new URL('../../shared/data/conformance/', import.meta.url));
const SG = path.join(CONFORMANCE, 'squidguard');
const work = mkdtempSync(path.join(tmpdir(), 'osprey-squidguard-'));
const conf = path.join(work, 'test1.conf');
writeFileSync(conf, readFileSync(path.join(SG, 'test1.conf.in'), 'latin1').replaceAll('@TESTDIR@', SG), 'latin1');
const requests = readFileSync(path.join(SG, 'requests'), 'latin1');
const expected = readFileSync(path.join(SG, 'test1.expected'), 'latin1');

function helperProcess(input: string, extra: string[] = [], config = conf) {
  const run = spawnSync(process.execPath, ['bin/osprey.js', 'squid-helper', '--squidguard-config', config, ...extra], {
    input: Buffer.from(input, 'latin1'), timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout.toString('latin1'), stderr: run.stderr.toString('utf8') };
}

/** Line-for-line comparison that names the first difference. */
function assertSameLines(actual: string, wanted: string): void {
  const a = actual.split('\n');
  const w = wanted.split('\n');
  const first = a.findIndex((line, i) => line !== w[i]);
  if (first >= 0 || a.length !== w.length) {
    const n = first >= 0 ? first : Math.min(a.length, w.length);
    assert.fail(`line ${n + 1} differs:\n  got:      ${JSON.stringify(a[n])}\n  expected: ${JSON.stringify(w[n])}`);
  }
}

after(() => rmSync(work, { recursive: true, force: true }));

describe('squid-helper: squidGuard conformance (test1)', () => {
  it('answers squidGuard\'s 1,005 logged requests exactly as squidGuard did', () => {
    const run = helperProcess(requests);
    assert.equal(run.status, 0, run.stderr);
    assertSameLines(run.stdout, expected);
  });

  it('gives the same answers behind Squid\'s concurrency channel ids', () => {
    const lines = requests.split('\n').slice(0, -1);
    const run = helperProcess(lines.map((l, i) => `${i} ${l}\n`).join(''));
    assert.equal(run.status, 0, run.stderr);
    const wanted = expected.split('\n').slice(0, -1).map((l, i) => (l === '' ? `${i}` : `${i} ${l}`));
    assertSameLines(run.stdout, `${wanted.join('\n')}\n`);
  });

  it('answers in Squid 3.4+ syntax with --modern', () => {
    const run = helperProcess('7 http://www.book-mark.net/Mark.gif 10.0.1.23/- - GET\n8 http://www.google.com/ 10.0.0.1/- - GET\nnonsense\n', ['--modern']);
    assert.equal(run.stdout, '7 OK rewrite-url="http://info.foo.bar/cgi/blocked?clientaddr=10.0.1.23&clientname=&clientuser=&clientgroup=kids&targetgroup=blacklist&url=http://www.book-mark.net/Mark.gif"\n8 OK\nERR\n');
  });

  it('never crashes on garbage: one answer per line, for raw lines and for garbage URLs', () => {
    const blns = readFileSync(path.join(CONFORMANCE, 'blns.txt'), 'latin1').split('\n');
    const lines = [...blns, ...blns.map((l) => `${l} 10.0.1.23/- - GET`), ...blns.map((l, i) => `${i} http://${l}/ ${l} ${l} ${l}`), '\0\0\0', ' \t ', 'x'.repeat(70_000)];
    const run = helperProcess(lines.map((l) => `${l}\n`).join(''));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.split('\n').length - 1, lines.length, 'one answer per request line');
    assert.equal(run.stdout.split('\n')[0], '', 'an unreadable line passes, as in squidGuard');
  });
});

describe('squidGuard configuration parser', () => {
  const bad: Array<[string, number, RegExp]> = [
    ['dest a {\n  domainlist a/domains\n}\nacl {\n  default {\n    pass !b all\n  }\n}\n', 6, /no dest called 'b'/],
    ['src kids {\n  ip 10.0.0.300/24\n}\nacl { default { pass none } }\n', 2, /not an IPv4 address/],
    ['acl {\n  default {\n    pass none\n  }\n', 1, /not closed: a '}' is missing/],
    ['frobnicate yes\nacl { default { pass none } }\n', 1, /'frobnicate' is not a squidGuard setting/],
    ['time t {\n  weekly mtwhf 22:00-06:00\n}\nacl { default { pass none } }\n', 2, /ends before it starts/],
    ['time t {\n  weekly xyz 08:00-09:00\n}\nacl { default { pass none } }\n', 2, /are not days/],
    ['dest a { }\ndest a { }\nacl { default { pass none } }\n', 2, /already defined on line 1/],
    ['src kids {\n  ip 10.0.0.0/22\n}\n', 1, /no 'default' acl/],
    ['acl {\n  kids {\n    pass all\n  }\n  default { pass none }\n}\n', 2, /names a src that is not defined/],
    ['redirect "http://x/?a=%a\nacl { default { pass none } }\n', 1, /quoted string is not closed/],
    ['src s {\n  ip 10.0.0.0/8\n  within lunch\n}\nacl { default { pass none } }\n', 3, /no time block called 'lunch'/],
  ];
  for (const [text, line, reason] of bad) {
    it(`reports ${reason.source} at its line`, () => {
      assert.throws(() => parseSquidGuardConfig(text, '/etc/squidguard/test.conf'), (e: unknown) => {
        assert.ok(e instanceof SquidGuardConfigError);
        const p = e.problems.find((x) => reason.test(x.reason));
        assert.ok(p, `no problem matching ${reason}: ${e.message}`);
        assert.equal(p.line, line, e.message);
        assert.match(e.message, new RegExp(`^/etc/squidguard/test\\.conf:${line}: `, 'm'));
        return true;
      });
    });
  }

  it('reads quoted strings, comments, one-line blocks, ranges, netmasks, continued lists and else branches', () => {
    const c = parseSquidGuardConfig([
      'dbhome /srv/db   # lists live here',
      'redirect "http://block.example/?u=%u&why=%t"',
      'time school { weekly mtwhf 08:30-12:00 13:00 - 15:30', '  date 2026.12.24 }',
      'src staff { ip 10.0.0.1 - 10.0.0.9, 10.1.0.0/255.255.0.0', '  10.2.0.0/16', '  user Alice BOB }',
      'dest games { domainlist games/domains', '  expressionlist i games/expressions }',
      'acl {', '  staff within school { pass !games all } else { pass all }', '  default { pass none }', '}',
    ].join('\n'), 'x.conf');
    assert.equal(c.redirect?.value, 'http://block.example/?u=%u&why=%t');
    assert.deepEqual(c.sources[0].ips.map((r) => [r.kind, r.text]), [['range', '10.0.0.1-10.0.0.9'], ['netmask', '10.1.0.0/255.255.0.0'], ['cidr', '10.2.0.0/16']]);
    assert.deepEqual(c.sources[0].users, ['alice', 'bob']);
    assert.equal(c.dests[0].expressionlist?.path, '/srv/db/games/expressions');
    assert.equal(c.times[0].elements.length, 3);
    assert.deepEqual(c.acls.map((a) => [a.source, a.time?.outside, a.isElse]), [['staff', false, false], ['staff', true, true], ['default', undefined, false]]);
  });
});

/** A helper on a configuration written to disk with its lists, answering in-process at a given time. */
async function helperFor(config: string, files: Record<string, string>) {
  const dir = mkdtempSync(path.join(work, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  writeFileSync(path.join(dir, 'squidGuard.conf'), `dbhome ${dir}\n${config}`);
  const translation = translateSquidGuard(await loadSquidGuard(path.join(dir, 'squidGuard.conf')), { timeZone: 'Europe/London' });
  const helper = new SquidGuardHelper(translation, compileSnapshot(translation.input));
  return { translation, ask: (url: string, client = '10.0.0.1/-', user = '-', time = Date.UTC(2026, 10, 16, 10)) => helper.answer(`${url} ${client} ${user} GET`, time) };
}

describe('squidGuard semantics in Osprey\'s engine', () => {
  it('walks a pass list in order: an earlier pass beats a later block, and B A B A lists keep their order', async () => {
    const { ask, translation } = await helperFor([
      'redirect http://block/%t', 'dest white { domainlist white }', 'dest black { domainlist black }', 'dest lb { domainlist lb }',
      'acl { default { pass !lb white !black all } }',
    ].join('\n'), { white: 'both.example\nevil.example\n', black: 'both.example\nbad.example\n', lb: 'evil.example\n' });
    assert.equal(ask('http://both.example/'), '', 'white comes first, so squidGuard passes it');
    assert.equal(ask('http://bad.example/x'), 'http://block/black 10.0.0.1/- - GET');
    assert.equal(ask('http://www.evil.example/'), 'http://block/lb 10.0.0.1/- - GET', '!lb comes before white');
    assert.deepEqual(translation.problems, []);
  });

  it('reports a pass list that alternates more than the engine can keep in order', async () => {
    const { translation } = await helperFor('dest a { domainlist a }\nacl { default { pass a !a2 a3 !a4 a5 all } }\ndest a2 { domainlist a }\ndest a3 { domainlist a }\ndest a4 { domainlist a }\ndest a5 { domainlist a }\n', { a: 'x.example\n' });
    assert.match(translation.problems[0]?.reason ?? '', /switches between passing and blocking/);
  });

  it('in-addr matches requests to bare IPv4 addresses; pass none names "none"', async () => {
    const { ask } = await helperFor('redirect http://b/?t=%t&s=%s\nacl { default { pass !in-addr all } }\n', {});
    assert.equal(ask('http://10.1.2.3:8080/x'), 'http://b/?t=in-addr&s=default 10.0.0.1/- - GET');
    assert.equal(ask('http://example.com/'), '');
  });

  it('takes the first src that matches (ip AND user), even one without an acl', async () => {
    const { ask } = await helperFor([
      'redirect http://b/%s', 'src quiet { ip 10.9.0.0/16 }', 'src teachers { ip 10.0.0.0/8', 'user alice }', 'src pupils { ip 10.0.0.0/8 }',
      'acl { teachers { pass all } pupils { pass none } default { pass none } }',
    ].join('\n'), {});
    assert.equal(ask('http://x.example/', '10.0.0.1/-', 'ALICE'), '');
    assert.equal(ask('http://x.example/', '10.0.0.1/-', 'bob'), 'http://b/pupils 10.0.0.1/- bob GET');
    assert.equal(ask('http://x.example/', '10.9.1.1/pc9.school', 'alice'), 'http://b/default 10.9.1.1/pc9.school alice GET');
  });

  it('switches acl entries with time blocks (within … else …), in the given time zone', async () => {
    const { ask } = await helperFor('redirect http://b/\ntime school { weekly mtwhf 09:00-16:00 }\nsrc p { ip 10.0.0.0/8 }\nacl {\n p within school { pass none } else { pass all }\n default { pass none } }\n', {});
    assert.equal(ask('http://x.example/', undefined, undefined, Date.UTC(2026, 10, 16, 10)), 'http://b/ 10.0.0.1/- - GET', 'Monday 10:00');
    assert.equal(ask('http://x.example/', undefined, undefined, Date.UTC(2026, 10, 21, 10)), '', 'Saturday');
    assert.equal(ask('http://x.example/', undefined, undefined, Date.UTC(2026, 6, 13, 15, 30)), '', 'Monday 16:30 British Summer Time');
  });

  it('follows continue to the next matching src, and picks redirects dest → acl → default → global', async () => {
    const { ask } = await helperFor([
      'redirect http://global/%s', 'dest ads { domainlist ads', ' redirect "http://ads/%t?u=%u&p=%p&f=%f&n=%n&i=%i&%z=kept" }',
      'src all { ip 10.0.0.0/8', ' continue }', 'src lab { ip 10.1.0.0/16 }',
      'acl { all { pass !ads all } lab { pass none', ' redirect http://lab/%s } default { pass none } }',
    ].join('\n'), { ads: 'ads.example\n' });
    assert.equal(ask('http://ads.example/a/b.gif', '10.1.0.5/pc5', 'Eve'), 'http://ads/ads?u=http://ads.example/a/b.gif&p=a/b.gif&f=b.gif&n=pc5&i=eve&%z=kept 10.1.0.5/pc5 eve GET');
    assert.equal(ask('http://x.example/', '10.1.0.5/-'), 'http://lab/lab 10.1.0.5/- - GET', 'all passes and continues to lab');
    assert.equal(ask('http://x.example/', '10.2.0.5/-'), 'http://global/default 10.2.0.5/- - GET', 'no later src: the default acl');
  });

  it('lets a block through when there is no redirect anywhere, as squidGuard does', async () => {
    const { ask } = await helperFor('acl { default { pass none } }\n', {});
    assert.equal(ask('http://x.example/'), '');
  });

  it('refuses to run a configuration that uses rewrite rules, naming file:line, unless told to ignore them', () => {
    const file = path.join(work, 'rewrite.conf');
    writeFileSync(file, 'rewrite safe {\n  s@(google\\..*/search\\?.*)@\\1\\&safe=active@i\n}\nacl {\n  default {\n    pass all\n    rewrite safe\n  }\n}\n');
    const refused = helperProcess('http://x.example/ 10.0.0.1/- - GET\n', [], file);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: acl 'default' uses rewrite 'safe'`));
    const ignored = helperProcess('http://x.example/ 10.0.0.1/- - GET\n', ['--ignore-unsupported'], file);
    assert.equal(ignored.status, 0, ignored.stderr);
    assert.equal(ignored.stdout, '\n');
  });
});

describe('osprey import squidguard', () => {
  let t: TestApp;
  let deps: { db: TestApp['db']; clock: TestApp['clock']; dataDir: string };
  before(async () => { t = await createTestApp(); deps = { db: t.db, clock: t.clock, dataDir: t.dataDir }; });
  after(async () => { await t.close(); });
  const run = async (args: string[]) => {
    const lines: string[] = [];
    const code = await runImportSquidGuard(args, deps, (s = '') => lines.push(s));
    return { code, text: lines.join('\n') };
  };

  it('a dry run lists the dests, the srcs and the acl mapping, and changes nothing', async () => {
    const { code, text } = await run([conf, '--dry-run']);
    assert.equal(code, 0);
    assert.match(text, /! blacklist \(line 16\): not imported — no Osprey category matches 'blacklist'; choose one with --category blacklist=ID/);
    assert.match(text, /src grownups \(line 6\): ip 10\.0\.0\.0\/24 AND user foo, bar → squidGuard: grownups/);
    assert.match(text, /src kids \(line 12\): ip 10\.0\.0\.0\/22 → squidGuard: kids/);
    assert.match(text, /"squidGuard: default \(everyone else\)" .*everything else: block/);
    assert.match(text, /redirect template .* is not imported/);
    const withCategory = await run([conf, '--dry-run', '--category', 'blacklist=pornography']);
    assert.match(withCategory.text, /\+ blacklist \(line 16\) → list source "squidGuard blacklist" in category pornography \(chosen with --category\); domains, urls from .*squidguard\/blacklist/);
    assert.match(withCategory.text, /"squidGuard: kids" \(acl 'kids', line 26; priority 210\): block pornography \(dest blacklist\); everything else: allow/);
    assert.equal((await t.db.selectFrom('list_sources').select('id').execute()).length, 0);
    assert.equal((await t.db.selectFrom('filter_policies').select('id').where('key', 'like', 'squidguard-%').execute()).length, 0);
  });

  it('an import creates the list source and policies through the services, with change-log and audit entries', async () => {
    const { code, text } = await run([conf, '--category', 'blacklist=pornography', '--reason', 'Moving from squidGuard this term']);
    assert.equal(code, 0, text);
    const [source] = await t.db.selectFrom('list_sources').selectAll().execute();
    assert.equal(source.name, 'squidGuard blacklist');
    assert.equal(source.category, 'pornography');
    const policies = await t.db.selectFrom('filter_policies').selectAll().where('key', 'like', 'squidguard-%').orderBy('priority', 'desc').execute();
    assert.deepEqual(policies.map((p) => [p.key, p.default_action]), [['squidguard-grownups', 'allow'], ['squidguard-kids', 'allow'], ['squidguard-default', 'block']]);
    const kids = policies[1];
    assert.deepEqual(typeof kids.category_actions === 'string' ? JSON.parse(kids.category_actions) : kids.category_actions, { pornography: 'block' });
    assert.match(kids.description, /squidGuard applied it to ip 10\.0\.0\.0\/22/);
    const changes = await t.db.selectFrom('filter_changes').select(['action', 'reason']).where('reason', '=', 'Moving from squidGuard this term').orderBy('seq').execute();
    assert.deepEqual(changes.map((c) => c.action), ['list_source.created', 'policy.created', 'policy.created', 'policy.created']);
    const audit = await t.db.selectFrom('audit_log').select('action').where('action', 'in', ['filter_policy.created', 'list_source.created']).execute();
    assert.equal(audit.length, 4);
  });

  it('importing the same configuration again changes nothing', async () => {
    const before = (await t.db.selectFrom('filter_changes').select('seq').execute()).length;
    const { code, text } = await run([conf, '--category', 'blacklist=pornography']);
    assert.equal(code, 0, text);
    assert.match(text, /list source "squidGuard blacklist": unchanged/);
    assert.match(text, /policy "squidGuard: kids": unchanged/);
    assert.equal((await t.db.selectFrom('filter_changes').select('seq').execute()).length, before);
  });
});
