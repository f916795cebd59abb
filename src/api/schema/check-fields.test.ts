import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFields, goTypeName, illegalBase64At, quantityError } from './check-fields.js';
import { duplicateFieldPaths } from './duplicate-fields.js';
import { definitionForKind, getDefinition } from './model.js';

const badPod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unknown-field' },
  spec: { containers: [{ name: 'nginx', image: 'nginx', imagePullPolicyy: 'Always' }], restartPolicyX: 'Never' },
};

test('Strict: unknown fields become one strict decoding error, in document order', () => {
  const r = checkFields('', 'v1', 'Pod', structuredClone(badPod), 'Strict');
  assert.equal(r.error, 'strict decoding error: unknown field "spec.containers[0].imagePullPolicyy", unknown field "spec.restartPolicyX"');
  assert.deepEqual(r.warnings, []);
});

test('Warn: each unknown field is a warning; Ignore: nothing', () => {
  assert.deepEqual(checkFields('', 'v1', 'Pod', structuredClone(badPod), 'Warn'), {
    warnings: ['unknown field "spec.containers[0].imagePullPolicyy"', 'unknown field "spec.restartPolicyX"'],
  });
  assert.deepEqual(checkFields('', 'v1', 'Pod', structuredClone(badPod), 'Ignore'), { warnings: [] });
});

test('the object is left as Go decodes it: unknown fields dropped, null fields unset', () => {
  const pod = structuredClone(badPod) as Record<string, unknown>;
  checkFields('', 'v1', 'Pod', pod, 'Warn');
  assert.deepEqual(pod, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unknown-field' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
  const cm = { metadata: { name: 'a', labels: null, __proto__x: 1 }, data: null };
  checkFields('', 'v1', 'ConfigMap', cm, 'Ignore');
  assert.deepEqual(cm, { metadata: { name: 'a' } });
});

// Before: the null stayed, and validation crashed reading `.values` of it (a 500 for the request).
test('a null inside a list or map becomes the element type\'s zero value', () => {
  const rs = {
    spec: {
      selector: { matchLabels: { app: null }, matchExpressions: [null, { key: 'legacy', operator: 'DoesNotExist' }] },
      template: { spec: { containers: [null, { name: 'c', args: ['a', null], ports: [null], resources: { limits: { cpu: null } } }] } },
    },
    metadata: { ownerReferences: [null], finalizers: [null], annotations: { a: null } },
  };
  assert.deepEqual(checkFields('apps', 'v1', 'ReplicaSet', rs, 'Strict'), { warnings: [] });
  assert.deepEqual(rs, {
    spec: {
      selector: { matchLabels: { app: '' }, matchExpressions: [{}, { key: 'legacy', operator: 'DoesNotExist' }] },
      template: { spec: { containers: [{}, { name: 'c', args: ['a', ''], ports: [{}], resources: { limits: { cpu: '0' } } }] } },
    },
    metadata: { ownerReferences: [{}], finalizers: [''], annotations: { a: '' } },
  });
});

test('free-form fields (RawExtension) may not nest deeper than MAX_JSON_DEPTH', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 5000; i++) deep = { a: deep };
  assert.equal(checkFields('apps', 'v1', 'ControllerRevision', { revision: 1, data: deep }, 'Strict').error,
    "couldn't get version/kind; json parse error: invalid character '{' exceeded max depth");
  assert.equal(checkFields('apps', 'v1', 'ControllerRevision', { revision: 1, data: { a: { b: [1, { c: 2 }] } } }, 'Strict').error, undefined);
  // an over-deep unknown field is dropped, as Go's decoder drops it, without being walked
  const cm = { metadata: { name: 'a' }, extra: deep };
  assert.deepEqual(checkFields('', 'v1', 'ConfigMap', cm, 'Warn'), { warnings: ['unknown field "extra"'] });
  assert.deepEqual(cm, { metadata: { name: 'a' } });
});

test('a valid deployment with metadata, status, quantities and int-or-string passes', () => {
  const d = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'nginx', labels: { app: 'nginx' }, creationTimestamp: null, annotations: { a: 'b' } },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'n', image: 'nginx', ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '100m', memory: '128Mi' }, requests: { cpu: 0.5 } },
          livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 } }] },
      },
    },
    status: { replicas: 3, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-01T00:00:00Z' }] },
  };
  assert.deepEqual(checkFields('apps', 'v1', 'Deployment', d, 'Strict'), { warnings: [] });
});

test('unknown fields in metadata and status are reported too', () => {
  const r = checkFields('', 'v1', 'ConfigMap', { metadata: { nam: 'x' }, data: {}, statusx: 1 }, 'Strict');
  assert.equal(r.error, 'strict decoding error: unknown field "metadata.nam", unknown field "statusx"');
  const p = checkFields('', 'v1', 'Pod', { status: { phasee: 'Running' } }, 'Strict');
  assert.equal(p.error, 'strict decoding error: unknown field "status.phasee"');
});

