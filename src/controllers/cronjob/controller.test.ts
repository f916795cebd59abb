import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from '../../apimachinery/time.js';
import { defaultControllerOptions } from '../common/context.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import type { Job } from '../job/types.js';
import { CronJobController } from './controller.js';
import type { CronJob } from './types.js';

interface Env { tc: TestCluster; clock: FakeClock; c: CronJobController; run(): void }

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** T0 is half a minute past a whole minute, so an every-minute schedule is due in 30 s. */
const T0 = new Date('2026-01-01T10:00:30Z');

/** setup starts an API server and a CronJobController sharing one FakeClock (creation times and schedules agree). */
async function setup(): Promise<Env> {
  const clock = new FakeClock(T0);
  const tc = await startTestCluster({ clock });
  const c = new CronJobController({ client: tc.client, informers: tc.informers, clock, options: defaultControllerOptions });
  await tc.start();
  const ac = new AbortController();
  let running: Promise<void> | undefined;
  cleanup.push(async () => {
    ac.abort();
    await running;
    await c.recorder.flush();
    await tc.close();
  });
  return { tc, clock, c, run: () => { running = c.run(ac.signal, 2); } };
}

const cronJob = (name: string, spec: Partial<CronJob['spec']> = {}): CronJob => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
  spec: {
    schedule: '*/1 * * * *', timeZone: 'UTC',
    jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['date'] }] } } } },
    ...spec,
  },
});
const minutes = (iso: string) => Date.parse(iso) / 60_000;
const jobsOf = async (env: Env, cj: string): Promise<Job[]> => {
  const { items } = await env.tc.client.list<Job>(Resources.jobs, 'default');
  return items.filter((j) => j.metadata?.ownerReferences?.[0]?.name === cj).sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
};
const getCJ = (env: Env, name: string) => env.tc.client.get<CronJob>(Resources.cronjobs, 'default', name);
async function events(env: Env, name: string): Promise<string[]> {
  await env.c.recorder.flush();
  const { items } = await env.tc.client.list(Resources.events, 'default');
  return items.filter((e) => (e.involvedObject as { kind?: string; name?: string }).kind === 'CronJob' && (e.involvedObject as { name?: string }).name === name)
    .map((e) => `${e.type} ${e.reason} ${e.message}`);
}
/** finishJob marks a Job finished the way the Job controller does. */
async function finishJob(env: Env, job: Job, type: 'Complete' | 'Failed'): Promise<void> {
  const fresh = await env.tc.client.get<Job>(Resources.jobs, 'default', job.metadata!.name!);
  const now = rfc3339(env.clock.now());
  await env.tc.client.updateStatus(Resources.jobs, 'default', {
    ...fresh,
    status: {
      startTime: now, ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
      conditions: [{ type: type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', status: 'True', lastTransitionTime: now }, { type, status: 'True', lastTransitionTime: now }],
    },
  });
}

describe('CronJobController', () => {
  it('every minute: a Job named CRONJOB-<minutes> at each schedule time, active while it runs, lastSuccessfulTime once it completed', async () => {
    const env = await setup();
    env.run();
    const cj = await env.tc.client.create<CronJob>(Resources.cronjobs, 'default', cronJob('every-minute'));
    await env.c.sync('default/every-minute');
    assert.equal((await jobsOf(env, 'every-minute')).length, 0, 'nothing before the first schedule time');
    await env.clock.step(30_000 + 100);
    const [job] = await eventually(async () => {
      const js = await jobsOf(env, 'every-minute');
      assert.equal(js.length, 1);
      return js;
    });
    assert.equal(job.metadata!.name, `every-minute-${minutes('2026-01-01T10:01:00Z')}`);
    assert.deepEqual(job.metadata!.labels, { app: 'every-minute' });
    assert.equal(job.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-01-01T10:01:00Z');
    assert.deepEqual(job.metadata!.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'every-minute', uid: cj.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    const status = await eventually(async () => {
      const s = (await getCJ(env, 'every-minute')).status!;
      assert.equal(s.active?.length, 1);
      return s;
    });
    assert.deepEqual(status.active![0], { kind: 'Job', namespace: 'default', name: job.metadata!.name, uid: job.metadata!.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata!.resourceVersion });
    assert.equal(status.lastScheduleTime, '2026-01-01T10:01:00Z');

    await finishJob(env, job, 'Complete');
    await eventually(async () => {
      const s = (await getCJ(env, 'every-minute')).status!;
      assert.equal(s.active, undefined);
      assert.equal(s.lastSuccessfulTime, rfc3339(env.clock.now()));
    });
    await env.clock.step(60_000);
    await eventually(async () => assert.equal((await jobsOf(env, 'every-minute')).length, 2));
    const evs = await events(env, 'every-minute');
    assert.ok(evs.includes(`Normal SuccessfulCreate Created job ${job.metadata!.name}`), evs.join('\n'));
    assert.ok(evs.includes(`Normal SawCompletedJob Saw completed job: ${job.metadata!.name}, condition: Complete`), evs.join('\n'));
  });

  it('history limits: only the newest successfulJobsHistoryLimit/failedJobsHistoryLimit finished Jobs are kept', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    const done: string[] = [];
    for (const outcome of ['Complete', 'Complete', 'Failed', 'Failed'] as const) {
      await env.clock.step(60_000);
      const job = await eventually(async () => {
        const js = (await jobsOf(env, 'history')).filter((j) => !done.includes(j.metadata!.name!));
        assert.equal(js.length, 1);
        return js[0];
      });
      await finishJob(env, job, outcome);
      done.push(job.metadata!.name!);
      await eventually(async () => assert.equal((await getCJ(env, 'history')).status?.active, undefined));
    }
    await env.clock.step(60_000);
    await eventually(async () => {
      const names = (await jobsOf(env, 'history')).filter((j) => !j.metadata?.deletionTimestamp).map((j) => j.metadata!.name);
      assert.deepEqual(names.filter((n) => done.includes(n!)), [done[1], done[3]]);
    });
    const evs = await events(env, 'history');
    assert.ok(evs.includes(`Normal SuccessfulDelete Deleted job ${done[0]}`), evs.join('\n'));
    assert.ok(evs.includes(`Normal SuccessfulDelete Deleted job ${done[2]}`), evs.join('\n'));
  });

  it('concurrencyPolicy Forbid skips a schedule while the last Job runs; Replace deletes it and starts the new one', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('replace', { concurrencyPolicy: 'Replace' }));
    await env.clock.step(30_100);
    await eventually(async () => {
      assert.equal((await jobsOf(env, 'forbid')).length, 1);
      assert.equal((await jobsOf(env, 'replace')).length, 1);
    });
    const [firstReplace] = await jobsOf(env, 'replace');
    await eventually(async () => assert.equal((await getCJ(env, 'replace')).status?.active?.length, 1));
    await eventually(async () => assert.equal((await getCJ(env, 'forbid')).status?.active?.length, 1));
    await env.clock.step(60_000);
    await eventually(async () => assert.ok((await events(env, 'forbid')).includes('Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid'), 'a JobAlreadyActive event'));
    assert.equal((await jobsOf(env, 'forbid')).length, 1);
    await eventually(async () => {
      const live = (await jobsOf(env, 'replace')).filter((j) => !j.metadata?.deletionTimestamp);
      assert.deepEqual(live.map((j) => j.metadata!.name), [`replace-${minutes('2026-01-01T10:02:00Z')}`]);
    });
    await eventually(async () => assert.ok((await events(env, 'replace')).includes(`Normal SuccessfulDelete Deleted job ${firstReplace.metadata!.name}`), 'the replaced Job was deleted'));
    const active = (await getCJ(env, 'replace')).status!.active!;
    assert.deepEqual(active.map((r) => r.name), [`replace-${minutes('2026-01-01T10:02:00Z')}`]);
  });

  it('suspend: no Job is started', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('held', { suspend: true }));
    await env.clock.step(120_000);
    await env.c.sync('default/held');
    assert.equal((await jobsOf(env, 'held')).length, 0);
    await env.tc.client.patch(Resources.cronjobs, 'default', 'held', { spec: { suspend: false } }, 'merge');
    // Resumed, the latest missed schedule runs once.
    await eventually(async () => assert.deepEqual((await jobsOf(env, 'held')).map((j) => j.metadata!.name), [`held-${minutes('2026-01-01T10:02:00Z')}`]));
  });

  it('schedules missed while the controller was down: one catch-up run for the latest, a warning past 100', async () => {
    const env = await setup();
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('few'));
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('many'));
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('late', { startingDeadlineSeconds: 10 }));
    // 5 minutes down for "few"; "many" and "late" are looked at 3 hours later.
    await env.clock.step(5 * 60_000);
    await env.c.sync('default/few');
    assert.deepEqual((await jobsOf(env, 'few')).map((j) => j.metadata!.name), [`few-${minutes('2026-01-01T10:05:00Z')}`]);
    assert.equal((await events(env, 'few')).filter((e) => e.includes('TooManyMissedTimes')).length, 0);
    await env.clock.step(3 * 3_600_000 - 5 * 60_000 + 20_000);
    await env.c.sync('default/many');
    assert.deepEqual((await jobsOf(env, 'many')).map((j) => j.metadata!.name), [`many-${minutes('2026-01-01T13:00:00Z')}`]);
    assert.ok((await events(env, 'many')).includes('Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'), 'a TooManyMissedTimes warning');
    // At 13:00:50 with a 10 s starting deadline, the 13:00 schedule is too old to start.
    await env.c.sync('default/late');
    assert.equal((await jobsOf(env, 'late')).length, 0);
    await env.clock.step(10_000);
    await env.c.sync('default/late');
    assert.deepEqual((await jobsOf(env, 'late')).map((j) => j.metadata!.name), [`late-${minutes('2026-01-01T13:01:00Z')}`]);
  });

  it('a Job it did not start (kubectl create job --from=cronjob/…) is UnexpectedJob; an active Job that vanished is MissingJob', async () => {
    const env = await setup();
    env.run();
    const cj = await env.tc.client.create<CronJob>(Resources.cronjobs, 'default', cronJob('watched'));
    await env.tc.client.create(Resources.jobs, 'default', {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'manual', annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'watched', uid: cj.metadata!.uid!, controller: true }] },
      spec: cj.spec.jobTemplate.spec,
    });
    await eventually(async () => assert.ok((await events(env, 'watched')).includes('Warning UnexpectedJob Saw a job that the controller did not create or forgot: manual'), 'an UnexpectedJob warning'));
    await env.clock.step(30_100);
    const job = await eventually(async () => {
      const js = (await jobsOf(env, 'watched')).filter((j) => j.metadata!.name !== 'manual');
      assert.equal(js.length, 1);
      return js[0];
    });
    await eventually(async () => assert.equal((await getCJ(env, 'watched')).status?.active?.length, 1));
    await env.tc.client.delete(Resources.jobs, 'default', job.metadata!.name!, { propagationPolicy: 'Background' });
    await eventually(async () => assert.ok((await events(env, 'watched')).includes(`Normal MissingJob Active job went missing: ${job.metadata!.name}`), 'a MissingJob event'));
    await eventually(async () => assert.equal((await getCJ(env, 'watched')).status?.active, undefined));
  });

  it('a new schedule takes effect at its own next time', async () => {
    const env = await setup();
    env.run();
    await env.tc.client.create(Resources.cronjobs, 'default', cronJob('moved', { schedule: '0 3 * * *' }));
    await env.clock.step(60_000);
    await env.c.sync('default/moved');
    assert.equal((await jobsOf(env, 'moved')).length, 0);
    await env.tc.client.patch(Resources.cronjobs, 'default', 'moved', { spec: { schedule: '*/5 * * * *' } }, 'merge');
    // The controller must have seen the change before time moves on.
    await eventually(() => assert.equal(env.tc.informers.informerFor<CronJob>(Resources.cronjobs).lister.get('default', 'moved')?.spec.schedule, '*/5 * * * *'));
    await env.clock.step(4 * 60_000);
    await eventually(async () => assert.deepEqual((await jobsOf(env, 'moved')).map((j) => j.metadata!.name), [`moved-${minutes('2026-01-01T10:05:00Z')}`]));
  });
});
