// End-to-end: pods really run on `tskube up --nodes 3`, driven by the real kubectl, as the seeds show.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
const podRow = async (name: string) => (await k(['get', 'pod', name, '--no-headers'])).stdout.trim().split(/\s{2,}/);

/** processesWithEnv lists this machine's processes whose environment holds the entry (NAME=value). */
function processesWithEnv(entry: string): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)) out.push({ pid: Number(pid), comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() });
    } catch { /* exited meanwhile, or not ours */ }
  }
  return out;
}

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('pods run as real processes on three nodes', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  const hostDir = mkdtempSync(join(tmpdir(), 'tskube-init-'));
  before(async () => { c = await startCluster({ nodes: 3 }); }, { timeout: 2 * 60_000 });
  after(async () => {
    await c?.stop();
    rmSync(hostDir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('nodes host01..host03 register and are Ready', async () => {
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 3, '3 Ready nodes');
    const r = await k(['get', 'nodes']);
    assert.match(r.stdout, /^host01\s+Ready\s+<none>\s+\S+\s+v1\.32/m);
  });

  it('seed 000 7.1: the counter pod with restartPolicy Never completes and logs 1 2 3', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: counter}
spec:
  restartPolicy: Never
  containers:
  - name: counter
    image: busybox
    command: ["sh", "-c", "for i in 1 2 3; do echo $i; done"]
`);
    await waitFor(async () => (await podRow('counter'))[2] === 'Completed', 'counter Completed');
    assert.deepEqual((await podRow('counter')).slice(0, 4), ['counter', '0/1', 'Completed', '0']);
    const r = await k(['logs', 'counter']);
    assert.equal(r.stdout, '1\n2\n3\n');
    // Asking for a previous instance that never was: the agent's answer reaches kubectl as a Status.
    const prev = await k(['logs', 'counter', '--previous']);
    assert.equal(prev.code, 1);
    assert.equal(prev.stderr.trim(), 'Error from server (BadRequest): previous terminated container "counter" in pod "counter" not found');
  });

  it('seed 001: an httpGet liveness probe restarts kubia-unhealthy; describe shows 137, Unhealthy and Killing', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: kubia-liveness}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - image: luksa/kubia-unhealthy
    name: kubia
    livenessProbe:
      httpGet: {path: /, port: 8080}
      initialDelaySeconds: 1
      periodSeconds: 1
      failureThreshold: 2
`);
    await waitFor(async () => Number((await podRow('kubia-liveness'))[3]?.split(' ')[0]) >= 1, 'a restart', 240);
    const d = (await k(['describe', 'pod', 'kubia-liveness'])).stdout;
    assert.match(d, /Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+137/);
    assert.match(d, /Warning\s+Unhealthy\s+.*Liveness probe failed: HTTP probe failed with statuscode: 500/);
    assert.match(d, /Normal\s+Killing\s+.*Container kubia failed liveness probe, will be restarted/);
    const prev = await k(['logs', 'kubia-liveness', '--previous']);
    assert.equal(prev.code, 0, prev.stderr);
    assert.match(prev.stdout, /Kubia server starting/);
  });

  it('seed 004: an exec liveness probe (cat /tmp/health) restarts the container when the file goes', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: liveness-exec}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: liveness
    image: busybox
    args: ["/bin/sh", "-c", "echo ok > /tmp/health; sleep 2; rm -rf /tmp/health; sleep 600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/health"]}
      initialDelaySeconds: 1
      periodSeconds: 1
      failureThreshold: 1
