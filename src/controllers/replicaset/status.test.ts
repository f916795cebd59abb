import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableAfterMs, isPodAvailable } from '../common/pod-util.js';
import type { Pod } from '../common/pod-util.js';
import { calculateStatus, normalizeStatus, type ReplicaSetLike } from './status.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const iso = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');

const rs = (o: { replicas?: number; minReadySeconds?: number; status?: ReplicaSetLike['status'] } = {}): ReplicaSetLike => ({
  metadata: { name: 'web', namespace: 'default', generation: 3 },
  spec: { replicas: o.replicas ?? 3, minReadySeconds: o.minReadySeconds, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } } } },
  status: o.status,
});
const pod = (labels: Record<string, string>, readyMsAgo?: number): Pod => ({
  metadata: { name: 'p', labels },
  status: { phase: 'Running', conditions: readyMsAgo === undefined ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: iso(readyMsAgo) }] },
});

describe('calculateStatus', () => {
  it('counts replicas, fully labelled, ready and available pods (minReadySeconds)', () => {
    const pods = [pod({ app: 'web', tier: 'fe' }, 60_000), pod({ app: 'web', tier: 'fe' }, 2_000), pod({ app: 'web' })];
    assert.deepEqual(calculateStatus(rs({ minReadySeconds: 10 }), pods, undefined, NOW), { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
    assert.deepEqual(calculateStatus(rs(), pods, undefined, NOW), { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
  });

  it('keeps observedGeneration (the writer sets it) and omits zero counters as Go does', () => {
    assert.deepEqual(calculateStatus(rs({ status: { replicas: 1, observedGeneration: 2 } }), [], undefined, NOW), { replicas: 0, observedGeneration: 2 });
  });

  it('sets ReplicaFailure once: FailedCreate when short, FailedDelete when over', () => {
    const short = calculateStatus(rs(), [], new Error('quota'), NOW);
    assert.deepEqual(short.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2026-01-01T12:00:00Z', reason: 'FailedCreate', message: 'quota' }]);
    const over = calculateStatus(rs({ replicas: 0 }), [pod({ app: 'web' })], new Error('nope'), NOW);
    assert.equal(over.conditions![0].reason, 'FailedDelete');
    // An existing condition is kept as it is (same transition time, first message) while errors go on.
    const later = calculateStatus(rs({ status: short }), [], new Error('other'), new Date(NOW.getTime() + 60_000));
    assert.deepEqual(later.conditions, short.conditions);
    // Success removes it, and keeps other conditions.
    const other = { type: 'Other', status: 'True' };
    assert.deepEqual(calculateStatus(rs({ status: { replicas: 0, conditions: [other, ...short.conditions!] } }), [], undefined, NOW).conditions, [other]);
    assert.equal(calculateStatus(rs({ status: short }), [], undefined, NOW).conditions, undefined);
  });

  it('normalizeStatus drops empty conditions and zero counters', () => {
    assert.deepEqual(normalizeStatus({ replicas: 0, readyReplicas: 0, conditions: [] }), { replicas: 0 });
    assert.deepEqual(normalizeStatus(undefined), { replicas: 0 });
  });
});

describe('availability', () => {
  it('a pod is available strictly after minReadySeconds of readiness', () => {
    assert.equal(isPodAvailable(pod({}, 10_000), 10, NOW), false);
    assert.equal(isPodAvailable(pod({}, 10_001), 10, NOW), true);
    assert.equal(isPodAvailable(pod({}, 0), 0, NOW), true);
    assert.equal(isPodAvailable(pod({}), 0, NOW), false, 'not ready');
  });
  it('availableAfterMs is the wait until then', () => {
    assert.equal(availableAfterMs(pod({}, 4_000), 10, NOW), 6_001);
    assert.equal(isPodAvailable(pod({}, 4_000), 10, new Date(NOW.getTime() + 6_001)), true);
    assert.equal(availableAfterMs(pod({}), 10, NOW), 0);
  });
});
