// End-to-end: the garbage collector with the real kubectl against `tskube up` (no nodes: pods stay
// Pending and are deleted at once). `kubectl delete --cascade=background|foreground|orphan` on
// objects linked by ownerReferences here, then seed 001's flows: a ReplicationController deleted
// with --cascade=orphan leaves its pods, which a new one adopts; a Deployment deleted with
// --cascade=false leaves its ReplicaSet, which a new Deployment adopts; deleting a Deployment
// deletes its ReplicaSets and pods.
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
const exists = async (args: string[]) => (await k(['get', ...args, '-o', 'name'])).code === 0;

interface Meta {
  name: string; uid: string; deletionTimestamp?: string; finalizers?: string[];
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
}
const meta = async (args: string[]) => (await json<{ metadata: Meta }>(['get', ...args])).metadata;
const uidOf = async (args: string[]) => (await ok(['get', ...args, '-o', 'jsonpath={.metadata.uid}'])).trim();
const list = async (args: string[]) => (await json<{ items: { metadata: Meta; status?: { phase?: string } }[] }>(['get', ...args])).items;

/** owned renders an object of kind ConfigMap or Pod owned by the given owner references. */
function owned(kind: 'ConfigMap' | 'Pod', name: string, owners: { kind: string; name: string; uid: string; block?: boolean; apiVersion?: string }[], finalizers: string[] = []): string {
  const refs = owners.map((o) => `  - apiVersion: ${o.apiVersion ?? 'v1'}
    kind: ${o.kind}
    name: ${o.name}
    uid: ${o.uid}
${o.block ? '    blockOwnerDeletion: true\n' : ''}`).join('');
  const fin = finalizers.length ? `  finalizers:\n${finalizers.map((f) => `  - ${f}\n`).join('')}` : '';
  const body = kind === 'ConfigMap' ? 'data:\n  k: v\n' : 'spec:\n  containers:\n  - name: c\n    image: nginx\n';
  return `apiVersion: v1
kind: ${kind}
metadata:
  name: ${name}
  ownerReferences:
${refs}${fin}${body}`;
}

