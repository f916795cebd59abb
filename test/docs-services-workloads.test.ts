// End-to-end: kubernetes.io's Services and workloads pages replayed with the real kubectl and the pages'
// own manifests against `tskube up`: Connecting Applications with Services, Debug Services, Perform a
// Rolling Update on a DaemonSet, Running Automated Tasks with a CronJob, Indexed Job for Parallel
// Processing with Static Work Assignment, and the port-forward forms of Use Port Forwarding to Access
// Applications in a Cluster with a mongo:4.2 (names, ages and addresses aside).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startCluster, kubectl, kubectlStream, parseTable, waitFor, type Cluster, kubectlOk, kubectlJson } from './harness.js';
import { BUSYBOX_STATIC, describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE, type SystemTool } from '../src/testing/system-tools.js';
import { RUN_MY_NGINX } from './fixtures/docs-examples.js';

/** CURL is the host's curl, which the catalog's curl images (radial/busyboxplus:curl, curlimages/curl) run. */
const CURL: SystemTool = { name: 'curl', path: '/usr/bin/curl', apt: 'curl' };
/** OPENSSL makes the tutorial's self-signed certificate (its manual steps). */
const OPENSSL: SystemTool = { name: 'openssl', path: '/usr/bin/openssl', apt: 'openssl' };

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input, timeoutMs: 120_000 });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const json = (args: string[]) => kubectlJson(c, args);
/** podNames lists the names of the pods a label selector finds. */
const podNames = async (selector: string) => (await ok(['get', 'pods', '-l', selector, '-o', 'name'])).trim().split('\n').filter(Boolean).map((n) => n.replace(/^pod\//, ''));
/** podIPs is the page's go-template listing, one IP a line. */
const podIPs = async (selector: string) => (await ok(['get', 'pods', '-l', selector, '-o', 'go-template={{range .items}}{{.status.podIP}}{{"\\n"}}{{end}}'])).trim().split('\n');

// Connecting Applications with Services (service/networking/run-my-nginx.yaml, nginx-secure-app.yaml, curlpod.yaml)
const DEFAULT_CONF = `server {
        listen 80 default_server;
        listen [::]:80 default_server ipv6only=on;

        listen 443 ssl;

        root /usr/share/nginx/html;
        index index.html;

        server_name localhost;
        ssl_certificate /etc/nginx/ssl/tls.crt;
        ssl_certificate_key /etc/nginx/ssl/tls.key;

        location / {
                try_files $uri $uri/ =404;
        }
}
`;
const NGINX_SECURE_APP = `apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  labels:
    run: my-nginx
spec:
  type: NodePort
  ports:
  - port: 8080
    targetPort: 80
    protocol: TCP
    name: http
  - port: 443
    protocol: TCP
    name: https
  selector:
    run: my-nginx
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-nginx
spec:
  selector:
    matchLabels:
      run: my-nginx
  replicas: 1
  template:
    metadata:
      labels:
        run: my-nginx
    spec:
      volumes:
      - name: secret-volume
        secret:
          secretName: nginxsecret
      - name: configmap-volume
        configMap:
          name: nginxconfigmap
      containers:
      - name: nginxhttps
        image: bprashanth/nginxhttps:1.0
        ports:
        - containerPort: 443
        - containerPort: 80
        volumeMounts:
        - mountPath: /etc/nginx/ssl
          name: secret-volume
        - mountPath: /etc/nginx/conf.d
          name: configmap-volume
`;
const CURLPOD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: curl-deployment
spec:
  selector:
    matchLabels:
      app: curlpod
  replicas: 1
  template:
    metadata:
      labels:
        app: curlpod
    spec:
      volumes:
      - name: secret-volume
        secret:
          secretName: nginxsecret
      containers:
      - name: curlpod
        command:
        - sh
        - -c
        - while true; do sleep 1; done
        image: docker.io/curlimages/curl:8.18.0
        volumeMounts:
        - mountPath: /etc/nginx/ssl
          name: secret-volume
`;
// Use Port Forwarding to Access Applications in a Cluster (application/mongodb/mongo-deployment.yaml, mongo-service.yaml)
const MONGO_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mongo
  labels:
    app.kubernetes.io/name: mongo
    app.kubernetes.io/component: backend
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: mongo
      app.kubernetes.io/component: backend
  replicas: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/name: mongo
        app.kubernetes.io/component: backend
    spec:
      containers:
      - name: mongo
        image: mongo:4.2
        args:
          - --bind_ip
          - 0.0.0.0
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 27017
`;
const MONGO_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: mongo
  labels:
    app.kubernetes.io/name: mongo
    app.kubernetes.io/component: backend
spec:
  ports:
  - port: 27017
    targetPort: 27017
  selector:
    app.kubernetes.io/name: mongo
    app.kubernetes.io/component: backend
`;

/** bsonDoc encodes a flat document of int32 and string fields (enough for a command). */
function bsonDoc(fields: [string, number | string][]): Buffer {
  const parts = fields.map(([k, v]) => {
    const name = Buffer.from(`${k}\0`);
    if (typeof v === 'number') { const b = Buffer.alloc(4); b.writeInt32LE(v); return Buffer.concat([Buffer.from([0x10]), name, b]); }
    const str = Buffer.from(`${v}\0`);
    const n = Buffer.alloc(4); n.writeInt32LE(str.length);
    return Buffer.concat([Buffer.from([0x02]), name, n, str]);
  });
  const body = Buffer.concat(parts);
  const doc = Buffer.alloc(4 + body.length + 1);
  doc.writeInt32LE(doc.length);
  body.copy(doc, 4);
  return doc;
}

/** mongoPing sends db.runCommand({ ping: 1 }) on admin as one OP_MSG and resolves with the whole answer. */
function mongoPing(port: number): Promise<Buffer> {
  const doc = bsonDoc([['ping', 1], ['$db', 'admin']]);
  const head = Buffer.alloc(16);
  head.writeInt32LE(16 + 4 + 1 + doc.length, 0);
  head.writeInt32LE(7, 4);
  head.writeInt32LE(2013, 12);
  const msg = Buffer.concat([head, Buffer.alloc(4), Buffer.from([0]), doc]);
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(msg));
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= got.readInt32LE(0)) { s.end(); resolve(got); }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`connection closed after ${got.length} bytes`)));
  });
}
// Perform a Rolling Update on a DaemonSet (controllers/fluentd-daemonset.yaml; the update adds resources)
const FLUENTD_DAEMONSET = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd-elasticsearch
  namespace: kube-system
  labels:
    k8s-app: fluentd-logging
spec:
  selector:
    matchLabels:
      name: fluentd-elasticsearch
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  template:
    metadata:
      labels:
        name: fluentd-elasticsearch
    spec:
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      - key: node-role.kubernetes.io/master
        operator: Exists
        effect: NoSchedule
      containers:
      - name: fluentd-elasticsearch
        image: quay.io/fluentd_elasticsearch/fluentd:v2.5.2
        volumeMounts:
        - name: varlog
          mountPath: /var/log
        - name: varlibdockercontainers
          mountPath: /var/lib/docker/containers
          readOnly: true
      terminationGracePeriodSeconds: 30
      volumes:
      - name: varlog
        hostPath:
          path: /var/log
      - name: varlibdockercontainers
        hostPath:
          path: /var/lib/docker/containers
`;
const FLUENTD_DAEMONSET_UPDATE = FLUENTD_DAEMONSET.replace('        volumeMounts:\n',
  '        resources:\n          limits:\n            memory: 200Mi\n          requests:\n            cpu: 100m\n            memory: 200Mi\n        volumeMounts:\n');
// Running Automated Tasks with a CronJob (application/job/cronjob.yaml)
const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
`;
// Indexed Job for Parallel Processing with Static Work Assignment (application/job/indexed-job.yaml)
const INDEXED_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: 'indexed-job'
spec:
  completions: 5
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: 'input'
        image: 'docker.io/library/bash'
        command:
        - "bash"
        - "-c"
        - |
          items=(foo bar baz qux xyz)
          echo \${items[$JOB_COMPLETION_INDEX]} > /input/data.txt
        volumeMounts:
        - mountPath: /input
          name: input
      containers:
      - name: 'worker'
        image: 'docker.io/library/busybox'
        command:
        - "rev"
        - "/input/data.txt"
        volumeMounts:
        - mountPath: /input
          name: input
      volumes:
      - name: input
        emptyDir: {}
`;

describeNeeding('kubernetes.io Services and workloads pages with kubectl', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, BUSYBOX_STATIC, CURL) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
    // the CronJob's first run waits for the next minute: start it first, look at it last
    assert.equal(await ok(['create', '-f', '-'], CRONJOB), 'cronjob.batch/hello created\n');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Connecting Applications with Services: pod IPs, expose, describe svc, EndpointSlices, the Service in later pods\' environment, nslookup from busyboxplus:curl', async () => {
    await ok(['apply', '-f', '-'], RUN_MY_NGINX);
    await ok(['rollout', 'status', 'deployment/my-nginx', '--timeout=120s']);
    const ips = await podIPs('run=my-nginx');
    assert.equal(ips.length, 2);
    // custom-columns prints the podIPs list as Go prints it: [map[ip:10.244.3.4]]
    const cols = (await ok(['get', 'pods', '-l', 'run=my-nginx', '-o', 'custom-columns=POD_IP:.status.podIPs'])).trim().split('\n');
    assert.equal(cols[0], 'POD_IP');
    assert.deepEqual(cols.slice(1).sort(), ips.map((ip) => `[map[ip:${ip}]]`).sort());

    // the pods started before the Service: no MY_NGINX_ variables
    const [first] = await podNames('run=my-nginx');
    const before = await ok(['exec', first, '--', 'printenv']);
    assert.match(before, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
    assert.doesNotMatch(before, /MY_NGINX/);

    assert.equal(await ok(['expose', 'deployment/my-nginx']), 'service/my-nginx exposed\n');
    const svc = parseTable(await ok(['get', 'svc', 'my-nginx'])).rows[0];
    assert.deepEqual([svc.NAME, svc.TYPE, svc['EXTERNAL-IP'], svc['PORT(S)']], ['my-nginx', 'ClusterIP', '<none>', '80/TCP']);
    const clusterIP = svc['CLUSTER-IP'];
    const endpoints = ips.map((ip) => `${ip}:80`).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).join(',');
    const described = await waitFor(async () => {
      const d = await ok(['describe', 'svc', 'my-nginx']);
      return /^Endpoints:\s+\S+:80,\S+:80$/m.test(d) && d;
    }, 'both endpoints in describe svc');
    for (const line of ['Selector:                 run=my-nginx', 'Type:                     ClusterIP', 'IP Family Policy:         SingleStack',
      'IP Families:              IPv4', `IP:                       ${clusterIP}`, 'Port:                     <unset>  80/TCP', 'TargetPort:               80/TCP',
      'Session Affinity:         None', 'Events:                   <none>']) assert.ok(described.includes(`${line}\n`), `${line} in:\n${described}`);
    assert.deepEqual(/^Endpoints:\s+(\S+)$/m.exec(described)?.[1].split(',').sort(), endpoints.split(',').sort());
    const slice = parseTable(await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=my-nginx'])).rows;
    assert.equal(slice.length, 1);
    assert.match(slice[0].NAME, /^my-nginx-[a-z0-9]{5}$/);
    assert.deepEqual([slice[0].ADDRESSTYPE, slice[0].PORTS, slice[0].ENDPOINTS.split(',').sort().join(',')], ['IPv4', '80', [...ips].sort().join(',')]);

    // killing the pods: the new ones get the Service's variables
    await ok(['scale', 'deployment', 'my-nginx', '--replicas=0']);
    await ok(['scale', 'deployment', 'my-nginx', '--replicas=2']);
    await ok(['rollout', 'status', 'deployment/my-nginx', '--timeout=120s']);
    const fresh = await waitFor(async () => { const n = await podNames('run=my-nginx'); return n.length === 2 && !n.includes(first) && n; }, 'two new my-nginx pods');
    const env = (await ok(['exec', fresh[0], '--', 'printenv'])).split('\n').filter((l) => l.includes('SERVICE')).sort();
    assert.deepEqual(env, ['KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'KUBERNETES_SERVICE_PORT_HTTPS=443',
      `MY_NGINX_SERVICE_HOST=${clusterIP}`, 'MY_NGINX_SERVICE_PORT=80']);

    const dns = parseTable(await ok(['get', 'services', 'kube-dns', '--namespace=kube-system'])).rows[0];
    assert.deepEqual([dns.TYPE, dns['CLUSTER-IP'], dns['PORT(S)']], ['ClusterIP', '10.96.0.10', '53/UDP,53/TCP']);
    // the page's curl pod, run with a command instead of its prompt
    const run = await k(['run', 'curl', '--image=radial/busyboxplus:curl', '-i', '--rm', '--restart=Never', '--', 'sh', '-c', 'nslookup my-nginx; curl -s my-nginx']);
    assert.match(run.stdout, /^Server:\s+10\.96\.0\.10\n/, run.stdout + run.stderr);
    assert.ok(run.stdout.includes(`Name:\tmy-nginx.default.svc.cluster.local\nAddress: ${clusterIP}\n`), run.stdout);
    assert.match(run.stdout, /<title>Welcome to nginx!<\/title>/);
    assert.match(run.stdout, /pod "curl" deleted/);
  });

  it('Connecting Applications with Services, securing it: a TLS secret and the default.conf ConfigMap, nginxhttps on 443, curl --cacert from the curl pod', { ...requireTool(OPENSSL) }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-nodes', '-days', '365', '-newkey', 'rsa:2048', '-keyout', join(dir, 'nginx.key'), '-out', join(dir, 'nginx.crt'),
        '-subj', '/CN=my-nginx/O=my-nginx'], { stdio: 'ignore' });
      assert.equal(await ok(['create', 'secret', 'tls', 'nginxsecret', '--key', join(dir, 'nginx.key'), '--cert', join(dir, 'nginx.crt')]), 'secret/nginxsecret created\n');
      const secret = parseTable(await ok(['get', 'secrets', 'nginxsecret'])).rows[0];
      assert.deepEqual([secret.TYPE, secret.DATA], ['kubernetes.io/tls', '2']);
      writeFileSync(join(dir, 'default.conf'), DEFAULT_CONF);
      assert.equal(await ok(['create', 'configmap', 'nginxconfigmap', `--from-file=${join(dir, 'default.conf')}`]), 'configmap/nginxconfigmap created\n');
      assert.match(await ok(['describe', 'configmap', 'nginxconfigmap']), /^Data\n====\ndefault\.conf:\n----\nserver \{\n/m);
      const crt = readFileSync(join(dir, 'nginx.crt'), 'utf8');

      await ok(['delete', 'deployments,svc', 'my-nginx']);
      await ok(['create', '-f', '-'], NGINX_SECURE_APP);
      await ok(['rollout', 'status', 'deployment/my-nginx', '--timeout=120s']);
      await ok(['apply', '-f', '-'], CURLPOD);
      await ok(['rollout', 'status', 'deployment/curl-deployment', '--timeout=120s']);
      const [curlPod] = await podNames('app=curlpod');
      // the pod's mounted tls.crt is the secret's certificate; the Service's DNS name is the certificate's CN
      assert.equal(await ok(['exec', curlPod, '--', 'cat', '/etc/nginx/ssl/tls.crt']), crt);
      const page = await waitFor(async () => {
        const r = await k(['exec', curlPod, '--', 'curl', '-s', 'https://my-nginx', '--cacert', '/etc/nginx/ssl/tls.crt']);
        return r.code === 0 && r.stdout;
      }, 'curl https://my-nginx from the curl pod');
      assert.match(page, /<title>Welcome to nginx!<\/title>/);
      const ports = (await json(['get', 'svc', 'my-nginx'])).spec.ports as { name: string; nodePort: number; port: number; targetPort: number }[];
      assert.deepEqual(ports.map((p) => [p.name, p.port, p.targetPort]), [['http', 8080, 80], ['https', 443, 443]]);
      for (const p of ports) assert.ok(p.nodePort >= 30000 && p.nodePort <= 32767, `nodePort ${p.nodePort}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Debug Services: serve_hostname pods answer wget with their names, the Service by name, nslookup of the short, namespaced and full names, its endpoints', async () => {
    assert.equal(await ok(['create', 'deployment', 'hostnames', '--image=registry.k8s.io/serve_hostname']), 'deployment.apps/hostnames created\n');
    assert.equal(await ok(['scale', 'deployment', 'hostnames', '--replicas=3']), 'deployment.apps/hostnames scaled\n');
    await ok(['rollout', 'status', 'deployment/hostnames', '--timeout=120s']);
    const names = await podNames('app=hostnames');
    const ips = await podIPs('app=hostnames');
    assert.equal(ips.length, 3);
    const missing = await k(['get', 'svc', 'hostnames']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): services "hostnames" not found\n');
    assert.equal(await ok(['expose', 'deployment', 'hostnames', '--port=80', '--target-port=9376']), 'service/hostnames exposed\n');
    const clusterIP = (await json(['get', 'svc', 'hostnames'])).spec.clusterIP as string;

    await ok(['run', 'busybox', '--image=busybox:1.28', '--restart=Never', '--', 'sleep', '3600']);
    await waitFor(async () => (await k(['get', 'pod', 'busybox', '--no-headers'])).stdout.includes('Running'), 'the busybox pod Running');
    // serve_hostname writes no newline: the page's loop prints the three names one after another
    const direct = await ok(['exec', 'busybox', '--', 'sh', '-c', `for ep in ${ips.map((ip) => `${ip}:9376`).join(' ')}; do wget -qO- $ep; done`]);
    const nameOf = new Map(((await json(['get', 'pods', '-l', 'app=hostnames'])).items as { metadata: { name: string }; status: { podIP: string } }[])
      .map((p) => [p.status.podIP, p.metadata.name]));
    assert.equal(direct, ips.map((ip) => nameOf.get(ip)).join(''));
    for (const name of ['hostnames', 'hostnames.default', 'hostnames.default.svc.cluster.local']) {
      const r = await k(['exec', 'busybox', '--', 'nslookup', name]);
      assert.match(r.stdout, /^Server:\s+10\.96\.0\.10\n/, `${name}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stdout.includes(`Name:\thostnames.default.svc.cluster.local\nAddress: ${clusterIP}\n`), `${name}: ${r.stdout}`);
    }
    assert.equal(await ok(['exec', 'busybox', '--', 'cat', '/etc/resolv.conf']),
      'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    assert.match((await ok(['exec', 'busybox', '--', 'nslookup', 'kubernetes.default'])), /Name:\tkubernetes\.default\.svc\.cluster\.local\nAddress: 10\.96\.0\.1\n/);
    // by the Service's name and by its IP, each answer one of the pods' names
    const viaService = await ok(['exec', 'busybox', '--', 'sh', '-c', `for i in $(seq 1 3); do wget -qO- ${clusterIP}:80; echo; wget -qO- hostnames; echo; done`]);
    for (const line of viaService.trim().split('\n')) assert.ok(names.includes(line), `${line} is one of ${names.join(', ')}`);

    const ep = parseTable(await ok(['get', 'endpoints', 'hostnames'])).rows[0];
    assert.deepEqual(ep.ENDPOINTS.split(',').sort(), ips.map((ip) => `${ip}:9376`).sort());
    const slices = parseTable(await ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=hostnames'])).rows;
    assert.deepEqual([slices.length, slices[0].PORTS, slices[0].ENDPOINTS.split(',').sort().join(',')], [1, '9376', [...ips].sort().join(',')]);
    // the Service in JSON, as the page reads it back
    const spec = (await json(['get', 'service', 'hostnames'])).spec;
    assert.deepEqual([spec.ports, spec.selector, spec.type, spec.sessionAffinity], [[{ port: 80, protocol: 'TCP', targetPort: 9376 }], { app: 'hostnames' }, 'ClusterIP', 'None']);
    // serve_hostname logs each request as Go's log package does
    assert.match(await ok(['logs', names[0]]), /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Serving on port 9376\.\n/);
  });

  it('Use Port Forwarding: mongo\'s containerPort by template, port-forward to the pod, deployment/, replicaset/ and service/ forms, :27017 picks a free local port, ping answers { ok: 1.0 }', async () => {
    assert.equal(await ok(['apply', '-f', '-'], MONGO_DEPLOYMENT), 'deployment.apps/mongo created\n');
    assert.equal(await ok(['apply', '-f', '-'], MONGO_SERVICE), 'service/mongo created\n');
    await ok(['rollout', 'status', 'deployment/mongo', '--timeout=120s']);
    const [pod] = await podNames('app.kubernetes.io/name=mongo');
    const rs = (await ok(['get', 'rs', '-l', 'app.kubernetes.io/name=mongo', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    assert.equal(await ok(['get', 'pod', pod, '--template={{(index (index .spec.containers 0).ports 0).containerPort}}{{"\\n"}}']), '27017\n');
    const svc = parseTable(await ok(['get', 'service', 'mongo'])).rows[0];
    assert.deepEqual([svc.TYPE, svc['PORT(S)']], ['ClusterIP', '27017/TCP']);
    for (const target of [pod, `pods/${pod}`, 'deployment/mongo', `replicaset/${rs}`, 'service/mongo']) {
      const pf = kubectlStream(c, ['port-forward', target, ':27017']);
      try {
        const local = Number(await waitFor(async () => /^Forwarding from 127\.0\.0\.1:(\d+) -> 27017$/m.exec(pf.stdout())?.[1], `port-forward ${target}: ${pf.stdout()}${pf.stderr()}`));
        assert.match(pf.stdout(), new RegExp(`^Forwarding from \\[::1\\]:${local} -> 27017$`, 'm'));
        const reply = await waitFor(() => mongoPing(local).catch(() => undefined), `ping through port-forward ${target}`);
        assert.equal(reply.readInt32LE(12), 2013, 'an OP_MSG answer');
        // { ok: 1.0 }: the document after the flags and the section kind
        assert.equal(reply.subarray(21).toString('hex'), '11000000016f6b00000000000000f03f00');
        await waitFor(async () => pf.stdout().includes(`Handling connection for ${local}\n`), 'Handling connection');
      } finally {
        await pf.kill();
      }
    }
    assert.match(await ok(['logs', pod]), /I  NETWORK  \[listener\] waiting for connections on port 27017\n(.|\n)*connection accepted from 127\.0\.0\.1:\d+ #1 \(1 connection now open\)\n/);
  });

  it('Perform a Rolling Update on a DaemonSet: RollingUpdate strategy, rollout status after the update and after set image', async () => {
    assert.equal(await ok(['apply', '-f', '-'], FLUENTD_DAEMONSET), 'daemonset.apps/fluentd-elasticsearch created\n');
    assert.equal(await ok(['get', 'ds/fluentd-elasticsearch', '-o', 'go-template={{.spec.updateStrategy.type}}{{"\\n"}}', '-n', 'kube-system']), 'RollingUpdate\n');
    assert.match(await ok(['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=120s']), /daemon set "fluentd-elasticsearch" successfully rolled out\n$/);
    assert.equal(await ok(['apply', '-f', '-'], FLUENTD_DAEMONSET_UPDATE), 'daemonset.apps/fluentd-elasticsearch configured\n');
    const rolled = await ok(['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=120s']);
    assert.match(rolled, /daemon set "fluentd-elasticsearch" successfully rolled out\n$/);
    assert.equal(await ok(['set', 'image', 'ds/fluentd-elasticsearch', 'fluentd-elasticsearch=quay.io/fluentd_elasticsearch/fluentd:v2.6.0', '-n', 'kube-system']),
      'daemonset.apps/fluentd-elasticsearch image updated\n');
    await ok(['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=120s']);
    const pods = await waitFor(async () => {
      const list = (await json(['get', 'pods', '-l', 'name=fluentd-elasticsearch', '-n', 'kube-system'])).items as { metadata: { deletionTimestamp?: string }; spec: { containers: { image: string; resources: unknown }[] } }[];
      const live = list.filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 2 && live.every((p) => p.spec.containers[0].image === 'quay.io/fluentd_elasticsearch/fluentd:v2.6.0') && live;
    }, 'one v2.6.0 pod per node');
    assert.deepEqual(pods[0].spec.containers[0].resources, { limits: { memory: '200Mi' }, requests: { cpu: '100m', memory: '200Mi' } });
    assert.match(await ok(['rollout', 'history', 'ds/fluentd-elasticsearch', '-n', 'kube-system']), /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n3\s+<none>\n/m);
    await ok(['delete', 'ds', 'fluentd-elasticsearch', '-n', 'kube-system']);
  });

  it('Indexed Job: describe shows the Indexed completion mode and indexes 0-4, each worker prints its item reversed', async () => {
    assert.equal(await ok(['apply', '-f', '-'], INDEXED_JOB), 'job.batch/indexed-job created\n');
    await ok(['wait', '--for=condition=complete', 'job/indexed-job', '--timeout=180s']);
    const d = await ok(['describe', 'jobs/indexed-job']);
    for (const line of ['Parallelism:        3', 'Completions:        5', 'Completion Mode:    Indexed', 'Pods Statuses:      0 Active (0 Ready) / 5 Succeeded / 0 Failed',
      'Completed Indexes:  0-4']) assert.ok(d.includes(`${line}\n`), `${line} in:\n${d}`);
    assert.match(d, /Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: indexed-job-0-[a-z0-9]{5}\n/);
    assert.match(d, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed\n/);
    const expected = ['oof', 'rab', 'zab', 'xuq', 'zyx'];
    for (const [i, word] of expected.entries()) {
      const [pod] = await podNames(`batch.kubernetes.io/job-completion-index=${i}`);
      assert.match(pod, new RegExp(`^indexed-job-${i}-[a-z0-9]{5}$`));
      const r = await k(['logs', pod]);
      assert.equal(r.stdout, `${word}\n`);
      assert.equal(r.stderr, 'Defaulted container "worker" out of: worker, input (init)\n');
    }
  });

  it('Running Automated Tasks with a CronJob: get jobs --watch shows its job complete, the pod says Hello from the Kubernetes cluster', async () => {
    const watch = kubectlStream(c, ['get', 'jobs', '--watch']);
    let job: string;
    try {
      job = await waitFor(async () => /^(hello-\d+)\s+Complete\s+1\/1\s/m.exec(watch.stdout())?.[1], `a hello job Complete in get jobs --watch:\n${watch.stdout()}`, 360, 500);
    } finally {
      await watch.kill();
    }
    assert.match(watch.stdout(), /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/);
    const cj = parseTable(await ok(['get', 'cronjob', 'hello'])).rows[0];
    assert.deepEqual([cj.SCHEDULE, cj.TIMEZONE, cj.SUSPEND], ['* * * * *', '<none>', 'False']);
    assert.notEqual(cj['LAST SCHEDULE'], '<none>');
    const [pod] = await podNames(`batch.kubernetes.io/job-name=${job}`);
    const logs = await ok(['logs', pod]);
    assert.match(logs, /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\nHello from the Kubernetes cluster\n$/);
    assert.equal(await ok(['delete', 'cronjob', 'hello']), 'cronjob.batch "hello" deleted\n');
  });
});
