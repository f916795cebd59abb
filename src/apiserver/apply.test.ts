import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { strictYAMLError } from './apply.js';

// Server-side apply's first apply (it creates the object) and its field checks, as Kubernetes'
// FieldValidation conformance specs send them: YAML apply patches with fieldValidation=Strict.
let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

interface Reply { status: number; body: any; text: string; headers: Headers }

async function call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Reply> {
  const r = await fetch(`${tc.api.url}${path}`, {
    method, headers: { Authorization: 'Bearer t0k', 'Content-Type': contentType, Accept: 'application/json' }, body,
  });
  const text = await r.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body: parsed, text, headers: r.headers };
}

const apply = (path: string, yaml: string, query = 'fieldManager=field_validation_mgr&fieldValidation=Strict') =>
  call('PATCH', `${path}?${query}`, yaml, 'application/apply-patch+yaml');

const PORTS = {
  type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
  items: { type: 'object', required: ['containerPort', 'protocol'], properties: { containerPort: { type: 'integer', format: 'int32' }, name: { type: 'string' }, protocol: { type: 'string' } } },
};

/** crd creates a cluster-scoped CRD with one schema for both versions and waits until it is served. */
async function crd(plural: string, specSchema: Record<string, unknown>): Promise<string> {
  const group = 'apply.example.com';
  const schema = { openAPIV3Schema: { type: 'object', properties: { spec: specSchema } } };
  const r = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Cluster', names: { plural, singular: plural.slice(0, -1), kind: plural[0].toUpperCase() + plural.slice(1, -1), listKind: 'L' + plural },
      versions: [{ name: 'v1beta1', served: true, storage: true, schema }, { name: 'v1', served: true, storage: false, schema }],
    },
  }));
  assert.equal(r.status, 201, r.text);
  const path = `/apis/${group}/v1beta1/${plural}`;
  await eventually(async () => assert.equal((await call('GET', path)).status, 200));
  return path;
}

const body = (plural: string, rest: string, meta = '') => `
apiVersion: apply.example.com/v1beta1
kind: ${plural[0].toUpperCase() + plural.slice(1, -1)}
metadata:
  name: mytest${meta}
  finalizers:
  - test-finalizer
${rest}`;

describe('server-side apply of a custom resource', () => {
  it('creates a valid object (201) and a second apply merges into it (200)', async () => {
    const path = await crd('valids', { type: 'object', properties: { foo: { type: 'string' }, ports: PORTS } });
    const r = await apply(`${path}/mytest`, body('valids', 'spec:\n  foo: foo1\n  ports:\n  - name: x\n    containerPort: 80\n    protocol: TCP'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.spec.foo, 'foo1');
    assert.equal(r.body.metadata.name, 'mytest');
    const got = await call('GET', `${path}/mytest`);
    assert.deepEqual(got.body.spec.ports, [{ name: 'x', containerPort: 80, protocol: 'TCP' }]);
    const again = await apply(`${path}/mytest`, body('valids', 'spec:\n  foo: foo2'));
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.spec.foo, 'foo2');
  });

  it('an unknown field is "field not declared in schema", with the object and kind named', async () => {
    const path = await crd('extras', { type: 'object', properties: { foo: { type: 'string' } } });
    const r = await apply(`${path}/mytest`, body('extras', 'unknownField: unknown\nspec:\n  foo: foo1'));
    assert.equal(r.status, 500, r.text);
    assert.equal(r.body.message, 'failed to create typed patch object (/mytest; apply.example.com/v1beta1, Kind=Extra): .unknownField: field not declared in schema');
    // whatever fieldValidation says: the field manager cannot type the patch
    const ignored = await apply(`${path}/mytest`, body('extras', 'unknownField: unknown'), 'fieldManager=m&fieldValidation=Ignore');
    assert.equal(ignored.status, 500);
    assert.equal((await call('GET', `${path}/mytest`)).status, 404);
  });

  it('unknown metadata fields, at the root and in an embedded resource, are each named', async () => {
    const path = await crd('metas', {
      type: 'object', 'x-kubernetes-preserve-unknown-fields': true,
      properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { metadata: { type: 'object', properties: { name: { type: 'string' } } }, spec: { type: 'object' } } } },
    });
    const r = await apply(`${path}/mytest`, body('metas', 'spec:\n  template:\n    kind: Sub\n    metadata:\n        unknownSubMeta: unknown\n        name: subobject', '\n  unknownMeta: unknown'));
    assert.equal(r.status, 500, r.text);
    assert.match(r.body.message, /: errors:\n {2}\.metadata\.unknownMeta: field not declared in schema\n/);
    assert.match(r.body.message, /\n {2}\.spec\.template\.metadata\.unknownSubMeta: field not declared in schema/);
  });

  it('a preserve-unknown-fields schema keeps unknown fields, but a duplicate key is a strict decoding error at its line', async () => {
    const path = await crd('dups', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { foo: { type: 'string' } } });
    const dup = body('dups', 'spec:\n  unknown: uk1\n  foo: foo1\n  foo: foo2');
    const r = await apply(`${path}/mytest`, dup);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.message, 'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 11: key "foo" already set in map');
    // the raw body carries it JSON-escaped, as the conformance spec looks for it
    assert.ok(r.text.includes('line 11: key \\"foo\\" already set in map'));
    const warn = await apply(`${path}/mytest`, dup, 'fieldManager=m&fieldValidation=Warn');
    assert.equal(warn.status, 201, warn.text);
    assert.equal(warn.body.spec.foo, 'foo2', 'the last of the repeated keys wins');
    assert.equal(warn.body.spec.unknown, 'uk1');
    assert.match(warn.headers.get('warning') ?? '', /key \\?"foo\\?" already set in map/);
  });

  it('fieldManager is required; apiVersion, kind and name must be the URL\'s', async () => {
    const path = await crd('checks', { type: 'object', properties: { foo: { type: 'string' } } });
    const noManager = await apply(`${path}/mytest`, body('checks', 'spec: {}'), 'fieldValidation=Strict');
    assert.equal(noManager.status, 422);
    assert.equal(noManager.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const wrongVersion = await apply(`${path}/mytest`, body('checks', 'spec: {}').replace('v1beta1', 'v1'));
    assert.equal(wrongVersion.status, 400);
    assert.equal(wrongVersion.body.message, 'Incorrect version specified in apply patch. Specified patch version: apply.example.com/v1, expected: apply.example.com/v1beta1');
    const wrongName = await apply(`${path}/other`, body('checks', 'spec: {}'));
    assert.equal(wrongName.status, 400);
    assert.equal(wrongName.body.message, 'the name of the object (mytest) does not match the name on the URL (other)');
  });
});

describe('server-side apply of a built-in kind', () => {
  it('creates a ConfigMap; an unknown field is not declared in its schema', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const ok = await apply(`${path}/applied`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n');
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.metadata.namespace, 'default');
    const bad = await apply(`${path}/bad`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\nspec:\n  a: 1\n');
    assert.equal(bad.status, 500);
    assert.equal(bad.body.message, 'failed to create typed patch object (default/bad; /v1, Kind=ConfigMap): .spec: field not declared in schema');
  });
});

describe('strictYAMLError', () => {
  it('lists every repeated key with its 1-based line; none for a clean document', () => {
    assert.equal(strictYAMLError('a: 1\nb:\n  c: 1\n  c: 2\na: 3\n'),
      'error converting YAML to JSON: yaml: unmarshal errors:\n  line 4: key "c" already set in map\n  line 5: key "a" already set in map');
    assert.equal(strictYAMLError('a: 1\nb: 2\n'), undefined);
  });
});
