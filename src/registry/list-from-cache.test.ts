import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/resource.js';
import { configmaps } from '../api/core/config.js';
import { pods } from '../api/core/pods.js';
import { StatusError } from '../apimachinery/errors.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { FakeClock } from '../util/clock.js';
import { RegistryStore, type StoreWatchEvent } from './store.js';

function setup() {
  const backend = new MemoryBackend();
  const clock = new FakeClock();
  const deps = { backend, clock, namespaceState: async () => 'active' as const };
  return { backend, clock, cms: new RegistryStore(configmaps, deps), pods: new RegistryStore(pods, deps) };
}

const cm = (name: string): KubeObject => ({ metadata: { name }, data: { k: name } });

test('lists without paging come from the cache once it follows the resource; paged and Exact lists from storage', async () => {
  const { backend, cms } = setup();
  await cms.create('default', cm('b'));
  const a = await cms.create('default', cm('a'));
  const zero = await cms.list('default', { resourceVersion: '0' });
  assert.ok(cms.watchCache.started, 'the first cacheable list starts the cache');
  assert.deepEqual(zero.items.map((o) => o.metadata?.name), ['a', 'b']);
  // The cache's objects are what it serves: the same object twice, not a fresh decode.
  const again = await cms.list('default', { resourceVersion: a.metadata!.resourceVersion, resourceVersionMatch: 'NotOlderThan' });
  assert.equal(again.items[0], zero.items[0]);
  const consistent = await cms.list('default');
  assert.equal(consistent.metadata.resourceVersion, String(await backend.currentRevision()));
  const paged = await cms.list('default', { limit: 1 });
  assert.equal(paged.items.length, 1);
  assert.ok(paged.metadata.continue, 'paging is storage\'s');
  const exact = await cms.list('default', { resourceVersion: a.metadata!.resourceVersion, resourceVersionMatch: 'Exact' });
  assert.notEqual(exact.items[0], zero.items[0], 'Exact reads storage');
  cms.watchCache.stop();
});

test('a resourceVersion the store has not reached is Kubernetes\' 504 "Too large resource version" after the wait', async () => {
  const { backend, clock, cms } = setup();
  await cms.create('default', cm('a'));
  const current = await backend.currentRevision();
  const p = cms.list('default', { resourceVersion: String(current + 10), resourceVersionMatch: 'NotOlderThan' });
  const settled = p.then(() => undefined, (e: unknown) => e);
  // the list waits on the clock for the cache to reach the revision
  while (clock.pending() === 0) await new Promise((r) => setImmediate(r));
  await clock.step(3_000);
  const e = await settled;
  assert.ok(e instanceof StatusError);
  assert.equal(e.code, 504);
  assert.equal(e.message, `Timeout: Too large resource version: ${current + 10}, current: ${current}`);
  assert.deepEqual(e.details?.causes, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
  cms.watchCache.stop();
});

test('watch: a streaming list of pods on one node, the end bookmark, then only that node\'s changes', async () => {
  const { pods: store } = setup();
  const pod = (name: string, node: string): KubeObject => ({ metadata: { name }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
  await store.create('default', pod('p1', 'n1'));
  await store.create('default', pod('p2', 'n2'));
  const ac = new AbortController();
  const got: StoreWatchEvent[] = [];
  const it = store.watch('default', { fieldSelector: 'spec.nodeName=n1', sendInitialEvents: true, allowWatchBookmarks: true, signal: ac.signal });
  const reading = (async () => {
    for await (const ev of it) {
      got.push(ev);
      if (got.length === 3) break;
    }
  })();
  await new Promise((r) => setTimeout(r, 10));
  await store.create('default', pod('p3', 'n2'));
  await store.create('default', pod('p4', 'n1'));
  await reading;
  ac.abort();
  assert.deepEqual(got.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`), ['ADDED p1', 'BOOKMARK ', 'ADDED p4']);
  assert.equal(got[1].object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
  assert.equal(got[1].object.kind, 'Pod');
  store.watchCache.stop();
});

test('a remote store (no synchronous progress): a consistent list the cache cannot prove fresh is read from storage at once', async () => {
  const memory = new MemoryBackend();
  // etcd-like: the same Backend without the in-process store's synchronous revision reads
  const backend = new Proxy(memory, {
    get: (t, p) => (p === 'currentRevisionSync' ? undefined : (Reflect.get(t, p) as unknown as (...a: unknown[]) => unknown).bind?.(t) ?? Reflect.get(t, p)),
  }) as MemoryBackend;
  const clock = new FakeClock();
  const deps = { backend, clock, namespaceState: async () => 'active' as const };
  const cms = new RegistryStore(configmaps, deps);
  const secretsLike = new RegistryStore(pods, deps);
  await cms.create('default', cm('a'));
  await cms.list('default', { resourceVersion: '0' });
  // Another resource moves the store's revision; the configmaps cache sees no event of its own.
  await secretsLike.create('default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const consistent = await cms.list('default'); // would wait on the fake clock forever if it waited
  assert.equal(consistent.metadata.resourceVersion, String(await memory.currentRevision()));
  assert.deepEqual(consistent.items.map((o) => o.metadata?.name), ['a']);
  cms.watchCache.stop();
  secretsLike.watchCache.stop();
});
