import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { GarbageCollector } from './garbage-collector.js';

// Every test runs the real API server in-process and the collector over it; nothing else runs, so
// whatever disappears was collected by the garbage collector.

async function setup(t: TestContext, workers = 5): Promise<{ tc: TestCluster; gc: GarbageCollector }> {
  const tc = await startTestCluster();
  const gc = new GarbageCollector({ client: tc.client, informers: tc.informers });
  await tc.start();
  const ac = new AbortController();
  // The collector waits on every informer with this one signal, as components.ts's shared signal.
  setMaxListeners(0, ac.signal);
  const running = gc.run(ac.signal, workers);
  t.after(async () => {
    ac.abort();
    await running;
    await tc.close();
  });
  return { tc, gc };
}

function ref(owner: KubeObject, o: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, ...o };
}

function configMap(name: string, owners: OwnerReference[] = [], extra: KubeObject['metadata'] = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ownerReferences: owners, ...extra }, data: { k: 'v' } };
}

function pod(name: string, owners: OwnerReference[] = []): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ownerReferences: owners }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

async function gone(tc: TestCluster, res: ResourceRef, ns: string | undefined, name: string): Promise<void> {
  try {
    const o = await tc.client.get(res, ns, name);
    throw new Error(`${name} still exists (deletionTimestamp ${o.metadata?.deletionTimestamp ?? 'unset'})`);
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
  }
}

async function removeFinalizers(tc: TestCluster, res: ResourceRef, ns: string | undefined, name: string): Promise<void> {
  await tc.client.patch(res, ns, name, { metadata: { finalizers: null } }, 'merge');
}

test('background: deleting an owner deletes its dependents, recursively over two levels', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  const root = await c.create(Resources.configmaps, 'default', configMap('root'));
  const child = await c.create(Resources.configmaps, 'default', configMap('child', [ref(root)]));
  await c.create(Resources.pods, 'default', pod('grandchild', [ref(child, { controller: true, blockOwnerDeletion: true })]));
  const bystander = await c.create(Resources.configmaps, 'default', configMap('bystander'));

  await c.delete(Resources.configmaps, 'default', 'root', { propagationPolicy: 'Background' });
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'child'), 10_000);
  await eventually(() => gone(tc, Resources.pods, 'default', 'grandchild'), 10_000);
  const still = await c.get(Resources.configmaps, 'default', 'bystander');
  assert.equal(still.metadata?.uid, bystander.metadata?.uid);
});

test('background: a Deployment takes its ReplicaSets and their pods with it', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  const labels = { app: 'web' };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
  const deploy = await c.create(Resources.deployments, 'default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: labels }, template },
  });
  const rs = await c.create(Resources.replicasets, 'default', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'web-abc', labels, ownerReferences: [ref(deploy, { controller: true, blockOwnerDeletion: true })] },
    spec: { replicas: 1, selector: { matchLabels: labels }, template },
  });
  await c.create(Resources.pods, 'default', { ...pod('web-abc-x1', [ref(rs, { controller: true, blockOwnerDeletion: true })]), metadata: { name: 'web-abc-x1', labels, ownerReferences: [ref(rs, { controller: true, blockOwnerDeletion: true })] } });

  // No propagationPolicy: apps/v1 defaults to deleting dependents in the background.
  await c.delete(Resources.deployments, 'default', 'web');
  await eventually(() => gone(tc, Resources.replicasets, 'default', 'web-abc'), 10_000);
  await eventually(() => gone(tc, Resources.pods, 'default', 'web-abc-x1'), 10_000);
});

test('orphan: the owner goes, its dependents stay without the reference to it', async (t) => {
  const { tc, gc } = await setup(t);
  const c = tc.client;
  const owner = await c.create(Resources.configmaps, 'default', configMap('owner'));
  const other = await c.create(Resources.configmaps, 'default', configMap('other-owner'));
  await c.create(Resources.pods, 'default', pod('p1', [ref(owner, { controller: true, blockOwnerDeletion: true })]));
  await c.create(Resources.configmaps, 'default', configMap('d2', [ref(owner), ref(other)]));
  await eventually(() => assert.equal(gc.dependencyGraphBuilder.uidToNode.get(owner.metadata!.uid!)?.dependentsLength(), 2));

  const marked = await c.delete(Resources.configmaps, 'default', 'owner', { propagationPolicy: 'Orphan' });
  assert.deepEqual(marked.metadata?.finalizers, ['orphan']);
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'owner'), 10_000);
  const p1 = await c.get(Resources.pods, 'default', 'p1');
  assert.equal(p1.metadata?.deletionTimestamp, undefined);
  assert.deepEqual(p1.metadata?.ownerReferences ?? [], []);
  const d2 = await c.get(Resources.configmaps, 'default', 'd2');
  assert.deepEqual(d2.metadata?.ownerReferences?.map((r) => r.uid), [other.metadata?.uid]);
});

