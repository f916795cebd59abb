import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../../testing/wrappers.js';
import { SchedulingGates } from './scheduling-gates.js';

test('SchedulingGates PreEnqueue', () => {
  const pl = new SchedulingGates();
  assert.equal(pl.preEnqueue(makePod().name('p').info()), undefined);
  const s = pl.preEnqueue(makePod().name('p').schedulingGates(['example.com/a', 'b']).info());
  assert.equal(s?.code, 'UnschedulableAndUnresolvable');
  assert.equal(s?.message(), 'waiting for scheduling gates: [example.com/a b]');
  const hint = pl.eventsToRegister()[0].hint!;
  const gated = makePod().name('p').schedulingGates(['a']).obj();
  assert.equal(hint(gated, gated, makePod().name('p').obj()), 'Queue');
  assert.equal(hint(gated, gated, makePod().name('other').obj()), 'QueueSkip');
});
