import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_USER, TokenAuthenticator, nodeCredential } from './authn.js';
import { authorize, forbiddenError, podRefs, requestAttributes, type NodeGraph, type PodRefs } from './authz.js';
import { parseRequestInfo } from './request-info.js';

const host01 = new TokenAuthenticator({ adminTokens: ['admin'], nodeToken: 'nt' }).authenticate(`Bearer ${nodeCredential('host01', 'nt')}`)!;

// Pods: web (host01) uses secret s1, configmap c1, claim data (bound to pv1); other (host02) uses s2.
const pods: PodRefs[] = [
  podRefs({
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      nodeName: 'host01',
      containers: [{ env: [{ valueFrom: { secretKeyRef: { name: 's1' } } }], envFrom: [{ configMapRef: { name: 'c1' } }] }],
      volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }, { name: 'p', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }],
    },
  }),
  podRefs({ metadata: { namespace: 'default', name: 'other' }, spec: { nodeName: 'host02', volumes: [{ name: 's', secret: { secretName: 's2' } }] } }),
];
const graph: NodeGraph = {
  async pod(ns, name) { return pods.find((p) => p.namespace === ns && p.name === name); },
  async podsOnNode(node, ns) { return pods.filter((p) => p.nodeName === node && (!ns || p.namespace === ns)); },
  async claimVolume(ns, claim) { return ns === 'default' && claim === 'data' ? 'pv1' : undefined; },
};

interface Case { method: string; path: string; query?: string; upgrade?: boolean; allowed: boolean; message?: string }

