import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../testing/wrappers.js';
import { memoKeyId, NodeInfo } from './node-info.js';

test('memoized results last exactly one generation of the node', () => {
  const ni = new NodeInfo(makePod().name('a').node('n1').info());
  ni.setNode(makeNode().name('n1').obj());
  const k = memoKeyId('k');
  const j = memoKeyId('j');
  assert.equal(memoKeyId('k'), k, 'a key keeps its id');
  assert.notEqual(j, k);
  assert.equal(ni.memoized(k), undefined);
  ni.memoize(k, 7);
  ni.memoize(j, 1);
  assert.equal(ni.memoized(k), 7);
  assert.equal(ni.memoized(j), 1);

  ni.addPodInfo(makePod().name('b').node('n1').info());
  assert.equal(ni.memoized(k), undefined, 'a pod added');
  ni.memoize(k, 8);
  assert.ok(ni.removePod(makePod().name('b').node('n1').obj()));
  assert.equal(ni.memoized(k), undefined, 'a pod removed');
  ni.memoize(k, 9);
  ni.setNode(makeNode().name('n1').label('x', 'y').obj());
  assert.equal(ni.memoized(k), undefined, 'the node replaced');

  // A snapshot copy carries the generation but keeps results of its own.
  ni.memoize(k, 10);
  const copy = new NodeInfo();
  copy.copyFrom(ni);
  assert.equal(copy.memoized(k), undefined);
  copy.memoize(k, 11);
  assert.equal(ni.memoized(k), 10);
  copy.addPodInfo(makePod().name('c').node('n1').info());
  assert.equal(copy.memoized(k), undefined);
  assert.equal(ni.memoized(k), 10, 'the original did not change');
});

test('a generation memoizes at most 32 results, then starts over', () => {
  const ni = new NodeInfo();
  ni.setNode(makeNode().name('n1').obj());
  const ids = Array.from({ length: 33 }, (_, i) => memoKeyId(`bound-${i}`));
  ids.slice(0, 32).forEach((id, i) => ni.memoize(id, i));
  ids.slice(0, 32).forEach((id, i) => assert.equal(ni.memoized(id), i));
  ni.memoize(ids[32], 32);
  assert.equal(ni.memoized(ids[32]), 32);
  assert.equal(ni.memoized(ids[0]), undefined, 'the older results were dropped');
});

test('the Node fields Filter and Score read follow setNode, removeNode and copyFrom', () => {
  const ni = new NodeInfo();
  assert.deepEqual(ni.labels, {});
  assert.equal(ni.taints, undefined);
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  ni.setNode(makeNode().name('n1').label('zone', 'a').taints([taint]).unschedulable().obj());
  assert.equal(ni.labels.zone, 'a');
  assert.deepEqual(ni.taints, [taint]);
  assert.equal(ni.unschedulable, true);
  assert.equal(ni.reportsAllocatable, true);
  const copy = new NodeInfo();
  copy.copyFrom(ni);
  assert.equal(copy.labels.zone, 'a');
  assert.deepEqual(copy.taints, [taint]);
  assert.equal(copy.unschedulable, true);

  const bare = makeNode().name('n1').taints([]).obj();
  delete bare.status;
  ni.setNode(bare);
  assert.equal(ni.labels.zone, undefined);
  assert.equal(ni.taints, undefined, 'no taints is undefined, as is an empty list');
  assert.equal(ni.unschedulable, false);
  assert.equal(ni.reportsAllocatable, false);
  ni.removeNode();
  assert.deepEqual(ni.labels, {});
  assert.equal(copy.labels.zone, 'a', 'the copy keeps its own');
});

test('the flat copies of the resource numbers always equal the Resources', () => {
  const same = (ni: NodeInfo, what: string) => {
    assert.deepEqual(
      [ni.podCount, ni.allocatableMilliCPU, ni.allocatableMemory, ni.allocatableEphemeralStorage, ni.allowedPodNumber,
        ni.requestedMilliCPU, ni.requestedMemory, ni.requestedEphemeralStorage, ni.nonZeroMilliCPU, ni.nonZeroMemory],
      [ni.pods.length, ni.allocatable.milliCPU, ni.allocatable.memory, ni.allocatable.ephemeralStorage, ni.allocatable.allowedPodNumber,
        ni.requested.milliCPU, ni.requested.memory, ni.requested.ephemeralStorage, ni.nonZeroRequested.milliCPU, ni.nonZeroRequested.memory],
      what,
    );
  };
  const ni = new NodeInfo(makePod().name('a').node('n1').req({ cpu: '1', memory: '1Gi' }).info());
  same(ni, 'pods before the node');
  ni.setNode(makeNode().name('n1').capacity({ cpu: '8', memory: '300Gi', pods: '110', 'ephemeral-storage': '100Gi' }).obj());
  same(ni, 'the node set');
  assert.equal(ni.allocatableMemory, 300 * 2 ** 30);
  ni.addPodInfo(makePod().name('b').node('n1').req({}).info());
  same(ni, 'a pod without requests added');
  assert.equal(ni.nonZeroMilliCPU, 1100, 'it counts 100m when scoring');
  ni.addPodInfo(makePod().name('c').node('n1').req({ 'ephemeral-storage': '1Gi' }).info());
  assert.ok(ni.removePod(makePod().name('a').node('n1').obj()));
  same(ni, 'pods added and removed');
  const copy = new NodeInfo();
  copy.copyFrom(ni);
  same(copy, 'a snapshot copy');
  assert.equal(copy.podCount, 2);
  copy.addPodInfo(makePod().name('d').node('n1').req({ cpu: '2' }).info());
  same(copy, 'the copy changed');
  same(ni, 'the original did not');
  assert.equal(ni.podCount, 2);
  assert.equal(ni.hostname, 'n1');
});

test('topologyValue reads the hostname, the zone and any other label', () => {
  const ni = new NodeInfo();
  ni.setNode(makeNode().name('n1').label('topology.kubernetes.io/zone', 'z1').label('rack', 'r7').obj());
  assert.equal(ni.topologyValue('kubernetes.io/hostname'), 'n1');
  assert.equal(ni.topologyValue('topology.kubernetes.io/zone'), 'z1');
  assert.equal(ni.zone, 'z1');
  assert.equal(ni.topologyValue('rack'), 'r7');
  assert.equal(ni.topologyValue('topology.kubernetes.io/region'), undefined);
  const copy = new NodeInfo();
  copy.copyFrom(ni);
  assert.equal(copy.topologyValue('topology.kubernetes.io/zone'), 'z1');
  ni.setNode(makeNode().name('n1').obj());
  assert.equal(ni.topologyValue('topology.kubernetes.io/zone'), undefined, 'the label removed');
  ni.removeNode();
  assert.equal(ni.topologyValue('kubernetes.io/hostname'), undefined);
});