describeNeeding('garbage collector: kubectl delete --cascade', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('--cascade=background (the default) deletes dependents, over two levels; a held pod shows Terminating until released', async () => {
    await ok(['create', 'configmap', 'bg-root', '--from-literal=k=v']);
    const root = await uidOf(['configmap', 'bg-root']);
    await ok(['apply', '-f', '-'], owned('ConfigMap', 'bg-child', [{ kind: 'ConfigMap', name: 'bg-root', uid: root }]));
    const child = await uidOf(['configmap', 'bg-child']);
    await ok(['apply', '-f', '-'], owned('Pod', 'bg-grandchild', [{ kind: 'ConfigMap', name: 'bg-child', uid: child }]));
    await ok(['apply', '-f', '-'], owned('Pod', 'bg-held', [{ kind: 'ConfigMap', name: 'bg-root', uid: root }], ['example.com/hold']));

    assert.match(await ok(['delete', 'configmap', 'bg-root']), /^configmap "bg-root" deleted$/m);
    await waitFor(async () => !(await exists(['configmap', 'bg-child'])), 'bg-child collected');
    await waitFor(async () => !(await exists(['pod', 'bg-grandchild'])), 'bg-grandchild collected');
    // The held pod is being deleted: kubectl get pods says Terminating.
    await waitFor(async () => /^bg-held\s+0\/1\s+Terminating\s+/m.test(await ok(['get', 'pods'])), 'bg-held Terminating');
    await ok(['patch', 'pod', 'bg-held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor(async () => !(await exists(['pod', 'bg-held'])), 'bg-held gone');
  });

  it('--cascade=orphan removes the owner and only its reference from the dependents', async () => {
    await ok(['create', 'configmap', 'or-owner', '--from-literal=k=v']);
    await ok(['create', 'configmap', 'or-other', '--from-literal=k=v']);
    const owner = await uidOf(['configmap', 'or-owner']);
    const other = await uidOf(['configmap', 'or-other']);
    await ok(['apply', '-f', '-'], owned('Pod', 'or-pod', [{ kind: 'ConfigMap', name: 'or-owner', uid: owner, block: true }]));
    await ok(['apply', '-f', '-'], owned('ConfigMap', 'or-cm', [{ kind: 'ConfigMap', name: 'or-owner', uid: owner }, { kind: 'ConfigMap', name: 'or-other', uid: other }]));

    // kubectl waits until the owner is gone, i.e. until the collector has removed the orphan finalizer.
    assert.match(await ok(['delete', 'configmap', 'or-owner', '--cascade=orphan']), /^configmap "or-owner" deleted$/m);
    assert.equal(await exists(['configmap', 'or-owner']), false);
    const pod = await meta(['pod', 'or-pod']);
    assert.equal(pod.deletionTimestamp, undefined);
    assert.deepEqual(pod.ownerReferences ?? [], []);
    const cm = await meta(['configmap', 'or-cm']);
    assert.deepEqual(cm.ownerReferences?.map((r) => r.name), ['or-other']);
    await ok(['delete', 'pod', 'or-pod']);
  });

  it('--cascade=foreground deletes blocking dependents first and the owner last', async () => {
    await ok(['create', 'configmap', 'fg-owner', '--from-literal=k=v']);
    const owner = await uidOf(['configmap', 'fg-owner']);
    await ok(['apply', '-f', '-'], owned('Pod', 'fg-blocker', [{ kind: 'ConfigMap', name: 'fg-owner', uid: owner, block: true }], ['example.com/hold']));
    await ok(['apply', '-f', '-'], owned('ConfigMap', 'fg-plain', [{ kind: 'ConfigMap', name: 'fg-owner', uid: owner, block: true }]));

    assert.match(await ok(['delete', 'configmap', 'fg-owner', '--cascade=foreground', '--wait=false']), /^configmap "fg-owner" deleted$/m);
    await waitFor(async () => !(await exists(['configmap', 'fg-plain'])), 'fg-plain collected');
    await waitFor(async () => !!(await meta(['pod', 'fg-blocker'])).deletionTimestamp, 'fg-blocker being deleted');
    // The owner waits, visible with its foregroundDeletion finalizer, while a blocking dependent remains.
    const waiting = await meta(['configmap', 'fg-owner']);
    assert.ok(waiting.deletionTimestamp, 'owner marked for deletion');
    assert.deepEqual(waiting.finalizers, ['foregroundDeletion']);

    await ok(['patch', 'pod', 'fg-blocker', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor(async () => !(await exists(['configmap', 'fg-owner'])), 'fg-owner deleted after its dependents');
    assert.equal(await exists(['pod', 'fg-blocker']), false);
  });

  it('an ownerReference to an object that does not exist gets its dependent collected', async () => {
    await ok(['apply', '-f', '-'], owned('ConfigMap', 'no-owner', [{ kind: 'Secret', name: 'never', uid: '3c8f2b52-1a51-4d5e-9b0f-000000000000' }]));
    await waitFor(async () => !(await exists(['configmap', 'no-owner'])), 'no-owner collected');
  });

  it('seed 001: delete rc --cascade=orphan keeps the pods; a new rc with the same selector adopts them', async () => {
    await ok(['create', '-f', '-'], `apiVersion: v1
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
`);
    const live = async () => (await list(['pods', '-l', 'app=kubia'])).filter((p) => !p.metadata.deletionTimestamp);
    await waitFor(async () => (await live()).length === 3, '3 kubia pods');
    const rc1 = await uidOf(['rc', 'kubia']);
    await waitFor(async () => (await live()).every((p) => p.metadata.ownerReferences?.[0]?.uid === rc1), 'pods owned by the rc');
    const names = (await live()).map((p) => p.metadata.name).sort();

    assert.match(await ok(['delete', 'rc', 'kubia', '--cascade=orphan']), /^replicationcontroller "kubia" deleted$/m);
    assert.equal(await exists(['rc', 'kubia']), false);
    const orphans = await live();
    assert.deepEqual(orphans.map((p) => p.metadata.name).sort(), names, 'the pods are still there');
    assert.ok(orphans.every((p) => !p.metadata.ownerReferences?.length), 'and owned by nobody');

    await ok(['create', '-f', '-'], `apiVersion: v1
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
`);
    const rc2 = await uidOf(['rc', 'kubia']);
    await waitFor(async () => (await live()).every((p) => p.metadata.ownerReferences?.[0]?.uid === rc2), 'pods adopted by the new rc');
    assert.deepEqual((await live()).map((p) => p.metadata.name).sort(), names, 'adopted, not replaced');

    // Without --cascade kubectl deletes in the background: the pods go with the rc.
    await ok(['delete', 'rc', 'kubia']);
    await waitFor(async () => (await list(['pods', '-l', 'app=kubia'])).length === 0, 'the rc\'s pods collected');
  });

  it('seed 001: delete deployment --cascade=false keeps its ReplicaSet; a new deployment adopts it; delete deployment removes both', async () => {
    await ok(['create', 'deployment', 'kubia', '--image=luksa/kubia', '--replicas=2']);
    const rsList = async () => (await list(['rs', '-l', 'app=kubia'])).filter((r) => !r.metadata.deletionTimestamp);
    await waitFor(async () => (await rsList()).length === 1 && (await list(['pods', '-l', 'app=kubia'])).length === 2, 'a ReplicaSet and 2 pods');
    const [rs] = await rsList();
    const pods = (await list(['pods', '-l', 'app=kubia'])).map((p) => p.metadata.name).sort();

    // The seed's --cascade=false is kubectl's deprecated spelling of --cascade=orphan.
    const r = await k(['delete', 'deployment', 'kubia', '--cascade=false']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /--cascade=false is deprecated \(boolean value\) and can be replaced with --cascade=orphan/);
    assert.match(r.stdout, /^deployment.apps "kubia" deleted$/m);
    const kept = await meta(['rs', rs.metadata.name]);
    assert.equal(kept.uid, rs.metadata.uid);
    assert.deepEqual(kept.ownerReferences ?? [], [], 'the ReplicaSet is no longer managed');
    assert.deepEqual((await list(['pods', '-l', 'app=kubia'])).map((p) => p.metadata.name).sort(), pods);
    assert.ok((await list(['pods', '-l', 'app=kubia'])).every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid), 'the pods still belong to the ReplicaSet');

    await ok(['create', 'deployment', 'kubia', '--image=luksa/kubia', '--replicas=2']);
    const dep = await uidOf(['deployment', 'kubia']);
    await waitFor(async () => (await meta(['rs', rs.metadata.name])).ownerReferences?.[0]?.uid === dep, 'the ReplicaSet adopted by the new deployment');
    assert.deepEqual((await rsList()).map((x) => x.metadata.name), [rs.metadata.name]);

    assert.match(await ok(['delete', 'deployment', 'kubia']), /^deployment.apps "kubia" deleted$/m);
    await waitFor(async () => (await list(['rs', '-l', 'app=kubia'])).length === 0, 'the ReplicaSet collected');
    await waitFor(async () => (await list(['pods', '-l', 'app=kubia'])).length === 0, 'its pods collected');
  });
});
