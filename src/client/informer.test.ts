import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import { FakeClock } from '../util/clock.js';
import { configureLogging } from '../util/log.js';
import { eventually, startTestCluster } from '../testing/test-cluster.js';
import { ResourceInformer, SharedInformerFactory, stripManagedFields } from './informer.js';
import { NODE_NAME_INDEX, OWNER_UID_INDEX, nodeNameIndexer, ownerUIDIndexer, type EventHandler } from './informer-types.js';
import { Resources, type Client, type ListOptions, type ListResult, type WatchEvent, type WatchOptions } from './types.js';

// ------------------------------------------------------------------------ a scripted fake Client

/** WatchStream is one scripted watch: the test pushes events, ends it or fails it. */
class WatchStream implements AsyncIterable<WatchEvent> {
  private readonly queue: (WatchEvent | Error | null)[] = [];
  private wake?: () => void;
  constructor(readonly opts: WatchOptions) {
    if (opts.signal?.aborted) this.end();
    else opts.signal?.addEventListener('abort', () => this.end(), { once: true });
  }
  push(type: WatchEvent['type'], object: KubeObject): void { this.queue.push({ type, object }); this.wake?.(); }
  end(): void { this.queue.push(null); this.wake?.(); }
  fail(e: Error): void { this.queue.push(e); this.wake?.(); }
  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    for (;;) {
      while (this.queue.length === 0) await new Promise<void>((r) => { this.wake = r; });
      const next = this.queue.shift()!;
      if (next === null) return;
      if (next instanceof Error) throw next;
      yield next;
    }
  }
}

/** ScriptedClient answers list with scripted pages and hands every watch to the test. */
class ScriptedClient implements Partial<Client> {
  readonly lists: ListOptions[] = [];
  readonly watches: WatchStream[] = [];
  constructor(private readonly pages: ListResult[] = []) {}
  script(...pages: ListResult[]): void { this.pages.push(...pages); }
  async list<T extends KubeObject>(_res: unknown, _ns: unknown, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.lists.push(opts);
    const page = this.pages.shift();
    if (!page) throw new StatusError(500, 'InternalError', 'no list scripted');
    return structuredClone(page) as ListResult<T>;
  }
  watch<T extends KubeObject>(_res: unknown, _ns: unknown, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const w = new WatchStream(opts);
    this.watches.push(w);
    return w as unknown as AsyncIterable<WatchEvent<T>>;
  }
  asClient(): Client { return this as unknown as Client; }
}

/** PodObject is the slice of a Pod these tests use (typed so the pod indexers apply). */
type PodObject = KubeObject & { spec?: { nodeName?: string } };

const pod = (name: string, rv: string, extra: { ns?: string; node?: string; owner?: string; labels?: Record<string, string> } = {}): KubeObject => ({
  metadata: {
    name, namespace: extra.ns ?? 'default', uid: `uid-${name}`, resourceVersion: rv, labels: extra.labels,
    ...(extra.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: extra.owner, controller: true }] } : {}),
  },
  spec: { nodeName: extra.node },
});
const page = (rv: string, items: KubeObject[], cont?: string): ListResult => ({ items, metadata: { resourceVersion: rv, ...(cont ? { continue: cont } : {}) } });

/** recorder collects handler calls as `add a`, `update a 3→4`, `delete a`. */
function recorder(): { calls: string[]; handler: EventHandler } {
  const calls: string[] = [];
  return {
    calls,
    handler: {
      add: (o) => calls.push(`add ${o.metadata?.name}`),
      update: (a, b) => calls.push(`update ${b.metadata?.name} ${a.metadata?.resourceVersion}→${b.metadata?.resourceVersion}`),
      delete: (o) => calls.push(`delete ${o.metadata?.name}`),
    },
  };
}

/** started runs an informer over a scripted client; stop() aborts it. */
function started(client: ScriptedClient, clock = new FakeClock()) {
  const inf = new ResourceInformer<PodObject>(client.asClient(), Resources.pods, {}, clock);
  const ac = new AbortController();
  return { inf, clock, ac, run: () => inf.run(ac.signal) };
}

// ------------------------------------------------------------------------ tests

