import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../api/resource.js';
import type { Pod, StatefulSet, StatefulSetSpec } from './types.js';
import {
  applyRevision, completeRollingUpdate, getParentNameAndOrdinal, getPatch, getStatefulSetMaxUnavailable, identityMatches, inconsistentStatus,
  isClaimOwnerUpToDate, newRevision, newStatefulSetPod, newVersionedStatefulSetPod, podInOrdinalRange, storageMatches, updateClaimOwnerRefForSetAndPod,
} from './utils.js';

const set = (spec: Partial<StatefulSetSpec> = {}, status?: StatefulSet['status']): StatefulSet => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', annotations: { 'kubernetes.io/change-cause': 'x' } },
  spec: {
    replicas: 3, serviceName: 'svc', selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', emptyDir: {} }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    ...spec,
  },
  ...(status ? { status } : {}),
});

describe('identity', () => {
  it('parses SET-ORDINAL; anything else has ordinal -1', () => {
    assert.deepEqual(getParentNameAndOrdinal({ metadata: { name: 'my-web-12' } }), { parent: 'my-web', ordinal: 12 });
    assert.deepEqual(getParentNameAndOrdinal({ metadata: { name: 'web' } }), { parent: '', ordinal: -1 });
    assert.deepEqual(getParentNameAndOrdinal({ metadata: { name: 'web-99999999999' } }), { parent: 'web', ordinal: -1 });
  });

  it('newStatefulSetPod: name, hostname, subdomain, identity labels, the claim volume replacing a template volume of that name, owner', () => {
    const pod = newStatefulSetPod(set(), 2);
    assert.equal(pod.metadata?.name, 'web-2');
    assert.equal(pod.metadata?.generateName, undefined);
    assert.deepEqual(pod.metadata?.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' });
    assert.equal(pod.spec?.hostname, 'web-2');
    assert.equal(pod.spec?.subdomain, 'svc');
    assert.deepEqual(pod.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }, { name: 'cfg', emptyDir: {} }]);
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(identityMatches(set(), pod), true);
    assert.equal(storageMatches(set(), pod), true);
    assert.equal(identityMatches(set(), { ...pod, metadata: { ...pod.metadata, labels: { app: 'web' } } }), false);
    assert.equal(storageMatches(set(), { ...pod, spec: { ...pod.spec, volumes: [] } }), false);
  });

  it('ordinals.start shifts the range', () => {
    const s = set({ replicas: 2, ordinals: { start: 5 } });
    assert.deepEqual(['web-4', 'web-5', 'web-6', 'web-7'].map((name) => podInOrdinalRange({ metadata: { name } }, s)), [false, true, true, false]);
  });
});

describe('revisions', () => {
  it('newVersionedStatefulSetPod: below the partition the current revision, from it on the update revision', () => {
    const cur = set();
    const upd = set({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } });
    const partitioned = (s: StatefulSet) => ({ ...s, spec: { ...s.spec, updateStrategy: { type: 'RollingUpdate' as const, rollingUpdate: { partition: 2 } } } });
    const image = (p: Pod) => (p.spec as { containers: { image: string }[] }).containers[0].image;
    const rev = (p: Pod) => p.metadata?.labels?.['controller-revision-hash'];
    const p1 = newVersionedStatefulSetPod(partitioned(cur), partitioned(upd), 'web-1', 'web-2', 1);
    const p2 = newVersionedStatefulSetPod(partitioned(cur), partitioned(upd), 'web-1', 'web-2', 2);
    assert.deepEqual([image(p1), rev(p1)], ['nginx', 'web-1']);
    assert.deepEqual([image(p2), rev(p2)], ['nginx:2', 'web-2']);
    const onDelete = (s: StatefulSet) => ({ ...s, spec: { ...s.spec, updateStrategy: { type: 'OnDelete' as const } } });
    assert.equal(rev(newVersionedStatefulSetPod(onDelete(cur), onDelete(upd), 'web-1', 'web-2', 0)), 'web-2', 'OnDelete makes new pods at the update revision');
  });

  it('getPatch / applyRevision round-trip the template; newRevision names and labels the revision', () => {
    const s = set();
    const patch = getPatch(s) as { spec: { template: Record<string, unknown> } };
    assert.deepEqual(Object.keys(patch), ['spec']);
    assert.equal(patch.spec.template.$patch, 'replace');
    const r = newRevision(s, 4, 0);
    assert.equal(r.revision, 4);
    assert.match(r.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.deepEqual(r.metadata?.annotations, { 'kubernetes.io/change-cause': 'x' });
    assert.equal(r.metadata?.labels?.app, 'web');
    assert.equal(newRevision(s, 4, 1).metadata?.name === r.metadata?.name, false, 'a collision count changes the name');
    const changed = set({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'other' }] } } });
    const restored = applyRevision(changed, r);
    assert.deepEqual((restored.spec.template.spec as { containers: unknown[] }).containers, [{ name: 'c', image: 'nginx' }]);
    assert.equal(restored.spec.replicas, 3, 'only the template is restored');
  });

  it('getStatefulSetMaxUnavailable: 1 by default, percentages round down but never below 1', () => {
    assert.deepEqual([[undefined, 10], [3, 10], ['50%', 5], ['10%', 5], ['100%', 4]].map(([m, n]) => getStatefulSetMaxUnavailable(m as number | string | undefined, n as number)), [1, 3, 2, 1, 4]);
  });
});

