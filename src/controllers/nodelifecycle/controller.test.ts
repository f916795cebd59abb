import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/resource.js';
import { rfc3339, rfc3339Micro } from '../../apimachinery/time.js';
import { EventRecorder } from '../../client/events.js';
import { Resources } from '../../client/types.js';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { NodeLifecycleController, noScheduleTaintsFor } from './controller.js';
import type { Pod } from './pod-conditions.js';
import type { Node, NodeCondition, Taint } from './taints.js';

const GRACE_MS = 40_000;
const PERIOD_MS = 5_000;

interface Env { tc: TestCluster; clock: FakeClock; recorder: EventRecorder }

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

function conditions(now: Date, ready: 'True' | 'False'): NodeCondition[] {
  const t = rfc3339(now);
  const c = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: t, lastTransitionTime: t });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID'),
    c('Ready', ready, ready === 'True' ? 'KubeletReady' : 'KubeletNotReady'),
  ];
}

async function setup(names: string[]): Promise<Env> {
  const tc = await startTestCluster();
  const clock = new FakeClock(new Date());
  for (const name of names) {
    await tc.client.create(Resources.nodes, undefined, {
      apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/os': 'linux' } }, spec: {},
      status: { conditions: conditions(clock.now(), 'True') },
    });
    await renewLease(tc, clock, name);
  }
  const recorder = new EventRecorder(tc.client, { component: 'node-controller' }, clock);
  const c = new NodeLifecycleController(tc.client, tc.informers, clock, { nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: PERIOD_MS }, recorder);
  await tc.start();
  const ac = new AbortController();
  const running = c.run(ac.signal);
  cleanup.push(async () => {
    ac.abort();
    await running;
    await recorder.flush();
    await tc.close();
  });
  return { tc, clock, recorder };
}

/** renewLease creates or renews a node's Lease at the fake clock's time, as an agent does. */
async function renewLease(tc: TestCluster, clock: FakeClock, name: string): Promise<void> {
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(clock.now()) };
  try {
    const l = await tc.client.get(Resources.leases, 'kube-node-lease', name);
    await tc.client.update(Resources.leases, 'kube-node-lease', { ...l, spec });
  } catch {
    await tc.client.create(Resources.leases, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec });
  }
}

/** postStatus posts a fresh heartbeat of all conditions, as an agent's status update does. */
async function postStatus(tc: TestCluster, clock: FakeClock, name: string, ready: 'True' | 'False'): Promise<void> {
  await tc.client.patch(Resources.nodes, undefined, name, { status: { conditions: conditions(clock.now(), ready) } }, 'merge', 'status');
}

