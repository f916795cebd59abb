import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../client/types.js';
import { eventually, startDeploymentEnv, type DeploymentEnv } from './test-helpers.js';
import type { PodTemplate } from '../common/pod-control.js';
import type { Deployment, ReplicaSet } from './types.js';

const REV = 'deployment.kubernetes.io/revision';
const sizes = (rss: ReplicaSet[]) => rss.map((r) => r.spec!.replicas);
const imageOf = (t: PodTemplate | undefined) => (t?.spec as { containers: { image: string }[] }).containers[0].image;
const image = (i: string) => (d: Deployment) => { d.spec!.template!.spec!.containers = [{ name: 'nginx', image: i }]; };

describe('scaling, pausing, revisions and history', () => {
  let env: DeploymentEnv;
  before(async () => { env = await startDeploymentEnv(); });
  after(async () => { await env.close(); });

  /** rollout changes the image and lets the ReplicaSets follow until the new one has every pod. */
  async function rollout(name: string, img: string, replicas = 3, changeCause?: string): Promise<void> {
    await env.mutate(name, (d) => {
      image(img)(d);
      if (changeCause) d.metadata!.annotations!['kubernetes.io/change-cause'] = changeCause;
    });
    await eventually(async () => {
      await env.settle(name);
      const d = await env.get(name);
      assert.equal(d.status?.observedGeneration, d.metadata?.generation);
      assert.equal(d.status?.updatedReplicas, replicas);
      assert.equal(d.status?.replicas, replicas);
      assert.equal(d.status?.availableReplicas, replicas);
    }, 10_000);
  }

  it('kubectl scale resizes the only ReplicaSet and records the scaling', async () => {
    await env.create('web', { replicas: 3 });
    await eventually(async () => { await env.settle('web'); assert.equal((await env.get('web')).status!.availableReplicas, 3); });
    const [rs] = await env.replicaSets('web');
    await env.tc.client.patch(Resources.deployments, 'default', 'web', { spec: { replicas: 4 } }, 'merge');
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('web')), [4]));
    await env.tc.client.patch(Resources.deployments, 'default', 'web', { spec: { replicas: 2 } }, 'merge');
    await eventually(async () => {
      const [r] = await env.replicaSets('web');
      assert.equal(r.spec!.replicas, 2);
      assert.equal(r.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '2');
      assert.equal(r.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '3');
    });
    const n = rs.metadata!.name;
    assert.deepEqual((await env.events('web')).slice(-2), [`Scaled up replica set ${n} from 3 to 4`, `Scaled down replica set ${n} from 4 to 2`]);
  });

  it('scales active ReplicaSets proportionally when spec.replicas changes mid-rollout', async () => {
    await env.create('prop', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } });
    await eventually(async () => { await env.settle('prop'); assert.equal((await env.get('prop')).status!.availableReplicas, 10); });
    await env.mutate('prop', image('nginx:2'));
    // No new pod becomes available: the rollout stops at 13 pods, 8 old and 5 new.
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('prop')), [8, 5]));
    await env.mutate('prop', (d) => { d.spec!.replicas = 20; });
    // 23 allowed: the old ReplicaSet had 8/13, the new one 5/13 of the old maximum.
    await eventually(async () => {
      const rss = await env.replicaSets('prop');
      assert.deepEqual(sizes(rss), [14, 9]);
      for (const rs of rss) {
        assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '20');
        assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '23');
      }
    });
    await env.mutate('prop', (d) => { d.spec!.replicas = 5; });
    // 8 allowed, 15 to remove, larger (and older) first: 14 → round(14·8/23) = 5, 9 → 3; the old
    // ReplicaSet's stale status (more available than its new size) no longer holds the rollout back,
    // so the controller may already have moved on from [5, 3] by the time we look.
    await eventually(async () => {
      const s = sizes(await env.replicaSets('prop'));
      assert.ok(s[0]! + s[1]! <= 8 && s[0]! <= 5, `scaled down proportionally: ${s}`);
    });
    await eventually(async () => { await env.settle('prop'); assert.deepEqual(sizes(await env.replicaSets('prop')), [0, 5]); }, 10_000);
  });

  it('a paused Deployment does not roll out but still scales; resuming rolls out', async () => {
    await env.create('p', { replicas: 3 });
    await eventually(async () => { await env.settle('p'); assert.equal((await env.get('p')).status!.availableReplicas, 3); });
    await env.mutate('p', (d) => { d.spec!.paused = true; });
    await eventually(async () => {
      const c = (await env.get('p')).status!.conditions!.find((x) => x.type === 'Progressing')!;
      assert.deepEqual([c.status, c.reason, c.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
    });
    await env.mutate('p', image('nginx:paused'));
    await env.mutate('p', (d) => { d.spec!.replicas = 5; });
    await eventually(async () => assert.deepEqual(sizes(await env.replicaSets('p')), [5]));
    assert.equal((await env.get('p')).metadata!.annotations![REV], '1');
    await env.mutate('p', (d) => { d.spec!.paused = false; });
    await eventually(async () => {
      const rss = await env.replicaSets('p');
      assert.equal(rss.length, 2);
      assert.equal(imageOf(rss[1].spec!.template), 'nginx:paused');
      const c = (await env.get('p')).status!.conditions!.find((x) => x.type === 'Progressing')!;
      assert.notEqual(c.reason, 'DeploymentPaused');
    });
    await rollout('p', 'nginx:paused', 5);
    assert.equal((await env.get('p')).metadata!.annotations![REV], '2');
  });

  it('revisions: going back to an old template (kubectl rollout undo) reuses its ReplicaSet with the next revision', async () => {
    await env.create('rev', { replicas: 2 }, { 'kubernetes.io/change-cause': 'v1' });
    await eventually(async () => { await env.settle('rev'); assert.equal((await env.get('rev')).status!.availableReplicas, 2); });
    // kubectl set image + annotate kubernetes.io/change-cause, as one change.
    await rollout('rev', 'nginx:2', 2, 'v2');
    let [rs1, rs2] = await env.replicaSets('rev');
    assert.equal(rs1.metadata!.annotations![REV], '1');
    assert.equal(rs1.metadata!.annotations!['kubernetes.io/change-cause'], 'v1');
    assert.equal(rs2.metadata!.annotations![REV], '2');
    assert.equal(rs2.metadata!.annotations!['kubernetes.io/change-cause'], 'v2');
    // What kubectl rollout undo does: the old ReplicaSet's template (without the hash) and annotations back into the Deployment.
    await env.mutate('rev', (d) => {
      const t = structuredClone(rs1.spec!.template!);
      delete t.metadata!.labels!['pod-template-hash'];
      d.spec!.template = t;
      d.metadata!.annotations!['kubernetes.io/change-cause'] = 'v1';
    });
    await eventually(async () => {
      await env.settle('rev');
      const rss = await env.replicaSets('rev');
      assert.equal(rss.length, 2);
      // Now lowest revision first: rs2 (2) then rs1 (3).
      assert.equal(rss[1].metadata!.name, rs1.metadata!.name);
      assert.equal(rss[1].metadata!.annotations![REV], '3');
      assert.equal(rss[1].metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
      assert.deepEqual(sizes(rss), [0, 2]);
      assert.equal((await env.get('rev')).metadata!.annotations![REV], '3');
    }, 10_000);
    [rs2, rs1] = await env.replicaSets('rev');
    assert.equal(rs2.metadata!.annotations![REV], '2');
  });

  it('the deprecated rollbackTo annotation rolls back server-side with a DeploymentRollback event', async () => {
    await env.create('rb', { replicas: 1 });
    await eventually(async () => { await env.settle('rb'); assert.equal((await env.get('rb')).status!.availableReplicas, 1); });
    await rollout('rb', 'nginx:2', 1);
    await env.mutate('rb', (d) => { d.metadata!.annotations!['deprecated.deployment.rollback.to'] = '0'; });
    await eventually(async () => {
      const d = await env.get('rb');
      assert.equal(d.metadata!.annotations!['deprecated.deployment.rollback.to'], undefined);
      assert.equal(imageOf(d.spec!.template), 'nginx:1.25');
    });
    assert.deepEqual(await env.events('rb', 'DeploymentRollback'), ['Rolled back deployment "rb" to revision 1']);
    await env.mutate('rb', (d) => { d.metadata!.annotations!['deprecated.deployment.rollback.to'] = '9'; });
    await eventually(async () => assert.deepEqual(await env.events('rb', 'DeploymentRollbackRevisionNotFound'), ['Unable to find the revision to rollback to.']));
    assert.equal((await env.get('rb')).metadata!.annotations!['deprecated.deployment.rollback.to'], undefined);
  });

  it('keeps revisionHistoryLimit old ReplicaSets, deleting the lowest revisions', async () => {
    await env.create('hist', { replicas: 1, revisionHistoryLimit: 2 });
    await eventually(async () => { await env.settle('hist'); assert.equal((await env.get('hist')).status!.availableReplicas, 1); });
    for (const v of ['2', '3', '4', '5']) await rollout('hist', `nginx:${v}`, 1);
    await eventually(async () => {
      const rss = await env.replicaSets('hist');
      assert.deepEqual(rss.map((r) => r.metadata!.annotations![REV]), ['3', '4', '5']);
    });
  });
});
