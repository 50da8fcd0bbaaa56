import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normaliseHost } from './formats/domain.js';
import { parseHostsFile } from './formats/hosts.js';
import { parseDomainList } from './formats/plain.js';
import { parseAdblockList } from './formats/adblock.js';
import { parseSquidGuardCategory } from './formats/squidguard.js';
import { createListParser } from './formats/parse.js';
import { detectFormat } from './formats/detect.js';
import { LineReader } from './formats/lines.js';
import { describeProblem, type ParseResult } from './formats/types.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/lists/', import.meta.url));
const fixture = (name: string): Buffer => readFileSync(fixtures + name);

function problemOn(result: ParseResult, line: number): string {
  const found = result.problems.find((problem) => problem.line === line);
  assert.ok(found, `expected a problem on line ${line}, got ${JSON.stringify(result.problems)}`);
  return describeProblem(found);
}

test("a trust's Windows hosts file (byte order mark, CRLF, localhost lines) yields its ad servers and names each bad line", () => {
  const result = parseHostsFile(fixture('hosts-windows.txt'), 'hosts-windows.txt');

  assert.deepEqual(result.entries.domains, [
    'ads.example.com', 'tracker.example.net', 'one.example.org', 'two.example.org', 'bad_but_real.example.com',
    'ipv6-blocked.example.com',
  ]);
  assert.equal(result.counts.skippedBecause["the machine's own name"], 5, 'localhost, ip6-localhost, broadcasthost …');
  assert.equal(result.counts.duplicates, 1);
  assert.equal(problemOn(result, 10), "hosts-windows.txt line 10: 'co.uk' is a public suffix: it would block every site under it");
  assert.match(problemOn(result, 11), /not a hosts line: 'ads\.example\.org' \(expected an address and then names/);
  assert.equal(problemOn(result, 12), "hosts-windows.txt line 12: not a domain: 'exa$mple.com' (it contains '$', which cannot appear in a domain)");
  assert.equal(result.counts.problems, 3);
});

test("a school's hand-kept domain list: comments, wildcards, capitals and international names in, mistakes reported by line", () => {
  const result = parseDomainList(fixture('domains-messy.txt'), 'our-blocks.txt');

  assert.deepEqual(result.entries.domains, [
    'gambling.example', 'casino.example', 'poker.example', 'betting.example.com', '192.0.2.10', '2001:db8::1',
    'xn--bcher-kva.example', // bücher, saved as UTF-8
    'xn--caf-dma.example', // café, saved as Latin-1 by an old editor: read as Latin-1, not as mojibake
    'last.example',
  ]);
  assert.equal(problemOn(result, 12), "our-blocks.txt line 12: not a domain: 'exa mple.com' (it contains a space)");
  assert.match(problemOn(result, 13), /'co\.uk' is a public suffix: it would block every site under it/);
  assert.match(problemOn(result, 14), /'com' is a public suffix/);
  assert.match(problemOn(result, 15), /it has an empty part between dots/);
  assert.match(problemOn(result, 16), /is 64 characters long; each part of a domain can have at most 63/);
  assert.match(problemOn(result, 17), /it is a web address; list just its domain, 'www\.bbc\.co\.uk'/);
  assert.match(problemOn(result, 18), /address ranges are not supported/);
  assert.match(problemOn(result, 21), /'intranet' \(it has no dot/);
  assert.match(problemOn(result, 22), /the line is 5,012 bytes long, more than the 4,096 a list line can have; skipped/);
  assert.equal(result.counts.lines, 23, 'the last line has no newline and still counts');
  assert.deepEqual([result.counts.blank, result.counts.comments, result.counts.duplicates], [2, 2, 1]);
});

test('host names are normalised the way the engine matches them, and refused with a reason a person can act on', () => {
  const ok = (raw: string) => {
    const check = normaliseHost(raw);
    assert.ok(check.ok, `${raw}: ${check.ok ? '' : check.reason}`);
    return check.host;
  };
  assert.equal(ok('WWW.Example.COM.'), 'www.example.com');
  assert.equal(ok('münchen.example'), 'xn--mnchen-3ya.example');
  assert.equal(ok('[2001:DB8:0:0::1]'), '2001:db8::1');
  assert.equal(ok('203.0.113.7'), '203.0.113.7');
  assert.equal(ok('r1---sn-abc.googlevideo.com'), 'r1---sn-abc.googlevideo.com');
  assert.equal(ok('blogspot.com'), 'blogspot.com', 'a private suffix is a real site that a list may mean to block');

  const refused = (raw: string) => {
    const check = normaliseHost(raw);
    assert.ok(!check.ok, `${raw} is refused`);
    return check.reason;
  };
  assert.equal(refused('exa mple.com'), "not a domain: 'exa mple.com' (it contains a space)");
  assert.equal(refused('gov.uk'), "'gov.uk' is a public suffix: it would block every site under it");
  assert.match(refused(`${'a.'.repeat(130)}com`), /it is 263 characters long; a domain can have at most 253/);
  assert.match(refused('ads.*.example.com'), /a wildcard is only allowed as a leading '\*\.'/);
  assert.match(refused('1.2.3'), /it ends in a number but is not an IP address/);
  assert.match(refused('tab\there.example'), /it contains a space/);
  assert.equal(normaliseHost('sch.uk', { allowPublicSuffix: true }).ok, true, 'an allow list may name every UK school');
});

test('an adblock list gives Osprey its whole-site rules, keeps @@ exceptions apart and skips browser-only rules quietly', () => {
  const result = parseAdblockList(fixture('adblock-mixed.txt'), 'easylist-extract.txt');

  assert.deepEqual(result.entries.domains, ['ads.example.com', 'tracker.example.net', 'popups.example.org', 'wildcard.example']);
  assert.deepEqual(result.entries.urls, ['example.org/ads/'], '||host/path is a URL prefix');
  assert.deepEqual(result.exceptions.domains, ['good.example.com', 'cdn.example.com']);
  assert.deepEqual(result.counts.skippedBecause, {
    'rule limited to some requests by its options': 1, // $script: blocking the whole host would overblock
    'pattern or wildcard rule': 1,
    'regular expression rule': 1,
    'element hiding or page script rule': 3,
    'rule without a || domain anchor': 2,
  });
  // Only genuinely broken rules are problems.
  assert.deepEqual(result.problems.map((p) => p.line), [19, 20]);
  assert.match(problemOn(result, 19), /not a domain: 'not a domain\.example' \(it contains a space\)/);
  assert.equal(result.counts.comments, 4);
});

test('a squidGuard category holds domains, URL prefixes and expressions; patterns that could hang the filter are refused', () => {
  const result = parseSquidGuardCategory({
    domains: '.bet.example\ncasino.example\n',
    urls: 'news.example/sport/betting/\nhttps://Odds.Example:8080/Football\nuser@odds.example/x\n',
    expressions: '# squidGuard expressionlist\n(casino|poker)-online\n(a+)\\1\n(?=lookahead)\n',
  }, 'gambling');

  assert.deepEqual(result.entries.domains, ['bet.example', 'casino.example']);
  assert.deepEqual(result.entries.urls, ['news.example/sport/betting/', 'odds.example:8080/Football'], 'host lower-cased, path kept');
  assert.deepEqual(result.entries.expressions, ['(casino|poker)-online']);
  assert.deepEqual(result.problems.map(describeProblem), [
    "gambling/urls line 3: not a web address: 'user@odds.example/x' (it contains a user name; list it without one)",
    "gambling/expressions line 3: not a pattern Osprey can use: '(a+)\\1' (invalid escape sequence: `\\1`)",
    "gambling/expressions line 4: not a pattern Osprey can use: '(?=lookahead)' (invalid or unsupported Perl syntax: `(?=`)",
  ]);
});

test('lines are split the same however the bytes arrive: CRLF, CR and multi-byte characters across chunk edges', () => {
  const text = Buffer.from('\uFEFFone.example\r\ntwo.example\rthree.example\r\nbücher.example\nlast.example', 'utf8');
  for (let cut = 1; cut < text.length; cut += 1) {
    const parser = createListParser('domains', 'chunked.txt');
    parser.push(text.subarray(0, cut));
    parser.push(text.subarray(cut));
    const result = parser.end();
    assert.deepEqual(result.entries.domains,
      ['one.example', 'two.example', 'three.example', 'xn--bcher-kva.example', 'last.example'], `cut at ${cut}`);
    assert.equal(result.counts.lines, 5, `cut at ${cut}`);
  }
});

test('a compressed or UTF-16 file is refused once, with what to do, not line by line', () => {
  const gzip = parseDomainList(Buffer.from([0x1f, 0x8b, 8, 0, 10, 10, 10, 10]), 'blacklists.tar.gz');
  assert.deepEqual(gzip.problems.map(describeProblem), ['blacklists.tar.gz line 1: the file is compressed (gzip); unpack it first, e.g. tar -xzf blacklists.tar.gz']);
  const utf16 = parseDomainList(Buffer.from('\uFEFFexample.com\r\n', 'utf16le'), 'notepad.txt');
  assert.equal(utf16.counts.problems, 1);
  assert.match(utf16.problems[0]?.reason ?? '', /saved as UTF-16 .* save it as UTF-8/);
});

test('a line longer than the limit is measured and reported without being kept, however it is chunked', () => {
  const lines: string[] = [];
  const tooLong: Array<[number, number]> = [];
  const reader = new LineReader({ line: (text) => lines.push(text), tooLong: (n, bytes) => tooLong.push([n, bytes]), unreadable() {} }, 16);
  reader.push(Buffer.from('short.example\n0123456789'));
  reader.push(Buffer.from('0123456789'));
  reader.push(Buffer.from('0123456789\nafter.example'));
  reader.end();
  assert.deepEqual(lines, ['short.example', 'after.example']);
  assert.deepEqual(tooLong, [[2, 30]]);
});

test('--format auto recognises each kind of list from its first lines', () => {
  assert.equal(detectFormat(fixture('hosts-windows.txt')).format, 'hosts');
  assert.equal(detectFormat(fixture('domains-messy.txt')).format, 'domains');
  const adblock = detectFormat(fixture('adblock-mixed.txt'));
  assert.equal(adblock.format, 'adblock');
  assert.match(adblock.reason, /of the first \d+ entries look like '\|\|example\.com\^'/);
  assert.equal(detectFormat('! Title: nothing yet\n').format, 'adblock');
  assert.equal(detectFormat('').format, 'domains');
  assert.equal(detectFormat('bet.example\n', 'ut1/gambling/domains').format, 'squidguard');
});
