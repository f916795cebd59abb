import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openapiV2Document, openapiV3Document, openapiV3Index } from './index.js';
import { groupOperationPrefix } from './paths.js';
import { testResources } from './test-resources.js';

type Schema = Record<string, any>;

test('v3 index lists each served group/version with its document hash', () => {
  const defs = testResources();
  const idx = openapiV3Index(defs);
  assert.deepEqual(Object.keys(idx.paths), ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/coordination.k8s.io/v1']);
  const doc = openapiV3Document('apps', 'v1', defs)!;
  assert.match(doc.hash, /^[0-9A-F]{128}$/);
  assert.equal(idx.paths['apis/apps/v1'].serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${doc.hash}`);
  assert.equal(openapiV3Document('apps', 'v1', defs), doc, 'cached per definition list');
  assert.equal(openapiV3Document('extensions', 'v1beta1', defs), undefined);
});

test('v3 document carries schemas, descriptions, kinds and patch extensions kubectl needs', () => {
  const doc = JSON.parse(openapiV3Document('', 'v1', testResources())!.body) as Schema;
  assert.equal(doc.openapi, '3.0.0');
  const s = doc.components.schemas as Record<string, Schema>;
  const pod = s['io.k8s.api.core.v1.Pod'];
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(pod.properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
  const containers = s['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(containers.items, { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }], default: {} });
  assert.ok(s['io.k8s.api.core.v1.PodSpec'].required.includes('containers'));
  assert.match(s['io.k8s.api.core.v1.Container'].properties.livenessProbe.description, /Periodic probe of container liveness/);
  assert.ok(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'], 'referenced definitions are included');
  assert.ok(s['io.k8s.api.autoscaling.v1.Scale'], 'scale subresource schema is included');
  assert.equal(s['io.k8s.api.apps.v1.Deployment'], undefined, 'other groups are not');
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods'].post);
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].get.operationId, 'readCoreV1NamespacedPod');
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch);
  assert.ok(doc.paths['/api/v1/pods'].get);
  assert.ok(doc.paths['/api/v1/nodes/{name}'].get);
});

test('v2 document uses definitions and plain refs', () => {
  const doc = openapiV2Document(testResources()) as Schema;
  assert.equal(doc.swagger, '2.0');
  assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment'].properties.spec, {
    description: doc.definitions['io.k8s.api.apps.v1.Deployment'].properties.spec.description,
    $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec',
  });
  assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put);
});

test('operation ids use Kubernetes group prefixes', () => {
  assert.equal(groupOperationPrefix('', 'v1'), 'CoreV1');
  assert.equal(groupOperationPrefix('rbac.authorization.k8s.io', 'v1'), 'RbacAuthorizationV1');
  assert.equal(groupOperationPrefix('autoscaling', 'v2'), 'AutoscalingV2');
});

test('v2 protobuf starts with the swagger version and carries definitions and extensions', async () => {
  const { openapiV2Protobuf } = await import('./index.js');
  const defs = testResources();
  const b = openapiV2Protobuf(defs);
  assert.deepEqual([...b.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]); // field 1, "2.0"
  const text = b.toString('latin1');
  assert.ok(text.includes('io.k8s.api.core.v1.Pod'));
  assert.ok(text.includes('x-kubernetes-group-version-kind'));
  assert.equal(openapiV2Protobuf(defs), b, 'cached');
});

test('v3 documents are kept as ASCII text that parses to the same document', async () => {
  const { asciiJSON } = await import('./index.js');
  const value = { d: 'the CSI volume plugin’s “name” — é 😀', n: 1, a: ['x'] };
  const text = asciiJSON(value);
  assert.match(text, /^[\x00-\x7f]*$/);
  assert.deepEqual(JSON.parse(text), value);
  // The real core/v1 document: its CSI volume descriptions carry a typographic apostrophe.
  const { allResources } = await import('../../api/registry.js');
  const body = openapiV3Document('', 'v1', allResources)!.body;
  assert.match(body, /^[\x00-\x7f]*$/);
  const s = (JSON.parse(body) as Schema).components.schemas as Record<string, Schema>;
  assert.match(s['io.k8s.api.core.v1.CSIPersistentVolumeSource'].properties.volumeHandle.description, /plugin’s/);
});
