// End-to-end: Kubernetes' documentation walkthroughs (kubernetes.io tasks and tutorials) replayed with
// the real kubectl and the pages' own manifests against `tskube up`: what a reader types must give
// what the page shows (names, ages and addresses aside).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { BUSYBOX_STATIC, describeNeeding, hasTool, KUBECTL, requireTool, ROOT, UNSHARE, type SystemTool } from '../src/testing/system-tools.js';
import { PHP_APACHE } from './fixtures/docs-examples.js';

/** PERL is the host's perl, which the catalog's perl image runs (the Jobs page's pi). */
const PERL: SystemTool = { name: 'perl', path: '/usr/bin/perl', apt: 'perl' };
/** ETCD is Debian's etcd, which the catalog's registry.k8s.io/etcd image runs (the gRPC probe). */
const ETCD: SystemTool = { name: 'etcd', path: '/usr/bin/etcd', apt: 'etcd-server' };

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = async (args: string[], input?: string) => {
  const r = await k(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json']));
/** describeEvents is the Events section of kubectl describe. */
const describeEvents = async (what: string[]) => (await ok(['describe', ...what])).split('\nEvents:')[1] ?? '';

// the pages' manifests, as published (Configure Liveness, Readiness and Startup Probes)
const EXEC_LIVENESS = `apiVersion: v1
kind: Pod
metadata:
  labels:
    test: liveness
  name: liveness-exec
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox
    args:
    - /bin/sh
    - -c
    - touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600
    livenessProbe:
      exec:
        command:
        - cat
        - /tmp/healthy
      initialDelaySeconds: 5
      periodSeconds: 5
`;
const HTTP_LIVENESS = `apiVersion: v1
kind: Pod
metadata:
  labels:
    test: liveness
  name: liveness-http
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args:
    - liveness
    livenessProbe:
      httpGet:
        path: /healthz
        port: 8080
        httpHeaders:
        - name: Custom-Header
          value: Awesome
      initialDelaySeconds: 3
      periodSeconds: 3
`;
const TCP_LIVENESS_READINESS = `apiVersion: v1
kind: Pod
metadata:
  name: goproxy
  labels:
    app: goproxy
spec:
  containers:
  - name: goproxy
    image: registry.k8s.io/goproxy:0.1
    ports:
    - containerPort: 8080
    readinessProbe:
      tcpSocket:
        port: 8080
      initialDelaySeconds: 15
      periodSeconds: 10
    livenessProbe:
      tcpSocket:
        port: 8080
      initialDelaySeconds: 15
      periodSeconds: 10
`;
const GRPC_LIVENESS = `apiVersion: v1
kind: Pod
metadata:
  name: etcd-with-grpc
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.1-0
    command: [ "/usr/local/bin/etcd", "--data-dir",  "/var/lib/etcd", "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", "http://127.0.0.1:2379", "--log-level", "debug"]
    ports:
    - containerPort: 2379
    livenessProbe:
      grpc:
        port: 2379
      initialDelaySeconds: 10
`;
// Deployments concept page
const NGINX_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;
// Jobs concept page
const PI_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`;
// StatefulSet Basics tutorial
const WEB = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`;
// HorizontalPodAutoscaler Walkthrough

describeNeeding('documentation walkthroughs with kubectl', { timeout: 12 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, BUSYBOX_STATIC) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
    // the probe pods take a minute to show what the page shows: start them first, look at them last
    await ok(['apply', '-f', '-'], EXEC_LIVENESS);
    await ok(['apply', '-f', '-'], HTTP_LIVENESS);
    await ok(['apply', '-f', '-'], TCP_LIVENESS_READINESS);
    if (hasTool(ETCD)) await ok(['apply', '-f', '-'], GRPC_LIVENESS);
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Deployments: a rollout to the mistyped nginx:1.161 gets stuck in ImagePullBackOff, undo rolls it back', async () => {
    await ok(['apply', '-f', '-'], NGINX_DEPLOYMENT);
    assert.match(await ok(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=180s']), /deployment "nginx-deployment" successfully rolled out/);
    assert.equal(await ok(['set', 'image', 'deployment/nginx-deployment', 'nginx=nginx:1.161']), 'deployment.apps/nginx-deployment image updated\n');
    const stuck = await waitFor(async () => {
      const pods = (await json(['get', 'pods', '-l', 'app=nginx'])).items as { metadata: { name: string }; spec: { containers: { image: string }[] }; status: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } }[];
      return pods.find((p) => p.spec.containers[0].image === 'nginx:1.161' && p.status.containerStatuses?.[0].state?.waiting?.reason === 'ImagePullBackOff');
    }, 'a new pod in ImagePullBackOff', 240);
    const row = (await ok(['get', 'pod', stuck.metadata.name, '--no-headers'])).trim().split(/\s+/);
    assert.deepEqual(row.slice(1, 4), ['0/1', 'ImagePullBackOff', '0']);
    assert.match(await describeEvents(['pod', stuck.metadata.name]),
      /Warning\s+Failed\s+.*kubelet\s+Failed to pull image "nginx:1\.161": rpc error: code = NotFound desc = failed to pull and unpack image "docker\.io\/library\/nginx:1\.161": failed to resolve reference "docker\.io\/library\/nginx:1\.161": docker\.io\/library\/nginx:1\.161: not found/);
    // the old replicas stay: 3 available, 1 updated
    const status = await k(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=2s']);
    assert.notEqual(status.code, 0);
    assert.match(status.stdout, /Waiting for deployment "nginx-deployment" rollout to finish: 1 out of 3 new replicas have been updated\.\.\./);
    assert.match(await ok(['get', 'deployment', 'nginx-deployment', '--no-headers']), /^nginx-deployment\s+3\/3\s+1\s+3\s/);
    assert.match(await ok(['rollout', 'history', 'deployment/nginx-deployment']), /^1\s+<none>\n2\s+<none>\n/m);
    assert.equal(await ok(['rollout', 'undo', 'deployment/nginx-deployment']), 'deployment.apps/nginx-deployment rolled back\n');
    assert.match(await ok(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=180s']), /successfully rolled out/);
    const images = (await json(['get', 'pods', '-l', 'app=nginx'])).items.filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
      .map((p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0].image);
    assert.deepEqual(images, ['nginx:1.14.2', 'nginx:1.14.2', 'nginx:1.14.2']);
    await ok(['delete', 'deployment', 'nginx-deployment', '--wait=false']);
  });

  it('an nginx pod runs beside a Service named nginx (NGINX_PORT=tcp://… in its environment), logs as nginx does and stops at once on TERM', async () => {
    await ok(['create', 'service', 'clusterip', 'nginx', '--tcp=80:80']);
    // a liveness probe on a page nginx does not have: the kubelet stops nginx with TERM, which it obeys (exit 0), not KILL after the grace period (137);
    // the delay lets nginx start first (a TERM before its handlers are installed is ignored by a PID 1)
    await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: nginx-env}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    livenessProbe:
      httpGet: {path: /missing, port: 80}
      initialDelaySeconds: 5
      periodSeconds: 2
      failureThreshold: 1
`);
    const pod = await waitFor(async () => {
      const p = await json(['get', 'pod', 'nginx-env']);
      return p.status.containerStatuses?.[0]?.lastState?.terminated && p;
    }, 'nginx-env restarted by its liveness probe', 240);
    assert.ok((await ok(['exec', 'nginx-env', '--', 'printenv', 'NGINX_PORT'])).startsWith('tcp://'));
    // what `kubectl logs nginx` shows in the seeds: the image's entrypoint, nginx's notices, then the access log
    await ok(['exec', 'nginx-env', '--', 'curl', '-s', '-o', '/dev/null', 'http://127.0.0.1/']);
    const logs = await waitFor(async () => {
      const l = await ok(['logs', 'nginx-env']);
      return l.includes('"GET / HTTP/1.1" 200') && l;
    }, 'the access log line');
    assert.match(logs, /^\/docker-entrypoint\.sh: Configuration complete; ready for start up$/m);
    assert.match(logs, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[notice\] 1#1: start worker processes$/m);
    assert.match(logs, /^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "curl\/[^"]+" "-"$/m);
    assert.equal(pod.status.containerStatuses[0].lastState.terminated.exitCode, 0);
    assert.equal(pod.status.containerStatuses[0].lastState.terminated.reason, 'Completed');
    await ok(['delete', 'pod', 'nginx-env', '--wait=false']);
    await ok(['delete', 'service', 'nginx']);
  });

  it('Jobs: the pi job completes and its log holds pi to 2000 places', { ...requireTool(PERL) }, async () => {
    await ok(['apply', '-f', '-'], PI_JOB);
    await ok(['wait', '--for=condition=complete', 'job/pi', '--timeout=300s']);
    assert.match(await ok(['get', 'job', 'pi', '--no-headers']), /^pi\s+Complete\s+1\/1\s/);
    const digits = (await ok(['logs', 'jobs/pi'])).trim();
    assert.equal(digits.length, 2001);
    assert.ok(digits.startsWith('3.14159265358979323846264338327950288419716939937510582097494459230781640628620899'), digits.slice(0, 100));
    assert.match(await describeEvents(['job', 'pi']), /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
  });

  it('StatefulSet basics: pods found by nslookup web-0.nginx, each serving its own index.html from its claim', async () => {
    await ok(['apply', '-f', '-'], WEB);
    await ok(['rollout', 'status', 'statefulset/web', '--timeout=240s']);
    assert.match(await ok(['get', 'pvc', '-l', 'app=nginx', '--no-headers']), /^www-web-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s/m);
    // a pod with nothing in its claim yet answers 403, as nginx does for a directory without index.html
    assert.match(await ok(['exec', 'web-0', '--', 'curl', '-s', 'http://localhost/']), /403 Forbidden/);
    for (const i of [0, 1]) await ok(['exec', `web-${i}`, '--', 'sh', '-c', 'echo "$(hostname)" > /usr/share/nginx/html/index.html']);
    for (const i of [0, 1]) assert.equal(await ok(['exec', `web-${i}`, '--', 'curl', '-s', 'http://localhost/']), `web-${i}\n`);
    const ip = (await json(['get', 'pod', 'web-0'])).status.podIP as string;
    await ok(['run', 'dns-test', '--image', 'busybox:1.28', '--restart=Never', '--', 'sleep', '3600']);
    await waitFor(async () => (await k(['get', 'pod', 'dns-test', '--no-headers'])).stdout.includes('Running'), 'dns-test Running');
    const lookup = await waitFor(async () => {
      const r = await k(['exec', 'dns-test', '--', 'nslookup', 'web-0.nginx']);
      return r.code === 0 && r.stdout;
    }, 'nslookup web-0.nginx');
    assert.match(lookup, new RegExp(`Name:\\s+web-0\\.nginx\\.default\\.svc\\.cluster\\.local\\nAddress:\\s+${ip.replace(/\./g, '\\.')}`));
    await ok(['delete', 'pod', 'dns-test', '--wait=false']);
  });

  it('HorizontalPodAutoscaler walkthrough: php-apache answers OK! through its Service; kubectl autoscale', async () => {
    await ok(['apply', '-f', '-'], PHP_APACHE);
    assert.equal(await ok(['autoscale', 'deployment', 'php-apache', '--cpu-percent=50', '--min=1', '--max=10']), 'horizontalpodautoscaler.autoscaling/php-apache autoscaled\n');
    await ok(['rollout', 'status', 'deployment/php-apache', '--timeout=180s']);
    await ok(['run', 'load-once', '--image', 'busybox:1.28', '--restart=Never', '--', '/bin/sh', '-c', 'wget -q -O- http://php-apache']);
    await waitFor(async () => (await k(['get', 'pod', 'load-once', '--no-headers'])).stdout.includes('Completed'), 'load-once Completed');
    assert.equal(await ok(['logs', 'load-once']), 'OK!');
    assert.match(await ok(['get', 'hpa', 'php-apache']), /^php-apache\s+Deployment\/php-apache\s+cpu: \S+\/50%\s+1\s+10\s/m);
  });

  it('Liveness probes: exec (cat /tmp/healthy) and HTTP (agnhost liveness) restart their containers with the page\'s events', async () => {
    const http = await waitFor(async () => {
      const p = await json(['get', 'pod', 'liveness-http']);
      return p.status.containerStatuses?.[0]?.restartCount >= 1 && p.status.containerStatuses[0].lastState?.terminated && p;
    }, 'liveness-http restarted', 360);
    // agnhost is a Go program: TERM ends it with status 2, not the grace period's KILL
    assert.equal(http.status.containerStatuses[0].lastState.terminated.exitCode, 2);
    const httpEvents = await describeEvents(['pod', 'liveness-http']);
    assert.match(httpEvents, /Warning\s+Unhealthy\s+.*kubelet\s+Liveness probe failed: HTTP probe failed with statuscode: 500/);
    assert.match(httpEvents, /Normal\s+Killing\s+.*kubelet\s+Container liveness failed liveness probe, will be restarted/);
    const execEvents = await waitFor(async () => {
      const e = await describeEvents(['pod', 'liveness-exec']);
      return /Killing/.test(e) && e;
    }, 'liveness-exec killed', 480);
    assert.match(execEvents, /Warning\s+Unhealthy\s+.*kubelet\s+Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
    assert.match(execEvents, /Normal\s+Killing\s+.*kubelet\s+Container liveness failed liveness probe, will be restarted/);
  });

  it('TCP readiness and liveness: goproxy becomes Ready after its 15 s delay and stays up', async () => {
    await waitFor(async () => (await k(['get', 'pod', 'goproxy', '--no-headers'])).stdout.match(/^goproxy\s+1\/1\s+Running\s+0\s/), 'goproxy 1/1 Running');
    assert.match(await ok(['describe', 'pod', 'goproxy']), /Readiness:\s+tcp-socket :8080 delay=15s timeout=1s period=10s #success=1 #failure=3/);
  });

  it('gRPC liveness: etcd answers the gRPC health check', { ...requireTool(ETCD) }, async () => {
    await waitFor(async () => (await k(['get', 'pod', 'etcd-with-grpc', '--no-headers'])).stdout.match(/^etcd-with-grpc\s+1\/1\s+Running\s/), 'etcd-with-grpc Running');
    // past initialDelaySeconds (10) and three periods (10 s): still running, never restarted, no Unhealthy
    await waitFor(async () => {
      const p = await json(['get', 'pod', 'etcd-with-grpc']);
      return Date.now() - Date.parse(p.status.containerStatuses[0].state.running?.startedAt ?? '') > 45_000;
    }, 'etcd-with-grpc up past its probes', 240);
    const p = await json(['get', 'pod', 'etcd-with-grpc']);
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.doesNotMatch(await describeEvents(['pod', 'etcd-with-grpc']), /Unhealthy/);
  });
});
