import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPod, defaultProbe } from './pod-defaults.js';

test('defaultProbe: absent and zero thresholds and periods get Kubernetes\' defaults (Go clients send 0 for unset)', () => {
  const absent: Record<string, unknown> = { exec: { command: ['true'] } };
  defaultProbe(absent);
  const zero: Record<string, unknown> = { exec: { command: ['true'] }, timeoutSeconds: 0, periodSeconds: 0, successThreshold: 0, failureThreshold: 0 };
  defaultProbe(zero);
  for (const p of [absent, zero]) {
    assert.deepEqual([p.timeoutSeconds, p.periodSeconds, p.successThreshold, p.failureThreshold], [1, 10, 1, 3]);
  }
  const set: Record<string, unknown> = { timeoutSeconds: 5, periodSeconds: 2, successThreshold: 1, failureThreshold: 1 };
  defaultProbe(set);
  assert.deepEqual([set.timeoutSeconds, set.periodSeconds, set.successThreshold, set.failureThreshold], [5, 2, 1, 1]);
});

test('defaultPod: container quantities are stored canonical (the CPU walkthrough\'s cpu "0.5" reads back 500m); bad ones are left for validation', () => {
  const pod: Record<string, any> = { spec: { containers: [{ name: 'c', image: 'vish/stress', resources: { limits: { cpu: 1, memory: '2048Ki' }, requests: { cpu: '0.5', memory: 'lots' } } }] } };
  defaultPod(pod);
  assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '1', memory: '2Mi' }, requests: { cpu: '500m', memory: 'lots' } });
});
