import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { JobController } from './controller.js';
import { contextOf, getJob, jobManifest, activePodsOf, setPodStatus } from './testing.js';
import { timeLeft, TTLAfterFinishedController } from './ttl-after-finished.js';
import type { Job } from './types.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe('TTLAfterFinishedController', () => {
  it('timeLeft counts from the Complete or Failed condition', () => {
    const job = (conditions: Job['status']) => ({ ...jobManifest('j', { ttlSecondsAfterFinished: 100 }), status: conditions });
    const t = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(timeLeft(job({ conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] }), t + 40_000), 60_000);
    assert.equal(timeLeft(job({ conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] }), t + 100_000), 0);
    assert.equal(timeLeft(job({ conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] }), t), undefined, 'not finished yet');
    assert.equal(timeLeft(jobManifest('j'), t), undefined, 'no TTL');
  });

  it('deletes a finished Job once ttlSecondsAfterFinished has passed (foreground: its pods go first)', async () => {
    const tc = await startTestCluster();
    const clock = new FakeClock(new Date());
    const jobs = new JobController(contextOf(tc, clock), { syncJobBatchPeriodMs: 0 });
    const ttl = new TTLAfterFinishedController(contextOf(tc, clock));
    await tc.start();
    const ac = new AbortController();
    const running = Promise.all([jobs.run(ac.signal, 2), ttl.run(ac.signal, 1)]);
    cleanup.push(async () => { ac.abort(); await running; await jobs.recorder.flush(); await tc.close(); });

    await tc.client.create(Resources.jobs, 'default', jobManifest('short-lived', { ttlSecondsAfterFinished: 60 }));
    const [pod] = await eventually(async () => {
      const a = await activePodsOf(tc, 'short-lived');
      assert.equal(a.length, 1);
      return a;
    });
    await setPodStatus(tc, pod, { phase: 'Succeeded' });
    await eventually(async () => assert.ok((await getJob(tc, 'short-lived')).status?.completionTime, 'the Job completed'));
    await clock.step(59_000);
    await ttl.processJob('default/short-lived');
    assert.ok(await getJob(tc, 'short-lived'), 'not before the TTL');
    await clock.step(1_000);
    // No garbage collector runs here: the foreground delete leaves the Job marked, waiting for its dependents.
    const deleting = await eventually(async () => {
      const j = await getJob(tc, 'short-lived');
      assert.ok(j.metadata?.deletionTimestamp, 'the Job is being deleted');
      return j;
    });
    assert.deepEqual(deleting.metadata?.finalizers, ['foregroundDeletion']);
  });
});
