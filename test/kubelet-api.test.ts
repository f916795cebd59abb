// End-to-end: the kubelet's read-only HTTP API of tskube's node agents, read as the docs pages and
// tools read it: `kubectl get --raw /api/v1/nodes/NODE/proxy/PATH` through the API server's node proxy.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlOk, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const raw = async (node: string, p: string): Promise<string> => kubectlOk(c, ['get', '--raw', `/api/v1/nodes/${node}/proxy/${p}`]);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const rawJson = async (node: string, p: string): Promise<any> => JSON.parse(await raw(node, p));

// A pod pinned to host01 that writes to its log and to an emptyDir, with a memory limit.
const pod = `apiVersion: v1
kind: Pod
metadata: {name: stats-demo}
spec:
  nodeName: host01
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: [sh, -c, 'head -c 200000 /dev/zero > /cache/blob; echo hello from stats-demo; sleep 3600']
    resources: {limits: {memory: 64Mi}}
    readinessProbe: {exec: {command: ['true']}, periodSeconds: 1}
    volumeMounts: [{name: cache, mountPath: /cache}]
  volumes:
  - name: cache
    emptyDir: {}
`;

/** sample is the value of one series line (the first matching `name{…labels…}`) in a text exposition. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(name) || !/^[^{ ]+(\{| )/.test(line)) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([key, v]) => (m[2] ?? '').includes(`${key}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

describeNeeding('the kubelet API of the node agents (node proxy)', { timeout: 6 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2, extraArgs: ['--cluster-cidr', '10.205.0.0/16'] });
    await waitFor(async () => ((await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g) ?? []).length === 2, 'two nodes Ready', 240);
    await kubectlOk(c, ['apply', '-f', '-'], pod);
    await waitFor(async () => /^stats-demo\s+1\/1\s+Running/.test((await k(['get', 'pod', 'stats-demo', '--no-headers'])).stdout), 'stats-demo Running', 240);
    await waitFor(async () => (await k(['logs', 'stats-demo'])).stdout.includes('hello from stats-demo'), 'the pod\'s log line', 120);
  }, { timeout: 4 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('/pods lists the pod on its node with its status and the kubelet\'s annotations, and not on the other node', async () => {
    const list = await rawJson('host01', 'pods');
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    const p = list.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'stats-demo');
    assert.ok(p, 'stats-demo in host01\'s /pods');
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.metadata.annotations['kubernetes.io/config.source'], 'api');
    assert.match(p.metadata.annotations['kubernetes.io/config.seen'], /^\d{4}-\d\d-\d\dT/);
    const other = await rawJson('host02', 'pods');
    assert.ok(!other.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'stats-demo'));
  });

  it('/runningpods/ has the runtime\'s pod with only names, uid and containers', async () => {
    const list = await rawJson('host01', 'runningpods/');
    const uid = (await kubectlOk(c, ['get', 'pod', 'stats-demo', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const p = list.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'stats-demo');
    assert.deepEqual(p, {
      metadata: { name: 'stats-demo', namespace: 'default', uid, creationTimestamp: null },
      spec: { containers: [{ name: 'app', image: 'busybox', resources: {} }] },
      status: {},
    });
  });

  it('/stats/summary: the node\'s stats and the pod\'s container memory, logs, volume and processes', async () => {
    const s = await rawJson('host01', 'stats/summary');
    assert.equal(s.node.nodeName, 'host01');
    assert.ok(s.node.cpu.usageCoreNanoSeconds > 0);
    assert.ok(s.node.memory.workingSetBytes > 0 && s.node.memory.availableBytes > 0);
    assert.ok(s.node.fs.capacityBytes > 0 && s.node.fs.usedBytes > 0);
    assert.ok(s.node.rlimit.maxpid > 0 && s.node.rlimit.curproc > 0);
    assert.deepEqual(s.node.systemContainers.map((x: { name: string }) => x.name), ['kubelet', 'pods']);
    const p = s.pods.find((x: { podRef: { name: string } }) => x.podRef.name === 'stats-demo');
    assert.ok(p, 'stats-demo in the summary');
    assert.equal(p.podRef.namespace, 'default');
    const app = p.containers.find((x: { name: string }) => x.name === 'app');
    assert.ok(app.memory.workingSetBytes > 0, 'the container uses memory');
    assert.equal(app.memory.availableBytes, 64 * 2 ** 20 - app.memory.workingSetBytes, 'its limit minus its working set');
    assert.ok(app.logs.usedBytes > 0, 'its log file');
    const cache = p.volume.find((v: { name: string }) => v.name === 'cache');
    assert.ok(cache.usedBytes >= 200000, `the emptyDir holds the 200 kB blob (${cache.usedBytes})`);
    assert.ok(p['ephemeral-storage'].usedBytes >= cache.usedBytes + app.logs.usedBytes);
    assert.ok(p.process_stats.process_count >= 1);
    assert.ok(p.memory.workingSetBytes >= app.memory.workingSetBytes);
  });

  it('/stats/summary?only_cpu_and_memory=true leaves out network, filesystems and volumes', async () => {
    const s = await rawJson('host01', 'stats/summary?only_cpu_and_memory=true');
    assert.deepEqual(Object.keys(s.node).sort(), ['cpu', 'memory', 'nodeName', 'startTime', 'systemContainers']);
    const p = s.pods.find((x: { podRef: { name: string } }) => x.podRef.name === 'stats-demo');
    assert.deepEqual(Object.keys(p).sort(), ['containers', 'cpu', 'memory', 'podRef', 'startTime']);
    assert.ok(p.containers[0].memory.workingSetBytes > 0);
  });

  it('/configz: the agent\'s settings — the DNS server its pods use, the port the node advertises', async () => {
    const cfg = (await rawJson('host01', 'configz')).kubeletconfig;
    const resolv = (await kubectlOk(c, ['exec', 'stats-demo', '--', 'cat', '/etc/resolv.conf']));
    assert.equal(`nameserver ${cfg.clusterDNS[0]}`, /^nameserver .*$/m.exec(resolv)?.[0]);
    assert.equal(cfg.clusterDomain, 'cluster.local');
    const port = Number(await kubectlOk(c, ['get', 'node', 'host01', '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}']));
    assert.equal(cfg.port, port);
    assert.equal(cfg.maxPods, 110);
    assert.equal(cfg.cgroupDriver, 'cgroupfs');
    assert.equal(cfg.evictionHard['memory.available'], '100Mi');
    assert.equal(cfg.kind, undefined, 'the kubelet registers the struct without its TypeMeta');
  });

  it('/metrics is the node\'s own: kubelet_running_pods equals the pods running there, and nothing of other components', async () => {
    const onNode = async (node: string) => ((await kubectlOk(c, ['get', 'pods', '-A', '--no-headers', '--field-selector', `spec.nodeName=${node},status.phase=Running`])).match(/\n/g) ?? []).length;
    for (const node of ['host01', 'host02']) {
      const body = await waitFor(async () => {
        const b = await raw(node, 'metrics');
        return sample(b, 'kubelet_running_pods') === await onNode(node) ? b : undefined;
      }, `${node}'s kubelet_running_pods`, 60, 500);
      assert.equal(sample(body, 'kubelet_node_name', { node }), 1);
      assert.ok(!/^scheduler_|^apiserver_/m.test(body), 'no scheduler or API server series');
    }
    const body = await raw('host01', 'metrics');
    assert.ok((sample(body, 'kubelet_running_containers', { container_state: 'running' }) ?? 0) >= 1);
    assert.ok((sample(body, 'kubelet_pod_start_duration_seconds_count') ?? 0) >= 1, 'stats-demo\'s start was observed on host01');
  });

  it('/metrics/cadvisor has the container\'s working set and CPU with its pod, namespace and image', async () => {
    const body = await raw('host01', 'metrics/cadvisor');
    const labels = { container: 'app', pod: 'stats-demo', namespace: 'default', image: 'busybox' };
    assert.ok((sample(body, 'container_memory_working_set_bytes', labels) ?? 0) > 0);
    assert.ok((sample(body, 'container_cpu_usage_seconds_total', labels) ?? -1) >= 0);
    assert.ok((sample(body, 'container_start_time_seconds', labels) ?? 0) > 1.7e9);
  });

  it('/metrics/probes counts the pod\'s readiness probe runs', async () => {
    const labels = { container: 'app', namespace: 'default', pod: 'stats-demo', probe_type: 'Readiness', result: 'successful' };
    const first = sample(await raw('host01', 'metrics/probes'), 'prober_probe_total', labels) ?? 0;
    assert.ok(first >= 1, 'the probe ran and succeeded');
    await waitFor(async () => (sample(await raw('host01', 'metrics/probes'), 'prober_probe_total', labels) ?? 0) > first, 'another probe run counted', 60, 500);
    assert.equal(sample(await raw('host02', 'metrics/probes'), 'prober_probe_total', { pod: 'stats-demo' }), undefined, 'not on the other node');
  });

  it('paths the agent does not serve are 404, as a kubelet without them answers', async () => {
    for (const p of ['logs/', 'no-such-path']) {
      const r = await k(['get', '--raw', `/api/v1/nodes/host01/proxy/${p}`]);
      assert.notEqual(r.code, 0, p);
      assert.match(r.stderr, /NotFound|could not find the requested resource/, p);
    }
  });

  it('kubectl top still reads the agents\' resource metrics', async () => {
    await waitFor(async () => {
      const r = await k(['top', 'pod', 'stats-demo', '--no-headers']);
      return r.code === 0 && /^stats-demo\s+\d+m\s+\d+Mi/.test(r.stdout);
    }, 'kubectl top pod stats-demo', 120, 500);
  });
});
