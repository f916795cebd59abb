import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster } from '../testing/test-cluster.js';
import { Resources } from '../client/types.js';
import type { KubeObject } from '../api/resource.js';
import type { WatchEvent } from '../apimachinery/options.js';

/** get sends a raw GET to the test API server and returns the status and parsed body. */
async function get(url: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url + path, { headers: { Authorization: 'Bearer t0k', Accept: 'application/json' } });
  return { status: r.status, body: await r.json() as Record<string, unknown> };
}

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

test('list at resourceVersion 0 and NotOlderThan come from the watch cache; refused combinations are Kubernetes\' 422', async () => {
  const tc = await startTestCluster();
  try {
    await tc.client.create(Resources.configmaps, 'default', cm('b'));
    const a = await tc.client.create(Resources.configmaps, 'default', cm('a'));
    const zero = await tc.client.list(Resources.configmaps, 'default', { resourceVersion: '0', limit: 1 });
    assert.deepEqual(zero.items.map((o) => o.metadata?.name).filter((n) => n === 'a' || n === 'b'), ['a', 'b'], 'limit is ignored at "0", items in key order');
    assert.equal(zero.metadata.continue, undefined);
    const rv = a.metadata!.resourceVersion!;
    const notOlder = await tc.client.list(Resources.configmaps, 'default', { resourceVersion: rv, resourceVersionMatch: 'NotOlderThan' });
    assert.ok(Number(notOlder.metadata.resourceVersion) >= Number(rv));
    assert.ok(notOlder.items.some((o) => o.metadata?.name === 'a'));
    const store = tc.api.storeFor('', 'v1', 'configmaps');
    assert.ok(store?.watchCache.started, 'the cache serves configmaps');

    const bad = await get(tc.api.url, '/api/v1/namespaces/default/configmaps?resourceVersionMatch=NotOlderThan');
    assert.equal(bad.status, 422);
    assert.equal(bad.body.message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    const badWatch = await get(tc.api.url, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    assert.equal(badWatch.status, 422);
    assert.equal(badWatch.body.message, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    const listSIE = await get(tc.api.url, '/api/v1/namespaces/default/configmaps?sendInitialEvents=true');
    assert.equal(listSIE.status, 422);
    assert.match(String(listSIE.body.message), /sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list/);
  } finally {
    await tc.close();
  }
});

test('sendInitialEvents: ADDED for every object, the k8s.io/initial-events-end BOOKMARK, then live changes', async () => {
  const tc = await startTestCluster();
  try {
    await tc.client.create(Resources.configmaps, 'default', cm('x'));
    await tc.client.create(Resources.configmaps, 'default', cm('y'));
    const ac = new AbortController();
    const got: WatchEvent<KubeObject>[] = [];
    const done = (async () => {
      for await (const ev of tc.client.watch(Resources.configmaps, 'default', { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, signal: ac.signal })) {
        got.push(ev);
        if (ev.type === 'BOOKMARK') await tc.client.create(Resources.configmaps, 'default', cm('z'));
        if (ev.type === 'ADDED' && ev.object.metadata?.name === 'z') break;
      }
    })();
    await done;
    ac.abort();
    const names = got.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata?.name);
    const end = got.findIndex((e) => e.type === 'BOOKMARK');
    assert.ok(end > 0);
    assert.deepEqual(names.slice(0, end).filter((n) => n === 'x' || n === 'y'), ['x', 'y']);
    assert.equal(names[names.length - 1], 'z');
    const bookmark = got[end].object;
    assert.equal(bookmark.kind, 'ConfigMap');
    assert.deepEqual(bookmark.metadata?.annotations, { 'k8s.io/initial-events-end': 'true' });
    assert.ok(Number(bookmark.metadata?.resourceVersion) > 0);

    // Without allowWatchBookmarks the initial events come without the end marker, as a legacy watch's do.
    const legacy: string[] = [];
    const ac2 = new AbortController();
    for await (const ev of tc.client.watch(Resources.configmaps, 'default', { signal: ac2.signal, allowWatchBookmarks: false })) {
      legacy.push(ev.type);
      if (legacy.length === 3) break;
    }
    ac2.abort();
    assert.deepEqual(legacy, ['ADDED', 'ADDED', 'ADDED']);
  } finally {
    await tc.close();
  }
});
