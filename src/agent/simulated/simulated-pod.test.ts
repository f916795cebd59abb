import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Backoff } from '../../util/backoff.js';
import { FakeClock } from '../../util/clock.js';
import { SIMULATED_EXIT_AFTER, SIMULATED_EXIT_CODE } from '../../runtime/simulated/simulated-runtime.js';
import { SimulatedPod } from './simulated-pod.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pod = (spec: Partial<Pod['spec']> = {}, annotations?: Record<string, string>): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1', ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
});

function newPod(p: Pod, clock = new FakeClock(new Date(T0))): { sp: SimulatedPod; clock: FakeClock; backOffs: string[] } {
  const sp = new SimulatedPod('u1', 'default/p', 'sim0001', new Backoff(clock));
  sp.start(T0, ['10.244.0.2']);
  return { sp, clock, backOffs: [] };
}

test('a plain pod runs at once: Running, ready, the scheduler\'s PodScheduled kept last', () => {
  const p = pod();
  const { sp } = newPod(p);
  const adv = sp.advance(p, T0, () => {});
  assert.equal(adv.changed, true);
  assert.equal(adv.wakeInMs, undefined, 'nothing will happen on its own');
  const st = sp.status(p, T0, '127.0.0.1', true);
  assert.equal(st.phase, 'Running');
  assert.deepEqual(st.conditions!.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  assert.equal(st.startTime, '2026-01-01T00:00:00Z');
  assert.equal(st.qosClass, 'BestEffort');
  assert.deepEqual(st.podIPs, [{ ip: '10.244.0.2' }]);
  assert.equal(st.containerStatuses![0].state!.running!.startedAt, '2026-01-01T00:00:00Z');
});

test('an Always pod whose container exits is restarted at once, then waits out a doubling back-off (CrashLoopBackOff)', async () => {
  const p = pod({}, { [SIMULATED_EXIT_AFTER]: '1s', [SIMULATED_EXIT_CODE]: '3' });
  const clock = new FakeClock(new Date(T0));
  const { sp } = newPod(p, clock);
  const warnings: string[] = [];
  const onBackOff = (_c: string, m: string) => warnings.push(m);
  assert.equal(sp.advance(p, T0, onBackOff).wakeInMs, 1000);
  // At 1 s it exits 3 and is restarted at once (the first restart has no back-off).
  await clock.step(1000);
  assert.equal(sp.advance(p, T0 + 1000, onBackOff).wakeInMs, 1000);
  let cs = sp.status(p, T0 + 1000, '127.0.0.1', true).containerStatuses![0];
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.lastState!.terminated!.exitCode, 3);
  assert.equal(cs.lastState!.terminated!.reason, 'Error');
  assert.ok(cs.state!.running);
  // At 2 s it exits again: 10 s of back-off from its exit.
  await clock.step(1000);
  const adv = sp.advance(p, T0 + 2000, onBackOff);
  assert.equal(adv.wakeInMs, 10_001);
  const st = sp.status(p, T0 + 2000, '127.0.0.1', true);
  cs = st.containerStatuses![0];
  assert.equal(cs.state!.waiting!.reason, 'CrashLoopBackOff');
  assert.equal(cs.state!.waiting!.message, 'back-off 10s restarting failed container=c pod=p_default(u1)');
  assert.equal(cs.lastState!.terminated!.exitCode, 3);
  assert.equal(st.phase, 'Running');
  assert.deepEqual(warnings, ['Back-off restarting failed container c in pod p_default(u1)']);
  // After the back-off it runs again (restart 2); the warning is not repeated.
  await clock.step(10_001);
  sp.advance(p, T0 + 12_001, onBackOff);
  cs = sp.status(p, T0 + 12_001, '127.0.0.1', true).containerStatuses![0];
  assert.equal(cs.restartCount, 2);
  assert.ok(cs.state!.running);
  assert.equal(warnings.length, 1);
});

test('a failing init container under restartPolicy Never fails the pod; with annotations init containers take their time too', () => {
  const p = pod({ restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox' }] }, { [SIMULATED_EXIT_AFTER]: '500ms', [SIMULATED_EXIT_CODE]: '1' });
  const { sp } = newPod(p);
  assert.equal(sp.advance(p, T0, () => {}).wakeInMs, 500);
  let st = sp.status(p, T0, '127.0.0.1', true);
  assert.equal(st.phase, 'Pending');
  assert.ok(st.initContainerStatuses![0].state!.running);
  assert.equal(st.containerStatuses![0].state!.waiting!.reason, 'PodInitializing');
  sp.advance(p, T0 + 500, () => {});
  st = sp.status(p, T0 + 500, '127.0.0.1', true);
  assert.equal(st.phase, 'Failed');
  assert.equal(sp.isTerminal, true);
  assert.equal(st.initContainerStatuses![0].state!.terminated!.exitCode, 1);
});

test('stopAll (deletion) ends running containers with exit 0, as the simulated runtime stops them', () => {
  const p = pod();
  const { sp } = newPod(p);
  sp.advance(p, T0, () => {});
  sp.stopAll(T0 + 5000);
  const cs = sp.status(p, T0 + 5000, '127.0.0.1', false).containerStatuses![0];
  assert.equal(cs.state!.terminated!.exitCode, 0);
  assert.equal(cs.state!.terminated!.reason, 'Completed');
  assert.equal(cs.state!.terminated!.finishedAt, '2026-01-01T00:00:05Z');
});

test('adopt takes over a status an earlier engine wrote: same container IDs, nothing to change', () => {
  const p = pod();
  const { sp } = newPod(p);
  sp.advance(p, T0, () => {});
  const written = sp.status(p, T0, '127.0.0.1', true);
  const again = new SimulatedPod('u1', 'default/p', 'sim0001', new Backoff(new FakeClock(new Date(T0))));
  const seen: Pod = { ...p, status: written };
  assert.equal(again.adopt(seen), true);
  assert.equal(again.advance(seen, T0 + 60_000, () => {}).changed, false);
  assert.deepEqual(again.status(seen, T0 + 60_000, '127.0.0.1', true), written);
  assert.equal(new SimulatedPod('u2', 'default/q', 'sim0001', new Backoff(new FakeClock())).adopt(pod()), false, 'a Pending status is not adopted');
});
