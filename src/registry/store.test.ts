import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { pods } from '../api/core/pods.js';
import { configmaps } from '../api/core/config.js';
import { namespaces } from '../api/core/namespaces.js';
import { deployments } from '../api/apps/deployments.js';
import { StatusError } from '../apimachinery/errors.js';
import { rfc3339 } from '../apimachinery/time.js';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { FakeClock } from '../util/clock.js';
import { RegistryStore, type NamespaceState, type StoreWatchEvent } from './store.js';

const START = new Date('2026-03-01T10:00:00.750Z');

/** setup builds stores over one memory backend and a fake clock; namespaces default to `default` active. */
function setup(nsStates: Record<string, NamespaceState> = { default: 'active' }) {
  const backend = new MemoryBackend();
  const clock = new FakeClock(START);
  const deps = { backend, clock, namespaceState: async (n: string) => nsStates[n] ?? 'missing' as const };
  return { backend, clock, store: (def: ResourceDefinition) => new RegistryStore(def, deps) };
}

const cm = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name }, data: { k: 'v' }, ...extra });
const pod = (name: string, spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject => ({
  metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec }, ...(status ? { status } : {}),
});
const deployment = (name: string, image = 'nginx:1.27'): KubeObject => ({
  metadata: { name },
  spec: {
    replicas: 1, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
  },
});

