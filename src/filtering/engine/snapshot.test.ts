import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { at, schoolInput } from '../../../test/fixtures/engine/school.ts';
import { decide } from './decide.ts';
import { SnapshotCompileError, type CompileProblem } from './problems.ts';
import { compileSnapshot, loadSnapshot, serialiseSnapshot, shareSnapshot } from './snapshot.ts';
import type { CompileInput, DecisionRequest } from './types.ts';

/** Hosts and URLs that reach every step of the precedence in the school fixture. */
function schoolRequests(): DecisionRequest[] {
  const hosts = ['bet365.com', 'www.bet365.com', 'coolmathgames.com', 'casino.example', 'maths.games.example', 'games.example',
    'instagram.com', 'abuse-host.example', 'www.google.co.uk', 'use-application-dns.net', 'hola.org', 'example.org', 'xn--bcher-spiele-dlb.example'];
  const urls = ['http://images.example.net/gallery/abc123', 'https://www.bbc.co.uk/bitesize/cheats/1', 'http://pics.example/xxx-pics/',
    'https://video.example.org/watch/terror1', 'http://example.com/adult/a.jpg'];
  const requests: DecisionRequest[] = [];
  for (const groupIds of [['year-6'], ['year-10'], ['staff'], []]) {
    for (const time of Object.values(at)) {
      for (const host of hosts) requests.push({ host, groupIds, time });
      for (const url of urls) requests.push({ host: new URL(url).hostname, url, groupIds, time });
    }
  }
  return requests;
}

const codes = (problems: readonly CompileProblem[]) => problems.map((p) => `${p.severity}:${p.code}`);

function compileError(input: CompileInput): SnapshotCompileError {
  try {
    compileSnapshot(input);
  } catch (error) {
    assert.ok(error instanceof SnapshotCompileError);
    return error;
  }
  assert.fail('compileSnapshot should have refused this input');
}

