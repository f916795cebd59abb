import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from '../apimachinery/protobuf/decode.js';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const CLIENT_GO = `${PROTOBUF}, application/json`;
const CMS = '/api/v1/namespaces/default/configmaps';

/** Protobuf responses: what client-go's typed clients ask for first. */
describe('protobuf responses', () => {
  let tc: TestCluster;
  before(async () => {
    tc = await startTestCluster();
    await tc.client.create({ group: '', version: 'v1', plural: 'configmaps', namespaced: true }, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { app: 'x' } }, data: { k: 'v' } });
  });
  after(() => tc.close());

  const get = async (path: string, accept: string) => {
    const r = await fetch(`${tc.api.url}${path}`, { headers: { Authorization: 'Bearer t0k', Accept: accept } });
    return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
  };

  it('serves an object and a list as protobuf that decode to the JSON answer', async () => {
    for (const path of [`${CMS}/one`, `${CMS}?labelSelector=app%3Dx`]) {
      const pb = await get(path, CLIENT_GO);
      assert.equal(pb.status, 200);
      assert.equal(pb.type, PROTOBUF);
      const json = JSON.parse((await get(path, 'application/json')).body.toString());
      const decoded = decodeKubernetesProtobuf(pb.body).object as Record<string, any>;
      // A protobuf list's items carry no apiVersion/kind (the list's type says it), as Kubernetes'.
      if (Array.isArray(json.items)) json.items = json.items.map(({ apiVersion: _a, kind: _k, ...rest }: Record<string, unknown>) => rest);
      assert.deepEqual(decoded, json);
    }
  });

  it('serves errors as a protobuf Status', async () => {
    const r = await get(`${CMS}/missing`, CLIENT_GO);
    assert.equal(r.status, 404);
    assert.equal(r.type, PROTOBUF);
    const status = decodeKubernetesProtobuf(r.body).object as Record<string, unknown>;
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'NotFound');
    assert.equal(status.message, 'configmaps "missing" not found');
    assert.equal(status.code, 404);
  });

  it('falls back to JSON for a kind without a protobuf message, and answers 406 when only protobuf is acceptable', async () => {
    // tskube has no protobuf messages for apiextensions.k8s.io (custom resources are JSON-only in Kubernetes too).
    const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    const both = await get(crds, CLIENT_GO);
    assert.equal(both.status, 200);
    assert.equal(both.type, 'application/json');
    assert.equal(JSON.parse(both.body.toString()).kind, 'CustomResourceDefinitionList');
    const only = await get(crds, PROTOBUF);
    assert.equal(only.status, 406);
    assert.match(JSON.parse(only.body.toString()).message, /cannot be encoded to a protobuf message/);
  });

  it('streams a watch as length-prefixed WatchEvent frames', async () => {
    const ac = new AbortController();
    const r = await fetch(`${tc.api.url}${CMS}?watch=1&labelSelector=app%3Dx`, { headers: { Authorization: 'Bearer t0k', Accept: CLIENT_GO }, signal: ac.signal });
    assert.equal(r.headers.get('content-type'), `${PROTOBUF};stream=watch`);
    const reader = r.body!.getReader();
    let buf = Buffer.alloc(0);
    while (buf.length < 4 || buf.length < 4 + buf.readUInt32BE(0)) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'stream ended before a whole frame');
      buf = Buffer.concat([buf, Buffer.from(value)]);
    }
    ac.abort();
    const frame = buf.subarray(4, 4 + buf.readUInt32BE(0));
    // WatchEvent{1: type, 2: RawExtension{1: raw}}: the raw object starts with the protobuf magic.
    const typeLen = frame[1];
    assert.equal(frame.subarray(2, 2 + typeLen).toString(), 'ADDED');
    const magic = frame.indexOf(Buffer.from('k8s\0'));
    assert.ok(magic > 0);
    const cm = decodeKubernetesProtobuf(frame.subarray(magic)).object as Record<string, any>;
    assert.equal(cm.kind, 'ConfigMap');
    assert.equal(cm.metadata.name, 'one');
    assert.deepEqual(cm.data, { k: 'v' });
  });
});
