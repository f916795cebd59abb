import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { Resources, type Client } from '../../client/types.js';
import { realClock } from '../../util/clock.js';
import { eventually, startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { SIMULATED_EXIT_AFTER, SIMULATED_EXIT_CODE } from '../../runtime/simulated/simulated-runtime.js';
import { SIMULATED_RUNTIME_VERSION, SimulatedNodes, leaseSlotDelay } from './simulated-nodes.js';

let tc: TestCluster;
let engine: SimulatedNodes;
const ac = new AbortController();
let done: Promise<void>;
/** the engine's requests, by verb and resource ("patch pods/status") */
const requests: string[] = [];

/** counting wraps a client so that the test sees every request the engine makes. */
function counting(c: Client): Client {
  return new Proxy(c, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const res = args[0] as { plural?: string } | undefined;
        const sub = prop === 'patch' && args[5] ? `/${String(args[5])}` : '';
        const name = typeof args[2] === 'string' ? args[2] : (args[2] as KubeObject | undefined)?.metadata?.name ?? '';
        requests.push(`${String(prop)} ${res?.plural ?? '?'}${sub} ${name}`);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const pod = (name: string, node: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }], ...(extra.spec ?? {}) },
});
const getPod = async (name: string) => (await tc.client.get(Resources.pods, 'default', name)) as unknown as Pod;
const writesOf = (name: string) => requests.filter((r) => r === `patch pods/status ${name}`).length;

before(async () => {
  tc = await startTestCluster();
  engine = new SimulatedNodes({
    client: counting(tc.client), informers: tc.informers, clock: realClock, nodeNames: ['sim0001', 'sim0002'],
    leaseRenewMs: 300, statusUpdateMs: 300, statusReportMs: 600, rootDirFor: (n) => `/data/nodes/${n}`, capacity: { cpu: '4', memory: '8Gi' },
  });
  await tc.start();
  done = engine.run(ac.signal);
  await eventually(() => tc.client.get(Resources.leases, 'kube-node-lease', 'sim0002'));
  // Node IPAM is not running here: give sim0001 its range as the control plane would.
  await tc.client.patch(Resources.nodes, undefined, 'sim0001', { spec: { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] } }, 'merge');
  await eventually(() => assert.equal((tc.informers.informerFor(Resources.nodes).lister.get(undefined, 'sim0001')?.spec as { podCIDR?: string }).podCIDR, '10.244.3.0/24'));
});

after(async () => {
  ac.abort();
  await done;
  await tc.close();
});

test('simulated nodes register as the NodeAgent registers them: labels, kubelet conditions, capacity, runtime version, no agent endpoint', async () => {
  const node = await tc.client.get(Resources.nodes, undefined, 'sim0001');
  const st = node.status as { conditions: { type: string; status: string; reason: string }[]; capacity: Record<string, string>; allocatable: Record<string, string>; addresses: unknown[]; nodeInfo: Record<string, string>; daemonEndpoints: { kubeletEndpoint: { Port: number } } };
  assert.equal(node.metadata!.labels!['kubernetes.io/hostname'], 'sim0001');
  assert.equal(node.metadata!.labels!['kubernetes.io/os'], 'linux');
  assert.equal(node.metadata!.annotations!['tskube.io/local-path-dir'], '/data/nodes/sim0001/local-path');
  assert.deepEqual(st.conditions.map((c) => `${c.type}=${c.status}:${c.reason}`),
    ['MemoryPressure=False:KubeletHasSufficientMemory', 'DiskPressure=False:KubeletHasNoDiskPressure', 'PIDPressure=False:KubeletHasSufficientPID', 'Ready=True:KubeletReady']);
  assert.equal(st.capacity.cpu, '4');
  assert.equal(st.allocatable.memory, '8Gi');
  assert.equal(st.capacity.pods, '110');
  assert.deepEqual(st.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'sim0001' }]);
  assert.equal(st.nodeInfo.containerRuntimeVersion, SIMULATED_RUNTIME_VERSION);
  assert.equal(st.nodeInfo.kubeletVersion, 'v1.32.0');
  assert.equal(st.daemonEndpoints.kubeletEndpoint.Port, 0);
});

test('each node\'s Lease is owned by its Node and renewed every period', async () => {
  const node = await tc.client.get(Resources.nodes, undefined, 'sim0002');
  const lease = await tc.client.get(Resources.leases, 'kube-node-lease', 'sim0002');
  assert.deepEqual(lease.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'sim0002', uid: node.metadata!.uid }]);
  const spec = lease.spec as { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
  assert.equal(spec.holderIdentity, 'sim0002');
  assert.equal(spec.leaseDurationSeconds, 40);
  await eventually(async () => {
    const again = await tc.client.get(Resources.leases, 'kube-node-lease', 'sim0002');
    assert.notEqual((again.spec as { renewTime: string }).renewTime, spec.renewTime);
  });
  // A renewal is one update with the copy last written (no GET before each).
  const leaseRequests = requests.filter((r) => r.includes(' leases ') && r.endsWith('sim0002'));
  assert.ok(leaseRequests.filter((r) => r.startsWith('update')).length >= 1, leaseRequests.join('; '));
  assert.ok(leaseRequests.filter((r) => r.startsWith('get')).length <= 1, leaseRequests.join('; '));
});

