import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { APIServiceInfo } from './apiservice.js';
import { discoveryResourcesOf, mergeAggregatedDiscovery, mergeAPIGroupList, sortVersions, type AggregatedVersion } from './discovery.js';

const info = (group: string, version: string, gpm: number, vp: number, service = true): APIServiceInfo => ({
  name: `${version}.${group}`, group, version, groupPriorityMinimum: gpm, versionPriority: vp, insecureSkipTLSVerify: false,
  service: service ? { namespace: 'ns', name: 's', port: 443 } : undefined,
});
const gl = (...names: string[]) => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: names.map((n) => ({ name: n, versions: [{ groupVersion: `${n}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${n}/v1`, version: 'v1' } })) });

describe('aggregated discovery', () => {
  const local = [info('apps', 'v1', 17800, 15, false), info('batch', 'v1', 17400, 15, false)];

  it('places a group by groupPriorityMinimum, then by name; groups without APIServices count 1000', () => {
    const all = [...local, info('high.example.com', 'v1', 17600, 10), info('low.example.com', 'v1', 500, 10), info('mid.example.com', 'v1', 1000, 10)];
    const agg: AggregatedVersion[] = all.filter((s) => s.service).map((i) => ({ info: i, available: true }));
    const out = mergeAPIGroupList(gl('apps', 'batch', 'crd.example.com', 'zz.example.com'), agg, all);
    assert.deepEqual(out.groups.map((g) => g.name), ['apps', 'high.example.com', 'batch', 'crd.example.com', 'mid.example.com', 'zz.example.com', 'low.example.com']);
  });

  it('orders versions by versionPriority, then Kubernetes version order', () => {
    const all = [info('w.io', 'v1alpha1', 2000, 200), info('w.io', 'v1', 2000, 100), info('w.io', 'v2beta1', 2000, 100)];
    assert.deepEqual(sortVersions('w.io', ['v1', 'v2beta1', 'v1alpha1'], all), ['v1alpha1', 'v1', 'v2beta1']);
    const agg = all.map((i) => ({ info: i, available: true }));
    const g = mergeAPIGroupList(gl(), agg, all).groups[0];
    assert.deepEqual([g.preferredVersion.version, g.versions.map((v) => v.version)], ['v1alpha1', ['v1alpha1', 'v1', 'v2beta1']]);
  });

  it('converts an APIResourceList to discovery resources with their subresources', () => {
    assert.deepEqual(discoveryResourcesOf([
      { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'], shortNames: ['fl'] },
      { name: 'flunders/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get'] },
      { name: 'fischers', singularName: 'fischer', namespaced: false, kind: 'Fischer', verbs: ['get'] },
    ]), [
      { resource: 'fischers', responseKind: { group: '', version: '', kind: 'Fischer' }, scope: 'Cluster', singularResource: 'fischer', verbs: ['get'] },
      {
        resource: 'flunders', responseKind: { group: '', version: '', kind: 'Flunder' }, scope: 'Namespaced', singularResource: 'flunder', verbs: ['get', 'list'], shortNames: ['fl'],
        subresources: [{ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get'] }],
      },
    ]);
  });

  it('an unavailable or never-checked group version is Stale', () => {
    const all = [...local, info('w.io', 'v1', 2000, 100), info('x.io', 'v1', 2000, 100)];
    const doc = { kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: 'apps' }, versions: [{ version: 'v1', resources: [], freshness: 'Current' }] }] };
    const out = mergeAggregatedDiscovery(doc, [
      { info: all[2], available: true, resources: [{ name: 'flunders', kind: 'Flunder', verbs: [] }] },
      { info: all[3], available: false },
    ], all);
    assert.deepEqual(out.items.map((i) => [i.metadata.name, (i.versions as { freshness: string }[])[0].freshness]), [['apps', 'Current'], ['w.io', 'Current'], ['x.io', 'Stale']]);
  });
});