test('lists every page, then watches from the list\'s resourceVersion; hasSynced only after the list', async () => {
  const client = new ScriptedClient([page('10', [pod('a', '5'), pod('b', '6')], 'next'), page('10', [pod('c', '7')])]);
  const { inf, ac, run } = started(client);
  const r = recorder();
  inf.addEventHandler(r.handler);
  assert.equal(inf.hasSynced(), false);
  const running = run();
  await inf.waitForSync();
  assert.equal(inf.hasSynced(), true);
  // The first page asks for resourceVersion "0" (the API server's watch cache answers); later pages continue.
  assert.deepEqual(client.lists.map((o) => [o.limit, o.continue, o.resourceVersion]), [[500, undefined, '0'], [500, 'next', undefined]]);
  assert.deepEqual(r.calls, ['add a', 'add b', 'add c']);
  await eventually(() => assert.equal(client.watches.length, 1));
  assert.equal(client.watches[0].opts.resourceVersion, '10');

  const w = client.watches[0];
  w.push('ADDED', pod('d', '11'));
  w.push('MODIFIED', pod('a', '12', { labels: { x: 'y' } }));
  w.push('MODIFIED', pod('b', '6')); // same resourceVersion: no change, no handler call
  w.push('DELETED', pod('c', '13'));
  w.push('BOOKMARK', { metadata: { resourceVersion: '14' } });
  await eventually(() => assert.deepEqual(r.calls.slice(3), ['add d', 'update a 5→12', 'delete c']));
  assert.deepEqual(inf.lister.list().map((o) => o.metadata?.name).sort(), ['a', 'b', 'd']);
  assert.deepEqual(inf.lister.get('default', 'a')?.metadata?.labels, { x: 'y' });
  assert.equal(inf.lister.get('default', 'c'), undefined);
  assert.ok(Object.isFrozen(inf.lister.get('default', 'a')), 'cached objects are frozen');

  // A watch that simply ends is re-opened from the last version seen (the bookmark's), without a relist.
  w.end();
  await eventually(() => assert.equal(client.watches.length, 2));
  assert.equal(client.watches[1].opts.resourceVersion, '14');
  assert.equal(client.lists.length, 2);
  ac.abort();
  await running;
});

test('410 Gone (an ERROR event or a thrown StatusError) relists and emits deletes for what vanished', async () => {
  for (const how of ['event', 'thrown'] as const) {
    const client = new ScriptedClient([page('10', [pod('a', '1'), pod('b', '2'), pod('c', '3')])]);
    const { inf, ac, run, clock } = started(client);
    const r = recorder();
    inf.addEventHandler(r.handler);
    const running = run();
    await eventually(() => assert.equal(client.watches.length, 1));
    client.script(page('20', [pod('a', '1'), pod('b', '15'), pod('e', '16')]));
    if (how === 'event') client.watches[0].push('ERROR', { kind: 'Status', code: 410, reason: 'Expired' } as unknown as KubeObject);
    else client.watches[0].fail(new StatusError(410, 'Expired', 'too old resource version'));
    if (how === 'thrown') {
      // a thrown error backs off before retrying (on the injected clock)
      await eventually(() => assert.equal(clock.pending(), 1));
      await clock.step(60_000);
    }
    await eventually(() => assert.equal(client.watches.length, 2), 5000);
    assert.equal(client.lists.length, 2, `${how}: relisted`);
    // An expired watch relists from the cache ("0"); an expired list is read from storage ("").
    assert.equal(client.lists[1].resourceVersion, how === 'event' ? '0' : '', how);
    assert.equal(client.watches[0].opts.allowWatchBookmarks, true, 'informers ask for bookmarks');
    assert.equal(client.watches[1].opts.resourceVersion, '20');
    assert.deepEqual(r.calls, ['add a', 'add b', 'add c', 'update b 2→15', 'add e', 'delete c'], how);
    assert.deepEqual(inf.lister.list().map((o) => o.metadata?.name).sort(), ['a', 'b', 'e']);
    ac.abort();
    await running;
  }
});

