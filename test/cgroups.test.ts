// End-to-end: resource limits through cgroups on the process runtime (as root), driven by the real
// kubectl: a memory hog is OOMKilled and restarted with back-off, a CPU burner is held to its
// limit as `kubectl top` shows, QoS classes in `kubectl describe`, pod cgroups by QoS class.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CGROUPS } from '../src/runtime/cgroups/testing/cgroups-tool.js';
import { CgroupManager } from '../src/runtime/cgroups/index.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

const millicores = (s: string) => Number(/^(\d+)m$/.exec(s)?.[1] ?? NaN);

const pods = `apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: hog
    image: python
    command: [python3, -c, "b=[]\\nwhile True: b.append(b'x' * (1 << 20))"]
    resources: {limits: {memory: 32Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: burner}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: burner
    image: busybox
    command: [sh, -c, 'while :; do :; done']
    resources: {limits: {cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: idle}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: idle
    image: busybox
    command: [sleep, '3600']
`;

describeNeeding('cgroups: memory and CPU limits, OOMKilled, QoS classes (process runtime as root)', { timeout: 8 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CGROUPS) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'host01 Ready', 240);
    const r = await k(['apply', '-f', '-'], pods);
    assert.equal(r.code, 0, r.stderr);
  }, { timeout: 4 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('a memory hog limited to 32Mi is OOMKilled (Exit Code 137) and restarted with back-off', async () => {
    const d = await waitFor(async () => {
      const out = (await k(['describe', 'pod', 'hog'])).stdout;
      return /Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/.test(out) ? out : undefined;
    }, 'hog OOMKilled in describe', 240, 500);
    assert.match(d, /QoS Class:\s+Burstable/);
    assert.match(d, /Limits:\n\s+memory:\s+32Mi/);
    // Back-off: the kubelet's CrashLoopBackOff and its BackOff event, with the restarts counted.
    const backoff = await waitFor(async () => {
      const out = (await k(['describe', 'pod', 'hog'])).stdout;
      return /Reason:\s+CrashLoopBackOff/.test(out) && /Back-off restarting failed container hog in pod hog_default/.test(out) ? out : undefined;
    }, 'hog in CrashLoopBackOff', 240, 500);
    assert.ok(Number(/Restart Count:\s+(\d+)/.exec(backoff)?.[1]) >= 1, backoff);
    const json = JSON.parse((await k(['get', 'pod', 'hog', '-o', 'json'])).stdout);
    const cs = json.status.containerStatuses[0];
    assert.equal(cs.lastState.terminated.reason, 'OOMKilled');
    assert.equal(cs.lastState.terminated.exitCode, 137);
  });

  it('a CPU burner limited to 100m uses about a tenth of a core by kubectl top', async () => {
    // The first readings after the start may not have a rate yet; the limit holds the loop near 100m.
    const cpu = await waitFor(async () => {
      const r = await k(['top', 'pod', 'burner', '--no-headers']);
      const m = millicores(r.stdout.trim().split(/\s+/)[1] ?? '');
      return r.code === 0 && m >= 50 && m <= 200 ? m : undefined;
    }, 'burner between 50m and 200m', 240, 1000);
    assert.ok(cpu >= 50 && cpu <= 200, `burner CPU ${cpu}m`);
    const d = (await k(['describe', 'pod', 'burner'])).stdout;
    assert.match(d, /QoS Class:\s+Guaranteed/);
  });

  it('pods live in cgroups named by QoS class; exec joins the container\'s; a deleted pod\'s cgroup is removed', async () => {
    await waitFor(async () => /Running/.test((await k(['get', 'pod', 'idle', '--no-headers'])).stdout), 'idle Running', 240);
    assert.match((await k(['describe', 'pod', 'idle'])).stdout, /QoS Class:\s+BestEffort/);
    const uid = (id: string) => k(['get', 'pod', id, '-o', 'jsonpath={.metadata.uid}']).then((r) => r.stdout.trim());
    const idleUid = await uid('idle');
    const burnerUid = await uid('burner');
    const idleCg = (await k(['exec', 'idle', '--', 'cat', '/proc/self/cgroup'])).stdout;
    assert.match(idleCg, new RegExp(`:memory:/(.*/)?kubepods/besteffort/pod${idleUid}/[0-9a-f]+\n`), idleCg);
    const burnerCg = (await k(['exec', 'burner', '--', 'cat', '/proc/1/cgroup'])).stdout;
    assert.match(burnerCg, new RegExp(`:cpu:/(.*/)?kubepods/pod${burnerUid}/[0-9a-f]+\n`), burnerCg);
    // The test runs in the agent's cgroup (tskube up is its child): relative paths resolve alike.
    const cgroups = CgroupManager.detect().manager!;
    assert.ok(cgroups.exists(`kubepods/besteffort/pod${idleUid}`));
    const r = await k(['delete', 'pod', 'idle', '--wait=true']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(async () => !cgroups.exists(`kubepods/besteffort/pod${idleUid}`), 'the pod cgroup removed', 120, 250);
  });
});
