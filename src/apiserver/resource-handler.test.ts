import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

// The generic REST handler over HTTP, as kubectl and client-go call it: each verb's status code,
// Status reason and message (Kubernetes' words), and what reached storage.
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

interface Reply { status: number; body: any; headers: Headers }

/** call sends one request as the admin; a string body is sent as it is. */
async function call(method: string, path: string, body?: unknown, o: { contentType?: string; accept?: string } = {}): Promise<Reply> {
  const r = await fetch(`${tc.api.url}${path}`, {
    method, headers: { Authorization: 'Bearer t0k', 'Content-Type': o.contentType ?? 'application/json', Accept: o.accept ?? 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body: parsed, headers: r.headers };
}

const CMS = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'rh' } }, data: { a: '1' }, ...extra });
/** failure checks a Status reply: code, reason, message. */
function failure(r: Reply, status: number, reason: string, message: string | RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'Status');
  assert.equal(r.body.status, 'Failure');
  assert.equal(r.body.reason, reason);
  assert.equal(r.body.code, status);
  if (typeof message === 'string') assert.equal(r.body.message, message);
  else assert.match(r.body.message, message);
}

describe('create', () => {
  it('201 with the stored object; a second create is AlreadyExists; a name in the URL is 405', async () => {
    const r = await call('POST', CMS, cm('one'));
    assert.equal(r.status, 201);
    assert.deepEqual([r.body.metadata.namespace, typeof r.body.metadata.uid, typeof r.body.metadata.resourceVersion, typeof r.body.metadata.creationTimestamp], ['default', 'string', 'string', 'string']);
    failure(await call('POST', CMS, cm('one')), 409, 'AlreadyExists', 'configmaps "one" already exists');
    failure(await call('POST', `${CMS}/one`, cm('one')), 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  });

  it('the body must agree with the URL: namespace and kind; the namespace must exist', async () => {
    failure(await call('POST', CMS, { ...cm('x'), metadata: { name: 'x', namespace: 'other' } }), 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    failure(await call('POST', CMS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), 400, 'BadRequest', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: the kind in the data (Secret) does not match the expected kind (ConfigMap)');
    failure(await call('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x')), 404, 'NotFound', 'namespaces "nowhere" not found');
  });

  it('fieldValidation: Strict refuses unknown fields, Warn stores and warns; dryRun=All stores nothing', async () => {
    failure(await call('POST', `${CMS}?fieldValidation=Strict`, cm('strict', { extra: 1 })), 400, 'BadRequest', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra"');
    const warn = await call('POST', `${CMS}?fieldValidation=Warn`, cm('warn', { extra: 1 }));
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"extra\\""');
    assert.equal(warn.body.extra, undefined);
    const dry = await call('POST', `${CMS}?dryRun=All`, cm('dry'));
    assert.deepEqual([dry.status, dry.body.metadata.name], [201, 'dry']);
    failure(await call('GET', `${CMS}/dry`), 404, 'NotFound', 'configmaps "dry" not found');
  });
});

describe('read', () => {
  before(async () => {
    for (const n of ['p1', 'p2', 'p3']) assert.equal((await call('POST', CMS, cm(n, { metadata: { name: n, labels: { page: 'yes' } } }))).status, 201);
  });

  it('unknown resources and cluster-scoped ones under a namespace are 404', async () => {
    failure(await call('GET', '/api/v1/namespaces/default/widgets'), 404, 'NotFound', 'the server could not find the requested resource');
    failure(await call('GET', '/api/v1/namespaces/default/nodes'), 404, 'NotFound', 'the server could not find the requested resource');
    failure(await call('GET', `${CMS}/ghost`), 404, 'NotFound', 'configmaps "ghost" not found');
  });

  it('lists page with limit and continue, with the label selector applied; a bad selector is 400', async () => {
    const names: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const r = await call('GET', `${CMS}?labelSelector=page%3Dyes&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, 'ConfigMapList');
      names.push(...r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      cont = r.body.metadata.continue ?? '';
      pages++;
    } while (cont);
    assert.deepEqual([names, pages], [['p1', 'p2', 'p3'], 2]);
    failure(await call('GET', `${CMS}?labelSelector=page%20in`), 400, 'BadRequest', "unable to parse requirement: found '' expected: '('");
  });

  it('Accept as=Table answers a meta.k8s.io/v1 Table with the kind\'s columns', async () => {
    const r = await call('GET', `${CMS}?labelSelector=page%3Dyes`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.kind, r.body.apiVersion], ['Table', 'meta.k8s.io/v1']);
    assert.deepEqual(r.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Data', 'Age']);
    assert.deepEqual(r.body.rows.map((row: { cells: unknown[] }) => row.cells.slice(0, 2)), [['p1', 1], ['p2', 1], ['p3', 1]]);
    assert.equal(r.body.rows[0].object.kind, 'PartialObjectMetadata');
  });

  it('watch streams what happens after the list\'s resourceVersion', async () => {
    const list = await call('GET', `${CMS}?labelSelector=watched%3Dyes`);
    const ac = new AbortController();
    const res = await fetch(`${tc.api.url}${CMS}?watch=1&labelSelector=watched%3Dyes&resourceVersion=${list.body.metadata.resourceVersion}`, { headers: { Authorization: 'Bearer t0k' }, signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await call('POST', CMS, cm('w1', { metadata: { name: 'w1', labels: { watched: 'yes' } } }));
    await call('DELETE', `${CMS}/w1`);
    let buf = '';
    const events: string[] = [];
    while (events.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        events.push(`${ev.type} ${ev.object.metadata.name}`);
      }
    }
    ac.abort();
    assert.deepEqual(events, ['ADDED w1', 'DELETED w1']);
  });
});

describe('update and patch', () => {
  before(async () => { assert.equal((await call('POST', CMS, cm('up'))).status, 201); });

  it('PUT needs the current resourceVersion and the URL\'s name', async () => {
    const cur = (await call('GET', `${CMS}/up`)).body;
    const r = await call('PUT', `${CMS}/up`, { ...cur, data: { a: '2' } });
    assert.deepEqual([r.status, r.body.data], [200, { a: '2' }]);
    assert.notEqual(r.body.metadata.resourceVersion, cur.metadata.resourceVersion);
    failure(await call('PUT', `${CMS}/up`, { ...cur, data: { a: '3' } }), 409, 'Conflict', 'Operation cannot be fulfilled on configmaps "up": the object has been modified; please apply your changes to the latest version and try again');
    failure(await call('PUT', `${CMS}/up`, cm('other')), 400, 'BadRequest', 'the name of the object (other) does not match the name on the URL (up)');
  });

  it('merge, JSON and strategic merge patches apply; other media types are 415; a failed JSON patch test is 422', async () => {
    let r = await call('PATCH', `${CMS}/up`, { data: { b: 'merge' } }, { contentType: 'application/merge-patch+json' });
    assert.deepEqual(r.body.data, { a: '2', b: 'merge' });
    r = await call('PATCH', `${CMS}/up`, [{ op: 'remove', path: '/data/a' }], { contentType: 'application/json-patch+json' });
    assert.deepEqual(r.body.data, { b: 'merge' });
    r = await call('PATCH', `${CMS}/up`, { metadata: { labels: { extra: 'sm' } } }, { contentType: 'application/strategic-merge-patch+json' });
    assert.deepEqual(r.body.metadata.labels, { app: 'rh', extra: 'sm' });
    // go-restful's route refuses a body of a type PATCH does not consume; a bodiless one reaches the handler, which lists them
    failure(await call('PATCH', `${CMS}/up`, '{"data":{}}', { contentType: 'text/plain' }), 415, 'UnsupportedMediaType', '415: Unsupported Media Type');
    failure(await call('PATCH', `${CMS}/up`, '', { contentType: 'text/plain' }), 415, 'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml');
    failure(await call('PATCH', `${CMS}/up`, [{ op: 'test', path: '/data/b', value: 'nope' }], { contentType: 'application/json-patch+json' }), 422, 'Invalid', /.*/);
    assert.deepEqual((await call('GET', `${CMS}/up`)).body.data, { b: 'merge' }, 'a failed patch changes nothing');
    failure(await call('PATCH', `${CMS}/ghost`, { data: {} }, { contentType: 'application/merge-patch+json' }), 404, 'NotFound', 'configmaps "ghost" not found');
  });

  it('a patch result the decoder refuses is 422 on the field patch quoting the patched object, unknown fields included', async () => {
    await call('POST', CMS, cm('strict'));
    const r = await call('PATCH', `${CMS}/strict?fieldValidation=Strict`, { bogus: 1, data: { b: '2' } }, { contentType: 'application/merge-patch+json' });
    failure(r, 422, 'Invalid', /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "bogus"$/s);
    // the quoted object is the patch's result before the field check dropped the unknown field
    const quoted = JSON.parse(JSON.parse(/Invalid value: (".*"): strict/s.exec(r.body.message)![1]) as string);
    assert.equal(quoted.bogus, 1);
    assert.deepEqual(quoted.data, { a: '1', b: '2' });
    assert.equal(quoted.metadata.name, 'strict');
    assert.deepEqual((await call('GET', `${CMS}/strict`)).body.data, { a: '1' }, 'nothing is written');
  });

  it('a strategic merge patch result that does not convert quotes the patch as %+v with the unstructured converter\'s words (kubectl edit)', async () => {
    await call('POST', CMS, cm('smp'));
    let r = await call('PATCH', `${CMS}/smp?fieldValidation=Strict`, { data: { b: 2 }, metadata: { labels: { x: 'y' } } }, { contentType: 'application/strategic-merge-patch+json' });
    failure(r, 422, 'Invalid', ' "" is invalid: patch: Invalid value: "map[data:map[b:2] metadata:map[labels:map[x:y]]]": cannot convert int64 to string');
    r = await call('PATCH', `${CMS}/smp?fieldValidation=Strict`, { bogus: true, data: { b: '2' } }, { contentType: 'application/strategic-merge-patch+json' });
    failure(r, 422, 'Invalid', ' "" is invalid: patch: Invalid value: "map[bogus:true data:map[b:2]]": strict decoding error: unknown field "bogus"');
    assert.deepEqual((await call('GET', `${CMS}/smp`)).body.data, { a: '1' }, 'nothing is written');
  });
});

describe('delete', () => {
  it('one object: the object back (not for events); again 404; a collection by label: the list of what went', async () => {
    for (const n of ['d1', 'd2', 'd3']) await call('POST', CMS, cm(n, { metadata: { name: n, labels: { gone: 'soon' } } }));
    let r = await call('DELETE', `${CMS}/d1`);
    assert.deepEqual([r.status, r.body.kind, r.body.metadata.name], [200, 'ConfigMap', 'd1']);
    failure(await call('DELETE', `${CMS}/d1`), 404, 'NotFound', 'configmaps "d1" not found');
    r = await call('DELETE', `${CMS}?labelSelector=gone%3Dsoon`);
    assert.deepEqual([r.status, r.body.kind, r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)], [200, 'ConfigMapList', ['d2', 'd3']]);
    assert.deepEqual((await call('GET', `${CMS}?labelSelector=gone%3Dsoon`)).body.items, []);

    await call('POST', '/api/v1/namespaces/default/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'm' });
    r = await call('DELETE', '/api/v1/namespaces/default/events/ev1');
    assert.deepEqual([r.status, r.body.kind, r.body.status, r.body.details?.name], [200, 'Status', 'Success', 'ev1']);
  });

  it('a finalizer holds the object: 202 Accepted, deletionTimestamp set, gone once the finalizer is removed', async () => {
    await call('POST', CMS, cm('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } }));
    let r = await call('DELETE', `${CMS}/held`);
    assert.equal(r.status, 202);
    assert.equal(typeof (await call('GET', `${CMS}/held`)).body.metadata.deletionTimestamp, 'string');
    r = await call('PATCH', `${CMS}/held`, { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
    assert.equal(r.status, 200);
    failure(await call('GET', `${CMS}/held`), 404, 'NotFound', 'configmaps "held" not found');
  });
});
