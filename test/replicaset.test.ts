// End-to-end: seed 001's ReplicationController walkthrough (Kubernetes in Action, chapter 4) and
// ReplicaSets, with the real kubectl against `tskube up --nodes 2`.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = async (args: string[], input?: string) => {
  const r = await k(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = async <T = Record<string, unknown>>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

interface PodJson { metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] }; status?: { phase?: string } }
const pods = async (selector?: string) => (await json<{ items: PodJson[] }>(['get', 'pods', ...(selector ? ['-l', selector] : [])])).items;
const livePods = async (selector?: string) => (await pods(selector)).filter((p) => !p.metadata.deletionTimestamp);
/** rcRow is `kubectl get rc kubia --no-headers` split into NAME DESIRED CURRENT READY AGE. */
const rcRow = async (name = 'kubia') => (await ok(['get', 'rc', name, '--no-headers'])).trim().split(/\s+/);

/** The book's kubia-rc.yaml. */
const KUBIA_RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
        ports:
        - containerPort: 8080
`;

/** The book's kubia-replicaset.yaml (apps/v1 instead of apps/v1beta2). */
const KUBIA_RS = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
`;

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('seed 001: ReplicationControllers and ReplicaSets keep pods running', { timeout: 15 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 2 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('kubectl create -f kubia-rc.yaml starts 3 pods named kubia-xxxxx; get rc shows DESIRED CURRENT READY AGE', async () => {
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes', 240);
    assert.match(await ok(['create', '-f', '-'], KUBIA_RC), /^replicationcontroller\/kubia created$/m);
    await waitFor(async () => (await rcRow())[3] === '3', 'READY 3', 480);
    const names = (await livePods('app=kubia')).map((p) => p.metadata.name);
    assert.equal(names.length, 3);
    for (const n of names) assert.match(n, /^kubia-[a-z0-9]{5}$/);
    const table = await ok(['get', 'rc']);
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\n/);
    assert.match(table, /^kubia\s+3\s+3\s+3\s+\d+s\n/m);
    const rc = await json<{ spec: { selector: Record<string, string> }; status: Record<string, unknown> }>(['get', 'rc', 'kubia']);
    assert.deepEqual(rc.spec.selector, { app: 'kubia' });
    assert.deepEqual(rc.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  });

  it('a deleted pod is replaced', async () => {
    const [victim] = await livePods('app=kubia');
    assert.match(await ok(['delete', 'pod', victim.metadata.name, '--wait=false']), new RegExp(`pod "${victim.metadata.name}" deleted`));
    await waitFor(async () => {
      const live = (await livePods('app=kubia')).map((p) => p.metadata.name);
      return live.length === 3 && !live.includes(victim.metadata.name);
    }, 'a replacement pod', 240);
    await waitFor(async () => (await rcRow())[3] === '3', 'READY 3 again', 480);
  });

  it('kubectl label pod … app=foo --overwrite takes a pod out: it keeps running and a replacement is created', async () => {
    const [moved] = await livePods('app=kubia');
    const name = moved.metadata.name;
    await ok(['label', 'pod', name, 'type=special']);
    assert.equal((await livePods('app=kubia')).length, 3, 'an extra label changes nothing');
    assert.match(await ok(['label', 'pod', name, 'app=foo', '--overwrite']), new RegExp(`pod/${name} labeled`));
    await waitFor(async () => (await livePods('app=kubia')).length === 3 && (await livePods('app=kubia')).every((p) => p.metadata.name !== name), 'a replacement', 240);
    const out = await ok(['get', 'pods', '-L', 'app']);
    assert.match(out, new RegExp(`^${name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+foo$`, 'm'));
    const released = await json<PodJson>(['get', 'pod', name]);
    assert.deepEqual(released.metadata.ownerReferences ?? [], [], 'released: no controller reference left');
    await ok(['delete', 'pod', name, '--wait=false']);
  });

  it('kubectl scale rc kubia --replicas=10, then back to 3 (the scale subresource)', async () => {
    assert.match(await ok(['scale', 'rc', 'kubia', '--replicas=10']), /^replicationcontroller\/kubia scaled$/m);
    await waitFor(async () => (await livePods('app=kubia')).length === 10, '10 pods', 240);
    await waitFor(async () => { const r = await rcRow(); return r[1] === '10' && r[2] === '10'; }, 'DESIRED 10 CURRENT 10', 240);
    const scale = JSON.parse(await ok(['get', '--raw', '/api/v1/namespaces/default/replicationcontrollers/kubia/scale'])) as { kind: string; spec: { replicas: number }; status: { selector: string } };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 10);
    assert.equal(scale.status.selector, 'app=kubia');

    assert.match(await ok(['scale', 'rc', 'kubia', '--replicas=3']), /scaled/);
    await waitFor(async () => (await livePods('app=kubia')).length === 3, 'back to 3 pods', 240);
    await waitFor(async () => (await rcRow()).slice(1, 3).join(' ') === '3 3', 'DESIRED 3 CURRENT 3', 240);
  });

  it('kubectl describe rc kubia: selector, replicas, pods status and the controller events', async () => {
    await waitFor(async () => (await rcRow())[3] === '3', 'READY 3', 480);
    // Pods being deleted still count in describe's Pods Status until they are gone, as in Kubernetes.
    await waitFor(async () => /^Pods Status:\s+3 Running \/ 0 Waiting \//m.test(await ok(['describe', 'rc', 'kubia'])), 'the scaled-down pods gone', 480);
    const d = await ok(['describe', 'rc', 'kubia']);
    assert.match(d, /^Name:\s+kubia$/m);
    assert.match(d, /^Selector:\s+app=kubia$/m);
    assert.match(d, /^Replicas:\s+3 current \/ 3 desired$/m);
    assert.match(d, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    assert.match(d, /Image:\s+luksa\/kubia/);
    assert.match(d, /Normal\s+SuccessfulCreate\s+.*replication-controller\s+Created pod: kubia-[a-z0-9]{5}/);
    assert.match(d, /Normal\s+SuccessfulDelete\s+.*replication-controller\s+Deleted pod: kubia-[a-z0-9]{5}/);
    const events = await ok(['get', 'events', '--field-selector', 'involvedObject.kind=ReplicationController', '-o', 'custom-columns=REASON:.reason,KIND:.involvedObject.kind,SOURCE:.source.component', '--no-headers']);
    assert.match(events, /SuccessfulCreate\s+ReplicationController\s+replication-controller/);
  });

  it('delete rc --cascade=orphan keeps the pods; a ReplicaSet with the same selector adopts them', async () => {
    const before = (await livePods('app=kubia')).map((p) => p.metadata.name).sort();
    assert.match(await ok(['delete', 'rc', 'kubia', '--cascade=orphan']), /replicationcontroller "kubia" deleted/);
    await waitFor(async () => (await k(['get', 'rc', 'kubia'])).code !== 0, 'the rc gone', 240);
    await waitFor(async () => (await livePods('app=kubia')).every((p) => !p.metadata.ownerReferences?.length), 'pods orphaned', 240);
    assert.deepEqual((await livePods('app=kubia')).map((p) => p.metadata.name).sort(), before, 'the pods keep running');

    assert.match(await ok(['create', '-f', '-'], KUBIA_RS), /^replicaset.apps\/kubia created$/m);
    const rs = await json<{ metadata: { uid: string } }>(['get', 'rs', 'kubia']);
    await waitFor(async () => (await livePods('app=kubia')).every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid), 'pods adopted', 240);
    assert.deepEqual((await livePods('app=kubia')).map((p) => p.metadata.name).sort(), before, 'adopted, not replaced');
    await waitFor(async () => /^kubia\s+3\s+3\s+3\s+/m.test(await ok(['get', 'rs'])), 'rs READY 3', 240);
    await ok(['delete', 'rs', 'kubia']);
    await waitFor(async () => (await livePods('app=kubia')).length === 0, 'the rs pods deleted with it', 240);
  });

  it('a ReplicaSet with matchExpressions: kubectl get rs, scale rs, describe rs', async () => {
    await ok(['delete', 'rc', 'kubia', '--ignore-not-found', '--wait=false']);
    await ok(['delete', 'pods', '-l', 'app=kubia', '--wait=false']);
    await ok(['create', '-f', '-'], `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia-expr
spec:
  replicas: 3
  selector:
    matchExpressions:
    - key: app
      operator: In
      values:
      - kubia-expr
  template:
    metadata:
      labels:
        app: kubia-expr
    spec:
      containers:
      - name: kubia
        image: luksa/kubia
`);
    await waitFor(async () => /^kubia-expr\s+3\s+3\s+3\s+\d+s$/m.test(await ok(['get', 'rs'])), 'rs READY 3', 480);
    assert.match(await ok(['get', 'rs']), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
    for (const p of await livePods('app=kubia-expr')) {
      assert.match(p.metadata.name, /^kubia-expr-[a-z0-9]{5}$/);
      assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
    }
    assert.match(await ok(['scale', 'rs', 'kubia-expr', '--replicas=1']), /^replicaset.apps\/kubia-expr scaled$/m);
    await waitFor(async () => (await livePods('app=kubia-expr')).length === 1, '1 pod', 240);
    await waitFor(async () => /^kubia-expr\s+1\s+1\s+1\s+/m.test(await ok(['get', 'rs'])), 'rs 1 1 1', 240);
    const d = await ok(['describe', 'rs', 'kubia-expr']);
    assert.match(d, /^Selector:\s+app in \(kubia-expr\)$/m);
    assert.match(d, /^Replicas:\s+1 current \/ 1 desired$/m);
    assert.match(d, /Normal\s+SuccessfulCreate\s+.*replicaset-controller\s+Created pod: kubia-expr-[a-z0-9]{5}/);
    assert.match(d, /Normal\s+SuccessfulDelete\s+.*replicaset-controller\s+Deleted pod: kubia-expr-[a-z0-9]{5}/);
  });
});
