import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, IntOrString, ReplicaSet } from '../types.js';
import {
  getProportion, getReplicaSetFraction, getScaledValueFromIntOrPercent, isSaturated, maxSurge, maxUnavailable, newRSNewReplicas,
  resolveFenceposts,
} from './fenceposts.js';

function deployment(replicas: number, surge?: IntOrString, unavailable?: IntOrString, type = 'RollingUpdate'): Deployment {
  return {
    metadata: { name: 'foo', namespace: 'default' },
    spec: { replicas, strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } : { type } },
    status: {},
  };
}

function rs(name: string, replicas: number, annotations: Record<string, string> = {}, available = 0): ReplicaSet {
  return { metadata: { name, annotations }, spec: { replicas }, status: { availableReplicas: available } };
}

test('getScaledValueFromIntOrPercent: ints as is, percents rounded up or down', () => {
  assert.equal(getScaledValueFromIntOrPercent(2, 10, true), 2);
  assert.equal(getScaledValueFromIntOrPercent('25%', 3, true), 1);
  assert.equal(getScaledValueFromIntOrPercent('25%', 3, false), 0);
  assert.equal(getScaledValueFromIntOrPercent('100%', 7, false), 7);
  assert.throws(() => getScaledValueFromIntOrPercent('5', 10, true), /not a percentage/);
});

test('resolveFenceposts (upstream table)', () => {
  const cases: { surge?: IntOrString; unavailable?: IntOrString; desired: number; want?: [number, number]; error?: boolean }[] = [
    { surge: '0%', unavailable: '0%', desired: 0, want: [0, 1] },
    { surge: '39%', unavailable: '39%', desired: 10, want: [4, 3] },
    { surge: 'oops', unavailable: '39%', desired: 10, error: true },
    { surge: '55%', unavailable: 'urg', desired: 10, error: true },
    { surge: undefined, unavailable: '39%', desired: 10, want: [0, 3] },
    { surge: '39%', unavailable: undefined, desired: 10, want: [4, 0] },
    { surge: undefined, unavailable: undefined, desired: 10, want: [0, 1] },
    // Kubernetes' defaults, 25%/25%, at the sizes of the book's examples.
    { surge: '25%', unavailable: '25%', desired: 1, want: [1, 0] },
    { surge: '25%', unavailable: '25%', desired: 3, want: [1, 0] },
    { surge: '25%', unavailable: '25%', desired: 4, want: [1, 1] },
    { surge: '25%', unavailable: '25%', desired: 10, want: [3, 2] },
    { surge: 0, unavailable: '1%', desired: 2, want: [0, 1] },
    { surge: 2, unavailable: 1, desired: 5, want: [2, 1] },
  ];
  for (const c of cases) {
    const name = `${c.surge}/${c.unavailable} of ${c.desired}`;
    if (c.error) { assert.throws(() => resolveFenceposts(c.surge, c.unavailable, c.desired), /not a percentage/, name); continue; }
    const r = resolveFenceposts(c.surge, c.unavailable, c.desired);
    assert.deepEqual([r.surge, r.unavailable], c.want, name);
  }
});

test('maxSurge/maxUnavailable: 0 for Recreate; maxUnavailable never above replicas', () => {
  assert.equal(maxSurge(deployment(3, '25%', '25%')), 1);
  assert.equal(maxUnavailable(deployment(10, '25%', '25%')), 2);
  assert.equal(maxSurge(deployment(3, undefined, undefined, 'Recreate')), 0);
  assert.equal(maxUnavailable(deployment(3, undefined, undefined, 'Recreate')), 0);
  assert.equal(maxUnavailable(deployment(3, 0, 5)), 3);
  assert.equal(maxUnavailable(deployment(0, 1, 1)), 0);
});

test('newRSNewReplicas (upstream table)', () => {
  assert.equal(newRSNewReplicas(deployment(1, 1, 0), [rs('old', 5), rs('new', 5)], rs('new', 5)), 5, 'cannot scale up');
  assert.equal(newRSNewReplicas(deployment(6, 10, 0), [rs('old', 5), rs('new', 2)], rs('new', 2)), 6, 'scale up to spec.replicas');
  assert.equal(newRSNewReplicas(deployment(3, undefined, undefined, 'Recreate'), [rs('old', 1), rs('new', 1)], rs('new', 1)), 3, 'recreate');
  // 3 replicas, 25% surge: the first step of a rollout adds one pod.
  assert.equal(newRSNewReplicas(deployment(3, '25%', '25%'), [rs('old', 3), rs('new', 0)], rs('new', 0)), 1);
});

test('isSaturated needs the size, the desired-replicas annotation and all pods available', () => {
  const d = deployment(3, 1, 0);
  assert.equal(isSaturated(d, rs('n', 3, { 'deployment.kubernetes.io/desired-replicas': '3' }, 3)), true);
  assert.equal(isSaturated(d, rs('n', 3, { 'deployment.kubernetes.io/desired-replicas': '3' }, 2)), false);
  assert.equal(isSaturated(d, rs('n', 3, { 'deployment.kubernetes.io/desired-replicas': '2' }, 3)), false);
  assert.equal(isSaturated(d, rs('n', 3, {}, 3)), false);
  assert.equal(isSaturated(d, undefined), false);
});

test('getProportion shares replicas by each ReplicaSet\'s fraction of max-replicas, bounded by what is left', () => {
  // Deployment scaled 5 → 10 (no surge): max-replicas was 5.
  const d = deployment(10, 0, 0);
  const max5 = { 'deployment.kubernetes.io/max-replicas': '5' };
  assert.equal(getReplicaSetFraction(rs('v1', 3, max5), d), 3);
  assert.equal(getProportion(rs('v1', 3, max5), d, 5, 0), 3);
  assert.equal(getProportion(rs('v2', 2, max5), d, 5, 3), 2);
  assert.equal(getProportion(rs('v2', 2, max5), d, 5, 5), 0);
  // Scaling down never removes more than asked.
  const down = deployment(3, 0, 0);
  assert.equal(getProportion(rs('v1', 3, max5), down, -2, 0), -1);
  assert.equal(getProportion(rs('v2', 2, max5), down, -2, -1), -1);
  // Scaling to zero takes everything.
  assert.equal(getReplicaSetFraction(rs('v1', 3, max5), deployment(0, 0, 0)), -3);
  // No usable annotation: fall back to status.replicas, or do nothing.
  assert.equal(getReplicaSetFraction(rs('v1', 2), { ...d, status: { replicas: 4 } }), 3);
  assert.equal(getReplicaSetFraction(rs('v1', 2), d), 0);
});
