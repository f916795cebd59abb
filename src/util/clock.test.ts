import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, realClock } from './clock.js';

test('FakeClock starts where told and moves only on step', async () => {
  const c = new FakeClock(new Date('2026-05-01T00:00:00Z'));
  assert.equal(c.now().toISOString(), '2026-05-01T00:00:00.000Z');
  await c.step(1500);
  assert.equal(c.now().toISOString(), '2026-05-01T00:00:01.500Z');
  assert.equal(new FakeClock().now().toISOString(), '2026-01-01T00:00:00.000Z');
});

test('FakeClock fires timers in due order, ties in the order they were set, each at its own time', async () => {
  const c = new FakeClock(new Date(0));
  const fired: string[] = [];
  const at = (name: string) => () => fired.push(`${name}@${c.now().getTime()}`);
  const cases: [string, number][] = [['c', 300], ['a', 100], ['b1', 200], ['b2', 200], ['zero', 0], ['neg', -5], ['late', 1000]];
  for (const [name, ms] of cases) c.setTimeout(at(name), ms);
  assert.equal(c.pending(), 7);
  await c.step(300);
  assert.deepEqual(fired, ['zero@0', 'neg@0', 'a@100', 'b1@200', 'b2@200', 'c@300']);
  assert.equal(c.pending(), 1);
  assert.equal(c.now().getTime(), 300);
  await c.step(699);
  assert.equal(fired.length, 6, 'late is due at 1000, not 999');
  await c.step(1);
  assert.equal(fired.at(-1), 'late@1000');
});

test('FakeClock: timers set by a firing timer within the step also fire, later ones wait', async () => {
  const c = new FakeClock(new Date(0));
  const fired: number[] = [];
  const chain = () => { fired.push(c.now().getTime()); c.setTimeout(chain, 100); };
  c.setTimeout(chain, 100);
  await c.step(350);
  assert.deepEqual(fired, [100, 200, 300]);
  assert.equal(c.pending(), 1);
});

test('FakeClock: a cancelled timer never fires', async () => {
  const c = new FakeClock(new Date(0));
  let n = 0;
  const cancel = c.setTimeout(() => n++, 10);
  c.setTimeout(() => n += 10, 20);
  cancel();
  await c.step(100);
  assert.equal(n, 10);
  assert.equal(c.pending(), 0);
});

test('FakeClock.sleep resolves after the step and code after it runs within the step', async () => {
  const c = new FakeClock(new Date(0));
  const log: string[] = [];
  const sleeper = (async () => { await c.sleep(50); log.push(`woke@${c.now().getTime()}`); await c.sleep(50); log.push(`woke@${c.now().getTime()}`); })();
  await c.step(49);
  assert.deepEqual(log, []);
  await c.step(1);
  assert.deepEqual(log, ['woke@50']);
  await c.step(50);
  await sleeper;
  assert.deepEqual(log, ['woke@50', 'woke@100']);
});

test('FakeClock.sleep: abort rejects with the signal\'s reason and drops the timer', async () => {
  const c = new FakeClock(new Date(0));
  const ac = new AbortController();
  const p = c.sleep(1000, ac.signal);
  assert.equal(c.pending(), 1);
  const reason = new Error('stop');
  ac.abort(reason);
  await assert.rejects(p, (e) => e === reason);
  assert.equal(c.pending(), 0, 'the aborted sleep leaves no timer behind');

  const pre = AbortSignal.abort('already');
  await assert.rejects(c.sleep(10, pre), (e) => e === 'already');
  assert.equal(c.pending(), 0);

  // A sleep that finished ignores a later abort.
  const ac2 = new AbortController();
  const done = c.sleep(10, ac2.signal);
  await c.step(10);
  await done;
  ac2.abort();
});

test('realClock.setTimeout: cancel stops the timer (a later timer fires, the cancelled one never)', async () => {
  const fired: string[] = [];
  const cancel = realClock.setTimeout(() => fired.push('cancelled'), 1);
  cancel();
  await new Promise<void>((resolve) => { realClock.setTimeout(() => { fired.push('kept'); resolve(); }, 20); });
  // Node fires timers in due order: had the 1 ms timer not been cancelled it would be first.
  assert.deepEqual(fired, ['kept']);
});

test('realClock.sleep resolves, and rejects with the reason when aborted (before or during)', async () => {
  const t0 = realClock.now().getTime();
  await realClock.sleep(5);
  assert.ok(realClock.now().getTime() >= t0);
  const ac = new AbortController();
  const p = realClock.sleep(60_000, ac.signal);
  ac.abort(new Error('cancelled'));
  await assert.rejects(p, /cancelled/);
  await assert.rejects(realClock.sleep(10, AbortSignal.abort(new Error('before'))), /before/);
});