describe('status', () => {
  it('completeRollingUpdate makes the update revision current once every replica is updated and ready', () => {
    const st = { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 1, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set(), st);
    assert.deepEqual([st.currentRevision, st.currentReplicas], ['b', 3]);
    const notReady = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, currentReplicas: 1, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set(), notReady);
    assert.equal(notReady.currentRevision, 'a');
  });
  it('inconsistentStatus: a newer generation or any count differing', () => {
    const s = set({}, { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, currentRevision: 'a', updateRevision: 'a', collisionCount: 0 });
    assert.equal(inconsistentStatus(s, { ...s.status! }), false);
    assert.equal(inconsistentStatus(s, { ...s.status!, observedGeneration: 3 }), true);
    assert.equal(inconsistentStatus(s, { ...s.status!, availableReplicas: 2 }), true);
  });
});

describe('claim owner references under the retention policy', () => {
  const setRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true };
  const podRef = (uid = 'pod-uid'): OwnerReference => ({ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid, controller: true, blockOwnerDeletion: true });
  const claim = (refs?: OwnerReference[]): KubeObject => ({ metadata: { name: 'data-web-1', ...(refs ? { ownerReferences: refs } : {}) } });
  const pod: KubeObject = { metadata: { name: 'web-1', uid: 'pod-uid' } };
  const policy = (whenDeleted: 'Retain' | 'Delete', whenScaled: 'Retain' | 'Delete', replicas: number) => set({ replicas, persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
  const cases: { name: string; s: StatefulSet; want: OwnerReference[] | undefined }[] = [
    { name: 'Retain/Retain: no owner', s: policy('Retain', 'Retain', 3), want: undefined },
    { name: 'whenDeleted Delete: the set', s: policy('Delete', 'Retain', 3), want: [setRef] },
    { name: 'whenScaled Delete, in range: none', s: policy('Retain', 'Delete', 3), want: undefined },
    { name: 'whenScaled Delete, scaled away: the pod', s: policy('Retain', 'Delete', 1), want: [podRef()] },
    { name: 'Delete/Delete, in range: the set', s: policy('Delete', 'Delete', 3), want: [setRef] },
    { name: 'Delete/Delete, scaled away: the pod only', s: policy('Delete', 'Delete', 1), want: [podRef()] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      for (const start of [claim(), claim([setRef]), claim([podRef()]), claim([setRef, podRef()])]) {
        const got = structuredClone(start);
        updateClaimOwnerRefForSetAndPod(got, c.s, pod);
        assert.deepEqual(got.metadata?.ownerReferences, c.want, `${c.name} from ${JSON.stringify(start.metadata?.ownerReferences)}`);
        assert.equal(isClaimOwnerUpToDate(got, c.s, pod), true);
        const same = JSON.stringify(start.metadata?.ownerReferences) === JSON.stringify(c.want);
        assert.equal(isClaimOwnerUpToDate(start, c.s, pod), same);
      }
    });
  }
  it('a claim another controller owns is left alone; a stale reference to an earlier pod too', () => {
    const foreign: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'x', controller: true };
    assert.equal(isClaimOwnerUpToDate(claim([foreign]), policy('Delete', 'Delete', 3), pod), true);
    assert.equal(isClaimOwnerUpToDate(claim([podRef('earlier-pod')]), policy('Delete', 'Delete', 1), pod), true);
  });
});