test('other watch failures back off and re-watch from the last version without relisting', async () => {
  configureLogging({ level: 'silent' });
  try {
    const client = new ScriptedClient([page('10', [pod('a', '1')])]);
    const { inf, ac, run, clock } = started(client);
    const running = run();
    await eventually(() => assert.equal(client.watches.length, 1));
    client.watches[0].push('MODIFIED', pod('a', '11'));
    await eventually(() => assert.equal(inf.lister.get('default', 'a')?.metadata?.resourceVersion, '11'));
    client.watches[0].fail(new Error('connection reset'));
    await eventually(() => assert.equal(clock.pending(), 1));
    assert.equal(client.watches.length, 1, 'waits for the back-off');
    await clock.step(60_000);
    await eventually(() => assert.equal(client.watches.length, 2));
    assert.equal(client.watches[1].opts.resourceVersion, '11');
    assert.equal(client.lists.length, 1);
    ac.abort();
    await running;
  } finally {
    configureLogging({});
  }
});

test('indexers: namespace, ownerUIDIndexer and nodeNameIndexer follow adds, updates and deletes', async () => {
  const client = new ScriptedClient([page('10', [
    pod('a', '1', { owner: 'rs-1', node: 'n1' }), pod('b', '2', { owner: 'rs-1' }), pod('c', '3', { owner: 'rs-2', node: 'n1', ns: 'other' }), pod('d', '4'),
  ])]);
  const { inf, ac, run } = started(client);
  inf.addIndexer(OWNER_UID_INDEX, ownerUIDIndexer);
  const running = run();
  await inf.waitForSync();
  // An indexer added after the cache filled indexes what is there.
  inf.addIndexer(NODE_NAME_INDEX, nodeNameIndexer);
  inf.addIndexer(NODE_NAME_INDEX, () => ['ignored']); // same name again: no-op
  const names = (objs: readonly Readonly<PodObject>[]) => objs.map((o) => o.metadata?.name).sort();
  const cases: [string, string, string[]][] = [
    [OWNER_UID_INDEX, 'rs-1', ['a', 'b']], [OWNER_UID_INDEX, 'rs-2', ['c']], [OWNER_UID_INDEX, 'none', []],
    [NODE_NAME_INDEX, 'n1', ['a', 'c']], [NODE_NAME_INDEX, 'ignored', []],
  ];
  for (const [index, value, want] of cases) assert.deepEqual(names(inf.lister.byIndex(index, value)), want, `${index}=${value}`);
  assert.deepEqual(names(inf.lister.list('default')), ['a', 'b', 'd']);
  assert.deepEqual(names(inf.lister.list('other')), ['c']);
  assert.deepEqual(names(inf.lister.list(undefined, (o) => o.metadata?.name !== 'a')), ['b', 'c', 'd']);

  await eventually(() => assert.equal(client.watches.length, 1));
  const w = client.watches[0];
  w.push('MODIFIED', pod('b', '11', { owner: 'rs-2', node: 'n2' })); // adopted by rs-2, bound to n2
  w.push('DELETED', pod('a', '12', { owner: 'rs-1', node: 'n1' }));
  await eventually(() => assert.deepEqual(names(inf.lister.byIndex(OWNER_UID_INDEX, 'rs-2')), ['b', 'c']));
  assert.deepEqual(names(inf.lister.byIndex(OWNER_UID_INDEX, 'rs-1')), []);
  assert.deepEqual(names(inf.lister.byIndex(NODE_NAME_INDEX, 'n1')), ['c']);
  assert.deepEqual(names(inf.lister.byIndex(NODE_NAME_INDEX, 'n2')), ['b']);
  ac.abort();
  await running;
});

test('ownerUIDIndexer uses only the controller reference; nodeNameIndexer skips unbound pods', () => {
  const ref = (uid: string, controller?: boolean) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, ...(controller === undefined ? {} : { controller }) });
  assert.deepEqual(ownerUIDIndexer({ metadata: { ownerReferences: [ref('x'), ref('y', true)] } }), ['y']);
  assert.deepEqual(ownerUIDIndexer({ metadata: { ownerReferences: [ref('x', false)] } }), []);
  assert.deepEqual(ownerUIDIndexer({}), []);
  assert.deepEqual(nodeNameIndexer({ spec: { nodeName: 'n' } }), ['n']);
  assert.deepEqual(nodeNameIndexer({ spec: {} }), []);
});

