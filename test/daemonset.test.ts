// End-to-end: DaemonSets on `tskube up --nodes 3`, driven by the real kubectl, as seed 001 shows.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
/** rollout runs `kubectl rollout status` (kubectl's own timeout first) and, when it fails, says what the cluster looked like. */
async function rollout(name: string, timeoutS: number): Promise<string> {
  const r = await kubectl(c, ['rollout', 'status', `ds/${name}`, `--timeout=${timeoutS}s`], { timeoutMs: (timeoutS + 30) * 1000 });
  if (r.code === 0) return r.stdout;
  const state = await Promise.all([
    k(['get', 'ds', name, '-o', 'jsonpath={.metadata.generation} {.status}']),
    k(['get', 'pods', '-o', 'wide']),
    k(['get', 'nodes', '-o', 'wide']),
    k(['get', 'events', '--sort-by=.lastTimestamp']),
  ]);
  assert.fail(`rollout status ds/${name} exited ${r.code}: ${r.stdout}${r.stderr}\n${state.map((s) => s.stdout + s.stderr).join('\n')}`);
}
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
/** dsRow is one `kubectl get ds` row split into its columns. */
const dsRow = async (name: string) => (await k(['get', 'ds', name, '--no-headers'])).stdout.trim().split(/\s{2,}/);

interface PodJSON { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string; containers: { image: string }[] }; status: { phase?: string } }
const livePods = async (selector: string): Promise<PodJSON[]> =>
  ((await json(['get', 'pods', '-l', selector])).items as PodJSON[]).filter((p) => !p.metadata.deletionTimestamp);

const SSD_MONITOR = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ssd-monitor
spec:
  selector:
    matchLabels:
      app: ssd-monitor
  template:
    metadata:
      labels:
        app: ssd-monitor
    spec:
      nodeSelector:
        disk: ssd
      containers:
        - name: main
          image: idealism/ssd-monitor
