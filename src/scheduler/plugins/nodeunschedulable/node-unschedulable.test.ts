import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { ErrReasonUnknownCondition, ErrReasonUnschedulable, NodeUnschedulable } from './node-unschedulable.js';

test('NodeUnschedulable filter', () => {
  const tolerates = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  const cases = [
    { name: 'schedulable node', pod: makePod().name('p'), node: makeNode().name('n'), want: undefined },
    { name: 'cordoned node', pod: makePod().name('p'), node: makeNode().name('n').unschedulable(), want: ErrReasonUnschedulable },
    { name: 'cordoned node, pod tolerates unschedulable', pod: makePod().name('p').toleration(tolerates), node: makeNode().name('n').unschedulable(), want: undefined },
    { name: 'cordoned node, toleration Exists without key', pod: makePod().name('p').toleration({ operator: 'Exists' }), node: makeNode().name('n').unschedulable(), want: undefined },
    { name: 'cordoned node, toleration for NoExecute only', pod: makePod().name('p').toleration({ ...tolerates, effect: 'NoExecute' }), node: makeNode().name('n').unschedulable(), want: ErrReasonUnschedulable },
  ];
  for (const c of cases) {
    const s = new NodeUnschedulable().filter(new CycleState(), c.pod.info(), c.node.info());
    assert.equal(s?.message(), c.want, c.name);
  }
  assert.equal(new NodeUnschedulable().filter(new CycleState(), makePod().name('p').info(), new NodeInfo())?.message(), ErrReasonUnknownCondition);
});

test('NodeUnschedulable hint: uncordoning queues, other node updates do not', () => {
  const hint = new NodeUnschedulable().eventsToRegister()[0].hint!;
  const pod = makePod().name('p').obj();
  assert.equal(hint(pod, makeNode().name('n').unschedulable().obj(), makeNode().name('n').obj()), 'Queue');
  assert.equal(hint(pod, makeNode().name('n').obj(), makeNode().name('n').obj()), 'QueueSkip');
  assert.equal(hint(pod, undefined, makeNode().name('n').obj()), 'Queue');
  assert.equal(hint(pod, undefined, makeNode().name('n').unschedulable().obj()), 'QueueSkip');
});
