import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKubernetesProtobuf } from '../apimachinery/protobuf/encode.js';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const CMS = '/api/v1/namespaces/default/configmaps';

/** Protobuf request bodies beyond POST: client-go's typed clients send them for every verb. */
describe('protobuf request bodies', () => {
  let tc: TestCluster;
  before(async () => { tc = await startTestCluster(); });
  after(() => tc.close());

  const call = async (method: string, path: string, body?: Buffer) => {
    const r = await fetch(`${tc.api.url}${path}`, {
      method, body: body ? new Uint8Array(body) : undefined, headers: { Authorization: 'Bearer t0k', Accept: 'application/json', ...(body ? { 'Content-Type': PROTOBUF } : {}) },
    });
    return { status: r.status, body: await r.json() as Record<string, any> };
  };

  it('creates and updates a ConfigMap from protobuf bodies (POST, PUT)', async () => {
    const created = await call('POST', CMS, encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb' }, data: { a: '1' } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const put = await call('PUT', `${CMS}/pb`, encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb', resourceVersion: created.body.metadata.resourceVersion }, data: { a: '2' } }));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.data, { a: '2' });
  });

  it('deletes with a protobuf DeleteOptions body, honouring its preconditions', async () => {
    const cm = await call('GET', `${CMS}/pb`);
    const wrongUID = await call('DELETE', `${CMS}/pb`, encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'not-it' } }));
    assert.equal(wrongUID.status, 409, JSON.stringify(wrongUID.body));
    assert.match(wrongUID.body.message, /Precondition failed: UID in precondition: not-it/);
    const ok = await call('DELETE', `${CMS}/pb`, encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background', preconditions: { uid: cm.body.metadata.uid } }));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await call('GET', `${CMS}/pb`)).status, 404);
  });

  it('refuses a protobuf body that is not DeleteOptions, and garbage, with a 400', async () => {
    const wrong = await call('DELETE', `${CMS}/x`, encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
    assert.equal(wrong.status, 400);
    const junk = await call('DELETE', `${CMS}/x`, Buffer.from('k8s\0\xff\xff'));
    assert.equal(junk.status, 400);
  });
});
