import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../client/types.js';
import { computeHash } from './util/hash.js';
import { eventually, nginxTemplate, startDeploymentEnv, type DeploymentEnv } from './test-helpers.js';
import type { ReplicaSet } from './types.js';

describe('DeploymentController: new ReplicaSet, status, conditions', () => {
  let env: DeploymentEnv;
  before(async () => { env = await startDeploymentEnv(); });
  after(async () => { await env.close(); });

  it('creates DEPLOY-<pod-template-hash> with the hash in selector, labels and template, revision 1 and replica annotations', async () => {
    await env.create('nginx');
    const [rs] = await eventually(async () => {
      const rss = await env.replicaSets('nginx');
      assert.equal(rss.length, 1);
      return rss;
    });
    const d = await env.get('nginx');
    const hash = computeHash(d.spec!.template);
    assert.equal(rs.metadata!.name, `nginx-${hash}`);
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.deepEqual(rs.metadata!.labels, { app: 'nginx', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec!.selector, { matchLabels: { app: 'nginx', 'pod-template-hash': hash } });
    assert.deepEqual(rs.spec!.template!.metadata!.labels, { app: 'nginx', 'pod-template-hash': hash });
    assert.equal(rs.spec!.replicas, 3);
    assert.deepEqual(rs.metadata!.annotations, {
      'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4',
    });
    assert.deepEqual(rs.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx', uid: d.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    await eventually(async () => {
      const d2 = await env.get('nginx');
      assert.equal(d2.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
      assert.equal(d2.status!.observedGeneration, 1);
      const p = d2.status!.conditions!.find((c) => c.type === 'Progressing')!;
      assert.equal(p.reason, 'NewReplicaSetCreated');
      assert.equal(p.message, `Created new replica set "nginx-${hash}"`);
      const a = d2.status!.conditions!.find((c) => c.type === 'Available')!;
      assert.deepEqual([a.status, a.reason, a.message], ['False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.']);
    });
    assert.deepEqual(await env.events('nginx'), [`Scaled up replica set nginx-${hash} from 0 to 3`]);
  });

  it('reports ReplicaSet progress as the reference cluster does (0/3 ready: 3 updated, 3 unavailable, ReplicaSetUpdated)', async () => {
    const [rs] = await env.replicaSets('nginx');
    await env.setRSStatus(rs.metadata!.name!, { replicas: 3 });
    await eventually(async () => {
      const st = (await env.get('nginx')).status!;
      assert.equal(st.replicas, 3);
      assert.equal(st.updatedReplicas, 3);
      assert.equal(st.unavailableReplicas, 3);
      assert.equal(st.readyReplicas, undefined);
      assert.equal(st.availableReplicas, undefined);
      const p = st.conditions!.find((c) => c.type === 'Progressing')!;
      assert.deepEqual([p.status, p.reason, p.message], ['True', 'ReplicaSetUpdated', `ReplicaSet "${rs.metadata!.name}" is progressing.`]);
    });
  });

  it('is Available with NewReplicaSetAvailable once every pod is available', async () => {
    const [rs] = await env.replicaSets('nginx');
    await env.setRSStatus(rs.metadata!.name!, { replicas: 3, ready: 3, available: 3 });
    await eventually(async () => {
      const st = (await env.get('nginx')).status!;
      assert.deepEqual([st.replicas, st.updatedReplicas, st.readyReplicas, st.availableReplicas, st.unavailableReplicas], [3, 3, 3, 3, undefined]);
      const a = st.conditions!.find((c) => c.type === 'Available')!;
      assert.deepEqual([a.status, a.reason, a.message], ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']);
      const p = st.conditions!.find((c) => c.type === 'Progressing')!;
      assert.deepEqual([p.status, p.reason, p.message], ['True', 'NewReplicaSetAvailable', `ReplicaSet "${rs.metadata!.name}" has successfully progressed.`]);
    });
  });

  it('promotes a ReplicaSet\'s ReplicaFailure condition and drops it when it clears', async () => {
    const [rs] = await env.replicaSets('nginx');
    const failure = { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota', lastTransitionTime: '2026-01-01T00:00:00Z' };
    await env.setRSStatus(rs.metadata!.name!, { replicas: 3, ready: 3, available: 3, conditions: [failure] });
    await eventually(async () => {
      const c = (await env.get('nginx')).status!.conditions!.find((x) => x.type === 'ReplicaFailure');
      assert.deepEqual(c, { ...failure, lastUpdateTime: failure.lastTransitionTime });
    });
    await env.setRSStatus(rs.metadata!.name!, { replicas: 3, ready: 3, available: 3 });
    await eventually(async () => {
      assert.equal((await env.get('nginx')).status!.conditions!.find((x) => x.type === 'ReplicaFailure'), undefined);
    });
  });

  it('copies minReadySeconds and kubernetes.io/change-cause onto the new ReplicaSet', async () => {
    await env.mutate('nginx', (d) => {
      d.spec!.minReadySeconds = 5;
      d.metadata!.annotations!['kubernetes.io/change-cause'] = 'first version';
    });
    await eventually(async () => {
      const [rs] = await env.replicaSets('nginx');
      assert.equal(rs.spec!.minReadySeconds, 5);
      assert.equal(rs.metadata!.annotations!['kubernetes.io/change-cause'], 'first version');
    });
  });

  it('adopts a matching orphan ReplicaSet with its template instead of creating one, and releases one that stops matching', async () => {
    const template = { ...nginxTemplate('web'), metadata: { labels: { app: 'web', 'pod-template-hash': 'manual' } } };
    await env.tc.client.create<ReplicaSet>(Resources.replicasets, 'default', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: 'web-manual', labels: { app: 'web', 'pod-template-hash': 'manual' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'manual' } }, template },
    });
    await env.create('web', { replicas: 2 });
    const rss = await eventually(async () => {
      const r = await env.replicaSets('web');
      assert.equal(r.length, 1);
      assert.equal(r[0].spec!.replicas, 2);
      return r;
    });
    assert.equal(rss[0].metadata!.name, 'web-manual');
    await env.tc.client.patch(Resources.replicasets, 'default', 'web-manual', { metadata: { labels: { app: 'other' } } }, 'merge');
    await eventually(async () => {
      const rs = await env.tc.client.get<ReplicaSet>(Resources.replicasets, 'default', 'web-manual');
      assert.equal(rs.metadata!.ownerReferences?.length ?? 0, 0);
    });
  });

  it('a hash collision bumps collisionCount and names the ReplicaSet with the new hash', async () => {
    await env.create('coll', { paused: true });
    const d = await env.get('coll');
    const hash = computeHash(d.spec!.template);
    // Someone else's ReplicaSet already has the name, with another template and labels the selector does not match.
    await env.tc.client.create<ReplicaSet>(Resources.replicasets, 'default', {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: `coll-${hash}`, labels: { app: 'squatter' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'squatter' } }, template: nginxTemplate('squatter') },
    });
    await env.mutate('coll', (x) => { x.spec!.paused = false; });
    await eventually(async () => {
      const dd = await env.get('coll');
      assert.equal(dd.status!.collisionCount, 1);
      const rss = await env.replicaSets('coll');
      assert.deepEqual(rss.map((r) => r.metadata!.name), [`coll-${computeHash(dd.spec!.template, 1)}`]);
    }, 10_000);
  });
});