test('resync calls update(o, o) for every cached object each period, only for the handler that asked', async () => {
  const client = new ScriptedClient([page('10', [pod('a', '1'), pod('b', '2')])]);
  const { inf, ac, run, clock } = started(client);
  const withResync = recorder();
  const without = recorder();
  inf.addEventHandler(withResync.handler, 30_000);
  inf.addEventHandler(without.handler);
  const running = run();
  await inf.waitForSync();
  await clock.step(29_999);
  assert.deepEqual(withResync.calls, ['add a', 'add b']);
  await clock.step(1);
  assert.deepEqual(withResync.calls, ['add a', 'add b', 'update a 1→1', 'update b 2→2']);
  await clock.step(30_000);
  assert.equal(withResync.calls.length, 6);
  assert.deepEqual(without.calls, ['add a', 'add b']);
  ac.abort();
  await clock.step(30_000);
  assert.equal(withResync.calls.length, 6, 'no resync after stop');
  await running;
});

test('resync periods, waitForSync and waitForCacheSync leave no abort listeners behind on a long-lived signal', async () => {
  const client = new ScriptedClient([page('10', [pod('a', '1')])]);
  const { inf, ac, run, clock } = started(client);
  inf.addEventHandler(recorder().handler, 1_000);
  const running = run();
  // Many waits on one signal (every controller waits for its caches) must not pile up listeners.
  await Promise.all(Array.from({ length: 20 }, () => inf.waitForSync(ac.signal)));
  const before = getEventListeners(ac.signal, 'abort').length;
  for (let i = 0; i < 20; i++) await clock.step(1_000);
  assert.equal(getEventListeners(ac.signal, 'abort').length, before, 'one resync timer listener at a time');
  ac.abort();
  await running;

  const f = new SharedInformerFactory(new ScriptedClient(Array.from({ length: 12 }, () => page('1', []))).asClient(), { clock: new FakeClock() });
  const res = [Resources.pods, Resources.nodes, Resources.services, Resources.endpoints, Resources.configmaps, Resources.secrets,
    Resources.namespaces, Resources.serviceaccounts, Resources.replicasets, Resources.deployments, Resources.statefulsets, Resources.events];
  for (const r of res) f.informerFor(r);
  const fac = new AbortController();
  const waiting = f.waitForCacheSync(fac.signal);
  assert.equal(getEventListeners(fac.signal, 'abort').length, 1, 'one listener for all 12 informers');
  f.start(fac.signal);
  await waiting;
  fac.abort();
});

test('a factory transform (stripManagedFields) applies to listed and watched objects before handlers and listers see them', async () => {
  const withFields = (name: string, rv: string): KubeObject => {
    const o = pod(name, rv);
    o.metadata!.managedFields = [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }];
    return o;
  };
  const client = new ScriptedClient([page('10', [withFields('a', '1')])]);
  const f = new SharedInformerFactory(client.asClient(), { clock: new FakeClock(), transform: stripManagedFields });
  const inf = f.informerFor(Resources.pods);
  const seen: KubeObject[] = [];
  inf.addEventHandler({ add: (o) => seen.push(o), update: (_o, n) => seen.push(n) });
  const ac = new AbortController();
  f.start(ac.signal);
  await f.waitForCacheSync();
  await eventually(() => assert.equal(client.watches.length, 1));
  client.watches[0].push('MODIFIED', withFields('a', '2'));
  client.watches[0].push('ADDED', withFields('b', '3'));
  await eventually(() => assert.equal(seen.length, 3));
  assert.deepEqual(seen.map((o) => [o.metadata?.name, o.metadata?.resourceVersion, o.metadata?.managedFields]), [['a', '1', undefined], ['a', '2', undefined], ['b', '3', undefined]]);
  assert.equal(inf.lister.get('default', 'b')?.metadata?.managedFields, undefined);
  assert.equal(inf.lister.get('default', 'b')?.metadata?.uid, 'uid-b', 'the rest of the object is kept');
  ac.abort();
});

