import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMutatedObject } from './decode.js';
import { findResource } from '../../api/registry.js';
import { customResourceDefinitions } from '../../api/apiextensions/customresource.js';
import type { KubeObject } from '../../api/resource.js';

// What a mutating webhook's patch adds is decoded as a request body is: pruned, typed, defaulted
// (the conformance specs "should mutate pod and apply defaults after mutation" and "should mutate
// custom resource with pruning").
describe('decodeMutatedObject', () => {
  it('defaults what a webhook added to a pod (an init container)', () => {
    const pods = findResource('', 'v1', 'pods')!;
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }], initContainers: [{ name: 'webhook-added-init-container', image: 'busybox:1.36' }] },
    } as KubeObject;
    decodeMutatedObject(pods, pod, '');
    const init = (pod.spec as { initContainers: Record<string, unknown>[] }).initContainers[0];
    assert.equal(init.terminationMessagePolicy, 'File');
    assert.equal(init.imagePullPolicy, 'IfNotPresent');
    assert.equal(init.terminationMessagePath, '/dev/termination-log');
  });

  it('drops a field a webhook added that the schema does not declare', () => {
    const configmaps = findResource('', 'v1', 'configmaps')!;
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, bogus: true } as KubeObject;
    decodeMutatedObject(configmaps, cm, '');
    assert.deepEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
  });

  it('prunes a custom resource by its structural schema', () => {
    const [def] = customResourceDefinitions({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'prunes.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'prunes', singular: 'prune', kind: 'Prune', listKind: 'PruneList' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { data: { type: 'object', properties: { 'mutation-start': { type: 'string' }, 'mutation-stage-1': { type: 'string' } } } } } },
        }],
      },
    });
    const cr = { apiVersion: 'example.com/v1', kind: 'Prune', metadata: { name: 'x', namespace: 'default' }, data: { 'mutation-start': 'yes', 'mutation-stage-1': 'yes', 'mutation-stage-2': 'yes' } } as KubeObject;
    decodeMutatedObject(def, cr, '');
    assert.deepEqual(cr.data, { 'mutation-start': 'yes', 'mutation-stage-1': 'yes' });
  });
});