/** rejects asserts that p fails with a StatusError of code (and message matching, when given). */
async function rejects(p: Promise<unknown>, code: number, message?: RegExp | string): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}, got success`);
}

// ---------------------------------------------------------------------------------------- create

test('create fills server-owned metadata from the clock and the backend revision', async () => {
  const { store, backend } = setup();
  const created = await store(configmaps).create('default', cm('a', { metadata: { name: 'a', uid: 'client-set', generation: 7 } }));
  assert.equal(created.apiVersion, 'v1');
  assert.equal(created.kind, 'ConfigMap');
  assert.equal(created.metadata?.namespace, 'default');
  assert.equal(created.metadata?.creationTimestamp, '2026-03-01T10:00:00Z');
  assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(created.metadata?.generation, undefined, 'a client cannot set generation');
  assert.equal(created.metadata?.resourceVersion, String(await backend.currentRevision()));
  assert.deepEqual(await store(configmaps).get('default', 'a'), created);
});

test('create errors: duplicate, namespace missing or terminating, resourceVersion set, namespace mismatch', async () => {
  const { store } = setup({ default: 'active', gone: 'terminating' });
  await store(configmaps).create('default', cm('dup'));
  const cases: { name: string; ns: string; obj: KubeObject; code: number; message: string | RegExp }[] = [
    { name: 'duplicate', ns: 'default', obj: cm('dup'), code: 409, message: 'configmaps "dup" already exists' },
    { name: 'missing namespace', ns: 'nope', obj: cm('x'), code: 404, message: 'namespaces "nope" not found' },
    { name: 'terminating namespace', ns: 'gone', obj: cm('x'), code: 403, message: 'configmaps "x" is forbidden: unable to create new content in namespace gone because it is being terminated' },
    { name: 'resourceVersion set', ns: 'default', obj: cm('x', { metadata: { name: 'x', resourceVersion: '5' } }), code: 400, message: 'resourceVersion should not be set on objects to be created' },
    { name: 'namespace mismatch', ns: 'default', obj: cm('x', { metadata: { name: 'x', namespace: 'other' } }), code: 400, message: /does not match the namespace sent on the request/ },
    { name: 'invalid name', ns: 'default', obj: cm('Bad_Name'), code: 422, message: /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/ },
  ];
  for (const c of cases) await rejects(store(configmaps).create(c.ns, structuredClone(c.obj)), c.code, c.message).catch((e) => { throw new Error(`${c.name}: ${(e as Error).message}`); });
});

test('generateName appends five characters from Kubernetes\' alphabet', async () => {
  const { store } = setup();
  const names = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const o = await store(configmaps).create('default', { metadata: { generateName: 'web-' }, data: {} });
    assert.match(o.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    names.add(o.metadata!.name!);
  }
  assert.equal(names.size, 5);
  const named = await store(configmaps).create('default', { metadata: { name: 'fixed', generateName: 'web-' }, data: {} });
  assert.equal(named.metadata?.name, 'fixed', 'an explicit name wins over generateName');
});

test('dryRun create and update validate and answer, but store nothing', async () => {
  const { store, backend } = setup();
  const before = await backend.currentRevision();
  const dry = await store(configmaps).create('default', cm('dry'), { dryRun: true });
  assert.equal(dry.metadata?.name, 'dry');
  assert.equal(await backend.currentRevision(), before);
  await rejects(store(configmaps).get('default', 'dry'), 404);
  await rejects(store(configmaps).create('default', cm('BAD'), { dryRun: true }), 422);

  const real = await store(configmaps).create('default', cm('real'));
  const changed = await store(configmaps).update('default', 'real', { ...real, data: { k: 'new' } }, { dryRun: true });
  assert.deepEqual(changed.data, { k: 'new' });
  assert.deepEqual((await store(configmaps).get('default', 'real')).data, { k: 'v' });
});

// ---------------------------------------------------------------------------------------- update

test('update conflicts: a stale resourceVersion is 409, none means last write wins', async () => {
  const { store } = setup();
  const s = store(configmaps);
  const v1 = await s.create('default', cm('c'));
  // The store takes ownership of the body it is given (as with a decoded request): pass copies.
  const v2 = await s.update('default', 'c', { ...structuredClone(v1), data: { k: 'two' } });
  assert.notEqual(v2.metadata?.resourceVersion, v1.metadata?.resourceVersion);
  const cases: { name: string; body: KubeObject; code?: number; message?: string | RegExp }[] = [
    { name: 'stale resourceVersion', body: { ...v1, data: { k: 'stale' } }, code: 409, message: 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again' },
    { name: 'other uid', body: { ...v2, metadata: { ...v2.metadata, uid: 'other' } }, code: 409, message: /Precondition failed: UID in precondition: other/ },
    { name: 'name differs from URL', body: { ...v2, metadata: { ...v2.metadata, name: 'd' } }, code: 400, message: 'the name of the object (d) does not match the name on the URL (c)' },
    { name: 'no resourceVersion: unconditional', body: { ...v2, metadata: { ...v2.metadata, resourceVersion: undefined }, data: { k: 'three' } } },
  ];
  for (const c of cases) {
    if (c.code) await rejects(s.update('default', 'c', structuredClone(c.body)), c.code, c.message);
    else assert.deepEqual((await s.update('default', 'c', structuredClone(c.body))).data, { k: 'three' }, c.name);
  }
  await rejects(s.update('default', 'missing', cm('missing')), 404, 'configmaps "missing" not found');
});

test('an update that changes nothing writes nothing (same resourceVersion)', async () => {
  const { store, backend } = setup();
  const v1 = await store(configmaps).create('default', cm('same'));
  const rev = await backend.currentRevision();
  const again = await store(configmaps).update('default', 'same', structuredClone(v1));
  assert.equal(again.metadata?.resourceVersion, v1.metadata?.resourceVersion);
  assert.equal(await backend.currentRevision(), rev);
});

test('update keeps server-owned metadata: uid, creationTimestamp cannot be changed by the client', async () => {
  const { store, clock } = setup();
  const v1 = await store(configmaps).create('default', cm('m'));
  await clock.step(60_000);
  const v2 = await store(configmaps).update('default', 'm', { ...v1, metadata: { ...v1.metadata, creationTimestamp: '2000-01-01T00:00:00Z', labels: { a: 'b' } } });
  assert.equal(v2.metadata?.creationTimestamp, '2026-03-01T10:00:00Z');
  assert.equal(v2.metadata?.uid, v1.metadata?.uid);
  assert.deepEqual(v2.metadata?.labels, { a: 'b' });
});

test('generation starts at 1 and bumps on spec changes only', async () => {
  const { store } = setup();
  const s = store(deployments);
  const d1 = await s.create('default', deployment('web'));
  assert.equal(d1.metadata?.generation, 1);
  const steps: { name: string; change: (d: KubeObject) => void; status?: boolean; want: number }[] = [
    { name: 'label change', change: (d) => { d.metadata!.labels = { tier: 'front' }; }, want: 1 },
    { name: 'annotation change', change: (d) => { d.metadata!.annotations = { note: 'x' }; }, want: 1 },
    { name: 'image change', change: (d) => { (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image = 'nginx:1.28'; }, want: 2 },
    { name: 'replicas change', change: (d) => { (d.spec as { replicas: number }).replicas = 3; }, want: 3 },
    { name: 'status update', change: (d) => { d.status = { observedGeneration: 3, replicas: 3 }; }, status: true, want: 3 },
    { name: 'spec change through status is ignored', change: (d) => { (d.spec as { replicas: number }).replicas = 9; }, status: true, want: 3 },
  ];
  for (const st of steps) {
    const cur = await s.get('default', 'web');
    st.change(cur);
    const next = await s.update('default', 'web', cur, st.status ? { subresource: 'status' } : {});
    assert.equal(next.metadata?.generation, st.want, st.name);
  }
  const final = await s.get('default', 'web');
  assert.equal((final.spec as { replicas: number }).replicas, 3, 'the status subresource never changes spec');
  assert.deepEqual(final.status, { observedGeneration: 3, replicas: 3 });
});

// ---------------------------------------------------------------------------------------- list

test('list pages with limit/continue from one snapshot, with remainingItemCount', async () => {
  const { store } = setup();
  const s = store(configmaps);
  const names = Array.from({ length: 7 }, (_, i) => `cm-${i}`);
  for (const n of names) await s.create('default', cm(n));
  for (const limit of [1, 2, 3, 7, 10]) {
    const seen: string[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let pages = 0;
    do {
      const page = await s.list('default', { limit, continue: cont });
      pages++;
      if (pages === 1) {
        rv = page.metadata.resourceVersion;
        // Objects created after the first page must not show up in later pages (a consistent snapshot).
        await s.create('default', cm(`late-${limit}`));
      } else {
        assert.equal(page.metadata.resourceVersion, rv, 'every page is read at the first page\'s revision');
      }
      seen.push(...page.items.map((o) => o.metadata!.name!));
      cont = page.metadata.continue;
      const remaining = page.metadata.remainingItemCount;
      if (cont) assert.equal(remaining, names.length - seen.length, `limit ${limit}: remainingItemCount`);
      else assert.equal(remaining, undefined);
    } while (cont);
    assert.deepEqual(seen, names, `limit ${limit}`);
    assert.equal(pages, Math.max(1, Math.ceil(names.length / limit)), `limit ${limit}: pages`);
    await s.delete('default', `late-${limit}`);
  }
});

test('a continue token whose revision was compacted is 410 Expired', async () => {
  const { store, backend } = setup();
  const s = store(configmaps);
  for (let i = 0; i < 3; i++) await s.create('default', cm(`c${i}`));
  const first = await s.list('default', { limit: 1 });
  assert.ok(first.metadata.continue);
  await s.create('default', cm('newer'));
  await backend.compact(await backend.currentRevision());
  const e = await rejects(s.list('default', { limit: 1, continue: first.metadata.continue }), 410, /^The provided continue parameter is too old to display a consistent list result/);
  assert.equal(e.reason, 'Expired');
});

test('label and field selectors filter lists; unsupported fields are 400', async () => {
  const { store } = setup({ default: 'active', other: 'active' });
  const s = store(pods);
  await s.create('default', { ...pod('web-1', { nodeName: 'host01' }), metadata: { name: 'web-1', labels: { app: 'web', tier: 'front' } } });
  await s.create('default', { ...pod('web-2', { nodeName: 'host02' }), metadata: { name: 'web-2', labels: { app: 'web' } } });
  await s.create('default', { ...pod('db-1'), metadata: { name: 'db-1', labels: { app: 'db' } } });
  await s.create('other', { ...pod('web-3'), metadata: { name: 'web-3', labels: { app: 'web' } } });
  const cases: { ns?: string; labelSelector?: string; fieldSelector?: string; want: string[] }[] = [
    { ns: 'default', labelSelector: 'app=web', want: ['web-1', 'web-2'] },
    { ns: 'default', labelSelector: 'app!=web', want: ['db-1'] },
    { ns: 'default', labelSelector: 'app in (db,cache)', want: ['db-1'] },
    { ns: 'default', labelSelector: 'tier', want: ['web-1'] },
    { ns: 'default', labelSelector: '!tier', want: ['db-1', 'web-2'] },
    { labelSelector: 'app=web', want: ['web-1', 'web-2', 'web-3'] }, // cluster-wide: by namespace, then name
    { ns: 'default', fieldSelector: 'spec.nodeName=host02', want: ['web-2'] },
    { ns: 'default', fieldSelector: 'spec.nodeName=', want: ['db-1'] },
    { ns: 'default', fieldSelector: 'metadata.name!=web-1', want: ['db-1', 'web-2'] },
    { fieldSelector: 'metadata.namespace=other', want: ['web-3'] },
    { ns: 'default', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=host01', want: ['web-1'] },
  ];
  for (const c of cases) {
    const res = await s.list(c.ns, { labelSelector: c.labelSelector, fieldSelector: c.fieldSelector });
    assert.deepEqual(res.items.map((o) => o.metadata!.name), c.want, JSON.stringify(c));
  }
  // A filtered page has no remainingItemCount (Kubernetes cannot know it without reading everything).
  const page = await s.list('default', { labelSelector: 'app=web', limit: 1 });
  assert.equal(page.items.length, 1);
  assert.ok(page.metadata.continue);
  assert.equal(page.metadata.remainingItemCount, undefined);
  await rejects(s.list('default', { fieldSelector: 'spec.foo=bar' }), 400, 'field label not supported: spec.foo');
  await rejects(store(configmaps).list('default', { fieldSelector: 'spec.nodeName=x' }), 400, 'field label not supported: spec.nodeName');
});

// ---------------------------------------------------------------------------------------- delete

test('pod deletion: graceful only when bound to a node and not finished', async () => {
  const cases: { name: string; spec?: Record<string, unknown>; status?: Record<string, unknown>; grace?: number; gone: boolean; seconds?: number }[] = [
    { name: 'unbound pod goes at once', gone: true },
    { name: 'bound pod waits the default 30 s', spec: { nodeName: 'host01' }, gone: false, seconds: 30 },
    { name: 'bound pod waits its terminationGracePeriodSeconds', spec: { nodeName: 'host01', terminationGracePeriodSeconds: 5 }, gone: false, seconds: 5 },
    { name: 'gracePeriodSeconds overrides the spec', spec: { nodeName: 'host01' }, grace: 3, gone: false, seconds: 3 },
    { name: 'gracePeriodSeconds=0 deletes at once', spec: { nodeName: 'host01' }, grace: 0, gone: true },
    { name: 'a succeeded pod goes at once', spec: { nodeName: 'host01' }, status: { phase: 'Succeeded' }, gone: true },
    { name: 'a failed pod goes at once', spec: { nodeName: 'host01' }, status: { phase: 'Failed' }, gone: true },
  ];
  for (const c of cases) {
    const { store } = setup();
    const s = store(pods);
    const created = await s.create('default', pod('p', c.spec));
    if (c.status) await s.update('default', 'p', { ...created, status: c.status }, { subresource: 'status' });
    const res = await s.delete('default', 'p', c.grace === undefined ? {} : { gracePeriodSeconds: c.grace });
    assert.equal(res.deleted, c.gone, c.name);
    if (c.gone) {
      await rejects(s.get('default', 'p'), 404);
    } else {
      const left = await s.get('default', 'p');
      assert.equal(left.metadata?.deletionGracePeriodSeconds, c.seconds, c.name);
      assert.equal(left.metadata?.deletionTimestamp, rfc3339(new Date(START.getTime() + c.seconds! * 1000)), c.name);
    }
  }
});

test('pod deletion: a shorter grace period moves the deadline up; the agent\'s grace 0 with uid precondition removes it', async () => {
  const { store, clock } = setup();
  const s = store(pods);
  const p = await s.create('default', pod('p', { nodeName: 'host01' }));
  await s.delete('default', 'p');
  await clock.step(10_000);
  const again = await s.delete('default', 'p');
  assert.equal(again.deleted, false);
  assert.equal(again.object.metadata?.deletionTimestamp, '2026-03-01T10:00:30Z', 'a repeated delete keeps the deadline');
  const shorter = await s.delete('default', 'p', { gracePeriodSeconds: 1 });
  assert.equal(shorter.object.metadata?.deletionGracePeriodSeconds, 1);
  assert.equal(shorter.object.metadata?.deletionTimestamp, '2026-03-01T10:00:11Z');
  await rejects(s.delete('default', 'p', { gracePeriodSeconds: 0, preconditions: { uid: 'someone-else' } }), 409, /Precondition failed: UID in precondition: someone-else/);
  const done = await s.delete('default', 'p', { gracePeriodSeconds: 0, preconditions: { uid: p.metadata!.uid } });
  assert.equal(done.deleted, true);
  await rejects(s.get('default', 'p'), 404);
});

test('finalizers keep an object (marked for deletion) until the last one is removed', async () => {
  const { store } = setup();
  const s = store(configmaps);
  await s.create('default', cm('held', { metadata: { name: 'held', finalizers: ['example.com/a', 'example.com/b'] } }));
  const res = await s.delete('default', 'held');
  assert.equal(res.deleted, false);
  assert.equal(res.object.metadata?.deletionTimestamp, '2026-03-01T10:00:00Z');
  assert.equal(res.object.metadata?.deletionGracePeriodSeconds, 0);
  const remove = async (keep: string[]) => {
    const cur = await s.get('default', 'held');
    return s.update('default', 'held', { ...cur, metadata: { ...cur.metadata, finalizers: keep } });
  };
  const one = await remove(['example.com/b']);
  assert.ok(one.metadata?.deletionTimestamp, 'still marked');
  assert.deepEqual((await s.get('default', 'held')).metadata?.finalizers, ['example.com/b']);
  await remove([]);
  await rejects(s.get('default', 'held'), 404);
});

test('propagation policies add or swap the garbage collector\'s finalizers', async () => {
  const cases: { name: string; opts: Record<string, unknown>; then?: Record<string, unknown>; finalizers?: string[]; gone: boolean }[] = [
    { name: 'Background deletes at once', opts: { propagationPolicy: 'Background' }, gone: true },
    { name: 'no policy deletes at once', opts: {}, gone: true },
    { name: 'Foreground', opts: { propagationPolicy: 'Foreground' }, finalizers: ['foregroundDeletion'], gone: false },
    { name: 'Orphan', opts: { propagationPolicy: 'Orphan' }, finalizers: ['orphan'], gone: false },
    { name: 'orphanDependents=true is Orphan', opts: { orphanDependents: true }, finalizers: ['orphan'], gone: false },
    { name: 'orphanDependents=false is Background', opts: { orphanDependents: false }, gone: true },
    { name: 'Orphan after Foreground swaps the finalizer', opts: { propagationPolicy: 'Foreground' }, then: { propagationPolicy: 'Orphan' }, finalizers: ['orphan'], gone: false },
    { name: 'Foreground after Orphan swaps the finalizer', opts: { propagationPolicy: 'Orphan' }, then: { propagationPolicy: 'Foreground' }, finalizers: ['foregroundDeletion'], gone: false },
  ];
  for (const c of cases) {
    const { store } = setup();
    const s = store(configmaps);
    await s.create('default', cm('owner'));
    let res = await s.delete('default', 'owner', c.opts);
    if (c.then) res = await s.delete('default', 'owner', c.then);
    assert.equal(res.deleted, c.gone, c.name);
    if (c.gone) await rejects(s.get('default', 'owner'), 404);
    else {
      const left = await s.get('default', 'owner');
      assert.deepEqual(left.metadata?.finalizers, c.finalizers, c.name);
      assert.ok(left.metadata?.deletionTimestamp, c.name);
    }
  }
});

test('dryRun delete and preconditions leave the object in place', async () => {
  const { store } = setup();
  const s = store(configmaps);
  const o = await s.create('default', cm('keep'));
  const dry = await s.delete('default', 'keep', { dryRun: true });
  assert.equal(dry.deleted, true);
  assert.ok(await s.get('default', 'keep'));
  const dryFg = await s.delete('default', 'keep', { dryRun: true, propagationPolicy: 'Foreground' });
  assert.equal(dryFg.deleted, false);
  assert.equal((await s.get('default', 'keep')).metadata?.deletionTimestamp, undefined);
  await rejects(s.delete('default', 'keep', { preconditions: { resourceVersion: '999' } }), 409,
    `Operation cannot be fulfilled on configmaps "keep": Precondition failed: ResourceVersion in precondition: 999, ResourceVersion in object meta: ${o.metadata?.resourceVersion}`);
  await rejects(s.delete('default', 'keep', { preconditions: { uid: 'not-it' } }), 409,
    `Operation cannot be fulfilled on configmaps "keep": Precondition failed: UID in precondition: not-it, UID in object meta: ${o.metadata?.uid}`);
  await rejects(s.delete('default', 'missing'), 404, 'configmaps "missing" not found');
  assert.ok(await s.get('default', 'keep'));
});

test('deleting a namespace marks it Terminating until its finalizer is gone', async () => {
  const { store } = setup();
  const s = store(namespaces);
  await s.create(undefined, { metadata: { name: 'team' } });
  const res = await s.delete(undefined, 'team');
  assert.equal(res.deleted, false);
  const ns = await s.get(undefined, 'team');
  assert.equal((ns.status as { phase: string }).phase, 'Terminating');
  assert.ok(ns.metadata?.deletionTimestamp);
  // The namespace controller empties spec.finalizers (namespaces/finalize); then it is gone.
  await s.guaranteedUpdate(undefined, 'team', (cur) => ({ ...cur, spec: { finalizers: [] } }), { bypassStrategy: true });
  await rejects(s.get(undefined, 'team'), 404);
});

// ---------------------------------------------------------------------------------------- watch

test('watch from a resourceVersion streams changes as API events; a compacted start is an ERROR 410', async () => {
  const { store, backend } = setup();
  const s = store(configmaps);
  const a = await s.create('default', cm('a'));
  const ac = new AbortController();
  const events: StoreWatchEvent[] = [];
  const done = (async () => {
    for await (const ev of s.watch('default', { resourceVersion: a.metadata!.resourceVersion, signal: ac.signal, labelSelector: 'w=yes' })) {
      events.push(ev);
      if (events.length === 3) ac.abort();
    }
  })();
  await s.create('default', cm('ignored'));
  const b = await s.create('default', cm('b', { metadata: { name: 'b', labels: { w: 'yes' } } }));
  await s.update('default', 'b', { ...b, data: { k: 'changed' } });
  const cur = await s.get('default', 'b');
  await s.update('default', 'b', { ...cur, metadata: { ...cur.metadata, labels: { w: 'no' } } });
  await done;
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED b', 'MODIFIED b', 'DELETED b'], 'leaving the selector is a DELETED');

  await backend.compact(await backend.currentRevision());
  const expired: StoreWatchEvent[] = [];
  for await (const ev of s.watch('default', { resourceVersion: a.metadata!.resourceVersion, signal: new AbortController().signal })) expired.push(ev);
  assert.equal(expired.length, 1);
  assert.equal(expired[0].type, 'ERROR');
  assert.equal((expired[0].object as unknown as { code: number }).code, 410);
});

test('deletion held by a finalizer bumps a tracked generation once', async () => {
  const { store } = setup();
  const s = store(deployments);
  const created = await s.create('default', { ...deployment('web'), metadata: { name: 'web', finalizers: ['example.com/hold'] } });
  assert.equal(created.metadata?.generation, 1);
  const res = await s.delete('default', 'web');
  assert.equal(res.deleted, false);
  assert.equal(res.object.metadata?.generation, 2, 'deletion starts: generation + 1');
  await s.delete('default', 'web');
  assert.equal((await s.get('default', 'web')).metadata?.generation, 2, 'a second delete changes nothing');
});

test('emptied metadata lists and maps are omitted, as Go omits empty omitempty fields', async () => {
  const { store } = setup();
  const s = store(configmaps);
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u1' };
  await s.create('default', cm('emptied', { metadata: { name: 'emptied', labels: { a: 'b' }, ownerReferences: [ref] } }));
  const cur = await s.get('default', 'emptied');
  const updated = await s.update('default', 'emptied', { ...cur, metadata: { ...cur.metadata, labels: {}, ownerReferences: [], annotations: {} } });
  for (const got of [updated, await s.get('default', 'emptied')]) {
    assert.equal('ownerReferences' in got.metadata!, false, 'no ownerReferences: []');
    assert.equal('labels' in got.metadata!, false, 'no labels: {}');
    assert.equal('annotations' in got.metadata!, false, 'no annotations: {}');
  }
});