const U = 'User "system:node:host01"';
const cases: Case[] = [
  // the node's own Node object and its status
  { method: 'POST', path: '/api/v1/nodes', allowed: true },
  { method: 'GET', path: '/api/v1/nodes/host01', allowed: true },
  { method: 'PUT', path: '/api/v1/nodes/host01', allowed: true },
  { method: 'PATCH', path: '/api/v1/nodes/host01/status', allowed: true },
  { method: 'GET', path: '/api/v1/nodes', query: 'fieldSelector=metadata.name%3Dhost01', allowed: true },
  { method: 'GET', path: '/api/v1/nodes', allowed: false, message: `nodes is forbidden: ${U} cannot list resource "nodes" in API group "" at the cluster scope: node 'host01' cannot read all nodes, only its own Node object` },
  { method: 'GET', path: '/api/v1/nodes/host02', allowed: false, message: `nodes "host02" is forbidden: ${U} cannot get resource "nodes" in API group "" at the cluster scope: node 'host01' cannot read 'host02', only its own Node object` },
  { method: 'PATCH', path: '/api/v1/nodes/host02/status', allowed: false, message: 'nodes "host02" is forbidden: node "host01" is not allowed to modify node "host02"' },
  { method: 'DELETE', path: '/api/v1/nodes/host01', allowed: false, message: `nodes "host01" is forbidden: ${U} cannot delete resource "nodes" in API group "" at the cluster scope` },
  // its lease
  { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/host01', allowed: true },
  { method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', allowed: true },
  { method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/host01', allowed: true },
  { method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/host02', allowed: false, message: `leases.coordination.k8s.io "host02" is forbidden: ${U} cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node` },
  { method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases/host01', allowed: false, message: `leases.coordination.k8s.io "host01" is forbidden: ${U} cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "default": can only access leases in the "kube-node-lease" system namespace` },
  // pods bound to it
  { method: 'GET', path: '/api/v1/pods', query: 'fieldSelector=spec.nodeName%3Dhost01', allowed: true },
  { method: 'GET', path: '/api/v1/pods', query: 'fieldSelector=spec.nodeName%3Dhost01&watch=true', allowed: true },
  { method: 'GET', path: '/api/v1/pods', allowed: false, message: `pods is forbidden: ${U} cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector` },
  { method: 'GET', path: '/api/v1/pods', query: 'fieldSelector=spec.nodeName%3Dhost02', allowed: false, message: `pods is forbidden: ${U} cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector` },
  { method: 'GET', path: '/api/v1/namespaces/default/pods/web', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/pods/other', allowed: false, message: `pods "other" is forbidden: ${U} cannot get resource "pods" in API group "" in the namespace "default": no relationship found between node 'host01' and this object` },
  { method: 'PATCH', path: '/api/v1/namespaces/default/pods/web/status', allowed: true },
  { method: 'PUT', path: '/api/v1/namespaces/default/pods/web/status', allowed: true },
  { method: 'PATCH', path: '/api/v1/namespaces/default/pods/other/status', allowed: false, message: 'pods "other" is forbidden: node "host01" can only update pod status for pods with spec.nodeName set to itself' },
  { method: 'DELETE', path: '/api/v1/namespaces/default/pods/web', allowed: true },
  { method: 'DELETE', path: '/api/v1/namespaces/default/pods/gone', allowed: true },
  { method: 'DELETE', path: '/api/v1/namespaces/default/pods/other', allowed: false, message: 'pods "other" is forbidden: node "host01" can only delete pods with spec.nodeName set to itself' },
  { method: 'PUT', path: '/api/v1/namespaces/default/pods/web', allowed: false, message: `pods "web" is forbidden: ${U} cannot update resource "pods" in API group "" in the namespace "default"` },
  { method: 'POST', path: '/api/v1/namespaces/default/pods', allowed: false, message: 'pods is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "host01" can only create mirror pods' },
  { method: 'GET', path: '/api/v1/namespaces/default/pods/web/exec', upgrade: true, allowed: false, message: `pods "web" is forbidden: ${U} cannot create resource "pods/exec" in API group "" in the namespace "default"` },
  { method: 'GET', path: '/api/v1/namespaces/default/pods/web/log', allowed: false, message: `pods "web" is forbidden: ${U} cannot get resource "pods/log" in API group "" in the namespace "default"` },
  // what its pods reference, and nothing else
  { method: 'GET', path: '/api/v1/namespaces/default/secrets/s1', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/configmaps/c1', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/secrets', query: 'fieldSelector=metadata.name%3Ds1&watch=1', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/secrets/s2', allowed: false, message: `secrets "s2" is forbidden: ${U} cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'host01' and this object` },
  { method: 'GET', path: '/api/v1/secrets', allowed: false, message: `secrets is forbidden: ${U} cannot list resource "secrets" in API group "" at the cluster scope: can only read namespaced object of this type` },
  { method: 'GET', path: '/api/v1/namespaces/default/secrets', allowed: false, message: `secrets is forbidden: ${U} cannot list resource "secrets" in API group "" in the namespace "default": No Object name found` },
  { method: 'PUT', path: '/api/v1/namespaces/default/configmaps/c1', allowed: false, message: `configmaps "c1" is forbidden: ${U} cannot update resource "configmaps" in API group "" in the namespace "default": can only read resources of this type` },
  { method: 'GET', path: '/api/v1/namespaces/default/persistentvolumeclaims/data', allowed: true },
  { method: 'GET', path: '/api/v1/persistentvolumes/pv1', allowed: true },
  { method: 'GET', path: '/api/v1/persistentvolumes/pv2', allowed: false, message: `persistentvolumes "pv2" is forbidden: ${U} cannot get resource "persistentvolumes" in API group "" at the cluster scope: no relationship found between node 'host01' and this object` },
  { method: 'GET', path: '/api/v1/persistentvolumes', allowed: false, message: `persistentvolumes is forbidden: ${U} cannot list resource "persistentvolumes" in API group "" at the cluster scope: can only get individual resources of this type` },
  { method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts/default/token', allowed: true },
  // static rules: events, services, endpoints
  { method: 'POST', path: '/api/v1/namespaces/default/events', allowed: true },
  { method: 'PATCH', path: '/api/v1/namespaces/default/events/web.1', allowed: true },
  { method: 'DELETE', path: '/api/v1/namespaces/default/events/web.1', allowed: false, message: `events "web.1" is forbidden: ${U} cannot delete resource "events" in API group "" in the namespace "default"` },
  { method: 'GET', path: '/api/v1/services', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/services', query: 'watch=true', allowed: true },
  { method: 'GET', path: '/api/v1/namespaces/default/endpoints/kubernetes', allowed: true },
  // everything else
  { method: 'POST', path: '/apis/apps/v1/namespaces/default/deployments', allowed: false, message: `deployments.apps is forbidden: ${U} cannot create resource "deployments" in API group "apps" in the namespace "default"` },
  { method: 'GET', path: '/api/v1/namespaces', allowed: false, message: `namespaces is forbidden: ${U} cannot list resource "namespaces" in API group "" at the cluster scope` },
  { method: 'DELETE', path: '/api/v1/namespaces/default', allowed: false, message: `namespaces "default" is forbidden: ${U} cannot delete resource "namespaces" in API group "" at the cluster scope` },
  { method: 'GET', path: '/apis', allowed: true },
  { method: 'GET', path: '/openapi/v3/api/v1', allowed: true },
];

for (const c of cases) {
  test(`node host01: ${c.method} ${c.path}${c.query ? '?' + c.query : ''}${c.upgrade ? ' (upgrade)' : ''}`, async () => {
    const url = new URL(`https://x${c.path}${c.query ? '?' + c.query : ''}`);
    const a = requestAttributes(host01, c.method, url, parseRequestInfo(url.pathname), c.upgrade);
    const d = await authorize(a, graph);
    assert.equal(d.allowed, c.allowed, d.reason);
    if (!c.allowed) {
      const e = forbiddenError(a, d);
      assert.equal(e.code, 403);
      assert.equal(e.reason, 'Forbidden');
      assert.equal(e.message, c.message);
    }
  });
}

test('the admin may do anything', async () => {
  for (const c of cases) {
    const url = new URL(`https://x${c.path}${c.query ? '?' + c.query : ''}`);
    assert.equal((await authorize(requestAttributes(ADMIN_USER, c.method, url, parseRequestInfo(url.pathname), c.upgrade), graph)).allowed, true);
  }
});

test('a denial carries Kubernetes\' Status details', async () => {
  const url = new URL('https://x/apis/apps/v1/namespaces/default/deployments/web');
  const a = requestAttributes(host01, 'DELETE', url, parseRequestInfo(url.pathname));
  const s = forbiddenError(a, await authorize(a, graph)).toStatus();
  assert.deepEqual(s.details, { name: 'web', group: 'apps', kind: 'deployments' });
});
