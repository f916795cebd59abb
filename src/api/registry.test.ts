import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allResources, findByKind, findResource } from './registry.js';

// Discovery facts of Kubernetes 1.32: plural -> [shortNames, categories, subresources, namespaced].
// Subresources tskube does not serve yet are left out: discovery must not list what answers 404;
// each comes back here when it is served.
const EXPECTED: Record<string, [string[], string[], string[], boolean]> = {
  '/v1/pods': [['po'], ['all'], ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status'], true],
  '/v1/services': [['svc'], ['all'], ['proxy', 'status'], true],
  '/v1/namespaces': [['ns'], [], ['finalize', 'status'], false],
  '/v1/nodes': [['no'], [], ['proxy', 'status'], false],
  '/v1/replicationcontrollers': [['rc'], ['all'], ['scale', 'status'], true],
  '/v1/persistentvolumes': [['pv'], [], ['status'], false],
  '/v1/persistentvolumeclaims': [['pvc'], [], ['status'], true],
  '/v1/configmaps': [['cm'], [], [], true],
  '/v1/secrets': [[], [], [], true],
  '/v1/serviceaccounts': [['sa'], [], ['token'], true],
  '/v1/endpoints': [['ep'], [], [], true],
  '/v1/events': [['ev'], [], [], true],
  '/v1/componentstatuses': [['cs'], [], [], false],
  'apps/v1/deployments': [['deploy'], ['all'], ['scale', 'status'], true],
  'apps/v1/replicasets': [['rs'], ['all'], ['scale', 'status'], true],
  'apps/v1/statefulsets': [['sts'], ['all'], ['scale', 'status'], true],
  'apps/v1/daemonsets': [['ds'], ['all'], ['status'], true],
  'apps/v1/controllerrevisions': [[], [], [], true],
  'batch/v1/jobs': [[], ['all'], ['status'], true],
  'batch/v1/cronjobs': [['cj'], ['all'], ['status'], true],
  'autoscaling/v1/horizontalpodautoscalers': [['hpa'], ['all'], ['status'], true],
  'autoscaling/v2/horizontalpodautoscalers': [['hpa'], ['all'], ['status'], true],
  'coordination.k8s.io/v1/leases': [[], [], [], true],
  'policy/v1/poddisruptionbudgets': [['pdb'], [], ['status'], true],
  'storage.k8s.io/v1/storageclasses': [['sc'], [], [], false],
  'scheduling.k8s.io/v1/priorityclasses': [['pc'], [], [], false],
  'apiextensions.k8s.io/v1/customresourcedefinitions': [['crd', 'crds'], ['api-extensions'], ['status'], false],
  'events.k8s.io/v1/events': [['ev'], [], [], true],
  'discovery.k8s.io/v1/endpointslices': [[], [], [], true],
  'authentication.k8s.io/v1/selfsubjectreviews': [[], [], [], false],
  'authentication.k8s.io/v1/tokenreviews': [[], [], [], false],
  'authorization.k8s.io/v1/localsubjectaccessreviews': [[], [], [], true],
  'authorization.k8s.io/v1/selfsubjectaccessreviews': [[], [], [], false],
  'authorization.k8s.io/v1/selfsubjectrulesreviews': [[], [], [], false],
  'authorization.k8s.io/v1/subjectaccessreviews': [[], [], [], false],
  '/v1/resourcequotas': [['quota'], [], ['status'], true],
  '/v1/limitranges': [['limits'], [], [], true],
  '/v1/podtemplates': [[], [], [], true],
  'node.k8s.io/v1/runtimeclasses': [[], [], [], false],
  'admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': [[], ['api-extensions'], [], false],
  'admissionregistration.k8s.io/v1/validatingwebhookconfigurations': [[], ['api-extensions'], [], false],
  'admissionregistration.k8s.io/v1/validatingadmissionpolicies': [[], ['api-extensions'], ['status'], false],
  'admissionregistration.k8s.io/v1/validatingadmissionpolicybindings': [[], ['api-extensions'], [], false],
  'rbac.authorization.k8s.io/v1/clusterrolebindings': [[], [], [], false],
  'rbac.authorization.k8s.io/v1/clusterroles': [[], [], [], false],
  'rbac.authorization.k8s.io/v1/rolebindings': [[], [], [], true],
  'rbac.authorization.k8s.io/v1/roles': [[], [], [], true],
  'certificates.k8s.io/v1/certificatesigningrequests': [['csr'], [], ['approval', 'status'], false],
  'networking.k8s.io/v1/ingresses': [['ing'], [], ['status'], true],
  'networking.k8s.io/v1/networkpolicies': [['netpol'], [], [], true],
  'networking.k8s.io/v1/ingressclasses': [[], [], [], false],
  'storage.k8s.io/v1/csidrivers': [[], [], [], false],
  'storage.k8s.io/v1/csinodes': [[], [], [], false],
  'storage.k8s.io/v1/volumeattachments': [[], [], ['status'], false],
  'apiregistration.k8s.io/v1/apiservices': [[], ['api-extensions'], ['status'], false],
};

describe('registry', () => {
  it('serves exactly the expected resources with Kubernetes\' discovery facts', () => {
    assert.deepEqual(allResources.map((d) => `${d.group}/${d.version}/${d.plural}`).sort(), Object.keys(EXPECTED).sort());
    for (const [key, [shortNames, categories, subresources, namespaced]] of Object.entries(EXPECTED)) {
      const [group, version, plural] = key.split('/');
      const d = findResource(group, version, plural)!;
      assert.deepEqual([d.shortNames, d.categories, [...d.subresources].sort(), d.namespaced], [shortNames, categories, subresources, namespaced], key);
      assert.deepEqual(d.verbs, plural === 'namespaces'
        ? ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']
        : plural.endsWith('reviews') ? ['create'] // reviews are only created, never stored
          : plural === 'componentstatuses' ? ['get', 'list'] // checked on each request, read-only
          : ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], key);
    }
  });

  it('finds by kind', () => {
    assert.equal(findByKind('apps', 'v1', 'Deployment')?.plural, 'deployments');
    assert.equal(findByKind('extensions', 'v1beta1', 'DaemonSet'), undefined);
    assert.equal(findResource('', 'v1', 'endpoints')?.singular, 'endpoints');
  });

  it('gives scalable kinds their scale paths', () => {
    for (const p of ['deployments', 'replicasets', 'statefulsets']) assert.deepEqual(findResource('apps', 'v1', p)?.scale?.specReplicasPath, ['spec', 'replicas']);
    assert.ok(findResource('', 'v1', 'replicationcontrollers')?.scale);
  });

  it('offers Kubernetes\' field selectors', () => {
    const pods = findResource('', 'v1', 'pods')!;
    const pod = { metadata: { name: 'p' }, spec: { nodeName: 'host01' }, status: { phase: 'Running' } };
    assert.equal(pods.selectableFields?.['spec.nodeName']?.(pod), 'host01');
    assert.equal(pods.selectableFields?.['status.phase']?.(pod), 'Running');
    assert.ok(findResource('', 'v1', 'events')?.selectableFields?.['involvedObject.name']);
  });
});
