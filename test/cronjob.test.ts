// End-to-end: CronJobs on `tskube up --nodes 2`, driven by the real kubectl, as seeds 000, 001 and 002 show.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster, parseTable, type KubectlTable } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
/** table runs kubectl and reads its table (harness parseTable). */
const table = async (args: string[]): Promise<KubectlTable> => parseTable((await k(args)).stdout);
interface JobJSON { metadata: { name: string; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] }; status?: { conditions?: { type: string }[] } }
const jobsOf = async (cronJob: string): Promise<JobJSON[]> =>
  ((await json(['get', 'jobs'])).items as JobJSON[]).filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === cronJob));

// Seed 000, 7.2 (the translation lost the spaces of the schedule: "0****" is "0 * * * *").
const HOURLY_DATE = (apiVersion: string) => `apiVersion:              ${apiVersion}
kind:                    CronJob
metadata:
  name:                  hourly-date
spec:
  schedule:              "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name:        date
            image:       busybox
            command:
              - "sh"
              - "-c"
              - "date"
          restartPolicy: OnFailure
`;

// Seed 001 (cronjob.yaml).
const FIFTEEN = (apiVersion: string) => `apiVersion: ${apiVersion}
kind: CronJob
metadata:
  name: batch-job-every-fifteen-minutes
spec:
  schedule: "0,15,30,45 * * * *"
  startingDeadlineSeconds: 15
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: periodic-batch-job
        spec:
          restartPolicy: OnFailure
          containers:
            - name: main
              image: idealism/batch-job
`;

// Seed 002 (sleep-cronjob.yaml; the book's listing is indented by one space, which is typesetting).
const SLEEP_CRONJOB = `---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: sleep
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: sleep
              image: busybox
              command:
                - "/bin/sleep"
                - "30"
          restartPolicy: OnFailure
`;

const EVERY_MINUTE = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: every-minute
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 3
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox
            command: ["sh", "-c", "echo hello from the cron job"]
