import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { RestClient } from '../../client/rest.js';
import { Resources } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { compactRules, compactString, covers, escalationMessage } from './escalation.js';

test('covers, compactRules and the message as ConfirmNoEscalation words it', () => {
  const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/scale'] }, { verbs: ['get'], nonResourceURLs: ['/apis/*'] }];
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['list'], apiGroups: [''], resources: ['deployments/scale'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]).covered, true);
  const { covered, missing } = covers(owner, [{ verbs: ['get', 'delete', 'create'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
  assert.equal(covered, false);
  assert.deepEqual(compactRules(missing).map(compactString), [
    '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "create"]}',
  ]);
  assert.equal(escalationMessage({ name: 'jane', groups: ['system:authenticated'] }, missing),
    'user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
    + '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "create"]}');
});

const rbac = (plural: string, namespaced: boolean) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, namespaced });
const api = 'rbac.authorization.k8s.io/v1';

test('a service account may grant only what it holds, or what escalate/bind allow', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const c = tc.client;
  await c.create(Resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'lead' } });
  const tr = await c.createSubresource(Resources.serviceaccounts, 'default', 'lead', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  const lead = new RestClient({ server: tc.api.url, token: (tr.status as { token: string }).token });
  // lead may manage roles and bindings and read pods in default
  await c.create(rbac('roles', true), 'default', { apiVersion: api, kind: 'Role', metadata: { name: 'rbac-manager' }, rules: [
    // (not '*': that would hold escalate and bind too)
    { verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
  ] });
  await c.create(rbac('rolebindings', true), 'default', { apiVersion: api, kind: 'RoleBinding', metadata: { name: 'lead' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rbac-manager' }, subjects: [{ kind: 'ServiceAccount', name: 'lead' }] });
  const role = (name: string, verbs: string[]): KubeObject => ({ apiVersion: api, kind: 'Role', metadata: { name }, rules: [{ verbs, apiGroups: [''], resources: ['pods'] }] });
  await eventually(() => lead.create(rbac('roles', true), 'default', role('pod-reader', ['get'])));
  let err = await lead.create(rbac('roles', true), 'default', role('pod-deleter', ['get', 'delete'])).catch((e: StatusError) => e);
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 403);
  assert.equal(err.message, 'roles.rbac.authorization.k8s.io "pod-deleter" is forbidden: user "system:serviceaccount:default:lead" (groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}');
  // binding a role it holds is fine; binding cluster-admin is not, unless it may `bind` it
  const binding = (name: string, kind: string, roleName: string): KubeObject => ({ apiVersion: api, kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }] });
  await lead.create(rbac('rolebindings', true), 'default', binding('jane-reads', 'Role', 'pod-reader'));
  err = await lead.create(rbac('rolebindings', true), 'default', binding('jane-admin', 'ClusterRole', 'cluster-admin')).catch((e: StatusError) => e);
  assert.ok(err instanceof StatusError);
  assert.equal(err.message, 'rolebindings.rbac.authorization.k8s.io "jane-admin" is forbidden: user "system:serviceaccount:default:lead" (groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
    + '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}');
  await c.create(rbac('roles', true), 'default', { apiVersion: api, kind: 'Role', metadata: { name: 'binder' }, rules: [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }] });
  await c.create(rbac('rolebindings', true), 'default', { apiVersion: api, kind: 'RoleBinding', metadata: { name: 'lead-binds' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'binder' }, subjects: [{ kind: 'ServiceAccount', name: 'lead' }] });
  await eventually(() => lead.create(rbac('rolebindings', true), 'default', binding('jane-admin', 'ClusterRole', 'cluster-admin')));
  // the admin (system:masters) may write anything
  await c.create(rbac('roles', true), 'default', role('anything', ['*']));
});
