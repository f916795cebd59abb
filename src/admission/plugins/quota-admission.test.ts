import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import type { StatusError } from '../../apimachinery/errors.js';
import { Resources } from '../../client/types.js';
import { startTestCluster } from '../../testing/test-cluster.js';

const QUOTAS = { group: '', version: 'v1', plural: 'resourcequotas', namespaced: true };
const LIMITS = { group: '', version: 'v1', plural: 'limitranges', namespaced: true };
type Quota = KubeObject & { status?: { hard?: Record<string, string>; used?: Record<string, string> } };
const pod = (name: string, resources?: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', resources }] } });

describe('LimitRanger and ResourceQuota in the API server', () => {
  it('defaults a pod from the LimitRange, charges it to the quota and refuses the next one', async () => {
    const tc = await startTestCluster();
    try {
      await tc.client.create(LIMITS, 'default', {
        apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' },
        spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '300m' }, min: { cpu: '100m' } }] },
      });
      // The quota's status as the controller would fill it (no controller runs here).
      const q = await tc.client.create<Quota>(QUOTAS, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '500m', pods: '5' } } });
      await tc.client.updateStatus(QUOTAS, 'default', { ...q, status: { hard: { 'requests.cpu': '500m', pods: '5' }, used: { 'requests.cpu': '0', pods: '0' } } });
      const created = await tc.client.create(Resources.pods, 'default', pod('a'));
      const c = (created.spec as { containers: { resources: unknown }[] }).containers[0];
      assert.deepEqual(c.resources, { limits: { cpu: '500m' }, requests: { cpu: '300m' } });
      assert.equal(created.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container c; cpu limit for container c');
      assert.deepEqual((await tc.client.get<Quota>(QUOTAS, 'default', 'q')).status?.used, { pods: '1', 'requests.cpu': '300m' });
      await assert.rejects(tc.client.create(Resources.pods, 'default', pod('b')), (e: StatusError) => {
        assert.equal(e.code, 403);
        assert.equal(e.message, 'pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=300m, used: requests.cpu=300m, limited: requests.cpu=500m');
        return true;
      });
      await assert.rejects(tc.client.create(Resources.pods, 'default', pod('c', { requests: { cpu: '50m' } })),
        { message: 'pods "c" is forbidden: minimum cpu usage per Container is 100m, but request is 50m' });
    } finally {
      await tc.close();
    }
  });
});
