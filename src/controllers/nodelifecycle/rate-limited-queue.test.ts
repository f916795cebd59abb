import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { RateLimitedTimedQueue, TokenBucket } from './rate-limited-queue.js';

describe('TokenBucket', () => {
  it('starts full and refills at qps', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket(clock, 0.1);
    assert.equal(b.tryAccept(), true);
    assert.equal(b.tryAccept(), false);
    await clock.step(9_000);
    assert.equal(b.tryAccept(), false);
    await clock.step(1_000);
    assert.equal(b.tryAccept(), true);
  });
  it('never accepts at 0 qps', () => assert.equal(new TokenBucket(new FakeClock(), 0).tryAccept(), false));
});

describe('RateLimitedTimedQueue', () => {
  it('processes one node per token, keeps failures for later, and stops at qps 0', async () => {
    const clock = new FakeClock();
    const q = new RateLimitedTimedQueue(clock, 0.1);
    assert.equal(q.add('host01', 'u1'), true);
    assert.equal(q.add('host01', 'u1'), false, 'a value is queued once');
    q.add('host02', 'u2');
    const seen: string[] = [];
    await q.try(async (v) => { seen.push(v.value); return { ok: true, waitMs: 0 }; });
    assert.deepEqual(seen, ['host01'], 'one token: one node');
    await clock.step(10_000);
    await q.try(async (v) => { seen.push(v.value); return { ok: false, waitMs: 50 }; });
    assert.deepEqual(seen, ['host01', 'host02']);
    assert.equal(q.has('host02'), true, 'a failed value stays queued');
    q.swapLimiter(0);
    await clock.step(60_000);
    await q.try(async (v) => { seen.push(v.value); return { ok: true, waitMs: 0 }; });
    assert.equal(seen.length, 2, 'no processing at qps 0');
    q.swapLimiter(0.1);
    await clock.step(10_000);
    await q.try(async (v) => { seen.push(v.value); return { ok: true, waitMs: 0 }; });
    assert.deepEqual(seen, ['host01', 'host02', 'host02']);
    assert.equal(q.remove('host02'), false);
  });
});
