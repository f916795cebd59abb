// End-to-end: node lifecycle with the real kubectl — cordon/uncordon, drain against a
// PodDisruptionBudget, and seed 001's node failure ("应对节点故障"): a node's agent dies (kill -9),
// the node turns NotReady, is tainted unreachable, its pods are evicted once their (shortened)
// toleration runs out, and the Deployment starts replacements on the nodes left.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, startAgent, startCluster, waitFor, type Agent, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
let host03: Agent | undefined;
const work = mkdtempSync(join(tmpdir(), 'tskube-nodelifecycle-'));
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
const nodeRow = async (name: string) => (await k(['get', 'node', name, '--no-headers'])).stdout.trim().split(/\s+/);

/** busyboxRS is a ReplicaSet of sleeping busybox pods, optionally pinned to one node. */
const busyboxRS = (name: string, replicas: number, node?: string) => `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
${node ? `      nodeSelector: {kubernetes.io/hostname: ${node}}\n` : ''}      containers:
      - name: main
        image: busybox
        command: ["sleep", "3600"]
`;

/** waitOrDump is waitFor that, when it gives up, says what the cluster looked like. */
async function waitOrDump<T>(fn: () => Promise<T | undefined | false>, what: string, attempts = 240): Promise<T> {
  try {
    return await waitFor(fn, what, attempts);
  } catch (e) {
    const state = (await k(['get', 'nodes,pods', '-o', 'wide'])).stdout;
    throw new Error(`${(e as Error).message}\n${state}`);
  }
}

async function runningOn(app: string, node: string): Promise<string[]> {
  const pods = await json(['get', 'pods', '-l', `app=${app}`]);
  return pods.items
    .filter((p: { spec: { nodeName?: string }; status: { phase: string }; metadata: { deletionTimestamp?: string } }) =>
      p.spec.nodeName === node && p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p: { metadata: { name: string } }) => p.metadata.name);
}

