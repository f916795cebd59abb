import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import type { NodeScore } from '../../framework/types.js';
import { makeNode, makePod, type PodWrapper } from '../../testing/wrappers.js';
import { BalancedAllocation } from './balanced-allocation.js';
import { Fit } from './fit.js';

function node(cap: Record<string, string>, ...pods: PodWrapper[]) {
  return makeNode().name('n').capacity(cap).info(...pods.map((p, i) => p.name(`e${i}`).node('n').obj()));
}

test('NodeResourcesFit filter: every insufficient resource is a reason, pods first', () => {
  const cap = { cpu: '10', memory: '20', pods: '32' };
  const cases = [
    { name: 'no requests fit', pod: makePod().name('p').container('busybox'), node: node(cap, makePod().req({ cpu: '10', memory: '20' })), want: [] },
    { name: 'fits exactly', pod: makePod().name('p').req({ cpu: '1', memory: '1' }), node: node(cap, makePod().req({ cpu: '5', memory: '5' }), makePod().req({ cpu: '4', memory: '14' })), want: [] },
    { name: 'too much cpu', pod: makePod().name('p').req({ cpu: '2', memory: '1' }), node: node(cap, makePod().req({ cpu: '9', memory: '5' })), want: ['Insufficient cpu'] },
    { name: 'too much cpu and memory', pod: makePod().name('p').req({ cpu: '2', memory: '2' }), node: node(cap, makePod().req({ cpu: '9', memory: '19' })), want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'millicores', pod: makePod().name('p').req({ cpu: '500m' }), node: node({ cpu: '1', memory: '1Gi', pods: '10' }, makePod().req({ cpu: '600m' })), want: ['Insufficient cpu'] },
    { name: 'init container max counts', pod: makePod().name('p').req({ cpu: '1' }).initReq({ cpu: '3' }), node: node(cap, makePod().req({ cpu: '8' })), want: ['Insufficient cpu'] },
    { name: 'sidecar adds to the containers', pod: makePod().name('p').req({ cpu: '1' }).initReq({ cpu: '1' }, 'Always'), node: node(cap, makePod().req({ cpu: '9' })), want: ['Insufficient cpu'] },
    { name: 'overhead counts', pod: makePod().name('p').req({ cpu: '1' }).overhead({ cpu: '1' }), node: node(cap, makePod().req({ cpu: '9' })), want: ['Insufficient cpu'] },
    { name: 'too many pods', pod: makePod().name('p'), node: node({ cpu: '10', memory: '20', pods: '1' }, makePod()), want: ['Too many pods'] },
    { name: 'too many pods and cpu', pod: makePod().name('p').req({ cpu: '11' }), node: node({ cpu: '10', memory: '20', pods: '1' }, makePod()), want: ['Too many pods', 'Insufficient cpu'] },
    { name: 'extended resource', pod: makePod().name('p').req({ 'example.com/gpu': '1' }), node: node({ cpu: '1', memory: '1', pods: '10', 'example.com/gpu': '1' }, makePod().req({ 'example.com/gpu': '1' })), want: ['Insufficient example.com/gpu'] },
  ];
  for (const c of cases) {
    const pl = new Fit();
    const state = new CycleState();
    pl.preFilter(state, c.pod.info());
    const s = pl.filter(state, c.pod.info(), c.node);
    assert.deepEqual(s?.reasons ?? [], c.want, c.name);
    if (c.want.length) assert.equal(s?.code, 'Unschedulable', c.name);
  }
  // The NodeInfo reads the Node once (setNode), as the cache hands it over.
  const bareNode = makeNode().name('bare').obj();
  delete bareNode.status;
  const bare = new NodeInfo();
  bare.setNode(bareNode);
  const st0 = new CycleState();
  new Fit().preFilter(st0, makePod().name('p').req({ cpu: '100' }).info());
  assert.equal(new Fit().filter(st0, makePod().name('p').req({ cpu: '100' }).info(), bare), undefined, 'a node without allocatable is not limited (tskube leniency)');
  const ignored = new Fit({ ignoredResourceGroups: ['example.com'] });
  const gpu = makePod().name('p').req({ 'example.com/gpu': '1' });
  const st = new CycleState();
  ignored.preFilter(st, gpu.info());
  assert.equal(ignored.filter(st, gpu.info(), node({ cpu: '1', memory: '1', pods: '10' })), undefined, 'ignored resource groups are not checked');
});

