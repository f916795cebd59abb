import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../api/resource.js';
import type { EventRecorder } from '../../client/events.js';
import type { EventHandler, Informer, InformerFactory } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { FakeClock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { GraphBuilder, deletionStartsWithFinalizer, type GraphEvent } from './graph-builder.js';
import { GCNode, getAlternateOwnerIdentity, partitionDependents, referencesDiffs, type ObjectReference } from './graph.js';
import { ReferenceCache } from './reference-cache.js';

// The graph builder alone, fed events by hand: what it puts in the graph and in the queues.

interface Recorded { type: string; reason: string; message: string; name?: string }

function builder() {
  const clock = new FakeClock();
  const attemptToDelete = new WorkQueue<GCNode>(clock);
  const attemptToOrphan = new WorkQueue<GCNode>(clock);
  const absentOwnerCache = new ReferenceCache();
  const events: Recorded[] = [];
  const recorder = { event: (o: KubeObject, type: string, reason: string, message: string) => events.push({ type, reason, message, name: o.metadata?.name }) } as unknown as EventRecorder;
  const informer: Informer = {
    lister: { get: () => undefined, list: () => [], byIndex: () => [] },
    addEventHandler: (_h: EventHandler) => undefined,
    addIndexer: () => undefined,
    hasSynced: () => true,
  };
  const informers: InformerFactory = { informerFor: () => informer as never, start: () => undefined, waitForCacheSync: async () => undefined };
  const gb = new GraphBuilder({
    informers, resources: [{ ref: { group: '', version: 'v1', plural: 'configmaps', namespaced: true }, apiVersion: 'v1', kind: 'ConfigMap' }],
    attemptToDelete, attemptToOrphan, absentOwnerCache, recorder, logger: log.child({ test: 'graph-builder' }), clock,
  });
  return { gb, attemptToDelete, attemptToOrphan, absentOwnerCache, events };
}

/** drain empties a queue (every item marked done) and returns what was in it. */
async function drain(q: WorkQueue<GCNode>): Promise<GCNode[]> {
  const out: GCNode[] = [];
  while (q.len() > 0) {
    const n = (await q.get())!;
    q.done(n);
    out.push(n);
  }
  return out;
}

function obj(name: string, uid: string, o: { ns?: string; owners?: OwnerReference[]; finalizers?: string[]; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name, uid, namespace: o.ns ?? 'default', ownerReferences: o.owners, finalizers: o.finalizers,
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  };
}

function ev(type: GraphEvent['type'], o: KubeObject, oldObj?: KubeObject, kind = 'ConfigMap', apiVersion = 'v1'): GraphEvent {
  return { virtual: false, type, obj: o, oldObj, apiVersion, kind };
}

const ownerRef = (name: string, uid: string, o: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, ...o });

test('a dependent of an unseen owner creates a virtual owner node, queued for verification', async () => {
  const { gb, attemptToDelete } = builder();
  gb.processGraphChanges(ev('add', obj('child', 'c1', { owners: [ownerRef('parent', 'p1')] })));
  const parent = gb.uidToNode.get('p1');
  assert.ok(parent, 'virtual owner in the graph');
  assert.equal(parent.isObserved(), false);
  assert.deepEqual(parent.identity, { apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: 'p1', namespace: 'default' });
  assert.deepEqual(parent.getDependents().map((d) => d.identity.uid), ['c1']);
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['p1']);

  // When the informer shows the owner, the node becomes observed (same object, nothing queued).
  gb.processGraphChanges(ev('add', obj('parent', 'p1')));
  assert.equal(gb.uidToNode.get('p1')?.isObserved(), true);
  assert.equal(attemptToDelete.len(), 0);
});

test('an observed owner with other coordinates replaces the virtual node and queues the dependents that disagree', async () => {
  const { gb, attemptToDelete } = builder();
  gb.processGraphChanges(ev('add', obj('child', 'c1', { owners: [ownerRef('wrong-name', 'p1')] })));
  await drain(attemptToDelete);
  gb.processGraphChanges(ev('add', obj('parent', 'p1')));
  const parent = gb.uidToNode.get('p1')!;
  assert.equal(parent.identity.name, 'parent');
  assert.equal(parent.isObserved(), true);
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['c1']);
});

