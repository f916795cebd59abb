import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../types.js';
import {
  byRevision, bySizeNewer, bySizeOlder, equalIgnoreHash, filterActiveReplicaSets, findActiveOrLatest, findNewReplicaSet,
  findOldReplicaSets, setFromReplicaSetTemplate,
} from './replicasets.js';

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'nginx', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'nginx', image }] },
});
const rs = (name: string, replicas: number, created: string, image = 'nginx:1', rev?: string): ReplicaSet => ({
  metadata: { name, uid: name, creationTimestamp: created, annotations: rev ? { 'deployment.kubernetes.io/revision': rev } : {} },
  spec: { replicas, template: template(image, `h-${name}`) },
});
const deployment = (image: string): Deployment => ({ metadata: { name: 'd' }, spec: { replicas: 3, template: template(image) } });

test('equalIgnoreHash ignores the hash label and what the API drops (empty maps, nulls)', () => {
  assert.equal(equalIgnoreHash(template('a', 'x'), template('a')), true);
  assert.equal(equalIgnoreHash(template('a', 'x'), template('b', 'x')), false);
  assert.equal(equalIgnoreHash({ ...template('a'), metadata: { labels: { app: 'nginx' }, creationTimestamp: null } as never }, { ...template('a'), metadata: { labels: { app: 'nginx' }, annotations: {} } }), true);
  assert.equal(equalIgnoreHash({ metadata: { labels: { app: 'nginx' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } }, spec: template('a').spec }, template('a')), false);
});

test('findNewReplicaSet picks the oldest ReplicaSet with the Deployment\'s template; findOldReplicaSets the rest', () => {
  const a = rs('a', 0, '2026-01-01T00:00:00Z', 'nginx:1');
  const b = rs('b', 2, '2026-01-01T00:01:00Z', 'nginx:2');
  const b2 = rs('b2', 1, '2026-01-01T00:00:30Z', 'nginx:2');
  assert.equal(findNewReplicaSet(deployment('nginx:2'), [a, b, b2])?.metadata?.name, 'b2');
  assert.equal(findNewReplicaSet(deployment('nginx:3'), [a, b]), undefined);
  const { oldRSs, allOldRSs } = findOldReplicaSets(deployment('nginx:2'), [a, b, b2]);
  assert.deepEqual(allOldRSs.map((r) => r.metadata?.name), ['a', 'b']);
  assert.deepEqual(oldRSs.map((r) => r.metadata?.name), ['b']);
});

test('sort orders: by size (newer or older first among equals), by revision', () => {
  const a = rs('a', 2, '2026-01-01T00:00:00Z', 'x', '3');
  const b = rs('b', 2, '2026-01-01T00:01:00Z', 'x', '1');
  const c = rs('c', 5, '2026-01-01T00:02:00Z', 'x', '2');
  assert.deepEqual([a, b, c].sort(bySizeNewer).map((r) => r.metadata?.name), ['c', 'b', 'a']);
  assert.deepEqual([a, b, c].sort(bySizeOlder).map((r) => r.metadata?.name), ['c', 'a', 'b']);
  assert.deepEqual([a, b, c].sort(byRevision).map((r) => r.metadata?.name), ['b', 'c', 'a']);
});

test('findActiveOrLatest: the one active ReplicaSet, the newest when none is active, none when several are', () => {
  const old1 = rs('o1', 0, '2026-01-01T00:00:00Z');
  const old2 = rs('o2', 0, '2026-01-01T00:01:00Z');
  const n = rs('n', 0, '2026-01-01T00:02:00Z');
  assert.equal(findActiveOrLatest(n, [old1, old2])?.metadata?.name, 'n');
  assert.equal(findActiveOrLatest(undefined, [old1, old2])?.metadata?.name, 'o2');
  assert.equal(findActiveOrLatest(n, [old1, { ...old2, spec: { ...old2.spec, replicas: 2 } }])?.metadata?.name, 'o2');
  assert.equal(findActiveOrLatest({ ...n, spec: { ...n.spec, replicas: 1 } }, [{ ...old2, spec: { ...old2.spec, replicas: 2 } }]), undefined);
  assert.equal(findActiveOrLatest(undefined, []), undefined);
  assert.deepEqual(filterActiveReplicaSets([old1, undefined, { ...n, spec: { replicas: 1 } }]).map((r) => r.metadata?.name), ['n']);
});

test('setFromReplicaSetTemplate copies the template without the hash label', () => {
  const d = deployment('nginx:2');
  setFromReplicaSetTemplate(d, template('nginx:1', 'abc'));
  assert.deepEqual(d.spec?.template, template('nginx:1'));
});
