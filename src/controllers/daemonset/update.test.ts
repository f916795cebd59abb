import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, IntOrString, Node, Pod } from './types.js';
import { findUpdatedPodsOnNode, rollingUpdate, updatedDesiredNodeCounts } from './update.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const nodes = (n: number): Node[] => Array.from({ length: n }, (_, i) => ({ metadata: { name: `n${i + 1}` }, spec: {} }));
const ds = (maxUnavailable: IntOrString, maxSurge: IntOrString = 0, minReadySeconds = 0): DaemonSet => ({
  metadata: { name: 'agent', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: {} }, minReadySeconds,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } },
  },
});

/** pod builds a daemon pod: `old`/`new` revision, ready or not, optionally being deleted. */
function pod(name: string, node: string, rev: 'old' | 'new', ready: boolean, o: { deleting?: boolean; readySince?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'a', 'controller-revision-hash': rev === 'new' ? 'h2' : 'h1' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}) },
    spec: { nodeName: node },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: o.readySince ?? '2026-01-01T00:00:00Z' }] },
  };
}

const byNode = (...pods: Pod[]) => {
  const m = new Map<string, Pod[]>();
  for (const p of pods) m.set(p.spec!.nodeName!, [...(m.get(p.spec!.nodeName!) ?? []), p]);
  return m;
};

describe('rollingUpdate without surge (maxUnavailable)', () => {
  it('deletes one available old pod at a time with maxUnavailable 1', () => {
    const plan = rollingUpdate(ds(1), nodes(3), byNode(pod('a', 'n1', 'old', true), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan, { podsToDelete: ['a'], nodesToCreate: [] });
  });

  it('waits while a node is being replaced (old pod terminating, or the new pod not yet available)', () => {
    const terminating = rollingUpdate(ds(1), nodes(3), byNode(pod('a', 'n1', 'old', true, { deleting: true }), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(terminating.podsToDelete, []);
    const starting = rollingUpdate(ds(1), nodes(3), byNode(pod('a2', 'n1', 'new', false), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(starting.podsToDelete, []);
  });

  it('moves on once the new pod is available, and is done when all are new', () => {
    const next = rollingUpdate(ds(1), nodes(3), byNode(pod('a2', 'n1', 'new', true), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(next.podsToDelete, ['b']);
    const done = rollingUpdate(ds(1), nodes(3), byNode(pod('a2', 'n1', 'new', true), pod('b2', 'n2', 'new', true), pod('c2', 'n3', 'new', true)), 'h2', NOW);
    assert.deepEqual(done, { podsToDelete: [], nodesToCreate: [] });
  });

  it('a node that should run the daemon but has no pod counts as unavailable', () => {
    const plan = rollingUpdate(ds(1), nodes(3), byNode(pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan.podsToDelete, []);
  });

  it('resolves a percentage against the desired number of nodes (50% of 4 = 2)', () => {
    const plan = rollingUpdate(ds('50%'), nodes(4), byNode(pod('a', 'n1', 'old', true), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true), pod('d', 'n4', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan.podsToDelete, ['a', 'b']);
  });

  it('replaces old pods that are unavailable anyway, beyond maxUnavailable', () => {
    const plan = rollingUpdate(ds(1), nodes(3), byNode(pod('a', 'n1', 'old', false), pod('b', 'n2', 'old', false), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan.podsToDelete, ['a', 'b']);
  });

  it('minReadySeconds: a pod ready for less than that is not available yet', () => {
    const recent = '2026-01-01T00:09:55Z';
    const plan = rollingUpdate(ds(1, 0, 30), nodes(2), byNode(pod('a2', 'n1', 'new', true, { readySince: recent }), pod('b', 'n2', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan.podsToDelete, []);
  });
});

describe('rollingUpdate with surge (maxSurge)', () => {
  it('creates a new pod beside an old one, at most maxSurge at a time', () => {
    const plan = rollingUpdate(ds(0, 1), nodes(3), byNode(pod('a', 'n1', 'old', true), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan, { podsToDelete: [], nodesToCreate: ['n1'] });
  });

  it('waits for the surged pod, then deletes the old one and surges on the next node', () => {
    const waiting = rollingUpdate(ds(0, 1), nodes(3), byNode(pod('a', 'n1', 'old', true), pod('a2', 'n1', 'new', false), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(waiting, { podsToDelete: [], nodesToCreate: [] });
    const next = rollingUpdate(ds(0, 1), nodes(3), byNode(pod('a', 'n1', 'old', true), pod('a2', 'n1', 'new', true), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(next, { podsToDelete: ['a'], nodesToCreate: ['n2'] });
  });

  it('surges at once where the old pod is unavailable, beyond maxSurge', () => {
    const plan = rollingUpdate(ds(0, 1), nodes(3), byNode(pod('a', 'n1', 'old', false), pod('b', 'n2', 'old', false), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan.nodesToCreate, ['n1', 'n2', 'n3']);
  });

  it('percent surge rounds up (34% of 3 = 2)', () => {
    const plan = rollingUpdate(ds(0, '34%'), nodes(3), byNode(pod('a', 'n1', 'old', true), pod('b', 'n2', 'old', true), pod('c', 'n3', 'old', true)), 'h2', NOW);
    assert.deepEqual(plan.nodesToCreate, ['n1', 'n2']);
  });
});

describe('updatedDesiredNodeCounts and findUpdatedPodsOnNode', () => {
  it('an impossible 0/0 configuration falls back to maxUnavailable 1, and empty nodes get an entry', () => {
    const m = new Map<string, Pod[]>();
    assert.deepEqual(updatedDesiredNodeCounts(ds(0, 0), nodes(2), m), { maxSurge: 0, maxUnavailable: 1, desiredNumberScheduled: 2 });
    assert.deepEqual([...m.keys()], ['n1', 'n2']);
  });
  it('reports several pods of one revision on a node as not ok (the manage loop prunes first)', () => {
    assert.equal(findUpdatedPodsOnNode(ds(1), [pod('a', 'n1', 'old', true), pod('b', 'n1', 'old', true)], 'h2').ok, false);
    const r = findUpdatedPodsOnNode(ds(1), [pod('a', 'n1', 'old', true), pod('a2', 'n1', 'new', true), pod('x', 'n1', 'new', true, { deleting: true })], 'h2');
    assert.deepEqual([r.ok, r.oldPod?.metadata?.name, r.newPod?.metadata?.name], [true, 'a', 'a2']);
  });
});
