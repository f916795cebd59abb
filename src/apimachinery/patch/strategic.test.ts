import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.js';
import { applyStrategicMergePatch } from './strategic.js';
import { patchSchemaFor } from './schema.js';

const deploySchema = patchSchemaFor('apps', 'Deployment');
const podSchema = patchSchemaFor('', 'Pod');

interface Case { name: string; schema?: ReturnType<typeof patchSchemaFor>; original: unknown; patch: unknown; want: unknown }

const podCases: Case[] = [
  {
    name: 'containers merge by name, untouched fields kept',
    original: { spec: { containers: [{ name: 'a', image: 'a:1', args: ['x'] }, { name: 'b', image: 'b:1' }] } },
    patch: { spec: { containers: [{ name: 'b', image: 'b:2' }] } },
    want: { spec: { containers: [{ name: 'a', image: 'a:1', args: ['x'] }, { name: 'b', image: 'b:2' }] } },
  },
  {
    name: 'new container appended',
    original: { spec: { containers: [{ name: 'a', image: 'a:1' }] } },
    patch: { spec: { containers: [{ name: 'c', image: 'c:1' }] } },
    want: { spec: { containers: [{ name: 'c', image: 'c:1' }, { name: 'a', image: 'a:1' }] } },
  },
  {
    name: '$patch: delete removes a container',
    original: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
    want: { spec: { containers: [{ name: 'b' }] } },
  },
  {
    name: '$patch: replace in a list replaces the whole list',
    original: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ name: 'c' }, { $patch: 'replace' }] } },
    want: { spec: { containers: [{ name: 'c' }] } },
  },
  {
    name: '$patch: replace in a map replaces the map',
    original: { spec: { nodeSelector: { a: '1', b: '2' } } },
    patch: { spec: { nodeSelector: { $patch: 'replace', c: '3' } } },
    want: { spec: { nodeSelector: { c: '3' } } },
  },
  {
    name: '$patch: delete in a map empties it',
    original: { spec: { nodeSelector: { a: '1' }, x: 1 } },
    patch: { spec: { nodeSelector: { $patch: 'delete' } } },
    want: { spec: { nodeSelector: {}, x: 1 } },
  },
  {
    name: 'nested merge lists: env by name, ports by containerPort, volumeMounts by mountPath',
    original: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ mountPath: '/d', name: 'v' }] }] } },
    patch: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }], ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ mountPath: '/e', name: 'w' }] }] } },
    want: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '3' }], ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }], volumeMounts: [{ mountPath: '/e', name: 'w' }, { mountPath: '/d', name: 'v' }] }] } },
  },
  {
    name: 'lists without a merge strategy are replaced (args, tolerations)',
    original: { spec: { tolerations: [{ key: 'a' }], containers: [{ name: 'a', args: ['1', '2'] }] } },
    patch: { spec: { tolerations: [{ key: 'b' }], containers: [{ name: 'a', args: ['3'] }] } },
    want: { spec: { tolerations: [{ key: 'b' }], containers: [{ name: 'a', args: ['3'] }] } },
  },
  {
    name: 'null deletes a key, nested maps merge, labels merge',
    original: { metadata: { labels: { a: '1', b: '2' }, annotations: { x: 'y' } }, spec: { restartPolicy: 'Always', nodeName: 'n' } },
    patch: { metadata: { labels: { b: null, c: '3' }, annotations: null }, spec: { nodeName: null, missing: null } },
    want: { metadata: { labels: { a: '1', c: '3' } }, spec: { restartPolicy: 'Always' } },
  },
  {
    name: 'finalizers merge as a set',
    original: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['b', 'c'] } },
    want: { metadata: { finalizers: ['a', 'b', 'c'] } },
  },
  {
    name: 'finalizers: item not in live list is placed before server-only items',
    original: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['c'] } },
    want: { metadata: { finalizers: ['c', 'a', 'b'] } },
  },
  {
    name: '$deleteFromPrimitiveList removes finalizers',
    original: { metadata: { finalizers: ['a', 'b', 'c'] } },
    patch: { metadata: { $deleteFromPrimitiveList: undefined, '$deleteFromPrimitiveList/finalizers': ['b', 'zz'] } },
    want: { metadata: { finalizers: ['a', 'c'] } },
  },
  {
    name: '$deleteFromPrimitiveList on a missing list adds nothing',
    original: { metadata: {} },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: { metadata: {} },
  },
  {
    name: 'ownerReferences merge by uid',
    original: { metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } },
    patch: { metadata: { ownerReferences: [{ uid: '1', controller: true }, { uid: '2', name: 'b' }] } },
    want: { metadata: { ownerReferences: [{ uid: '1', name: 'a', controller: true }, { uid: '2', name: 'b' }] } },
  },
  {
    name: 'conditions merge by type',
    original: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    want: { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } },
  },
  {
    name: 'new values lose nulls and directives',
    original: { spec: {} },
    patch: { spec: { affinity: { a: null, b: 1 }, containers: [{ name: 'a', x: null }, { name: 'gone', $patch: 'delete' }] } },
    want: { spec: { affinity: { b: 1 }, containers: [{ name: 'a' }] } },
  },
  {
    name: 'type change replaces the value',
    original: { spec: { x: 'str' } },
    patch: { spec: { x: { a: 1 } } },
    want: { spec: { x: { a: 1 } } },
  },
];

