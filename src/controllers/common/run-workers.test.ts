import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, ItemExponentialRateLimiter } from '../../client/workqueue.js';
import { FakeClock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers } from './run-workers.js';

const quiet = log.child({ test: 'run-workers' });

describe('runWorkers', () => {
  it('syncs keys, retries failures rate-limited, forgets on success, stops on abort', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>(clock, new ItemExponentialRateLimiter<string>(100, 1000));
    const calls: string[] = [];
    let failures = 1;
    const ac = new AbortController();
    const done = runWorkers({
      queue, workers: 2, signal: ac.signal, log: quiet,
      sync: async (key) => {
        calls.push(key);
        if (key === 'bad' && failures-- > 0) throw new Error('transient');
      },
    });
    queue.add('a');
    queue.add('bad');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls.sort(), ['a', 'bad']);
    assert.equal(queue.numRequeues('bad'), 1);
    await clock.step(100);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls.filter((c) => c === 'bad').length, 2, 'retried after the back-off');
    assert.equal(queue.numRequeues('bad'), 0, 'forgotten after success');
    ac.abort();
    await done;
  });

  it('requeueAfterMs schedules another sync without counting a failure', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>(clock);
    let n = 0;
    const ac = new AbortController();
    const done = runWorkers({ queue, workers: 1, signal: ac.signal, log: quiet, sync: async () => { n++; return n === 1 ? { requeueAfterMs: 5000 } : undefined; } });
    queue.add('k');
    await new Promise((r) => setImmediate(r));
    assert.equal(n, 1);
    await clock.step(5000);
    await new Promise((r) => setImmediate(r));
    assert.equal(n, 2);
    assert.equal(queue.numRequeues('k'), 0);
    ac.abort();
    await done;
  });

  it('waits for the caches before the first sync', async () => {
    const queue = new WorkQueue<string>(new FakeClock());
    let synced = false;
    let release!: () => void;
    const ac = new AbortController();
    const seen: boolean[] = [];
    const done = runWorkers({
      queue, workers: 1, signal: ac.signal, log: quiet,
      waitForSync: () => new Promise<void>((r) => { release = () => { synced = true; r(); }; }),
      sync: async () => { seen.push(synced); },
    });
    queue.add('k');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, []);
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, [true]);
    ac.abort();
    await done;
  });
});
