import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { ResultsManager } from './results.js';
import type { ProbeTarget } from './runners.js';
import { ProbeWorker, firstProbeAt } from './worker.js';

const target: ProbeTarget = { podIP: '127.0.0.1', ports: {}, exec: async () => ({ exitCode: 0, output: '', timedOut: false }) };

test('firstProbeAt: without an anchor at once after the initial delay; with one on the first tick after the start and the delay', () => {
  assert.equal(firstProbeAt(1_000, 0, 10_000), 1_000);
  assert.equal(firstProbeAt(1_000, 15_000, 10_000), 16_000);
  // The pod arrived at 0, its container started 1.2 s later: first probe at the 10 s tick.
  assert.equal(firstProbeAt(1_200, 0, 10_000, 0), 10_000);
  // A container started exactly on a tick is probed at the next one (that tick saw it not yet running).
  assert.equal(firstProbeAt(20_000, 0, 10_000, 0), 30_000);
  // A restarted instance (started at 43 s) is probed at the 50 s tick.
  assert.equal(firstProbeAt(43_000, 0, 10_000, 0), 50_000);
  // initialDelaySeconds 15 after a start at 1.2 s: ticks at 10 s is inside the delay, 20 s is the first.
  assert.equal(firstProbeAt(1_200, 15_000, 10_000, 0), 20_000);
});

test('a liveness worker with a tick anchor does not probe a server that just started; it probes on the pod\'s ticks', async () => {
  const clock = new FakeClock();
  const anchor = clock.now();
  await clock.step(1_500);
  const probedAt: number[] = [];
  const w = new ProbeWorker({
    containerId: 'c1', containerName: 'kubia', kind: 'liveness', probe: { httpGet: { port: 8080 } },
    startedAt: clock.now(), clock, target, results: new ResultsManager(() => {}), tickAnchor: anchor,
    onFailedAttempt: () => {},
    runner: async () => { probedAt.push(clock.now().getTime() - anchor.getTime()); return { ok: true, output: '' }; },
  });
  void w.run();
  await clock.step(1);
  assert.deepEqual(probedAt, [], 'no probe the moment the container started');
  await clock.step(8_499);
  assert.deepEqual(probedAt, [10_000]);
  await clock.step(10_000);
  assert.deepEqual(probedAt, [10_000, 20_000]);
  w.stop();
});
