// End-to-end: StatefulSets with per-pod storage on `tskube up --nodes 2`, driven by the real
// kubectl, as seed 002 (chapter 7, sleep-set.yaml) shows them.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout || '{}');
/** rows reads a table without headers into rows of columns. */
const rows = async (args: string[]) => (await k([...args, '--no-headers'])).stdout.trim().split('\n').filter((l) => l !== '').map((l) => l.split(/\s{2,}/));
const podRow = async (name: string) => (await rows(['get', 'pod', name]))[0] ?? [];
const exec = async (pod: string, ...cmd: string[]) => (await k(['exec', pod, '--', ...cmd]));
/** rolloutStatus waits for a roll-out: each old pod of the seed's set takes its 30 s grace period to go. */
const rolloutStatus = (name: string) => kubectl(c, ['rollout', 'status', `sts/${name}`, '--timeout=400s'], { timeoutMs: 420_000 });

interface PodJSON {
  metadata: { name: string; uid: string; creationTimestamp: string; deletionTimestamp?: string; labels: Record<string, string> };
  spec: { nodeName?: string; hostname?: string; subdomain?: string; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  status: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime: string }[] };
}
const pod = async (name: string): Promise<PodJSON> => json(['get', 'pod', name]);
const livePods = async (selector: string): Promise<PodJSON[]> =>
  ((await json(['get', 'pods', '-l', selector])).items as PodJSON[] ?? []).filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

// Seed 002's sleep-set.yaml as the book prints it; its cluster has Longhorn, whose class it names.
const SLEEP_SET = `---
apiVersion: apps/v1
kind: StatefulSet
metadata:
   name: sleep
spec:
  serviceName: sleep
  replicas: 2
  selector:
    matchLabels:
      app: sleep
  template:
    metadata:
      labels:
        app: sleep
    spec:
      containers:
        - name: sleep
          image: busybox
          command:
            - "/bin/sleep"
            - "3600"
          volumeMounts:
            - name: sleep-volume
              mountPath: /storagedir
  volumeClaimTemplates:
    - metadata:
        name: sleep-volume
      spec:
        storageClassName: longhorn
        accessModes:
          - ReadWriteOnce
        resources:
          requests:
            storage: 10Mi
`;

// What the book's install script sets up before: the headless Service, and the class Longhorn
// provides — here a class of tskube's built-in local-path provisioner under that name.
const SLEEP_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: sleep
spec:
  clusterIP: None
  selector:
    app: sleep
`;
const LONGHORN = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: longhorn
provisioner: tskube.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
`;

