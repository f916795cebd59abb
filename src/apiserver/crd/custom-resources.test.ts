import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';

// A watch on a custom resource ends when its CRD's storage is torn down (the CRD deleted or its spec
// changed), as kube-apiextensions-server ends them: a watcher then re-lists what is served now. A
// watch left open on a deleted CRD held its client's connection forever (informers of a garbage
// collector kept one per deleted CRD until the client's connection pool ran out).
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

const headers = { Authorization: 'Bearer t0k', 'Content-Type': 'application/json', Accept: 'application/json' };

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${tc.api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function crd(plural: string, versions: string[]) {
  const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.watch.example.com` },
    spec: {
      group: 'watch.example.com', scope: 'Namespaced', names: { plural, singular: plural.slice(0, -1), kind: plural[0].toUpperCase() + plural.slice(1, -1) },
      versions: versions.map((v, i) => ({ name: v, served: true, storage: i === 0, schema })),
    },
  };
}

/** ends waits for a watch to end, failing (not hanging) when it still runs after a generous while. */
async function ends(w: { ended: Promise<string>; abort: () => void }): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => { w.abort(); reject(new Error('the watch did not end')); }, 30_000); });
  try {
    return await Promise.race([w.ended, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** openWatch starts a watch and returns a promise of its end (the stream closed by the server). */
async function openWatch(path: string): Promise<{ ended: Promise<string>; abort: () => void }> {
  const ac = new AbortController();
  const r = await fetch(`${tc.api.url}${path}?watch=true`, { headers, signal: ac.signal });
  assert.equal(r.status, 200);
  const ended = (async () => {
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of r.body!) text += decoder.decode(chunk as Uint8Array);
    return text;
  })();
  ended.catch(() => undefined);
  return { ended, abort: () => ac.abort() };
}

describe('watches of custom resources', () => {
  it('end when the CRD is deleted; the resource is then not found', async () => {
    assert.equal((await call('POST', CRDS, crd('gones', ['v1']))).status, 201);
    const path = '/apis/watch.example.com/v1/namespaces/default/gones';
    await eventually(async () => assert.equal((await call('GET', path)).status, 200));
    const w = await openWatch(path);
    assert.equal((await call('POST', path, { apiVersion: 'watch.example.com/v1', kind: 'Gone', metadata: { name: 'a' } })).status, 201);
    // 202: the customresourcecleanup finalizer deletes the objects first
    assert.equal((await call('DELETE', `${CRDS}/gones.watch.example.com`)).status, 202);
    const text = await ends(w);
    assert.match(text, /"type":"ADDED"/, 'the watch delivered events before it ended');
    await eventually(async () => assert.equal((await call('GET', path)).status, 404));
  });

  it('end when the CRD\'s spec changes, and a new watch sees the new version served', async () => {
    assert.equal((await call('POST', CRDS, crd('changes', ['v1']))).status, 201);
    const path = '/apis/watch.example.com/v1/namespaces/default/changes';
    await eventually(async () => assert.equal((await call('GET', path)).status, 200));
    const w = await openWatch(path);
    const current = (await call('GET', `${CRDS}/changes.watch.example.com`)).body;
    const updated = crd('changes', ['v1', 'v2']);
    assert.equal((await call('PUT', `${CRDS}/changes.watch.example.com`, { ...updated, metadata: current.metadata })).status, 200);
    await ends(w);
    await eventually(async () => assert.equal((await call('GET', '/apis/watch.example.com/v2/namespaces/default/changes')).status, 200));
    const again = await openWatch(path);
    again.abort();
  });
});