test('foreground: blocking dependents are deleted first, the owner last', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  const owner = await c.create(Resources.configmaps, 'default', configMap('fg-owner'));
  // A finalizer of our own holds the blocking dependent in Terminating, so the order can be seen.
  await c.create(Resources.configmaps, 'default', configMap('blocking', [ref(owner, { blockOwnerDeletion: true })], { finalizers: ['example.com/hold'] }));
  await c.create(Resources.configmaps, 'default', configMap('non-blocking', [ref(owner)], { finalizers: ['example.com/hold'] }));

  const marked = await c.delete(Resources.configmaps, 'default', 'fg-owner', { propagationPolicy: 'Foreground' });
  assert.deepEqual(marked.metadata?.finalizers, ['foregroundDeletion']);
  await eventually(async () => {
    const b = await c.get(Resources.configmaps, 'default', 'blocking');
    assert.ok(b.metadata?.deletionTimestamp, 'blocking dependent is being deleted');
    const nb = await c.get(Resources.configmaps, 'default', 'non-blocking');
    assert.ok(nb.metadata?.deletionTimestamp, 'non-blocking dependent is being deleted too');
  }, 10_000);
  // The owner waits for the blocking dependent.
  const waiting = await c.get(Resources.configmaps, 'default', 'fg-owner');
  assert.ok(waiting.metadata?.deletionTimestamp, 'owner is being deleted');
  assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);

  await removeFinalizers(tc, Resources.configmaps, 'default', 'blocking');
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'fg-owner'), 10_000);
  // It did not wait for the non-blocking one, which is still held by its own finalizer.
  const nb = await c.get(Resources.configmaps, 'default', 'non-blocking');
  assert.ok(nb.metadata?.deletionTimestamp, 'non-blocking dependent still terminating');
  await removeFinalizers(tc, Resources.configmaps, 'default', 'non-blocking');
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'non-blocking'), 10_000);
});

test('foreground propagates: a Deployment waits for its ReplicaSet, which waits for its pod', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  const labels = { app: 'fg' };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const deploy = await c.create(Resources.deployments, 'default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fg' }, spec: { selector: { matchLabels: labels }, template },
  });
  const rs = await c.create(Resources.replicasets, 'default', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'fg-1', ownerReferences: [ref(deploy, { controller: true, blockOwnerDeletion: true })] },
    spec: { selector: { matchLabels: labels }, template },
  });
  await c.create(Resources.pods, 'default', { ...pod('fg-1-a'), metadata: { name: 'fg-1-a', labels, finalizers: ['example.com/hold'], ownerReferences: [ref(rs, { controller: true, blockOwnerDeletion: true })] } });

  await c.delete(Resources.deployments, 'default', 'fg', { propagationPolicy: 'Foreground' });
  await eventually(async () => {
    const r = await c.get(Resources.replicasets, 'default', 'fg-1');
    // The ReplicaSet has a dependent of its own, so it is deleted in foreground as well.
    assert.deepEqual(r.metadata?.finalizers, ['foregroundDeletion']);
    const p = await c.get(Resources.pods, 'default', 'fg-1-a');
    assert.ok(p.metadata?.deletionTimestamp, 'pod is being deleted');
  }, 10_000);
  assert.ok((await c.get(Resources.deployments, 'default', 'fg')).metadata?.deletionTimestamp, 'deployment waits');

  await removeFinalizers(tc, Resources.pods, 'default', 'fg-1-a');
  await eventually(() => gone(tc, Resources.pods, 'default', 'fg-1-a'), 10_000);
  await eventually(() => gone(tc, Resources.replicasets, 'default', 'fg-1'), 10_000);
  await eventually(() => gone(tc, Resources.deployments, 'default', 'fg'), 10_000);
});

