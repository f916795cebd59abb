import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import type { RegistryStore } from '../../registry/store.js';
import { realClock } from '../../util/clock.js';
import type { AdmissionAttributes } from '../interfaces.js';
import type { PluginDeps } from './deps.js';
import { DefaultStorageClass, StorageObjectInUseProtection } from './storage.js';
import { admissionPlugins } from './index.js';
import { AdmissionChain } from '../chain.js';

const def = (group: string, plural: string) => ({ group, plural }) as ResourceDefinition;
const PVCS = def('', 'persistentvolumeclaims');
const PVS = def('', 'persistentvolumes');

/** deps serves these StorageClasses. */
function deps(classes: KubeObject[] = []): PluginDeps {
  const store = { list: async () => ({ items: classes, metadata: {} }) } as unknown as RegistryStore;
  return { storeFor: (g, v, p) => { assert.equal(`${g}/${v}/${p}`, 'storage.k8s.io/v1/storageclasses'); return store; }, clock: realClock };
}

const attrs = (d: ResourceDefinition, object: KubeObject, subresource = ''): AdmissionAttributes => ({
  operation: 'CREATE', def: d, subresource, namespace: 'default', name: object.metadata?.name ?? '', object,
  userInfo: { name: 'admin', groups: [] }, dryRun: false,
});

/** admitCreate runs the storage plugins on a create, as the chain would. */
async function admitCreate(d: ResourceDefinition, obj: KubeObject, pd: PluginDeps): Promise<void> {
  await new AdmissionChain([new DefaultStorageClass(pd), new StorageObjectInUseProtection()]).admit(attrs(d, obj));
}

const sc = (name: string, created: string, annotations: Record<string, string> = {}) => ({ metadata: { name, creationTimestamp: created, annotations } });
const DEFAULT = { 'storageclass.kubernetes.io/is-default-class': 'true' };
const BETA_DEFAULT = { 'storageclass.beta.kubernetes.io/is-default-class': 'true' };
const pvc = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'data', ...metadata }, spec: { accessModes: ['ReadWriteOnce'], ...spec } });

describe('DefaultStorageClass', () => {
  const classes = [sc('slow', '2026-01-01T00:00:00Z'), sc('standard', '2026-01-01T00:00:00Z', DEFAULT), sc('newer', '2026-01-02T00:00:00Z', BETA_DEFAULT)];
  const cases: [string, KubeObject, KubeObject[], unknown][] = [
    ['a claim without a class gets the newest default', pvc(), classes, 'newer'],
    ['one default', pvc(), classes.slice(0, 2), 'standard'],
    ['no default class: unchanged', pvc(), classes.slice(0, 1), undefined],
    ['an explicit class is kept', pvc({ storageClassName: 'slow' }), classes, 'slow'],
    ['"" is a choice (no class), kept', pvc({ storageClassName: '' }), classes, ''],
    ['the beta annotation names a class', pvc({}, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }), classes, undefined],
  ];
  for (const [name, claim, cls, want] of cases) {
    it(name, async () => {
      await admitCreate(PVCS, claim, deps(cls));
      assert.equal((claim.spec as { storageClassName?: string }).storageClassName, want);
    });
  }
  it('the same creation time: the name decides, so the choice does not depend on list order', async () => {
    const tied = [sc('b', '2026-01-01T00:00:00Z', DEFAULT), sc('a', '2026-01-01T00:00:00Z', DEFAULT)];
    for (const order of [tied, [...tied].reverse()]) {
      const claim = pvc();
      await admitCreate(PVCS, claim, deps(order));
      assert.equal((claim.spec as { storageClassName?: string }).storageClassName, 'a');
    }
  });
});

describe('StorageObjectInUseProtection', () => {
  it('claims and volumes get their protection finalizer once, after the ones they have', async () => {
    const claim = pvc({ storageClassName: 'x' }, { finalizers: ['example.com/keep'] });
    await admitCreate(PVCS, claim, deps());
    assert.deepEqual(claim.metadata?.finalizers, ['example.com/keep', 'kubernetes.io/pvc-protection']);
    await admitCreate(PVCS, claim, deps());
    assert.deepEqual(claim.metadata?.finalizers, ['example.com/keep', 'kubernetes.io/pvc-protection']);
    const pv: KubeObject = { metadata: { name: 'pv1' }, spec: {} };
    await admitCreate(PVS, pv, deps());
    assert.deepEqual(pv.metadata?.finalizers, ['kubernetes.io/pv-protection']);
  });
  it('a malformed object is left as it is, for validation to refuse', async () => {
    const bad = { metadata: { name: 'pv2', finalizers: 'oops' } } as unknown as KubeObject;
    await admitCreate(PVS, bad, deps());
    assert.equal(bad.metadata?.finalizers as unknown, 'oops');
    const noSpec = { metadata: { name: 'c' }, spec: 'nope' } as unknown as KubeObject;
    await admitCreate(PVCS, noSpec, deps([sc('standard', '2026-01-01T00:00:00Z', DEFAULT)]));
    assert.equal(noSpec.spec as unknown, 'nope');
  });
});

describe('other kinds and subresources', () => {
  it('other kinds pass untouched', async () => {
    const cm: KubeObject = { metadata: { name: 'cfg' }, data: { a: '1' } };
    const before = structuredClone(cm);
    await admitCreate(def('', 'configmaps'), cm, deps());
    assert.deepEqual(cm, before);
    // a claims-like kind of another group is not a PersistentVolumeClaim
    const other = pvc();
    await admitCreate(def('example.com', 'persistentvolumeclaims'), other, deps([sc('standard', '2026-01-01T00:00:00Z', DEFAULT)]));
    assert.deepEqual(other, pvc());
  });
  it('a subresource request is not a new claim', async () => {
    const claim = pvc();
    await new AdmissionChain([new DefaultStorageClass(deps([sc('standard', '2026-01-01T00:00:00Z', DEFAULT)])), new StorageObjectInUseProtection()]).admit(attrs(PVCS, claim, 'status'));
    assert.deepEqual(claim, pvc());
  });
});

describe('admissionPlugins', () => {
  it('lists the built-in plugins in kube-apiserver\'s order', () => {
    const names = admissionPlugins(deps()).map((p) => p.name);
    const order = ['LimitRanger', 'Priority', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook', 'ResourceQuota'];
    const present = order.filter((n) => names.includes(n));
    assert.deepEqual(names.filter((n) => order.includes(n)), present);
    for (const n of ['Priority', 'DefaultStorageClass', 'StorageObjectInUseProtection']) assert.ok(names.includes(n), n);
  });
});
