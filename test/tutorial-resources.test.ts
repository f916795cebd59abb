// End-to-end: kubernetes.io's "Assign Memory Resources to Containers and Pods" and "Assign CPU
// Resources to Containers and Pods" walkthroughs with the real kubectl, on the process runtime's
// cgroups: polinux/stress holding 150M under a 200Mi limit (kubectl top ~150Mi), OOM-killed at 250M
// under 100Mi (OOMKilled, then CrashLoopBackOff with restarts growing), a 1000Gi request left
// Pending (FailedScheduling "Insufficient memory"); vish/stress -cpus 2 held near its 1 CPU limit
// (kubectl top up to ~1000m), a request of 100 CPUs left Pending ("Insufficient cpu"); the
// namespaces deleted.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlStream, waitFor, type Cluster, kubectlOk } from './harness.js';
import { describeNeeding, KUBECTL, PYTHON3, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CGROUPS } from '../src/runtime/cgroups/testing/cgroups-tool.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);


const memoryRequestLimit = `apiVersion: v1
kind: Pod
metadata:
  name: memory-demo
  namespace: mem-example
spec:
  containers:
  - name: memory-demo-ctr
    image: polinux/stress
    resources:
      requests:
        memory: "100Mi"
      limits:
        memory: "200Mi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"]
`;

const memoryRequestLimit2 = `apiVersion: v1
kind: Pod
metadata:
  name: memory-demo-2
  namespace: mem-example
spec:
  containers:
  - name: memory-demo-2-ctr
    image: polinux/stress
    resources:
      requests:
        memory: "50Mi"
      limits:
        memory: "100Mi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
`;

const memoryRequestLimit3 = `apiVersion: v1
kind: Pod
metadata:
  name: memory-demo-3
  namespace: mem-example
spec:
  containers:
  - name: memory-demo-3-ctr
    image: polinux/stress
    resources:
      requests:
        memory: "1000Gi"
      limits:
        memory: "1000Gi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"]
`;

const cpuRequestLimit = `apiVersion: v1
kind: Pod
metadata:
  name: cpu-demo
  namespace: cpu-example
spec:
  containers:
  - name: cpu-demo-ctr
    image: vish/stress
    resources:
      limits:
        cpu: "1"
      requests:
        cpu: "0.5"
    args:
    - -cpus
    - "2"
`;

const cpuRequestLimit2 = `apiVersion: v1
kind: Pod
metadata:
  name: cpu-demo-2
  namespace: cpu-example
spec:
  containers:
  - name: cpu-demo-ctr-2
    image: vish/stress
    resources:
      limits:
        cpu: "100"
      requests:
        cpu: "100"
    args:
    - -cpus
    - "2"
`;

