import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

// NamespaceLifecycle's question on every namespaced create (namespaceState): answered from the
// namespaces' watch cache when it can be, with the same answers as storage gives, at once.
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${tc.api.url}${path}`, {
    method, headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

describe('namespaceState', () => {
  it('a create right after its namespace is created, marked for deletion, finalized: allowed, 403, 404', async () => {
    // the first namespaced create starts the namespaces' cache; a missing namespace is a 404 either way
    let r = await call('POST', '/api/v1/namespaces/nsstate/configmaps', cm('early'));
    assert.equal(r.status, 404, JSON.stringify(r.body));
    assert.equal(r.body.message, 'namespaces "nsstate" not found');
    assert.equal((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nsstate' } })).status, 201);
    r = await call('POST', '/api/v1/namespaces/nsstate/configmaps', cm('one'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // kubernetes' finalizer holds it Terminating (no namespace controller runs here)
    assert.equal((await call('DELETE', '/api/v1/namespaces/nsstate')).status, 200);
    r = await call('POST', '/api/v1/namespaces/nsstate/configmaps', cm('two'));
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.message, 'configmaps "two" is forbidden: unable to create new content in namespace nsstate because it is being terminated');
    const ns = (await call('GET', '/api/v1/namespaces/nsstate')).body;
    assert.equal((await call('PUT', '/api/v1/namespaces/nsstate/finalize', { ...ns, spec: { finalizers: [] } })).status, 200);
    r = await call('POST', '/api/v1/namespaces/nsstate/configmaps', cm('three'));
    assert.equal(r.status, 404, JSON.stringify(r.body));
  });
});