test('deleting an owner queues its dependents and remembers it as absent', async () => {
  const { gb, attemptToDelete, absentOwnerCache } = builder();
  const parent = obj('parent', 'p1');
  gb.processGraphChanges(ev('add', parent));
  gb.processGraphChanges(ev('add', obj('a', 'a1', { owners: [ownerRef('parent', 'p1')] })));
  gb.processGraphChanges(ev('add', obj('b', 'b1', { owners: [ownerRef('parent', 'p1')] })));
  assert.equal(attemptToDelete.len(), 0);
  gb.processGraphChanges(ev('delete', parent));
  assert.equal(gb.uidToNode.has('p1'), false);
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid).sort(), ['a1', 'b1']);
  assert.equal(absentOwnerCache.has({ apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: 'p1', namespace: 'default' }), true);
});

test('deletion starting with the orphan finalizer queues attemptToOrphan; with foregroundDeletion, the dependents and the owner', async () => {
  const { gb, attemptToDelete, attemptToOrphan } = builder();
  const o1 = obj('o1', 'u1');
  gb.processGraphChanges(ev('add', o1));
  gb.processGraphChanges(ev('update', obj('o1', 'u1', { finalizers: ['orphan'], deleting: true }), o1));
  assert.deepEqual((await drain(attemptToOrphan)).map((n) => n.identity.uid), ['u1']);
  // The same state again is not a new transition.
  gb.processGraphChanges(ev('update', obj('o1', 'u1', { finalizers: ['orphan'], deleting: true }), obj('o1', 'u1', { finalizers: ['orphan'], deleting: true })));
  assert.equal(attemptToOrphan.len(), 0);

  const o2 = obj('o2', 'u2');
  gb.processGraphChanges(ev('add', o2));
  gb.processGraphChanges(ev('add', obj('d', 'd2', { owners: [ownerRef('o2', 'u2', { blockOwnerDeletion: true })] })));
  gb.processGraphChanges(ev('update', obj('o2', 'u2', { finalizers: ['foregroundDeletion'], deleting: true }), o2));
  assert.equal(gb.uidToNode.get('u2')?.isDeletingDependents(), true);
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['d2', 'u2']);
  assert.deepEqual(gb.uidToNode.get('u2')?.blockingDependents().map((d) => d.identity.uid), ['d2']);

  // The dependent drops its blocking reference: the waiting owner is queued to check again.
  gb.processGraphChanges(ev('update', obj('d', 'd2', { owners: [] }), obj('d', 'd2', { owners: [ownerRef('o2', 'u2', { blockOwnerDeletion: true })] })));
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['u2']);
  assert.equal(gb.uidToNode.get('u2')?.dependentsLength(), 0);
});

test('a dependent going away queues its owner when that owner waits for its dependents', async () => {
  const { gb, attemptToDelete } = builder();
  gb.processGraphChanges(ev('add', obj('o', 'u', { finalizers: ['foregroundDeletion'], deleting: true })));
  const dep = obj('d', 'd1', { owners: [ownerRef('o', 'u', { blockOwnerDeletion: true })] });
  gb.processGraphChanges(ev('add', dep));
  await drain(attemptToDelete);
  gb.processGraphChanges(ev('delete', dep));
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['u']);
});

test('a namespaced owner of an object in another namespace is reported (OwnerRefInvalidNamespace) and the dependent queued', async () => {
  const { gb, attemptToDelete, events } = builder();
  gb.processGraphChanges(ev('add', obj('owner', 'p1', { ns: 'a' })));
  gb.processGraphChanges(ev('add', obj('child', 'c1', { ns: 'b', owners: [ownerRef('owner', 'p1')] })));
  assert.deepEqual(events, [{
    type: 'Warning', reason: 'OwnerRefInvalidNamespace', name: 'child',
    message: 'ownerRef [v1/ConfigMap, namespace: b, name: owner, uid: p1] does not exist in namespace "b"',
  }]);
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['c1']);
});

