import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../nodelifecycle/pod-conditions.js';
import {
  DELETION_TIMEOUT_MS, buildDisruptedPodMap, computeStatus, conditionsAreUpToDate, countHealthyPods, desiredHealthyFor,
  getScaledValueFromIntOrPercent, type PodDisruptionBudget,
} from './pdb-status.js';

const NOW = new Date('2026-01-01T00:10:00Z');

function pod(name: string, o: { ready?: boolean; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

describe('getScaledValueFromIntOrPercent', () => {
  const cases: [number | string, number, boolean, number][] = [
    [2, 10, true, 2], ['50%', 3, true, 2], ['50%', 3, false, 1], ['34%', 3, true, 2], ['100%', 7, true, 7], ['0%', 5, true, 0], ['10%', 0, true, 0],
  ];
  for (const [v, total, up, want] of cases) {
    it(`${JSON.stringify(v)} of ${total} (round ${up ? 'up' : 'down'}) = ${want}`, () => assert.equal(getScaledValueFromIntOrPercent(v, total, up), want));
  }
  it('rejects a string that is not a percentage', () => assert.throws(() => getScaledValueFromIntOrPercent('half', 4, true), /invalid value for IntOrString/));
});

describe('PDB status math', () => {
  // expectedScale is the sum of the pods' controllers' scale (here: one ReplicaSet of `scale` replicas).
  const table: { name: string; spec: PodDisruptionBudget['spec']; pods: Pod[]; scale: number; want: { expected: number; desired: number; healthy: number; allowed: number } }[] = [
    { name: 'minAvailable int, all ready', spec: { minAvailable: 2 }, pods: [pod('a'), pod('b'), pod('c')], scale: 3,
      want: { expected: 3, desired: 2, healthy: 3, allowed: 1 } },
    { name: 'minAvailable int counts matching pods, not the scale', spec: { minAvailable: 1 }, pods: [pod('a'), pod('b')], scale: 5,
      want: { expected: 2, desired: 1, healthy: 2, allowed: 1 } },
    { name: 'minAvailable int, one not ready', spec: { minAvailable: 2 }, pods: [pod('a'), pod('b', { ready: false }), pod('c')], scale: 3,
      want: { expected: 3, desired: 2, healthy: 2, allowed: 0 } },
    { name: 'minAvailable percent rounds up', spec: { minAvailable: '50%' }, pods: [pod('a'), pod('b'), pod('c')], scale: 3,
      want: { expected: 3, desired: 2, healthy: 3, allowed: 1 } },
    { name: 'maxUnavailable int', spec: { maxUnavailable: 1 }, pods: [pod('a'), pod('b'), pod('c')], scale: 3,
      want: { expected: 3, desired: 2, healthy: 3, allowed: 1 } },
    { name: 'maxUnavailable percent rounds up the unavailable', spec: { maxUnavailable: '50%' }, pods: [pod('a'), pod('b'), pod('c')], scale: 3,
      want: { expected: 3, desired: 1, healthy: 3, allowed: 2 } },
    { name: 'maxUnavailable larger than the scale', spec: { maxUnavailable: 5 }, pods: [pod('a')], scale: 1,
      want: { expected: 1, desired: 0, healthy: 1, allowed: 1 } },
    { name: 'a pod being deleted is not healthy', spec: { maxUnavailable: 0 }, pods: [pod('a'), pod('b', { deleting: true })], scale: 2,
      want: { expected: 2, desired: 2, healthy: 1, allowed: 0 } },
    { name: 'no pods: nothing allowed', spec: { maxUnavailable: 1 }, pods: [], scale: 0,
      want: { expected: 0, desired: 0, healthy: 0, allowed: 0 } },
    { name: 'minAvailable 0 with no pods: expectedPods 0 allows nothing', spec: { minAvailable: 0 }, pods: [], scale: 0,
      want: { expected: 0, desired: 0, healthy: 0, allowed: 0 } },
  ];
  for (const c of table) {
    it(c.name, () => {
      const pdb: PodDisruptionBudget = { metadata: { name: 'p', namespace: 'default', generation: 1 }, spec: c.spec };
      const { expectedCount, desiredHealthy } = desiredHealthyFor(c.spec, c.pods.length, () => c.scale);
      const healthy = countHealthyPods(c.pods, {}, NOW.getTime());
      const st = computeStatus(pdb, healthy, desiredHealthy, expectedCount, {}, NOW)!;
      assert.deepEqual({ expected: st.expectedPods, desired: st.desiredHealthy, healthy: st.currentHealthy, allowed: st.disruptionsAllowed }, c.want);
      assert.equal(st.observedGeneration, 1);
      const cond = st.conditions!.find((x) => x.type === 'DisruptionAllowed')!;
      assert.deepEqual({ status: cond.status, reason: cond.reason, message: cond.message },
        c.want.allowed > 0 ? { status: 'True', reason: 'SufficientPods', message: '' } : { status: 'False', reason: 'InsufficientPods', message: '' });
      assert.equal(cond.lastTransitionTime, '2026-01-01T00:10:00Z');
    });
  }

  it('writes nothing when the stored status is current', () => {
    const pdb: PodDisruptionBudget = { metadata: { name: 'p', generation: 2 }, spec: { minAvailable: 1 } };
    pdb.status = computeStatus(pdb, 2, 1, 2, {}, NOW)!;
    assert.ok(conditionsAreUpToDate(pdb));
    assert.equal(computeStatus(pdb, 2, 1, 2, {}, new Date(NOW.getTime() + 1000)), undefined);
    // A new generation must be observed.
    assert.ok(computeStatus({ ...pdb, metadata: { ...pdb.metadata, generation: 3 } }, 2, 1, 2, {}, NOW));
  });

  it('keeps lastTransitionTime while the condition holds', () => {
    const pdb: PodDisruptionBudget = { metadata: { name: 'p', generation: 1 }, spec: { minAvailable: 1 } };
    pdb.status = computeStatus(pdb, 3, 1, 3, {}, NOW)!;
    const later = new Date(NOW.getTime() + 60_000);
    const st = computeStatus(pdb, 2, 1, 3, {}, later)!;
    assert.equal(st.conditions![0].lastTransitionTime, '2026-01-01T00:10:00Z');
    const st2 = computeStatus({ ...pdb, status: st }, 1, 1, 3, {}, later)!;
    assert.deepEqual([st2.conditions![0].status, st2.conditions![0].lastTransitionTime], ['False', '2026-01-01T00:11:00Z']);
  });
});

describe('disruptedPods', () => {
  const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
  it('keeps recent entries, drops deleted and overdue pods, and says when to look again', () => {
    const pdb: PodDisruptionBudget = {
      metadata: { name: 'p' },
      status: {
        disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0,
        disruptedPods: { recent: at(-30_000), overdue: at(-DELETION_TIMEOUT_MS - 1000), deleting: at(-1000), gone: at(-1000) },
      },
    };
    const pods = [pod('recent'), pod('overdue'), pod('deleting', { deleting: true }), pod('other')];
    const r = buildDisruptedPodMap(pods, pdb, NOW.getTime());
    assert.deepEqual(r.disrupted, { recent: at(-30_000) });
    assert.deepEqual(r.overdue.map((p) => p.metadata?.name), ['overdue']);
    assert.equal(r.recheckAt, NOW.getTime() - 30_000 + DELETION_TIMEOUT_MS);
    // The recently evicted pod does not count as healthy; the overdue one counts again.
    assert.equal(countHealthyPods(pods, r.disrupted, NOW.getTime()), 2);
  });
});
