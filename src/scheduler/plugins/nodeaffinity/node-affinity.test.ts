import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import type { NodeScore } from '../../framework/types.js';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers.js';
import { ErrReasonEnforced, ErrReasonPod, NodeAffinity } from './node-affinity.js';

function run(pl: NodeAffinity, pod: PodWrapper, node: ReturnType<typeof makeNode>) {
  const state = new CycleState();
  const pre = pl.preFilter(state, pod.info());
  if (pre?.status?.code === 'Skip') return { pre, status: undefined };
  return { pre, status: pl.filter(state, pod.info(), node.info()) };
}

test('NodeAffinity filter', () => {
  const node = makeNode().name('n1').label('zone', 'south').label('disk', 'ssd').label('gen', '5');
  const cases = [
    { name: 'no selector or affinity: PreFilter skips', pod: makePod().name('p'), want: undefined, skip: true },
    { name: 'nodeSelector matches', pod: makePod().name('p').nodeSelector({ zone: 'south' }), want: undefined },
    { name: 'nodeSelector does not match', pod: makePod().name('p').nodeSelector({ zone: 'north' }), want: ErrReasonPod },
    { name: 'In matches', pod: makePod().name('p').nodeAffinityIn('disk', ['hdd', 'ssd']), want: undefined },
    { name: 'NotIn excludes', pod: makePod().name('p').nodeAffinity([{ key: 'disk', operator: 'NotIn', values: ['ssd'] }]), want: ErrReasonPod },
    { name: 'Exists', pod: makePod().name('p').nodeAffinity([{ key: 'disk', operator: 'Exists' }]), want: undefined },
    { name: 'DoesNotExist', pod: makePod().name('p').nodeAffinity([{ key: 'gpu', operator: 'DoesNotExist' }]), want: undefined },
    { name: 'Gt', pod: makePod().name('p').nodeAffinity([{ key: 'gen', operator: 'Gt', values: ['4'] }]), want: undefined },
    { name: 'Lt fails', pod: makePod().name('p').nodeAffinity([{ key: 'gen', operator: 'Lt', values: ['4'] }]), want: ErrReasonPod },
    { name: 'terms are ORed', pod: makePod().name('p').nodeAffinityIn('zone', ['north']).nodeAffinityIn('disk', ['ssd']), want: undefined },
    { name: 'requirements of a term are ANDed', pod: makePod().name('p').nodeAffinity([{ key: 'zone', operator: 'In', values: ['south'] }, { key: 'disk', operator: 'In', values: ['hdd'] }]), want: ErrReasonPod },
    { name: 'nodeSelector and affinity both apply', pod: makePod().name('p').nodeSelector({ zone: 'north' }).nodeAffinityIn('disk', ['ssd']), want: ErrReasonPod },
    { name: 'matchFields metadata.name', pod: makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['n1'] }]), want: undefined },
    { name: 'matchFields other name', pod: makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['n2'] }]), want: ErrReasonPod },
  ];
  for (const c of cases) {
    const { pre, status } = run(new NodeAffinity(), c.pod, node);
    assert.equal(status?.message(), c.want, c.name);
    if (c.want) assert.equal(status?.code, 'UnschedulableAndUnresolvable', c.name);
    assert.equal(pre?.status?.code === 'Skip', !!c.skip, c.name);
  }
});

test('NodeAffinity PreFilter narrows to the nodes named by matchFields (DaemonSet pods)', () => {
  const state = new CycleState();
  const ds = makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['host02'] }]);
  assert.deepEqual([...new NodeAffinity().preFilter(state, ds.info())!.result!.nodeNames!], ['host02']);
  const two = makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['a'] }]).nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['b'] }]);
  assert.deepEqual([...new NodeAffinity().preFilter(state, two.info())!.result!.nodeNames!].sort(), ['a', 'b']);
  const mixed = makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['a'] }]).nodeAffinityIn('zone', ['x']);
  assert.equal(new NodeAffinity().preFilter(state, mixed.info()), undefined, 'a term without node names admits all nodes');
  const conflict = makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }]);
  assert.equal(new NodeAffinity().preFilter(state, conflict.info())!.status!.message(), 'pod affinity terms conflict');
});

test('NodeAffinity addedAffinity is enforced for every pod', () => {
  const pl = new NodeAffinity({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['batch'] }] }] } } });
  const state = new CycleState();
  pl.preFilter(state, makePod().name('p').info());
  assert.equal(pl.filter(state, makePod().name('p').info(), makeNode().name('n').info())?.message(), ErrReasonEnforced);
  assert.equal(pl.filter(state, makePod().name('p').info(), makeNode().name('n').label('pool', 'batch').info()), undefined);
});

test('NodeAffinity score sums matching preferred weights, normalized', () => {
  const pl = new NodeAffinity();
  const pod = makePod().name('p').preferredNodeAffinity(2, [{ key: 'zone', operator: 'In', values: ['a'] }]).preferredNodeAffinity(8, [{ key: 'disk', operator: 'In', values: ['ssd'] }]).info();
  const nodes = [makeNode().name('n1').label('zone', 'a').info(), makeNode().name('n2').label('disk', 'ssd').info(), makeNode().name('n3').label('zone', 'a').label('disk', 'ssd').info(), makeNode().name('n4').info()];
  const state = new CycleState();
  assert.equal(pl.preScore(state, pod), undefined);
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: pl.score(state, pod, n) }));
  assert.deepEqual(scores.map((s) => s.score), [2, 8, 10, 0]);
  pl.normalizeScore(state, pod, scores);
  assert.deepEqual(scores.map((s) => s.score), [20, 80, 100, 0]);
  assert.equal(pl.preScore(new CycleState(), makePod().name('q').info())?.code, 'Skip');
});
