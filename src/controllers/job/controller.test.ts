import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { startController } from '../../testing/controller-run.js';
import { FakeClock } from '../../util/clock.js';
import { JobController, type JobControllerOptions } from './controller.js';
import { activePodsOf, contextOf, getJob, jobManifest, podsOf, setPodStatus } from './testing.js';
import { JOB_TRACKING_FINALIZER, type Job, type Pod } from './types.js';

interface Env {
  tc: TestCluster;
  clock: FakeClock;
  c: JobController;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** setup starts an API server and a running JobController on a FakeClock; pod events are not batched. */
async function setup(o: JobControllerOptions = {}): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  const c = new JobController(contextOf(tc, clock), { syncJobBatchPeriodMs: 0, ...o });
  await tc.start();
  const stop = startController(c);
  cleanup.push(async () => { await stop(); await tc.close(); });
  return { tc, clock, c };
}

const create = (env: Env, job: Job) => env.tc.client.create<Job>(Resources.jobs, 'default', job);
const conditionTypes = (job: Job) => (job.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`);
async function eventsOf(env: Env, name: string): Promise<string[]> {
  await env.c.recorder.flush();
  const { items } = await env.tc.client.list(Resources.events, 'default');
  return items
    .filter((e) => (e.involvedObject as { kind?: string; name?: string }).kind === 'Job' && (e.involvedObject as { name?: string }).name === name)
    .map((e) => `${e.type} ${e.reason} ${e.message}`);
}

describe('JobController', () => {
  it('seed 001: 5 completions, at most 2 pods at a time, pods kept and counted through the tracking finalizer', async () => {
    const env = await setup();
    const job = await create(env, jobManifest('multi', { completions: 5, parallelism: 2 }));
    let maxActive = 0;
    for (let done = 0; done < 5;) {
      const active = await eventually(async () => {
        const a = await activePodsOf(env.tc, 'multi');
        assert.equal(a.length, Math.min(2, 5 - done));
        return a;
      });
      maxActive = Math.max(maxActive, active.length);
      for (const p of active) {
        assert.match(p.metadata!.name!, /^multi-[a-z0-9]{5}$/);
        assert.deepEqual(p.metadata!.finalizers, [JOB_TRACKING_FINALIZER]);
        assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'multi', uid: job.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
        assert.equal(p.metadata!.labels!['batch.kubernetes.io/controller-uid'], job.metadata!.uid);
      }
      await setPodStatus(env.tc, active[0], { phase: 'Succeeded' });
      done++;
      await eventually(async () => assert.equal((await getJob(env.tc, 'multi')).status?.succeeded ?? 0, done));
    }
    assert.equal(maxActive, 2);
    const final = await eventually(async () => {
      const j = await getJob(env.tc, 'multi');
      assert.deepEqual(conditionTypes(j), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
      return j;
    });
    assert.equal(final.status!.succeeded, 5);
    assert.equal(final.status!.active, undefined);
    assert.equal(final.status!.ready, 0);
    assert.equal(final.status!.terminating, 0);
    assert.deepEqual(final.status!.uncountedTerminatedPods, {});
    assert.ok(final.status!.startTime && final.status!.completionTime, 'startTime and completionTime are set');
    assert.equal(final.status!.conditions![1].message, 'Reached expected number of succeeded pods');
    const pods = await podsOf(env.tc, 'multi');
    assert.equal(pods.length, 5, 'finished pods are kept (kubectl logs job/NAME)');
    for (const p of pods) assert.deepEqual(p.metadata!.finalizers ?? [], [], 'every finalizer is removed once counted');
    const events = await eventsOf(env, 'multi');
    assert.equal(events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: multi-')).length, 5);
    assert.ok(events.includes('Normal Completed Job completed'), events.join('\n'));
  });

  it('restartPolicy Never: a new pod per failure after 10 s, 20 s … of back-off; past backoffLimit the Job fails', async () => {
    const env = await setup();
    await create(env, jobManifest('flaky', { backoffLimit: 2 }));
    const failNext = async (n: number) => {
      const [p] = await eventually(async () => {
        const a = await activePodsOf(env.tc, 'flaky');
        assert.equal(a.length, 1);
        return a;
      });
      await setPodStatus(env.tc, p, { phase: 'Failed', exitCode: 1, finishedAt: env.clock.now() });
      await eventually(async () => assert.equal((await getJob(env.tc, 'flaky')).status?.failed, n));
    };
    await failNext(1);
    // Within the back-off a sync creates nothing.
    await env.clock.step(9_000);
    await eventually(() => env.c.syncJob('default/flaky'));
    assert.equal((await activePodsOf(env.tc, 'flaky')).length, 0);
    await env.clock.step(1_000);
    await failNext(2);
    await env.clock.step(19_000);
    await eventually(() => env.c.syncJob('default/flaky'));
    assert.equal((await activePodsOf(env.tc, 'flaky')).length, 0, 'the second back-off is 20 s');
    await env.clock.step(1_000);
    await failNext(3);
    const j = await eventually(async () => {
      const job = await getJob(env.tc, 'flaky');
      assert.deepEqual(conditionTypes(job), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
      return job;
    });
    assert.equal(j.status!.conditions![1].message, 'Job has reached the specified backoff limit');
    assert.equal(j.status!.completionTime, undefined);
    assert.equal((await podsOf(env.tc, 'flaky')).length, 3);
    assert.ok((await eventsOf(env, 'flaky')).includes('Warning BackoffLimitExceeded Job has reached the specified backoff limit'), 'a BackoffLimitExceeded warning');
  });

  it('restartPolicy OnFailure: container restarts count against backoffLimit and the running pod is deleted', async () => {
    const env = await setup();
    await create(env, jobManifest('restarts', { backoffLimit: 3 }, 'OnFailure'));
    const [p] = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'restarts');
      assert.equal(a.length, 1);
      return a;
    });
    await setPodStatus(env.tc, p, { phase: 'Running', restartCount: 2 });
    await eventually(() => env.c.syncJob('default/restarts'));
    assert.equal(conditionTypes(await getJob(env.tc, 'restarts')).length, 0, 'two restarts are below the limit');
    await setPodStatus(env.tc, p, { phase: 'Running', restartCount: 3 });
    await eventually(async () => assert.deepEqual(conditionTypes(await getJob(env.tc, 'restarts')), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']));
    const pods = await podsOf(env.tc, 'restarts');
    // The pod was deleted (it had no node, so it is gone once its finalizer is removed) and counted as failed.
    assert.equal(pods.length, 0);
    assert.equal((await getJob(env.tc, 'restarts')).status?.failed, 1);
  });

  it('activeDeadlineSeconds: the Job fails with DeadlineExceeded and its pods are deleted', async () => {
    const env = await setup();
    await create(env, jobManifest('deadline', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
    await eventually(async () => assert.equal((await activePodsOf(env.tc, 'deadline')).length, 2));
    await eventually(async () => assert.ok((await getJob(env.tc, 'deadline')).status?.startTime, 'the Job started'));
    await env.clock.step(30_000);
    const j = await eventually(async () => {
      const job = await getJob(env.tc, 'deadline');
      assert.deepEqual(conditionTypes(job), ['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded']);
      return job;
    });
    assert.equal(j.status!.conditions![1].message, 'Job was active longer than specified deadline');
    assert.equal(j.status!.failed, 2, 'the deleted active pods count as failed');
    assert.equal(j.status!.active, undefined);
    assert.equal((await podsOf(env.tc, 'deadline')).length, 0);
    const events = await eventsOf(env, 'deadline');
    assert.ok(events.includes('Warning DeadlineExceeded Job was active longer than specified deadline'), events.join('\n'));
    assert.equal(events.filter((e) => e.startsWith('Normal SuccessfulDelete Deleted pod: deadline-')).length, 2);
  });

  it('Indexed: pods NAME-INDEX-xxxxx with the index as annotation, label, hostname and JOB_COMPLETION_INDEX; completedIndexes', async () => {
    const env = await setup();
    await create(env, jobManifest('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'idx');
      assert.equal(a.length, 3);
      return a;
    });
    const byIndex = new Map<string, Pod>();
    for (const p of pods) {
      const ix = p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'];
      byIndex.set(ix, p);
      assert.match(p.metadata!.name!, new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
      assert.equal(p.metadata!.labels!['batch.kubernetes.io/job-completion-index'], ix);
      assert.equal((p.spec as { hostname?: string }).hostname, `idx-${ix}`);
      const env0 = (p.spec as { containers: { env?: unknown[] }[] }).containers[0].env;
      assert.deepEqual(env0, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } }]);
    }
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    await setPodStatus(env.tc, byIndex.get('1')!, { phase: 'Succeeded' });
    await eventually(async () => assert.equal((await getJob(env.tc, 'idx')).status?.completedIndexes, '1'));
    await setPodStatus(env.tc, byIndex.get('2')!, { phase: 'Succeeded' });
    await eventually(async () => assert.equal((await getJob(env.tc, 'idx')).status?.completedIndexes, '1,2'));
    // A failed index is retried under the same index.
    await setPodStatus(env.tc, byIndex.get('0')!, { phase: 'Failed', finishedAt: env.clock.now() });
    await eventually(async () => assert.equal((await getJob(env.tc, 'idx')).status?.failed, 1));
    await env.clock.step(10_000);
    const retry = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'idx');
      assert.equal(a.length, 1);
      return a[0];
    });
    assert.match(retry.metadata!.name!, /^idx-0-[a-z0-9]{5}$/);
    await setPodStatus(env.tc, retry, { phase: 'Succeeded' });
    const j = await eventually(async () => {
      const job = await getJob(env.tc, 'idx');
      assert.deepEqual(conditionTypes(job), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
      return job;
    });
    assert.equal(j.status!.completedIndexes, '0-2');
    assert.equal(j.status!.succeeded, 3);
  });

  it('backoffLimitPerIndex: an index that used up its retries fails, the others go on, and the Job fails with FailedIndexes', async () => {
    const env = await setup();
    await create(env, jobManifest('per-index', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 0 }));
    const pods = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'per-index');
      assert.equal(a.length, 2);
      return a;
    });
    const ix = (p: Pod) => p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'];
    for (const p of pods) assert.equal(p.metadata!.annotations!['batch.kubernetes.io/job-index-failure-count'], '0');
    const zero = pods.find((p) => ix(p) === '0')!;
    const one = pods.find((p) => ix(p) === '1')!;
    await setPodStatus(env.tc, zero, { phase: 'Failed', finishedAt: env.clock.now() });
    await eventually(async () => assert.equal((await getJob(env.tc, 'per-index')).status?.failedIndexes, '0'));
    await setPodStatus(env.tc, one, { phase: 'Succeeded' });
    const j = await eventually(async () => {
      const job = await getJob(env.tc, 'per-index');
      assert.deepEqual(conditionTypes(job), ['FailureTarget=True:FailedIndexes', 'Failed=True:FailedIndexes']);
      return job;
    });
    assert.equal(j.status!.completedIndexes, '1');
    assert.equal(j.status!.failed, 1);
    assert.equal(j.status!.conditions![1].message, 'Job has failed indexes');
  });

  it('podFailurePolicy: Ignore does not count a failure (the pod is replaced), FailJob fails the Job with the rule in its message', async () => {
    const env = await setup();
    await create(env, jobManifest('pfp', {
      podFailurePolicy: { rules: [
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
        { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      ] },
    }));
    const first = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'pfp');
      assert.equal(a.length, 1);
      return a[0];
    });
    await setPodStatus(env.tc, first, { phase: 'Failed', exitCode: 3, finishedAt: env.clock.now() });
    await eventually(async () => assert.deepEqual((await env.tc.client.get<Pod>(Resources.pods, 'default', first.metadata!.name!)).metadata!.finalizers ?? [], []));
    assert.equal((await getJob(env.tc, 'pfp')).status?.failed, undefined, 'an ignored failure is not counted');
    // Ignored failures still delay the replacement (the back-off record counts every failed pod).
    await env.clock.step(10_000);
    const second = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'pfp');
      assert.equal(a.length, 1);
      return a[0];
    });
    await setPodStatus(env.tc, second, { phase: 'Failed', exitCode: 42, finishedAt: env.clock.now() });
    const j = await eventually(async () => {
      const job = await getJob(env.tc, 'pfp');
      assert.deepEqual(conditionTypes(job), ['FailureTarget=True:PodFailurePolicy', 'Failed=True:PodFailurePolicy']);
      return job;
    });
    assert.equal(j.status!.conditions![1].message, `Container main for pod default/${second.metadata!.name} failed with exit code 42 matching FailJob rule at index 1`);
    assert.equal(j.status!.failed, 1);
  });

  it('suspend: no pods and Suspended=True; resuming creates them and restarts startTime; suspending deletes the running ones', async () => {
    const env = await setup();
    await create(env, jobManifest('paused', { suspend: true, parallelism: 2, completions: 2 }));
    const suspended = await eventually(async () => {
      const job = await getJob(env.tc, 'paused');
      assert.deepEqual(conditionTypes(job), ['Suspended=True:JobSuspended']);
      return job;
    });
    assert.equal(suspended.status!.startTime, undefined);
    assert.equal((await podsOf(env.tc, 'paused')).length, 0);
    await env.tc.client.patch(Resources.jobs, 'default', 'paused', { spec: { suspend: false } }, 'merge');
    await eventually(async () => assert.equal((await activePodsOf(env.tc, 'paused')).length, 2));
    const resumed = await eventually(async () => {
      const job = await getJob(env.tc, 'paused');
      assert.deepEqual(conditionTypes(job), ['Suspended=False:JobResumed']);
      return job;
    });
    assert.ok(resumed.status!.startTime, 'a resumed Job has a startTime');
    await env.tc.client.patch(Resources.jobs, 'default', 'paused', { spec: { suspend: true } }, 'merge');
    await eventually(async () => assert.equal((await podsOf(env.tc, 'paused')).length, 0));
    await eventually(async () => assert.deepEqual(conditionTypes(await getJob(env.tc, 'paused')), ['Suspended=True:JobSuspended']));
    assert.equal((await getJob(env.tc, 'paused')).status?.failed, undefined, 'pods removed by suspension are not failures');
    // Repeated events are one Event with a count, as client-go's recorder does.
    await env.c.recorder.flush();
    const { items } = await env.tc.client.list(Resources.events, 'default');
    const counts = Object.fromEntries(items.filter((e) => (e.involvedObject as { name?: string }).name === 'paused' && /Suspended|Resumed/.test(String(e.reason))).map((e) => [`${e.reason} ${e.message}`, e.count]));
    assert.deepEqual(counts, { 'Suspended Job suspended': 2, 'Resumed Job resumed': 1 });
  });

  it('work queue (no completions): parallelism pods; after the first success no new pod; Complete once all ended', async () => {
    const env = await setup();
    await create(env, { ...jobManifest('queue'), spec: { ...jobManifest('queue').spec, parallelism: 3, completions: null } });
    const pods = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'queue');
      assert.equal(a.length, 3);
      return a;
    });
    await setPodStatus(env.tc, pods[0], { phase: 'Succeeded' });
    await eventually(async () => assert.equal((await getJob(env.tc, 'queue')).status?.succeeded, 1));
    // One more pass now; the running workers may be writing the Job's status at the same moment (a conflict: retried).
    await eventually(() => env.c.syncJob('default/queue'));
    assert.equal((await podsOf(env.tc, 'queue')).length, 3, 'no pod replaces the finished one');
    assert.equal(conditionTypes(await getJob(env.tc, 'queue')).length, 0, 'not complete while pods run');
    await setPodStatus(env.tc, pods[1], { phase: 'Succeeded' });
    await setPodStatus(env.tc, pods[2], { phase: 'Succeeded' });
    const j = await eventually(async () => {
      const job = await getJob(env.tc, 'queue');
      assert.deepEqual(conditionTypes(job), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
      return job;
    });
    assert.equal(j.status!.succeeded, 3);
  });

  it('a pod deleted while running counts as failed (uncountedTerminatedPods, then the counter) and is replaced', async () => {
    const env = await setup({ podFailureBackoffMs: 0 });
    await create(env, jobManifest('victim', { backoffLimit: 6 }));
    const [p] = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'victim');
      assert.equal(a.length, 1);
      return a;
    });
    await env.tc.client.delete(Resources.pods, 'default', p.metadata!.name!);
    // A status write that conflicts is retried by the work queue after a rate-limited delay on the
    // controller's (fake) clock: time moves on while the test waits, or that retry never comes.
    const stepping = (fn: () => Promise<void>) => eventually(async () => { await env.clock.step(100); await fn(); });
    await stepping(async () => assert.equal((await getJob(env.tc, 'victim')).status?.failed, 1));
    await stepping(async () => {
      const names = (await activePodsOf(env.tc, 'victim')).map((x) => x.metadata!.name);
      assert.equal(names.length, 1);
      assert.notEqual(names[0], p.metadata!.name);
    });
    await eventually(async () => assert.equal((await podsOf(env.tc, 'victim')).length, 1, 'the deleted pod is gone once its finalizer is removed'));
  });

  it('adopts a matching orphan (adding the tracking finalizer) instead of creating a pod', async () => {
    const env = await setup();
    await env.tc.client.create(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'adopt' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
    });
    const manifest = jobManifest('adopter');
    manifest.spec.manualSelector = true;
    manifest.spec.selector = { matchLabels: { app: 'adopt' } };
    manifest.spec.template.metadata = { labels: { app: 'adopt' } };
    const job = await create(env, manifest);
    await eventually(async () => {
      const stray = await env.tc.client.get<Pod>(Resources.pods, 'default', 'stray');
      assert.equal(stray.metadata!.ownerReferences?.[0]?.uid, job.metadata!.uid);
      assert.deepEqual(stray.metadata!.finalizers, [JOB_TRACKING_FINALIZER]);
    });
    await eventually(async () => assert.equal((await getJob(env.tc, 'adopter')).status?.active, 1));
    const { items } = await env.tc.client.list<Pod>(Resources.pods, 'default', { labelSelector: 'app=adopt' });
    assert.equal(items.length, 1);
  });

  it('removes the tracking finalizer from the pods of a deleted Job (orphan queue)', async () => {
    const env = await setup();
    await create(env, jobManifest('gone', { parallelism: 2, completions: 2 }));
    const pods = await eventually(async () => {
      const a = await activePodsOf(env.tc, 'gone');
      assert.equal(a.length, 2);
      return a;
    });
    await env.tc.client.delete(Resources.jobs, 'default', 'gone', { propagationPolicy: 'Orphan' });
    await eventually(async () => {
      for (const p of pods) assert.deepEqual((await env.tc.client.get<Pod>(Resources.pods, 'default', p.metadata!.name!)).metadata!.finalizers ?? [], []);
    });
  });

  it('a parallelism change scales the running pods up and down (deleted pods are not failures)', async () => {
    const env = await setup();
    await create(env, jobManifest('elastic', { parallelism: 1, completions: 10 }));
    await eventually(async () => assert.equal((await activePodsOf(env.tc, 'elastic')).length, 1));
    await env.tc.client.patch(Resources.jobs, 'default', 'elastic', { spec: { parallelism: 3 } }, 'merge');
    await eventually(async () => assert.equal((await activePodsOf(env.tc, 'elastic')).length, 3));
    await env.tc.client.patch(Resources.jobs, 'default', 'elastic', { spec: { parallelism: 1 } }, 'merge');
    await eventually(async () => assert.equal((await podsOf(env.tc, 'elastic')).length, 1));
    await eventually(async () => assert.equal((await getJob(env.tc, 'elastic')).status?.active, 1));
    assert.equal((await getJob(env.tc, 'elastic')).status?.failed, undefined);
  });
});
