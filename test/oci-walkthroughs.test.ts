// End-to-end: the seeds' pod walkthroughs and Kubernetes' image semantics with the real kubectl
// against `tskube up --runtime oci`. Images are built from Debian's busybox-static and pushed to a
// local registry (Debian's docker-registry on 127.0.0.1), which registries.yaml makes docker.io's
// mirror: the books' `image: busybox` and `image: nginx` are pulled from it as written.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_STATIC, DOCKER_REGISTRY, KUBECTL, describeNeeding, requireTool, ROOT, RUNC } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { buildBusyboxImage, pushImage, startRegistry, writeDockerSaveTar, type TestImage, type TestRegistry } from '../src/runtime/oci/testing/index.js';
import { kubectl, kubectlStream, parseTable, startCluster, waitFor, type Cluster } from './harness.js';

const run = promisify(execFile);
const REPO_ROOT = new URL('..', import.meta.url).pathname;

/** the CGI behind kubia-unhealthy's "/": 200 for the first five requests, 500 after (as the book's modified kubia) */
const KUBIA_CGI = `#!/bin/sh
n=$(cat /tmp/requests 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/requests
if [ $n -gt 5 ]; then
  printf 'Status: 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nI am not well. Please restart me!\\n'
else
  printf "Content-Type: text/plain\\r\\n\\r\\nYou've hit $(hostname)\\n"
fi
`;

/**
 * webLayer is /www for busybox's httpd: "/" is index.html, or, without one, /cgi-bin/index.cgi
 * (httpd's fallback for a directory without index.html).
 */
function webLayer(page: { index: string } | { cgi: string }) {
  return [
    { name: 'www', type: 'directory' as const },
    ...('index' in page
      ? [{ name: 'www/index.html', content: page.index }]
      : [{ name: 'www/cgi-bin', type: 'directory' as const }, { name: 'www/cgi-bin/index.cgi', content: page.cgi, mode: 0o755 }]),
  ];
}