test('a virtual delete event for a virtual node whose dependents disagree keeps the node under another identity', async () => {
  const { gb, attemptToDelete, absentOwnerCache } = builder();
  gb.processGraphChanges(ev('add', obj('c1', 'c1', { owners: [ownerRef('name-a', 'p1')] })));
  gb.processGraphChanges(ev('add', obj('c2', 'c2', { owners: [ownerRef('name-b', 'p1')] })));
  await drain(attemptToDelete);
  const first = gb.uidToNode.get('p1')!.identity;
  assert.equal(first.name, 'name-a');
  gb.enqueueVirtualDeleteEvent(first);
  // enqueueVirtualDeleteEvent goes through the graph's own queue: process it as the run loop does.
  const queued = (gb as unknown as { graphChanges: WorkQueue<GraphEvent> }).graphChanges;
  const e = (await queued.get())!;
  gb.processGraphChanges(e);
  queued.done(e);
  const node = gb.uidToNode.get('p1');
  assert.ok(node, 'node kept for the other dependent');
  assert.equal(node.identity.name, 'name-b');
  assert.equal(absentOwnerCache.has(first), true);
  assert.deepEqual((await drain(attemptToDelete)).map((n) => n.identity.uid), ['c1']);
});

test('partitionDependents, getAlternateOwnerIdentity and referencesDiffs', () => {
  const owner: ObjectReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u', namespace: 'ns' };
  const good = new GCNode({ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'p', namespace: 'ns' }, { owners: [ownerRef('o', 'u')] });
  const wrongName = new GCNode({ apiVersion: 'v1', kind: 'Pod', name: 'q', uid: 'q', namespace: 'ns' }, { owners: [ownerRef('x', 'u')] });
  const otherNs = new GCNode({ apiVersion: 'v1', kind: 'Pod', name: 'r', uid: 'r', namespace: 'elsewhere' }, { owners: [ownerRef('o', 'u')] });
  const { matching, nonmatching } = partitionDependents([good, wrongName, otherNs], owner);
  assert.deepEqual(matching.map((n) => n.identity.uid), ['p']);
  assert.deepEqual(nonmatching.map((n) => n.identity.uid), ['q', 'r']);
  assert.deepEqual(getAlternateOwnerIdentity([good, wrongName], owner), { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u', namespace: 'ns' });
  assert.equal(getAlternateOwnerIdentity([good], owner), undefined);

  const d = referencesDiffs(
    [ownerRef('a', '1'), ownerRef('b', '2', { blockOwnerDeletion: true }), ownerRef('c', '3')],
    [ownerRef('b', '2'), ownerRef('c', '3'), ownerRef('d', '4')],
  );
  assert.deepEqual(d.added.map((r) => r.uid), ['4']);
  assert.deepEqual(d.removed.map((r) => r.uid), ['1']);
  assert.deepEqual(d.changed.map((c) => [c.oldRef.blockOwnerDeletion, c.newRef.blockOwnerDeletion]), [[true, undefined]]);
});

test('deletionStartsWithFinalizer only fires on the transition', () => {
  const live = obj('o', 'u', { finalizers: ['orphan'] });
  const deleting = obj('o', 'u', { finalizers: ['orphan'], deleting: true });
  assert.equal(deletionStartsWithFinalizer(undefined, deleting, 'orphan'), true);
  assert.equal(deletionStartsWithFinalizer(live, deleting, 'orphan'), true);
  assert.equal(deletionStartsWithFinalizer(deleting, deleting, 'orphan'), false);
  assert.equal(deletionStartsWithFinalizer(undefined, deleting, 'foregroundDeletion'), false);
  assert.equal(deletionStartsWithFinalizer(undefined, live, 'orphan'), false);
});

test('ReferenceCache forgets the least recently used identity first', () => {
  const c = new ReferenceCache(2);
  const r = (uid: string): ObjectReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid, namespace: '' });
  c.add(r('a'));
  c.add(r('b'));
  assert.equal(c.has(r('a')), true); // a is now the most recent
  c.add(r('c'));
  assert.equal(c.has(r('b')), false);
  assert.equal(c.has(r('a')), true);
  assert.equal(c.has(r('c')), true);
  assert.equal(c.has({ ...r('a'), namespace: 'ns' }), false);
});
