import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { FakeClock } from '../../util/clock.js';
import type { AdmissionAttributes } from '../interfaces.js';
import { ResourceQuotaPlugin } from './resourcequota.js';

/** a quota store with compare-and-swap on resourceVersion, as the registry store has */
function quotaStore(quotas: KubeObject[]) {
  let rv = 1;
  for (const q of quotas) q.metadata!.resourceVersion = String(rv++);
  const store = {
    writes: 0,
    async list() { return { items: quotas.map((q) => structuredClone(q)) }; },
    async update(_ns: string | undefined, name: string, obj: KubeObject) {
      const i = quotas.findIndex((q) => q.metadata?.name === name);
      if (quotas[i].metadata!.resourceVersion !== obj.metadata?.resourceVersion) throw new StatusError(409, 'Conflict', 'conflict');
      quotas[i] = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(rv++) } };
      store.writes++;
      return quotas[i];
    },
  };
  return store;
}

const PODS = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' } as ResourceDefinition;
const CMS = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' } as ResourceDefinition;

function attrs(def: ResourceDefinition, object: KubeObject, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { operation: 'CREATE', def, subresource: '', namespace: 'ns', name: object.metadata?.name ?? '', object, userInfo: { name: 'u', groups: [] }, dryRun: false, ...extra };
}
const quota = (name: string, hard: Record<string, string>, used: Record<string, string> | undefined, spec: Record<string, unknown> = {}): KubeObject =>
  ({ metadata: { name, namespace: 'ns' }, spec: { hard, ...spec }, status: used ? { hard, used } : {} });
const pod = (name: string, requests?: Record<string, string>, limits?: Record<string, string>): KubeObject =>
  ({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests, limits } }] } });

function plugin(quotas: KubeObject[]) {
  const store = quotaStore(quotas);
  return { store, plugin: new ResourceQuotaPlugin({ storeFor: () => store, clock: new FakeClock(new Date('2024-01-01T00:00:00Z')) }) };
}

describe('ResourceQuota admission', () => {
  it('charges a pod and refuses the one over the quota with Kubernetes\' message', async () => {
    const quotas = [quota('compute', { cpu: '1', pods: '2' }, { cpu: '0', pods: '0' })];
    const { plugin: p } = plugin(quotas);
    await p.validate(attrs(PODS, pod('a', { cpu: '600m' })));
    assert.deepEqual((quotas[0].status as { used: unknown }).used, { cpu: '600m', pods: '1' });
    await assert.rejects(p.validate(attrs(PODS, pod('b', { cpu: '500m' }))), (e: StatusError) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods "b" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=600m, limited: cpu=1');
      return true;
    });
  });

  it('refuses a pod that does not state a resource the quota constrains', async () => {
    const { plugin: p } = plugin([quota('compute', { 'limits.memory': '1Gi', 'requests.cpu': '1' }, { 'limits.memory': '0', 'requests.cpu': '0' })]);
    await assert.rejects(p.validate(attrs(PODS, pod('a'))), { message: 'pods "a" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c' });
  });

  it('refuses while the controller has not counted the quota yet', async () => {
    const { plugin: p } = plugin([{ ...quota('q', { pods: '1' }, undefined), status: { hard: { pods: '1' } } }]);
    await assert.rejects(p.validate(attrs(PODS, pod('a', { cpu: '1' }))), { message: 'pods "a" is forbidden: status unknown for quota: q, resources: pods' });
  });

  it('leaves a quota without status.hard, subresources and dry runs alone', async () => {
    const quotas = [quota('cms', { configmaps: '1' }, { configmaps: '0' }), quota('new', { configmaps: '0' }, undefined)];
    const { plugin: p, store } = plugin(quotas);
    await p.validate(attrs(PODS, pod('a'), { subresource: 'status' }));
    await p.validate(attrs(CMS, { metadata: { name: 'x' } }, { dryRun: true }));
    assert.equal(store.writes, 0);
    await p.validate(attrs(CMS, { metadata: { name: 'x' } }));
    await assert.rejects(p.validate(attrs(CMS, { metadata: { name: 'y' } })), { message: 'configmaps "y" is forbidden: exceeded quota: cms, requested: configmaps=1, used: configmaps=1, limited: configmaps=1' });
  });

  it('lets only one of two racing creates take the last unit', async () => {
    const quotas = [quota('q', { configmaps: '1' }, { configmaps: '0' })];
    const { plugin: p } = plugin(quotas);
    const results = await Promise.allSettled([p.validate(attrs(CMS, { metadata: { name: 'a' } })), p.validate(attrs(CMS, { metadata: { name: 'b' } }))]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.deepEqual((quotas[0].status as { used: unknown }).used, { configmaps: '1' });
  });

  it('counts again when another writer changed the quota in between', async () => {
    const quotas = [quota('q', { configmaps: '2' }, { configmaps: '0' })];
    const { plugin: p, store } = plugin(quotas);
    const update = store.update.bind(store);
    let raced = false;
    store.update = async (ns, name, obj) => {
      if (!raced) {
        raced = true;
        // the quota controller writes first: one object already counted
        quotas[0] = { ...quotas[0], status: { hard: { configmaps: '2' }, used: { configmaps: '1' } }, metadata: { ...quotas[0].metadata, resourceVersion: '99' } };
      }
      return update(ns, name, obj);
    };
    await p.validate(attrs(CMS, { metadata: { name: 'a' } }));
    assert.deepEqual((quotas[0].status as { used: unknown }).used, { configmaps: '2' });
  });

  it('skips quotas with scopes that do not match and charges scoped ones that do', async () => {
    const quotas = [
      quota('be', { pods: '1' }, { pods: '0' }, { scopes: ['BestEffort'] }),
      quota('nbe', { pods: '5' }, { pods: '0' }, { scopes: ['NotBestEffort'] }),
    ];
    const { plugin: p } = plugin(quotas);
    await p.validate(attrs(PODS, pod('a')));
    await p.validate(attrs(PODS, pod('b', { cpu: '1' })));
    await assert.rejects(p.validate(attrs(PODS, pod('c'))), /exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1/);
    assert.deepEqual((quotas[1].status as { used: unknown }).used, { pods: '1' });
  });
});
