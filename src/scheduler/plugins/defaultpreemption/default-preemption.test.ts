import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { newStatus } from '../../framework/status.js';
import { filterPodsWithPDBViolation, pickOneNodeForPreemption, type PDB } from '../../preemption/preemption.js';
import { fakeHandle } from '../../testing/fake-handle.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { Fit } from '../noderesources/fit.js';
import { DefaultPreemption } from './default-preemption.js';

const fit = new Fit();
const fitFilter = (state: CycleState, pod: PodInfo, ni: Parameters<Fit['filter']>[2]) => {
  fit.preFilter(state, pod);
  return fit.filter(state, pod, ni);
};

function victimsOn(pods: ReturnType<typeof makePod>[], preemptor: ReturnType<typeof makePod>, pdbs: PDB[] = []) {
  const h = fakeHandle({ nodes: [makeNode().name('n').capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj()], pods: pods.map((p) => p.node('n').obj()), filter: fitFilter });
  const pl = new DefaultPreemption({}, h);
  const ni = h.snapshot.get('n')!.snapshot();
  return pl.selectVictimsOnNode(new CycleState(), preemptor.info(), ni, pdbs);
}

test('DefaultPreemption selectVictimsOnNode', () => {
  const cases = [
    {
      name: 'no lower-priority pods: no victims',
      pods: [makePod().name('a').priority(100).req({ cpu: '4' })], preemptor: makePod().name('p').priority(100).req({ cpu: '1' }),
      want: [], status: 'No preemption victims found for incoming pod',
    },
    {
      name: 'evicts just enough, lowest priority first',
      pods: [makePod().name('low').priority(1).req({ cpu: '2' }), makePod().name('mid').priority(5).req({ cpu: '2' })], preemptor: makePod().name('p').priority(10).req({ cpu: '2' }),
      want: ['low'], status: undefined,
    },
    {
      name: 'evicts several',
      pods: [makePod().name('a').priority(1).req({ cpu: '2' }), makePod().name('b').priority(2).req({ cpu: '2' })], preemptor: makePod().name('p').priority(10).req({ cpu: '4' }),
      want: ['b', 'a'], status: undefined,
    },
    {
      name: 'higher-priority pods stay, so it cannot fit',
      pods: [makePod().name('low').priority(1).req({ cpu: '1' }), makePod().name('high').priority(50).req({ cpu: '3' })], preemptor: makePod().name('p').priority(10).req({ cpu: '2' }),
      want: [], status: 'Insufficient cpu',
    },
  ];
  for (const c of cases) {
    const r = victimsOn(c.pods, c.preemptor);
    assert.deepEqual(r.victims.map((v) => v.metadata?.name), c.want, c.name);
    assert.equal(r.status?.code === 'Success' ? undefined : r.status?.message(), c.status, c.name);
  }
});

test('DefaultPreemption reprieves PDB-protected pods first', () => {
  const pods = [makePod().name('guarded').label('app', 'db').priority(1).req({ cpu: '2' }), makePod().name('free').priority(1).req({ cpu: '2' })];
  const pdb: PDB = { metadata: { namespace: 'default', name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0 } };
  const r = victimsOn(pods, makePod().name('p').priority(10).req({ cpu: '2' }), [pdb]);
  assert.deepEqual(r.victims.map((v) => v.metadata?.name), ['free']);
  assert.equal(r.numViolating, 0);
  const all = victimsOn(pods, makePod().name('p').priority(10).req({ cpu: '4' }), [pdb]);
  assert.equal(all.numViolating, 1);
});

test('filterPodsWithPDBViolation counts the budget down in order', () => {
  const pdb: PDB = { metadata: { namespace: 'default' }, spec: { selector: { matchLabels: { app: 'a' } } }, status: { disruptionsAllowed: 1 } };
  const pods = ['x', 'y', 'z'].map((n) => ({ pod: makePod().name(n).label('app', 'a').obj() }));
  const { violating, nonViolating } = filterPodsWithPDBViolation(pods, [pdb]);
  assert.deepEqual(nonViolating.map((p) => p.pod.metadata?.name), ['x']);
  assert.deepEqual(violating.map((p) => p.pod.metadata?.name), ['y', 'z']);
  const empty: PDB = { metadata: { namespace: 'default' }, spec: { selector: {} }, status: { disruptionsAllowed: 0 } };
  assert.equal(filterPodsWithPDBViolation(pods, [empty]).violating.length, 0, 'an empty selector matches nothing');
});

test('pickOneNodeForPreemption order of precedence', () => {
  const v = (prios: number[], pdb = 0, start = '2026-01-01T00:00:00Z') => ({ pods: prios.map((p, i) => makePod().name(`v${i}`).priority(p).startTime(start).obj()), numPDBViolations: pdb });
  const cases = [
    { name: 'fewest PDB violations', m: { a: v([1], 1), b: v([5], 0) }, want: 'b' },
    { name: 'lowest highest priority', m: { a: v([5, 1]), b: v([3, 3]) }, want: 'b' },
    { name: 'smallest priority sum', m: { a: v([3, 3]), b: v([3, 1]) }, want: 'b' },
    { name: 'fewest victims (sums equal: each victim counts priority + 2^31)', m: { a: v([3]), b: v([3, -2147483648]) }, want: 'a' },
    { name: 'latest start', m: { a: v([3], 0, '2026-01-01T00:00:00Z'), b: v([3], 0, '2026-01-02T00:00:00Z') }, want: 'b' },
  ];
  for (const c of cases) assert.equal(pickOneNodeForPreemption(new Map(Object.entries(c.m)), Date.now()), c.want, c.name);
});

test('DefaultPreemption eligibility and candidate count', () => {
  const h = fakeHandle({ nodes: [makeNode().name('n').obj()] });
  const pl = new DefaultPreemption({}, h);
  assert.deepEqual(pl.podEligibleToPreemptOthers(makePod().name('p').preemptionPolicy('Never').obj(), undefined), { ok: false, msg: 'not eligible due to preemptionPolicy=Never.' });
  assert.equal(pl.podEligibleToPreemptOthers(makePod().name('p').obj(), undefined).ok, true);
  assert.equal(pl.podEligibleToPreemptOthers(makePod().name('p').nominatedNodeName('n').obj(), newStatus('UnschedulableAndUnresolvable')).ok, true);
  assert.equal(pl.calculateNumCandidates(50), 50);
  assert.equal(pl.calculateNumCandidates(500), 100);
  assert.equal(pl.calculateNumCandidates(5000), 500);
});
