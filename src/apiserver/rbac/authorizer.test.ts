import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { RBACAuthorizer, type ObjectLister } from './authorizer.js';
import { resourceMatches, ruleAllows, type RuleRequest } from './rules.js';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS } from './bootstrap.js';

function lister(objs: KubeObject[]): ObjectLister {
  const key = (o: KubeObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata!.name!);
  return { list: async () => objs, get: async (k) => objs.find((o) => key(o) === k) };
}

const req = (p: Partial<RuleRequest>): RuleRequest => ({ verb: 'get', resourceRequest: true, path: '', apiGroup: '', resource: 'pods', subresource: '', name: '', ...p });

test('rules: verbs, groups, resources with subresources and */scale, resourceNames, non-resource URLs', () => {
  assert.equal(ruleAllows(req({ verb: 'list' }), { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }), true);
  assert.equal(ruleAllows(req({ verb: 'delete' }), { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }), false);
  assert.equal(ruleAllows(req({ apiGroup: 'apps', resource: 'deployments' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), true);
  assert.equal(ruleAllows(req({ subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods'] }), false, 'pods does not cover pods/log');
  assert.equal(ruleAllows(req({ subresource: 'log' }), { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }), true);
  assert.equal(resourceMatches({ verbs: ['get'], resources: ['*/scale'] }, 'deployments', 'scale'), true);
  assert.equal(resourceMatches({ verbs: ['get'], resources: ['*/scale'] }, 'deployments', ''), false);
  assert.equal(ruleAllows(req({ name: 'a' }), { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }), true);
  assert.equal(ruleAllows(req({ name: 'b' }), { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }), false);
  assert.equal(ruleAllows(req({ verb: 'list' }), { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }), false, 'a list has no name');
  const nr = (path: string) => req({ resourceRequest: false, path });
  assert.equal(ruleAllows(nr('/apis/apps'), { verbs: ['get'], nonResourceURLs: ['/apis/*'] }), true);
  assert.equal(ruleAllows(nr('/metrics'), { verbs: ['get'], nonResourceURLs: ['/apis/*'] }), false);
  assert.equal(ruleAllows(nr('/anything'), { verbs: ['get'], nonResourceURLs: ['*'] }), true);
});

const sa = { name: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] };

test('authorizer: role bindings in a namespace, cluster role bindings everywhere, bootstrap bindings', async () => {
  const roles: KubeObject[] = [{ metadata: { namespace: 'team', name: 'pod-reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] }];
  const roleBindings: KubeObject[] = [
    // a ServiceAccount subject without a namespace is the binding's own namespace
    { metadata: { namespace: 'team', name: 'read-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] },
    { metadata: { namespace: 'team', name: 'view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:team' }] },
  ];
  const clusterRoles: KubeObject[] = [...BOOTSTRAP_CLUSTER_ROLES, { metadata: { name: 'secret-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }];
  const a = new RBACAuthorizer({ roles: lister(roles), roleBindings: lister(roleBindings), clusterRoles: lister(clusterRoles), clusterRoleBindings: lister(BOOTSTRAP_CLUSTER_ROLE_BINDINGS) });
  const at = (p: Partial<RuleRequest> & { namespace?: string }, user = sa) => a.authorize({ ...req(p), namespace: p.namespace ?? 'team', user });
  assert.equal(await at({ verb: 'list' }), true);
  assert.equal(await at({ verb: 'list', namespace: 'other' }), false, 'a Role binds in its namespace only');
  assert.equal(await at({ verb: 'delete', name: 'x' }), false);
  assert.equal(await at({ resource: 'secrets', name: 's' }), true, 'a ClusterRole through a RoleBinding applies in the binding namespace');
  assert.equal(await at({ resource: 'secrets', name: 's', namespace: 'other' }), false);
  // bootstrap: every authenticated user reviews itself and reads discovery
  assert.equal(await at({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', namespace: '' }), true);
  assert.equal(await at({ resourceRequest: false, path: '/apis/apps/v1', namespace: '' }), true);
  assert.equal(await at({ resourceRequest: false, path: '/metrics', namespace: '' }), false);
  // system:masters is cluster-admin
  assert.equal(await at({ verb: 'delete', resource: 'nodes', namespace: '' }, { name: 'x', groups: ['system:masters'] }), true);
  const rules = await a.rulesFor(sa, 'team');
  assert.deepEqual(rules.filter((r) => r.resources?.includes('pods')), [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  assert.ok(rules.some((r) => r.resources?.includes('selfsubjectaccessreviews')), 'cluster-wide bindings are listed too');
});