const deployCases: Case[] = [
  {
    name: 'kubectl apply patch with $setElementOrder/containers',
    schema: deploySchema,
    original: { spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } } } },
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } } } },
    want: { spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }] } } } },
  },
  {
    name: '$setElementOrder reorders and keeps server-only items after their predecessors',
    schema: deploySchema,
    original: { spec: { template: { spec: { containers: [{ name: '1' }, { name: '3', v: 3 }, { name: '4', v: 4 }, { name: '2', v: 2 }, { name: '9' }] } } } },
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: '4' }, { name: '2' }, { name: '3' }, { name: '1' }] } } } },
    want: { spec: { template: { spec: { containers: [{ name: '4', v: 4 }, { name: '2', v: 2 }, { name: '3', v: 3 }, { name: '1' }, { name: '9' }] } } } },
  },
  {
    name: '$setElementOrder with an added container',
    schema: deploySchema,
    original: { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } } } },
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'n' }, { name: 'b' }], containers: [{ name: 'n', image: 'x' }] } } } },
    want: { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'n', image: 'x' }, { name: 'b' }] } } } },
  },
  {
    name: '$setElementOrder for a primitive list',
    schema: deploySchema,
    original: { metadata: { finalizers: ['1', '4', '2'] } },
    patch: { metadata: { '$setElementOrder/finalizers': ['3', '1', '2'], finalizers: ['3'] } },
    want: { metadata: { finalizers: ['3', '1', '4', '2'] } },
  },
  {
    name: 'kubectl apply removing a container and an env var',
    schema: deploySchema,
    original: { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'b' }] } } } },
    patch: { spec: { template: { spec: {
      '$setElementOrder/containers': [{ name: 'a' }],
      containers: [{ name: 'a', '$setElementOrder/env': [{ name: 'Y' }], env: [{ name: 'X', $patch: 'delete' }] }, { name: 'b', $patch: 'delete' }],
    } } } },
    want: { spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }] } } } },
  },
  {
    name: 'container port deleted by its integer merge key',
    schema: deploySchema,
    original: { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 443 }] }] } } } },
    patch: { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, $patch: 'delete' }] }] } } } },
    want: { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 443 }] }] } } } },
  },
  {
    name: '$retainKeys clears the strategy fields not listed (kubectl apply Recreate)',
    schema: deploySchema,
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: { spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: 'cronjob jobTemplate containers merge by name',
    schema: patchSchemaFor('batch', 'CronJob'),
    original: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }] } } } } } },
    patch: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '2' }] } } } } } },
    want: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '2' }, { name: 'b' }] } } } } } },
  },
  {
    name: 'service ports merge by port',
    schema: patchSchemaFor('', 'Service'),
    original: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    want: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
  },
  {
    name: 'kubectl scale-like replicas change and label merge on a ConfigMap-like kind',
    schema: patchSchemaFor('', 'ConfigMap'),
    original: { metadata: { labels: { a: '1' } }, data: { k: 'v', k2: 'v2' } },
    patch: { metadata: { labels: { b: '2' } }, data: { k: 'new', k2: null } },
    want: { metadata: { labels: { a: '1', b: '2' } }, data: { k: 'new' } },
  },
];

