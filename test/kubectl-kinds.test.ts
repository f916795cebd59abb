// End-to-end: every kind the seeds use can be created, listed as a table (plain and wide),
// printed as YAML, described and deleted with the real kubectl, with Kubernetes 1.32's columns.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const header = (out: string) => out.split('\n')[0].trim().split(/\s{2,}/);

const podTemplate = (app: string, extra = '') => `
    metadata:
      labels: {app: ${app}}
    spec:${extra}
      containers:
      - name: main
        image: busybox
        command: ["sleep", "3600"]`;

/**
 * KindCase: columns is the plain table's header; wide the columns -o wide adds after them (Kubernetes
 * 1.32's priority-1 columns), wideCells what those show for this object where it is fixed.
 */
interface KindCase { resource: string; name: string; manifest: string; columns: string[]; wide: string[]; wideCells?: string[]; namespaced?: boolean; created: string }

const kinds: KindCase[] = [
  { resource: 'pods', wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'], wideCells: ['<none>', '<none>', '<none>', '<none>'], name: 'p1', created: 'pod/p1 created', columns: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    manifest: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p1}\nspec:\n  containers: [{name: main, image: busybox, command: ["sleep", "3600"]}]\n' },
  { resource: 'replicationcontrollers', wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'], wideCells: ['main', 'busybox', 'app=rc1'], name: 'rc1', created: 'replicationcontroller/rc1 created', columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
    manifest: `apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc1}\nspec:\n  replicas: 0\n  template:${podTemplate('rc1')}\n` },
  { resource: 'replicasets', wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'], wideCells: ['main', 'busybox', 'app=rs1'], name: 'rs1', created: 'replicaset.apps/rs1 created', columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
    manifest: `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs1}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: rs1}}\n  template:${podTemplate('rs1')}\n` },
  { resource: 'deployments', wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'], wideCells: ['main', 'busybox', 'app=d1'], name: 'd1', created: 'deployment.apps/d1 created', columns: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    manifest: `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d1}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: d1}}\n  template:${podTemplate('d1')}\n` },
  { resource: 'statefulsets', wide: ['CONTAINERS', 'IMAGES'], wideCells: ['main', 'busybox'], name: 'sts1', created: 'statefulset.apps/sts1 created', columns: ['NAME', 'READY', 'AGE'],
    manifest: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: sts1}\nspec:\n  serviceName: sts1\n  replicas: 0\n  selector: {matchLabels: {app: sts1}}\n  template:${podTemplate('sts1')}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n` },
  { resource: 'daemonsets', wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'], wideCells: ['main', 'busybox', 'app=ds1'], name: 'ds1', created: 'daemonset.apps/ds1 created', columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    manifest: `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds1}\nspec:\n  selector: {matchLabels: {app: ds1}}\n  template:${podTemplate('ds1', '\n      nodeSelector: {disk: ssd}')}\n` },
  { resource: 'jobs', wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'], name: 'job1', created: 'job.batch/job1 created', columns: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'],
    manifest: `apiVersion: batch/v1\nkind: Job\nmetadata: {name: job1}\nspec:\n  suspend: true\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: busybox, command: ["echo", "hi"]}]\n` },
  { resource: 'cronjobs', wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'], wideCells: ['main', 'busybox', '<none>'], name: 'cj1', created: 'cronjob.batch/cj1 created', columns: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
    manifest: `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj1}\nspec:\n  schedule: "0,15,30,45 * * * *"\n  suspend: true\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: main, image: busybox}]\n` },
  { resource: 'horizontalpodautoscalers', wide: [], name: 'hpa1', created: 'horizontalpodautoscaler.autoscaling/hpa1 created', columns: ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'],
    manifest: 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: hpa1}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d1}\n  minReplicas: 1\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n' },
  { resource: 'services', wide: ['SELECTOR'], wideCells: ['app=d1'], name: 'svc1', created: 'service/svc1 created', columns: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    manifest: 'apiVersion: v1\nkind: Service\nmetadata: {name: svc1}\nspec:\n  selector: {app: d1}\n  ports: [{port: 80, targetPort: 8080}]\n' },
  { resource: 'configmaps', wide: [], name: 'cm1', created: 'configmap/cm1 created', columns: ['NAME', 'DATA', 'AGE'],
    manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm1}\ndata: {a: "1", b: "2"}\n' },
  { resource: 'secrets', wide: [], name: 's1', created: 'secret/s1 created', columns: ['NAME', 'TYPE', 'DATA', 'AGE'],
    manifest: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s1}\nstringData: {password: hunter2}\n' },
  { resource: 'persistentvolumeclaims', wide: ['VOLUMEMODE'], wideCells: ['Filesystem'], name: 'pvc1', created: 'persistentvolumeclaim/pvc1 created', columns: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
    manifest: 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: pvc1}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n' },
  { resource: 'persistentvolumes', wide: ['VOLUMEMODE'], wideCells: ['Filesystem'], name: 'pv1', created: 'persistentvolume/pv1 created', columns: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
    manifest: 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv1}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /tmp/pv1}\n' },
  { resource: 'serviceaccounts', wide: [], name: 'sa1', created: 'serviceaccount/sa1 created', columns: ['NAME', 'SECRETS', 'AGE'],
    manifest: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa1}\n' },
  { resource: 'endpoints', wide: [], name: 'ep1', created: 'endpoints/ep1 created', columns: ['NAME', 'ENDPOINTS', 'AGE'],
    manifest: 'apiVersion: v1\nkind: Endpoints\nmetadata: {name: ep1}\nsubsets:\n- addresses: [{ip: 10.244.0.5}]\n  ports: [{port: 8080}]\n' },
  { resource: 'leases.coordination.k8s.io', wide: [], name: 'lease1', created: 'lease.coordination.k8s.io/lease1 created', columns: ['NAME', 'HOLDER', 'AGE'],
    manifest: 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: lease1}\nspec: {holderIdentity: me, leaseDurationSeconds: 40}\n' },
  { resource: 'poddisruptionbudgets', wide: [], name: 'pdb1', created: 'poddisruptionbudget.policy/pdb1 created', columns: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
    manifest: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb1}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: d1}}\n' },
  { resource: 'storageclasses', wide: [], name: 'sc1', created: 'storageclass.storage.k8s.io/sc1 created', columns: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
    manifest: 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: sc1}\nprovisioner: tskube.io/hostpath\n' },
  { resource: 'namespaces', wide: [], name: 'ns1', created: 'namespace/ns1 created', columns: ['NAME', 'STATUS', 'AGE'],
    manifest: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n' },
];

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('every kind: apply, get (table, wide, yaml), describe, delete', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  for (const kc of kinds) {
    it(kc.resource, async () => {
      let r = await k(['apply', '-f', '-'], kc.manifest);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.trim(), kc.created);
      r = await k(['get', kc.resource, kc.name]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(header(r.stdout), kc.columns);
      assert.match(r.stdout.split('\n')[1], new RegExp(`^${kc.name}\\s`));
      r = await k(['get', kc.resource, kc.name, '-o', 'wide']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(header(r.stdout), [...kc.columns, ...kc.wide]);
      const row = r.stdout.split('\n')[1].trim().split(/\s{2,}/);
      assert.equal(row[0], kc.name);
      if (kc.wideCells) assert.deepEqual(row.slice(row.length - kc.wideCells.length), kc.wideCells, r.stdout);
      r = await k(['get', kc.resource, kc.name, '-o', 'yaml']);
      assert.match(r.stdout, new RegExp(`^  name: ${kc.name}$`, 'm'));
      assert.match(r.stdout, /^  uid: /m);
      r = await k(['describe', kc.resource, kc.name]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Name:\\s+${kc.name}$`, 'm'));
    });
  }

  it('one HPA through autoscaling v2 -> v1 -> v2 -> v1: each version changes it, none loses what the other holds', async () => {
    const v1 = 'horizontalpodautoscalers.v1.autoscaling';
    const v2 = 'horizontalpodautoscalers.v2.autoscaling';
    const json = async (res: string) => {
      const r = await k(['get', res, 'hpa1', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    // created as v2 (above), read as v1
    let hpa = await json(v1);
    assert.equal(hpa.apiVersion, 'autoscaling/v1');
    assert.equal(hpa.spec.targetCPUUtilizationPercentage, 50);
    // changed through v1, read as v2
    let r = await k(['patch', v1, 'hpa1', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":60,"maxReplicas":8}}']);
    assert.equal(r.code, 0, r.stderr);
    hpa = await json(v2);
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.equal(hpa.spec.maxReplicas, 8);
    assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    // a metric only v2 can say, added through v2, survives a v1 change
    const qps = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };
    r = await k(['patch', v2, 'hpa1', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/metrics/-', value: qps }])]);
    assert.equal(r.code, 0, r.stderr);
    hpa = await json(v1);
    assert.equal(hpa.spec.targetCPUUtilizationPercentage, 60);
    r = await k(['patch', v1, 'hpa1', '--type=merge', '-p', '{"spec":{"minReplicas":2}}']);
    assert.equal(r.code, 0, r.stderr);
    hpa = await json(v2);
    assert.equal(hpa.spec.minReplicas, 2);
    // as Kubernetes converts v1 back: the metrics v1 kept in its annotation first, then its CPU target
    assert.deepEqual(hpa.spec.metrics, [qps, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    assert.equal(hpa.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics'], undefined, 'the v1 annotations stay a v1 matter');
  });

  it('get all lists the workload kinds', async () => {
    const r = await k(['get', 'all', '-o', 'name']);
    for (const n of ['pod/p1', 'service/svc1', 'deployment.apps/d1', 'replicaset.apps/rs1', 'statefulset.apps/sts1', 'daemonset.apps/ds1', 'job.batch/job1', 'cronjob.batch/cj1', 'replicationcontroller/rc1', 'horizontalpodautoscaler.autoscaling/hpa1']) {
      assert.match(r.stdout, new RegExp(`^${n.replace('.', '\\.')}$`, 'm'));
    }
  });

  it('delete of each works', async () => {
    for (const kc of kinds) {
      const r = await k(['delete', kc.resource, kc.name, '--wait=false']);
      assert.equal(r.code, 0, `${kc.resource}: ${r.stderr}`);
    }
  });
});
