// End-to-end: PersistentVolumes, claims, the default StorageClass and its built-in local-path
// provisioner on `tskube up --nodes 2`, driven by the real kubectl.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
let hostDir: string;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout || '{}');
/** table reads kubectl's table into rows keyed by column header, by the columns' offsets (cells may be empty). */
async function table(args: string[]): Promise<Record<string, string>[]> {
  const [head, ...lines] = (await k(args)).stdout.trimEnd().split('\n');
  const cols = [...(head ?? '').matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return lines.filter((l) => l !== '').map((l) => Object.fromEntries(cols.map((col, i) => [col.name, l.slice(col.at, cols[i + 1]?.at ?? l.length).trim()])));
}
const row = async (args: string[]) => (await table(args))[0] ?? {};
/** eventsOf lists `TYPE REASON MESSAGE` of an object's events. */
const eventsOf = async (name: string) => (await k(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.type} {.reason} {.message}{"\\n"}{end}'])).stdout;

/** busyPod is a pod that mounts a claim at /data and writes a line into it. */
const busyPod = (name: string, claim: string, line: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox
      command: ["/bin/sh", "-c", "echo ${line} >> /data/log; sleep 3600"]
      volumeMounts:
        - name: data
          mountPath: /data
  volumes:
    - name: data
      persistentVolumeClaim:
        claimName: ${claim}
`;

const claim = (name: string, cls?: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}
spec:
${cls === undefined ? '' : `  storageClassName: "${cls}"\n`}  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 100Mi
`;

// Needs the real kubectl, and root with unshare so a container sees its volume at its mountPath.
describeNeeding('PersistentVolumes and the local-path provisioner on two nodes', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    hostDir = mkdtempSync(join(tmpdir(), 'tskube-pv-'));
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
  }, { timeout: 2 * 60_000 });
  after(async () => {
    await c?.stop();
    if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('the cluster has a default StorageClass: standard, local-path, WaitForFirstConsumer, Delete', async () => {
    const sc = await table(['get', 'storageclass']);
    assert.deepEqual(sc.map((r) => [r.NAME, r.PROVISIONER, r.RECLAIMPOLICY, r.VOLUMEBINDINGMODE, r.ALLOWVOLUMEEXPANSION]),
      [['standard (default)', 'tskube.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false']]);
  });

  it('a hand-made hostPath volume binds to a claim that fits; a pod writes into it; deleting the claim leaves it Released (Retain)', async () => {
    const pv = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: manual
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: ${hostDir}/manual
`;
    assert.equal((await k(['apply', '-f', '-'], pv)).stdout, 'persistentvolume/manual created\n');
    assert.equal((await k(['apply', '-f', '-'], claim('manual-claim', ''))).stdout, 'persistentvolumeclaim/manual-claim created\n');
    await waitFor(async () => (await row(['get', 'pvc', 'manual-claim'])).STATUS === 'Bound', 'manual-claim Bound');
    const pvc = await row(['get', 'pvc', 'manual-claim']);
    assert.deepEqual([pvc.VOLUME, pvc.CAPACITY, pvc['ACCESS MODES'], pvc.STORAGECLASS], ['manual', '1Gi', 'RWO', '']);
    const pvRow = await row(['get', 'pv', 'manual']);
    assert.deepEqual([pvRow.CAPACITY, pvRow['RECLAIM POLICY'], pvRow.STATUS, pvRow.CLAIM], ['1Gi', 'Retain', 'Bound', 'default/manual-claim']);

    await k(['apply', '-f', '-'], busyPod('writer', 'manual-claim', 'hello'));
    await waitFor(async () => (await row(['get', 'pod', 'writer'])).STATUS === 'Running', 'writer Running', 240);
    await waitFor(async () => existsSync(join(hostDir, 'manual', 'log')) && readFileSync(join(hostDir, 'manual', 'log'), 'utf8') === 'hello\n', 'the line on the host');
    assert.equal((await k(['exec', 'writer', '--', 'cat', '/data/log'])).stdout, 'hello\n');
    assert.match((await k(['describe', 'pvc', 'manual-claim'])).stdout, /^Used By:\s+writer$/m);

    // In use: the claim waits (Terminating) until its pod is gone — the pvc-protection finalizer.
    assert.equal((await k(['delete', 'pvc', 'manual-claim', '--wait=false'])).stdout, 'persistentvolumeclaim "manual-claim" deleted\n');
    await waitFor(async () => (await row(['get', 'pvc', 'manual-claim'])).STATUS === 'Terminating', 'manual-claim Terminating');
    assert.deepEqual((await json(['get', 'pvc', 'manual-claim'])).metadata.finalizers, ['kubernetes.io/pvc-protection']);
    await k(['delete', 'pod', 'writer']);
    await waitFor(async () => (await k(['get', 'pvc', 'manual-claim'])).code !== 0, 'manual-claim gone', 240);
    await waitFor(async () => (await row(['get', 'pv', 'manual'])).STATUS === 'Released', 'manual Released');
    assert.equal(readFileSync(join(hostDir, 'manual', 'log'), 'utf8'), 'hello\n', 'Retain keeps the data');
  });

  it('a claim naming a StorageClass that does not exist stays Pending with ProvisioningFailed', async () => {
    await k(['apply', '-f', '-'], claim('typo', 'nonexistent'));
    await waitFor(async () => (await eventsOf('typo')).includes('Warning ProvisioningFailed storageclass.storage.k8s.io "nonexistent" not found'), 'ProvisioningFailed');
    assert.equal((await row(['get', 'pvc', 'typo'])).STATUS, 'Pending');
    assert.match((await k(['describe', 'pvc', 'typo'])).stdout, /Warning\s+ProvisioningFailed\s+\S+\s+persistentvolume-controller\s+storageclass\.storage\.k8s\.io "nonexistent" not found/);
  });

  it('a claim with no class (""), and no volume for it: FailedBinding as upstream says', async () => {
    await k(['apply', '-f', '-'], claim('classless', ''));
    await waitFor(async () => (await eventsOf('classless')).includes('Normal FailedBinding no persistent volumes available for this claim and no storage class is set'), 'FailedBinding');
    assert.equal((await row(['get', 'pvc', 'classless'])).STATUS, 'Pending');
  });

  it('the default class: Pending until the first pod is scheduled, then a volume on that pod\'s node; Delete removes it and its directory', async () => {
    assert.equal((await k(['apply', '-f', '-'], claim('auto'))).stdout, 'persistentvolumeclaim/auto created\n');
    assert.equal((await json(['get', 'pvc', 'auto'])).spec.storageClassName, 'standard');
    await waitFor(async () => (await eventsOf('auto')).includes('Normal WaitForFirstConsumer waiting for first consumer to be created before binding'), 'WaitForFirstConsumer');
    assert.equal((await row(['get', 'pvc', 'auto'])).STATUS, 'Pending');
    assert.equal((await k(['get', 'pv', '-o', 'name'])).stdout.includes('pvc-'), false);

    await k(['apply', '-f', '-'], busyPod('consumer', 'auto', 'first'));
    await waitFor(async () => (await row(['get', 'pod', 'consumer'])).STATUS === 'Running', 'consumer Running', 240);
    const pvc = await json(['get', 'pvc', 'auto']);
    const node = (await json(['get', 'pod', 'consumer'])).spec.nodeName as string;
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.metadata.annotations['volume.kubernetes.io/selected-node'], node);
    const pv = await json(['get', 'pv', pvc.spec.volumeName]);
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0], { key: 'kubernetes.io/hostname', operator: 'In', values: [node] });
    const dir = pv.spec.hostPath.path as string;
    assert.equal(dir, join(c.dataDir, 'nodes', node, 'local-path', `${pvc.spec.volumeName}_default_auto`));
    await waitFor(async () => existsSync(join(dir, 'log')) && readFileSync(join(dir, 'log'), 'utf8') === 'first\n', 'the line in the node\'s directory');
    const events = await eventsOf('auto');
    assert.match(events, /Normal Provisioning External provisioner is provisioning volume for claim "default\/auto"/);
    assert.match(events, new RegExp(`Normal ProvisioningSucceeded Successfully provisioned volume ${pvc.spec.volumeName}`));
    const pvRow = await row(['get', 'pv', pvc.spec.volumeName]);
    assert.deepEqual([pvRow.CAPACITY, pvRow['RECLAIM POLICY'], pvRow.STATUS, pvRow.CLAIM, pvRow.STORAGECLASS], ['100Mi', 'Delete', 'Bound', 'default/auto', 'standard']);

    await k(['delete', 'pod', 'consumer']);
    await k(['delete', 'pvc', 'auto']);
    await waitFor(async () => (await k(['get', 'pv', pvc.spec.volumeName])).code !== 0, 'the volume deleted', 240);
    assert.equal(existsSync(dir), false, 'the helper pod removed the directory');
  });
});