test('type errors use Go decoder wording and win over unknown fields, whatever the mode', () => {
  const d = { spec: { replicas: '3', foo: 1 } };
  const msg = 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32';
  assert.equal(checkFields('apps', 'v1', 'Deployment', d, 'Strict').error, msg);
  assert.equal(checkFields('apps', 'v1', 'Deployment', d, 'Ignore').error, msg);
  const port = { spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } };
  assert.equal(checkFields('', 'v1', 'Pod', port, 'Strict').error,
    'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32');
  assert.equal(checkFields('', 'v1', 'Pod', { spec: { containers: 'x' } }, 'Strict').error,
    'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
  assert.equal(checkFields('', 'v1', 'Pod', { spec: { containers: [{ image: 5 }] } }, 'Strict').error,
    'json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string');
  assert.equal(checkFields('apps', 'v1', 'Deployment', { spec: { replicas: 1.5 } }, 'Strict').error,
    'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(checkFields('', 'v1', 'ConfigMap', { metadata: { labels: { a: 1 } } }, 'Strict').error,
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
});

test('quantities must match the quantity grammar', () => {
  const pod = (cpu: unknown) => ({ spec: { containers: [{ name: 'a', resources: { limits: { cpu } } }] } });
  assert.equal(checkFields('', 'v1', 'Pod', pod('1.5Gi'), 'Strict').error, undefined);
  assert.match(checkFields('', 'v1', 'Pod', pod('lots'), 'Strict').error ?? '', /^quantities must match the regular expression/);
});

test('null decodes to zero values; unknown kinds pass', () => {
  assert.deepEqual(checkFields('', 'v1', 'Pod', { metadata: { labels: null }, spec: null }, 'Strict'), { warnings: [] });
  assert.deepEqual(checkFields('example.com', 'v1', 'Widget', { anything: 1 }, 'Strict'), { warnings: [] });
});

test('duplicate fields are found in raw JSON and reported', () => {
  const raw = '{"kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"x","image":"i","image":"j"}]}}';
  assert.deepEqual(duplicateFieldPaths(raw), ['metadata.name', 'spec.containers[0].image']);
  const r = checkFields('', 'v1', 'Pod', JSON.parse(raw), 'Strict', raw);
  assert.equal(r.error, 'strict decoding error: duplicate field "metadata.name", duplicate field "spec.containers[0].image"');
  assert.deepEqual(duplicateFieldPaths('{"a": [1, {"b": "x\\"y", "b": 2}], "c": true}'), ['a[1].b']);
  assert.deepEqual(duplicateFieldPaths('not json {'), []);
});

test('model: kinds, descriptions, formats and patch extensions', () => {
  const pod = definitionForKind('', 'v1', 'Pod');
  assert.equal(pod?.name, 'io.k8s.api.core.v1.Pod');
  assert.deepEqual(pod?.gvk, [{ group: '', version: 'v1', kind: 'Pod' }]);
  const c = getDefinition('io.k8s.api.core.v1.PodSpec')!.fields.get('containers')!;
  assert.equal(c.patchMergeKey, 'name');
  assert.equal(c.patchStrategy, 'merge');
  assert.equal(c.required, true);
  assert.deepEqual(c.type, { kind: 'array', items: { kind: 'ref', name: 'io.k8s.api.core.v1.Container' } });
  const probe = getDefinition('io.k8s.api.core.v1.Probe')!;
  assert.match(probe.description ?? '', /health check/);
  assert.deepEqual(probe.fields.get('periodSeconds')!.type, { kind: 'integer', format: 'int32' });
  assert.equal(getDefinition('io.k8s.api.core.v1.Container')!.fields.get('volumeMounts')!.patchMergeKey, 'mountPath');
  assert.equal(getDefinition('io.k8s.apimachinery.pkg.api.resource.Quantity')!.scalar, 'quantity');
  assert.equal(definitionForKind('autoscaling', 'v2', 'HorizontalPodAutoscaler')?.name, 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler');
  assert.equal(goTypeName({ kind: 'map', values: { kind: 'ref', name: 'io.k8s.apimachinery.pkg.api.resource.Quantity' } }), 'map[string]resource.Quantity');
});

test('[]byte fields decode as Go\'s base64.StdEncoding does: illegal data is refused with its position', () => {
  assert.equal(illegalBase64At('aGVsbG8='), undefined);
  assert.equal(illegalBase64At('aGVs\nbG8='), undefined);
  assert.equal(illegalBase64At('!!!!'), 0);
  assert.equal(illegalBase64At('aGVsbG8'), 4);
  assert.equal(illegalBase64At('YQ==YQ=='), 4);
  const r = checkFields('', 'v1', 'Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'not base64!' } }, 'Strict');
  assert.equal(r.error, 'illegal base64 data at input byte 3');
});

test('quantities: Go\'s ParseQuantity refuses a second decimal point and an unknown suffix', () => {
  assert.equal(quantityError('1.5Gi'), undefined);
  assert.equal(quantityError('100m'), undefined);
  assert.equal(quantityError('2e3'), undefined);
  assert.match(quantityError('1.5.3Gi')!, /^quantities must match the regular expression/);
  assert.equal(quantityError('1mi'), "unable to parse quantity's suffix");
});
