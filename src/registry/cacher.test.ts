import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue } from '../storage/backend.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import type { KubeObject } from '../api/resource.js';
import { FakeClock } from '../util/clock.js';
import { WatchCache, type CacheEvent, type DecodedEvent } from './cacher.js';

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
async function take(it: AsyncIterableIterator<CacheEvent>, n: number): Promise<DecodedEvent[]> {
  return (await takeAll(it, n)).filter((e): e is DecodedEvent => e.type !== 'bookmark');
}

/** takeAll reads n events, bookmarks included. */
async function takeAll(it: AsyncIterableIterator<CacheEvent>, n: number): Promise<CacheEvent[]> {
  const out: CacheEvent[] = [];
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
  await cache.start();
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
  await cache.start();
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
  await cache.start();
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
  await cache.start();
  const w = cache.watch(0, new AbortController().signal)!;
  cache.stop();
  assert.deepEqual(await w.next(), { value: undefined, done: true });
  assert.equal(cache.started, false);
  assert.equal(cache.watch(0, new AbortController().signal), undefined);
});

test('state: start lists once; the cache keeps the current objects and lists them in key order at its revision', async () => {
  const backend = new MemoryBackend();
  await backend.create('/r/ns1/b', val('b'));
  await backend.create('/r/ns2/a', val('a'));
  await backend.create('/other/x', val('x'));
  const { counter, decode } = decoder();
  const cache = new WatchCache(backend, '/r/', decode);
  await Promise.all([cache.start(), cache.start()]);
  assert.equal(counter.n, 2, 'one list, each object decoded once');
  const ra = await backend.create('/r/ns1/a', val('a'));
  const r1 = await backend.get('/r/ns1/b');
  const rb = await backend.update('/r/ns1/b', val('b', 2), r1!.modRevision);
  await backend.delete('/r/ns2/a');
  assert.equal(await cache.syncTo(await backend.currentRevision()), true);
  const all = cache.list('/r/');
  assert.deepEqual(all.items.map((o) => o.metadata?.name), ['a', 'b']);
  assert.equal(all.items[1].metadata?.resourceVersion, String(rb));
  assert.equal(all.revision, await backend.currentRevision());
  assert.deepEqual(cache.list('/r/ns1/', (o) => o.metadata?.name === 'a').items.map((o) => o.metadata?.resourceVersion), [String(ra)]);
  assert.deepEqual(cache.list('/r/ns2/').items, []);
  cache.stop();
});

test('syncTo: an in-process store proves progress past other resources\' writes; a future revision waits, then answers false', async () => {
  const backend = new MemoryBackend();
  const clock = new FakeClock();
  const cache = new WatchCache(backend, '/r/', decoder().decode, { clock });
  await cache.start();
  await backend.create('/elsewhere/x', val('x'));
  const now = await backend.currentRevision();
  assert.equal(await cache.syncTo(now), true);
  assert.equal(cache.revision, now, 'the revision moves without an event of its own');
  const future = cache.syncTo(now + 5);
  await new Promise((r) => setImmediate(r));
  await clock.step(3_000);
  assert.equal(await future, false);
  cache.stop();
  assert.equal(await cache.syncTo(0), false, 'stopped: not served');
});

test('bookmarks: a watcher that allows them gets the current revision every interval, others none', async () => {
  const backend = new MemoryBackend();
  const clock = new FakeClock();
  const cache = new WatchCache(backend, '/r/', decoder().decode, { clock, bookmarkIntervalMs: 60_000 });
  await cache.start();
  const ac = new AbortController();
  const withBookmarks = cache.watch(cache.revision, ac.signal, { bookmarks: true })!;
  const without = cache.watch(cache.revision, ac.signal)!;
  const rev = await backend.create('/r/a', val('a'));
  await backend.create('/elsewhere/x', val('x'));
  await clock.step(60_000);
  await new Promise((r) => setImmediate(r));
  const got = await takeAll(withBookmarks, 2);
  assert.deepEqual(got.map((e) => e.type), ['create', 'bookmark']);
  assert.equal(got[1].revision, await backend.currentRevision(), 'the bookmark carries the store\'s revision, past other resources\' writes');
  assert.ok(got[1].revision > rev);
  assert.deepEqual((await takeAll(without, 1)).map((e) => e.type), ['create']);
  await clock.step(60_000);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual((await takeAll(withBookmarks, 1)).map((e) => e.type), ['bookmark'], 'and again the next interval');
  ac.abort();
  assert.equal(clock.pending(), 0, 'a gone watcher leaves no bookmark timer');
  cache.stop();
});

test('watchFromState: every object as a create, the initial-events-end bookmark, then the changes after', async () => {
  const backend = new MemoryBackend();
  await backend.create('/r/b', val('b'));
  await backend.create('/r/a', val('a'));
  const cache = new WatchCache(backend, '/r/', decoder().decode);
  await cache.start();
  const ac = new AbortController();
  const w = cache.watchFromState(ac.signal, { endBookmark: true })!;
  const rc = await backend.create('/r/c', val('c'));
  const evs = await takeAll(w, 4);
  assert.deepEqual(evs.map((e) => e.type === 'bookmark' ? `bookmark:${e.initialEventsEnd}` : `${e.type}:${e.key}`), ['create:/r/a', 'create:/r/b', 'bookmark:true', 'create:/r/c']);
  assert.ok(evs[2].revision < rc);
  const legacy = cache.watchFromState(ac.signal)!;
  assert.deepEqual((await takeAll(legacy, 3)).map((e) => e.type), ['create', 'create', 'create'], 'no end bookmark unless asked');
  ac.abort();
  cache.stop();
});

test('triggers: a change wakes only the watchers of its value (old and new), and every watcher without one', async () => {
  const backend = new MemoryBackend();
  const podVal = (name: string, node: string) => JSON.stringify({ metadata: { name }, spec: { nodeName: node } });
  const cache = new WatchCache(backend, '/pods/', decoder().decode, { triggerOf: (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '' });
  await cache.start();
  const ac = new AbortController();
  const from = cache.revision;
  const n1 = cache.watch(from, ac.signal, { trigger: 'n1' })!;
  const n2 = cache.watch(from, ac.signal, { trigger: 'n2' })!;
  const all = cache.watch(from, ac.signal)!;
  const r = await backend.create('/pods/a', podVal('a', ''));
  await backend.update('/pods/a', podVal('a', 'n1'), r); // bound to n1
  await backend.create('/pods/b', podVal('b', 'n2'));
  await backend.create('/pods/c', podVal('c', 'n1'));
  assert.deepEqual((await take(all, 4)).map((e) => `${e.type} ${e.key}`), ['create /pods/a', 'update /pods/a', 'create /pods/b', 'create /pods/c']);
  assert.deepEqual((await take(n1, 2)).map((e) => `${e.type} ${e.key}`), ['update /pods/a', 'create /pods/c']);
  assert.deepEqual((await take(n2, 1)).map((e) => `${e.type} ${e.key}`), ['create /pods/b']);
  ac.abort();
  await Promise.resolve();
  assert.equal(cache.watcherCount, 0);
  cache.stop();
});
