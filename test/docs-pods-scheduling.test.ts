// End-to-end: kubernetes.io's pod configuration and scheduling pages replayed with the real kubectl
// and the pages' own manifests against `tskube up --nodes 3` (share a process namespace, volumes,
// a PersistentVolume, init containers, lifecycle hooks, termination messages, two containers sharing
// a volume, nodeSelector and node affinity, extended resources, taints and tolerations, pod
// (anti-)affinity, topology spread constraints, priority and preemption, pod overhead): what a reader
// types must give what the page shows, names, ages, addresses and times aside. Where a page needs
// the internet (the init container's http://info.cern.ch) or a node's shell (/mnt/data), a pod of the
// cluster and a temporary directory stand in, as each case says.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, kubectlOk, kubectlJson, kubectlTable, kubectlStream, waitFor, type Cluster } from './harness.js';
import { BUSYBOX_STATIC, describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE, type SystemTool } from '../src/testing/system-tools.js';

/** CURL is the host's curl: the page's `curl` to kubectl proxy, and the one the nginx stand-in's containers have. */
const CURL: SystemTool = { name: 'curl', path: '/usr/bin/curl', apt: 'curl' };
/** PERL runs the nginx stand-in's worker processes. */
const PERL: SystemTool = { name: 'perl', path: '/usr/bin/perl', apt: 'perl-base' };

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const json = (args: string[]) => kubectlJson(c, args);
const table = (args: string[]) => kubectlTable(c, args);
/** apply is `kubectl apply -f` of a page's manifest. */
const apply = (manifest: string) => ok(['apply', '-f', '-'], manifest);
/** ready waits until the pods are Ready, as a reader's `kubectl get pod` until it says Running. */
const ready = async (...pods: string[]) => {
  const args = ['wait', '--for=condition=Ready', '--timeout=180s', ...pods.map((p) => `pod/${p}`)];
  const r = await kubectl(c, args, { timeoutMs: 200_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}\n${(await k(['get', 'pods', '-o', 'wide'])).stdout}`);
};
/** remove deletes what a page made (its clean-up step) and waits until it is gone. */
const remove = async (...what: string[]) => { await ok(['delete', ...what, '--ignore-not-found', '--wait=true', '--timeout=120s']); };
/** cells reads `kubectl get` output by the header's column positions (an empty CLAIM or REASON stays a column). */
const cells = (out: string): Record<string, string>[] => {
  const [head, ...lines] = out.trimEnd().split('\n');
  const starts = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return lines.map((l) => Object.fromEntries(starts.map((h, i) => [h.name, l.slice(h.at, starts[i + 1]?.at ?? l.length).trim()])));
};
/** nodeOf is the node a pod was scheduled to ('' while it is not). */
const nodeOf = async (pod: string) => (await json(['get', 'pod', pod])).spec.nodeName ?? '';
/** schedulingMessage is the pod's latest FailedScheduling event. */
const schedulingMessage = (pod: string) => waitFor(async () => {
  const evs = (await json(['get', 'events', '--field-selector', `involvedObject.name=${pod},reason=FailedScheduling`])).items;
  return evs.length > 0 && String(evs[evs.length - 1].message);
}, `a FailedScheduling event of ${pod}`);
/** events lists a pod's events as "Reason: message". */
const events = async (pod: string) => (await json(['get', 'events', '--field-selector', `involvedObject.name=${pod}`])).items
  .map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`) as string[];

// pods/share-process-namespace.yaml
const SHARE_PROCESS_NAMESPACE = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  shareProcessNamespace: true
  containers:
  - name: nginx
    image: nginx
  - name: shell
    image: busybox:1.28
    command: ["sleep", "3600"]
    stdin: true
    tty: true
`;
// pods/storage/redis.yaml
const REDIS = `apiVersion: v1
kind: Pod
metadata:
  name: redis
spec:
  containers:
  - name: redis
    image: redis
    volumeMounts:
    - name: redis-storage
      mountPath: /data/redis
  volumes:
  - name: redis-storage
    emptyDir: {}
`;
// pods/storage/pv-volume.yaml, its hostPath a temporary directory instead of the node's /mnt/data
const pvVolume = (dir: string) => `apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels:
    type: local
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes:
    - ReadWriteOnce
  hostPath:
    path: "${dir}"
`;
// pods/storage/pv-claim.yaml
const PV_CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
`;
// pods/storage/pv-pod.yaml
const PV_POD = `apiVersion: v1
kind: Pod
metadata:
  name: task-pv-pod
spec:
  volumes:
    - name: task-pv-storage
      persistentVolumeClaim:
        claimName: task-pv-claim
  containers:
    - name: task-pv-container
      image: nginx
      ports:
        - containerPort: 80
          name: "http-server"
      volumeMounts:
        - mountPath: "/usr/share/nginx/html"
          name: task-pv-storage
`;
// pods/init-containers.yaml, the page's http://info.cern.ch replaced by a pod of the cluster (no internet here)
const initDemo = (url: string) => `apiVersion: v1
kind: Pod
metadata:
  name: init-demo
spec:
  containers:
  - name: nginx
    image: nginx
    ports:
    - containerPort: 80
    volumeMounts:
    - name: workdir
      mountPath: /usr/share/nginx/html
  # These containers are run during pod initialization
  initContainers:
  - name: install
    image: busybox:1.28
    command:
    - wget
    - "-O"
    - "/work-dir/index.html"
    - ${url}
    volumeMounts:
    - name: workdir
      mountPath: "/work-dir"
  dnsPolicy: Default
  volumes:
  - name: workdir
    emptyDir: {}
`;
// the stand-in for info.cern.ch: a web server whose page the init container fetches
const INFO_PAGE = '<html><head></head><body><header>\n<title>http://info.cern.ch</title>\n</header>\n\n<h1>http://info.cern.ch - home of the first website</h1>\n</body></html>\n';
const INFO_SERVER = `apiVersion: v1
kind: Pod
metadata:
  name: info-cern-ch
spec:
  containers:
  - name: web
    image: busybox:1.28
    command: ["sh", "-c", "mkdir -p /www && printf '%s' \\"$PAGE\\" > /www/index.html && exec httpd -f -p 80 -h /www"]
    env:
    - name: PAGE
      value: ${JSON.stringify(INFO_PAGE)}
`;
// pods/lifecycle-events.yaml
const LIFECYCLE = `apiVersion: v1
kind: Pod
metadata:
  name: lifecycle-demo
spec:
  containers:
  - name: lifecycle-demo-container
    image: nginx
    lifecycle:
      postStart:
        exec:
          command: ["/bin/sh", "-c", "echo Hello from the postStart handler > /usr/share/message"]
      preStop:
        exec:
          command: ["/bin/sh","-c","nginx -s quit; while killall -0 nginx; do sleep 1; done"]
`;
// debug/termination.yaml
const TERMINATION = `apiVersion: v1
kind: Pod
metadata:
  name: termination-demo
spec:
  containers:
  - name: termination-demo-container
    image: debian
    command: ["/bin/sh"]
    args: ["-c", "sleep 10 && echo Sleep expired > /dev/termination-log"]
`;
// pods/two-container-pod.yaml
const TWO_CONTAINERS = `apiVersion: v1
kind: Pod
metadata:
  name: two-containers
spec:

  restartPolicy: Never

  volumes:
  - name: shared-data
    emptyDir: {}

  containers:

  - name: nginx-container
    image: nginx
    volumeMounts:
    - name: shared-data
      mountPath: /usr/share/nginx/html

  - name: debian-container
    image: debian
    volumeMounts:
    - name: shared-data
      mountPath: /pod-data
    command: ["/bin/sh"]
    args: ["-c", "echo Hello from the debian container > /pod-data/index.html"]
`;
// pods/pod-nginx.yaml
const POD_NGINX = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    env: test
spec:
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
  nodeSelector:
    disktype: ssd
`;
// pods/pod-nginx-specific-node.yaml (foo-node is host03 here)
const POD_NGINX_SPECIFIC_NODE = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  nodeName: host03 # schedule pod to specific node
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
`;
// pods/pod-nginx-required-affinity.yaml and pods/pod-nginx-preferred-affinity.yaml
const POD_NGINX_REQUIRED = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: disktype
            operator: In
            values:
            - ssd
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
`;
const POD_NGINX_PREFERRED = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions:
          - key: disktype
            operator: In
            values:
            - ssd
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
`;
// pods/resource/extended-resource-pod.yaml and extended-resource-pod-2.yaml
const extendedResourcePod = (name: string, dongles: number) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: ${name}-ctr
    image: nginx
    resources:
      requests:
        example.com/dongle: ${dongles}
      limits:
        example.com/dongle: ${dongles}
`;
// Taints and Tolerations: a pod with the page's toleration, and one tolerating NoExecute for a while
const tolerating = (name: string, toleration: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: IfNotPresent
  tolerations:${toleration ? `\n${toleration.replace(/^/gm, '  ')}` : ' []'}
`;
// Assigning Pods to Nodes: the redis-cache and web-server Deployments (a 3-node cluster)
const REDIS_CACHE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-cache
spec:
  selector:
    matchLabels:
      app: store
  replicas: 3
  template:
    metadata:
      labels:
        app: store
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchExpressions:
              - key: app
                operator: In
                values:
                - store
            topologyKey: "kubernetes.io/hostname"
      containers:
      - name: redis-server
        image: redis:3.2-alpine
`;
const WEB_SERVER = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-server
spec:
  selector:
    matchLabels:
      app: web-store
  replicas: 3
  template:
    metadata:
      labels:
        app: web-store
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchExpressions:
              - key: app
                operator: In
                values:
                - web-store
            topologyKey: "kubernetes.io/hostname"
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchExpressions:
              - key: app
                operator: In
                values:
                - store
            topologyKey: "kubernetes.io/hostname"
      containers:
      - name: web-app
        image: nginx:1.16-alpine
`;
// pods/topology-spread-constraints/one-constraint.yaml and two-constraints.yaml
const ONE_CONSTRAINT = `kind: Pod
apiVersion: v1
metadata:
  name: mypod
  labels:
    foo: bar
spec:
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels:
        foo: bar
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.1
`;
const TWO_CONSTRAINTS = `kind: Pod
apiVersion: v1
metadata:
  name: mypod2
  labels:
    foo: bar
spec:
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels:
        foo: bar
  - maxSkew: 1
    topologyKey: node
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels:
        foo: bar
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.1
`;
// Pod Priority and Preemption: the page's PriorityClass
const HIGH_PRIORITY = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high-priority
value: 1000000
globalDefault: false
description: "This priority class should be used for XYZ service pods only."
`;
// Pod Overhead: the page's RuntimeClass and test-pod
const KATA_FC = `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: kata-fc
handler: kata-fc
overhead:
  podFixed:
    memory: "120Mi"
    cpu: "250m"
`;
const TEST_POD = `apiVersion: v1
kind: Pod
metadata:
  name: test-pod
spec:
  runtimeClassName: kata-fc
  containers:
  - name: busybox-ctr
    image: busybox:1.28
    stdin: true
    tty: true
    resources:
      limits:
        cpu: 500m
        memory: 100Mi
  - name: nginx-ctr
    image: nginx
    resources:
      limits:
        cpu: 1500m
        memory: 100Mi
`;

describeNeeding('Pod configuration and scheduling pages with kubectl', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, BUSYBOX_STATIC, CURL, PERL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 3 });
    await waitFor(async () => (await table(['nodes'])).filter((n) => n.STATUS === 'Ready').length === 3, 'three Ready nodes');
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Share Process Namespace: ps ax in the shell sees /pause, nginx\'s master and workers; kill -HUP starts new workers; /proc/PID/root reaches nginx.conf', async () => {
    await apply(SHARE_PROCESS_NAMESPACE);
    await ready('nginx');
    const ps = async () => (await ok(['exec', 'nginx', '-c', 'shell', '--', 'ps', 'ax'])).split('\n');
    const before = await ps();
    assert.equal(before[0], 'PID   USER     TIME  COMMAND');
    assert.match(before[1], /^ {4}1 root {6}0:00 \/pause$/);
    const master = before.find((l) => / root +\d+:\d\d nginx: master process nginx -g daemon off;$/.test(l));
    assert.ok(master, before.join('\n'));
    const workers = (lines: string[]) => lines.filter((l) => /^ *\d+ 101 +\d+:\d\d nginx: worker process$/.test(l)).map((l) => l.trim().split(' ')[0]);
    assert.ok(workers(before).length >= 1, before.join('\n'));
    assert.ok(before.some((l) => / root +\d+:\d\d sleep 3600$/.test(l)) && before.some((l) => / root +\d+:\d\d ps ax$/.test(l)), before.join('\n'));
    const pid = master!.trim().split(' ')[0];
    await ok(['exec', 'nginx', '-c', 'shell', '--', 'kill', '-HUP', pid]);
    const after = await waitFor(async () => {
      const now = await ps();
      return workers(now).length > 0 && !workers(now).some((w) => workers(before).includes(w)) && now;
    }, 'new worker processes after HUP');
    assert.ok(after.some((l) => l.startsWith(`${pid.padStart(5)} root`) && l.endsWith('nginx: master process nginx -g daemon off;')), 'the master stays');
    assert.equal(await ok(['exec', 'nginx', '-c', 'shell', '--', 'head', `/proc/${pid}/root/etc/nginx/nginx.conf`]),
      '\nuser  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log notice;\npid        /var/run/nginx.pid;\n\n\nevents {\n    worker_connections  1024;\n');
    await remove('pod', 'nginx');
  });

  it('Configure a Pod to Use a Volume for Storage: redis-server is killed, the container restarts (Completed, then Running 1) and test-file is still in /data/redis', async () => {
    await apply(REDIS);
    await ready('redis');
    assert.deepEqual((await table(['pod', 'redis'])).map((r) => [r.NAME, r.READY, r.STATUS, r.RESTARTS]), [['redis', '1/1', 'Running', '0']]);
    const watch = kubectlStream(c, ['get', 'pod', 'redis', '--watch']);
    try {
      await ok(['exec', 'redis', '--', '/bin/bash', '-c', 'cd /data/redis/ && echo Hello > test-file']);
      const ps = (await ok(['exec', 'redis', '--', '/bin/bash', '-c', 'ps aux'])).split('\n');
      assert.match(ps[0], /^USER +PID %CPU %MEM +VSZ +RSS TTY +STAT START +TIME COMMAND$/);
      const redis = ps.find((l) => l.endsWith(' redis-server *:6379'));
      // the image's entrypoint runs the server as the redis user, PID 1
      assert.match(redis ?? '', /^redis +1 /, ps.join('\n'));
      await ok(['exec', 'redis', '--', '/bin/bash', '-c', `kill ${redis!.split(/\s+/)[1]}`]);
      const rows = await waitFor(async () => {
        const lines = watch.stdout().trim().split('\n').map((l) => l.split(/\s+/).slice(0, 4).join(' '));
        return lines.includes('redis 1/1 Running 1') && lines;
      }, 'the restarted redis in the watch');
      assert.deepEqual(rows.slice(0, 2), ['NAME READY STATUS RESTARTS', 'redis 1/1 Running 0']);
      assert.ok(rows.indexOf('redis 0/1 Completed 0') > 1 && rows.indexOf('redis 0/1 Completed 0') < rows.indexOf('redis 1/1 Running 1'), rows.join('\n'));
    } finally { await watch.kill(); }
    await ready('redis');
    assert.equal(await ok(['exec', 'redis', '--', '/bin/bash', '-c', 'cd /data/redis/ && ls']), 'test-file\n');
    await remove('pod', 'redis');
  });

  it('Configure a Pod to Use a PersistentVolume for Storage: the hostPath volume is Available, then Bound to default/task-pv-claim; nginx serves its index.html', async () => {
    // the node's /mnt/data: a directory of this machine (the nodes are its processes)
    const dir = mkdtempSync(join(tmpdir(), 'mnt-data-'));
    try {
      writeFileSync(join(dir, 'index.html'), 'Hello from Kubernetes storage\n');
      await apply(pvVolume(dir));
      const cols = ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON'];
      const pv = async () => { const r = cells(await ok(['get', 'pv', 'task-pv-volume']))[0]; return cols.map((h) => r[h]); };
      assert.deepEqual(await pv(), ['task-pv-volume', '10Gi', 'RWO', 'Retain', 'Available', '', 'manual', '<unset>', '']);
      await apply(PV_CLAIM);
      await waitFor(async () => (await pv())[4] === 'Bound', 'the volume Bound');
      assert.deepEqual(await pv(), ['task-pv-volume', '10Gi', 'RWO', 'Retain', 'Bound', 'default/task-pv-claim', 'manual', '<unset>', '']);
      const pvc = cells(await ok(['get', 'pvc', 'task-pv-claim']))[0];
      assert.deepEqual(['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS'].map((h) => pvc[h]),
        ['task-pv-claim', 'Bound', 'task-pv-volume', '10Gi', 'RWO', 'manual', '<unset>']);
      await apply(PV_POD);
      await ready('task-pv-pod');
      // the page installs curl with apt first: the stand-in's nginx has the node's curl
      assert.equal(await ok(['exec', 'task-pv-pod', '--', 'curl', '-s', 'http://localhost/']), 'Hello from Kubernetes storage\n');
      await remove('pod', 'task-pv-pod');
      await remove('pvc', 'task-pv-claim');
      await remove('pv', 'task-pv-volume');
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('Configure Pod Initialization: the install init container fetches the page into the workdir (a pod stands in for info.cern.ch), nginx serves it', async () => {
    await apply(INFO_SERVER);
    await ready('info-cern-ch');
    const ip = (await json(['get', 'pod', 'info-cern-ch'])).status.podIP;
    await apply(initDemo(`http://${ip}`));
    await ready('init-demo');
    const p = await json(['get', 'pod', 'init-demo']);
    assert.deepEqual([p.status.initContainerStatuses[0].name, p.status.initContainerStatuses[0].state.terminated?.reason], ['install', 'Completed']);
    assert.equal(await ok(['exec', 'init-demo', '-c', 'nginx', '--', 'curl', '-s', 'localhost']), INFO_PAGE);
    assert.match(await ok(['logs', 'init-demo', '-c', 'install']), /saved/);
    await remove('pod', 'init-demo', 'info-cern-ch');
  });

  it('Attach Handlers to Container Lifecycle Events: postStart writes /usr/share/message; the preStop\'s nginx -s quit stops nginx', async () => {
    await apply(LIFECYCLE);
    await ready('lifecycle-demo');
    assert.equal(await ok(['exec', 'lifecycle-demo', '--', 'cat', '/usr/share/message']), 'Hello from the postStart handler\n');
    // the preStop's nginx -s quit reaches the master through the image's nginx command and pid file
    assert.equal(await ok(['exec', 'lifecycle-demo', '--', 'sh', '-c', 'cat /var/run/nginx.pid']), '1\n');
    await remove('pod', 'lifecycle-demo');
    const evs = await events('lifecycle-demo');
    // nginx quits gracefully, so the hook's `while killall -0 nginx` ends with the container (the
    // image has no killall: there the loop ends at once and no event comes; the node's killall
    // here keeps it running until the container goes, as it would on Kubernetes with killall)
    const hook = evs.find((e) => e.startsWith('FailedPreStopHook: '));
    if (hook) assert.match(hook, /^FailedPreStopHook: Exec lifecycle hook \(\[\/bin\/sh -c nginx -s quit; while killall -0 nginx; do sleep 1; done\]\) for Container "lifecycle-demo-container" in Pod "lifecycle-demo_default\([0-9a-f-]+\)" failed - error: command '.*' exited with \d+: .*, message: ".*"$/);
    assert.ok(evs.includes('Killing: Stopping container lifecycle-demo-container'), evs.join('\n'));
  });

  it('Determine the Reason for Pod Failure: the termination message in lastState, by -o yaml and by the page\'s go-template', async () => {
    await apply(TERMINATION);
    const message = await waitFor(async () => {
      const t = await ok(['get', 'pod', 'termination-demo', '-o', 'go-template={{range .status.containerStatuses}}{{.lastState.terminated.message}}{{end}}']);
      return t !== '<no value>' && t;
    }, 'the first run\'s termination message', 240);
    assert.equal(message, 'Sleep expired\n');
    const yaml = await ok(['get', 'pod', 'termination-demo', '--output=yaml']);
    assert.match(yaml, /\n {4}lastState:\n {6}terminated:\n {8}containerID: tskube:\/\/[0-9a-f]+\n {8}exitCode: 0\n {8}finishedAt: "[^"]+"\n {8}message: \|\n {10}Sleep expired\n {8}reason: Completed\n/);
    await remove('pod', 'termination-demo');
  });

  it('Communicate Between Containers in the Same Pod Using a Shared Volume: the debian container has terminated, nginx serves its page', async () => {
    await apply(TWO_CONTAINERS);
    const p = await waitFor(async () => {
      const o = await json(['get', 'pod', 'two-containers']);
      const st = Object.fromEntries((o.status.containerStatuses ?? []).map((s: { name: string; state: Record<string, unknown> }) => [s.name, Object.keys(s.state)[0]]));
      return st['debian-container'] === 'terminated' && st['nginx-container'] === 'running' && o;
    }, 'debian-container terminated, nginx-container running');
    assert.equal(p.metadata.namespace, 'default');
    const ps = (await ok(['exec', 'two-containers', '-c', 'nginx-container', '--', 'ps', 'aux'])).split('\n');
    assert.match(ps.find((l) => /^\S+ +1 /.test(l)) ?? '', /^root +1 .* nginx: master process nginx -g daemon off;$/);
    assert.equal(await ok(['exec', 'two-containers', '-c', 'nginx-container', '--', 'curl', '-s', 'localhost']), 'Hello from the debian container\n');
    await remove('pod', 'two-containers');
  });

  it('Assign Pods to Nodes and Node Affinity: disktype=ssd by nodeSelector, required and preferred affinity; nodeName', async () => {
    assert.equal(await ok(['label', 'nodes', 'host02', 'disktype=ssd']), 'node/host02 labeled\n');
    const labels = (await ok(['get', 'nodes', '--show-labels'])).split('\n').find((l) => l.startsWith('host02 '));
    assert.match(labels ?? '', /[ ,]disktype=ssd,/);
    for (const manifest of [POD_NGINX, POD_NGINX_REQUIRED, POD_NGINX_PREFERRED]) {
      await apply(manifest);
      await ready('nginx');
      assert.equal((await table(['pods', '--output=wide']))[0].NODE, 'host02');
      await remove('pod', 'nginx');
    }
    await apply(POD_NGINX_SPECIFIC_NODE);
    await ready('nginx');
    assert.equal((await table(['pods', '--output=wide']))[0].NODE, 'host03');
    await remove('pod', 'nginx');
    // with no node labelled ssd, the required affinity cannot be met
    await ok(['label', 'nodes', 'host02', 'disktype-']);
    await apply(POD_NGINX_REQUIRED);
    assert.equal(await schedulingMessage('nginx'), '0/3 nodes are available: 3 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..');
    await remove('pod', 'nginx');
  });

  it('Extended resources: 4 dongles advertised by a PATCH of the node status through kubectl proxy become allocatable; 3 are given, a pod asking 2 more stays Pending', async () => {
    const proxy = kubectlStream(c, ['proxy', '--port=0']);
    try {
      const port = await waitFor(async () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(proxy.stdout())?.[1], 'kubectl proxy');
      const patch = (op: string) => JSON.parse(execFileSync('curl', ['-s', '--header', 'Content-Type: application/json-patch+json', '--request', 'PATCH',
        '--data', op, `http://localhost:${port}/api/v1/nodes/host01/status`], { encoding: 'utf8' }));
      const node = patch('[{"op": "add", "path": "/status/capacity/example.com~1dongle", "value": "4"}]');
      assert.equal(node.status.capacity['example.com/dongle'], '4');
      // the node agent's next status sync (10 s) makes it allocatable, as the kubelet's does
      const described = await waitFor(async () => {
        const d = await ok(['describe', 'node', 'host01']);
        return /^Allocatable:\n(?: .*\n)* {2}example\.com\/dongle: +4\n/m.test(d) && d;
      }, 'example.com/dongle in Allocatable', 120);
      assert.match(described, /^Capacity:\n(?: .*\n)* {2}example\.com\/dongle: +4\n/m);
      await apply(extendedResourcePod('extended-resource-demo', 3));
      await ready('extended-resource-demo');
      assert.equal(await nodeOf('extended-resource-demo'), 'host01');
      assert.match(await ok(['describe', 'pod', 'extended-resource-demo']), /\n {4}Limits:\n {6}example\.com\/dongle: +3\n {4}Requests:\n {6}example\.com\/dongle: +3\n/);
      await apply(extendedResourcePod('extended-resource-demo-2', 2));
      assert.equal(await schedulingMessage('extended-resource-demo-2'),
        '0/3 nodes are available: 3 Insufficient example.com/dongle. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
      assert.match(await ok(['describe', 'pod', 'extended-resource-demo-2']), /\nConditions:\n {2}Type +Status\n {2}PodScheduled +False \n/);
      assert.deepEqual((await table(['pod', 'extended-resource-demo-2'])).map((r) => [r.READY, r.STATUS]), [['0/1', 'Pending']]);
      await remove('pod', 'extended-resource-demo', 'extended-resource-demo-2');
      // the clean-up: the dongles leave capacity, then allocatable
      patch('[{"op": "remove", "path": "/status/capacity/example.com~1dongle"}]');
      await waitFor(async () => !(await ok(['describe', 'node', 'host01'])).includes('example.com/dongle'), 'no dongles on host01', 120);
    } finally { await proxy.kill(); }
  });

  it('Taints and Tolerations: kubectl taint adds and removes; NoSchedule keeps pods off but for a toleration; NoExecute evicts at once, or after tolerationSeconds', async () => {
    try {
      await taintsAndTolerations();
    } finally {
      // whatever failed, later pages must find the nodes untainted
      await k(['taint', 'nodes', '--all', 'key1-']);
    }
  });

  /** taintsAndTolerations is the taints page's steps. */
  async function taintsAndTolerations() {
    for (const n of ['host01', 'host02', 'host03']) assert.equal(await ok(['taint', 'nodes', n, 'key1=value1:NoSchedule']), `node/${n} tainted\n`);
    const again = await k(['taint', 'nodes', 'host01', 'key1=value1:NoSchedule']);
    assert.deepEqual([again.code, again.stderr], [1, 'error: node host01 already has key1 taint(s) with same effect(s) and --overwrite is false\n']);
    assert.match(await ok(['describe', 'node', 'host01']), /\nTaints: +key1=value1:NoSchedule\n/);
    await apply(tolerating('plain', ''));
    assert.equal(await schedulingMessage('plain'), '0/3 nodes are available: 3 node(s) had untolerated taint {key1: value1}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..');
    await apply(tolerating('equal', '- key: "key1"\n  operator: "Equal"\n  value: "value1"\n  effect: "NoSchedule"'));
    await apply(tolerating('exists', '- key: "key1"\n  operator: "Exists"\n  effect: "NoSchedule"'));
    await ready('equal', 'exists');
    for (const n of ['host01', 'host02', 'host03']) assert.equal(await ok(['taint', 'nodes', n, 'key1=value1:NoSchedule-']), `node/${n} untainted\n`);
    await ready('plain');
    assert.match(await ok(['describe', 'node', 'host01']), /\nTaints: +<none>\n/);
    await remove('pod', 'plain', 'equal', 'exists');

    // NoExecute: a pod without the toleration goes at once, one tolerating it for 6 s after that
    await apply(`${tolerating('intolerant', '')}  nodeName: host03\n`);
    await apply(`${tolerating('tolerating', '- key: "key1"\n  operator: "Equal"\n  value: "value1"\n  effect: "NoExecute"\n  tolerationSeconds: 6')}  nodeName: host03\n`);
    await ready('intolerant', 'tolerating');
    await ok(['taint', 'nodes', 'host03', 'key1=value1:NoExecute']);
    const gone = async (p: string) => (await k(['get', 'pod', p])).code !== 0;
    await waitFor(() => gone('intolerant'), 'the intolerant pod evicted');
    await waitFor(() => gone('tolerating'), 'the tolerating pod evicted after its tolerationSeconds', 240);
    const evicted = (await json(['get', 'events', '--field-selector', 'reason=TaintManagerEviction'])).items.map((e: { message: string }) => e.message).sort();
    assert.deepEqual(evicted, ['Marking for deletion Pod default/intolerant', 'Marking for deletion Pod default/tolerating']);
    assert.equal(await ok(['taint', 'nodes', 'host03', 'key1=value1:NoExecute-']), 'node/host03 untainted\n');
  }

  it('Inter-pod affinity and anti-affinity: three redis-cache replicas on three nodes, a web-server beside each', async () => {
    await apply(REDIS_CACHE);
    await apply(WEB_SERVER);
    await ok(['rollout', 'status', 'deployment/redis-cache', '--timeout=180s']);
    await ok(['rollout', 'status', 'deployment/web-server', '--timeout=180s']);
    const rows = await table(['pods', '-o', 'wide']);
    const nodes = (prefix: string) => rows.filter((r) => r.NAME.startsWith(prefix)).map((r) => r.NODE).sort();
    assert.deepEqual(nodes('redis-cache-'), ['host01', 'host02', 'host03']);
    assert.deepEqual(nodes('web-server-'), ['host01', 'host02', 'host03']);
    // a fourth replica of each finds no node
    await ok(['scale', 'deployment/web-server', '--replicas=4']);
    const pending = await waitFor(async () => (await table(['pods', '-l', 'app=web-store'])).find((r) => r.STATUS === 'Pending')?.NAME, 'a Pending fourth web-server');
    assert.match(await schedulingMessage(pending), /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\. preemption: 0\/3 nodes are available: 3 No preemption victims found for incoming pod\.\.$/);
    await remove('deployment', 'redis-cache', 'web-server');
  });

  it('Pod Topology Spread Constraints: zones A (host01, host02) and B (host03); mypod goes to zone B, mypod2 also spreads across nodes', async () => {
    await ok(['label', 'nodes', 'host01', 'host02', 'zone=zoneA']);
    await ok(['label', 'nodes', 'host03', 'zone=zoneB']);
    for (const n of ['host01', 'host02', 'host03']) await ok(['label', 'nodes', n, `node=${n}`]);
    // the page's starting point: p1, p2 in zone A, p3 in zone B
    for (const [p, n] of [['p1', 'host01'], ['p2', 'host02'], ['p3', 'host03']]) {
      await ok(['run', p, '--image=registry.k8s.io/pause:3.1', '-l', 'foo=bar', `--overrides={"spec":{"nodeName":"${n}"}}`]);
    }
    await apply(ONE_CONSTRAINT);
    await ready('mypod');
    assert.equal(await nodeOf('mypod'), 'host03');
    // zones now 2 and 2; host03 holds two: the node constraint keeps mypod2 off it
    await apply(TWO_CONSTRAINTS);
    await ready('mypod2');
    assert.notEqual(await nodeOf('mypod2'), 'host03');
    // a third pod kept to zone B by its nodeSelector would make zone B 3 against 3: that fits; a
    // fourth there (4 against 3) does too, as zone A is not among its eligible domains (nodeAffinityPolicy Honor)
    await remove('pod', 'p1', 'p2', 'p3', 'mypod', 'mypod2');
    for (const n of ['host01', 'host02', 'host03']) await ok(['label', 'nodes', n, 'zone-', 'node-']);
  });

  it('Pod Priority and Preemption: the high-priority PriorityClass in kubectl get pc; a high-priority pod preempts a lower one', async () => {
    await apply(HIGH_PRIORITY);
    const pcs = await table(['pc']);
    assert.deepEqual(pcs.map((r) => [r.NAME, r.VALUE, r['GLOBAL-DEFAULT'], r.PREEMPTIONPOLICY]), [
      ['high-priority', '1000000', 'false', 'PreemptLowerPriority'],
      ['system-cluster-critical', '2000000000', 'false', 'PreemptLowerPriority'],
      ['system-node-critical', '2000001000', 'false', 'PreemptLowerPriority'],
    ]);
    const onHost01 = (name: string, cpu: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  nodeSelector:
    kubernetes.io/hostname: host01
  containers:
  - name: nginx
    image: nginx
    resources:
      requests:
        cpu: ${cpu}
${extra}`;
    await apply(onHost01('low', '1500m'));
    await ready('low');
    await apply(onHost01('high', '1000m', '  priorityClassName: high-priority\n'));
    await ready('high');
    const high = await json(['get', 'pod', 'high']);
    assert.deepEqual([high.spec.priority, high.spec.preemptionPolicy, high.status.nominatedNodeName], [1000000, 'PreemptLowerPriority', 'host01']);
    const lowEvents = await events('low');
    assert.ok(lowEvents.includes(`Preempted: Preempted by pod ${high.metadata.uid} on node host01`), lowEvents.join('\n'));
    await remove('pod', 'high', 'low');
    await remove('priorityclass', 'high-priority');
  });

  it('Pod Overhead: the RuntimeClass\'s podFixed overhead is set on test-pod and counted when scheduling (2 CPUs of limits fit a node, 2250m do not)', async () => {
    await apply(KATA_FC);
    await apply(TEST_POD);
    assert.equal(await ok(['get', 'pod', 'test-pod', '-o', 'jsonpath={.spec.overhead}']), '{"cpu":"250m","memory":"120Mi"}');
    // these nodes have 2 CPUs: the page's node had more, and would run it
    assert.equal(await schedulingMessage('test-pod'), '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
    await remove('pod', 'test-pod');
    await remove('runtimeclass', 'kata-fc');
  });
});
