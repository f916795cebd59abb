// End-to-end: seed 004's Horizontal Pod Autoscaler walkthrough with the real kubectl — a
// ReplicationController of a web server that burns CPU per request (the book's php-apache /
// hpa-example), `kubectl autoscale rc php-apache --min=1 --max=10 --cpu-percent=50`, a busybox pod
// requesting it in a loop, the HPA scaling up, and back down to the minimum once the load stops.
// Until Services exist the load goes to the server pod's IP (the Services issue replays it through
// http://php-apache). A short --horizontal-pod-autoscaler-sync-period and a short scale-down window
// (behavior) keep it to about a minute; everything else runs with Kubernetes' defaults.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

// The seed's php-apache-rc.yaml; the image is a server that, like hpa-example's index.php, computes
// a million square roots per request.
const rc = `apiVersion: v1
kind: ReplicationController
metadata:
  name: php-apache
spec:
  replicas: 1
  template:
    metadata:
      name: php-apache
      labels:
        app: php-apache
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: php-apache
        image: node
        command: [node, -e, "require('http').createServer((q,s)=>{let x=0.0001;for(let i=0;i<1e6;i++)x+=Math.sqrt(x);s.end('OK!')}).listen(80)"]
        resources:
          requests:
            cpu: 200m
        ports:
        - containerPort: 80
`;

// The seed's hpa-php-apache.yaml (autoscaling/v1).
const hpaV1 = `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: php-apache
spec:
  scaleTargetRef:
    apiVersion: v1
    kind: ReplicationController
    name: php-apache
  minReplicas: 1
  maxReplicas: 10
  targetCPUUtilizationPercentage: 50
`;

// The seed's busybox pod, running its wget loop as its command (the book types it into `kubectl exec`).
const busybox = (ip: string) => `apiVersion: v1
kind: Pod
metadata:
  name: busybox
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: busybox
    image: busybox
    command: [sh, -c, "while true; do wget -q -O- http://${ip} > /dev/null; done"]
`;