test('dangling references are removed when another owner is alive', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  const alive = await c.create(Resources.configmaps, 'default', configMap('alive'));
  const ghost: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: randomUUID() };
  await c.create(Resources.configmaps, 'default', configMap('two-owners', [ghost, ref(alive)]));
  await eventually(async () => {
    const o = await c.get(Resources.configmaps, 'default', 'two-owners');
    assert.deepEqual(o.metadata?.ownerReferences?.map((r) => r.name), ['alive']);
  }, 10_000);
  assert.equal((await c.get(Resources.configmaps, 'default', 'two-owners')).metadata?.deletionTimestamp, undefined);
});

test('an owner re-created under the same name (new uid) counts as absent', async (t) => {
  const { tc, gc } = await setup(t);
  const c = tc.client;
  const first = await c.create(Resources.configmaps, 'default', configMap('reborn'));
  const staleRef = ref(first);
  await c.delete(Resources.configmaps, 'default', 'reborn');
  const second = await c.create(Resources.configmaps, 'default', configMap('reborn'));
  assert.notEqual(second.metadata?.uid, first.metadata?.uid);
  await c.create(Resources.configmaps, 'default', configMap('orphaned-by-rebirth', [staleRef]));

  await eventually(() => gone(tc, Resources.configmaps, 'default', 'orphaned-by-rebirth'), 10_000);
  // The new owner is untouched and the stale virtual node is gone from the graph.
  assert.equal((await c.get(Resources.configmaps, 'default', 'reborn')).metadata?.uid, second.metadata?.uid);
  await eventually(() => assert.equal(gc.graphHasUID(first.metadata!.uid!), false));
});

test('virtual nodes: an owner never observed is checked against the API before anything is deleted', async (t) => {
  const { tc, gc } = await setup(t);
  const c = tc.client;
  // Events are not watched by the collector, so an Event owner stays a virtual node: it exists, so its dependent stays.
  const ev = await c.create<KubeObject>(Resources.events, 'default', {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'owner-event' },
    involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' }, reason: 'Test', message: 'm', type: 'Normal',
  });
  await c.create(Resources.configmaps, 'default', configMap('owned-by-event', [ref(ev)]));
  const missingUID = randomUUID();
  await c.create(Resources.configmaps, 'default', configMap('owned-by-nobody', [{ apiVersion: 'v1', kind: 'Secret', name: 'never-created', uid: missingUID }]));

  // The missing owner is verified absent: its virtual node leaves the graph and its dependent is collected.
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'owned-by-nobody'), 10_000);
  await eventually(() => assert.equal(gc.graphHasUID(missingUID), false));
  // The Event owner was looked up and found: its virtual node is requeued (never observed), the dependent kept.
  await eventually(() => {
    const n = gc.dependencyGraphBuilder.uidToNode.get(ev.metadata!.uid!);
    assert.ok(n && !n.isObserved(), 'Event owner is a virtual node');
    assert.ok(gc.attemptToDelete.numRequeues(n) > 0, 'virtual node was verified and requeued');
  }, 10_000);
  assert.equal((await c.get(Resources.configmaps, 'default', 'owned-by-event')).metadata?.deletionTimestamp, undefined);
});

test('a cluster-scoped owner can own namespaced objects', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  const node = await c.create(Resources.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gc-node' } });
  await c.create(Resources.configmaps, 'default', configMap('node-owned', [ref(node)]));
  await c.delete(Resources.nodes, undefined, 'gc-node');
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'node-owned'), 10_000);
});