/** webSet is a quick set (1 s grace) for the policies the seed does not show. */
const webSet = (name: string, spec: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  serviceName: ${name}
  replicas: 3
  selector:
    matchLabels:
      app: ${name}
${spec}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: busybox
          command: ["sleep", "3600"]
          volumeMounts:
            - name: data
              mountPath: /data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Mi
`;

const claimsOf = async (selector: string) => (await rows(['get', 'pvc', '-l', selector])).map((r) => r[0]).sort();

// Needs the real kubectl, and root with unshare: each container must see its own volume at /storagedir.
describeNeeding('StatefulSets with per-pod storage on two nodes', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
  }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('seed 002: sleep-0 and sleep-1 start in order, each with its own claim, hostname and storage', async () => {
    assert.equal((await k(['apply', '-f', '-'], SLEEP_SERVICE)).code, 0);
    assert.equal((await k(['apply', '-f', '-'], LONGHORN)).stdout, 'storageclass.storage.k8s.io/longhorn created\n');
    const applied = await k(['apply', '-f', '-'], SLEEP_SET);
    assert.equal(applied.stdout, 'statefulset.apps/sleep created\n', applied.stderr);
    await waitFor(async () => (await rows(['get', 'statefulsets']))[0]?.[1] === '2/2', 'sleep 2/2', 480);
    const sts = await rows(['get', 'statefulsets']);
    assert.deepEqual(sts.map((r) => r.slice(0, 2)), [['sleep', '2/2']]);
    assert.match((await k(['get', 'statefulsets'])).stdout, /^NAME\s+READY\s+AGE\n/);
    assert.deepEqual((await rows(['get', 'sts', 'sleep', '-o', 'wide']))[0].slice(3), ['sleep', 'busybox']);

    const [p0, p1] = await livePods('app=sleep');
    assert.deepEqual([p0.metadata.name, p1.metadata.name], ['sleep-0', 'sleep-1']);
    for (const p of [p0, p1]) assert.deepEqual((await podRow(p.metadata.name)).slice(1, 4), ['1/1', 'Running', '0']);
    // OrderedReady: sleep-1 was created only once sleep-0 was Running and Ready.
    const ready0 = p0.status.conditions!.find((x) => x.type === 'Ready')!.lastTransitionTime;
    assert.ok(Date.parse(p1.metadata.creationTimestamp) >= Date.parse(ready0), `sleep-1 (${p1.metadata.creationTimestamp}) after sleep-0 ready (${ready0})`);
    assert.deepEqual([p0.spec.hostname, p0.spec.subdomain], ['sleep-0', 'sleep']);
    assert.equal(p0.metadata.labels['statefulset.kubernetes.io/pod-name'], 'sleep-0');
    assert.equal(p1.metadata.labels['apps.kubernetes.io/pod-index'], '1');
    assert.equal(p1.spec.volumes?.find((v) => v.name === 'sleep-volume')?.persistentVolumeClaim?.claimName, 'sleep-volume-sleep-1');

    // The book's commands and outputs.
    for (const p of ['sleep-0', 'sleep-1']) {
      const w = await exec(p, '/bin/sh', '-c', 'hostname > /storagedir/myhost');
      assert.equal(w.code, 0, w.stderr);
      assert.equal((await exec(p, '/bin/cat', '/storagedir/myhost')).stdout, `${p}\n`);
    }
    // Each claim is Bound to its own volume, made on the node its pod runs on.
    const pvc = await rows(['get', 'pvc']);
    assert.deepEqual(pvc.map((r) => [r[0], r[1], r[3], r[4], r[5]]), [
      ['sleep-volume-sleep-0', 'Bound', '10Mi', 'RWO', 'longhorn'],
      ['sleep-volume-sleep-1', 'Bound', '10Mi', 'RWO', 'longhorn'],
    ]);
    const pvs = (await json(['get', 'pv'])).items as { metadata: { name: string }; spec: { claimRef: { name: string }; nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } } } }[];
    for (const p of [p0, p1]) {
      const pv = pvs.find((v) => v.spec.claimRef.name === `sleep-volume-${p.metadata.name}`);
      assert.ok(pv, `a volume for ${p.metadata.name}`);
      assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [p.spec.nodeName]);
    }
  });

  it('seed 002: kubectl delete pod sleep-0 brings back sleep-0, on the same storage: /storagedir/myhost still says sleep-0', async () => {
    const old = await pod('sleep-0');
    const deleted = await k(['delete', 'pod', 'sleep-0']);
    assert.equal(deleted.stdout, 'pod "sleep-0" deleted\n');
    const fresh = await waitFor(async () => {
      const p = await pod('sleep-0').catch(() => undefined);
      return p && p.metadata.uid !== old.metadata.uid && (await podRow('sleep-0'))[2] === 'Running' ? p : undefined;
    }, 'a new sleep-0 Running', 480);
    assert.equal(fresh.spec.nodeName, old.spec.nodeName, 'its volume is on that node');
    assert.equal((await exec('sleep-0', '/bin/cat', '/storagedir/myhost')).stdout, 'sleep-0\n');
    assert.equal((await exec('sleep-1', '/bin/cat', '/storagedir/myhost')).stdout, 'sleep-1\n');
    assert.deepEqual(await claimsOf('app=sleep'), ['sleep-volume-sleep-0', 'sleep-volume-sleep-1']);
  });

  it('kubectl describe statefulset prints what Kubernetes prints, events in upstream\'s words', async () => {
    const d = (await k(['describe', 'statefulset', 'sleep'])).stdout;
    for (const line of [/^Name:\s+sleep$/m, /^Selector:\s+app=sleep$/m, /^Replicas:\s+2 desired \| 2 total$/m, /^Update Strategy:\s+RollingUpdate$/m,
      /^ {2}Partition:\s+0$/m, /^Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m, /^ {6}\/storagedir from sleep-volume \(rw\)$/m,
      /^Volume Claims:\n {2}Name:\s+sleep-volume\n {2}StorageClass:\s+longhorn\n {2}Labels:\s+<none>\n {2}Annotations:\s+<none>\n {2}Capacity:\s+10Mi\n {2}Access Modes:\s+\[ReadWriteOnce\]$/m,
      /Normal\s+SuccessfulCreate\s+.*statefulset-controller\s+create Claim sleep-volume-sleep-0 Pod sleep-0 in StatefulSet sleep success$/m,
      /Normal\s+SuccessfulCreate\s+.*statefulset-controller\s+create Pod sleep-1 in StatefulSet sleep successful$/m,
      // sleep-0 was made twice: at the start and after `kubectl delete pod` (that deletion was the user's, not an event of the set).
      /Normal\s+SuccessfulCreate\s+\S+ \(x2 over \S+\)\s+statefulset-controller\s+create Pod sleep-0 in StatefulSet sleep successful$/m]) {
      assert.match(d, line);
    }
    const st = (await json(['get', 'sts', 'sleep'])).status;
    assert.equal(st.currentRevision, st.updateRevision);
    assert.deepEqual([st.replicas, st.readyReplicas, st.currentReplicas, st.updatedReplicas, st.availableReplicas, st.collisionCount, st.observedGeneration], [2, 2, 2, 2, 2, 0, 1]);
  });

  it('a new image rolls from the highest ordinal down; rollout status, history and undo work on the ControllerRevisions', async () => {
    const before = (await json(['get', 'sts', 'sleep'])).status.currentRevision as string;
    assert.equal((await k(['set', 'image', 'sts/sleep', 'sleep=busybox:1.36'])).stdout, 'statefulset.apps/sleep image updated\n');
    const status = await rolloutStatus('sleep');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Waiting for partitioned roll out to finish: 0 out of 2 new pods have been updated\.\.\.\n/);
    assert.match(status.stdout, /partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/);
    const after1 = await json(['get', 'sts', 'sleep']);
    assert.notEqual(after1.status.currentRevision, before);
    assert.equal(after1.status.currentRevision, after1.status.updateRevision);
    for (const p of await livePods('app=sleep')) assert.equal(p.metadata.labels['controller-revision-hash'], after1.status.updateRevision);
    // The data stays with the ordinal through the update.
    assert.equal((await exec('sleep-1', '/bin/cat', '/storagedir/myhost')).stdout, 'sleep-1\n');
    const highestFirst = (await k(['get', 'events', '--field-selector', 'involvedObject.name=sleep,reason=SuccessfulDelete', '--sort-by=.lastTimestamp', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}'])).stdout;
    assert.match(highestFirst, /delete Pod sleep-1 in StatefulSet sleep successful/);

    assert.equal((await k(['rollout', 'history', 'sts/sleep'])).stdout, 'statefulset.apps/sleep \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    assert.match((await k(['rollout', 'history', 'sts/sleep', '--revision=2'])).stdout, /Image:\s+busybox:1\.36\n/);
    assert.equal((await k(['rollout', 'undo', 'sts/sleep'])).stdout, 'statefulset.apps/sleep rolled back\n');
    const undone = await rolloutStatus('sleep');
    assert.equal(undone.code, 0, undone.stderr);
    assert.equal((await k(['rollout', 'history', 'sts/sleep'])).stdout, 'statefulset.apps/sleep \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    const after2 = await json(['get', 'sts', 'sleep']);
    assert.equal(after2.status.currentRevision, before, 'the first revision is current again (renumbered 3)');
    assert.equal(after2.spec.template.spec.containers[0].image, 'busybox');
    assert.equal((await k(['rollout', 'undo', 'sts/sleep', '--to-revision=3'])).stdout, 'statefulset.apps/sleep skipped rollback (current template already matches revision 3)\n');
  });

  it('scaling down removes the highest ordinal and keeps its claim; scaling up brings it back with its data', async () => {
    assert.equal((await k(['scale', 'sts', 'sleep', '--replicas=1'])).stdout, 'statefulset.apps/sleep scaled\n');
    // sleep ignores SIGTERM: the pod lasts its 30 s grace period.
    await waitFor(async () => (await livePods('app=sleep')).map((p) => p.metadata.name).join() === 'sleep-0' && (await rows(['get', 'pods', '-l', 'app=sleep'])).length === 1, 'only sleep-0', 480);
    assert.deepEqual(await claimsOf('app=sleep'), ['sleep-volume-sleep-0', 'sleep-volume-sleep-1']);
    assert.deepEqual((await rows(['get', 'pvc', 'sleep-volume-sleep-1']))[0].slice(1, 2), ['Bound']);
    assert.equal((await k(['scale', 'sts', 'sleep', '--replicas=2'])).stdout, 'statefulset.apps/sleep scaled\n');
    await waitFor(async () => (await rows(['get', 'statefulsets', 'sleep']))[0]?.[1] === '2/2', 'sleep 2/2 again', 480);
    assert.equal((await exec('sleep-1', '/bin/cat', '/storagedir/myhost')).stdout, 'sleep-1\n');
  });

  it('persistentVolumeClaimRetentionPolicy Delete: claims go with scaled-down pods and with the set; Parallel starts every pod at once', async () => {
    const created = await k(['apply', '-f', '-'], webSet('web', '  podManagementPolicy: Parallel\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Delete\n    whenScaled: Delete'));
    assert.equal(created.stdout, 'statefulset.apps/web created\n', created.stderr);
    await waitFor(async () => (await livePods('app=web')).length === 3, 'three web pods');
    await waitFor(async () => (await rows(['get', 'statefulsets', 'web']))[0]?.[1] === '3/3', 'web 3/3', 480);
    assert.deepEqual(await claimsOf('app=web'), ['data-web-0', 'data-web-1', 'data-web-2']);
    await k(['scale', 'sts', 'web', '--replicas=1']);
    // The scaled-down pods own their claims; the garbage collector removes them with the pods.
    await waitFor(async () => (await claimsOf('app=web')).join() === 'data-web-0', 'only data-web-0 left', 480);
    const del = await k(['delete', 'sts', 'web']);
    assert.equal(del.stdout, 'statefulset.apps "web" deleted\n');
    await waitFor(async () => (await claimsOf('app=web')).length === 0, 'no web claims left', 480);
  });

  it('whenDeleted Retain (the default): deleting the set keeps every claim', async () => {
    await k(['apply', '-f', '-'], webSet('keep', '  podManagementPolicy: Parallel'));
    await waitFor(async () => (await rows(['get', 'statefulsets', 'keep']))[0]?.[1] === '3/3', 'keep 3/3', 480);
    await k(['delete', 'sts', 'keep']);
    await waitFor(async () => (await livePods('app=keep')).length === 0 && (await rows(['get', 'pods', '-l', 'app=keep'])).length === 0, 'keep pods gone', 480);
    assert.deepEqual(await claimsOf('app=keep'), ['data-keep-0', 'data-keep-1', 'data-keep-2']);
  });
});
