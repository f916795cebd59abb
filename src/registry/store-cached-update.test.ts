import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/resource.js';
import { configmaps } from '../api/core/config.js';
import { StatusError } from '../apimachinery/errors.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { FakeClock } from '../util/clock.js';
import { RegistryStore } from './store.js';
import { objectKey } from './keys.js';
import { eventually } from '../testing/test-cluster.js';

/** setup: a ConfigMap store whose watch cache runs, over a backend that counts its reads. */
async function setup() {
  const backend = new MemoryBackend();
  let reads = 0;
  const get = backend.get.bind(backend);
  backend.get = (...a: Parameters<typeof get>) => { reads++; return get(...a); };
  const store = new RegistryStore(configmaps, { backend, clock: new FakeClock(new Date('2026-03-01T10:00:00Z')), namespaceState: async () => 'active' });
  await store.watchCache.start();
  const created = await store.create('default', { metadata: { name: 'a' }, data: { k: 'v' } }, { fieldManager: 'test' });
  await eventually(() => assert.equal(store.watchCache.cached(objectKey(configmaps, 'default', 'a'))?.revision, Number(created.metadata!.resourceVersion)));
  return { backend, store, created, key: objectKey(configmaps, 'default', 'a'), reads: () => reads };
}

/** writeBehindCache changes the object in storage directly; the cache sees it only after the event loop turns. */
async function writeBehindCache(store: RegistryStore, backend: MemoryBackend, key: string, data: Record<string, string>): Promise<number> {
  const kv = (await backend.get(key))!;
  const obj = JSON.parse(kv.value) as KubeObject;
  const rev = await backend.update(key, JSON.stringify({ ...obj, data }), kv.modRevision);
  assert.ok(store.watchCache.cached(key)!.revision < rev, 'the cache is behind storage');
  return rev;
}

test('an update of a cached object reads nothing from storage', async () => {
  const { store, reads } = await setup();
  const before = reads();
  const updated = await store.guaranteedUpdate('default', 'a', (cur) => ({ ...cur, data: { k: 'w' } }), { fieldManager: 'test' });
  assert.equal(reads(), before);
  assert.deepEqual(updated.data, { k: 'w' });
  assert.deepEqual((await store.get('default', 'a')).data, { k: 'w' });
});

test('a stale cached object is noticed by the failed compare-and-swap and the update is redone from storage', async () => {
  const { store, backend, key } = await setup();
  const rev = await writeBehindCache(store, backend, key, { k: 'v', other: 'x' });
  const updated = await store.guaranteedUpdate('default', 'a', (cur) => ({ ...cur, data: { ...(cur.data as object), mine: 'y' } }), { fieldManager: 'test' });
  assert.deepEqual(updated.data, { k: 'v', other: 'x', mine: 'y' }, 'the change made behind the cache is kept');
  assert.ok(Number(updated.metadata!.resourceVersion) > rev);
});

test('a resourceVersion pinned to what storage holds succeeds though the cache is behind; a stale one is still 409', async () => {
  const { store, backend, key, created } = await setup();
  const rev = await writeBehindCache(store, backend, key, { k: 'v2' });
  const obj = (rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', resourceVersion: rv }, data: { k: 'v3' } });
  const updated = await store.update('default', 'a', obj(String(rev)), { fieldManager: 'test' });
  assert.deepEqual(updated.data, { k: 'v3' });
  await assert.rejects(store.update('default', 'a', obj(created.metadata!.resourceVersion!), { fieldManager: 'test' }), (e: unknown) => e instanceof StatusError && e.code === 409);
});

test('an update that changes nothing answers the stored object, never the shared cached one', async () => {
  const { store, key } = await setup();
  const cachedObj = store.watchCache.cached(key)!.object;
  const same = await store.guaranteedUpdate('default', 'a', (cur) => cur, { fieldManager: 'test' });
  assert.notEqual(same, cachedObj);
  assert.deepEqual(same, cachedObj);
  same.data = { changed: 'by the caller' };
  assert.deepEqual(store.watchCache.cached(key)!.object.data, { k: 'v' });
});

test('an update that changes nothing from a stale cached object is redone from storage', async () => {
  const { store, backend, key } = await setup();
  await writeBehindCache(store, backend, key, { k: 'changed behind' });
  // The mutation sets what the cache holds: from the cache it is a no-op, from storage a change.
  const updated = await store.guaranteedUpdate('default', 'a', (cur) => ({ ...cur, data: { k: 'v' } }), { fieldManager: 'test' });
  assert.deepEqual(updated.data, { k: 'v' });
  assert.deepEqual((await store.get('default', 'a')).data, { k: 'v' });
});

test('a validation error from a stale cached object is checked against storage', async () => {
  const { store, backend, key } = await setup();
  await writeBehindCache(store, backend, key, { k: 'v', ok: 'now' });
  // Fails only when started from the cached object (which lacks `ok`).
  const updated = await store.guaranteedUpdate('default', 'a', (cur) => {
    if (!(cur.data as Record<string, string>).ok) throw new StatusError(422, 'Invalid', 'not ok');
    return { ...cur, data: { ...(cur.data as object), done: 'yes' } };
  }, { fieldManager: 'test' });
  assert.deepEqual(updated.data, { k: 'v', ok: 'now', done: 'yes' });
  // Against current data the error stands.
  await assert.rejects(store.guaranteedUpdate('default', 'a', () => { throw new StatusError(422, 'Invalid', 'always'); }, {}), /always/);
});
