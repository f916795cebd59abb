import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { ActionType, Events, type QueuedPodInfo } from '../framework/types.js';
import { newStatus } from '../framework/status.js';
import { PrioritySort } from '../plugins/queuesort/priority-sort.js';
import { SchedulingGates } from '../plugins/schedulinggates/scheduling-gates.js';
import { makeNode, makePod } from '../testing/wrappers.js';
import { PriorityQueue, type QueueingHintEntry } from './scheduling-queue.js';

const sort = new PrioritySort();
const gates = new SchedulingGates();

function queue(clock: FakeClock, hints: QueueingHintEntry[] = []): PriorityQueue {
  return new PriorityQueue({
    clock, less: (a, b) => sort.less(a, b),
    preEnqueue: (pi) => gates.preEnqueue(pi)?.withPlugin('SchedulingGates'),
    queueingHints: new Map([['default-scheduler', hints]]),
  });
}

async function popNow(q: PriorityQueue): Promise<QueuedPodInfo | undefined> {
  const ac = new AbortController();
  const p = q.pop(ac.signal);
  setImmediate(() => ac.abort());
  return p;
}

function failWith(p: QueuedPodInfo, plugin: string): QueuedPodInfo {
  p.unschedulablePlugins = new Set([plugin]);
  return p;
}

test('activeQ: higher priority first, then first queued', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.add(makePod().name('low').priority(1).obj());
  await clock.step(1);
  q.add(makePod().name('high').priority(100).obj());
  q.add(makePod().name('low2').priority(1).obj());
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await popNow(q))!.podInfo.name);
  assert.deepEqual(order, ['high', 'low', 'low2']);
  assert.equal(await popNow(q), undefined);
});

test('back-off doubles from 1 s to at most 10 s', () => {
  const q = queue(new FakeClock());
  const p = { attempts: 0 } as QueuedPodInfo;
  const got = [0, 1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration({ ...p, attempts: a }));
  assert.deepEqual(got, [0, 1000, 2000, 4000, 8000, 10000, 10000]);
});

test('an unschedulable pod waits for an event its plugin registered, then its back-off', async () => {
  const clock = new FakeClock();
  const hint: QueueingHintEntry = { event: { resource: 'Node', actionType: ActionType.Add }, plugin: 'NodeResourcesFit', hint: (_p, _o, n) => ((n as { metadata?: { name?: string } })?.metadata?.name === 'big' ? 'Queue' : 'QueueSkip') };
  const q = queue(clock, [hint]);
  q.run(new AbortController().signal);
  q.add(makePod().name('p').obj());
  const p = (await popNow(q))!;
  q.addUnschedulableIfNotPresent(failWith(p, 'NodeResourcesFit'));
  assert.equal(q.where(p.podInfo.uid), 'unschedulablePods');
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode().name('small').obj());
  assert.equal(q.where(p.podInfo.uid), 'unschedulablePods', 'the hint said the small node does not help');
  q.moveAllToActiveOrBackoffQueue({ resource: 'AssignedPod', actionType: ActionType.Delete }, undefined, undefined);
  assert.equal(q.where(p.podInfo.uid), 'unschedulablePods', 'the plugin did not register pod deletions');
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode().name('big').obj());
  assert.equal(q.where(p.podInfo.uid), 'backoffQ', 'first attempt: 1 s back-off');
  await clock.step(999);
  assert.equal(q.where(p.podInfo.uid), 'backoffQ');
  await clock.step(1001);
  assert.equal(q.where(p.podInfo.uid), 'activeQ');
});

test('an event during the attempt requeues the pod at once', async () => {
  const clock = new FakeClock();
  const q = queue(clock, [{ event: { resource: 'Node', actionType: ActionType.Add }, plugin: 'TaintToleration' }]);
  q.add(makePod().name('p').obj());
  const p = (await popNow(q))!;
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode().name('n').obj());
  await clock.step(5000);
  q.addUnschedulableIfNotPresent(failWith(p, 'TaintToleration'));
  assert.equal(q.where(p.podInfo.uid), 'backoffQ');
});

test('an error (no rejecting plugin) goes to back-off; unschedulable pods are retried after 5 minutes', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.run(new AbortController().signal);
  q.add(makePod().name('err').obj());
  q.add(makePod().name('stuck').obj());
  const e = (await popNow(q))!;
  const s = (await popNow(q))!;
  q.addUnschedulableIfNotPresent(e);
  q.addUnschedulableIfNotPresent(failWith(s, 'NodeAffinity'));
  assert.equal(q.where(e.podInfo.uid), 'backoffQ');
  assert.equal(q.where(s.podInfo.uid), 'unschedulablePods');
  await clock.step(4 * 60_000);
  assert.equal(q.where(s.podInfo.uid), 'unschedulablePods');
  await clock.step(61_000 + 30_000);
  assert.equal(q.where(s.podInfo.uid), 'activeQ');
});

test('scheduling gates: gated pods wait in unschedulablePods until the gates go', async () => {
  const clock = new FakeClock();
  const q = queue(clock, gates.eventsToRegister().map((e) => ({ ...e, plugin: 'SchedulingGates' })));
  const gated = makePod().name('g').schedulingGates(['example.com/hold']).obj();
  q.add(gated);
  assert.equal(q.where('uid-g'), 'unschedulablePods');
  assert.equal(await popNow(q), undefined);
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode().name('n').obj());
  assert.equal(q.where('uid-g'), 'unschedulablePods', 'other events do not open the gate');
  q.update(gated, makePod().name('g').obj());
  assert.equal(q.where('uid-g'), 'activeQ');
});

test('update of a pending pod; delete; activate', async () => {
  const clock = new FakeClock();
  const q = queue(clock);
  q.add(makePod().name('a').priority(1).obj());
  q.add(makePod().name('b').priority(2).obj());
  q.update(makePod().name('a').priority(1).obj(), makePod().name('a').priority(3).label('x', 'y').obj());
  assert.equal((await popNow(q))!.podInfo.name, 'a', 'the updated pod is re-sorted');
  q.delete(makePod().name('b').obj());
  assert.equal(await popNow(q), undefined);
  q.add(makePod().name('c').obj());
  const c = (await popNow(q))!;
  q.addUnschedulableIfNotPresent(failWith(c, 'X'));
  q.activate([c.podInfo.pod]);
  assert.equal(q.where(c.podInfo.uid), 'activeQ');
});

test('nominated pods are tracked per node', () => {
  const q = queue(new FakeClock());
  q.add(makePod().name('p').nominatedNodeName('n1').obj());
  assert.deepEqual(q.nominator.nominatedPodsForNode('n1').map((p) => p.name), ['p']);
  const pi = q.get('uid-p')!.podInfo;
  q.addNominatedPod(pi, { nominatedNodeName: 'n2', mode: 'Override' });
  assert.deepEqual(q.nominator.nominatedPodsForNode('n1'), []);
  assert.deepEqual(q.nominator.nominatedPodsForNode('n2').map((p) => p.name), ['p']);
  q.deleteNominatedPodIfExists(pi.pod);
  assert.deepEqual(q.nominator.nominatedPodsForNode('n2'), []);
  assert.equal(newStatus('Skip').code, 'Skip');
});