describe('snapshot save and load', () => {
  it('a snapshot saved to disk and loaded again gives identical decisions', () => {
    const compiled = compileSnapshot(schoolInput());
    const dir = mkdtempSync(path.join(tmpdir(), 'osprey-snapshot-'));
    try {
      writeFileSync(path.join(dir, 'school.osps'), serialiseSnapshot(compiled));
      const loaded = loadSnapshot(readFileSync(path.join(dir, 'school.osps')));
      assert.equal(loaded.domainCount, compiled.domainCount);
      const requests = schoolRequests();
      assert.ok(requests.length > 300);
      for (const request of requests) assert.deepEqual(decide(loaded, request), decide(compiled, request), JSON.stringify(request));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loading is zero-copy: the snapshot reads the buffer it was given', () => {
    const bytes = serialiseSnapshot(compileSnapshot(schoolInput())).slice();
    assert.equal(loadSnapshot(bytes).bytes.buffer, bytes.buffer);
  });

  it('bytes that are not 8-byte aligned are copied once, then work the same', () => {
    const bytes = serialiseSnapshot(compileSnapshot(schoolInput()));
    const padded = new Uint8Array(bytes.byteLength + 3);
    padded.set(bytes, 3);
    const loaded = loadSnapshot(padded.subarray(3));
    assert.equal(decide(loaded, { host: 'bet365.com', groupIds: ['year-6'], time: at.tuesdayMorningGmt }).action, 'block');
  });

  it('damaged, truncated or foreign files are refused with a message saying so', () => {
    const bytes = serialiseSnapshot(compileSnapshot(schoolInput())).slice();
    const flipped = bytes.slice();
    flipped[flipped.length - 200] ^= 0x40;
    assert.throws(() => loadSnapshot(flipped), /checksum does not match/);
    assert.throws(() => loadSnapshot(bytes.slice(0, bytes.length - 8)), /truncated/);
    assert.throws(() => loadSnapshot(new TextEncoder().encode('#!/bin/sh\n'.repeat(20))), /not an Osprey snapshot/);
    const future = bytes.slice();
    new DataView(future.buffer).setInt32(4, 99, true);
    assert.throws(() => loadSnapshot(future), /format 99 is not supported/);
  });

  it('a snapshot can live in a SharedArrayBuffer for worker threads', () => {
    const shared = compileSnapshot(schoolInput(), { shared: true });
    assert.ok(shared.bytes.buffer instanceof SharedArrayBuffer);
    const plain = compileSnapshot(schoolInput());
    assert.ok(shareSnapshot(plain).bytes.buffer instanceof SharedArrayBuffer);
    for (const request of schoolRequests().slice(0, 50)) assert.deepEqual(decide(shared, request), decide(plain, request));
  });

  it('the same input compiles to the same bytes', () => {
    assert.deepEqual(serialiseSnapshot(compileSnapshot(schoolInput())), serialiseSnapshot(compileSnapshot(schoolInput())));
  });
});

describe('compiling', () => {
  it('a domain on several lists is in every one of its categories', () => {
    const snapshot = compileSnapshot(schoolInput());
    // casino.example is in both Gambling and Games: Year 10 at lunch allows games but still blocks gambling
    const decision = decide(snapshot, { host: 'casino.example', groupIds: ['year-10'], time: at.tuesdayLunchGmt });
    assert.equal(decision.match?.categoryId, 'gambling');
    const staff = decide(snapshot, { host: 'casino.example', groupIds: ['staff'], time: at.tuesdayLunchGmt });
    assert.equal(staff.action, 'monitor');
  });

  it('a bad line in a downloaded list is refused with a warning; the rest of the list still works', () => {
    const input = schoolInput();
    input.lists.push({ sourceId: 'ut1', categoryId: 'gambling', domains: ['exa mple.com', 'paddypower.com'], urls: ['/no-host'], expressions: ['(a)\\1'] });
    const snapshot = compileSnapshot(input);
    assert.deepEqual(codes(snapshot.problems), ['warning:invalid_domain', 'warning:invalid_url', 'warning:unsafe_regex']);
    assert.match(snapshot.problems[0].message, /list ut1\/gambling: not a domain name or IP address: 'exa mple.com'/);
    assert.match(snapshot.problems[2].message, /back-references and look-around are not supported/);
    assert.equal(decide(snapshot, { host: 'paddypower.com', groupIds: ['year-6'], time: 0 }).action, 'block');
    assert.deepEqual(loadSnapshot(serialiseSnapshot(snapshot)).problems, snapshot.problems); // kept in the file
  });

  it('a bad entry in an illegal-content list stops compilation, so the last good snapshot stays in use', () => {
    const input = schoolInput();
    input.lists[0].domains.push('not a host');
    const error = compileError(input);
    assert.deepEqual(codes(error.problems), ['error:invalid_domain']);
    assert.match(error.message, /list iwf\/child-abuse/);
  });

  it('a regular expression that could take exponential time is refused, naming it', () => {
    const input = schoolInput();
    input.policies[0].localBlock.push({ id: 'sneaky', kind: 'regex', value: '(?=.*games)' });
    const error = compileError(input);
    assert.equal(error.problems[0].code, 'unsafe_regex');
    assert.equal(error.problems[0].ruleId, 'sneaky');
    assert.match(error.problems[0].message, /policy 'ks2': local entry 'sneaky': regular expression '\(\?=\.\*games\)' refused/);
  });

  it('mistakes people make in policies are errors that say where they are', () => {
    const input = schoolInput();
    input.timeZone = 'Europe/Londres';
    input.unidentifiedPolicyId = 'nobody';
    input.policies[1].schedules.push({ id: 'lunch', name: 'Again', days: [8], start: '25:00', end: '13:00', categoryActions: { games: 'allow' } });
    input.policies[1].exceptions.push({ id: 'ex2', kind: 'domain', value: 'example.com', expiresAt: 'next Friday' });
    input.policies[2].categoryActions.games = 'forbid' as never;
    input.policies[3].localAllow.push({ id: 'a', kind: 'domain', value: 'exa mple.com' }, { id: 'a', kind: 'url', value: 'example.com/x' });
    const problems = codes(compileError(input).problems);
    for (const expected of ['error:invalid_time_zone', 'error:unknown_policy', 'error:duplicate_id', 'error:invalid_schedule',
      'error:invalid_expiry', 'error:invalid_action', 'error:invalid_domain']) {
      assert.ok(problems.includes(expected), `${expected} in ${problems.join(', ')}`);
    }
  });

  it('an action for a category no list defines is a warning, not an error', () => {
    const input = schoolInput();
    input.policies[0].categoryActions['not-yet-loaded'] = 'block';
    assert.deepEqual(codes(compileSnapshot(input).problems), ['warning:unknown_category']);
  });

  it('a list naming an undefined category is an error: nobody can tell if it is illegal content', () => {
    const input = schoolInput();
    input.lists.push({ sourceId: 'x', categoryId: 'mystery', domains: ['a.example'], urls: [], expressions: [] });
    assert.deepEqual(codes(compileError(input).problems), ['error:unknown_category']);
  });

  it('input that is not a CompileInput is refused without a crash', () => {
    for (const bad of [null, {}, { categories: 'x', lists: [], policies: [] }]) {
      assert.throws(() => compileSnapshot(bad as unknown as CompileInput), SnapshotCompileError);
    }
  });
});
