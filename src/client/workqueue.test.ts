import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter, WorkQueue, defaultControllerRateLimiter } from './workqueue.js';

describe('WorkQueue', () => {
  it('is fair: keys come out in the order first added, duplicates collapse', async () => {
    const q = new WorkQueue<string>(new FakeClock());
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    assert.equal(q.len(), 3);
    const got = [await q.get(), await q.get(), await q.get()];
    assert.deepEqual(got, ['a', 'b', 'c']);
  });

  it('is stingy: a key re-added while processing is handed out again only after done', async () => {
    const q = new WorkQueue<string>(new FakeClock());
    q.add('a');
    assert.equal(await q.get(), 'a');
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while a worker holds it');
    let second: string | undefined;
    void q.get().then((k) => { second = k; });
    await new Promise((r) => setImmediate(r));
    assert.equal(second, undefined, 'no second worker gets it concurrently');
    q.done('a');
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'a');
  });

  it('a key added while nobody processes it is queued once, and done without re-add does not requeue', async () => {
    const q = new WorkQueue<string>(new FakeClock());
    q.add('x');
    const k = await q.get();
    q.done(k!);
    assert.equal(q.len(), 0);
  });

  it('hands a key straight to a waiting worker', async () => {
    const q = new WorkQueue<string>(new FakeClock());
    const p = q.get();
    q.add('z');
    assert.equal(await p, 'z');
  });

  it('addAfter delays on the injected clock; the earliest of two delays wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock);
    q.addAfter('a', 1000);
    q.addAfter('a', 500);
    q.addAfter('a', 2000);
    await clock.step(499);
    assert.equal(q.len(), 0);
    await clock.step(1);
    assert.equal(q.len(), 1);
    await clock.step(5000);
    assert.equal(q.len(), 1, 'cancelled later timers do not add it again');
  });

  it('addRateLimited backs off exponentially per key; forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>(clock, new ItemExponentialRateLimiter<string>(10, 1000));
    q.addRateLimited('a');
    q.addRateLimited('a');
    assert.equal(q.numRequeues('a'), 2);
    await clock.step(9);
    assert.equal(q.len(), 0);
    await clock.step(1);
    assert.equal(q.len(), 1);
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
  });

  it('shutDown wakes waiting workers with undefined but still hands out queued keys; adds after are dropped', async () => {
    const q = new WorkQueue<string>(new FakeClock());
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, undefined);
    const q2 = new WorkQueue<string>(new FakeClock());
    q2.add('a');
    q2.shutDown();
    q2.add('b');
    assert.equal(await q2.get(), 'a');
    assert.equal(await q2.get(), undefined);
    assert.equal(q2.shuttingDown(), true);
  });

  it('shutDownWithDrain waits for keys in flight', async () => {
    const q = new WorkQueue<string>(new FakeClock());
    q.add('a');
    const k = await q.get();
    let drained = false;
    const p = q.shutDownWithDrain().then(() => { drained = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    q.done(k!);
    await p;
    assert.equal(drained, true);
  });
});

describe('rate limiters', () => {
  it('item exponential: base·2^n capped', () => {
    const l = new ItemExponentialRateLimiter<string>(5, 40);
    assert.deepEqual([l.when('a'), l.when('a'), l.when('a'), l.when('a'), l.when('a')], [5, 10, 20, 40, 40]);
    assert.equal(l.when('b'), 5, 'per key');
  });

  it('token bucket: burst free, then qps', async () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>(clock, 10, 3);
    assert.deepEqual([l.when('a'), l.when('b'), l.when('c')], [0, 0, 0]);
    assert.equal(l.when('d'), 100);
    assert.equal(l.when('e'), 200);
    await clock.step(1000);
    assert.equal(l.when('f'), 0, 'refilled after a second');
  });

  it('max-of takes the longest; the default limiter starts at 5 ms', () => {
    const clock = new FakeClock();
    const l = new MaxOfRateLimiter<string>(new ItemExponentialRateLimiter<string>(1, 100), new ItemExponentialRateLimiter<string>(7, 100));
    assert.equal(l.when('a'), 7);
    assert.equal(l.numRequeues('a'), 1);
    assert.equal(defaultControllerRateLimiter<string>(clock).when('x'), 5);
  });
});
