import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition } from '../../api/apiextensions/types.js';
import { calculateNamesAndConditions } from './controllers.js';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';

function crd(name: string, plural: string, kind: string, shortNames: string[], accepted?: boolean): CustomResourceDefinition {
  return {
    metadata: { name: `${name}.stable.example.com` },
    spec: { group: 'stable.example.com', scope: 'Namespaced', names: { plural, singular: plural.replace(/s$/, ''), kind, listKind: `${kind}List`, shortNames }, versions: [] },
    status: {
      acceptedNames: accepted ? { plural, singular: plural.replace(/s$/, ''), kind, listKind: `${kind}List`, shortNames } : { plural: '', kind: '' },
      storedVersions: ['v1'],
    },
  };
}

describe('naming controller', () => {
  it('accepts fresh names: NamesAccepted True, Established Installing', () => {
    const c = crd('crontabs', 'crontabs', 'CronTab', ['ct']);
    const r = calculateNamesAndConditions(c, [c]);
    assert.deepEqual(r.names, { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'] });
    assert.deepEqual(r.namesAccepted, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    assert.deepEqual(r.established, { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' });
  });

  it('reports names other CRDs of the group accepted', () => {
    const existing = crd('crontabs', 'crontabs', 'CronTab', ['ct'], true);
    const short = crd('cronjobs', 'cronjobs', 'CronJob', ['ct']);
    const r = calculateNamesAndConditions(short, [existing, short]);
    assert.deepEqual([r.namesAccepted.status, r.namesAccepted.reason, r.namesAccepted.message], ['False', 'ShortNamesConflict', '"ct" is already in use']);
    assert.deepEqual(r.established, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    assert.equal(r.names.plural, 'cronjobs', 'names without conflicts are accepted one by one');
    const kind = crd('tabs', 'tabs', 'CronTab', []);
    assert.equal(calculateNamesAndConditions(kind, [existing, kind]).namesAccepted.reason, 'ListKindConflict');
  });
});

describe('CRD lifecycle in the API server', () => {
  it('establishes a CRD, serves its resource, and deletes its objects with it', async () => {
    const tc = await startTestCluster();
    try {
      const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };
      await tc.client.create(crds, undefined, {
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
        spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'widgets', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
      });
      const widgets = { group: 'example.com', version: 'v1', plural: 'widgets', namespaced: false };
      await eventually(() => tc.client.create(widgets, undefined, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', finalizers: ['example.com/hold'] } }));
      await tc.client.delete(crds, undefined, 'widgets.example.com');
      const terminating = await tc.client.get<CustomResourceDefinition>(crds, undefined, 'widgets.example.com');
      assert.ok(terminating.metadata?.finalizers?.includes('customresourcecleanup.apiextensions.k8s.io'));
      // The CRD waits for its objects; the object waits for its own finalizer.
      await eventually(async () => {
        const w = await tc.client.get(widgets, undefined, 'w');
        assert.ok(w.metadata?.deletionTimestamp);
      });
      await tc.client.patch(widgets, undefined, 'w', { metadata: { finalizers: null } }, 'merge');
      await eventually(async () => {
        await assert.rejects(tc.client.get(crds, undefined, 'widgets.example.com'), (e: { code?: number }) => e.code === 404);
      }, 10_000);
    } finally {
      await tc.close();
    }
  });
});