`;

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('CronJobs on two nodes', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('seed 000 7.2: batch/v2alpha1 gets Kubernetes\' "no matches for kind"; the same CronJob in batch/v1 is created', async () => {
    const old = await k(['create', '-f', '-'], HOURLY_DATE('batch/v2alpha1'));
    assert.equal(old.code, 1);
    assert.equal(old.stderr, 'error: resource mapping not found for name: "hourly-date" namespace: "" from "STDIN": no matches for kind "CronJob" in version "batch/v2alpha1"\nensure CRDs are installed first\n');
    assert.equal((await k(['create', '-f', '-'], HOURLY_DATE('batch/v1'))).stdout, 'cronjob.batch/hourly-date created\n');
    const t = await table(['get', 'cronjobs']);
    assert.deepEqual(t.header, ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    const r = t.rows.find((x) => x.NAME === 'hourly-date')!;
    assert.deepEqual([r.SCHEDULE, r.TIMEZONE, r.SUSPEND, r.ACTIVE, r['LAST SCHEDULE']], ['0 * * * *', '<none>', 'False', '0', '<none>']);
  });

  it('seed 001: batch/v1beta1 is refused; in batch/v1 kubectl get cronjobs shows the book\'s row and describe its settings', async () => {
    const old = await k(['create', '-f', '-'], FIFTEEN('batch/v1beta1'));
    assert.match(old.stderr, /no matches for kind "CronJob" in version "batch\/v1beta1"/);
    assert.equal((await k(['create', '-f', '-'], FIFTEEN('batch/v1'))).stdout, 'cronjob.batch/batch-job-every-fifteen-minutes created\n');
    const row = (await table(['get', 'cronjob', 'batch-job-every-fifteen-minutes'])).rows[0];
    assert.deepEqual([row.NAME, row.SCHEDULE, row.SUSPEND, row.ACTIVE, row['LAST SCHEDULE']], ['batch-job-every-fifteen-minutes', '0,15,30,45 * * * *', 'False', '0', '<none>']);
    const d = (await k(['describe', 'cronjob', 'batch-job-every-fifteen-minutes'])).stdout;
    assert.match(d, /^Schedule:\s+0,15,30,45 \* \* \* \*$/m);
    assert.match(d, /^Concurrency Policy:\s+Allow$/m);
    assert.match(d, /^Successful Job History Limit:\s+3$/m);
    assert.match(d, /^Failed Job History Limit:\s+1$/m);
    assert.match(d, /^Starting Deadline Seconds:\s+15s$/m);
    assert.match(d, /^Last Schedule Time:\s+<unset>$/m);
  });

  it('seed 002: kubectl apply the sleep CronJob ("0 3 * * *"); it creates no Job right away', async () => {
    assert.equal((await k(['apply', '-f', '-'], SLEEP_CRONJOB)).stdout, 'cronjob.batch/sleep created\n');
    const cj = await json(['get', 'cronjob', 'sleep']);
    assert.equal(cj.spec.schedule, '0 3 * * *');
    assert.deepEqual(await jobsOf('sleep'), []);
  });

  it('"*/1 * * * *": within about a minute a Job named every-minute-<minutes since the epoch> runs, completes, and the CronJob records it', { timeout: 4 * 60_000 }, async () => {
    assert.equal((await k(['create', '-f', '-'], EVERY_MINUTE)).stdout, 'cronjob.batch/every-minute created\n');
    const [job] = await waitFor(async () => { const js = await jobsOf('every-minute'); return js.length > 0 ? js : undefined; }, 'a Job from every-minute', 400, 500);
    const scheduled = job.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    assert.match(scheduled, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00(Z|[+-]\d\d:\d\d)$/);
    assert.equal(job.metadata.name, `every-minute-${Date.parse(scheduled) / 60_000}`);
    await waitFor(async () => (await json(['get', 'job', job.metadata.name])).status?.conditions?.some((x: { type: string }) => x.type === 'Complete'), `${job.metadata.name} Complete`, 240);
    assert.equal((await k(['logs', `job/${job.metadata.name}`])).stdout, 'hello from the cron job\n');
    const status = await waitFor(async () => { const s = (await json(['get', 'cronjob', 'every-minute'])).status; return s?.lastSuccessfulTime ? s : undefined; }, 'lastSuccessfulTime');
    assert.equal(Date.parse(status.lastScheduleTime), Date.parse(scheduled));
    const row = (await table(['get', 'cronjob', 'every-minute'])).rows[0];
    assert.match(row['LAST SCHEDULE'], /^\d+s$|^\d+m\d*s?$/);
    const d = (await k(['describe', 'cronjob', 'every-minute'])).stdout;
    assert.match(d, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${job.metadata.name}`));
    assert.match(d, new RegExp(`Normal\\s+SawCompletedJob\\s+\\S+\\s+cronjob-controller\\s+Saw completed job: ${job.metadata.name}, condition: Complete`));
    // Suspended, it starts nothing more.
    assert.equal((await k(['patch', 'cronjob', 'every-minute', '-p', '{"spec":{"suspend":true}}'])).stdout, 'cronjob.batch/every-minute patched\n');
    assert.equal((await table(['get', 'cronjob', 'every-minute'])).rows[0].SUSPEND, 'True');
  });

  it('kubectl create job --from=cronjob/… runs the CronJob\'s template now, owned by the CronJob', async () => {
    assert.equal((await k(['create', 'job', 'hourly-date-manual', '--from=cronjob/hourly-date'])).stdout, 'job.batch/hourly-date-manual created\n');
    const job = await json(['get', 'job', 'hourly-date-manual']);
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(job.metadata.ownerReferences.map((r: { kind: string; name: string; controller: boolean }) => [r.kind, r.name, r.controller]), [['CronJob', 'hourly-date', true]]);
    await waitFor(async () => (await table(['get', 'job', 'hourly-date-manual'])).rows[0]?.STATUS === 'Complete', 'hourly-date-manual Complete', 240);
    assert.match((await k(['logs', 'job/hourly-date-manual'])).stdout, /\d\d:\d\d:\d\d/);
  });

  it('kubectl delete cronjob removes its Jobs and their pods', async () => {
    assert.equal((await k(['delete', 'cronjob', 'every-minute'])).stdout, 'cronjob.batch "every-minute" deleted\n');
    await waitFor(async () => (await jobsOf('every-minute')).length === 0, 'the Jobs of every-minute deleted');
    await waitFor(async () => (await k(['get', 'pods', '-o', 'name'])).stdout.split('\n').every((n) => !n.startsWith('pod/every-minute-')), 'their pods deleted');
  });
});