test('a late handler sees the cache as adds; a throwing handler is logged and does not stop the others', async () => {
  const lines: string[] = [];
  configureLogging({ format: 'json', destination: { write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream });
  try {
    const client = new ScriptedClient([page('10', [pod('a', '1')])]);
    const { inf, ac, run } = started(client);
    inf.addEventHandler({ add: () => { throw new Error('handler bug'); } });
    const r = recorder();
    inf.addEventHandler(r.handler);
    const running = run();
    await inf.waitForSync();
    assert.deepEqual(r.calls, ['add a']);
    const late = recorder();
    inf.addEventHandler(late.handler);
    assert.deepEqual(late.calls, ['add a']);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; resource: string; err: { message: string } });
    assert.ok(logged.some((l) => l.level === 'error' && l.msg === 'Informer event handler failed' && l.resource === 'pods' && l.err.message === 'handler bug'), JSON.stringify(logged));
    ac.abort();
    await running;
  } finally {
    configureLogging({});
  }
});

test('waitForSync rejects when its signal aborts before the first list', async () => {
  const client = new ScriptedClient();
  const inf = new ResourceInformer(client.asClient(), Resources.pods, {}, new FakeClock());
  const ac = new AbortController();
  const waiting = inf.waitForSync(ac.signal);
  ac.abort(new Error('gave up'));
  await assert.rejects(waiting, /gave up/);
  assert.equal(inf.hasSynced(), false);
});

test('SharedInformerFactory shares one informer per resource and options, and starts late ones', async () => {
  const client = new ScriptedClient([page('1', [pod('a', '1')]), page('1', [pod('b', '1', { ns: 'x' })])]);
  const f = new SharedInformerFactory(client.asClient(), { clock: new FakeClock() });
  const one = f.informerFor(Resources.pods);
  assert.equal(f.informerFor(Resources.pods), one);
  const ac = new AbortController();
  f.start(ac.signal);
  await f.waitForCacheSync();
  const other = f.informerFor(Resources.pods, { namespace: 'x' });
  assert.notEqual(other, one);
  await f.waitForCacheSync();
  assert.equal(other.hasSynced(), true, 'an informer created after start runs at once');
  assert.deepEqual(other.lister.list().map((o) => o.metadata?.name), ['b']);
  ac.abort();
});

test('stopInformer ends that informer\'s watch, leaves waitForCacheSync to the others, and informerFor makes a fresh one', async () => {
  const client = new ScriptedClient([page('1', [pod('a', '1')])]);
  const f = new SharedInformerFactory(client.asClient(), { clock: new FakeClock() });
  const ac = new AbortController();
  const gone = f.informerFor(Resources.pods);
  f.start(ac.signal);
  await f.waitForCacheSync();
  assert.equal(client.watches.length, 1, 'one watch after the list');
  const watch = client.watches[0];
  f.stopInformer(Resources.pods);
  assert.equal(watch.opts.signal?.aborted, true, 'the stopped informer\'s watch is aborted');
  // A fresh informer for the same resource that never lists (no page scripted) would block a sync that still counted the old one.
  client.script(page('2', [pod('b', '2')]));
  const fresh = f.informerFor(Resources.pods);
  assert.notEqual(fresh, gone);
  await f.waitForCacheSync();
  assert.deepEqual(fresh.lister.list().map((o) => o.metadata?.name), ['b']);
  ac.abort();
});

test('against the real API server: list, then watch creates, updates and deletes', async () => {
  const tc = await startTestCluster();
  try {
    await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'before' }, data: { a: '1' } });
    const inf = tc.informers.informerFor(Resources.configmaps, { namespace: 'default' });
    const r = recorder();
    inf.addEventHandler(r.handler);
    await tc.start();
    assert.ok(inf.lister.get('default', 'before'));
    await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'after' }, data: {} });
    const cur = await tc.client.get(Resources.configmaps, 'default', 'before');
    await tc.client.update(Resources.configmaps, 'default', { ...cur, data: { a: '2' } });
    await tc.client.delete(Resources.configmaps, 'default', 'after');
    await eventually(() => assert.equal(r.calls.filter((c) => c.startsWith('delete')).length, 1));
    assert.deepEqual(r.calls.map((c) => c.replace(/ \d+→\d+$/, '')), ['add before', 'add after', 'update before', 'delete after']);
    assert.deepEqual((inf.lister.get('default', 'before') as { data?: unknown }).data, { a: '2' });
  } finally {
    await tc.close();
  }
});
