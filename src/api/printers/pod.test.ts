import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podStatusCells } from './pod.js';
import { humanDuration } from './duration.js';

const now = new Date('2026-01-01T00:10:00Z');
const pod = (status: object, spec: object = { containers: [{ name: 'a' }] }, meta: object = {}) => ({ metadata: { name: 'p', ...meta }, spec, status });

test('STATUS follows kubectl: phase, waiting and terminated reasons, init containers, Terminating', () => {
  assert.equal(podStatusCells(pod({ phase: 'Pending' }), now).reason, 'Pending');
  assert.equal(podStatusCells(pod({ phase: 'Running', containerStatuses: [{ name: 'a', ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 3, lastState: { terminated: { finishedAt: '2026-01-01T00:05:00Z' } } }] }), now).reason, 'CrashLoopBackOff');
  assert.equal(podStatusCells(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { reason: 'Completed', exitCode: 0 } } }] }), now).reason, 'Completed');
  assert.equal(podStatusCells(pod({ phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 2 } } }] }), now).reason, 'ExitCode:2');
  const init = { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] };
  assert.equal(podStatusCells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }] }, init), now).reason, 'Init:0/1');
  assert.equal(podStatusCells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { terminated: { reason: 'Error', exitCode: 1 } } }] }, init), now).reason, 'Init:Error');
  assert.equal(podStatusCells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, init), now).reason, 'Init:CrashLoopBackOff');
  assert.equal(podStatusCells(pod({ phase: 'Running' }, undefined, { deletionTimestamp: '2026-01-01T00:09:00Z' }), now).reason, 'Terminating');
});

test('READY counts ready running containers; RESTARTS shows when the last one was', () => {
  const s = podStatusCells(pod({ phase: 'Running', containerStatuses: [{ name: 'a', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { finishedAt: '2026-01-01T00:05:00Z' } } }] }), now);
  assert.equal(s.ready, '1/1');
  assert.equal(s.reason, 'Running');
  assert.equal(s.restarts, '2 (5m ago)');
});

test('humanDuration matches Kubernetes', () => {
  assert.equal(humanDuration(5_000), '5s');
  assert.equal(humanDuration(119_000), '119s');
  assert.equal(humanDuration(200_000), '3m20s');
  assert.equal(humanDuration(15 * 60_000), '15m');
  assert.equal(humanDuration(5 * 3600_000 + 60_000), '5h1m');
  assert.equal(humanDuration(30 * 3600_000), '30h');
  assert.equal(humanDuration(3 * 24 * 3600_000 + 2 * 3600_000), '3d2h');
});

test('sidecars (restartable init containers) count in READY once started and are not Init:0/1; their restarts count with the app containers\'', () => {
  const spec = { initContainers: [{ name: 'side', restartPolicy: 'Always' }], containers: [{ name: 'a' }] };
  // not started yet: initializing, as kubectl shows it
  const starting = podStatusCells(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'side', started: false, ready: false, state: { running: {} } }], containerStatuses: [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }] }, spec), now);
  assert.deepEqual([starting.ready, starting.reason], ['0/2', 'Init:0/1']);
  const running = podStatusCells(pod({
    phase: 'Running',
    conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
    initContainerStatuses: [{ name: 'side', started: true, ready: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { finishedAt: '2026-01-01T00:07:00Z' } } }],
    containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: { running: {} } }],
  }, spec), now);
  assert.deepEqual([running.ready, running.reason, running.restarts], ['2/2', 'Running', '1 (3m ago)']);
});
