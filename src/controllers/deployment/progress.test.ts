import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../util/clock.js';
import { eventually, startDeploymentEnv, type DeploymentEnv } from './test-helpers.js';

describe('progressDeadlineSeconds on a fake clock', () => {
  const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
  let env: DeploymentEnv;
  before(async () => { env = await startDeploymentEnv({ clock }); });
  after(async () => { await env.close(); });

  const progressing = async (name: string) => (await env.get(name)).status?.conditions?.find((c) => c.type === 'Progressing');

  /** advance moves the fake clock by seconds, one second at a time, letting the controller run in between. */
  async function advance(seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      await clock.step(1000);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('a rollout without progress for progressDeadlineSeconds gets ProgressDeadlineExceeded', async () => {
    await env.create('stuck', { progressDeadlineSeconds: 30 });
    await eventually(async () => assert.equal((await progressing('stuck'))?.reason, 'NewReplicaSetCreated'));
    const [rs] = await env.replicaSets('stuck');
    await advance(25);
    assert.equal((await progressing('stuck'))?.reason, 'NewReplicaSetCreated');
    // Nothing else happens to the Deployment: only the requeue timed for the deadline can notice.
    await eventually(async () => {
      await advance(1);
      const c = await progressing('stuck');
      assert.deepEqual([c?.status, c?.reason, c?.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${rs.metadata!.name}" has timed out progressing.`]);
    }, 20_000);
    assert.equal((await progressing('stuck'))?.lastTransitionTime! > '2026-01-01T00:00:30Z', true);
  });

  it('progress resets the deadline: it counts from the last progress seen', async () => {
    await env.create('slow', { progressDeadlineSeconds: 30 });
    await eventually(async () => assert.equal((await progressing('slow'))?.reason, 'NewReplicaSetCreated'));
    const [rs] = await env.replicaSets('slow');
    await advance(20);
    await env.setRSStatus(rs.metadata!.name!, { replicas: 3 });
    await eventually(async () => assert.equal((await progressing('slow'))?.reason, 'ReplicaSetUpdated'));
    const updatedAt = Date.parse((await progressing('slow'))!.lastUpdateTime!);
    assert.ok(updatedAt >= Date.parse('2026-01-01T00:00:20Z'));
    await advance(20);
    assert.equal((await progressing('slow'))?.reason, 'ReplicaSetUpdated', '40 s after creation, 20 s after progress');
    await eventually(async () => {
      await advance(1);
      assert.equal((await progressing('slow'))?.reason, 'ProgressDeadlineExceeded');
    }, 20_000);
    assert.ok(clock.now().getTime() - updatedAt >= 30_000);
  });

  it('time spent paused does not count against the deadline', async () => {
    await env.create('pz', { progressDeadlineSeconds: 30 });
    await eventually(async () => assert.equal((await progressing('pz'))?.reason, 'NewReplicaSetCreated'));
    await env.mutate('pz', (d) => { d.spec!.paused = true; });
    await eventually(async () => assert.equal((await progressing('pz'))?.reason, 'DeploymentPaused'));
    await advance(60);
    assert.equal((await progressing('pz'))?.reason, 'DeploymentPaused');
    await env.mutate('pz', (d) => { d.spec!.paused = false; });
    await eventually(async () => {
      const c = await progressing('pz');
      assert.deepEqual([c?.status, c?.reason, c?.message], ['Unknown', 'DeploymentResumed', 'Deployment is resumed']);
    });
    await advance(10);
    assert.equal((await progressing('pz'))?.reason, 'DeploymentResumed');
  });

  it('a finished rollout is never timed out', async () => {
    await env.create('done', { replicas: 1, progressDeadlineSeconds: 30 });
    await eventually(async () => {
      await env.settle('done');
      assert.equal((await progressing('done'))?.reason, 'NewReplicaSetAvailable');
    });
    await advance(45);
    assert.equal((await progressing('done'))?.reason, 'NewReplicaSetAvailable');
  });
});
