import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchSchemaFor } from './schema.js';

test('patchSchemaFor carries Kubernetes patch tags', () => {
  const cases: Array<[string, string, string[], { strategy?: string; mergeKey?: string }]> = [
    ['', 'Pod', ['spec', 'containers'], { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', ['spec', 'initContainers', 'env'], { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Pod', ['spec', 'containers', 'ports'], { strategy: 'merge', mergeKey: 'containerPort' }],
    ['', 'Pod', ['spec', 'volumes'], { strategy: 'merge,retainKeys', mergeKey: 'name' }],
    ['', 'Pod', ['spec', 'tolerations'], {}],
    ['', 'Pod', ['spec', 'containers', 'args'], {}],
    ['', 'Pod', ['status', 'conditions'], { strategy: 'merge', mergeKey: 'type' }],
    ['apps', 'Deployment', ['spec', 'template', 'spec', 'containers', 'volumeMounts'], { strategy: 'merge', mergeKey: 'mountPath' }],
    ['apps', 'Deployment', ['spec', 'strategy'], { strategy: 'retainKeys' }],
    ['apps', 'StatefulSet', ['spec', 'template', 'metadata', 'finalizers'], { strategy: 'merge' }],
    ['batch', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers'], { strategy: 'merge', mergeKey: 'name' }],
    ['', 'Service', ['spec', 'ports'], { strategy: 'merge', mergeKey: 'port' }],
    ['', 'Node', ['status', 'addresses'], { strategy: 'merge', mergeKey: 'type' }],
    ['', 'ConfigMap', ['metadata', 'ownerReferences'], { strategy: 'merge', mergeKey: 'uid' }],
    ['example.com', 'Widget', ['metadata', 'finalizers'], { strategy: 'merge' }],
    ['example.com', 'Widget', ['spec', 'items'], {}],
  ];
  for (const [group, kind, path, want] of cases) {
    const got = patchSchemaFor(group, kind).lookup(path);
    assert.deepEqual({ strategy: got.strategy, mergeKey: got.mergeKey }, { strategy: want.strategy, mergeKey: want.mergeKey }, `${group}/${kind} ${path.join('.')}`);
  }
});
