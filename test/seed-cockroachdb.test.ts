// End-to-end: seed 000 7.4 with the real kubectl — CockroachDB as a StatefulSet (the kubernetes
// examples' cockroachdb-statefulset.yaml, replayed with today's API versions: apps/v1 with a
// selector, policy/v1 for the PodDisruptionBudget). The peer-finder init container
// (cockroachdb/cockroach-k8s-init) finds the pods through the headless Service's DNS records, the
// cockroach containers start one after another, the first a new cluster and the others joining it
// through cockroachdb-public; the claims from the volumeClaimTemplate bind through the default
// StorageClass (the old volume.alpha.kubernetes.io/storage-class annotation is only an annotation
// today). Then the two ways the seed's manifests behave differently on Kubernetes 1.32, which this
// reproduces: the example's headless Service asks for unready endpoints only with the
// tolerate-unready-endpoints annotation, which EndpointSlices (and so CoreDNS) ignore — the first
// pod waits in its init container for ever; and the book's trimmed StatefulSet, which drops the
// line that sets CRARGS, starts the cockroach binary without a command — it prints its help and
// exits 0, over and over.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlOk, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';

let c: Cluster;
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(c, args, { input, timeoutMs });
/** ok runs kubectl and fails the test unless it exits 0. */
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
/** pods reads `kubectl get pods -o wide` of a namespace as NAME → [READY, STATUS, RESTARTS, NODE]. */
async function pods(ns: string): Promise<Map<string, string[]>> {
  const out = (await k(['get', 'pods', '-n', ns, '-o', 'wide', '--no-headers'])).stdout.trim();
  // RESTARTS may read "3 (9s ago)": the node is the column after the IP, counted from the end
  return new Map(out ? out.split('\n').map((l) => l.split(/\s+/)).map((f) => [f[0], [f[1], f[2], f[3], f[f.length - 3]]]) : []);
}
const jsonpath = (ns: string, obj: string, path: string) => ok(['get', '-n', ns, obj, '-o', `jsonpath={${path}}`]);

/** services are the example's two Services and its budget; publishNotReady makes the headless one list unready pods. */
const services = (publishNotReady: boolean) => `apiVersion: v1
kind: Service
metadata:
  name: cockroachdb-public
  labels:
    app: cockroachdb
spec:
  ports:
  - port: 26257
    targetPort: 26257
    name: grpc
  - port: 8080
    targetPort: 8080
    name: http
  selector:
    app: cockroachdb
---
apiVersion: v1
kind: Service
metadata:
  name: cockroachdb
  labels:
    app: cockroachdb
  annotations:
    service.alpha.kubernetes.io/tolerate-unready-endpoints: "true"
    prometheus.io/scrape: "true"
    prometheus.io/path: "_status/vars"
    prometheus.io/port: "8080"
spec:
  ports:
  - port: 26257
    targetPort: 26257
    name: grpc
  - port: 8080
    targetPort: 8080
    name: http
  clusterIP: None
${publishNotReady ? '  publishNotReadyAddresses: true\n' : ''}  selector:
    app: cockroachdb
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: cockroachdb-budget
  labels:
    app: cockroachdb
spec:
  selector:
    matchLabels:
      app: cockroachdb
  minAvailable: 67%
`;

/** statefulSet is the example's StatefulSet; trimmed leaves out the CRARGS line, as the book prints it. */
const statefulSet = (trimmed: boolean) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cockroachdb
spec:
  serviceName: "cockroachdb"
  replicas: 3
  selector:
    matchLabels:
      app: cockroachdb
  template:
    metadata:
      labels:
        app: cockroachdb
    spec:
      initContainers:
      - name: bootstrap
        image: cockroachdb/cockroach-k8s-init:0.2
        imagePullPolicy: IfNotPresent
        args:
        - "-on-start=/on-start.sh"
        - "-service=cockroachdb"
        env:
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        volumeMounts:
        - name: datadir
          mountPath: "/cockroach/cockroach-data"
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - key: app
                  operator: In
                  values:
                  - cockroachdb
              topologyKey: kubernetes.io/hostname
      containers:
      - name: cockroachdb
        image: cockroachdb/cockroach:v1.0.3
        imagePullPolicy: IfNotPresent
        ports:
        - containerPort: 26257
          name: grpc
        - containerPort: 8080
          name: http
        volumeMounts:
        - name: datadir
          mountPath: /cockroach/cockroach-data
        command:
          - "/bin/bash"
          - "-ecx"
          - |
${trimmed ? '' : '            CRARGS=("start" "--logtostderr" "--insecure" "--host" "$(hostname -f)" "--http-host" "0.0.0.0")\n'}            if [ ! "$(hostname)" == "cockroachdb-0" ] || \\
               [ -e "/cockroach/cockroach-data/cluster_exists_marker" ]
            then
              CRARGS+=("--join" "cockroachdb-public")
            fi
            exec /cockroach/cockroach \${CRARGS[*]}
      terminationGracePeriodSeconds: 60
      volumes:
      - name: datadir
        persistentVolumeClaim:
          claimName: datadir
  volumeClaimTemplates:
  - metadata:
      name: datadir
      annotations:
        volume.alpha.kubernetes.io/storage-class: anything
    spec:
      accessModes:
        - "ReadWriteOnce"
      resources:
        requests:
          storage: 1Gi
