import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { PodInfo } from '../framework/pod-info.js';
import { makeNode, makePod } from '../testing/wrappers.js';
import { Cache } from './cache.js';
import { NodeTree } from './node-tree.js';
import { Snapshot } from './snapshot.js';

const node = (name: string, zone?: string) => (zone ? makeNode().name(name).label('topology.kubernetes.io/zone', zone) : makeNode().name(name)).capacity({ cpu: '4', memory: '4Gi', pods: '10' }).obj();

test('assume → confirm by the informer; forget; expiry 30 s after binding', async () => {
  const clock = new FakeClock();
  const c = new Cache(clock);
  c.addNode(node('n1'));
  const assumed = makePod().name('a').req({ cpu: '1' }).node('n1').obj();
  c.assumePod(new PodInfo(assumed));
  assert.equal(c.isAssumedPod(assumed), true);
  assert.equal(c.nodeInfo('n1')!.requested.milliCPU, 1000);
  c.finishBinding(assumed);
  c.addPod({ ...assumed, metadata: { ...assumed.metadata, resourceVersion: '5' } });
  assert.equal(c.isAssumedPod(assumed), false, 'confirmed');
  assert.equal(c.nodeInfo('n1')!.pods.length, 1);

  const b = makePod().name('b').req({ cpu: '1' }).node('n1').obj();
  c.assumePod(new PodInfo(b));
  c.forgetPod(b);
  assert.equal(c.nodeInfo('n1')!.requested.milliCPU, 1000, 'binding failed: forgotten');

  const e = makePod().name('e').req({ cpu: '2' }).node('n1').obj();
  c.assumePod(new PodInfo(e));
  c.finishBinding(e);
  await clock.step(29_000);
  assert.deepEqual(c.cleanupAssumedPods(), []);
  await clock.step(2_000);
  assert.deepEqual(c.cleanupAssumedPods().map((p) => p.metadata?.name), ['e']);
  assert.equal(c.nodeInfo('n1')!.requested.milliCPU, 1000);
  assert.throws(() => c.assumePod(new PodInfo(assumed)), /is in the cache, so can't be assumed/);
});

test('update and remove pods; pods before their node; node removal keeps pods until they go', () => {
  const c = new Cache(new FakeClock());
  const p = makePod().name('p').req({ cpu: '1' }).node('late').obj();
  c.addPod(p);
  assert.equal(c.nodeCount(), 0);
  c.addNode(node('late'));
  assert.equal(c.nodeCount(), 1);
  assert.equal(c.nodeInfo('late')!.pods.length, 1);
  c.updatePod(p, makePod().name('p').req({ cpu: '2' }).node('late').obj());
  assert.equal(c.nodeInfo('late')!.requested.milliCPU, 2000);
  c.removeNode(node('late'));
  assert.equal(c.nodeCount(), 0);
  assert.ok(c.nodeInfo('late'), 'ghost NodeInfo stays while it has pods');
  c.removePod(p);
  assert.equal(c.nodeInfo('late'), undefined);
  assert.throws(() => c.removePod(p), /is not found in scheduler cache/);
});

test('updateSnapshot copies only changed NodeInfos and keeps list identity', () => {
  const c = new Cache(new FakeClock());
  for (const n of ['a', 'b', 'c']) c.addNode(node(n));
  const s = new Snapshot();
  c.updateSnapshot(s);
  assert.deepEqual(s.list().map((n) => n.name), ['a', 'b', 'c']);
  const before = s.get('b');
  const bInfo = s.get('b')!;
  const gen = s.generation;
  c.addPod(makePod().name('x').node('b').podAntiAffinity('kubernetes.io/hostname', { matchLabels: { a: 'b' } }).obj());
  c.updateSnapshot(s);
  assert.ok(s.generation > gen);
  assert.equal(s.get('b'), before, 'the NodeInfo object is updated in place');
  assert.equal(bInfo.pods.length, 1);
  assert.deepEqual(s.havePodsWithAffinityList().map((n) => n.name), ['b']);
  assert.deepEqual(s.havePodsWithRequiredAntiAffinityList().map((n) => n.name), ['b']);
  c.removeNode(node('a'));
  c.updateSnapshot(s);
  assert.deepEqual(s.list().map((n) => n.name), ['b', 'c']);
  assert.equal(s.get('a'), undefined);
});

test('node tree interleaves zones', () => {
  const t = new NodeTree();
  for (const [n, z] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['c1', 'c'], ['c2', 'c']]) t.addNode(node(n, z));
  assert.deepEqual(t.list(), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  t.removeNode(node('b1', 'b'));
  assert.deepEqual(t.list(), ['a1', 'c1', 'a2', 'c2', 'a3']);
  assert.equal(t.numNodes, 5);
  t.addNode(node('a2', 'a'));
  assert.equal(t.numNodes, 5, 'adding a node twice is a no-op');
  t.addNode(node('b1', 'b'));
  assert.deepEqual(t.list(), ['a1', 'c1', 'b1', 'a2', 'c2', 'a3'], 'a removed node comes back');
  t.updateNode(node('c1', 'c'), node('c1', 'b'));
  assert.deepEqual(t.list(), ['a1', 'c2', 'b1', 'a2', 'c1', 'a3'], 'c1 moved to zone b');
  assert.equal(t.numNodes, 6);
  t.updateNode(node('c1', 'b'), node('c1', 'c'));
  assert.deepEqual(t.list(), ['a1', 'c2', 'b1', 'a2', 'c1', 'a3'], 'and back to c, after c2');
  assert.equal(t.numNodes, 6);
});

test('image states count the nodes that hold an image', () => {
  const c = new Cache(new FakeClock());
  c.addNode(makeNode().name('a').images({ nginx: 100 }).obj());
  c.addNode(makeNode().name('b').images({ 'nginx:latest': 100 }).obj());
  assert.equal(c.nodeInfo('a')!.imageStates.get('nginx:latest')!.numNodes, 2);
  c.removeNode(makeNode().name('b').images({ 'nginx:latest': 100 }).obj());
  assert.equal(c.nodeInfo('a')!.imageStates.get('nginx:latest')!.numNodes, 1);
});