/** top reads `kubectl top pod NAME -n NS --no-headers` as [CPU millicores, memory MiB]. */
async function top(ns: string, pod: string): Promise<[number, number] | undefined> {
  const r = await k(['top', 'pod', pod, '--namespace', ns, '--no-headers']);
  const m = /^\S+\s+(\d+)m\s+(\d+)Mi\s*$/.exec(r.stdout.trim());
  return r.code === 0 && m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** podStatus is `kubectl get pod` as [READY, STATUS, RESTARTS]. */
async function podStatus(ns: string, pod: string): Promise<string[]> {
  const f = (await ok(['get', 'pod', pod, '--namespace', ns, '--no-headers'])).trim().split(/\s+/);
  return [f[1], f[2], f[3]];
}

/** FAILED_SCHEDULING is kube-scheduler 1.32's message when no node of three has room (and preemption frees none). */
const failedScheduling = (what: string) =>
  `0/3 nodes are available: 3 Insufficient ${what}. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..`;

describeNeeding('kubernetes.io walkthroughs: assign memory and CPU resources (polinux/stress, vish/stress on cgroups)', { timeout: 6 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CGROUPS, PYTHON3) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 3 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 3, 'three nodes Ready', 240);
  }, { timeout: 4 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('memory-demo: 150M under a 200Mi limit runs, its resources read back, kubectl top shows about 150Mi', async () => {
    // "Before you begin": the resource metrics API is there
    const apiservices = await ok(['get', 'apiservices']);
    assert.match(apiservices, /\nv1beta1\.metrics\.k8s\.io\s+Local\s+True\s+/);
    assert.equal(await ok(['create', 'namespace', 'mem-example']), 'namespace/mem-example created\n');
    assert.equal(await ok(['apply', '-f', '-', '--namespace=mem-example'], memoryRequestLimit), 'pod/memory-demo created\n');
    await waitFor(async () => (await podStatus('mem-example', 'memory-demo')).join(' ') === '1/1 Running 0', 'memory-demo Running', 240);
    const yaml = await ok(['get', 'pod', 'memory-demo', '--output=yaml', '--namespace=mem-example']);
    assert.match(yaml, /\n {4}resources:\n {6}limits:\n {8}memory: 200Mi\n {6}requests:\n {8}memory: 100Mi\n/);
    assert.equal(await ok(['logs', 'memory-demo', '--namespace=mem-example']), 'stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n');
    // The worker frees and reallocates every second (--vm-hang 1): most readings catch it holding
    // its 150M (stress's M is 2^20: 150Mi) plus python's few MiB; the limit (200Mi) is never reached.
    const [, mem] = (await waitFor(async () => {
      const t = await top('mem-example', 'memory-demo');
      return t && t[1] >= 140 && t[1] < 200 ? t : undefined;
    }, 'kubectl top memory-demo about 150Mi', 240, 1000))!;
    assert.ok(mem >= 140 && mem < 200, `memory-demo uses ${mem}Mi`);
    assert.deepEqual(await podStatus('mem-example', 'memory-demo'), ['1/1', 'Running', '0'], 'never OOM-killed at 150M');
    // stress ignores SIGTERM as a container's PID 1 (no handler): the docs' delete waits out the grace period
    assert.equal(await ok(['delete', 'pod', 'memory-demo', '--namespace=mem-example', '--wait=false']), 'pod "memory-demo" deleted\n');
  });

  it('memory-demo-2: 250M under a 100Mi limit is OOMKilled, restarted, then in CrashLoopBackOff with restarts growing', async () => {
    assert.equal(await ok(['apply', '-f', '-', '--namespace=mem-example'], memoryRequestLimit2), 'pod/memory-demo-2 created\n');
    // (get -w of a pod not yet created ends at once with NotFound, as kubectl's does)
    const watch = kubectlStream(c, ['get', 'pod', 'memory-demo-2', '--namespace=mem-example', '--watch', '--no-headers']);
    try {
      // get -w shows each state the kubelet reports: the kernel's kill as OOMKilled, the back-off after it
      await waitFor(async () => /\s0\/1\s+OOMKilled\s+\d+/.test(watch.stdout()) && /\s0\/1\s+CrashLoopBackOff\s+\d+/.test(watch.stdout()), 'OOMKilled then CrashLoopBackOff in get -w', 480, 250)
        .catch((e: Error) => { throw new Error(`${e.message}:\n${watch.stdout()}${watch.stderr()}`); });
      assert.ok(watch.stdout().indexOf('OOMKilled') < watch.stdout().lastIndexOf('CrashLoopBackOff'), watch.stdout());
    } finally {
      await watch.kill();
    }
    const pod = JSON.parse(await waitFor(async () => {
      const out = await ok(['get', 'pod', 'memory-demo-2', '--output=json', '--namespace=mem-example']);
      return (JSON.parse(out).status.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? out : undefined;
    }, 'memory-demo-2 restarted twice', 480, 250));
    const cs = pod.status.containerStatuses[0];
    assert.equal(cs.lastState.terminated.reason, 'OOMKilled');
    // cgroup v1 kills the hog worker alone, and stress exits 1; cgroup v2 with memory.oom.group kills all (137)
    assert.ok([1, 137].includes(cs.lastState.terminated.exitCode), `exit code ${cs.lastState.terminated.exitCode}`);
    const yaml = await ok(['get', 'pod', 'memory-demo-2', '--output=yaml', '--namespace=mem-example']);
    assert.match(yaml, /\n {4}lastState:\n {6}terminated:\n(?: {8}.+\n)* {8}reason: OOMKilled\n/);
    const logs = await ok(['logs', 'memory-demo-2', '--previous', '--namespace=mem-example']);
    assert.match(logs, /^stress: info: \[1\] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\nstress: FAIL: \[1\] \(415\) <-- worker \d+ got signal 9\nstress: WARN: \[1\] \(417\) now reaping child worker processes\n/);
    assert.match(logs, /stress: FAIL: \[1\] \(451\) failed run completed in \d+s\n$/);
    const describe = await ok(['describe', 'pod', 'memory-demo-2', '--namespace=mem-example']);
    assert.match(describe, /Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n/);
    assert.match(describe, /Limits:\n\s+memory:\s+100Mi\n\s+Requests:\n\s+memory:\s+50Mi\n/);
    assert.match(describe, /Normal\s+Created\s+.*kubelet\s+Created container memory-demo-2-ctr\n/);
    assert.match(describe, /Warning\s+BackOff\s+.*Back-off restarting failed container memory-demo-2-ctr in pod memory-demo-2_mem-example/);
    assert.equal(await ok(['delete', 'pod', 'memory-demo-2', '--namespace=mem-example', '--wait=false']), 'pod "memory-demo-2" deleted\n');
  });

  it('memory-demo-3: a 1000Gi request stays Pending, FailedScheduling "Insufficient memory"', async () => {
    assert.equal(await ok(['apply', '-f', '-', '--namespace=mem-example'], memoryRequestLimit3), 'pod/memory-demo-3 created\n');
    const describe = await waitFor(async () => {
      const out = await ok(['describe', 'pod', 'memory-demo-3', '--namespace=mem-example']);
      return /FailedScheduling/.test(out) ? out : undefined;
    }, 'memory-demo-3 FailedScheduling', 240);
    assert.match(describe, /\nStatus:\s+Pending\n/);
    assert.ok(describe.includes(`Warning  FailedScheduling  `), describe);
    assert.ok(describe.includes(`default-scheduler  ${failedScheduling('memory')}\n`), describe);
    assert.deepEqual(await podStatus('mem-example', 'memory-demo-3'), ['0/1', 'Pending', '0']);
  });

  it('cpu-demo: -cpus 2 under a 1 CPU limit, cpu "0.5" reads back 500m, kubectl top up to about 1000m', async () => {
    assert.equal(await ok(['create', 'namespace', 'cpu-example']), 'namespace/cpu-example created\n');
    assert.equal(await ok(['apply', '-f', '-', '--namespace=cpu-example'], cpuRequestLimit), 'pod/cpu-demo created\n');
    await waitFor(async () => (await podStatus('cpu-example', 'cpu-demo')).join(' ') === '1/1 Running 0', 'cpu-demo Running', 240);
    const yaml = await ok(['get', 'pod', 'cpu-demo', '--output=yaml', '--namespace=cpu-example']);
    assert.match(yaml, /\n {4}resources:\n {6}limits:\n {8}cpu: "1"\n {6}requests:\n {8}cpu: 500m\n/);
    const logs = await ok(['logs', 'cpu-demo', '--namespace=cpu-example']);
    assert.match(logs, /^I\d{4} [\d:.]+ +1 main\.go:26\] Allocating "0" memory, in "4Ki" chunks, with a 1ms sleep between allocations\n/);
    assert.equal(logs.match(/main\.go:39\] Spawning a thread to consume CPU\n/g)?.length, 2, logs);
    // Two burners held to one CPU by the CFS quota: several hundred millicores (200m at least: the machine is
    // shared), never much above 1000m.
    const [cpu, mem] = (await waitFor(async () => {
      const t = await top('cpu-example', 'cpu-demo');
      return t && t[0] >= 200 ? t : undefined;
    }, 'kubectl top cpu-demo several hundred millicores', 240, 1000))!;
    assert.ok(cpu >= 200 && cpu <= 1150, `cpu-demo uses ${cpu}m`);
    assert.ok(mem < 64, `cpu-demo's memory is the interpreter's alone: ${mem}Mi`);
    assert.equal(await ok(['delete', 'pod', 'cpu-demo', '--namespace=cpu-example']), 'pod "cpu-demo" deleted\n');
  });

  it('cpu-demo-2: a request of 100 CPUs stays Pending, FailedScheduling "Insufficient cpu"', async () => {
    assert.equal(await ok(['apply', '-f', '-', '--namespace=cpu-example'], cpuRequestLimit2), 'pod/cpu-demo-2 created\n');
    const describe = await waitFor(async () => {
      const out = await ok(['describe', 'pod', 'cpu-demo-2', '--namespace=cpu-example']);
      return /FailedScheduling/.test(out) ? out : undefined;
    }, 'cpu-demo-2 FailedScheduling', 240);
    assert.ok(describe.includes(`default-scheduler  ${failedScheduling('cpu')}\n`), describe);
    assert.match(describe, /Limits:\n\s+cpu:\s+100\n\s+Requests:\n\s+cpu:\s+100\n/);
    assert.deepEqual(await podStatus('cpu-example', 'cpu-demo-2'), ['0/1', 'Pending', '0']);
  });

  it('kubectl delete namespace removes both walkthroughs', async () => {
    assert.equal(await ok(['delete', 'namespace', 'cpu-example']), 'namespace "cpu-example" deleted\n');
    assert.equal(await ok(['delete', 'namespace', 'mem-example']), 'namespace "mem-example" deleted\n');
    for (const ns of ['cpu-example', 'mem-example']) {
      const r = await k(['get', 'namespace', ns]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `Error from server (NotFound): namespaces "${ns}" not found\n`);
    }
  });
});
