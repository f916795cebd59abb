import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import type { StatusError } from '../../apimachinery/errors.js';
import type { AdmissionAttributes } from '../interfaces.js';
import { LIMIT_RANGER_ANNOTATION, LimitRanger } from './limitranger.js';

const PODS = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' } as ResourceDefinition;
const PVCS = { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' } as ResourceDefinition;

function attrs(def: ResourceDefinition, object: KubeObject, operation: 'CREATE' | 'UPDATE' = 'CREATE'): AdmissionAttributes {
  return { operation, def, subresource: '', namespace: 'ns', name: object.metadata?.name ?? '', object, userInfo: { name: 'u', groups: [] }, dryRun: false };
}
const ranger = (limits: unknown[]) => new LimitRanger({ storeFor: () => ({ list: async () => ({ items: [{ metadata: { name: 'lr' }, spec: { limits } }] }) }) });
const pod = (containers: unknown[]): KubeObject => ({ metadata: { name: 'x', namespace: 'ns' }, spec: { containers } });

describe('LimitRanger', () => {
  const container = { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' }, min: { cpu: '100m' }, max: { cpu: '1' } };

  it('fills in missing requests and limits and says so in the annotation', async () => {
    const p = pod([{ name: 'web', image: 'nginx', resources: { limits: { cpu: '800m' }, requests: { cpu: '800m' } } }, { name: 'side', image: 'b' }]);
    await ranger([container]).admit(attrs(PODS, p));
    const cs = (p.spec as { containers: { resources: unknown }[] }).containers;
    assert.deepEqual(cs[0].resources, { limits: { cpu: '800m', memory: '256Mi' }, requests: { cpu: '800m', memory: '128Mi' } });
    assert.deepEqual(cs[1].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    assert.equal(p.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: memory request for container web; memory limit for container web; cpu, memory request for container side; cpu, memory limit for container side');
  });

  it('refuses a container under the minimum or over the maximum with Kubernetes\' messages', async () => {
    const lr = ranger([container]);
    await assert.rejects(lr.validate(attrs(PODS, pod([{ name: 'c', resources: { requests: { cpu: '50m' }, limits: { cpu: '500m' } } }]))), (e: StatusError) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods "x" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
      return true;
    });
    await assert.rejects(lr.validate(attrs(PODS, pod([{ name: 'c', resources: { requests: { cpu: '200m' }, limits: { cpu: '2' } } }]))),
      { message: 'pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2' });
    await assert.rejects(lr.validate(attrs(PODS, pod([{ name: 'c', resources: {} }]))),
      { message: 'pods "x" is forbidden: [minimum cpu usage per Container is 100m.  No request is specified, maximum cpu usage per Container is 1.  No limit is specified]' });
    await lr.validate(attrs(PODS, pod([{ name: 'c', resources: { requests: { cpu: '200m' }, limits: { cpu: '1' } } }])));
  });

  it('checks the limit/request ratio and Pod totals', async () => {
    const lr = ranger([{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }, { type: 'Pod', max: { memory: '1Gi' } }]);
    await assert.rejects(lr.validate(attrs(PODS, pod([{ name: 'c', resources: { requests: { cpu: '100m', memory: '600Mi' }, limits: { cpu: '300m', memory: '600Mi' } } }]))),
      { message: 'pods "x" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000' });
    await assert.rejects(lr.validate(attrs(PODS, pod([
      { name: 'a', resources: { requests: { cpu: '1', memory: '600Mi' }, limits: { cpu: '1', memory: '600Mi' } } },
      { name: 'b', resources: { requests: { cpu: '1', memory: '600Mi' }, limits: { cpu: '1', memory: '600Mi' } } },
    ]))), { message: 'pods "x" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi' });
  });

  it('checks claims\' storage and leaves pod updates alone', async () => {
    const lr = ranger([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]);
    const pvc = (s: string): KubeObject => ({ metadata: { name: 'c' }, spec: { resources: { requests: { storage: s } } } });
    await assert.rejects(lr.validate(attrs(PVCS, pvc('20Gi'))), { message: 'persistentvolumeclaims "c" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi' });
    await assert.rejects(lr.validate(attrs(PVCS, pvc('500Mi'))), { message: 'persistentvolumeclaims "c" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi' });
    await lr.validate(attrs(PVCS, pvc('5Gi')));
    await ranger([container]).validate(attrs(PODS, pod([{ name: 'c' }]), 'UPDATE'));
  });
});
