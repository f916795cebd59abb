import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue } from '../storage/backend.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import type { KubeObject } from '../api/resource.js';
import { WatchCache, type DecodedEvent } from './cacher.js';

/** counting decoder: how many times the cache parsed a stored value */
function decoder() {
  const counter = { n: 0 };
  const decode = (kv: KeyValue, rv: number): KubeObject => {
    counter.n++;
    const o = JSON.parse(kv.value) as KubeObject;
    o.metadata = { ...o.metadata, resourceVersion: String(rv) };
    return o;
  };
  return { counter, decode };
}

const val = (name: string, v = 1) => JSON.stringify({ metadata: { name }, data: { v } });

/** take reads n events from a cache watcher. */
async function take(it: AsyncIterableIterator<DecodedEvent>, n: number): Promise<DecodedEvent[]> {
  const out: DecodedEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

test('fan-out: every watcher gets each change, decoded once and shared', async () => {
  const backend = new MemoryBackend();
  const { counter, decode } = decoder();
  const cache = new WatchCache(backend, '/registry/pods/', decode);
  cache.start(await backend.currentRevision());
  const ac = new AbortController();
  const watchers = Array.from({ length: 50 }, () => cache.watch(0, ac.signal)!);
  assert.equal(cache.watcherCount, 50);
  const r1 = await backend.create('/registry/pods/default/a', val('a'));
  await backend.update('/registry/pods/default/a', val('a', 2), r1);
  await backend.create('/registry/configmaps/default/x', val('x'));
  const got = await Promise.all(watchers.map((w) => take(w, 2)));
  for (const evs of got) {
    assert.deepEqual(evs.map((e) => [e.type, e.key]), [['create', '/registry/pods/default/a'], ['update', '/registry/pods/default/a']]);
    assert.equal(evs[0].object, got[0][0].object, 'one shared object');
  }
  assert.equal(counter.n, 2, 'each change decoded once for 50 watchers');
  assert.equal((got[0][1].prevObject()?.data as { v: number }).v, 1);
  ac.abort();
  await Promise.resolve();
  assert.equal(cache.watcherCount, 0, 'an aborted watcher leaves');
  cache.stop();
});

test('resume: a watcher from a resourceVersion inside the window replays what followed, then goes live', async () => {
  const backend = new MemoryBackend();
  const cache = new WatchCache(backend, '/r/', decoder().decode);
  cache.start(await backend.currentRevision());
  const ra = await backend.create('/r/a', val('a'));
  const rb = await backend.create('/r/b', val('b'));
  const rc = await backend.create('/r/c', val('c'));
  const ac = new AbortController();
  // let the cache's storage watch catch up
  const probe = cache.watch(0, ac.signal)!;
  await take(probe, 3);
  const w = cache.watch(ra, ac.signal);
  assert.ok(w, 'inside the window');
  const rd = await backend.create('/r/d', val('d'));
  const evs = await take(w, 3);
  assert.deepEqual(evs.map((e) => e.revision), [rb, rc, rd]);
  assert.equal(evs[0].object.metadata?.resourceVersion, String(rb));
  ac.abort();
  cache.stop();
});

test('outside the window: a resourceVersion older than the kept changes is not served (caller reads storage, 410 once compacted)', async () => {
  const backend = new MemoryBackend();
  const cache = new WatchCache(backend, '/r/', decoder().decode, 2);
  const start = await backend.currentRevision();
  assert.equal(cache.watch(start, new AbortController().signal), undefined, 'not started: not served');
  cache.start(start);
  const ac = new AbortController();
  const probe = cache.watch(start, ac.signal)!;
  const revs: number[] = [];
  for (const k of ['a', 'b', 'c', 'd']) revs.push(await backend.create(`/r/${k}`, val(k)));
  await take(probe, 4);
  // window of 2: changes after revs[1] are kept, revs[0] and before are gone
  assert.equal(cache.watch(revs[0], ac.signal), undefined);
  assert.equal(cache.watch(start, ac.signal), undefined);
  const w = cache.watch(revs[1], ac.signal)!;
  assert.deepEqual((await take(w, 2)).map((e) => e.key), ['/r/c', '/r/d']);
  ac.abort();
  cache.stop();
});

test('stop ends every watcher (clients re-watch) and the cache serves nothing until started again', async () => {
  const backend = new MemoryBackend();
  const cache = new WatchCache(backend, '/r/', decoder().decode);
  cache.start(await backend.currentRevision());
  const w = cache.watch(0, new AbortController().signal)!;
  cache.stop();
  assert.deepEqual(await w.next(), { value: undefined, done: true });
  assert.equal(cache.started, false);
  assert.equal(cache.watch(0, new AbortController().signal), undefined);
});
