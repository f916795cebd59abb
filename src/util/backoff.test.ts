import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { Backoff } from './backoff.js';

it('Backoff doubles from the initial delay up to the maximum and measures back-off since the last update', async () => {
  const clock = new FakeClock();
  const b = new Backoff(clock, 10_000, 40_000);
  assert.equal(b.inBackOffSinceUpdate('k'), false);
  b.next('k');
  assert.equal(b.get('k'), 10_000);
  assert.equal(b.inBackOffSinceUpdate('k'), true);
  await clock.step(4_000);
  assert.equal(b.remainingSinceUpdateMs('k'), 6_000);
  await clock.step(6_000);
  assert.equal(b.inBackOffSinceUpdate('k'), false);
  b.next('k');
  b.next('k');
  b.next('k');
  assert.equal(b.get('k'), 40_000);
  // idle for more than twice the maximum: it starts over
  await clock.step(80_001);
  assert.equal(b.inBackOffSinceUpdate('k'), false);
  b.next('k');
  assert.equal(b.get('k'), 10_000);
});