`);
    await waitFor(async () => Number((await podRow('liveness-exec'))[3]?.split(' ')[0]) >= 1, 'a restart', 240);
    const ev = (await k(['get', 'events', '--field-selector', 'involvedObject.name=liveness-exec'])).stdout;
    // The host's own cat answers (coreutils here, busybox in the book): the wording differs slightly.
    assert.match(ev, /Warning\s+Unhealthy\s+pod\/liveness-exec\s+Liveness probe failed: cat: .*\/tmp\/health.*No such file or directory/);
  });

  it('seed 004: a tcpSocket readiness probe makes the pod Ready', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: tcp-ready}
spec:
  containers:
  - name: web
    image: nginx
    readinessProbe:
      tcpSocket: {port: 80}
      periodSeconds: 1
`);
    await waitFor(async () => (await podRow('tcp-ready'))[1] === '1/1', 'tcp-ready 1/1');
    const pod = await json(['get', 'pod', 'tcp-ready']);
    assert.equal(pod.status.conditions.find((x: { type: string }) => x.type === 'Ready').status, 'True');
  });

  it('seed 004 table 2.15: restart policies', async () => {
    const cases = [
      { name: 'never-fail', policy: 'Never', code: 1, phase: 'Failed', status: 'Error' },
      { name: 'never-ok', policy: 'Never', code: 0, phase: 'Succeeded', status: 'Completed' },
      { name: 'onfailure-ok', policy: 'OnFailure', code: 0, phase: 'Succeeded', status: 'Completed' },
    ];
    for (const t of cases) {
      await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: ${t.name}}\nspec:\n  restartPolicy: ${t.policy}\n  containers: [{name: main, image: busybox, command: ["sh", "-c", "exit ${t.code}"]}]\n`);
    }
    for (const t of cases) {
      await waitFor(async () => (await json(['get', 'pod', t.name])).status.phase === t.phase, `${t.name} ${t.phase}`);
      assert.equal((await podRow(t.name))[2], t.status);
    }
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: always-fail}\nspec:\n  restartPolicy: Always\n  containers: [{name: main, image: busybox, command: ["sh", "-c", "exit 1"]}]\n');
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: onfailure-fail}\nspec:\n  restartPolicy: OnFailure\n  containers: [{name: main, image: busybox, command: ["sh", "-c", "exit 1"]}]\n');
    for (const name of ['always-fail', 'onfailure-fail']) {
      await waitFor(async () => (await podRow(name))[2] === 'CrashLoopBackOff', `${name} CrashLoopBackOff`);
      const pod = await json(['get', 'pod', name]);
      assert.equal(pod.status.phase, 'Running');
      assert.ok(pod.status.containerStatuses[0].restartCount >= 1);
    }
  });

  it('seed 004: a ConfigMap as env, and as a volume with and without items', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: ConfigMap
metadata: {name: cm-appvars}
data:
  apploglevel: info
  appdatadir: /var/data
---
apiVersion: v1
kind: Pod
metadata: {name: cm-test-pod}
spec:
  containers:
  - name: cm-test
    image: busybox
    command: ["sleep", "3600"]
    env:
    - name: APPLOGLEVEL
      valueFrom: {configMapKeyRef: {name: cm-appvars, key: apploglevel}}
    - name: APPDATADIR
      valueFrom: {configMapKeyRef: {name: cm-appvars, key: appdatadir}}
    volumeMounts:
    - {name: all, mountPath: /configfiles}
    - {name: some, mountPath: /picked}
  volumes:
  - name: all
    configMap: {name: cm-appvars}
  - name: some
    configMap:
      name: cm-appvars
      items: [{key: apploglevel, path: level.txt}]
`);
    await waitFor(async () => (await podRow('cm-test-pod'))[2] === 'Running', 'cm-test-pod Running');
    const env = (await k(['exec', 'cm-test-pod', '--', 'env'])).stdout.split('\n').filter((l) => l.startsWith('APP')).sort();
    assert.deepEqual(env, ['APPDATADIR=/var/data', 'APPLOGLEVEL=info']);
    assert.equal((await k(['exec', 'cm-test-pod', '--', 'cat', '/configfiles/appdatadir'])).stdout, '/var/data');
    assert.equal((await k(['exec', 'cm-test-pod', '--', 'cat', '/picked/level.txt'])).stdout, 'info');
    assert.equal((await k(['exec', 'cm-test-pod', '--', 'ls', '/picked'])).stdout.trim(), 'level.txt');
    // The kubelet's atomic writer's layout: each key links into ..data, which links to a timestamped payload.
    const listing = (await k(['exec', 'cm-test-pod', '--', 'ls', '-la', '/configfiles'])).stdout;
    assert.match(listing, /\.\.data -> \.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\S+/);
    assert.match(listing, /apploglevel -> \.\.data\/apploglevel/);
    // An update of the ConfigMap reaches the mounted files (the env keeps its value from the start).
    await k(['patch', 'configmap', 'cm-appvars', '-p', '{"data":{"apploglevel":"debug"}}']);
    await waitFor(async () => (await k(['exec', 'cm-test-pod', '--', 'cat', '/configfiles/apploglevel'])).stdout === 'debug', 'the volume shows the update');
    assert.equal((await k(['exec', 'cm-test-pod', '--', 'cat', '/picked/level.txt'])).stdout, 'debug');
  });

  it('a missing ConfigMap gives CreateContainerConfigError until it appears', async () => {
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: needs-cm}\nspec:\n  containers:\n  - name: main\n    image: busybox\n    command: ["sleep", "3600"]\n    envFrom: [{configMapRef: {name: later}}]\n');
    await waitFor(async () => (await podRow('needs-cm'))[2] === 'CreateContainerConfigError', 'CreateContainerConfigError');
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {X: "1"}\n');
    await waitFor(async () => (await podRow('needs-cm'))[2] === 'Running', 'needs-cm Running');
  });

  it('seed 000 7.5: an init container waits for a condition, then the app starts', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: init-demo}
spec:
  nodeName: host02
  initContainers:
  - name: wait
    image: busybox
    command: ["sh", "-c", "echo waiting; until [ -f /ready/go ]; do sleep 0.2; done; echo done"]
    volumeMounts: [{name: flag, mountPath: /ready}]
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
  volumes:
  - name: flag
    hostPath: {path: ${hostDir}}
