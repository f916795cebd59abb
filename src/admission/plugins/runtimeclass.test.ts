import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { notFound } from '../../apimachinery/errors.js';
import type { AdmissionAttributes } from '../interfaces.js';
import { RuntimeClassPlugin } from './runtimeclass.js';

const PODS = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' } as ResourceDefinition;
const attrs = (object: KubeObject): AdmissionAttributes =>
  ({ operation: 'CREATE', def: PODS, subresource: '', namespace: 'ns', name: 'p', object, userInfo: { name: 'u', groups: [] }, dryRun: false });
const classes: Record<string, KubeObject> = {
  kata: { metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m' } }, scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists' }] } },
};
const plugin = new RuntimeClassPlugin({
  storeFor: () => ({ get: async (_ns: unknown, name: string) => { if (!classes[name]) throw notFound({ group: 'node.k8s.io', resource: 'runtimeclasses' }, name); return classes[name]; } }),
});
const pod = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });

describe('RuntimeClass admission', () => {
  it('gives the pod the class\'s overhead, node selector and tolerations', async () => {
    const p = pod({ runtimeClassName: 'kata', nodeSelector: { disk: 'ssd' } });
    await plugin.admit(attrs(p));
    await plugin.validate(attrs(p));
    assert.deepEqual(p.spec, {
      containers: [{ name: 'c', image: 'x' }], runtimeClassName: 'kata', overhead: { cpu: '250m' },
      nodeSelector: { disk: 'ssd', sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists' }],
    });
  });
  it('refuses a class that does not exist, and disagreements with the class', async () => {
    await assert.rejects(plugin.admit(attrs(pod({ runtimeClassName: 'nope' }))), { code: 403, message: 'pods "p" is forbidden: pod rejected: RuntimeClass "nope" not found' });
    await assert.rejects(plugin.admit(attrs(pod({ runtimeClassName: 'kata', nodeSelector: { sandbox: 'no' } }))),
      { message: 'pods "p" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = yes; pod.spec.nodeSelector[sandbox] = no' });
    await assert.rejects(plugin.validate(attrs(pod({ overhead: { cpu: '1' } }))),
      { message: 'pods "p" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead' });
  });
});
