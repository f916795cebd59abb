// End-to-end: Jobs on `tskube up --nodes 2`, driven by the real kubectl, as seeds 000, 001, 002 and 004 show.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster, parseTable, type KubectlTable } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
/** table runs kubectl and reads its table (harness parseTable). */
const table = async (args: string[]): Promise<KubectlTable> => parseTable((await k(args)).stdout);
const jobRow = async (name: string) => (await table(['get', 'job', name])).rows[0] ?? {};
const podRows = async (selector: string) => (await table(['get', 'pods', '-l', selector])).rows;
const waitJob = (name: string, status: string, completions: string, attempts = 240) =>
  waitFor(async () => { const r = await jobRow(name); return r.STATUS === status && r.COMPLETIONS === completions ? r : undefined; }, `${name} ${status} ${completions}`, attempts);

// Seed 000, 7.1 (the translation lost the spaces of the shell loop; this is the book's command).
const COUNTER = `apiVersion:          batch/v1
kind:                Job
metadata:
  name:              counter
spec:
  template:
    metadata:
      name:          counter
    spec:
      containers:
      - name:        counter
        image:       busybox
        command:
         - "sh"
         - "-c"
         - "for i in 1 2 3 ; do echo $i ; done"
      restartPolicy: Never
`;

// Seed 001's batch-job image works for 120 s; the same script with a 3 s sleep keeps the test short.
const BATCH_SCRIPT = 'echo "$(date) Batch job starting"; sleep 3; echo "$(date) Finished succesfully"';
const batchJob = (name: string, extra = '') => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${extra}  template:
    metadata:
      labels:
        app: batch-job
    spec:
      restartPolicy: OnFailure
      containers:
        - name: main
          image: idealism/batch-job
          command: ["sh", "-c", ${JSON.stringify(BATCH_SCRIPT)}]
`;

// Seed 002 (sleep-job.yaml), 5 s instead of 30.
const SLEEP_JOB = `---
apiVersion: batch/v1
kind: Job
metadata:
  name: sleep
spec:
  template:
    spec:
      containers:
      - name: sleep
        image: busybox
        command:
          - "/bin/sleep"
          - "5"
      restartPolicy: OnFailure
`;

// Seed 004 (job.yaml.txt): the Job Template Expansion template, $ITEM replaced per work item.
const JOB_TEMPLATE = `apiVersion: batch/v1
kind: Job
metadata:
  name: process-item-$ITEM
  labels:
    jobgroup: jobexample
spec:
  template:
    metadata:
      name: jobexample
      labels:
        jobgroup: jobexample
    spec:
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo Processing item $ITEM && sleep 5"]
      restartPolicy: Never
