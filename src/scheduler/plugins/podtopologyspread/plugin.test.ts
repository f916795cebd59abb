import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import type { NodeScore } from '../../framework/types.js';
import { fakeHandle } from '../../testing/fake-handle.js';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers.js';
import { ErrReasonConstraintsNotMatch, ErrReasonNodeLabelNotMatch } from './filtering.js';
import { PodTopologySpread } from './plugin.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const sel = { matchLabels: { app: 'web' } };
const nodes = () => [
  makeNode().name('n1').label(ZONE, 'z1').obj(),
  makeNode().name('n2').label(ZONE, 'z1').obj(),
  makeNode().name('n3').label(ZONE, 'z2').obj(),
  makeNode().name('n4').obj(),
];
const web = (name: string, node: string) => makePod().name(name).label('app', 'web').node(node);

function filterAll(pod: PodWrapper, existing: PodWrapper[]): Record<string, string | undefined> {
  const h = fakeHandle({ nodes: nodes(), pods: existing.map((p) => p.obj()) });
  const pl = new PodTopologySpread({ defaultingType: 'List' }, h);
  const state = new CycleState();
  const pre = pl.preFilter(state, pod.info());
  const out: Record<string, string | undefined> = {};
  for (const ni of h.snapshot.list()) out[ni.name] = pre?.status?.code === 'Skip' ? 'skip' : pl.filter(state, pod.info(), ni)?.message();
  return out;
}

test('PodTopologySpread filter (DoNotSchedule)', () => {
  const cases = [
    { name: 'no constraints: skipped', pod: makePod().name('p'), existing: [], want: { n1: 'skip', n2: 'skip', n3: 'skip', n4: 'skip' } },
    {
      name: 'maxSkew 1 by zone: z1 has 2, z2 has 0 → only z2',
      pod: web('p', '').spreadConstraint(1, ZONE, 'DoNotSchedule', sel), existing: [web('a', 'n1'), web('b', 'n2')],
      want: { n1: ErrReasonConstraintsNotMatch, n2: ErrReasonConstraintsNotMatch, n3: undefined, n4: ErrReasonNodeLabelNotMatch },
    },
    {
      name: 'maxSkew 2 tolerates one more',
      pod: web('p', '').spreadConstraint(2, ZONE, 'DoNotSchedule', sel), existing: [web('a', 'n1')],
      want: { n1: undefined, n2: undefined, n3: undefined, n4: ErrReasonNodeLabelNotMatch },
    },
    {
      name: 'the pod itself not matching the selector does not count',
      pod: makePod().name('p').spreadConstraint(1, ZONE, 'DoNotSchedule', sel), existing: [web('a', 'n1')],
      want: { n1: undefined, n2: undefined, n3: undefined, n4: ErrReasonNodeLabelNotMatch },
    },
    {
      name: 'minDomains above the domain count makes the minimum 0',
      pod: web('p', '').spreadConstraint(1, ZONE, 'DoNotSchedule', sel, { minDomains: 3 }), existing: [web('a', 'n3')],
      want: { n1: undefined, n2: undefined, n3: ErrReasonConstraintsNotMatch, n4: ErrReasonNodeLabelNotMatch },
    },
    {
      name: 'ScheduleAnyway constraints do not filter',
      pod: web('p', '').spreadConstraint(1, ZONE, 'ScheduleAnyway', sel), existing: [web('a', 'n1'), web('b', 'n2')],
      want: { n1: 'skip', n2: 'skip', n3: 'skip', n4: 'skip' },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(c.pod, c.existing), c.want, c.name);
});

test('PodTopologySpread filter status codes', () => {
  const r = filterAll(web('p', '').spreadConstraint(1, ZONE, 'DoNotSchedule', sel), [web('a', 'n1'), web('b', 'n2')]);
  assert.equal(r.n1, ErrReasonConstraintsNotMatch);
  const h = fakeHandle({ nodes: nodes() });
  const pl = new PodTopologySpread({}, h);
  const st = new CycleState();
  const pod = web('p', '').spreadConstraint(1, ZONE, 'DoNotSchedule', sel).info();
  pl.preFilter(st, pod);
  assert.equal(pl.filter(st, pod, h.snapshot.get('n4')!)?.code, 'UnschedulableAndUnresolvable');
});

test('PodTopologySpread score (ScheduleAnyway): fewer matching pods in the domain score higher', () => {
  const existing = [web('a', 'n1'), web('b', 'n1'), web('c', 'n2')];
  const h = fakeHandle({ nodes: nodes().slice(0, 3), pods: existing.map((p) => p.obj()) });
  const pl = new PodTopologySpread({}, h);
  const pod = web('p', '').spreadConstraint(1, HOST, 'ScheduleAnyway', sel).info();
  const state = new CycleState();
  const list = h.snapshot.list();
  assert.equal(pl.preScore(state, pod, list), undefined);
  const scores: NodeScore[] = list.map((n) => ({ name: n.name, score: pl.score(state, pod, n) }));
  // weight = log(3 + 2); counts 2, 1, 0
  const w = Math.log(5);
  assert.deepEqual(scores.map((s) => s.score), [Math.round(2 * w), Math.round(w), 0]);
  pl.normalizeScore(state, pod, scores);
  assert.deepEqual(scores.map((s) => s.name), ['n1', 'n2', 'n3']);
  assert.ok(scores[2].score > scores[1].score && scores[1].score > scores[0].score, JSON.stringify(scores));
  assert.equal(scores[2].score, 100);
});

test('PodTopologySpread system defaults need a selector from a Service, ReplicaSet, StatefulSet or RC', () => {
  const h = fakeHandle({ nodes: nodes() });
  const pl = new PodTopologySpread({}, h);
  assert.equal(pl.preScore(new CycleState(), makePod().name('p').label('app', 'web').info(), h.snapshot.list())?.code, 'Skip');
  const listers = {
    get: (_ns: string | undefined, name: string) => (name === 'web-rs' ? { metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } } } } : undefined),
    list: () => [], byIndex: () => [],
  };
  const informers = { informerFor: () => ({ lister: listers }) } as never;
  const pl2 = new PodTopologySpread({}, { ...h, informers });
  const pod = makePod().name('p').label('app', 'web').ownerReference('ReplicaSet', 'web-rs').info();
  const c = pl2.getConstraints(pod.pod, 'ScheduleAnyway');
  assert.deepEqual(c.map((x) => [x.topologyKey, x.maxSkew]), [[HOST, 3], [ZONE, 5]]);
  assert.equal(pl2.preScore(new CycleState(), pod, h.snapshot.list()), undefined);
});
