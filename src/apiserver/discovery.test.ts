import { test } from 'node:test';
import assert from 'node:assert/strict';
import { versionInfo, coreAPIVersions, apiGroupList, apiGroup, apiResourceList, aggregatedDiscovery, storageVersionHash, compareVersions } from './discovery.js';
import { testResources } from './openapi/test-resources.js';
import { KUBELET_VERSION } from '../agent/node-status.js';

test('/version is a consistent version.Info that kubectl and the node agents agree with', () => {
  const v = versionInfo();
  // every field of apimachinery's version.Info, nothing else
  assert.deepEqual(Object.keys(v).sort(), ['buildDate', 'compiler', 'gitCommit', 'gitTreeState', 'gitVersion', 'goVersion', 'major', 'minor', 'platform']);
  // kubectl's dispatcher picks its version from major.minor, clients print gitVersion: they must agree
  assert.equal(v.gitVersion.replace(/\.\d+$/, ''), `v${v.major}.${v.minor}`);
  assert.match(v.gitVersion, /^v\d+\.\d+\.\d+$/);
  assert.match(v.platform, /^linux\/(amd64|arm64|arm|386|ppc64le|s390x)$/);
  assert.ok(!Number.isNaN(Date.parse(v.buildDate)), v.buildDate);
  // the kubelet may not be newer than the API server (version skew policy): same minor here
  assert.equal(KUBELET_VERSION.replace(/\.\d+$/, ''), `v${v.major}.${v.minor}`);
});

test('/api lists v1', () => {
  assert.deepEqual((coreAPIVersions() as { versions: string[] }).versions, ['v1']);
});

test('/apis orders groups as Kubernetes does and prefers GA versions', () => {
  const list = apiGroupList(testResources());
  assert.deepEqual(list.groups.map((g) => g.name), ['apps', 'autoscaling', 'batch', 'coordination.k8s.io']);
  const as = list.groups.find((g) => g.name === 'autoscaling')!;
  assert.deepEqual(as.versions.map((v) => v.version), ['v2', 'v1']);
  assert.deepEqual(as.preferredVersion, { groupVersion: 'autoscaling/v2', version: 'v2' });
  assert.deepEqual(apiGroup(testResources(), 'apps'), {
    kind: 'APIGroup', apiVersion: 'v1', name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  });
  assert.equal(apiGroup(testResources(), 'extensions'), undefined);
  assert.ok(compareVersions('v1', 'v1beta1') < 0 && compareVersions('v1beta2', 'v1beta1') < 0 && compareVersions('v1alpha1', 'v1beta1') > 0);
});

test('storage version hashes match Kubernetes', () => {
  assert.equal(storageVersionHash('', 'v1', 'ConfigMap'), 'qFsyl6wFWjQ=');
  assert.equal(storageVersionHash('apps', 'v1', 'Deployment'), '8aSe+NMegvE=');
});

test('resource lists carry subresources, foreign kinds and hashes', () => {
  const list = apiResourceList(testResources(), '', 'v1') as { groupVersion: string; resources: Record<string, unknown>[] };
  assert.equal(list.groupVersion, 'v1');
  const names = list.resources.map((r) => r.name);
  assert.deepEqual(names, [...names].sort());
  const byName = new Map(list.resources.map((r) => [r.name, r]));
  assert.deepEqual(byName.get('pods'), {
    name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'], categories: ['all'], storageVersionHash: 'xPOwRZ+Yhw8=',
  });
  assert.deepEqual(byName.get('pods/status'), { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
  assert.deepEqual(byName.get('pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  assert.equal(byName.get('nodes/proxy')?.kind, 'NodeProxyOptions');
  assert.equal(byName.get('bindings')?.storageVersionHash, undefined);
  const apps = apiResourceList(testResources(), 'apps', 'v1') as { resources: Record<string, unknown>[] };
  assert.deepEqual(apps.resources.find((r) => r.name === 'deployments/scale'), {
    name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'],
  });
  // HPA is stored as autoscaling/v2 whichever version serves it
  const hpa1 = (apiResourceList(testResources(), 'autoscaling', 'v1') as { resources: Record<string, unknown>[] }).resources[0];
  assert.equal(hpa1.storageVersionHash, storageVersionHash('autoscaling', 'v2', 'HorizontalPodAutoscaler'));
  assert.equal(apiResourceList(testResources(), 'extensions', 'v1beta1'), undefined);
});

test('aggregated discovery has the apidiscovery shape for core and groups', () => {
  const core = aggregatedDiscovery(testResources(), 'core', 'v2') as { kind: string; apiVersion: string; items: { metadata: object; versions: { version: string; freshness: string; resources: Record<string, unknown>[] }[] }[] };
  assert.equal(core.kind, 'APIGroupDiscoveryList');
  assert.equal(core.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(core.items[0].metadata, { creationTimestamp: null });
  const v1 = core.items[0].versions[0];
  assert.equal(v1.freshness, 'Current');
  const ns = v1.resources.find((r) => r.resource === 'namespaces')!;
  assert.deepEqual(ns, {
    resource: 'namespaces', responseKind: { group: '', version: '', kind: 'Namespace' }, scope: 'Cluster', singularResource: 'namespace',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'],
    subresources: [
      { subresource: 'finalize', responseKind: { group: '', version: '', kind: 'Namespace' }, verbs: ['update'] },
      { subresource: 'status', responseKind: { group: '', version: '', kind: 'Namespace' }, verbs: ['get', 'patch', 'update'] },
    ],
  });
  const apis = aggregatedDiscovery(testResources(), 'apis', 'v2beta1') as typeof core;
  assert.equal(apis.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  const autoscaling = apis.items.find((i) => (i.metadata as { name?: string }).name === 'autoscaling')!;
  assert.deepEqual(autoscaling.versions.map((v) => v.version), ['v2', 'v1']);
  const deploy = apis.items[0].versions[0].resources.find((r) => r.resource === 'deployments')!;
  assert.deepEqual((deploy.subresources as { responseKind: object }[])[0].responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
});
