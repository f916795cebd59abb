import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getDeletionCostFromPodAnnotations, getPodsToDelete, podDeletedBefore, POD_DELETION_COST_ANNOTATION } from './deletion-ranking.js';
import type { Pod } from '../common/pod-util.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** pod builds a pod for the ranking: unscheduled Pending by default. */
function pod(name: string, o: { node?: string; phase?: string; readySince?: number; notReady?: boolean; restarts?: number; created?: number; cost?: string; uid?: string } = {}): Pod {
  const conditions = o.readySince !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(o.readySince) }]
    : o.notReady ? [{ type: 'Ready', status: 'False', lastTransitionTime: ago(1) }] : [];
  return {
    metadata: {
      name, namespace: 'default', uid: o.uid ?? `uid-${name}`, creationTimestamp: ago(o.created ?? 1000),
      ...(o.cost !== undefined ? { annotations: { [POD_DELETION_COST_ANNOTATION]: o.cost } } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: { phase: o.phase ?? 'Pending', conditions, containerStatuses: [{ restartCount: o.restarts ?? 0 }] },
  };
}

describe('podDeletedBefore (ActivePodsWithRanks.Less)', () => {
  const cases: { name: string; first: Pod; second: Pod; firstRank?: number; secondRank?: number }[] = [
    { name: '1. unassigned before assigned', first: pod('a'), second: pod('b', { node: 'n1' }) },
    { name: '2. Pending before Unknown', first: pod('a', { node: 'n1', phase: 'Pending' }), second: pod('b', { node: 'n1', phase: 'Unknown' }) },
    { name: '2. Unknown before Running', first: pod('a', { node: 'n1', phase: 'Unknown' }), second: pod('b', { node: 'n1', phase: 'Running' }) },
    { name: '3. not ready before ready', first: pod('a', { node: 'n1', phase: 'Running', notReady: true }), second: pod('b', { node: 'n1', phase: 'Running', readySince: 10 }) },
    { name: '4. lower deletion cost first', first: pod('a', { node: 'n1', phase: 'Running', readySince: 10, cost: '-5' }), second: pod('b', { node: 'n1', phase: 'Running', readySince: 10 }) },
    { name: '4. deletion cost beats co-location', first: pod('a', { node: 'n1', phase: 'Running', readySince: 10, cost: '1' }), second: pod('b', { node: 'n1', phase: 'Running', readySince: 10, cost: '2' }), firstRank: 1, secondRank: 5 },
    { name: '5. more related pods on its node first', first: pod('a', { node: 'n1', phase: 'Running', readySince: 10 }), second: pod('b', { node: 'n2', phase: 'Running', readySince: 10 }), firstRank: 3, secondRank: 1 },
    { name: '6. ready for less time first', first: pod('a', { node: 'n1', phase: 'Running', readySince: 10 }), second: pod('b', { node: 'n1', phase: 'Running', readySince: 3600 }) },
    { name: '7. more restarts first', first: pod('a', { node: 'n1', phase: 'Running', readySince: 100, restarts: 3 }), second: pod('b', { node: 'n1', phase: 'Running', readySince: 100, restarts: 1 }) },
    { name: '8. newer first', first: pod('a', { node: 'n1', phase: 'Running', created: 60 }), second: pod('b', { node: 'n1', phase: 'Running', created: 7200 }) },
    // 100 s and 120 s ago are the same power of two in nanoseconds: the uid decides.
    { name: '8. same logarithmic age: lower uid first', first: pod('a', { node: 'n1', phase: 'Running', created: 120, uid: 'aaa' }), second: pod('b', { node: 'n1', phase: 'Running', created: 100, uid: 'bbb' }) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = { pod: c.first, rank: c.firstRank ?? 0 };
      const b = { pod: c.second, rank: c.secondRank ?? 0 };
      assert.equal(podDeletedBefore(a, b, NOW), true);
      assert.equal(podDeletedBefore(b, a, NOW), false);
    });
  }

  it('without a reference time, times compare exactly (newer first even within a power of two)', () => {
    const a = { pod: pod('a', { node: 'n1', phase: 'Running', created: 100, uid: 'zzz' }), rank: 0 };
    const b = { pod: pod('b', { node: 'n1', phase: 'Running', created: 120, uid: 'aaa' }), rank: 0 };
    assert.equal(podDeletedBefore(a, b), true);
    assert.equal(podDeletedBefore(b, a, NOW), true, 'on the log scale the uid decides instead');
  });

  it('equal pods: neither comes first', () => {
    const a = { pod: pod('a', { uid: 'u' }), rank: 0 };
    assert.equal(podDeletedBefore(a, { ...a }, NOW), false);
  });
});

describe('getPodsToDelete', () => {
  it('scale-down order: unscheduled, pending, not ready, most co-located, newest ready', () => {
    const pods = [
      pod('ready-old-n1', { node: 'n1', phase: 'Running', readySince: 7200 }),
      pod('ready-new-n2', { node: 'n2', phase: 'Running', readySince: 30 }),
      pod('running-not-ready', { node: 'n1', phase: 'Running', notReady: true }),
      pod('pending-scheduled', { node: 'n2', phase: 'Pending' }),
      pod('unscheduled', {}),
      pod('ready-old-n3', { node: 'n3', phase: 'Running', readySince: 7200 }),
    ];
    // Related pods (a sibling ReplicaSet of the same Deployment) crowd n3.
    const related = [...pods, pod('sibling-1', { node: 'n3', phase: 'Running' }), pod('sibling-2', { node: 'n3', phase: 'Running' })];
    const order = getPodsToDelete(pods, related, 5, NOW).map((p) => p.metadata?.name);
    assert.deepEqual(order, ['unscheduled', 'pending-scheduled', 'running-not-ready', 'ready-old-n3', 'ready-new-n2']);
  });

  it('inactive related pods do not count for co-location', () => {
    const a = pod('a', { node: 'n1', phase: 'Running', readySince: 100 });
    const b = pod('b', { node: 'n2', phase: 'Running', readySince: 100, created: 2000 });
    const done = { ...pod('done', { node: 'n2' }), status: { phase: 'Succeeded' } };
    assert.deepEqual(getPodsToDelete([a, b], [a, b, done, done], 1, NOW).map((p) => p.metadata?.name), ['a'], 'newer a goes; b is not crowded by finished pods');
  });

  it('deleting all of them needs no ranking', () => {
    const pods = [pod('x', { node: 'n1', phase: 'Running', readySince: 1 }), pod('y')];
    assert.deepEqual(getPodsToDelete(pods, [], 2, NOW).map((p) => p.metadata?.name), ['x', 'y']);
  });
});

describe('getDeletionCostFromPodAnnotations', () => {
  const cases: [string | undefined, number][] = [
    [undefined, 0], ['100', 100], ['-100', -100], ['0', 0], ['-0', 0], ['-007', -7],
    ['+10', 0], ['008', 0], ['abc', 0], ['', 0], ['2147483647', 2147483647], ['2147483648', 0], ['-2147483648', -2147483648], ['1.5', 0],
  ];
  for (const [v, want] of cases) {
    it(`${JSON.stringify(v)} → ${want}`, () => {
      assert.equal(getDeletionCostFromPodAnnotations(v === undefined ? {} : { [POD_DELETION_COST_ANNOTATION]: v }), want);
    });
  }
});
