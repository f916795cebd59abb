import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster.js';

// Server-side apply and managedFields through the real API server (in-process, memory store).
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

interface Reply { status: number; body: any; text: string }

async function call(method: string, path: string, body?: string, contentType = 'application/json', userAgent = 'handler-test/1.0'): Promise<Reply> {
  const r = await fetch(`${tc.api.url}${path}`, {
    method, headers: { Authorization: 'Bearer t0k', 'Content-Type': contentType, Accept: 'application/json', 'User-Agent': userAgent }, body,
  });
  const text = await r.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body: parsed, text };
}

const CM = '/api/v1/namespaces/default/configmaps';
const apply = (name: string, yaml: string, query = 'fieldManager=a') => call('PATCH', `${CM}/${name}?${query}`, yaml, 'application/apply-patch+yaml');
const cm = (name: string, data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('server-side apply requests', () => {
  it('refuses bodies that are not an object, lack apiVersion/kind or name another object, with 400s', async () => {
    const list = await apply('x', '[1, 2]');
    assert.equal(list.status, 400, list.text);
    assert.match(list.body.message, /^error decoding YAML/);
    const noKind = await apply('x', 'metadata:\n  name: x\n');
    assert.equal(noKind.status, 400, noKind.text);
    const other = await apply('x', cm('y', {}));
    assert.equal(other.status, 400);
    assert.equal(other.body.message, 'the name of the object (y) does not match the name on the URL (x)');
    assert.equal((await call('GET', `${CM}/x`)).status, 404);
  });

  it('answers a conflict with 409 Conflict and FieldManagerConflict causes; force=true takes the field', async () => {
    assert.equal((await apply('c1', cm('c1', { k: '1' }))).status, 201);
    const r = await apply('c1', cm('c1', { k: '2' }), 'fieldManager=b');
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.reason, 'Conflict');
    assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "a": .data.k');
    assert.deepEqual(r.body.details.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "a"', field: '.data.k' }]);
    const forced = await apply('c1', cm('c1', { k: '2' }), 'fieldManager=b&force=true');
    assert.equal(forced.status, 200, forced.text);
    assert.deepEqual(forced.body.metadata.managedFields.map((e: any) => e.manager), ['b']);
  });

  it('force belongs to apply; fieldManager may not be longer than 128 bytes', async () => {
    const merge = await call('PATCH', `${CM}/c1?force=true`, '{"data":{"z":"1"}}', 'application/merge-patch+json');
    assert.equal(merge.status, 422);
    assert.equal(merge.body.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const long = await call('POST', `${CM}?fieldManager=${'m'.repeat(129)}`, cm('long', {}));
    assert.equal(long.status, 422);
    assert.equal(long.body.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
  });

  it('a dry-run apply creates nothing; a status apply of a missing object is NotFound', async () => {
    const dry = await apply('dry', cm('dry', { a: '1' }), 'fieldManager=a&dryRun=All');
    assert.equal(dry.status, 201, dry.text);
    assert.equal(dry.body.metadata.managedFields[0].operation, 'Apply');
    assert.equal((await call('GET', `${CM}/dry`)).status, 404);
    const st = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/none/status?fieldManager=a',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: none\nstatus:\n  replicas: 1\n', 'application/apply-patch+yaml');
    assert.equal(st.status, 404, st.text);
  });
});

describe('managedFields on updates', () => {
  it('records creates, updates and patches under the fieldManager parameter or the User-Agent product', async () => {
    const created = await call('POST', CM, cm('u1', { a: '1' }), 'application/json', 'my-controller/v0.1 (linux/amd64)');
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.metadata.managedFields, [{
      manager: 'my-controller', operation: 'Update', apiVersion: 'v1', time: created.body.metadata.managedFields[0].time,
      fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
    }]);
    const patched = await call('PATCH', `${CM}/u1?fieldManager=editor`, '{"data":{"a":"2","b":"3"}}', 'application/merge-patch+json');
    assert.equal(patched.status, 200, patched.text);
    const byManager = Object.fromEntries(patched.body.metadata.managedFields.map((e: any) => [e.manager, e.fieldsV1]));
    assert.deepEqual(byManager, { 'my-controller': { 'f:data': {} }, editor: { 'f:data': { 'f:a': {}, 'f:b': {} } } });
  });

  it('honours managedFields a JSON patch writes (kubectl\'s client-side apply migration)', async () => {
    await call('POST', CM, cm('u2', { a: '1' }), 'application/json', 'kubectl-client-side-apply/v1.32.0');
    const entries = [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
    const r = await call('PATCH', `${CM}/u2?fieldManager=kubectl`, JSON.stringify([{ op: 'replace', path: '/metadata/managedFields', value: entries }]), 'application/json-patch+json');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.metadata.managedFields, entries);
    // and the next apply by kubectl prunes what it no longer applies
    const next = await apply('u2', cm('u2', { b: '2' }), 'fieldManager=kubectl');
    assert.deepEqual(next.body.data, { b: '2' });
  });

  it('status writes are their own entries, with subresource status', async () => {
    const dep = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    const created = await call('POST', '/apis/apps/v1/namespaces/default/deployments?fieldManager=creator', JSON.stringify(dep));
    assert.equal(created.status, 201, created.text);
    const st = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/d1/status?fieldManager=ctl',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d1\nstatus:\n  observedGeneration: 1\n', 'application/apply-patch+yaml');
    assert.equal(st.status, 200, st.text);
    const e = st.body.metadata.managedFields.find((x: any) => x.manager === 'ctl');
    assert.deepEqual({ op: e.operation, sub: e.subresource, f: e.fieldsV1 }, { op: 'Apply', sub: 'status', f: { 'f:status': { 'f:observedGeneration': {} } } });
    assert.equal(st.body.status.observedGeneration, 1);
  });
});

describe('apply and resourceVersion', () => {
  it('a resourceVersion in the configuration is a precondition (409 when stale); without one, apply just applies', async () => {
    const created = await apply('rv', cm('rv', { a: '1' }));
    assert.equal(created.status, 201, created.text);
    const stale = await apply('rv', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rv', resourceVersion: '1' }, data: { a: '2' } }));
    assert.equal(stale.status, 409, stale.text);
    const ok = await apply('rv', cm('rv', { a: '3' }));
    assert.equal(ok.status, 200, ok.text);
    assert.notEqual(ok.body.metadata.resourceVersion, created.body.metadata.resourceVersion);
  });
});
