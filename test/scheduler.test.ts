// End-to-end: the scheduler as kubectl shows it — PriorityClasses, FailedScheduling in describe,
// preemption with NOMINATED NODE, and a --scheduler-config profile.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);

const cfgDir = mkdtempSync(join(tmpdir(), 'tskube-sched-'));
const cfg = join(cfgDir, 'scheduler.yaml');
writeFileSync(cfg, `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`);

const pod = (name: string, o: { cpu?: string; priorityClassName?: string; schedulerName?: string } = {}) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  ${o.priorityClassName ? `priorityClassName: ${o.priorityClassName}` : ''}
  ${o.schedulerName ? `schedulerName: ${o.schedulerName}` : ''}
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
    ${o.cpu ? `resources: {requests: {cpu: "${o.cpu}"}}` : ''}
`;

describeNeeding('the scheduler through kubectl', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  let cpu = 0;
  before(async () => {
    c = await startCluster({ nodes: 1, extraArgs: ['--scheduler-config', cfg] });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.includes(' Ready '), 'host01 Ready');
    cpu = Number((await json(['get', 'node', 'host01'])).status.allocatable.cpu);
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await c?.stop();
    rmSync(cfgDir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('serves PriorityClasses: api-resources, the system classes, kubectl create priorityclass', async () => {
    const r = await k(['api-resources']);
    assert.match(r.stdout, /^priorityclasses\s+pc\s+scheduling\.k8s\.io\/v1\s+false\s+PriorityClass$/m);
    const pc = await k(['get', 'pc']);
    assert.match(pc.stdout, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/m);
    assert.match(pc.stdout, /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    assert.match(pc.stdout, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    const created = await k(['create', 'priorityclass', 'high', '--value=1000', '--description=preempts']);
    assert.equal(created.stdout.trim(), 'priorityclass.scheduling.k8s.io/high created');
    const bad = await k(['apply', '-f', '-'], pod('orphan', { priorityClassName: 'missing' }));
    assert.match(bad.stderr, /pods "orphan" is forbidden: no PriorityClass with name missing was found/);
  });

  it('FailedScheduling in describe, worded as kube-scheduler', async () => {
    await k(['apply', '-f', '-'], pod('huge', { cpu: '1000' }));
    await waitFor(async () => /FailedScheduling/.test((await k(['describe', 'pod', 'huge'])).stdout), 'FailedScheduling');
    const d = (await k(['describe', 'pod', 'huge'])).stdout;
    assert.match(d, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: 1 Insufficient cpu\. preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\.\./);
    assert.match(d, /^Status:\s+Pending$/m);
    await k(['delete', 'pod', 'huge', '--wait=false']);
  });

  it('preemption: a higher-priority pod evicts a lower one, NOMINATED NODE shows where it goes', async () => {
    const all = `${cpu * 1000 - 50}m`;
    await k(['apply', '-f', '-'], pod('low', { cpu: all }));
    await waitFor(async () => (await json(['get', 'pod', 'low'])).status.phase === 'Running', 'low Running');
    const high = (await k(['apply', '-f', '-'], pod('high', { cpu: all, priorityClassName: 'high' })));
    assert.equal(high.code, 0, high.stderr);
    assert.equal((await json(['get', 'pod', 'high'])).spec.priority, 1000);
    const nominated = await waitFor(async () => {
      const w = (await k(['get', 'pod', 'high', '-o', 'wide', '--no-headers'])).stdout;
      return /\shost01\s+<none>\s*$/.test(w) && /\s<none>\s+host01\s+<none>\s*$/.test(w) ? w : undefined;
    }, 'high nominated to host01 while low terminates');
    assert.match(nominated, /^high\s+0\/1\s+Pending/);
    await waitFor(async () => (await json(['get', 'pod', 'high'])).spec.nodeName === 'host01', 'high bound to host01');
    const events = (await k(['get', 'events', '--field-selector', 'involvedObject.name=low'])).stdout;
    const uid = (await json(['get', 'pod', 'high'])).metadata.uid;
    assert.match(events, new RegExp(`Normal\\s+Preempted\\s+pod/low\\s+Preempted by pod ${uid} on node host01`));
    await waitFor(async () => /NotFound/.test((await k(['get', 'pod', 'low'])).stderr), 'low gone');
  });

  it('a --scheduler-config profile schedules its pods; an unknown schedulerName stays Pending', async () => {
    await k(['delete', 'pod', 'high', '--wait=false']);
    await k(['apply', '-f', '-'], pod('packed', { schedulerName: 'bin-packing' }));
    await k(['apply', '-f', '-'], pod('nobody', { schedulerName: 'nobody' }));
    await waitFor(async () => (await json(['get', 'pod', 'packed'])).spec.nodeName === 'host01', 'packed bound by the bin-packing profile');
    const ev = (await k(['get', 'events', '--field-selector', 'involvedObject.name=packed', '-o', 'wide'])).stdout;
    assert.match(ev, /Scheduled\s+pod\/packed\s+bin-packing\s+Successfully assigned default\/packed to host01/);
    const nobody = await json(['get', 'pod', 'nobody']);
    assert.equal(nobody.spec.nodeName, undefined);
    assert.equal(nobody.status.conditions, undefined);
  });
});

describeNeeding('--scheduler-config errors', { timeout: 2 * 60_000, ...requireTool(KUBECTL) }, () => {
  it('an invalid configuration stops tskube up with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-sched-bad-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n');
    await assert.rejects(startCluster({ extraArgs: ['--scheduler-config', bad] }),
      /no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler\.config\.k8s\.io\/v1beta3"/);
    rmSync(dir, { recursive: true, force: true });
  });
});
