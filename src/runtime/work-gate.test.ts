import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkGate } from './work-gate.js';

test('drain waits for the work under way and refuses new work', async () => {
  const gate = new WorkGate();
  let finish!: () => void;
  let done = false;
  const first = gate.run('run sandbox', () => new Promise<void>((r) => { finish = r; }).then(() => { done = true; }));
  let drained = false;
  assert.equal(gate.draining, false);
  const draining = gate.drain().then(() => { drained = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, 'drain resolved while work was still running');
  assert.equal(gate.draining, true, 'the runtime knows it is shutting down from the start of the drain');
  await assert.rejects(gate.run('start container', async () => 1), /start container: the runtime is shutting down/);
  finish();
  await draining;
  await first;
  assert.equal(done, true);
  assert.equal(drained, true);
});

test('failed work does not keep drain waiting, and its error reaches its caller', async () => {
  const gate = new WorkGate();
  const failing = gate.run('run sandbox', async () => { throw new Error('mount failed'); });
  await assert.rejects(failing, /mount failed/);
  await gate.drain();
});

test('work passes its result through while the gate is open', async () => {
  const gate = new WorkGate();
  assert.equal(await gate.run('x', async () => 42), 42);
});
