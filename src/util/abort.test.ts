import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untilAborted } from './abort.js';

test('untilAborted resolves when the signal aborts, and at once for one already aborted', async () => {
  const ac = new AbortController();
  let done = false;
  const p = untilAborted(ac.signal).then(() => { done = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  ac.abort();
  await p;
  assert.equal(done, true);
  await untilAborted(AbortSignal.abort());
});
