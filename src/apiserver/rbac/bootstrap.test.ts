import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster } from '../../testing/test-cluster.js';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_ROLES, BOOTSTRAP_ROLE_BINDINGS, reconcileBootstrapPolicy } from './bootstrap.js';

test('bootstrap policy: written at start, every binding names an existing role, absent objects come back, edited ones are kept', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const store = (p: string) => tc.api.storeFor('rbac.authorization.k8s.io', 'v1', p);
  const names = async (p: string) => (await store(p).list(undefined)).items.map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`).sort();
  assert.deepEqual(await names('clusterroles'), BOOTSTRAP_CLUSTER_ROLES.map((o) => `/${o.metadata!.name}`).sort());
  assert.deepEqual(await names('clusterrolebindings'), BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((o) => `/${o.metadata!.name}`).sort());
  assert.deepEqual(await names('roles'), BOOTSTRAP_ROLES.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`).sort());
  assert.deepEqual(await names('rolebindings'), BOOTSTRAP_ROLE_BINDINGS.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`).sort());
  for (const b of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) assert.ok(BOOTSTRAP_CLUSTER_ROLES.some((r) => r.metadata!.name === (b.roleRef as { name: string }).name), b.metadata!.name);
  for (const b of BOOTSTRAP_ROLE_BINDINGS) {
    assert.ok(BOOTSTRAP_ROLES.some((r) => r.metadata!.namespace === b.metadata!.namespace && r.metadata!.name === (b.roleRef as { name: string }).name), b.metadata!.name);
  }

  await store('clusterroles').delete(undefined, 'view');
  // an autoupdate binding gets its subjects back; one the admin marked autoupdate "false" is left alone
  const basic = await store('clusterrolebindings').get(undefined, 'system:basic-user');
  await store('clusterrolebindings').update(undefined, 'system:basic-user', { ...basic, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }] });
  const disc = await store('clusterrolebindings').get(undefined, 'system:discovery');
  await store('clusterrolebindings').update(undefined, 'system:discovery', { ...disc, metadata: { ...disc.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, subjects: [] });
  // an autoupdate role gets missing rules appended, broken down
  const reader = await store('clusterroles').get(undefined, 'system:kube-dns');
  await store('clusterroles').update(undefined, 'system:kube-dns', { ...reader, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['endpoints'] }] });
  await reconcileBootstrapPolicy((g, v, p) => tc.api.storeFor(g, v, p));
  assert.equal((await store('clusterroles').get(undefined, 'view')).metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.deepEqual((await store('clusterrolebindings').get(undefined, 'system:basic-user')).subjects, [
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
  ]);
  assert.deepEqual((await store('clusterrolebindings').get(undefined, 'system:discovery')).subjects ?? [], []);
  assert.deepEqual((await store('clusterroles').get(undefined, 'system:kube-dns')).rules, [
    { verbs: ['list'], apiGroups: [''], resources: ['endpoints'] },
    { verbs: ['watch'], apiGroups: [''], resources: ['endpoints'] },
    { verbs: ['list'], apiGroups: [''], resources: ['services'] },
    { verbs: ['watch'], apiGroups: [''], resources: ['services'] },
  ]);
});
