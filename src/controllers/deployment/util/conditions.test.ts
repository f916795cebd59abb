import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus } from '../types.js';
import {
  deploymentComplete, deploymentProgressing, deploymentTimedOut, metav1Time, newDeploymentCondition, removeDeploymentCondition,
  setDeploymentCondition,
} from './conditions.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const later = (s: number) => new Date(t0.getTime() + s * 1000);

test('metav1Time has whole seconds', () => {
  assert.equal(metav1Time(new Date('2026-01-01T00:00:00.500Z')), '2026-01-01T00:00:00Z');
});

test('setDeploymentCondition keeps a condition with the same status and reason, and the transition time on a reason change', () => {
  const s: DeploymentStatus = {};
  setDeploymentCondition(s, newDeploymentCondition(t0, 'Progressing', 'True', 'NewReplicaSetCreated', 'Created new replica set "a"'));
  setDeploymentCondition(s, newDeploymentCondition(later(5), 'Progressing', 'True', 'NewReplicaSetCreated', 'other'));
  assert.equal(s.conditions![0].message, 'Created new replica set "a"');
  setDeploymentCondition(s, newDeploymentCondition(later(10), 'Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "a" is progressing.'));
  assert.deepEqual(s.conditions, [{
    type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "a" is progressing.',
    lastUpdateTime: '2026-01-01T00:00:10Z', lastTransitionTime: '2026-01-01T00:00:00Z',
  }]);
  setDeploymentCondition(s, newDeploymentCondition(later(20), 'Progressing', 'False', 'ProgressDeadlineExceeded', 'x'));
  assert.equal(s.conditions![0].lastTransitionTime, '2026-01-01T00:00:20Z');
  setDeploymentCondition(s, newDeploymentCondition(later(20), 'Available', 'True', 'MinimumReplicasAvailable', 'y'));
  assert.deepEqual(s.conditions!.map((c) => c.type), ['Progressing', 'Available']);
  removeDeploymentCondition(s, 'Progressing');
  removeDeploymentCondition(s, 'Available');
  assert.equal(s.conditions, undefined);
});

const d = (status: DeploymentStatus, generation = 1, deadline: number | null = 600): Deployment => ({
  metadata: { name: 'd', generation }, spec: { replicas: 3, progressDeadlineSeconds: deadline ?? undefined, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }, status,
});

test('deploymentComplete needs every replica updated and available and the generation observed', () => {
  assert.equal(deploymentComplete(d({}), { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), true);
  assert.equal(deploymentComplete(d({}), { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), false);
  assert.equal(deploymentComplete(d({}), { replicas: 3, updatedReplicas: 3, availableReplicas: 2, observedGeneration: 1 }), false);
  assert.equal(deploymentComplete(d({}, 2), { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), false);
});

test('deploymentProgressing: more updated, ready or available pods, or fewer old ones', () => {
  const old = { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 };
  assert.equal(deploymentProgressing(d(old), old), false);
  assert.equal(deploymentProgressing(d(old), { ...old, updatedReplicas: 2 }), true);
  assert.equal(deploymentProgressing(d(old), { ...old, replicas: 3 }), true);
  assert.equal(deploymentProgressing(d(old), { ...old, readyReplicas: 4 }), true);
  assert.equal(deploymentProgressing(d(old), { ...old, availableReplicas: 4 }), true);
  assert.equal(deploymentProgressing(d(old), { ...old, availableReplicas: 2 }), false);
});

test('deploymentTimedOut compares the last progress with progressDeadlineSeconds', () => {
  const s: DeploymentStatus = { conditions: [newDeploymentCondition(t0, 'Progressing', 'True', 'ReplicaSetUpdated', '')] };
  assert.equal(deploymentTimedOut(d({}), s, later(600)), false);
  assert.equal(deploymentTimedOut(d({}), s, later(601)), true);
  assert.equal(deploymentTimedOut(d({}, 1, null), s, later(6000)), false);
  assert.equal(deploymentTimedOut(d({}, 1, 2147483647), s, later(6000)), false, 'MaxInt32 means no deadline');
  assert.equal(deploymentTimedOut(d({}), {}, later(6000)), false, 'no condition, no base');
  assert.equal(deploymentTimedOut(d({}), { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }, t0), true);
});
