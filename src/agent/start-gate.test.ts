import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../util/clock.js';
import { StartGate } from './start-gate.js';

/** deferred is a step the test finishes by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
const tick = () => new Promise((r) => setImmediate(r));

test('no more steps run at once than the limit', async () => {
  const gate = new StartGate(2, new FakeClock());
  const steps = [deferred(), deferred(), deferred()];
  const began: number[] = [];
  const runs = steps.map((d, i) => gate.run(i, async () => { began.push(i); await d.promise; }));
  await tick();
  assert.deepEqual(began, [0, 1]);
  assert.equal(gate.inUse, 2);
  assert.equal(gate.queued, 1);
  steps[0].resolve();
  await tick();
  assert.deepEqual(began, [0, 1, 2]);
  steps[1].resolve();
  steps[2].resolve();
  await Promise.all(runs);
  assert.equal(gate.inUse, 0);
});

test('waiting steps are admitted lowest priority number first, ties in arrival order', async () => {
  const gate = new StartGate(1, new FakeClock());
  const first = deferred();
  const order: string[] = [];
  const runs = [gate.run(5, async () => { order.push('holder'); await first.promise; })];
  await tick();
  for (const [p, name] of [[9, 'late pod'], [3, 'early pod a'], [7, 'middle pod'], [3, 'early pod b']] as const) {
    runs.push(gate.run(p, async () => { order.push(name); }));
  }
  first.resolve();
  await Promise.all(runs);
  assert.deepEqual(order, ['holder', 'early pod a', 'early pod b', 'middle pod', 'late pod']);
});

test('a failing step gives its slot back and its error to the caller', async () => {
  const gate = new StartGate(1, new FakeClock());
  await assert.rejects(gate.run(0, async () => { throw new Error('mount failed'); }), /mount failed/);
  assert.equal(gate.inUse, 0);
  assert.equal(await gate.run(1, async () => 'next'), 'next');
});

test('a step held past the hold limit lets the next one in, and its own end does not free a second slot', async () => {
  const clock = new FakeClock();
  const gate = new StartGate(1, clock, 1000);
  const hung = deferred();
  const began: string[] = [];
  const a = gate.run(0, async () => { began.push('hung'); await hung.promise; });
  const b = gate.run(1, async () => { began.push('next'); await new Promise(() => undefined); });
  const c = gate.run(2, async () => { began.push('third'); });
  await tick();
  assert.deepEqual(began, ['hung']);
  await clock.step(999);
  assert.deepEqual(began, ['hung']);
  await clock.step(1);
  assert.deepEqual(began, ['hung', 'next']);
  // The hung step ends: its slot was already given up, so the third still waits for 'next'.
  hung.resolve();
  await a;
  await tick();
  assert.deepEqual(began, ['hung', 'next']);
  assert.equal(gate.inUse, 1);
  await clock.step(1000);
  await c;
  assert.deepEqual(began, ['hung', 'next', 'third']);
  void b;
});

test('a limit below one is refused', () => {
  assert.throws(() => new StartGate(0, new FakeClock()), /at least 1/);
});