`;

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('Jobs on two nodes', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-jobs-'));
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('seed 000 7.1: the counter Job completes; kubectl logs jobs/counter prints 1 2 3; describe shows the pod and the events', async () => {
    const created = await k(['create', '-f', '-'], COUNTER);
    assert.equal(created.stdout, 'job.batch/counter created\n', created.stderr);
    const t = await table(['get', 'jobs']);
    assert.deepEqual(t.header, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    const done = await waitJob('counter', 'Complete', '1/1');
    assert.match(done.DURATION, /^\d+s$/);
    assert.equal((await k(['logs', 'jobs/counter'])).stdout, '1\n2\n3\n');
    const [pod] = await podRows('job-name=counter');
    assert.match(pod.NAME, /^counter-[a-z0-9]{5}$/);
    assert.equal(pod.STATUS, 'Completed', 'the pod is kept after completion');
    const uid = (await json(['get', 'job', 'counter'])).metadata.uid;
    const d = (await k(['describe', 'jobs/counter'])).stdout;
    assert.match(d, new RegExp(`^Selector:\\s+batch.kubernetes.io/controller-uid=${uid}$`, 'm'));
    assert.match(d, /^Parallelism:\s+1$/m);
    assert.match(d, /^Completions:\s+1$/m);
    assert.match(d, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed$/m);
    assert.match(d, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+job-controller\\s+Created pod: ${pod.NAME}`));
    assert.match(d, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
    const status = (await json(['get', 'job', 'counter'])).status;
    assert.deepEqual(status.conditions.map((x: { type: string; reason: string }) => `${x.type}:${x.reason}`), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    assert.deepEqual([status.succeeded, status.ready, status.terminating, status.uncountedTerminatedPods], [1, 0, 0, {}]);
    assert.deepEqual((await json(['get', 'pod', pod.NAME])).metadata.finalizers ?? [], [], 'the job-tracking finalizer is removed once counted');
  });

  it('seed 001: batch-job runs one pod (0/1, Running), then 1/1 Complete with the pod Completed and its log', async () => {
    assert.equal((await k(['create', '-f', '-'], batchJob('batch-job'))).stdout, 'job.batch/batch-job created\n');
    const running = await waitFor(async () => {
      const ps = await podRows('job-name=batch-job');
      return ps.length === 1 && ps[0].STATUS === 'Running' ? ps[0] : undefined;
    }, 'the batch-job pod Running');
    assert.equal(running.READY, '1/1');
    assert.equal((await jobRow('batch-job')).COMPLETIONS, '0/1');
    await waitJob('batch-job', 'Complete', '1/1');
    const [pod] = await podRows('job-name=batch-job');
    assert.deepEqual([pod.NAME, pod.READY, pod.STATUS], [running.NAME, '0/1', 'Completed']);
    const log = (await k(['logs', pod.NAME])).stdout;
    assert.match(log, /^.+ Batch job starting\n.+ Finished succesfully\n$/);
  });

  it('seed 001: multi-completion-parallel-batch-job reaches 5/5, never more than 2 pods running', async () => {
    assert.equal((await k(['create', '-f', '-'], batchJob('multi-completion-parallel-batch-job', '  completions: 5\n  parallelism: 2\n'))).stdout, 'job.batch/multi-completion-parallel-batch-job created\n');
    let maxActive = 0;
    let sawTwo = false;
    await waitFor(async () => {
      const pods = (await json(['get', 'pods', '-l', 'job-name=multi-completion-parallel-batch-job'])).items as { status: { phase?: string } }[];
      const active = pods.filter((p) => p.status.phase !== 'Succeeded' && p.status.phase !== 'Failed').length;
      maxActive = Math.max(maxActive, active);
      if (active === 2) sawTwo = true;
      const r = await jobRow('multi-completion-parallel-batch-job');
      return r.STATUS === 'Complete' && r.COMPLETIONS === '5/5';
    }, 'multi-completion-parallel-batch-job 5/5', 480);
    assert.ok(sawTwo, 'two pods ran at once');
    assert.equal(maxActive, 2, 'never more than parallelism');
    const pods = await podRows('job-name=multi-completion-parallel-batch-job');
    assert.equal(pods.length, 5);
    for (const p of pods) assert.equal(p.STATUS, 'Completed', p.NAME);
  });

  it('seed 002: kubectl apply the sleep Job; 0/1 while it sleeps, then 1/1 with the pod Completed', async () => {
    assert.equal((await k(['apply', '-f', '-'], SLEEP_JOB)).stdout, 'job.batch/sleep created\n');
    const r = await waitFor(async () => { const x = await jobRow('sleep'); return x.STATUS === 'Running' ? x : undefined; }, 'sleep Running');
    assert.equal(r.COMPLETIONS, '0/1');
    const done = await waitJob('sleep', 'Complete', '1/1');
    assert.match(done.DURATION, /^([5-9]|\d\d+)s$/, 'the pod slept 5 s');
    const [pod] = await podRows('job-name=sleep');
    assert.deepEqual([pod.READY, pod.STATUS, pod.RESTARTS], ['0/1', 'Completed', '0']);
  });

  it('seed 004: Job Template Expansion, three Jobs from one template, kubectl get jobs -l jobgroup=jobexample', async () => {
    const jobs = join(dir, 'jobs');
    mkdirSync(jobs);
    for (const item of ['apple', 'banana', 'cherry']) writeFileSync(join(jobs, `job-${item}.yaml`), JOB_TEMPLATE.replaceAll('$ITEM', item));
    const created = await kubectl(c, ['create', '-f', jobs]);
    assert.equal(created.stdout, 'job.batch/process-item-apple created\njob.batch/process-item-banana created\njob.batch/process-item-cherry created\n', created.stderr);
    await waitFor(async () => (await table(['get', 'jobs', '-l', 'jobgroup=jobexample'])).rows.filter((r) => r.STATUS === 'Complete' && r.COMPLETIONS === '1/1').length === 3, 'three jobs 1/1', 240);
    const t = await table(['get', 'jobs', '-l', 'jobgroup=jobexample']);
    assert.deepEqual(t.rows.map((r) => r.NAME), ['process-item-apple', 'process-item-banana', 'process-item-cherry']);
    for (const item of ['apple', 'banana', 'cherry']) assert.equal((await k(['logs', `job/process-item-${item}`])).stdout, `Processing item ${item}\n`);
    assert.equal((await podRows('jobgroup=jobexample')).length, 3);
  });

  it('Indexed: pods NAME-INDEX-xxxxx, each with its JOB_COMPLETION_INDEX and hostname; completedIndexes 0-2', async () => {
    await k(['create', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata: {name: indexed}
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]
`);
    await waitJob('indexed', 'Complete', '3/3');
    const pods = (await json(['get', 'pods', '-l', 'job-name=indexed'])).items as { metadata: { name: string; annotations: Record<string, string> } }[];
    const seen: string[] = [];
    for (const p of pods) {
      const ix = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      assert.match(p.metadata.name, new RegExp(`^indexed-${ix}-[a-z0-9]{5}$`));
      assert.equal((await k(['logs', p.metadata.name])).stdout, `index=${ix} host=indexed-${ix}\n`);
      seen.push(ix);
    }
    assert.deepEqual(seen.sort(), ['0', '1', '2']);
    assert.equal((await json(['get', 'job', 'indexed'])).status.completedIndexes, '0-2');
  });

  it('a failing pod is replaced after the back-off until backoffLimit; then the Job is Failed with BackoffLimitExceeded', async () => {
    await k(['create', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: busybox, command: ["sh", "-c", "exit 3"]}
`);
    await waitJob('fails', 'Failed', '0/1', 480);
    const pods = await podRows('job-name=fails');
    assert.deepEqual(pods.map((p) => p.STATUS), ['Error', 'Error'], 'one pod, then one replacement');
    const d = (await k(['describe', 'job', 'fails'])).stdout;
    assert.match(d, /^Pods Statuses:\s+0 Active \(0 Ready\) \/ 0 Succeeded \/ 2 Failed$/m);
    assert.match(d, /Warning\s+BackoffLimitExceeded\s+\S+\s+job-controller\s+Job has reached the specified backoff limit/);
    const created = (await json(['get', 'pods', '-l', 'job-name=fails'])).items.map((p: { metadata: { creationTimestamp: string } }) => Date.parse(p.metadata.creationTimestamp)).sort();
    assert.ok(created[1] - created[0] >= 10_000, `the replacement waited out the 10 s back-off (${created[1] - created[0]} ms)`);
  });

  it('activeDeadlineSeconds: the running pod is deleted and the Job Failed with DeadlineExceeded', async () => {
    await k(['create', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata: {name: deadline}
spec:
  activeDeadlineSeconds: 3
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - {name: main, image: busybox, command: ["sleep", "60"]}
`);
    await waitJob('deadline', 'Failed', '0/1');
    await waitFor(async () => (await podRows('job-name=deadline')).length === 0, 'the pod deleted');
    const d = (await k(['describe', 'job', 'deadline'])).stdout;
    assert.match(d, /Normal\s+SuccessfulDelete\s+\S+\s+job-controller\s+Deleted pod: deadline-[a-z0-9]{5}/);
    assert.match(d, /Warning\s+DeadlineExceeded\s+\S+\s+job-controller\s+Job was active longer than specified deadline/);
  });

  it('suspend: no pods until resumed', async () => {
    await k(['create', '-f', '-'], batchJob('paused', '  suspend: true\n'));
    await waitFor(async () => (await jobRow('paused')).STATUS === 'Suspended', 'paused Suspended');
    assert.equal((await podRows('job-name=paused')).length, 0);
    assert.equal((await k(['patch', 'job', 'paused', '--type=merge', '-p', '{"spec":{"suspend":false}}'])).stdout, 'job.batch/paused patched\n');
    await waitJob('paused', 'Complete', '1/1');
    const events = (await k(['describe', 'job', 'paused'])).stdout;
    assert.match(events, /Normal\s+Suspended\s+\S+\s+job-controller\s+Job suspended/);
    assert.match(events, /Normal\s+Resumed\s+\S+\s+job-controller\s+Job resumed/);
  });

  it('ttlSecondsAfterFinished: the finished Job and its pod are deleted', async () => {
    await k(['create', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata: {name: ephemeral}
spec:
  ttlSecondsAfterFinished: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: busybox, command: ["true"]}
`);
    await waitFor(async () => {
      const r = await k(['get', 'job', 'ephemeral']);
      return r.stderr.includes('Error from server (NotFound): jobs.batch "ephemeral" not found');
    }, 'the Job deleted after its TTL');
    await waitFor(async () => (await podRows('job-name=ephemeral')).length === 0, 'its pod deleted');
  });

  it('kubectl delete job removes its pods', async () => {
    assert.equal((await k(['delete', 'job', 'counter'])).stdout, 'job.batch "counter" deleted\n');
    await waitFor(async () => (await podRows('job-name=counter')).length === 0, 'the counter pod deleted');
  });
});