/** advance moves the fake clock in steps, renewing the leases of `alive` nodes on each, and lets the controller's API calls land. */
async function advance(env: Env, ms: number, alive: string[]): Promise<void> {
  for (let done = 0; done < ms; done += 1000) {
    await env.clock.step(Math.min(1000, ms - done));
    for (const n of alive) await renewLease(env.tc, env.clock, n);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const getNode = (env: Env, name: string) => env.tc.client.get<Node>(Resources.nodes, undefined, name);
const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');
const taintKeys = (n: Node) => (n.spec?.taints ?? []).map((t: Taint) => `${t.key}:${t.effect}`).sort();

async function events(env: Env, reason: string): Promise<KubeObject[]> {
  await env.recorder.flush();
  const { items } = await env.tc.client.list(Resources.events, undefined);
  return items.filter((e) => e.reason === reason);
}

describe('node lifecycle controller', () => {
  it('registers nodes, marks a silent node Unknown after the grace period and taints it unreachable', async () => {
    const env = await setup(['host01', 'host02']);
    await eventually(async () => assert.equal((await events(env, 'RegisteredNode')).length, 2));
    const reg = (await events(env, 'RegisteredNode')).find((e) => (e.involvedObject as { name: string }).name === 'host02')!;
    assert.equal(reg.message, 'Node host02 event: Registered Node host02 in Controller');
    assert.equal(reg.metadata?.namespace, 'default');

    // host02 stops renewing; just before the grace period it is still Ready.
    await advance(env, GRACE_MS - 2 * PERIOD_MS, ['host01']);
    assert.equal(ready(await getNode(env, 'host02'))?.status, 'True');

    await advance(env, 3 * PERIOD_MS, ['host01']);
    await eventually(async () => {
      const n = await getNode(env, 'host02');
      for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
        const c = n.status!.conditions!.find((x) => x.type === type)!;
        assert.equal(c.status, 'Unknown', type);
        assert.equal(c.reason, 'NodeStatusUnknown');
        assert.equal(c.message, 'Kubelet stopped posting node status.');
      }
    });
    assert.equal(ready(await getNode(env, 'host01'))?.status, 'True');
    const notReady = await eventually(async () => {
      const e = (await events(env, 'NodeNotReady')).find((x) => (x.involvedObject as { kind: string }).kind === 'Node');
      assert.ok(e, 'event recorded');
      return e;
    });
    assert.equal(notReady.message, 'Node host02 status is now: NodeNotReady');

    // The NoExecute taint comes from the rate-limited queue one monitor pass later.
    await advance(env, 2 * PERIOD_MS, ['host01']);
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host02')),
      ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']));
    const t = (await getNode(env, 'host02')).spec!.taints!.find((x) => x.effect === 'NoExecute')!;
    assert.ok(t.timeAdded, 'NoExecute taints carry timeAdded');
    assert.deepEqual(taintKeys(await getNode(env, 'host01')), []);

    // The node comes back: lease renewed and status posted; the taints go away.
    await postStatus(env.tc, env.clock, 'host02', 'True');
    await advance(env, 2 * PERIOD_MS, ['host01', 'host02']);
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host02')), []));
  });

  it('taints a node that reports Ready=False not-ready, and swaps the taint when it goes silent', async () => {
    const env = await setup(['host01', 'host02']);
    await postStatus(env.tc, env.clock, 'host02', 'False');
    await advance(env, 2 * PERIOD_MS, ['host01', 'host02']);
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host02')),
      ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']));
    await advance(env, GRACE_MS + 3 * PERIOD_MS, ['host01']);
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host02')),
      ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']));
  });

  it('keeps a node that only renews its Lease healthy', async () => {
    const env = await setup(['host01', 'host02']);
    await advance(env, GRACE_MS * 2, ['host01', 'host02']);
    assert.equal(ready(await getNode(env, 'host02'))?.status, 'True');
    assert.deepEqual(taintKeys(await getNode(env, 'host02')), []);
  });

  it('marks the pods of a node that stopped reporting not ready', async () => {
    const env = await setup(['host01', 'host02']);
    const pod = await env.tc.client.create<Pod>(Resources.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'host02', containers: [{ name: 'c', image: 'nginx' }] },
    });
    const t = rfc3339(env.clock.now());
    await env.tc.client.updateStatus(Resources.pods, 'default', { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: t }] } });
    await advance(env, GRACE_MS + 2 * PERIOD_MS, ['host01']);
    await eventually(async () => {
      const p = await env.tc.client.get<Pod>(Resources.pods, 'default', 'web');
      assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    });
    const ev = await eventually(async () => {
      const e = (await events(env, 'NodeNotReady')).find((x) => (x.involvedObject as { kind: string }).kind === 'Pod');
      assert.ok(e, 'event recorded');
      return e;
    });
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'Node is not ready');
  });

  it('stops tainting when every node is down (master disruption mode)', async () => {
    const env = await setup(['host01', 'host02']);
    await advance(env, GRACE_MS + 4 * PERIOD_MS, []);
    await eventually(async () => assert.equal(ready(await getNode(env, 'host02'))?.status, 'Unknown'));
    await advance(env, 2 * PERIOD_MS, []);
    // Only the NoSchedule condition taints: no NoExecute taint, so no pod is evicted.
    for (const n of ['host01', 'host02']) {
      await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, n)), ['node.kubernetes.io/unreachable:NoSchedule']));
    }
  });

  it('records RemovingNode when a node is deleted', async () => {
    const env = await setup(['host01', 'host02']);
    await eventually(async () => assert.equal((await events(env, 'RegisteredNode')).length, 2));
    await env.tc.client.delete(Resources.nodes, undefined, 'host02');
    await advance(env, 2 * PERIOD_MS, ['host01']);
    const [e] = await eventually(async () => {
      const x = await events(env, 'RemovingNode');
      assert.equal(x.length, 1);
      return x;
    });
    assert.equal(e.message, 'Node host02 event: Removing Node host02 from Controller');
  });

  it('taints a cordoned node unschedulable:NoSchedule and removes the taint on uncordon', async () => {
    const env = await setup(['host01']);
    await env.tc.client.patch(Resources.nodes, undefined, 'host01', { spec: { unschedulable: true } }, 'strategic');
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host01')), ['node.kubernetes.io/unschedulable:NoSchedule']));
    await env.tc.client.patch(Resources.nodes, undefined, 'host01', { spec: { unschedulable: null } }, 'strategic');
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host01')), []));
  });

  it('leaves taints it does not own alone', async () => {
    const env = await setup(['host01']);
    await env.tc.client.patch(Resources.nodes, undefined, 'host01', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], unschedulable: true } }, 'strategic');
    await eventually(async () => assert.deepEqual(taintKeys(await getNode(env, 'host01')), ['dedicated:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']));
  });
});

describe('noScheduleTaintsFor', () => {
  const n = (conds: [string, string][], unschedulable = false): Node => ({
    spec: { unschedulable }, status: { conditions: conds.map(([type, status]) => ({ type, status })) },
  });
  const cases: { name: string; node: Node; want: string[] }[] = [
    { name: 'healthy', node: n([['Ready', 'True'], ['MemoryPressure', 'False']]), want: [] },
    { name: 'not ready', node: n([['Ready', 'False']]), want: ['node.kubernetes.io/not-ready'] },
    { name: 'unknown', node: n([['Ready', 'Unknown'], ['MemoryPressure', 'Unknown']]), want: ['node.kubernetes.io/unreachable'] },
    { name: 'pressure', node: n([['Ready', 'True'], ['MemoryPressure', 'True'], ['DiskPressure', 'True'], ['PIDPressure', 'True']]),
      want: ['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/pid-pressure'] },
    { name: 'network', node: n([['NetworkUnavailable', 'True']]), want: ['node.kubernetes.io/network-unavailable'] },
    { name: 'cordoned', node: n([['Ready', 'True']], true), want: ['node.kubernetes.io/unschedulable'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = noScheduleTaintsFor(c.node);
      assert.deepEqual(got.map((t) => t.key), c.want);
      assert.ok(got.every((t) => t.effect === 'NoSchedule'));
    });
  }
});
