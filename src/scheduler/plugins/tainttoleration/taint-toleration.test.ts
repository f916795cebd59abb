import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import type { NodeScore } from '../../framework/types.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { TaintToleration } from './taint-toleration.js';

test('TaintToleration filter', () => {
  const cp = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  const cases = [
    { name: 'no taints', pod: makePod().name('p'), taints: [], want: undefined },
    { name: 'untolerated NoSchedule taint, empty value', pod: makePod().name('p'), taints: [cp], want: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
    { name: 'untolerated NoExecute taint with value', pod: makePod().name('p'), taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {dedicated: db}' },
    { name: 'PreferNoSchedule never filters', pod: makePod().name('p'), taints: [{ key: 'a', effect: 'PreferNoSchedule' }], want: undefined },
    { name: 'tolerated with Exists', pod: makePod().name('p').toleration({ key: cp.key, operator: 'Exists', effect: 'NoSchedule' }), taints: [cp], want: undefined },
    { name: 'tolerated with Equal and value', pod: makePod().name('p').toleration({ key: 'dedicated', operator: 'Equal', value: 'db' }), taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], want: undefined },
    { name: 'Equal with another value', pod: makePod().name('p').toleration({ key: 'dedicated', value: 'web' }), taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], want: 'node(s) had untolerated taint {dedicated: db}' },
    { name: 'the first untolerated taint is reported', pod: makePod().name('p').toleration({ key: 'a', operator: 'Exists' }), taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', value: '1', effect: 'NoSchedule' }, { key: 'c', effect: 'NoSchedule' }], want: 'node(s) had untolerated taint {b: 1}' },
  ];
  for (const c of cases) {
    const s = new TaintToleration().filter(new CycleState(), c.pod.info(), makeNode().name('n').taints(c.taints).info());
    assert.equal(s?.message(), c.want, c.name);
    if (c.want) assert.equal(s?.code, 'UnschedulableAndUnresolvable', c.name);
  }
});

test('TaintToleration score: fewer untolerated PreferNoSchedule taints score higher', () => {
  const pl = new TaintToleration();
  const pod = makePod().name('p').toleration({ key: 'tolerated', operator: 'Exists', effect: 'PreferNoSchedule' }).info();
  const nodes = [
    makeNode().name('none').info(),
    makeNode().name('one').taints([{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'tolerated', effect: 'PreferNoSchedule' }]).info(),
    makeNode().name('two').taints([{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'y', effect: 'PreferNoSchedule' }]).info(),
  ];
  const state = new CycleState();
  pl.preScore(state, pod, nodes);
  const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: pl.score(state, pod, n) }));
  assert.deepEqual(scores.map((s) => s.score), [0, 1, 2]);
  pl.normalizeScore(state, pod, scores);
  assert.deepEqual(scores.map((s) => s.score), [100, 50, 0]);
});