`;

describeNeeding('seed 000 7.4: a CockroachDB StatefulSet', { timeout: 20 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 3 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 3, '3 Ready nodes', 480);
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('the example: pods start in order, claims bind, the first node makes the cluster and the others join it; the budget counts them', async () => {
    const out = await ok(['apply', '-f', '-'], services(true) + '---\n' + statefulSet(false));
    assert.deepEqual(out.trim().split('\n'), ['service/cockroachdb-public created', 'service/cockroachdb created',
      'poddisruptionbudget.policy/cockroachdb-budget created', 'statefulset.apps/cockroachdb created']);
    await waitFor(async () => {
      const p = await pods('default');
      return p.size === 3 && [...p.values()].every(([ready, status]) => ready === '1/1' && status === 'Running');
    }, 'cockroachdb-0..2 Running and Ready', 1200);
    const p = await pods('default');
    // preferred anti-affinity on kubernetes.io/hostname: one pod a node
    assert.equal(new Set([...p.values()].map((r) => r[3])).size, 3, JSON.stringify([...p]));

    // OrderedReady: each pod was created only once its predecessor was Ready
    for (const [prev, next] of [['cockroachdb-0', 'cockroachdb-1'], ['cockroachdb-1', 'cockroachdb-2']]) {
      const ready = Date.parse(await jsonpath('default', `pod/${prev}`, '.status.conditions[?(@.type=="Ready")].lastTransitionTime'));
      const created = Date.parse(await jsonpath('default', `pod/${next}`, '.metadata.creationTimestamp'));
      assert.ok(ready <= created, `${next} created at ${new Date(created).toISOString()}, before ${prev} was Ready (${new Date(ready).toISOString()})`);
    }

    const pvc = (await ok(['get', 'pvc', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(pvc.map((f) => [f[0], f[1], f[3], f[4], f[5]]), [0, 1, 2].map((i) => [`datadir-cockroachdb-${i}`, 'Bound', '1Gi', 'RWO', 'standard']));

    // the first pod made the cluster: its script's trace (bash -x) and the start summary
    const logs0 = await ok(['logs', 'cockroachdb-0']);
    assert.match(logs0, /^\+ exec \/cockroach\/cockroach start --logtostderr --insecure --host cockroachdb-0\.cockroachdb\.default\.svc\.cluster\.local --http-host 0\.0\.0\.0$/m);
    assert.match(logs0, /^CockroachDB node starting at /m);
    assert.match(logs0, /^admin: {6}http:\/\/cockroachdb-0\.cockroachdb\.default\.svc\.cluster\.local:8080$/m);
    assert.match(logs0, /^store\[0\]: {3}path=\/cockroach\/cockroach-data$/m);
    assert.match(logs0, /^status: {5}initialized new cluster$/m);
    assert.match(logs0, /^nodeID: {5}1$/m);
    const clusterID = /^clusterID: {2}(\S+)$/m.exec(logs0)?.[1];
    assert.ok(clusterID, logs0);
    // the others found a peer (the marker) and joined through cockroachdb-public
    for (const i of [1, 2]) {
      // Ready as soon as it runs (no readiness probe): joining takes a gossip round or a few more
      const logs = await waitFor(async () => {
        const l = (await k(['logs', `cockroachdb-${i}`])).stdout;
        return /^nodeID: /m.test(l) && l;
      }, `cockroachdb-${i} joined`, 480);
      assert.match(logs, new RegExp(`^\\+ exec /cockroach/cockroach start --logtostderr --insecure --host cockroachdb-${i}\\.cockroachdb\\.default\\.svc\\.cluster\\.local --http-host 0\\.0\\.0\\.0 --join cockroachdb-public$`, 'm'));
      assert.match(logs, /^status: {5}initialized new node, joined pre-existing cluster$/m);
      assert.match(logs, new RegExp(`^clusterID: {2}${clusterID}$`, 'm'));
    }
    const boot1 = await ok(['logs', 'cockroachdb-1', '-c', 'bootstrap']);
    assert.match(boot1, /Peer list updated\nwas \[\]\nnow \[cockroachdb-0\.cockroachdb\.default\.svc\.cluster\.local cockroachdb-1\.cockroachdb\.default\.svc\.cluster\.local\]/);
    assert.match(boot1, /Peer finder exiting\n$/);
    assert.match(await ok(['exec', 'cockroachdb-1', '--', 'ls', '/cockroach/cockroach-data']), /^cluster_exists_marker$/m);
    assert.doesNotMatch(await ok(['exec', 'cockroachdb-0', '--', 'ls', '/cockroach/cockroach-data']), /cluster_exists_marker/);
    // the SQL port answers through the public Service
    assert.equal(await ok(['exec', 'cockroachdb-2', '--', '/cockroach/cockroach', 'sql', '--insecure', '--host', 'cockroachdb-public', '-e', 'SELECT 1']), '1 row\n1\n1\n');

    // the example README's client: a throwaway pod of the image (no tag: latest) running its sql shell
    const client = await ok(['run', 'cockroachdb-client', '-i', '--rm', '--restart=Never', '--image=cockroachdb/cockroach', '--',
      'sql', '--insecure', '--host=cockroachdb-public'], 'CREATE DATABASE bank;\nSHOW DATABASES;\n');
    assert.match(client, /^CREATE DATABASE\n2 rows\nDatabase\nbank\nsystem\n/);
    assert.match(client, /^pod "cockroachdb-client" deleted\n?$/m);

    // minAvailable 67% of 3 pods rounds up to 3: no voluntary disruption is allowed
    const pdb = (await ok(['get', 'pdb'])).trim().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(pdb[0], ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    assert.deepEqual(pdb[1].slice(0, 4), ['cockroachdb-budget', '67%', 'N/A', '0']);
    const desc = await ok(['describe', 'pdb', 'cockroachdb-budget']);
    assert.match(desc, /^Min available: {2}67%\nSelector: {7}app=cockroachdb\nStatus:\n {4}Allowed disruptions: {2}0\n {4}Current: {14}3\n {4}Desired: {14}3\n {4}Total: {16}3\n/m);
    // and the eviction API holds to it: draining a node of the set's pods is refused
    const node = p.get('cockroachdb-1')![3];
    const drain = await k(['drain', node, '--ignore-daemonsets', '--timeout=8s'], undefined, 60_000);
    assert.notEqual(drain.code, 0);
    assert.match(drain.stdout + drain.stderr, /error when evicting pods\/"cockroachdb-1" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    await ok(['uncordon', node]);
    assert.equal(await jsonpath('default', 'pod/cockroachdb-1', '.status.phase'), 'Running');
  });

  it('the example\'s headless Service without publishNotReadyAddresses: the peer-finder never finds its pod (EndpointSlices ignore the old annotation)', async () => {
    await ok(['create', 'namespace', 'legacy']);
    await ok(['apply', '-n', 'legacy', '-f', '-'], services(false) + '---\n' + statefulSet(false));
    const boot = await waitFor(async () => {
      const logs = (await k(['logs', '-n', 'legacy', 'cockroachdb-0', '-c', 'bootstrap'])).stdout;
      return (logs.match(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d lookup cockroachdb on \S+:53: no such host$/gm) ?? []).length >= 3 && logs;
    }, 'the peer-finder failing its lookups', 1200);
    assert.doesNotMatch(boot, /Peer list updated/);
    const p = await pods('legacy');
    // cockroachdb-0 never gets Ready, so the StatefulSet creates no other pod
    assert.deepEqual([...p.keys()], ['cockroachdb-0']);
    assert.deepEqual(p.get('cockroachdb-0')!.slice(0, 2), ['0/1', 'Init:0/1']);
    await ok(['delete', 'namespace', 'legacy', '--wait=false']);
  });

  it('the book\'s trimmed StatefulSet: without CRARGS the first pod runs a bare `cockroach`, which prints its help and exits 0, so it crash-loops', async () => {
    // The book's copy drops the CRARGS=("start" ...) line. bash -e does not mind the unset array: on
    // cockroachdb-0 (no marker: it is alone) `exec /cockroach/cockroach` runs with no argument,
    // which the real binary turns into `cockroach help` (exit 0): restartPolicy Always restarts it
    // into CrashLoopBackOff. Pods 1 and 2 would run `cockroach --join cockroachdb-public`, an
    // unknown flag of the root command (exit 1) — but they come only if cockroachdb-0 is ever seen
    // Ready, which a process that exits at once hardly is, so nothing here depends on them.
    await ok(['create', 'namespace', 'book']);
    await ok(['apply', '-n', 'book', '-f', '-'], services(true) + '---\n' + statefulSet(true));
    await waitFor(async () => Number(await jsonpath('book', 'pod/cockroachdb-0', '.status.containerStatuses[0].restartCount') || 0) >= 2, 'cockroachdb-0 restarted twice', 1200);
    const last = JSON.parse(await jsonpath('book', 'pod/cockroachdb-0', '.status.containerStatuses[0].lastState.terminated')) as { exitCode: number; reason: string };
    assert.deepEqual([last.exitCode, last.reason], [0, 'Completed']);
    // the last run's output (the current one may not have printed yet)
    const logs = await ok(['logs', '-n', 'book', 'cockroachdb-0', '--previous']);
    assert.match(logs, /^\+ exec \/cockroach\/cockroach$/m);
    assert.match(logs, /^CockroachDB command-line interface and server\.\n\nUsage:\n {2}cockroach \[command\]\n/m);
    await waitFor(async () => (await pods('book')).get('cockroachdb-0')?.[1] === 'CrashLoopBackOff', 'cockroachdb-0 in CrashLoopBackOff', 1200);
    await ok(['delete', 'namespace', 'book', '--wait=false']);
  });
});
