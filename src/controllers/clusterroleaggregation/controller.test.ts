import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { realClock } from '../../util/clock.js';
import type { RoleLike } from '../../api/rbac/resources.js';
import { ClusterRoleAggregationController, aggregatedRules, clusterRolesRef } from './controller.js';

test('aggregatedRules: the union of selected roles, in name order, without duplicates or itself', () => {
  const agg: RoleLike = { metadata: { name: 'agg', labels: { x: 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'true' } }] }, rules: [] };
  const r = (name: string, resources: string[], labels: Record<string, string> = { x: 'true' }): RoleLike => ({ metadata: { name, labels }, rules: [{ verbs: ['get'], apiGroups: [''], resources }] });
  const got = aggregatedRules(agg, [r('b', ['secrets']), r('a', ['pods']), r('c', ['pods']), r('d', ['nodes'], {}), agg]);
  assert.deepEqual(got.map((x) => x.resources), [['pods'], ['secrets']]);
});

test('the controller fills an aggregated ClusterRole and follows label changes', async (t) => {
  const tc = await startTestCluster();
  const stop = new AbortController();
  t.after(async () => { stop.abort(); await tc.close(); });
  const ctrl = new ClusterRoleAggregationController({ client: tc.client, informers: tc.informers, clock: realClock });
  await tc.start();
  void ctrl.run(stop.signal, 1);
  const api = 'rbac.authorization.k8s.io/v1';
  await tc.client.create(clusterRolesRef, undefined, { apiVersion: api, kind: 'ClusterRole', metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] } });
  await tc.client.create(clusterRolesRef, undefined, { apiVersion: api, kind: 'ClusterRole', metadata: { name: 'monitoring-endpoints', labels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services', 'endpoints', 'pods'] }] });
  await eventually(async () => {
    const m = await tc.client.get<RoleLike>(clusterRolesRef, undefined, 'monitoring');
    assert.deepEqual(m.rules, [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services', 'endpoints', 'pods'] }]);
  });
  await tc.client.delete(clusterRolesRef, undefined, 'monitoring-endpoints');
  await eventually(async () => {
    const m = await tc.client.get<RoleLike>(clusterRolesRef, undefined, 'monitoring');
    assert.deepEqual(m.rules ?? [], []);
  });
});
