import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../types.js';
import {
  copyDeploymentAnnotationsToReplicaSet, getRollbackTo, lastRevision, maxRevision, revision, setDeploymentAnnotationsTo,
  setNewReplicaSetAnnotations,
} from './annotations.js';

const REV = 'deployment.kubernetes.io/revision';
const HIST = 'deployment.kubernetes.io/revision-history';
const rsWith = (annotations?: Record<string, string>): ReplicaSet => ({ metadata: { name: 'rs', annotations }, spec: { replicas: 1 } });
const dep = (annotations: Record<string, string> = {}, replicas = 3): Deployment => ({
  metadata: { name: 'd', annotations },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
});

test('revision / maxRevision / lastRevision skip unparsable revisions', () => {
  assert.equal(revision(rsWith()), 0);
  assert.equal(revision(rsWith({ [REV]: '7' })), 7);
  assert.equal(revision(rsWith({ [REV]: 'x' })), undefined);
  const rss = [rsWith({ [REV]: '1' }), rsWith({ [REV]: '4' }), rsWith({ [REV]: 'bad' }), rsWith({ [REV]: '3' })];
  assert.equal(maxRevision(rss), 4);
  assert.equal(lastRevision(rss), 3);
  assert.equal(lastRevision([rsWith({ [REV]: '1' })]), 0);
});

test('a new ReplicaSet gets revision, desired/max replicas and the Deployment annotations but the skipped ones', () => {
  const d = dep({
    'kubernetes.io/change-cause': 'kubectl set image deployment/nginx nginx=nginx:1.26',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
    [REV]: '9',
  });
  const rs = rsWith();
  assert.equal(setNewReplicaSetAnnotations(d, rs, '2', false), true);
  assert.deepEqual(rs.metadata!.annotations, {
    'kubernetes.io/change-cause': 'kubectl set image deployment/nginx nginx=nginx:1.26',
    [REV]: '2',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  // Nothing left to change.
  assert.equal(setNewReplicaSetAnnotations(d, rs, '2', true), false);
  // A lower revision never replaces a higher one.
  assert.equal(setNewReplicaSetAnnotations(d, rs, '1', true), false);
  assert.equal(rs.metadata!.annotations![REV], '2');
});

test('rolling back to an old ReplicaSet raises its revision and keeps the old ones in revision-history', () => {
  const rs = rsWith({ [REV]: '1' });
  assert.equal(setNewReplicaSetAnnotations(dep(), rs, '3', true), true);
  assert.equal(rs.metadata!.annotations![REV], '3');
  assert.equal(rs.metadata!.annotations![HIST], '1');
  setNewReplicaSetAnnotations(dep(), rs, '5', true);
  assert.equal(rs.metadata!.annotations![HIST], '1,3');
  // The history is bounded: the oldest entries go first.
  const long = rsWith({ [REV]: '10', [HIST]: '1,2,3,4' });
  setNewReplicaSetAnnotations(dep(), long, '11', true, 8);
  assert.equal(long.metadata!.annotations![HIST], '2,3,4,10');
});

test('copyDeploymentAnnotationsToReplicaSet reports changes; setDeploymentAnnotationsTo restores an old ReplicaSet\'s', () => {
  const rs = rsWith({ a: '1' });
  assert.equal(copyDeploymentAnnotationsToReplicaSet(dep({ a: '1' }), rs), false);
  assert.equal(copyDeploymentAnnotationsToReplicaSet(dep({ a: '2' }), rs), true);
  const d = dep({ [REV]: '4', 'kubernetes.io/change-cause': 'now', other: 'x' });
  setDeploymentAnnotationsTo(d, rsWith({ [REV]: '1', 'kubernetes.io/change-cause': 'then' }));
  assert.deepEqual(d.metadata!.annotations, { [REV]: '4', 'kubernetes.io/change-cause': 'then' });
});

test('getRollbackTo reads the deprecated rollbackTo annotation', () => {
  assert.equal(getRollbackTo(dep()), undefined);
  assert.equal(getRollbackTo(dep({ 'deprecated.deployment.rollback.to': '0' })), 0);
  assert.equal(getRollbackTo(dep({ 'deprecated.deployment.rollback.to': '2' })), 2);
  assert.equal(getRollbackTo(dep({ 'deprecated.deployment.rollback.to': 'x' })), undefined);
});
