import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers.js';
import { ErrReasonNodePorts, NodePorts } from './node-ports.js';

test('NodePorts filter', () => {
  const on = (...pods: PodWrapper[]) => makeNode().name('n').info(...pods.map((p) => p.node('n').obj()));
  const cases = [
    { name: 'no host ports: PreFilter skips', pod: makePod().name('p'), node: on(makePod().name('o').hostPort(80)), want: undefined, skip: true },
    { name: 'free port', pod: makePod().name('p').hostPort(8080), node: on(makePod().name('o').hostPort(80)), want: undefined },
    { name: 'same port and protocol', pod: makePod().name('p').hostPort(80), node: on(makePod().name('o').hostPort(80)), want: ErrReasonNodePorts },
    { name: 'same port, other protocol', pod: makePod().name('p').hostPort(53, 'UDP'), node: on(makePod().name('o').hostPort(53, 'TCP')), want: undefined },
    { name: 'different host IPs', pod: makePod().name('p').hostPort(80, 'TCP', '127.0.0.1'), node: on(makePod().name('o').hostPort(80, 'TCP', '127.0.0.2')), want: undefined },
    { name: '0.0.0.0 conflicts with any IP', pod: makePod().name('p').hostPort(80, 'TCP', '0.0.0.0'), node: on(makePod().name('o').hostPort(80, 'TCP', '127.0.0.2')), want: ErrReasonNodePorts },
    { name: 'a specific IP conflicts with 0.0.0.0', pod: makePod().name('p').hostPort(80, 'TCP', '127.0.0.1'), node: on(makePod().name('o').hostPort(80)), want: ErrReasonNodePorts },
  ];
  for (const c of cases) {
    const pl = new NodePorts();
    const state = new CycleState();
    const pre = pl.preFilter(state, c.pod.info());
    assert.equal(pre?.status?.code === 'Skip', !!c.skip, c.name);
    if (c.skip) continue;
    const s = pl.filter(state, c.pod.info(), c.node);
    assert.equal(s?.message(), c.want, c.name);
    if (c.want) assert.equal(s?.code, 'Unschedulable', c.name);
  }
});

test('NodePorts hint: deleting a pod that held the port queues', () => {
  const hint = new NodePorts().eventsToRegister()[0].hint!;
  const pod = makePod().name('p').hostPort(80).obj();
  assert.equal(hint(pod, makePod().name('o').node('n').hostPort(80).obj(), undefined), 'Queue');
  assert.equal(hint(pod, makePod().name('o').node('n').hostPort(81).obj(), undefined), 'QueueSkip');
});
