import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../util/clock.js';
import { NodeAgent } from './node-agent.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';
import { Resources } from '../client/types.js';
import { eventually, startTestCluster } from '../testing/test-cluster.js';

// Temporary directories of this file's tests, removed when they end.
const tmpDirs: string[] = [];
after(() => { for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true }); });
/** tmpDir makes a directory under the OS temp dir that is removed after this file's tests. */
function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

test('NodeAgent registers its Node (labels, conditions, endpoint) and renews its Lease every 10 s', async () => {
  const clock = new FakeClock();
  const client = new FakeClient();
  const agent = new NodeAgent({
    client, nodeName: 'node1', rootDir: tmpDir('agent-'), runtime: new FakeRuntime(() => clock.now()),
    clock, address: '127.0.0.1', serverPort: 0, capacity: { cpu: '4', memory: '8Gi' },
  });
  const ac = new AbortController();
  const done = agent.run(ac.signal);
  for (let i = 0; i < 50 && !client.objects.has('leases/kube-node-lease/node1'); i++) await new Promise((r) => setTimeout(r, 10));
  const node = client.objects.get('nodes//node1')!;
  const st = node.status as { conditions: { type: string; reason: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } }; addresses: unknown[]; capacity: Record<string, string> };
  assert.equal(node.metadata!.labels!['kubernetes.io/hostname'], 'node1');
  assert.deepEqual(st.conditions.map((c) => `${c.type}:${c.reason}`), ['MemoryPressure:KubeletHasSufficientMemory', 'DiskPressure:KubeletHasNoDiskPressure', 'PIDPressure:KubeletHasSufficientPID', 'Ready:KubeletReady']);
  assert.equal(st.daemonEndpoints.kubeletEndpoint.Port, agent.serverPort);
  assert.deepEqual(st.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node1' }]);
  assert.equal(st.capacity.cpu, '4');
  const lease = client.objects.get('leases/kube-node-lease/node1')!;
  const first = (lease.spec as { renewTime: string }).renewTime;
  await clock.step(10_000);
  for (let i = 0; i < 50 && (client.objects.get('leases/kube-node-lease/node1')!.spec as { renewTime: string }).renewTime === first; i++) await new Promise((r) => setTimeout(r, 10));
  assert.notEqual((client.objects.get('leases/kube-node-lease/node1')!.spec as { renewTime: string }).renewTime, first);
  ac.abort();
  await done;
});

test('NodeAgent hands the node\'s spec.podCIDR (from node IPAM) to the runtime once the control plane sets it', async () => {
  // The agent reads its Node from an informer: the real API server's watch brings the change.
  const tc = await startTestCluster();
  try {
    const clock = new FakeClock();
    const rt = new FakeRuntime(() => clock.now());
    const agent = new NodeAgent({
      client: tc.client, nodeName: 'node1', rootDir: tmpDir('agent-'), runtime: rt, clock, address: '127.0.0.1', serverPort: 0,
    });
    const ac = new AbortController();
    const done = agent.run(ac.signal);
    await eventually(() => tc.client.get(Resources.nodes, undefined, 'node1'));
    assert.equal(rt.podCIDR, undefined, 'no range yet');
    await tc.client.patch(Resources.nodes, undefined, 'node1', { spec: { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] } }, 'merge');
    await eventually(() => assert.equal(rt.podCIDR, '10.244.3.0/24'));
    ac.abort();
    await done;
  } finally {
    await tc.close();
  }
});

test('NodeAgent rewrites a ConfigMap volume as soon as its watch sees an edit (no periodic sync needed), and builds service variables from its Service informer', async () => {
  const tc = await startTestCluster();
  try {
    // The agent's clock never moves: only the ConfigMap's watch can bring the edit to the volume.
    const clock = new FakeClock();
    const rt = new FakeRuntime(() => clock.now());
    await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'cfg' }, data: { 'data-1': 'value-1' } });
    await tc.client.create(Resources.services, 'default', { metadata: { name: 'backend' }, spec: { ports: [{ port: 8080 }] } });
    const agent = new NodeAgent({ client: tc.client, nodeName: 'node1', rootDir: tmpDir('agent-'), runtime: rt, clock, address: '127.0.0.1', serverPort: 0 });
    const ac = new AbortController();
    const done = agent.run(ac.signal);
    await tc.client.create(Resources.pods, 'default', {
      metadata: { name: 'reader' },
      spec: {
        nodeName: 'node1', automountServiceAccountToken: false,
        volumes: [{ name: 'v', configMap: { name: 'cfg' } }],
        containers: [{ name: 'c', image: 'busybox', command: ['sh'], volumeMounts: [{ name: 'v', mountPath: '/etc/cfg' }] }],
      },
    });
    const started = await eventually(() => { assert.equal(rt.started.length, 1); return rt.started[0]; });
    assert.equal(started.env.BACKEND_SERVICE_PORT, '8080');
    const file = path.join(started.mounts.find((m) => m.containerPath === '/etc/cfg')!.hostPath, 'data-1');
    assert.equal(fs.readFileSync(file, 'utf8'), 'value-1');
    await tc.client.patch(Resources.configmaps, 'default', 'cfg', { data: { 'data-1': 'value-2' } }, 'merge');
    await eventually(() => assert.equal(fs.readFileSync(file, 'utf8'), 'value-2'));
    ac.abort();
    await done;
  } finally {
    await tc.close();
  }
});

test('NodeAgent starts a burst of pods a few at a time, the pods it saw first first', async () => {
  const tc = await startTestCluster();
  try {
    const clock = new FakeClock();
    // Sandboxes take a while (as namespaces and CNI do): the test counts how many are made at once.
    let making = 0;
    let mostAtOnce = 0;
    const order: string[] = [];
    class SlowSandboxes extends FakeRuntime {
      override async runPodSandbox(config: Parameters<FakeRuntime['runPodSandbox']>[0]): Promise<string> {
        making++;
        mostAtOnce = Math.max(mostAtOnce, making);
        await new Promise((r) => setTimeout(r, 20));
        making--;
        order.push(`sandbox ${config.metadata.name}`);
        return super.runPodSandbox(config);
      }
      override async startContainer(id: string): Promise<void> {
        await super.startContainer(id);
        order.push(`started ${this.started.at(-1)?.podName}`);
      }
    }
    const rt = new SlowSandboxes(() => clock.now());
    const agent = new NodeAgent({ client: tc.client, nodeName: 'node1', rootDir: tmpDir('agent-'), runtime: rt, clock, address: '127.0.0.1', serverPort: 0, parallelPodStarts: 2, startSeenAfterMs: 0 });
    const ac = new AbortController();
    const done = agent.run(ac.signal);
    const names = Array.from({ length: 8 }, (_, i) => `p${i}`);
    for (const name of names) {
      await tc.client.create(Resources.pods, 'default', {
        metadata: { name }, spec: { nodeName: 'node1', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '9'] }] },
      });
    }
    await eventually(() => assert.equal(rt.started.length, names.length));
    assert.ok(mostAtOnce <= 2, `at most 2 sandboxes at once, saw ${mostAtOnce}`);
    // Without the bound every sandbox would be made before any container started: the first pod's
    // container starts before the last pod's sandbox is made.
    assert.ok(order.indexOf('started p0') < order.indexOf(`sandbox ${names.at(-1)}`), order.join(', '));
    ac.abort();
    await done;
  } finally {
    await tc.close();
  }
});