test('applyStrategicMergePatch: table', () => {
  for (const c of [...podCases, ...deployCases]) {
    const original = structuredClone(c.original);
    const patch = JSON.parse(JSON.stringify(c.patch));
    const patchCopy = structuredClone(patch);
    const got = applyStrategicMergePatch(original, patch, c.schema ?? podSchema);
    assert.deepEqual(got, c.want, c.name);
    assert.deepEqual(original, c.original, `${c.name}: original untouched`);
    assert.deepEqual(patch, patchCopy, `${c.name}: patch untouched`);
  }
});

test('applyStrategicMergePatch: errors as kube-apiserver reports them', () => {
  const cases: Array<{ name: string; original: unknown; patch: unknown; code: number; message: string }> = [
    { name: 'patch is a list', original: {}, patch: [], code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
    { name: 'patch is a string', original: {}, patch: 'x', code: 400, message: 'json: cannot unmarshal string into Go value of type map[string]interface {}' },
    { name: 'missing merge key', original: { spec: { containers: [{ name: 'a' }] } }, patch: { spec: { containers: [{ image: 'x' }] } }, code: 500, message: 'map: map[image:x] does not contain declared merge key: name' },
    { name: 'unknown $patch in map', original: { spec: { a: {} } }, patch: { spec: { a: { $patch: 'merge' } } }, code: 500, message: 'unknown patch type: merge in map: map[$patch:merge]' },
    { name: '$patch merge in list', original: { spec: { containers: [{ name: 'a' }] } }, patch: { spec: { containers: [{ $patch: 'merge' }] } }, code: 500, message: 'merging lists cannot yet be specified in the patch' },
    { name: 'bad $retainKeys', original: { spec: { strategy: {} } }, patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, code: 400, message: 'invalid patch format of retainKeys' },
    { name: 'bad $setElementOrder key', original: { spec: {} }, patch: { spec: { $setElementOrderXcontainers: [] } }, code: 400, message: 'invalid patch format of setElementOrder list' },
    { name: 'bad $deleteFromPrimitiveList key', original: { metadata: {} }, patch: { metadata: { $deleteFromPrimitiveListX: [] } }, code: 400, message: 'invalid patch format of primitive list' },
    { name: 'order mismatch', original: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b' }] } }, code: 500, message: 'The order in patch list:\n[map[name:b]]\n doesn\'t match $setElementOrder list:\n[map[name:a]]\n' },
    { name: 'list of lists', original: { metadata: { finalizers: [['a']] } }, patch: { metadata: { finalizers: [['b']] } }, code: 422, message: 'the server rejected our request due to an error in our request' },
    // before: a null element reached the merge-key lookup and crashed it (TypeError, a 500 InternalError)
    { name: 'null element in a list merged by key', original: { spec: { containers: [{ name: 'a' }] } }, patch: { spec: { containers: [null, { name: 'a', image: 'x' }] } }, code: 500, message: 'list element types are not identical: [[map[name:a]] [<nil> map[image:x name:a]]]' },
    { name: 'null element in a primitive list', original: { metadata: { finalizers: ['a'] } }, patch: { metadata: { finalizers: [null] } }, code: 500, message: 'list element types are not identical: [[a] [<nil>]]' },
  ];
  for (const c of cases) {
    assert.throws(() => applyStrategicMergePatch(c.original, c.patch, podSchema), (e: unknown) => {
      assert.ok(e instanceof StatusError, c.name);
      assert.equal(e.code, c.code, c.name);
      assert.equal(e.message, c.message, c.name);
      return true;
    });
  }
});

// before: the merge recursed once per level and overflowed the stack (a 500 InternalError)
test('applyStrategicMergePatch: a patch nested past MAX_JSON_DEPTH is a 400', () => {
  const patch = JSON.parse('{"metadata":'.repeat(5000) + '{}' + '}'.repeat(5000));
  assert.throws(() => applyStrategicMergePatch({}, patch, podSchema), (e: unknown) =>
    e instanceof StatusError && e.code === 400 && e.message === "invalid character '{' exceeded max depth");
});

test('applyStrategicMergePatch: null patch changes nothing', () => {
  assert.deepEqual(applyStrategicMergePatch({ a: 1 }, null, podSchema), { a: 1 });
});