test('a Lease deleted by someone is created again at the next renewal', async () => {
  await tc.client.delete(Resources.leases, 'kube-node-lease', 'sim0001');
  await eventually(() => tc.client.get(Resources.leases, 'kube-node-lease', 'sim0001'));
});

test('node status is posted again once the report period passed: heartbeat times move, transition times stay', async () => {
  type Cond = { type: string; lastHeartbeatTime: string; lastTransitionTime: string };
  const ready = async () => ((await tc.client.get(Resources.nodes, undefined, 'sim0002')).status as { conditions: Cond[] }).conditions.find((c) => c.type === 'Ready')!;
  const first = await ready();
  const later = await eventually(async () => { const r = await ready(); assert.notEqual(r.lastHeartbeatTime, first.lastHeartbeatTime); return r; });
  assert.equal(later.lastTransitionTime, first.lastTransitionTime);
});

test('a pod bound to a simulated node runs: one status write to Running with the kubelet\'s conditions, container statuses and an IP of the podCIDR', async () => {
  await tc.client.create(Resources.pods, 'default', pod('web', 'sim0001'));
  const p = await eventually(async () => { const x = await getPod('web'); assert.equal(x.status?.phase, 'Running'); return x; });
  const st = p.status!;
  assert.deepEqual(st.conditions!.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True']);
  assert.match(st.podIP!, /^10\.244\.3\.\d+$/);
  assert.deepEqual(st.podIPs, [{ ip: st.podIP }]);
  assert.equal(st.hostIP, '127.0.0.1');
  assert.ok(st.startTime);
  const cs = st.containerStatuses![0];
  assert.equal(cs.name, 'c');
  assert.equal(cs.image, 'docker.io/library/nginx:latest');
  assert.equal(cs.imageID, 'tskube-simulated://nginx');
  assert.match(cs.containerID!, /^tskube:\/\/[0-9a-f]{64}$/);
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.ok(cs.state?.running?.startedAt);
  // Our own status update comes back through the informer: it must not make a second write.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(writesOf('web'), 1);
});

test('a pod on a node without a podCIDR yet shares the node\'s address; host-network pods always do', async () => {
  await tc.client.create(Resources.pods, 'default', pod('early', 'sim0002'));
  await tc.client.create(Resources.pods, 'default', pod('hostnet', 'sim0001', { spec: { hostNetwork: true } }));
  for (const name of ['early', 'hostnet']) {
    const p = await eventually(async () => { const x = await getPod(name); assert.equal(x.status?.phase, 'Running'); return x; });
    assert.equal(p.status!.podIP, '127.0.0.1', name);
  }
});

test('init containers complete at once, then the app containers run', async () => {
  await tc.client.create(Resources.pods, 'default', pod('withinit', 'sim0001', { spec: { initContainers: [{ name: 'setup', image: 'busybox' }] } }));
  const p = await eventually(async () => { const x = await getPod('withinit'); assert.equal(x.status?.phase, 'Running'); return x; });
  const init = p.status!.initContainerStatuses![0];
  assert.equal(init.state?.terminated?.exitCode, 0);
  assert.equal(init.state?.terminated?.reason, 'Completed');
  assert.equal(init.ready, true);
  assert.equal(p.status!.containerStatuses![0].ready, true);
  assert.equal(writesOf('withinit'), 1);
});

test('a pod annotated to exit 0 with restartPolicy Never Succeeds (Jobs on simulated nodes) and gives its address back', async () => {
  await tc.client.create(Resources.pods, 'default', pod('job', 'sim0001', { annotations: { [SIMULATED_EXIT_AFTER]: '150ms' }, spec: { restartPolicy: 'Never' } }));
  const running = await eventually(async () => { const x = await getPod('job'); assert.equal(x.status?.phase, 'Running'); return x; });
  const p = await eventually(async () => { const x = await getPod('job'); assert.equal(x.status?.phase, 'Succeeded'); return x; });
  const t = p.status!.containerStatuses![0].state?.terminated;
  assert.equal(t?.exitCode, 0);
  assert.equal(t?.reason, 'Completed');
  assert.equal(t?.containerID, running.status!.containerStatuses![0].containerID);
  assert.deepEqual(p.status!.conditions!.filter((c) => c.type === 'Ready').map((c) => `${c.status}:${c.reason}`), ['False:PodCompleted']);
  assert.equal(p.status!.podIP, running.status!.podIP, 'a finished pod keeps showing its address');
  // The address is free again: the next pod on the node may get it.
  await tc.client.create(Resources.pods, 'default', pod('after-job', 'sim0001'));
  const next = await eventually(async () => { const x = await getPod('after-job'); assert.equal(x.status?.phase, 'Running'); return x; });
  assert.equal(next.status!.podIP, running.status!.podIP);
});

test('a pod whose container exits 1 under restartPolicy Never Fails; under Always it is restarted, then crash-loops with a BackOff warning', async () => {
  await tc.client.create(Resources.pods, 'default', pod('fails', 'sim0002', { annotations: { [SIMULATED_EXIT_AFTER]: '50ms', [SIMULATED_EXIT_CODE]: '1' }, spec: { restartPolicy: 'Never' } }));
  await tc.client.create(Resources.pods, 'default', pod('crash', 'sim0002', { annotations: { [SIMULATED_EXIT_AFTER]: '50ms', [SIMULATED_EXIT_CODE]: '2' } }));
  const failed = await eventually(async () => { const x = await getPod('fails'); assert.equal(x.status?.phase, 'Failed'); return x; });
  assert.equal(failed.status!.containerStatuses![0].state?.terminated?.reason, 'Error');
  const crash = await eventually(async () => {
    const x = await getPod('crash');
    assert.equal(x.status?.containerStatuses?.[0].state?.waiting?.reason, 'CrashLoopBackOff');
    return x;
  });
  const cs = crash.status!.containerStatuses![0];
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.lastState?.terminated?.exitCode, 2);
  assert.match(cs.state!.waiting!.message!, /^back-off 10s restarting failed container=c pod=crash_default\(/);
  assert.equal(crash.status!.phase, 'Running');
  await eventually(async () => {
    const evs = (await tc.client.list(Resources.events, 'default')).items as { reason?: string; type?: string; involvedObject?: { name?: string }; source?: { component?: string; host?: string } }[];
    const e = evs.find((x) => x.reason === 'BackOff' && x.involvedObject?.name === 'crash');
    assert.equal(e?.type, 'Warning');
    assert.equal(e?.source?.host, 'sim0002');
  });
});

test('activeDeadlineSeconds fails a pod with DeadlineExceeded', async () => {
  await tc.client.create(Resources.pods, 'default', pod('deadline', 'sim0002', { spec: { activeDeadlineSeconds: 1 } }));
  const p = await eventually(async () => { const x = await getPod('deadline'); assert.equal(x.status?.phase, 'Failed'); return x; });
  assert.equal(p.status!.reason, 'DeadlineExceeded');
  assert.equal(p.status!.containerStatuses![0].state?.terminated?.exitCode, 0);
});

test('a graceful deletion stops the containers and removes the pod; pods of other nodes are left alone', async () => {
  await tc.client.create(Resources.pods, 'default', pod('doomed', 'sim0001'));
  await tc.client.create(Resources.pods, 'default', pod('elsewhere', 'real-node'));
  await eventually(async () => assert.equal((await getPod('doomed')).status?.phase, 'Running'));
  await tc.client.delete(Resources.pods, 'default', 'doomed');
  await eventually(async () => {
    await assert.rejects(() => tc.client.get(Resources.pods, 'default', 'doomed'), (e: { code?: number }) => e.code === 404);
  });
  assert.ok(requests.includes('delete pods doomed'));
  await new Promise((r) => setTimeout(r, 200));
  const other = await getPod('elsewhere');
  assert.equal(other.status?.containerStatuses, undefined);
  assert.equal(writesOf('elsewhere'), 0);
});

test('a second engine over the same nodes adopts running pods without writing their status again', async () => {
  const before = await getPod('web');
  const running = ((await tc.client.list(Resources.pods, 'default')).items as unknown as Pod[])
    .filter((p) => p.spec?.nodeName === 'sim0001' && p.status?.phase === 'Running').map((p) => p.metadata!.name);
  assert.ok(running.includes('web'));
  const n = requests.length;
  const ac2 = new AbortController();
  const second = new SimulatedNodes({ client: counting(tc.client), clock: realClock, nodeNames: ['sim0001'], leaseRenewMs: 300 });
  const run = second.run(ac2.signal);
  try {
    await eventually(() => assert.equal(second.podCount, running.length, `running on sim0001: ${running.join(' ')}`));
    await new Promise((r) => setTimeout(r, 200));
    const mine = requests.slice(n).filter((r) => r.startsWith('patch pods/status'));
    assert.deepEqual(mine, []);
    const afterPod = await getPod('web');
    assert.equal(afterPod.status!.containerStatuses![0].containerID, before.status!.containerStatuses![0].containerID);
  } finally {
    ac2.abort();
    await run;
  }
});

test('leaseSlotDelay spreads n nodes evenly over the period and never waits less than half of it', () => {
  const period = 10_000;
  // At time 0, node i of 4 next renews at its offset i·2.5 s (or a period later when that is too close).
  assert.deepEqual([0, 1, 2, 3].map((i) => leaseSlotDelay(i, 4, period, 0)), [10_000, 12_500, 15_000, 7_500]);
  for (let i = 0; i < 1000; i += 37) {
    for (const now of [0, 1234, 99_999, 1_700_000_000_000]) {
      const d = leaseSlotDelay(i, 1000, period, now);
      assert.ok(d > period / 2 && d <= 1.5 * period, `${i} ${now} ${d}`);
      assert.equal((now + d) % period, (i * period) / 1000, 'lands on the node\'s slot');
    }
  }
});
