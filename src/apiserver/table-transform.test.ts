import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

// The Table transformation is offered only where a table convertor exists (kube-apiserver's
// AllowsMediaTypeTransform): stored resources print one; access reviews, which store nothing, answer
// 406 to a client that accepts nothing else (the conformance spec "Servers with support for Table
// transformation should return a 406 for a backend which does not implement metadata").
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

async function call(method: string, path: string, accept: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${tc.api.url}${path}`, {
    method, headers: { Authorization: 'Bearer t0k', 'Content-Type': 'application/json', Accept: accept },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

const ssar = {
  apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
  spec: { nonResourceAttributes: { path: '/', verb: 'get' } },
};

describe('Table transformation', () => {
  it('a SelfSubjectAccessReview asked for only as a Table is 406 NotAcceptable', async () => {
    const r = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', TABLE, ssar);
    assert.equal(r.status, 406);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'NotAcceptable');
    assert.equal(r.body.code, 406);
  });

  it('with JSON as a fallback the review is answered in JSON', async () => {
    const r = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', `${TABLE},application/json`, ssar);
    assert.equal(r.status, 201);
    assert.equal(r.body.kind, 'SelfSubjectAccessReview');
    assert.equal(r.body.status.allowed, true);
  });

  it('a stored resource is still served as a Table', async () => {
    const r = await call('GET', '/api/v1/namespaces', TABLE);
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, 'Table');
    assert.equal(r.body.columnDefinitions[0].name, 'Name');
  });
});