/** explained runs a wait and, if it gives up, says what the HPA said (describe) in the failure. */
async function explained<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${(await k(['describe', 'hpa'])).stdout}\n${(await k(['top', 'pods'])).stdout}`);
  }
}

const rcReplicas = async () => Number((await k(['get', 'rc', 'php-apache', '-o', 'jsonpath={.spec.replicas}'])).stdout);
const hpaRow = async () => (await k(['get', 'hpa', 'php-apache', '--no-headers'])).stdout.trim().split(/\s{2,}/);

describeNeeding('seed 004: the HPA walkthrough (php-apache)', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1, extraArgs: ['--horizontal-pod-autoscaler-sync-period', '5s'] });
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'host01 Ready', 240);
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('creates the RC and an autoscaling/v1 HPA from the book\'s YAML', async () => {
    const r = await k(['create', '-f', '-'], rc);
    assert.equal(r.stdout.trim(), 'replicationcontroller/php-apache created', r.stderr);
    await waitFor(async () => /\s1\/1\s+Running/.test((await k(['get', 'pods', '-l', 'app=php-apache', '--no-headers'])).stdout), 'php-apache Running', 240);
    const h = await k(['create', '-f', '-'], hpaV1);
    assert.equal(h.stdout.trim(), 'horizontalpodautoscaler.autoscaling/php-apache created', h.stderr);
    const [name, ref, targets, min, max] = await hpaRow();
    assert.deepEqual([name, ref, min, max], ['php-apache', 'ReplicationController/php-apache', '1', '10']);
    assert.match(targets, /^cpu: (<unknown>|\d+%)\/50%$/);
    assert.equal((await k(['get', 'hpa', 'php-apache', '-o', 'jsonpath={.spec.targetCPUUtilizationPercentage}'])).stdout, '', 'read as autoscaling/v2, the preferred version');
    assert.equal((await k(['delete', 'hpa', 'php-apache'])).stdout.trim(), 'horizontalpodautoscaler.autoscaling "php-apache" deleted');
  });

  it('kubectl autoscale rc php-apache --min=1 --max=10 --cpu-percent=50', async () => {
    const r = await k(['autoscale', 'rc', 'php-apache', '--min=1', '--max=10', '--cpu-percent=50']);
    assert.equal(r.stdout.trim(), 'horizontalpodautoscaler.autoscaling/php-apache autoscaled', r.stderr);
    // A short scale-down window so the walkthrough runs in a minute (Kubernetes' default is 5 minutes).
    const p = await k(['patch', 'hpa', 'php-apache', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":15}}}}']);
    assert.equal(p.code, 0, p.stderr);
    const [name, ref, targets, min, max, replicas] = await hpaRow();
    assert.deepEqual([name, ref, min, max], ['php-apache', 'ReplicationController/php-apache', '1', '10']);
    assert.match(targets, /^cpu: (<unknown>|\d+%)\/50%$/);
    assert.match(replicas, /^[01]$/);
    // As in the book, the idle server's CPU is measured below the target and nothing scales.
    const idle = await explained(waitFor(async () => { const r = await hpaRow(); return /^cpu: \d+%\/50%$/.test(r[2]) ? r : undefined; }, 'a measured CPU utilization', 240, 500));
    assert.ok(Number(/(\d+)%\//.exec(idle[2])![1]) < 50, `idle utilization ${idle[2]}`);
    assert.equal(idle[5], '1');
    assert.equal(await rcReplicas(), 1);
  });

  it('scales the RC up under load from the busybox pod', async () => {
    const ip = (await k(['get', 'pods', '-l', 'app=php-apache', '-o', 'jsonpath={.items[0].status.podIP}'])).stdout.trim();
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal((await k(['create', '-f', '-'], busybox(ip))).stdout.trim(), 'pod/busybox created');
    const replicas = await explained(waitFor(async () => { const n = await rcReplicas(); return n > 1 ? n : undefined; }, 'the HPA to scale php-apache up', 480, 500));
    assert.ok(replicas > 1 && replicas <= 10, `replicas ${replicas}`);
    const [, , targets] = await hpaRow();
    assert.match(targets, /^cpu: \d+%\/50%$/);
    const d = (await k(['describe', 'hpa', 'php-apache'])).stdout;
    assert.match(d, /^Reference:\s+ReplicationController\/php-apache$/m);
    assert.match(d, /^ {2}resource cpu on pods {2}\(as a percentage of request\):\s+\d+% \(\d+m\) \/ 50%$/m);
    assert.match(d, /Normal\s+SuccessfulRescale\s+.*horizontal-pod-autoscaler\s+New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/);
    assert.match(d, /^ {2}ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from cpu resource utilization \(percentage of request\)$/m);
    const rcRow = (await k(['get', 'rc', 'php-apache', '--no-headers'])).stdout.trim().split(/\s+/);
    assert.equal(Number(rcRow[1]), await rcReplicas(), 'DESIRED is the HPA\'s count');
  });

  it('scales back down to the minimum once the load stops', async () => {
    assert.equal((await k(['delete', 'pod', 'busybox'])).code, 0);
    await explained(waitFor(async () => (await rcReplicas()) === 1, 'the HPA to scale php-apache back to 1', 480, 500));
    await waitFor(async () => (await k(['get', 'pods', '-l', 'app=php-apache', '--no-headers'])).stdout.trim().split('\n').length === 1, 'one php-apache pod left', 240);
    const d = (await k(['describe', 'hpa', 'php-apache'])).stdout;
    assert.match(d, /Normal\s+SuccessfulRescale\s+.*New size: 1; reason: All metrics below target/);
    // status.currentReplicas (REPLICAS) is what the HPA saw at its last sync: one sync period later it is 1.
    const row = await waitFor(async () => { const r = await hpaRow(); return r[5] === '1' ? r : undefined; }, 'REPLICAS 1', 120, 500);
    assert.match(row[2], /^cpu: \d+%\/50%$/);
  });
});
