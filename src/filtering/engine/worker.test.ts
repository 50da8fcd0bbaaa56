import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { at, schoolInput } from '../../../test/fixtures/engine/school.ts';
import { decide } from './decide.ts';
import { compileSnapshot } from './snapshot.ts';
import type { Decision, DecisionRequest } from './types.ts';

const WORKER = new URL('../../../test/fixtures/engine/decide-worker.mjs', import.meta.url);

describe('worker threads', () => {
  it('a snapshot posted to a worker as a SharedArrayBuffer gives the same decisions there, without a copy', async () => {
    const snapshot = compileSnapshot(schoolInput(), { shared: true });
    const requests: DecisionRequest[] = [
      { host: 'bet365.com', groupIds: ['year-6'], time: at.tuesdayMorningGmt },
      { host: 'coolmathgames.com', groupIds: ['year-10'], time: at.wednesdayLunchBst },
      { host: 'images.example.net', url: 'http://images.example.net/gallery/abc123', groupIds: ['staff'], time: at.tuesdayMorningGmt },
      { host: 'www.google.co.uk', groupIds: ['year-6'], time: at.tuesdayMorningGmt },
      { host: 'exa mple', time: at.tuesdayMorningGmt },
    ];
    const worker = new Worker(WORKER);
    try {
      worker.postMessage({ buffer: snapshot.bytes.buffer, requests });
      const [reply] = (await once(worker, 'message')) as [{ decisions: Decision[]; shared: boolean }];
      assert.equal(reply.shared, true); // the worker's views are over the very buffer posted, not a clone
      assert.deepEqual(reply.decisions, requests.map((request) => decide(snapshot, request)));
      assert.equal(reply.decisions[0].action, 'block');
    } finally {
      await worker.terminate();
    }
  });
});