describeNeeding('node lifecycle: cordon, drain, node failure', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({
      nodes: 2,
      // The agents renew their Lease every 10 s (kubelet's cadence), so the grace period must exceed
      // that with room to spare; the toleration is what the test shortens most.
      extraArgs: [
        '--node-monitor-grace-period', '20s', '--node-monitor-period', '1s',
        '--default-unreachable-toleration-seconds', '2', '--default-not-ready-toleration-seconds', '2',
      ],
    });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await host03?.kill9();
    await c?.stop();
    rmSync(work, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('DefaultTolerationSeconds follows --default-unreachable-toleration-seconds', async () => {
    await k(['run', 'tol', '--image', 'busybox', '--restart', 'Never', '--', 'sleep', '1']);
    const pod = await json(['get', 'pod', 'tol']);
    assert.deepEqual(pod.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
    ]);
    await k(['delete', 'pod', 'tol', '--wait=false']);
  });

  it('kubectl cordon/uncordon: SchedulingDisabled and the unschedulable taint', async () => {
    const r = await k(['cordon', 'host02']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'node/host02 cordoned');
    assert.deepEqual((await nodeRow('host02')).slice(0, 2), ['host02', 'Ready,SchedulingDisabled']);
    await waitFor(async () => (await k(['describe', 'node', 'host02'])).stdout.match(/^Taints:\s+node\.kubernetes\.io\/unschedulable:NoSchedule$/m), 'unschedulable taint');
    assert.match((await k(['describe', 'node', 'host02'])).stdout, /^Unschedulable:\s+true$/m);
    // A cordoned node gets no new pods.
    await k(['apply', '-f', '-'], busyboxRS('pinned', 1, 'host02'));
    await waitFor(async () => (await json(['get', 'pods', '-l', 'app=pinned'])).items[0]?.status.conditions?.some((x: { reason?: string }) => x.reason === 'Unschedulable'), 'pinned pod unschedulable');
    const again = await k(['cordon', 'host02']);
    assert.equal(again.stdout.trim(), 'node/host02 already cordoned');

    const u = await k(['uncordon', 'host02']);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(u.stdout.trim(), 'node/host02 uncordoned');
    assert.deepEqual((await nodeRow('host02')).slice(0, 2), ['host02', 'Ready']);
    await waitFor(async () => (await k(['describe', 'node', 'host02'])).stdout.match(/^Taints:\s+<none>$/m), 'taint removed');
    await waitFor(async () => (await runningOn('pinned', 'host02')).length === 1, 'pinned pod running after uncordon');
    await k(['delete', 'rs', 'pinned']);
  });

  it('kubectl drain refuses DaemonSet pods, bare pods and emptyDir without --ignore-daemonsets, --force, --delete-emptydir-data', async () => {
    await k(['apply', '-f', '-'], `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: main, image: busybox, command: ["sleep", "3600"]}
`);
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: lonely}
spec:
  nodeName: host01
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox, command: ["sleep", "3600"]}
`);
    await k(['apply', '-f', '-'], busyboxRS('scratchy', 1, 'host01').replace('      containers:', '      volumes: [{name: scratch, emptyDir: {}}]\n      containers:'));
    await waitFor(async () => (await json(['get', 'pod', 'lonely'])).status.phase === 'Running', 'lonely running');
    await waitFor(async () => (await runningOn('scratchy', 'host01')).length === 1, 'scratchy running', 240);
    const [scratchy] = await runningOn('scratchy', 'host01');
    await waitFor(async () => (await runningOn('agent', 'host01')).length === 1, 'DaemonSet pod on host01', 240);
    const [dsPod] = await runningOn('agent', 'host01');
    // drain cordons first, then refuses: nothing is evicted.
    const noFlag = await k(['drain', 'host01']);
    assert.notEqual(noFlag.code, 0);
    assert.match(noFlag.stdout, /node\/host01 cordoned/);
    assert.match(noFlag.stderr, new RegExp(`cannot delete DaemonSet-managed Pods \\(use --ignore-daemonsets to ignore\\): default/${dsPod}`));
    const refused = await k(['drain', 'host01', '--ignore-daemonsets']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /cannot delete Pods that declare no controller \(use --force to override\): default\/lonely/);
    assert.match(refused.stderr, new RegExp(`cannot delete Pods with local storage \\(use --delete-emptydir-data to override\\): default/${scratchy}`));
    assert.equal((await json(['get', 'pod', 'lonely'])).metadata.deletionTimestamp, undefined);

    const forced = await k(['drain', 'host01', '--ignore-daemonsets', '--force', '--delete-emptydir-data']);
    assert.equal(forced.code, 0, forced.stderr);
    // kubectl joins its warnings from a Go map: their order changes from run to run.
    assert.match(forced.stderr.trim(), /^Warning: /);
    assert.deepEqual(forced.stderr.trim().replace(/^Warning: /, '').split('; ').sort(),
      [`deleting Pods that declare no controller: default/lonely`, `ignoring DaemonSet-managed Pods: default/${dsPod}`]);
    assert.deepEqual(await runningOn('agent', 'host01'), [dsPod], 'the DaemonSet pod stays');
    assert.match(forced.stdout, /evicting pod default\/lonely/);
    assert.match(forced.stdout, /pod\/lonely evicted/);
    assert.match(forced.stdout, new RegExp(`pod/${scratchy} evicted`));
    assert.match(forced.stdout, /node\/host01 drained/);
    assert.equal((await k(['get', 'pod', 'lonely'])).code, 1, 'the bare pod is gone and nothing recreates it');
    await k(['uncordon', 'host01']);
    await k(['delete', 'rs', 'scratchy']);
    await k(['delete', 'ds', 'agent']);
    await waitFor(async () => (await json(['get', 'pods', '-l', 'app=agent'])).items.length === 0, 'DaemonSet pods gone', 240);
  });

  it('kubectl drain waits for a PodDisruptionBudget (429, retried) and finishes once it allows', async () => {
    await k(['apply', '-f', '-'], busyboxRS('web', 2, 'host02'));
    await k(['apply', '-f', '-'], 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n');
    await waitFor(async () => (await runningOn('web', 'host02')).length === 2, '2 web pods on host02', 240);
    await waitFor(async () => (await json(['get', 'pdb', 'web'])).status?.disruptionsAllowed === 1, 'pdb allows 1');
    const pdbRow = (await k(['get', 'pdb', 'web', '--no-headers'])).stdout.trim().split(/\s+/);
    assert.deepEqual(pdbRow.slice(0, 4), ['web', '1', 'N/A', '1']);

    // One pod may go; the replacement cannot schedule on the cordoned node, so the other is held.
    const blocked = await k(['drain', 'host02', '--ignore-daemonsets', '--timeout=12s']);
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stdout, /node\/host02 cordoned/);
    assert.match(blocked.stdout, /pod\/web-\S+ evicted/);
    assert.match(blocked.stderr, /error when evicting pods\/"web-\S+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.match(blocked.stderr, /global timeout reached: 12s/);
    assert.equal((await runningOn('web', 'host02')).length, 1);
    const pdb = await json(['get', 'pdb', 'web']);
    assert.equal(pdb.status.disruptionsAllowed, 0);
    assert.deepEqual(pdb.status.conditions.map((x: { type: string; status: string; reason: string }) => [x.type, x.status, x.reason]), [['DisruptionAllowed', 'False', 'InsufficientPods']]);

    // With the budget relaxed the same drain completes.
    await k(['patch', 'pdb', 'web', '--type', 'merge', '-p', '{"spec":{"minAvailable":0}}']);
    await waitFor(async () => (await json(['get', 'pdb', 'web'])).status?.disruptionsAllowed >= 1, 'pdb allows again');
    const done = await k(['drain', 'host02', '--ignore-daemonsets', '--timeout=60s']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /node\/host02 drained/);
    assert.deepEqual(await runningOn('web', 'host02'), []);
    await k(['uncordon', 'host02']);
    await k(['delete', 'rs', 'web']);
    await k(['delete', 'pdb', 'web']);
  });

  it('seed 001: a node whose agent dies goes NotReady, is tainted, and its pods are evicted and replaced', async () => {
    const server = {
      ...c, nodeToken: readFileSync(join(c.dataDir, 'node-token'), 'utf8').trim(), caFile: join(c.dataDir, 'pki', 'ca.crt'), joinCommand: '',
      kill9: c.kill9,
    };
    host03 = await startAgent(server, { name: 'host03', rootDir: join(work, 'host03'), address: '127.0.1.3', runtime: 'simulated' });
    await waitFor(async () => (await nodeRow('host03'))[1] === 'Ready', 'host03 Ready');
    // Everything lands on host03: the other nodes are cordoned while the Deployment starts.
    await k(['cordon', 'host01', 'host02']);
    await k(['apply', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  replicas: 3
  selector: {matchLabels: {app: kubia}}
  template:
    metadata: {labels: {app: kubia}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: kubia, image: luksa/kubia, ports: [{containerPort: 8080}]}
`);
    await k(['run', 'bare', '--image', 'busybox', '--restart', 'Never', '--', 'sleep', '3600']);
    await waitFor(async () => (await runningOn('kubia', 'host03')).length === 3, '3 kubia pods on host03', 240);
    await waitFor(async () => (await json(['get', 'pod', 'bare'])).status.phase === 'Running', 'bare running on host03');
    const before = await runningOn('kubia', 'host03');
    await k(['uncordon', 'host01', 'host02']);

    // The agent dies without a word (kill -9): no more lease renewals, no status updates.
    await host03.kill9();
    await waitFor(async () => (await nodeRow('host03'))[1] === 'NotReady', 'host03 NotReady', 240);
    const node = await json(['get', 'node', 'host03']);
    const ready = node.status.conditions.find((x: { type: string }) => x.type === 'Ready');
    assert.deepEqual([ready.status, ready.reason, ready.message], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    await waitFor(async () => (await json(['get', 'node', 'host03'])).spec.taints?.some((t: { key: string; effect: string }) =>
      t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'), 'unreachable:NoExecute taint', 120);
    const events = (await k(['get', 'events', '--field-selector', 'involvedObject.name=host03'])).stdout;
    assert.match(events, /Normal\s+NodeNotReady\s+node\/host03\s+Node host03 status is now: NodeNotReady/);

    // Two seconds of toleration later the pods are evicted (Terminating: nobody is left to confirm).
    await waitFor(async () => {
      const pods = await json(['get', 'pods', '-l', 'app=kubia']);
      return pods.items.filter((p: { metadata: { name: string; deletionTimestamp?: string } }) => before.includes(p.metadata.name) && p.metadata.deletionTimestamp).length === 3;
    }, 'kubia pods on host03 evicted', 120);
    const podEvents = (await k(['get', 'events', '--field-selector', `involvedObject.name=${before[0]}`])).stdout;
    assert.match(podEvents, new RegExp(`Normal\\s+TaintManagerEviction\\s+pod/${before[0]}\\s+Marking for deletion Pod default/${before[0]}`));
    const evicted = await json(['get', 'pod', before[0]]);
    assert.ok(evicted.status.conditions.some((x: { type: string; reason: string }) => x.type === 'DisruptionTarget' && x.reason === 'DeletionByTaintManager'), 'DisruptionTarget condition');
    const row = (await k(['get', 'pod', before[0], '--no-headers'])).stdout;
    assert.match(row, /Terminating/);

    // The Deployment replaces them on the nodes still alive; the bare pod has no one to replace it.
    await waitOrDump(async () => (await runningOn('kubia', 'host01')).length + (await runningOn('kubia', 'host02')).length === 3, '3 replacements running', 480);
    await waitFor(async () => !!(await json(['get', 'pod', 'bare'])).metadata.deletionTimestamp, 'bare pod evicted');
    assert.equal((await json(['get', 'pods', '-l', 'run=bare'])).items.length, 1, 'no replacement for the bare pod');
  });
});