test('a cluster-scoped object naming a namespaced owner gets OwnerRefInvalidNamespace and is not collected', async (t) => {
  // One worker keeps attemptToDelete in order, so the sentinel below is processed after the bad reference.
  const { tc, gc } = await setup(t, 1);
  const c = tc.client;
  const owner = await c.create(Resources.configmaps, 'default', configMap('ns-owner'));
  await eventually(() => assert.ok(gc.dependencyGraphBuilder.uidToNode.get(owner.metadata!.uid!)?.isObserved(), 'owner observed'));
  const pv = await c.create<KubeObject>(Resources.persistentvolumes, undefined, {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'pv-bad-owner', ownerReferences: [ref(owner)] },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv' } },
  });
  const ev = await eventually(async () => {
    const { items } = await c.list(Resources.events, 'default');
    const found = items.find((e) => e.reason === 'OwnerRefInvalidNamespace');
    assert.ok(found, 'no OwnerRefInvalidNamespace event yet');
    return found;
  }, 10_000);
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, `ownerRef [v1/ConfigMap, namespace: , name: ns-owner, uid: ${owner.metadata?.uid}] does not exist in namespace ""`);
  const involved = ev.involvedObject as { kind: string; name: string; uid: string };
  assert.deepEqual([involved.kind, involved.name, involved.uid], ['PersistentVolume', 'pv-bad-owner', pv.metadata?.uid]);
  assert.equal((ev.source as { component: string }).component, 'garbage-collector-controller');

  await c.create(Resources.configmaps, 'default', configMap('sentinel', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nope', uid: randomUUID() }]));
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'sentinel'), 10_000);
  assert.equal((await c.get(Resources.persistentvolumes, undefined, 'pv-bad-owner')).metadata?.deletionTimestamp, undefined);
});

test('a namespaced owner in another namespace is absent for its dependent', async (t) => {
  const { tc, gc } = await setup(t);
  const c = tc.client;
  await c.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
  const owner = await c.create(Resources.configmaps, 'elsewhere', configMap('far-owner'));
  await eventually(() => assert.ok(gc.dependencyGraphBuilder.uidToNode.get(owner.metadata!.uid!)?.isObserved(), 'owner observed'));
  await c.create(Resources.configmaps, 'default', configMap('cross-ns', [ref(owner)]));
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'cross-ns'), 10_000);
  const { items } = await c.list(Resources.events, 'default');
  assert.ok(items.some((e) => e.reason === 'OwnerRefInvalidNamespace' && (e.involvedObject as { name?: string }).name === 'cross-ns'), 'OwnerRefInvalidNamespace event on cross-ns');
  assert.equal((await c.get(Resources.configmaps, 'elsewhere', 'far-owner')).metadata?.uid, owner.metadata?.uid);
});

test('an object deleted with the orphan finalizer while it has no dependents is simply finalized', async (t) => {
  const { tc } = await setup(t);
  const c = tc.client;
  await c.create(Resources.configmaps, 'default', configMap('lonely'));
  await c.delete(Resources.configmaps, 'default', 'lonely', { propagationPolicy: 'Orphan' });
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'lonely'), 10_000);
  await c.create(Resources.configmaps, 'default', configMap('lonely-fg'));
  await c.delete(Resources.configmaps, 'default', 'lonely-fg', { propagationPolicy: 'Foreground' });
  await eventually(() => gone(tc, Resources.configmaps, 'default', 'lonely-fg'), 10_000);
});

test('a custom resource is monitored while its CRD exists and no longer once the CRD is deleted', async (t) => {
  const { tc } = await setup(t);
  const crds: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };
  const widgets: ResourceRef = { group: 'gc.example.com', version: 'v1', plural: 'widgets', namespaced: true };
  const stopped: string[] = [];
  const stopInformer = tc.informers.stopInformer!.bind(tc.informers);
  tc.informers.stopInformer = (res, opts) => { stopped.push(`${res.group}/${res.plural}`); stopInformer(res, opts); };
  await tc.client.create(crds, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.gc.example.com' },
    spec: {
      group: 'gc.example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  const owner = await eventually(() => tc.client.create(widgets, 'default', { apiVersion: 'gc.example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), 10_000, 100);
  // The collector sees the custom owner: deleting it collects its dependent.
  await tc.client.create(Resources.configmaps, 'default', configMap('of-widget', [ref(owner)]));
  await tc.client.delete(widgets, 'default', 'w');
  await eventually(async () => assert.equal(await tc.client.get(Resources.configmaps, 'default', 'of-widget').then(() => 'present', (e: StatusError) => e.code), 404));
  await tc.client.delete(crds, undefined, 'widgets.gc.example.com');
  await eventually(() => assert.deepEqual(stopped, ['gc.example.com/widgets'], 'the deleted CRD\'s monitor was stopped'));
});