describeNeeding('seed walkthroughs and image semantics with kubectl on tskube up --runtime oci', { timeout: 10 * 60_000, ...requireTool(ROOT, RUNC, DOCKER_REGISTRY, BUSYBOX_STATIC, KUBECTL, CNI_PLUGINS) }, () => {
  let reg: TestRegistry;
  let priv: TestRegistry;
  let cluster: Cluster;
  let dir: string;
  let busybox: TestImage;
  let saved: TestImage;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-oci-walk-'));
    [reg, priv] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { user: 'alice', password: 'wonderland' } })]);
    busybox = await buildBusyboxImage();
    // nginx stops at SIGTERM: so does this one (httpd as PID 1 would ignore it until the grace period's SIGKILL)
    const nginx = await buildBusyboxImage({
      entrypoint: ['/bin/sh', '-c', "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait"], cmd: [],
      extraLayers: [webLayer({ index: 'Welcome to nginx!\n' })],
    });
    const kubia = await buildBusyboxImage({
      entrypoint: ['/bin/sh', '-c', 'echo "Kubia server starting..."; exec httpd -f -p 8080 -h /www'], cmd: [],
      extraLayers: [webLayer({ cgi: KUBIA_CGI })],
    });
    const tomcat = await buildBusyboxImage({ entrypoint: ['httpd', '-f', '-p', '8080', '-h', '/www'], cmd: [], extraLayers: [webLayer({ index: 'tomcat\n' })] });
    const table = await buildBusyboxImage({ entrypoint: ['/bin/echo', 'from-entrypoint'], cmd: ['from-cmd'], env: { FOO: 'image' }, workingDir: '/home/app', user: 'app' });
    await Promise.all([
      pushImage(reg.host, 'library/busybox:latest', busybox),
      pushImage(reg.host, 'library/nginx:latest', nginx),
      pushImage(reg.host, 'idealism/kubia-unhealthy:latest', kubia),
      pushImage(reg.host, 'kubeguide/tomcat-app:v1', tomcat),
      pushImage(reg.host, 'team/table:1', table),
      pushImage(priv.host, 'secret/busybox:1', busybox, { username: 'alice', password: 'wonderland' }),
    ]);
    saved = await buildBusyboxImage({ entrypoint: ['/bin/sh', '-c', 'echo "imported, running as $(id -u) in $(pwd)"'], cmd: [], workingDir: '/tmp', format: 'docker' });
    await writeDockerSaveTar(saved, join(dir, 'myapp.tar'), 'myapp:1.0');
    // docker.io's mirror is the local registry (k3s's registries.yaml): the seeds' image names as written
    writeFileSync(join(dir, 'registries.yaml'), `mirrors:\n  docker.io:\n    endpoint: ["http://${reg.host}"]\n`);
    cluster = await startCluster({ nodes: 1, extraArgs: ['--runtime', 'oci', '--registries', join(dir, 'registries.yaml')] });
    await waitFor(async () => /\bReady\b/.test((await kubectl(cluster, ['get', 'nodes', '--no-headers'])).stdout), 'host01 Ready', 480);
  }, { timeout: 3 * 60_000 });

  after(async () => {
    await cluster?.stop();
    await Promise.all([reg?.stop(), priv?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 120_000 });

  const k = (...args: string[]) => kubectl(cluster, args);
  const apply = async (yaml: string) => {
    const r = await kubectl(cluster, ['apply', '-f', '-'], { input: yaml });
    assert.equal(r.code, 0, r.stderr);
  };
  const podRow = async (name: string): Promise<Record<string, string>> => parseTable((await k('get', 'pod', name)).stdout).rows[0] ?? {};
  const restarts = (row: Record<string, string>) => Number((row.RESTARTS ?? '0').split(' ')[0]);
  const podJson = async (name: string) => JSON.parse((await k('get', 'pod', name, '-o', 'json')).stdout);
  const podJsonIn = async (ns: string, name: string) => JSON.parse((await k('-n', ns, 'get', 'pod', name, '-o', 'json')).stdout);
  async function statusOf(name: string, want: string): Promise<Record<string, string>> {
    return waitFor(async () => {
      const row = await podRow(name);
      return row.STATUS === want ? row : undefined;
    }, `pod ${name} ${want}`, 480);
  }

  it('seed 000 7.1: the counter Job of busybox completes, kubectl logs jobs/counter counts 1 2 3, and the pod\'s events are the kubelet\'s pull, create and start', async () => {
    const created = await kubectl(cluster, ['create', '-f', '-'], { input: `apiVersion: batch/v1
kind: Job
metadata:
  name: counter
spec:
  template:
    metadata:
      name: counter
    spec:
      containers:
      - name: counter
        image: busybox
        command:
         - "sh"
         - "-c"
         - "for i in 1 2 3 ; do echo $i ; done"
      restartPolicy: Never
` });
    assert.equal(created.stdout, 'job.batch/counter created\n', created.stderr);
    const job = await waitFor(async () => {
      const row = parseTable((await k('get', 'jobs')).stdout).rows.find((r) => r.NAME === 'counter');
      return row?.COMPLETIONS === '1/1' ? row : undefined;
    }, 'counter 1/1', 480);
    assert.equal(job.STATUS, 'Complete');
    assert.equal((await k('logs', 'jobs/counter')).stdout, '1\n2\n3\n');
    const pods = parseTable((await k('get', 'pods', '-l', 'job-name=counter')).stdout).rows;
    assert.equal(pods.length, 1);
    assert.deepEqual([pods[0].READY, pods[0].STATUS, pods[0].RESTARTS], ['0/1', 'Completed', '0']);
    const describe = (await k('describe', 'pod', pods[0].NAME)).stdout;
    assert.match(describe, /Normal\s+Pulling\s+.*kubelet\s+Pulling image "busybox"\n/);
    assert.match(describe, /Normal\s+Pulled\s+.*kubelet\s+Successfully pulled image "busybox" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: \d+ bytes\.\n/);
    assert.match(describe, /Normal\s+Created\s+.*kubelet\s+Created container counter\n/);
    assert.match(describe, /Normal\s+Started\s+.*kubelet\s+Started container counter\n/);
    assert.match(describe, /Image:\s+busybox\n\s+Image ID:\s+docker\.io\/library\/busybox@sha256:[0-9a-f]{64}\n/);
  });

  it('seed 002: the nginx pod (image: nginx) is Running with its own IP on host01; describe shows Scheduled, Pulling, Pulled, Created, Started; kubectl delete -f removes it', async () => {
    const manifest = `---
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx
`;
    const applied = await kubectl(cluster, ['apply', '-f', '-'], { input: manifest });
    assert.equal(applied.stdout, 'pod/nginx created\n', applied.stderr);
    const row = await waitFor(async () => {
      const r = parseTable((await k('get', 'pods', '-o', 'wide')).stdout).rows.find((x) => x.NAME === 'nginx');
      return r?.STATUS === 'Running' ? r : undefined;
    }, 'nginx Running', 480);
    assert.deepEqual([row.READY, row.RESTARTS, row.NODE], ['1/1', '0', 'host01']);
    assert.match(row.IP, /^\d+\.\d+\.\d+\.\d+$/);
    const describe = (await k('describe', 'pod', 'nginx')).stdout;
    assert.match(describe, /^Namespace:\s+default$/m);
    assert.match(describe, /Container ID:\s+runc:\/\/[0-9a-f]{64}\n/);
    const reasons = [...describe.slice(describe.indexOf('Events:')).matchAll(/^\s+(Normal|Warning)\s+(\w+)\s/gm)].map((m) => m[2]);
    assert.deepEqual(reasons, ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
    assert.match(describe, /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/nginx to host01\n/);
    // the image's ENTRYPOINT (httpd) answers on the pod's IP
    assert.equal((await k('exec', 'nginx', '--', 'wget', '-qO-', `http://${row.IP}/`)).stdout, 'Welcome to nginx!\n');
    const deleted = await kubectl(cluster, ['delete', '-f', '-'], { input: manifest });
    assert.equal(deleted.stdout, 'pod "nginx" deleted\n', deleted.stderr);
    assert.match((await k('get', 'pod', 'nginx')).stderr, /pods "nginx" not found/);
  });

  it('seed 004: the exec liveness probe (cat /tmp/health) fails with busybox\'s own wording once the file is gone, and the container restarts', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  labels:
    test: liveness
  name: liveness-exec
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: liveness
    image: busybox
    args:
    - /bin/sh
    - -c
    - echo ok > /tmp/health; sleep 3; rm -rf /tmp/health; sleep 600
    livenessProbe:
      exec:
        command:
        - cat
        - /tmp/health
      initialDelaySeconds: 1
      periodSeconds: 1
      failureThreshold: 1
      timeoutSeconds: 1
`);
    await waitFor(async () => restarts(await podRow('liveness-exec')) >= 1, 'a restart of liveness-exec', 480);
    const describe = (await k('describe', 'pod', 'liveness-exec')).stdout;
    assert.match(describe, /Liveness:\s+exec \[cat \/tmp\/health\] delay=1s timeout=1s period=1s #success=1 #failure=1\n/);
    assert.match(describe, /Warning\s+Unhealthy\s+.*Liveness probe failed: cat: can't open '\/tmp\/health': No such file or directory\n/);
    assert.match(describe, /Normal\s+Killing\s+.*Container liveness failed liveness probe, will be restarted\n/);
    // the image's busybox: a restarted container starts from the image's files again
    await waitFor(async () => (await podRow('liveness-exec')).STATUS === 'Running', 'liveness-exec Running again', 480);
  });

  it('seed 001: the httpGet liveness probe of kubia-unhealthy (the image\'s ENTRYPOINT, busybox httpd) restarts it; describe shows 137, Unhealthy and Killing; logs --previous', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: kubia-liveness
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - image: idealism/kubia-unhealthy
      name: kubia
      ports:
        - containerPort: 8080
          protocol: TCP
      livenessProbe:
        httpGet:
          port: 8080
          path: /
        initialDelaySeconds: 1
        periodSeconds: 1
        failureThreshold: 2
`);
    const row = await waitFor(async () => {
      const r = await podRow('kubia-liveness');
      return restarts(r) >= 1 && r.STATUS === 'Running' ? r : undefined;
    }, 'a restart of kubia-liveness', 480);
    assert.equal(row.READY, '1/1');
    const describe = (await k('describe', 'pod', 'kubia-liveness')).stdout;
    assert.match(describe, /State:\s+Running\n\s+Started:.*\n\s+Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+137\n/);
    assert.match(describe, /Restart Count:\s+[1-9]/);
    assert.match(describe, /Liveness:\s+http-get http:\/\/:8080\/ delay=1s timeout=1s period=1s #success=1 #failure=2\n/);
    assert.match(describe, /Warning\s+Unhealthy\s+.*Liveness probe failed: HTTP probe failed with statuscode: 500\n/);
    assert.match(describe, /Normal\s+Killing\s+.*Container kubia failed liveness probe, will be restarted\n/);
    const prev = await k('logs', 'kubia-liveness', '--previous');
    assert.equal(prev.code, 0, prev.stderr);
    assert.equal(prev.stdout, 'Kubia server starting...\n');
  });

  it('seed 004: ConfigMap cm-appvars as env (valueFrom and envFrom): cm-test-pod prints APPDATADIR and APPLOGLEVEL and is Completed', async () => {
    await apply(`apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-appvars
data:
  apploglevel: info
  appdatadir: /var/data
---
apiVersion: v1
kind: Pod
metadata:
 name: cm-test-pod
spec:
 containers:
 - name: cm-test
   image: busybox
   command: [ "/bin/sh", "-c", "env | grep APP" ]
   env:
   - name: APPLOGLEVEL
     valueFrom:
       configMapKeyRef:
         name: cm-appvars
         key: apploglevel
   - name: APPDATADIR
     valueFrom:
       configMapKeyRef:
         name: cm-appvars
         key: appdatadir
 restartPolicy: Never
---
apiVersion: v1
kind: Pod
metadata:
  name: cm-envfrom
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["/bin/sh", "-c", "env | grep ^CM_ | sort"]
    envFrom:
    - configMapRef: {name: cm-appvars}
      prefix: CM_
`);
    const row = await statusOf('cm-test-pod', 'Completed');
    assert.deepEqual([row.READY, row.RESTARTS], ['0/1', '0']);
    assert.deepEqual((await k('logs', 'cm-test-pod')).stdout.trim().split('\n').sort(), ['APPDATADIR=/var/data', 'APPLOGLEVEL=info']);
    await statusOf('cm-envfrom', 'Completed');
    assert.equal((await k('logs', 'cm-envfrom')).stdout, 'CM_appdatadir=/var/data\nCM_apploglevel=info\n');
  });

  it('seed 004: ConfigMap cm-appconfigfiles as a volume, with items (server.xml, logging.properties) and without (the keys), in kubeguide/tomcat-app', async () => {
    const serverXml = '<?xml version=\'1.0\' encoding=\'utf-8\'?>\n<Server port="8005" shutdown="SHUTDOWN">\n</Server>\n';
    await apply(`apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-appconfigfiles
data:
  key-serverxml: ${JSON.stringify(serverXml)}
  key-loggingproperties: "handlers = 1catalina.org.apache.juli.FileHandler, java.util.logging.ConsoleHandler\\r\\n"
---
apiVersion: v1
kind: Pod
metadata:
  name: cm-test-app
spec:
  containers:
  - name: cm-test-app
    image: kubeguide/tomcat-app:v1
    ports:
    - containerPort: 8080
    volumeMounts:
    - name: serverxml
      mountPath: /configfiles
  volumes:
  - name: serverxml
    configMap:
      name: cm-appconfigfiles
      items:
      - key: key-serverxml
        path: server.xml
      - key: key-loggingproperties
        path: logging.properties
`);
    await statusOf('cm-test-app', 'Running');
    assert.equal((await k('exec', 'cm-test-app', '--', 'cat', '/configfiles/server.xml')).stdout, serverXml);
    assert.match((await k('exec', 'cm-test-app', '--', 'cat', '/configfiles/logging.properties')).stdout, /^handlers = 1catalina\.org\.apache\.juli\.FileHandler/);
    assert.equal((await k('exec', 'cm-test-app', '--', 'ls', '/configfiles')).stdout, 'logging.properties\nserver.xml\n');
    // the image's own ENTRYPOINT serves on 8080
    assert.equal((await k('exec', 'cm-test-app', '--', 'wget', '-qO-', 'http://127.0.0.1:8080/')).stdout, 'tomcat\n');
    // the book's second version: no items, imagePullPolicy Never (the image is on the node now)
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: cm-test-app-keys
spec:
  containers:
  - name: cm-test-app
    image: kubeguide/tomcat-app:v1
    imagePullPolicy: Never
    ports:
    - containerPort: 8080
    volumeMounts:
    - name: serverxml
      mountPath: /configfiles
  volumes:
  - name: serverxml
    configMap:
      name: cm-appconfigfiles
`);
    await statusOf('cm-test-app-keys', 'Running');
    assert.equal((await k('exec', 'cm-test-app-keys', '--', 'ls', '/configfiles')).stdout, 'key-loggingproperties\nkey-serverxml\n');
    assert.match((await k('describe', 'pod', 'cm-test-app-keys')).stdout, /Normal\s+Pulled\s+.*Container image "kubeguide\/tomcat-app:v1" already present on machine\n/);
  });

  it('kubectl debug --target: an ephemeral busybox container pulled for the running pod sees its target\'s processes (httpd, from tomcat-app\'s ENTRYPOINT)', async () => {
    const r = await kubectl(cluster, ['debug', '-i', 'cm-test-app', '--image=busybox', '--target=cm-test-app', '--container=dbg', '--',
      'sh', '-c', 'read line; echo "got $line"; tr "\\0" " " < /proc/1/cmdline; echo; busybox | head -1'], { input: 'hello\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^got hello\nhttpd -f -p 8080 -h \/www \nBusyBox v1\./m);
    const st = await waitFor(async () => {
      const pod = await podJson('cm-test-app');
      const s = (pod.status.ephemeralContainerStatuses ?? []).find((x: { name: string }) => x.name === 'dbg');
      return s?.state?.terminated ? s : undefined;
    }, 'dbg terminated', 480);
    assert.equal(st.state.terminated.exitCode, 0);
    assert.equal(st.imageID, `docker.io/library/busybox@${busybox.manifest.digest}`);
    // the pod goes on, its container untouched
    const row = await podRow('cm-test-app');
    assert.deepEqual([row.STATUS, row.RESTARTS], ['Running', '0']);
  });

  it('kubectl cp into and out of an oci pod (tar through runc exec, byte for byte)', async () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    writeFileSync(join(dir, 'blob.bin'), data);
    const up = await k('cp', join(dir, 'blob.bin'), 'cm-test-app:/tmp/blob.bin');
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await k('exec', 'cm-test-app', '--', 'wc', '-c', '/tmp/blob.bin')).stdout.trim(), `${data.length} /tmp/blob.bin`);
    const down = await k('cp', 'cm-test-app:/tmp/blob.bin', join(dir, 'blob-back.bin'));
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(join(dir, 'blob-back.bin')).equals(data));
  });

  // The cluster's stop in after() also proves the agent's server closes with a forwarded connection behind it.
  it('kubectl port-forward to an oci pod\'s server', async () => {
    const pf = kubectlStream(cluster, ['port-forward', 'pod/cm-test-app', ':8080']);
    try {
      const port = await waitFor(async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.stdout())?.[1], 'port-forward ready', 480);
      const res = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'tomcat\n');
    } finally {
      await pf.kill();
    }
  });

  it('seed 000 7.5: the nginx Deployment\'s init container checkbackend waits (Init:0/1), then the webserver runs from the image\'s ENTRYPOINT', async () => {
    const flagDir = join(dir, 'backend');
    await apply(`kind: Deployment
apiVersion: apps/v1
metadata:
  name: nginx
spec:
  replicas: 1
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: webserver
        image: nginx
        ports:
        - containerPort: 80
      initContainers:
      - name: checkbackend
        image: busybox
        command: ['sh', '-c', 'until [ -f /backend/up ]; do echo "Waiting for backend to come up"; sleep 1; done; echo "Backend is up, ready to launch web server"']
        volumeMounts:
        - {name: backend, mountPath: /backend}
      volumes:
      - name: backend
        hostPath: {path: ${flagDir}, type: DirectoryOrCreate}
`);
    const pod = await waitFor(async () => parseTable((await k('get', 'po', '-l', 'app=nginx')).stdout).rows.find((r) => r.STATUS === 'Init:0/1'), 'nginx Init:0/1', 480);
    assert.equal(pod.READY, '0/1');
    await waitFor(async () => /Waiting for backend to come up/.test((await k('logs', pod.NAME, '-c', 'checkbackend')).stdout), 'checkbackend waiting', 480);
    writeFileSync(join(flagDir, 'up'), '');
    const row = await statusOf(pod.NAME, 'Running');
    assert.deepEqual([row.READY, row.RESTARTS], ['1/1', '0']);
    const logs = (await k('logs', pod.NAME, '-c', 'checkbackend')).stdout;
    assert.match(logs, /^Waiting for backend to come up\n/);
    assert.match(logs, /\nBackend is up, ready to launch web server\n$/);
    assert.equal((await k('exec', pod.NAME, '-c', 'webserver', '--', 'wget', '-qO-', 'http://127.0.0.1/')).stdout, 'Welcome to nginx!\n');
  });

  it('kubectl run of a wrong image name: ErrImagePull, then ImagePullBackOff, with the kubelet\'s events in describe', async () => {
    const image = `${reg.host}/library/nosuchimage:1.0`;
    // watch first (kubectl -v=6 logs the watch request once the server answered it), so no state is missed
    const watch = kubectlStream(cluster, ['get', 'pods', '--field-selector', 'metadata.name=wrong', '-w', '--no-headers', '-v=6',
      '-o', 'custom-columns=STATUS:.status.containerStatuses[0].state.waiting.reason']);
    try {
      await waitFor(async () => /[?&]watch=true.* 200 OK/.test(watch.stderr()), 'the watch of pod wrong', 480);
      const r = await k('run', 'wrong', `--image=${image}`);
      assert.equal(r.stdout, 'pod/wrong created\n', r.stderr);
      await waitFor(async () => /ImagePullBackOff/.test(watch.stdout()), 'ImagePullBackOff', 480);
    } finally {
      await watch.kill();
    }
    const seen = watch.stdout().split('\n').map((l) => l.trim());
    assert.ok(seen.includes('ErrImagePull'), seen.join(','));
    assert.ok(seen.indexOf('ErrImagePull') < seen.indexOf('ImagePullBackOff'), seen.join(','));
    // past the back-off (10 s, doubling) the kubelet pulls again: ErrImagePull once more, then ImagePullBackOff
    assert.match((await podRow('wrong')).STATUS ?? '', /^(ImagePullBackOff|ErrImagePull)$/);
    // the waiting message: the pull error, or during the back-off the kubelet's "Back-off pulling image" with the previous error
    const waiting = (await podJson('wrong')).status.containerStatuses[0].state.waiting as { reason: string; message: string };
    const notFound = `failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
    assert.equal(waiting.message, waiting.reason === 'ImagePullBackOff' ? `Back-off pulling image "${image}": ErrImagePull: ${notFound}` : notFound);
    const describe = (await k('describe', 'pod', 'wrong')).stdout;
    assert.match(describe, /State:\s+Waiting\n\s+Reason:\s+(ImagePullBackOff|ErrImagePull)\n/);
    assert.match(describe, new RegExp(`Normal\\s+Pulling\\s+.*Pulling image "${image}"\\n`));
    assert.match(describe, new RegExp(`Warning\\s+Failed\\s+.*Failed to pull image "${image}": .*${image}: not found\\n`));
    assert.match(describe, /Warning\s+Failed\s+.*Error: ErrImagePull\n/);
    assert.match(describe, new RegExp(`Normal\\s+BackOff\\s+.*Back-off pulling image "${image}"\\n`));
    assert.match(describe, /Warning\s+Failed\s+.*Error: ImagePullBackOff\n/);
  });

  it('imagePullPolicy Never with an image the node lacks: ErrImageNeverPull, worded as the kubelet', async () => {
    const image = `${reg.host}/library/busybox:absent`;
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: never-pull}
spec:
  containers:
  - {name: main, image: "${image}", imagePullPolicy: Never, command: ["sleep", "3600"]}
`);
    await statusOf('never-pull', 'ErrImageNeverPull');
    const describe = (await k('describe', 'pod', 'never-pull')).stdout;
    assert.match(describe, new RegExp(`Warning\\s+ErrImageNeverPull\\s+.*Container image "${image}" is not present with pull policy of Never\\n`));
    assert.match(describe, /Warning\s+Failed\s+.*Error: ErrImageNeverPull\n/);
    assert.doesNotMatch(describe, /Pulling image/);
  });

  it('a private registry with basic auth: a pod with an imagePullSecret from kubectl create secret docker-registry runs; one without fails with 401', async () => {
    const image = `${priv.host}/secret/busybox:1`;
    const secret = await k('create', 'secret', 'docker-registry', 'regcred', `--docker-server=${priv.host}`, '--docker-username=alice', '--docker-password=wonderland', '--docker-email=alice@example.com');
    assert.equal(secret.stdout, 'secret/regcred created\n', secret.stderr);
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: private-ok}
spec:
  imagePullSecrets: [{name: regcred}]
  containers:
  - {name: main, image: "${image}", command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: private-denied}
spec:
  containers:
  - {name: main, image: "${image}", imagePullPolicy: Always, command: ["sleep", "3600"]}
`);
    await statusOf('private-ok', 'Running');
    assert.equal((await podJson('private-ok')).status.containerStatuses[0].imageID, `${priv.host}/secret/busybox@${busybox.manifest.digest}`);
    await waitFor(async () => ['ErrImagePull', 'ImagePullBackOff'].includes((await podRow('private-denied')).STATUS ?? ''), 'private-denied ErrImagePull', 480);
    const describe = (await k('describe', 'pod', 'private-denied')).stdout;
    assert.match(describe, new RegExp(`Warning\\s+Failed\\s+.*Failed to pull image "${image}": .*401 Unauthorized\\n`));
  });

  it('imagePullSecrets of the namespace\'s default ServiceAccount reach its pods (the ServiceAccount admission), which then pull from the private registry', async () => {
    const image = `${priv.host}/secret/busybox:1`;
    assert.equal((await k('create', 'namespace', 'team')).code, 0);
    await waitFor(async () => (await k('-n', 'team', 'get', 'serviceaccount', 'default')).code === 0, 'team/default ServiceAccount', 480);
    const secret = await k('-n', 'team', 'create', 'secret', 'docker-registry', 'regcred', `--docker-server=${priv.host}`, '--docker-username=alice', '--docker-password=wonderland');
    assert.equal(secret.code, 0, secret.stderr);
    const patched = await k('-n', 'team', 'patch', 'serviceaccount', 'default', '-p', '{"imagePullSecrets": [{"name": "regcred"}]}');
    assert.equal(patched.stdout, 'serviceaccount/default patched\n', patched.stderr);
    assert.equal((await k('-n', 'team', 'run', 'via-sa', `--image=${image}`, '--', 'sleep', '3600')).code, 0);
    assert.deepEqual((await podJsonIn('team', 'via-sa')).spec.imagePullSecrets, [{ name: 'regcred' }]);
    await waitFor(async () => (await podJsonIn('team', 'via-sa')).status.phase === 'Running', 'team/via-sa Running', 480);
  });

  it('tskube images import of a docker save tarball, then a pod runs it with imagePullPolicy Never (its ENTRYPOINT and WorkingDir)', async () => {
    const imported = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'images', 'import', join(dir, 'myapp.tar'), '--data-dir', cluster.dataDir], { cwd: REPO_ROOT });
    assert.match(imported.stdout, /Loaded image: docker\.io\/library\/myapp:1\.0\n/);
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: imported}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: "myapp:1.0", imagePullPolicy: Never}
`);
    await statusOf('imported', 'Completed');
    assert.equal((await k('logs', 'imported')).stdout, 'imported, running as 0 in /tmp\n');
    assert.match((await k('describe', 'pod', 'imported')).stdout, /Container image "myapp:1\.0" already present on machine/);
  });

  it('the image\'s ENTRYPOINT, CMD, Env, WorkingDir and USER combined with command, args, env and workingDir as Kubernetes does', async () => {
    const image = `${reg.host}/team/table:1`;
    const cases: { name: string; container: Record<string, unknown>; want: string }[] = [
      // neither: ENTRYPOINT + CMD
      { name: 'table-none', container: {}, want: 'from-entrypoint from-cmd\n' },
      // args only: ENTRYPOINT + args (CMD dropped); $(FOO) is the kubelet's expansion, which knows the
      // container's variables only, not the image's ENV: it stays as written
      { name: 'table-args', container: { args: ['my-arg', '$(FOO)'] }, want: 'from-entrypoint my-arg $(FOO)\n' },
      // command only: CMD is not appended; the image's Env, WorkingDir and USER still apply
      { name: 'table-command', container: { command: ['sh', '-c', 'echo $FOO $(pwd) $(id -un) "args:$*"', 'sh'] }, want: 'image /home/app app args:\n' },
      // command and args, env over the image's, workingDir and runAsUser over WorkingDir and USER
      {
        name: 'table-both',
        // ($(FOO) expanded by the kubelet from the container's env; $(pwd) and $(id -u) name no variable: left to the shell)
        container: { command: ['sh', '-c'], args: ['echo $FOO $(pwd) $(id -u) $(FOO)'], env: [{ name: 'FOO', value: 'pod' }], workingDir: '/tmp', securityContext: { runAsUser: 0 } },
        want: 'pod /tmp 0 pod\n',
      },
    ];
    for (const c of cases) {
      await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: c.name }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image, ...c.container }] } }));
    }
    for (const c of cases) {
      await statusOf(c.name, 'Completed');
      assert.equal((await k('logs', c.name)).stdout, c.want, c.name);
    }
  });

  it('a tag moved in the registry: Always pulls the new image, IfNotPresent keeps the node\'s copy; a digest reference defaults to IfNotPresent', async () => {
    const v1 = await buildBusyboxImage({ entrypoint: ['/bin/sh', '-c', 'echo version $VERSION'], cmd: [], env: { VERSION: '1' } });
    const v2 = await buildBusyboxImage({ entrypoint: ['/bin/sh', '-c', 'echo version $VERSION'], cmd: [], env: { VERSION: '2' } });
    const moving = `${reg.host}/team/moving:v`;
    const runPod = async (name: string, image: string, policy?: string) => {
      await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image, ...(policy ? { imagePullPolicy: policy } : {}) }] } }));
      await statusOf(name, 'Completed');
      const pod = await podJson(name);
      return { logs: (await k('logs', name)).stdout, imageID: pod.status.containerStatuses[0].imageID as string, policy: pod.spec.containers[0].imagePullPolicy as string };
    };
    await pushImage(reg.host, 'team/moving:v', v1);
    assert.deepEqual(await runPod('moving-1', moving), { logs: 'version 1\n', imageID: `${reg.host}/team/moving@${v1.manifest.digest}`, policy: 'IfNotPresent' });
    await pushImage(reg.host, 'team/moving:v', v2);
    // IfNotPresent (a tag other than latest): the node's copy, the old image
    assert.equal((await runPod('moving-2', moving)).logs, 'version 1\n');
    assert.deepEqual(await runPod('moving-3', moving, 'Always'), { logs: 'version 2\n', imageID: `${reg.host}/team/moving@${v2.manifest.digest}`, policy: 'Always' });
    // now the tag names the new image on the node too
    assert.equal((await runPod('moving-4', moving, 'IfNotPresent')).logs, 'version 2\n');
    // by digest: the old image, IfNotPresent by default (no pull: it is on the node)
    const byDigest = await runPod('moving-5', `${reg.host}/team/moving@${v1.manifest.digest}`);
    assert.deepEqual(byDigest, { logs: 'version 1\n', imageID: `${reg.host}/team/moving@${v1.manifest.digest}`, policy: 'IfNotPresent' });
    assert.match((await k('describe', 'pod', 'moving-5')).stdout, /Container image ".*@sha256:[0-9a-f]{64}" already present on machine/);
  });

  it('containerStatuses[].imageID is the repo digest and .image the normalized name; kubectl get node lists the pulled images in .status.images', async () => {
    const status = (await podJson('cm-test-pod')).status.containerStatuses[0];
    assert.equal(status.imageID, `docker.io/library/busybox@${busybox.manifest.digest}`);
    assert.equal(status.image, 'docker.io/library/busybox:latest');
    // the node's status is updated periodically: wait for the imported image too
    const images = await waitFor(async () => {
      const list = JSON.parse((await k('get', 'node', 'host01', '-o', 'jsonpath={.status.images}')).stdout || '[]') as { names: string[]; sizeBytes: number }[];
      return list.some((i) => i.names.includes('docker.io/library/myapp:1.0')) ? list : undefined;
    }, 'myapp:1.0 in the node\'s images', 480);
    const bb = images.find((i) => i.names.includes(`docker.io/library/busybox@${busybox.manifest.digest}`));
    assert.ok(bb, JSON.stringify(images));
    assert.ok(bb.names.includes('docker.io/library/busybox:latest'), JSON.stringify(bb));
    assert.ok(bb.sizeBytes > 0);
    // the kubelet's Pulled event gives the same size
    const pulled = (await k('get', 'events', '--field-selector', 'involvedObject.name=cm-test-pod,reason=Pulled', '-o', 'jsonpath={.items[0].message}')).stdout;
    assert.match(pulled, new RegExp(`^Successfully pulled image "busybox" in .* Image size: ${bb.sizeBytes} bytes\\.$`));
    assert.ok(images.some((i) => i.names.includes('docker.io/library/myapp:1.0')), JSON.stringify(images.map((i) => i.names)));
    assert.ok(!images.some((i) => i.names.some((n) => n.includes('nosuchimage'))));
  });
});