`;

const NODE_AGENT = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels:
      app: node-agent
  template:
    metadata:
      labels:
        app: node-agent
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: agent
          image: busybox
          command: ["sleep", "infinity"]
`;

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('DaemonSets on three nodes', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 3 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 3, '3 Ready nodes');
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('seed 001: ssd-monitor runs nowhere until host02 is labelled disk=ssd, then there; relabelled disk=hdd, its pod goes', async () => {
    const created = await k(['create', '-f', '-'], SSD_MONITOR);
    assert.equal(created.stdout, 'daemonset.apps/ssd-monitor created\n', created.stderr);
    await waitFor(async () => (await json(['get', 'ds', 'ssd-monitor'])).status?.observedGeneration === 1, 'the DaemonSet synced');
    const table = await k(['get', 'daemonsets']);
    assert.match(table.stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
    assert.deepEqual((await dsRow('ssd-monitor')).slice(0, 7), ['ssd-monitor', '0', '0', '0', '0', '0', 'disk=ssd']);
    const none = await k(['get', 'pods', '-l', 'app=ssd-monitor']);
    assert.equal(none.stderr, 'No resources found in default namespace.\n');

    assert.equal((await k(['label', 'node', 'host02', 'disk=ssd'])).stdout, 'node/host02 labeled\n');
    const [pod] = await waitFor(async () => { const ps = await livePods('app=ssd-monitor'); return ps.length === 1 && ps[0].spec.nodeName ? ps : undefined; }, 'one ssd-monitor pod, scheduled');
    assert.equal(pod.spec.nodeName, 'host02');
    assert.match(pod.metadata.name, /^ssd-monitor-[a-z0-9]{5}$/);
    await waitFor(async () => (await dsRow('ssd-monitor')).slice(1, 6).join(' ') === '1 1 1 1 1', 'DESIRED CURRENT READY UP-TO-DATE AVAILABLE all 1', 240);
    await waitFor(async () => (await k(['logs', pod.metadata.name])).stdout.includes('SSD OK'), 'SSD OK in the logs');
    const described = (await k(['describe', 'ds', 'ssd-monitor'])).stdout;
    assert.match(described, /^Desired Number of Nodes Scheduled: 1$/m);
    assert.match(described, /^Node-Selector:\s+disk=ssd$/m);
    assert.match(described, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+daemonset-controller\\s+Created pod: ${pod.metadata.name}`));

    assert.equal((await k(['label', 'node', 'host02', 'disk=hdd', '--overwrite'])).stdout, 'node/host02 labeled\n');
    await waitFor(async () => (await dsRow('ssd-monitor')).slice(1, 6).join(' ') === '0 0 0 0 0', 'DESIRED back to 0');
    // The pod is Terminating (its shell ignores SIGTERM, so it lasts the 30 s grace period), then gone.
    await waitFor(async () => {
      const r = await k(['get', 'pod', pod.metadata.name, '--no-headers']);
      return r.code !== 0 || /\bTerminating\b/.test(r.stdout);
    }, 'the pod terminating');
    await waitFor(async () => (await k(['get', 'pods', '-l', 'app=ssd-monitor'])).stderr === 'No resources found in default namespace.\n', 'the pod gone', 360);
    assert.match((await k(['describe', 'ds', 'ssd-monitor'])).stdout, new RegExp(`Normal\\s+SuccessfulDelete\\s+\\S+\\s+daemonset-controller\\s+Deleted pod: ${pod.metadata.name}`));
  });

  it('a DaemonSet without a node selector runs one pod on each of the 3 nodes', async () => {
    assert.equal((await k(['apply', '-f', '-'], NODE_AGENT)).stdout, 'daemonset.apps/node-agent created\n');
    assert.match(await rollout('node-agent', 120), /daemon set "node-agent" successfully rolled out\n$/);
    const pods = await livePods('app=node-agent');
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['host01', 'host02', 'host03']);
    assert.deepEqual((await dsRow('node-agent')).slice(0, 7), ['node-agent', '3', '3', '3', '3', '3', '<none>']);
    const wide = (await k(['get', 'ds', 'node-agent', '-o', 'wide', '--no-headers'])).stdout.trim().split(/\s{2,}/);
    assert.deepEqual(wide.slice(8), ['agent', 'busybox', 'app=node-agent']);
  });

  it('a template change rolls through one node at a time; rollout history and undo use the ControllerRevisions', async () => {
    const before = (await livePods('app=node-agent')).map((p) => p.metadata.name);
    assert.equal((await k(['set', 'image', 'ds/node-agent', 'agent=busybox:1.37'])).stdout, 'daemonset.apps/node-agent image updated\n');
    // While it rolls, sample the status: never more than maxUnavailable (1) node without an available pod.
    let rolling = true;
    const samples: number[] = [];
    const sampler = (async () => {
      while (rolling) {
        const ds = await json(['get', 'ds', 'node-agent']);
        if (ds.status?.observedGeneration === 2) samples.push(ds.status.numberUnavailable ?? 0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const status = await rollout('node-agent', 180).finally(() => { rolling = false; });
    await sampler;
    assert.match(status, /out of 3 new pods have been updated/);
    assert.match(status, /daemon set "node-agent" successfully rolled out\n$/);
    assert.ok(samples.length > 0 && samples.every((n) => n <= 1), `unavailable counts seen: ${samples.join(',')}`);
    const pods = await livePods('app=node-agent');
    assert.deepEqual(pods.map((p) => p.spec.containers[0].image), ['busybox:1.37', 'busybox:1.37', 'busybox:1.37']);
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['host01', 'host02', 'host03']);
    assert.ok(pods.every((p) => !before.includes(p.metadata.name)), 'every pod was replaced');

    const history = await k(['rollout', 'history', 'ds/node-agent']);
    assert.equal(history.stdout, 'daemonset.apps/node-agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    const revisions = (await k(['get', 'controllerrevisions', '-l', 'app=node-agent', '--no-headers'])).stdout.trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(revisions.map((r) => [r[1], r[2]]).sort(), [['daemonset.apps/node-agent', '1'], ['daemonset.apps/node-agent', '2']]);
    assert.ok(revisions.every((r) => /^node-agent-[bcdfghjklmnpqrstvwxz2456789]+$/.test(r[0])));
    assert.match((await k(['rollout', 'history', 'ds/node-agent', '--revision=1'])).stdout, /Image:\s+busybox\n/);

    assert.equal((await k(['rollout', 'undo', 'ds/node-agent'])).stdout, 'daemonset.apps/node-agent rolled back\n');
    assert.match(await rollout('node-agent', 180), /successfully rolled out\n$/);
    assert.deepEqual((await livePods('app=node-agent')).map((p) => p.spec.containers[0].image), ['busybox', 'busybox', 'busybox']);
    assert.equal((await k(['rollout', 'history', 'ds/node-agent'])).stdout, 'daemonset.apps/node-agent \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    assert.equal((await k(['rollout', 'undo', 'ds/node-agent', '--to-revision=3'])).stdout, 'daemonset.apps/node-agent skipped rollback (current template already matches revision 3)\n');
  });
});
