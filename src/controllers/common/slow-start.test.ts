import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartBatch } from './slow-start.js';

describe('slowStartBatch', () => {
  it('calls in batches of 1, 2, 4, … and counts successes', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    let current = 0;
    const r = await slowStartBatch(10, 1, async () => {
      inFlight++;
      current++;
      await new Promise((res) => setImmediate(res));
      if (inFlight > 0) { batches.push(current); current = 0; inFlight = 0; }
    });
    assert.equal(r.successes, 10);
    assert.equal(r.error, undefined);
    assert.deepEqual(batches.filter((b) => b > 0), [1, 2, 4, 3]);
  });

  it('stops after the first batch with an error', async () => {
    let calls = 0;
    const r = await slowStartBatch(100, 1, async (i) => {
      calls++;
      if (i >= 2) throw new Error('quota exceeded');
    });
    // batch 1: index 0 ok; batch 2: 1 ok, 2 fails → stop; nothing more is attempted.
    assert.equal(calls, 3);
    assert.equal(r.successes, 2);
    assert.equal((r.error as Error).message, 'quota exceeded');
  });

  it('does nothing for zero', async () => {
    const r = await slowStartBatch(0, 1, async () => { throw new Error('never'); });
    assert.deepEqual(r, { successes: 0 });
  });
});
