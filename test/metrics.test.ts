// End-to-end: the built-in resource metrics API (metrics.k8s.io, what metrics-server adds to a
// Kubernetes cluster) measured by the node agents, read with the real `kubectl top`.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

/** rows splits kubectl's table output into header and rows of cells. */
function table(out: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = out.trim().split('\n');
  return { header: head.trim().split(/\s{2,}|\s+(?=[A-Z(])/), rows: lines.map((l) => l.trim().split(/\s+/)) };
}

const millicores = (s: string) => Number(/^(\d+)m$/.exec(s)?.[1] ?? NaN);
const mebibytes = (s: string) => Number(/^(\d+)Mi$/.exec(s)?.[1] ?? NaN);

const burner = `apiVersion: v1
kind: Pod
metadata: {name: burn, labels: {app: burn}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: burn
    image: busybox
    command: [sh, -c, 'while :; do :; done']
    resources: {requests: {cpu: 100m}}
  - name: idle
    image: busybox
    command: [sleep, '3600']
`;

describeNeeding('resource metrics: kubectl top with no add-on installed', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1 });
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'host01 Ready', 240);
    await k(['apply', '-f', '-'], burner);
    await waitFor(async () => /^burn\s+2\/2\s+Running/.test((await k(['get', 'pod', 'burn', '--no-headers'])).stdout), 'burn Running', 240);
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('discovery lists metrics.k8s.io/v1beta1 nodes and pods as metrics-server does', async () => {
    const r = await k(['api-resources', '--api-group=metrics.k8s.io']);
    assert.equal(r.code, 0, r.stderr);
    const rows = table(r.stdout).rows;
    assert.deepEqual(rows, [['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'], ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics']]);
    assert.match((await k(['api-versions'])).stdout, /^metrics\.k8s\.io\/v1beta1$/m);
  });

  it('kubectl top pods --containers shows the busy container\'s CPU and both containers\' memory', async () => {
    // The first scrapes after the pod started give its first rate (as metrics-server: within a resolution or two).
    const out = await waitFor(async () => {
      const r = await k(['top', 'pods', '--containers']);
      const rows = table(r.stdout).rows;
      const burn = rows.find((x) => x[0] === 'burn' && x[1] === 'burn');
      return r.code === 0 && burn && millicores(burn[2]) > 0 ? r.stdout : undefined;
    }, 'CPU usage of the busy container', 240, 500);
    const { header, rows } = table(out);
    assert.deepEqual(header, ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    assert.deepEqual(rows.map((x) => x.slice(0, 2)), [['burn', 'burn'], ['burn', 'idle']]);
    const [burn, idle] = rows;
    assert.ok(millicores(burn[2]) >= 10, `a busy loop uses CPU: ${burn[2]}`);
    assert.ok(millicores(idle[2]) < millicores(burn[2]), `sleep uses less than the loop: ${idle[2]} vs ${burn[2]}`);
    for (const x of rows) assert.ok(mebibytes(x[3]) >= 0 && /^\d+Mi$/.test(x[3]), `memory in Mi: ${x[3]}`);
  });

  it('kubectl top pods sums a pod\'s containers, per namespace, across namespaces and by label', async () => {
    const r = await k(['top', 'pods']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(table(r.stdout).header, ['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    const burn = table(r.stdout).rows.find((x) => x[0] === 'burn');
    assert.ok(burn && millicores(burn[1]) > 0, r.stdout);
    const all = await k(['top', 'pods', '-A']);
    assert.deepEqual(table(all.stdout).header, ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    assert.ok(table(all.stdout).rows.some((x) => x[0] === 'default' && x[1] === 'burn'), all.stdout);
    assert.deepEqual(table((await k(['top', 'pods', '-l', 'app=burn'])).stdout).rows.map((x) => x[0]), ['burn']);
    const none = await k(['top', 'pods', '-l', 'app=none']);
    assert.equal(none.stderr.trim(), 'No resources found in default namespace.');
    const missing = await k(['top', 'pod', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "nosuch" not found');
  });

  it('kubectl top nodes shows the node\'s CPU and memory against its allocatable', async () => {
    const r = await waitFor(async () => {
      const out = await k(['top', 'nodes']);
      return out.code === 0 ? out : undefined;
    }, 'node metrics', 120, 500);
    const { header, rows } = table(r.stdout);
    assert.deepEqual(header, ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    assert.equal(rows.length, 1);
    const [name, cpu, cpuPct, mem, memPct] = rows[0];
    assert.equal(name, 'host01');
    assert.ok(millicores(cpu) > 0, `node CPU ${cpu}`);
    assert.match(cpuPct, /^\d+%$/);
    assert.ok(mebibytes(mem) > 0, `node memory ${mem}`);
    assert.match(memPct, /^\d+%$/);
  });

  it('serves PodMetrics and NodeMetrics objects and metrics-server\'s table', async () => {
    const raw = await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burn']);
    assert.equal(raw.code, 0, raw.stderr);
    const pm = JSON.parse(raw.stdout);
    assert.deepEqual([pm.kind, pm.apiVersion, pm.metadata.name, pm.metadata.namespace, pm.metadata.labels], ['PodMetrics', 'metrics.k8s.io/v1beta1', 'burn', 'default', { app: 'burn' }]);
    assert.match(pm.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(pm.window, /^\d+(\.\d+)?s$/);
    assert.deepEqual(pm.containers.map((x: { name: string }) => x.name), ['burn', 'idle']);
    for (const x of pm.containers) {
      assert.match(x.usage.cpu, /^\d+[num]?$/);
      assert.match(x.usage.memory, /^\d+(Ki|Mi)?$/);
    }
    const list = JSON.parse((await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes'])).stdout);
    assert.equal(list.kind, 'NodeMetricsList');
    assert.deepEqual(list.items.map((n: { metadata: { name: string } }) => n.metadata.name), ['host01']);
    const t = await k(['get', 'pods.metrics.k8s.io']);
    assert.deepEqual(table(t.stdout).header, ['NAME', 'CPU', 'MEMORY', 'WINDOW']);
    assert.equal(table(t.stdout).rows[0][0], 'burn');
  });
});
