import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import type { NodeScore } from '../../framework/types.js';
import { fakeHandle } from '../../testing/fake-handle.js';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers.js';
import { ErrReasonAffinityRulesNotMatch, ErrReasonAntiAffinityRulesNotMatch, ErrReasonExistingAntiAffinityRulesNotMatch } from './filtering.js';
import { InterPodAffinity } from './plugin.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const nodes = () => [
  makeNode().name('n1').label(ZONE, 'z1').obj(),
  makeNode().name('n2').label(ZONE, 'z1').obj(),
  makeNode().name('n3').label(ZONE, 'z2').obj(),
];
const sel = (app: string) => ({ matchLabels: { app } });

function filterAll(pod: PodWrapper, existing: PodWrapper[]): Record<string, string | undefined> {
  const h = fakeHandle({ nodes: nodes(), pods: existing.map((p) => p.obj()) });
  const pl = new InterPodAffinity({}, h);
  const state = new CycleState();
  const pre = pl.preFilter(state, pod.info());
  const out: Record<string, string | undefined> = {};
  for (const ni of h.snapshot.list()) out[ni.name] = pre?.status?.code === 'Skip' ? 'skip' : pl.filter(state, pod.info(), ni)?.message();
  return out;
}

test('InterPodAffinity filter', () => {
  const cases = [
    { name: 'nothing to check: PreFilter skips', pod: makePod().name('p'), existing: [makePod().name('e').label('app', 'db').node('n1')], want: { n1: 'skip', n2: 'skip', n3: 'skip' } },
    {
      name: 'required affinity by hostname follows the matching pod',
      pod: makePod().name('p').podAffinity(HOST, sel('db')), existing: [makePod().name('e').label('app', 'db').node('n2')],
      want: { n1: ErrReasonAffinityRulesNotMatch, n2: undefined, n3: ErrReasonAffinityRulesNotMatch },
    },
    {
      name: 'required affinity by zone admits every node of the zone',
      pod: makePod().name('p').podAffinity(ZONE, sel('db')), existing: [makePod().name('e').label('app', 'db').node('n1')],
      want: { n1: undefined, n2: undefined, n3: ErrReasonAffinityRulesNotMatch },
    },
    {
      name: 'the first pod of a group matching its own affinity goes anywhere',
      pod: makePod().name('p').label('app', 'db').podAffinity(HOST, sel('db')), existing: [],
      want: { n1: undefined, n2: undefined, n3: undefined },
    },
    {
      name: 'affinity to pods in another namespace does not count',
      pod: makePod().name('p').podAffinity(HOST, sel('db')), existing: [makePod().name('e').namespace('other').label('app', 'db').node('n2')],
      want: { n1: ErrReasonAffinityRulesNotMatch, n2: ErrReasonAffinityRulesNotMatch, n3: ErrReasonAffinityRulesNotMatch },
    },
    {
      name: 'required anti-affinity by zone',
      pod: makePod().name('p').podAntiAffinity(ZONE, sel('db')), existing: [makePod().name('e').label('app', 'db').node('n1')],
      want: { n1: ErrReasonAntiAffinityRulesNotMatch, n2: ErrReasonAntiAffinityRulesNotMatch, n3: undefined },
    },
    {
      name: 'existing pods\' anti-affinity keeps the pod away',
      pod: makePod().name('p').label('app', 'web'), existing: [makePod().name('e').podAntiAffinity(HOST, sel('web')).node('n3')],
      want: { n1: undefined, n2: undefined, n3: ErrReasonExistingAntiAffinityRulesNotMatch },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(c.pod, c.existing), c.want, c.name);
});

test('InterPodAffinity status codes: affinity is unresolvable, anti-affinity is not', () => {
  const h = fakeHandle({ nodes: nodes(), pods: [makePod().name('e').label('app', 'db').node('n1').obj()] });
  const pl = new InterPodAffinity({}, h);
  const state = new CycleState();
  const pod = makePod().name('p').podAffinity(HOST, sel('x')).podAntiAffinity(HOST, sel('db')).info();
  pl.preFilter(state, pod);
  assert.equal(pl.filter(state, pod, h.snapshot.get('n2')!)?.code, 'UnschedulableAndUnresolvable');
  const anti = makePod().name('q').podAntiAffinity(HOST, sel('db')).info();
  const st2 = new CycleState();
  pl.preFilter(st2, anti);
  assert.equal(pl.filter(st2, anti, h.snapshot.get('n1')!)?.code, 'Unschedulable');
});

test('InterPodAffinity AddPod/RemovePod keep the counts (preemption)', () => {
  const h = fakeHandle({ nodes: nodes(), pods: [makePod().name('e').label('app', 'db').node('n1').obj()] });
  const pl = new InterPodAffinity({}, h);
  const pod = makePod().name('p').podAntiAffinity(HOST, sel('db')).info();
  const state = new CycleState();
  pl.preFilter(state, pod);
  const n1 = h.snapshot.get('n1')!;
  assert.ok(pl.filter(state, pod, n1));
  pl.removePod(state, pod, n1.pods[0], n1);
  assert.equal(pl.filter(state, pod, n1), undefined);
  pl.addPod(state, pod, n1.pods[0], n1);
  assert.ok(pl.filter(state, pod, n1));
});

function scoreAll(pod: PodWrapper, existing: PodWrapper[]): number[] {
  const h = fakeHandle({ nodes: nodes(), pods: existing.map((p) => p.obj()) });
  const pl = new InterPodAffinity({}, h);
  const state = new CycleState();
  const list = h.snapshot.list();
  const s = pl.preScore(state, pod.info(), list);
  if (s?.code === 'Skip') return [];
  const scores: NodeScore[] = list.map((n) => ({ name: n.name, score: pl.score(state, pod.info(), n) }));
  pl.normalizeScore(state, pod.info(), scores);
  return scores.map((x) => x.score);
}

test('InterPodAffinity score', () => {
  const cases = [
    { name: 'no terms anywhere: skipped', pod: makePod().name('p'), existing: [makePod().name('e').node('n1')], want: [] },
    { name: 'preferred anti-affinity spreads (seed 000)', pod: makePod().name('p').preferredPodAntiAffinity(100, HOST, sel('store')), existing: [makePod().name('e').label('app', 'store').node('n1')], want: [0, 100, 100] },
    { name: 'preferred affinity by zone', pod: makePod().name('p').preferredPodAffinity(10, ZONE, sel('db')), existing: [makePod().name('e').label('app', 'db').node('n3')], want: [0, 0, 100] },
    { name: 'existing pod\'s preferred affinity attracts (symmetry)', pod: makePod().name('p').label('app', 'web'), existing: [makePod().name('e').preferredPodAffinity(5, HOST, sel('web')).node('n2')], want: [0, 100, 0] },
    { name: 'existing pod\'s required affinity counts hardPodAffinityWeight', pod: makePod().name('p').label('app', 'web'), existing: [makePod().name('e').podAffinity(ZONE, sel('web')).node('n3')], want: [0, 0, 100] },
  ];
  for (const c of cases) assert.deepEqual(scoreAll(c.pod, c.existing), c.want, c.name);
});