`);
    await waitFor(async () => (await podRow('init-demo'))[2] === 'Init:0/1', 'Init:0/1');
    writeFileSync(join(hostDir, 'go'), '');
    await waitFor(async () => (await podRow('init-demo'))[2] === 'Running', 'init-demo Running');
    const r = await k(['logs', 'init-demo', '-c', 'wait']);
    assert.equal(r.stdout, 'waiting\ndone\n');
  });

  it('seed 004: nodeSelector, node affinity, and an impossible selector', async () => {
    await k(['label', 'nodes', 'host01', 'zone=north']);
    await k(['label', 'nodes', 'host03', 'kubernetes.io/e2e-az-name=e2e-az2']);
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: north}
spec:
  nodeSelector: {zone: north}
  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: with-node-affinity}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: kubernetes.io/e2e-az-name, operator: In, values: [e2e-az1, e2e-az2]}
  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere}
spec:
  nodeSelector: {zone: south}
  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
`);
    await waitFor(async () => (await podRow('north'))[2] === 'Running', 'north Running');
    const wide = (await k(['get', 'pods', 'north', 'with-node-affinity', '-o', 'wide'])).stdout;
    assert.match(wide, /^north\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+host01\s/m);
    assert.match(wide, /^with-node-affinity\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+host03\s/m);
    await waitFor(async () => /FailedScheduling/.test((await k(['describe', 'pod', 'nowhere'])).stdout), 'FailedScheduling');
    assert.equal((await podRow('nowhere'))[2], 'Pending');
    const d = (await k(['describe', 'pod', 'nowhere'])).stdout;
    assert.match(d, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\./);
  });

  it("seed 000: preferred podAntiAffinity spreads three replicas over three nodes", async () => {
    const pod = (i: number) => `apiVersion: v1
kind: Pod
metadata: {name: spread-${i}, labels: {app: store}}
spec:
  affinity:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          labelSelector: {matchExpressions: [{key: app, operator: In, values: [store]}]}
          topologyKey: kubernetes.io/hostname
  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]
`;
    for (let i = 1; i <= 3; i++) {
      await k(['apply', '-f', '-'], pod(i));
      await waitFor(async () => (await json(['get', 'pod', `spread-${i}`])).spec.nodeName, `spread-${i} scheduled`);
    }
    const nodes = new Set<string>();
    for (let i = 1; i <= 3; i++) nodes.add((await json(['get', 'pod', `spread-${i}`])).spec.nodeName);
    assert.equal(nodes.size, 3);
  });

  // A private /tmp and the pod's hostname come from Linux namespaces: root and unshare.
  it('kubectl exec writes a file in a pod and reads it back; each pod has its own /tmp', requireTool(ROOT, UNSHARE), async () => {
    await waitFor(async () => (await podRow('north'))[2] === 'Running', 'north Running');
    let r = await k(['exec', 'north', '--', 'sh', '-c', 'echo hello > /tmp/f && cat /tmp/f && hostname']);
    assert.equal(r.stdout, 'hello\nnorth\n');
    // the other pod runs cat fine and finds no such file (not "exec failed": the exit code is cat's)
    r = await k(['exec', 'spread-1', '--', 'cat', '/tmp/f']);
    assert.deepEqual([r.code, r.stdout], [1, ''], r.stderr);
    // busybox's cat where Debian's busybox-static provides the image's applets (as in the real image), coreutils' otherwise
    assert.match(r.stderr, /^cat: (can't open '\/tmp\/f'|\/tmp\/f): No such file or directory\ncommand terminated with exit code 1\n$/);
    r = await k(['exec', 'north', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3);
  });

  it('deleting a running pod stops it: its processes are gone', async () => {
    // The pod's processes are found by an environment variable only they have (a container's env
    // reaches its processes whatever the runtime's isolation).
    const mark = `stopper-${process.pid}-${Date.now()}`;
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: stopper}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "sleep 3600 & wait"]
    env: [{name: TSKUBE_E2E_MARK, value: ${mark}}]
`);
    await waitFor(async () => (await podRow('stopper'))[2] === 'Running', 'stopper Running');
    await waitFor(async () => processesWithEnv(`TSKUBE_E2E_MARK=${mark}`).some((p) => p.comm === 'sleep'), 'the pod\'s sleep process');
    const r = await k(['delete', 'pod', 'stopper', '--grace-period=1']);
    assert.equal(r.stdout.trim(), 'pod "stopper" deleted');
    const g = await k(['get', 'pod', 'stopper']);
    assert.equal(g.stderr.trim(), 'Error from server (NotFound): pods "stopper" not found');
    await waitFor(async () => processesWithEnv(`TSKUBE_E2E_MARK=${mark}`).length === 0, 'no process of the deleted pod left');
  });
});