function scores(pl: Fit | BalancedAllocation, pod: PodWrapper, nodes: ReturnType<typeof node>[]): number[] {
  const state = new CycleState();
  pl.preScore(state, pod.info());
  return nodes.map((n) => pl.score(state, pod.info(), n));
}

test('NodeResourcesFit LeastAllocated: ((capacity − requested) × 100 / capacity) averaged over cpu and memory', () => {
  const cases = [
    { name: 'empty nodes, pod without requests counts 100m/200Mi', pod: makePod().name('p').container('busybox'), nodes: [node({ cpu: '4', memory: '10000Mi' }), node({ cpu: '1', memory: '1000Mi' })], want: [(97 + 98) >> 1, (90 + 80) >> 1] },
    { name: 'requested on the node', pod: makePod().name('p').req({ cpu: '3', memory: '5000' }), nodes: [node({ cpu: '4', memory: '10000' }), node({ cpu: '6', memory: '10000' }, makePod().req({ cpu: '3', memory: '5000' }))], want: [Math.trunc((25 + 50) / 2), Math.trunc((0 + 0) / 2)] },
  ];
  for (const c of cases) assert.deepEqual(scores(new Fit(), c.pod, c.nodes), c.want, c.name);
});

test('NodeResourcesFit MostAllocated and weights', () => {
  const pl = new Fit({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }] } });
  // cpu 50% × 3, memory 25% × 1 → (150 + 25) / 4
  assert.deepEqual(scores(pl, makePod().name('p').req({ cpu: '2', memory: '1000' }), [node({ cpu: '4', memory: '4000' })]), [Math.trunc(175 / 4)]);
  const ratio = new Fit({ scoringStrategy: { type: 'RequestedToCapacityRatio', resources: [{ name: 'cpu', weight: 1 }], requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } });
  assert.deepEqual(scores(ratio, makePod().name('p').req({ cpu: '1' }), [node({ cpu: '4', memory: '1' })]), [25]);
});

test('NodeResourcesBalancedAllocation: 100 × (1 − |cpu fraction − memory fraction| / 2)', () => {
  const cases = [
    { name: 'balanced', pod: makePod().name('p').req({ cpu: '1', memory: '1000' }), nodes: [node({ cpu: '4', memory: '4000' })], want: [100] },
    { name: 'unbalanced', pod: makePod().name('p').req({ cpu: '2', memory: '1000' }), nodes: [node({ cpu: '4', memory: '4000' })], want: [Math.trunc((1 - 0.125) * 100)] },
    { name: 'no requests: requested counts as is', pod: makePod().name('p').container('busybox'), nodes: [node({ cpu: '4', memory: '4000' }, makePod().req({ cpu: '2' }))], want: [75] },
  ];
  for (const c of cases) assert.deepEqual(scores(new BalancedAllocation(), c.pod, c.nodes), c.want, c.name);
});

test('NodeResourcesFit hints: an assigned pod deleted queues; a node too small does not', () => {
  const ev = new Fit().eventsToRegister();
  const pod = makePod().name('p').req({ cpu: '2' }).obj();
  assert.equal(ev[0].hint!(pod, makePod().name('o').node('n').obj(), undefined), 'Queue');
  assert.equal(ev[0].hint!(pod, makePod().name('o').obj(), undefined), 'QueueSkip');
  assert.equal(ev[1].hint!(pod, undefined, makeNode().name('n').capacity({ cpu: '1', memory: '1', pods: '10' }).obj()), 'QueueSkip');
  assert.equal(ev[1].hint!(pod, undefined, makeNode().name('n').capacity({ cpu: '4', memory: '1', pods: '10' }).obj()), 'Queue');
});
