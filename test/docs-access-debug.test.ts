// End-to-end: kubernetes.io's pages on reaching applications and the API, DNS, logging and debugging,
// replayed with the real kubectl and the pages' own manifests against `tskube up --nodes 2`: Use a
// Service to Access an Application in a Cluster, Connect a Front End to a Back End Using a Service,
// Create an External Load Balancer, Access Clusters Using the Kubernetes API, Accessing the
// Kubernetes API from a Pod, Using Source IP, Debugging DNS Resolution, DNS for Services and Pods, Get a Shell to a
// Running Container, Debug Init Containers, Debug Running Pods (--copy-to, --set-image), Logging
// Architecture and Resource metrics pipeline (names, ages and addresses aside).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startCluster, kubectl, kubectlStream, parseTable, waitFor, type Cluster, kubectlOk, kubectlJson } from './harness.js';
import { BUSYBOX_STATIC, describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE, type SystemTool } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { NFTABLES } from '../src/network/testing/nft-tool.js';

/** CURL is the host's curl: the pages' curl from outside the cluster, and the curlimages/curl image. */
const CURL: SystemTool = { name: 'curl', path: '/usr/bin/curl', apt: 'curl' };

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input, timeoutMs: 120_000 });
const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
const json = (args: string[]) => kubectlJson(c, args);
/** curl is the host's curl (what the pages run on a workstation or a node); undefined when it fails. */
const curl = (...args: string[]): string | undefined => {
  try { return execFileSync('curl', ['-sS', '-m', '5', ...args], { encoding: 'utf8' }); } catch { return undefined; }
};
const ready = (...pods: string[]) => ok(['wait', '--for=condition=Ready', '--timeout=120s', ...pods.map((p) => `pod/${p}`)]);
const remove = (...what: string[]) => ok(['delete', ...what, '--grace-period=1', '--ignore-not-found']);
/** describeField is the value of one `Key:  value` line of kubectl describe. */
const describeField = (out: string, key: string) => out.split('\n').find((l) => l.startsWith(`${key}:`))?.slice(key.length + 1).trim();

// service/access/hello-application.yaml
const HELLO_APPLICATION = `---
{
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "hello-world",
  },
  spec: {
    selector: {
      matchLabels: {
        run: "load-balancer-example",
      },
    },
    replicas: 2,
    template: {
      metadata: {
        labels: {
          run: "load-balancer-example",
        },
      },
      spec: {
        containers: [{
          name: "hello-world",
          image: "us-docker.pkg.dev/google-samples/containers/gke/hello-app:2.0",
          ports: [{
            containerPort: 8080,
            protocol: "TCP",
          }],
        }],
      },
    },
  },
}
`;

// service/access/backend-deployment.yaml, backend-service.yaml, frontend-deployment.yaml, frontend-service.yaml
const BACKEND_DEPLOYMENT = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: hello
      tier: backend
      track: stable
  replicas: 3
  template:
    metadata:
      labels:
        app.kubernetes.io/name: hello
        tier: backend
        track: stable
    spec:
      containers:
        - name: hello
          image: "gcr.io/google-samples/hello-go-gke:1.0"
          ports:
            - name: http
              containerPort: 80
...
`;
const BACKEND_SERVICE = `---
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector:
    app.kubernetes.io/name: hello
    tier: backend
  ports:
  - protocol: TCP
    port: 80
    targetPort: http
...
`;
const FRONTEND_DEPLOYMENT = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: hello
      tier: frontend
      track: stable
  replicas: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/name: hello
        tier: frontend
        track: stable
    spec:
      containers:
        - name: nginx
          image: "gcr.io/google-samples/hello-frontend:1.0"
          lifecycle:
            preStop:
              exec:
                command: ["/usr/sbin/nginx","-s","quit"]
...
`;
const FRONTEND_SERVICE = `---
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  selector:
    app.kubernetes.io/name: hello
    tier: frontend
  ports:
  - protocol: "TCP"
    port: 80
    targetPort: 80
  type: LoadBalancer
...
`;

// admin/dns/dnsutils.yaml
const DNSUTILS = `---
{
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "dnsutils",
    namespace: "default",
  },
  spec: {
    containers: [{
      name: "dnsutils",
      image: "registry.k8s.io/e2e-test-images/agnhost:2.39",
      imagePullPolicy: "IfNotPresent",
    }],
    restartPolicy: "Always",
  },
}
`;

// DNS for Services and Pods: the hostname and subdomain example, and service/networking/custom-dns.yaml
const SUBDOMAIN = `apiVersion: v1
kind: Service
metadata:
  name: busybox-subdomain
spec:
  selector:
    name: busybox
  clusterIP: None
  ports:
  - name: foo # name is not required for single-port Services
    port: 1234
---
apiVersion: v1
kind: Pod
metadata:
  name: busybox1
  labels:
    name: busybox
spec:
  hostname: busybox-1
  subdomain: busybox-subdomain
  containers:
  - image: busybox:1.28
    command:
      - sleep
      - "3600"
    name: busybox
---
apiVersion: v1
kind: Pod
metadata:
  name: busybox2
  labels:
    name: busybox
spec:
  hostname: busybox-2
  subdomain: busybox-subdomain
  containers:
  - image: busybox:1.28
    command:
      - sleep
      - "3600"
    name: busybox
`;
const CUSTOM_DNS = `apiVersion: v1
kind: Pod
metadata:
  namespace: default
  name: dns-example
spec:
  containers:
    - name: test
      image: nginx
  dnsPolicy: "None"
  dnsConfig:
    nameservers:
      - 192.0.2.1
    searches:
      - ns1.svc.cluster-domain.example
      - my.dns.search.suffix
    options:
      - name: ndots
        value: "2"
      - name: edns0
`;

// application/shell-demo.yaml
const SHELL_DEMO = `apiVersion: v1
kind: Pod
metadata:
  name: shell-demo
spec:
  volumes:
  - name: shared-data
    emptyDir: {}
  containers:
  - name: nginx
    image: nginx
    volumeMounts:
    - name: shared-data
      mountPath: /usr/share/nginx/html
  hostNetwork: true
  dnsPolicy: Default
`;

// Debug Init Containers: the page's commands against a pod whose second init container fails
const INIT_DEMO = `apiVersion: v1
kind: Pod
metadata:
  name: init-demo
spec:
  initContainers:
  - name: init-1
    image: busybox
    command: ['sh', '-c', 'echo first init done']
  - name: init-2
    image: busybox
    command: ['sh', '-c', 'echo checking the database; exit 1']
  containers:
  - name: app
    image: busybox
    command: ['sleep', '3600']
`;

// debug/counter-pod.yaml and admin/logging/two-files-counter-pod-streaming-sidecar.yaml
const COUNTER = `---
{
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "counter",
  },
  spec: {
    containers: [{
      name: "count",
      image: "busybox:1.28",
      args: [
        "/bin/sh",
        "-c",
        "i=0; while true; do echo \\"$i: $(date)\\"; i=$((i+1)); sleep 1; done",
      ],
    }],
  },
}
`;
const COUNTER_SIDECARS = `---
{
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "counter",
  },
  spec: {
    containers: [{
      name: "count",
      image: "busybox:1.28",
      args: [
        "/bin/sh",
        "-c",
        "\\
           i=0; while true; do\\n\\
          \\  echo \\"$i: $(date)\\" >> /var/log/1.log;\\n\\
          \\  echo \\"$(date) INFO $i\\" >> /var/log/2.log;\\n\\
          \\  i=$((i+1));\\n\\
          \\  sleep 1;\\n\\
           done\\n\\
          ",
      ],
      volumeMounts: [{
        name: "varlog",
        mountPath: "/var/log",
      }],
    }, {
      name: "count-log-1",
      image: "busybox:1.28",
      args: [
        "/bin/sh",
        "-c",
        "tail -n+1 -F /var/log/1.log",
      ],
      volumeMounts: [{
        name: "varlog",
        mountPath: "/var/log",
      }],
    }, {
      name: "count-log-2",
      image: "busybox:1.28",
      args: [
        "/bin/sh",
        "-c",
        "tail -n+1 -F /var/log/2.log",
      ],
      volumeMounts: [{
        name: "varlog",
        mountPath: "/var/log",
      }],
    }],
    volumes: [{
      name: "varlog",
      emptyDir: {},
    }],
  },
}
`;

/** nodeAddresses maps each node to its InternalIP (127.0.1.N here). */
async function nodeAddresses(): Promise<Map<string, string>> {
  const nodes = await json(['get', 'nodes']);
  return new Map(nodes.items.map((n: any) => [n.metadata.name, n.status.addresses.find((a: any) => a.type === 'InternalIP').address]));
}

describeNeeding('kubernetes.io access, DNS, logging and debugging pages with kubectl', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, BUSYBOX_STATIC, CURL, NFTABLES, CNI_PLUGINS) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'serviceaccount', 'default'])).code === 0, 'the default service account');
  }, { timeout: 120_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('Use a Service to Access an Application in a Cluster: hello-world behind a NodePort answers on each node\'s address', async () => {
    await ok(['apply', '-f', '-'], HELLO_APPLICATION);
    await ok(['rollout', 'status', 'deployment/hello-world', '--timeout=120s']);
    const [deploy] = parseTable(await ok(['get', 'deployments', 'hello-world'])).rows;
    assert.deepEqual([deploy.NAME, deploy.READY, deploy['UP-TO-DATE'], deploy.AVAILABLE], ['hello-world', '2/2', '2', '2']);
    assert.match(await ok(['describe', 'replicasets']), /Replicas:\s+2 current \/ 2 desired\nPods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    assert.equal((await ok(['expose', 'deployment', 'hello-world', '--type=NodePort', '--name=example-service'])).trim(), 'service/example-service exposed');
    const d = await ok(['describe', 'services', 'example-service']);
    const svc = await json(['get', 'service', 'example-service']);
    const nodePort = svc.spec.ports[0].nodePort as number;
    // the page's Deployment has no labels of its own, so the Service has none (the page's Labels line is from when it had)
    assert.deepEqual(['Name', 'Namespace', 'Labels', 'Selector', 'Type', 'IP', 'Port', 'TargetPort', 'NodePort', 'Session Affinity'].map((f) => describeField(d, f)),
      ['example-service', 'default', '<none>', 'run=load-balancer-example', 'NodePort', svc.spec.clusterIP, '<unset>  8080/TCP', '8080/TCP', `<unset>  ${nodePort}/TCP`, 'None']);
    const pods = parseTable(await ok(['get', 'pods', '--selector=run=load-balancer-example', '--output=wide'])).rows;
    assert.equal(pods.length, 2);
    assert.deepEqual(describeField(d, 'Endpoints')!.split(',').sort(), pods.map((p) => `${p.IP}:8080`).sort());
    // curl http://<public-node-ip>:<node-port> on every node: the hello message of one of the two pods
    for (const address of (await nodeAddresses()).values()) {
      const body = await waitFor(async () => curl(`http://${address}:${nodePort}`), `hello-world on ${address}:${nodePort}`);
      assert.match(body, /^Hello, world!\nVersion: 2\.0\.0\nHostname: hello-world-[a-z0-9]+-[a-z0-9]{5}\n$/);
      assert.ok(pods.some((p) => body.includes(`Hostname: ${p.NAME}\n`)), body);
    }
    await ok(['delete', 'services', 'example-service']);
    await ok(['delete', 'deployment', 'hello-world']);
  });

  it('Connect a Front End to a Back End Using a Service: nginx behind a LoadBalancer passes curl to the hello backend ({"message":"Hello"})', async () => {
    await ok(['apply', '-f', '-'], BACKEND_DEPLOYMENT);
    await ok(['rollout', 'status', 'deployment/backend', '--timeout=120s']);
    const d = await ok(['describe', 'deployment', 'backend']);
    assert.deepEqual(['Name', 'Selector', 'Replicas', 'StrategyType', 'RollingUpdateStrategy'].map((f) => describeField(d, f)),
      ['backend', 'app.kubernetes.io/name=hello,tier=backend,track=stable', '3 desired | 3 updated | 3 total | 3 available | 0 unavailable', 'RollingUpdate', '25% max unavailable, 25% max surge']);
    assert.match(d, /\n   hello:\n    Image:\s+gcr\.io\/google-samples\/hello-go-gke:1\.0\n    Port:\s+80\/TCP\n/);
    assert.match(d, /Available\s+True\s+MinimumReplicasAvailable\n\s+Progressing\s+True\s+NewReplicaSetAvailable/);
    assert.equal((await ok(['apply', '-f', '-'], BACKEND_SERVICE)).trim(), 'service/hello created');
    assert.deepEqual((await ok(['apply', '-f', '-'], FRONTEND_DEPLOYMENT + FRONTEND_SERVICE)).trim().split('\n'), ['deployment.apps/frontend created', 'service/frontend created']);
    await ok(['rollout', 'status', 'deployment/frontend', '--timeout=120s']);
    // kubectl get service frontend: EXTERNAL-IP goes from <pending> to the load balancer's addresses
    const row = await waitFor(async () => {
      const [r] = parseTable(await ok(['get', 'service', 'frontend'])).rows;
      return r['EXTERNAL-IP'] !== '<pending>' ? r : undefined;
    }, 'an external IP for frontend');
    assert.equal(row.TYPE, 'LoadBalancer');
    assert.match(row['PORT(S)'], /^80:\d+\/TCP$/);
    const externalIPs = row['EXTERNAL-IP'].split(',');
    assert.ok(externalIPs.length >= 1 && externalIPs.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)), row['EXTERNAL-IP']);
    // curl http://${EXTERNAL_IP}: the backend's message through the frontend
    const body = await waitFor(async () => curl(`http://${externalIPs[0]}`), `frontend on ${externalIPs[0]}`);
    assert.equal(body.trim(), '{"message":"Hello"}');
    await ok(['delete', 'services', 'frontend', 'hello']);
    await ok(['delete', 'deployment', 'frontend', 'backend']);
  });

  it('Create an External Load Balancer: kubectl expose --type=LoadBalancer, LoadBalancer Ingress in describe; externalTrafficPolicy Local gets a health check node port, served on each node', async () => {
    await ok(['create', 'deployment', 'example', '--image=registry.k8s.io/serve_hostname', '--port=9376']);
    await ok(['rollout', 'status', 'deployment/example', '--timeout=120s']);
    assert.equal((await ok(['expose', 'deployment', 'example', '--port=8765', '--target-port=9376', '--name=example-service', '--type=LoadBalancer'])).trim(), 'service/example-service exposed');
    const ingress = await waitFor(async () => (await json(['get', 'service', 'example-service'])).status?.loadBalancer?.ingress, 'the load balancer ingress');
    const d = await ok(['describe', 'services', 'example-service']);
    assert.deepEqual(['Type', 'Selector', 'Port', 'TargetPort', 'External Traffic Policy'].map((f) => describeField(d, f)),
      ['LoadBalancer', 'app=example', '<unset>  8765/TCP', '9376/TCP', 'Cluster']);
    assert.equal(describeField(d, 'LoadBalancer Ingress'), ingress.map((i: { ip: string }) => `${i.ip} (VIP)`).join(', '));
    const [pod] = parseTable(await ok(['get', 'pods', '-l', 'app=example'])).rows;
    assert.equal((await waitFor(async () => curl(`http://${ingress[0].ip}:8765`), 'the load balancer'))!.trim(), pod.NAME);
    // the page's second manifest: externalTrafficPolicy Local, for which the API server allocates healthCheckNodePort
    await ok(['patch', 'service', 'example-service', '-p', '{"spec":{"externalTrafficPolicy":"Local"}}']);
    const svc = await json(['get', 'service', 'example-service']);
    assert.ok(svc.spec.healthCheckNodePort >= 30000 && svc.spec.healthCheckNodePort <= 32767, String(svc.spec.healthCheckNodePort));
    assert.equal(describeField(await ok(['describe', 'services', 'example-service']), 'HealthCheck NodePort'), `${svc.spec.healthCheckNodePort}`);
    // each node's service proxy serves it at /healthz (Using Source IP): 200 and the count on the endpoint's node, 503 elsewhere
    const hc = svc.spec.healthCheckNodePort as number;
    const serverNode = (await json(['get', 'pods', '-l', 'app=example'])).items[0].spec.nodeName as string;
    for (const [node, address] of await nodeAddresses()) {
      const count = node === serverNode ? 1 : 0;
      const out = await waitFor(async () => curl('-w', '\n%{http_code}', `http://${address}:${hc}/healthz`), `${address}:${hc}/healthz`);
      assert.equal(out, `{\n\t"service": {\n\t\t"namespace": "default",\n\t\t"name": "example-service"\n\t},\n\t"localEndpoints": ${count},\n\t"serviceProxyHealthy": true\n}\n${count ? 200 : 503}`);
    }
    // and the load balancer address of the pod's node still reaches it
    const serverAddress = (await nodeAddresses()).get(serverNode)!;
    assert.ok(ingress.some((i: { ip: string }) => i.ip === serverAddress), JSON.stringify(ingress));
    assert.equal((await waitFor(async () => curl(`http://${serverAddress}:8765`), `the load balancer on ${serverAddress} with policy Local`))!.trim(), pod.NAME);
    await ok(['delete', 'service', 'example-service']);
    await ok(['delete', 'deployment', 'example']);
  });

  it('Using Source IP: the echoserver sees a client pod\'s own address through a ClusterIP; a NodePort SNATs (Cluster) or answers only on the endpoint\'s node (Local)', async () => {
    assert.equal((await ok(['create', 'deployment', 'source-ip-app', '--image=registry.k8s.io/echoserver:1.10'])).trim(), 'deployment.apps/source-ip-app created');
    await ok(['rollout', 'status', 'deployment/source-ip-app', '--timeout=120s']);
    assert.equal((await ok(['expose', 'deployment', 'source-ip-app', '--name=clusterip', '--port=80', '--target-port=8080'])).trim(), 'service/clusterip exposed');
    const clusterIP = (await json(['get', 'svc', 'clusterip'])).spec.clusterIP as string;
    // a client pod on each node: the same node as the server and the other one alike keep their address
    const nodes = await nodeAddresses();
    for (const node of nodes.keys()) {
      await ok(['run', `client-${node}`, '--image=busybox', '--restart=Never', `--overrides={"spec":{"nodeName":"${node}"}}`, '--', 'sleep', '600']);
    }
    await ready(...[...nodes.keys()].map((n) => `client-${n}`));
    for (const node of nodes.keys()) {
      const podIP = (await json(['get', 'pod', `client-${node}`])).status.podIP;
      const page = await waitFor(async () => {
        const r = await k(['exec', `client-${node}`, '--', 'wget', '-qO', '-', clusterIP]);
        return r.code === 0 ? r.stdout : undefined;
      }, `wget ${clusterIP} from ${node}`);
      assert.match(page, new RegExp(`^CLIENT VALUES:\\nclient_address=${podIP.replace(/\./g, '\\.')}\\ncommand=GET\\nreal path=/\\nquery=nil\\nrequest_version=1\\.1\\nrequest_uri=http://${clusterIP.replace(/\./g, '\\.')}:8080/\\n`));
      assert.match(page, /\nSERVER VALUES:\nserver_version=nginx: 1\.10\.0 - lua: 10001\n\nHEADERS RECEIVED:\n/);
    }
    await remove('pod', ...[...nodes.keys()].map((n) => `client-${n}`));

    // Type=NodePort: every node answers, the client's address replaced by the endpoint node's (its pod bridge here)
    assert.equal((await ok(['expose', 'deployment', 'source-ip-app', '--name=nodeport', '--port=80', '--target-port=8080', '--type=NodePort'])).trim(), 'service/nodeport exposed');
    const nodePort = (await json(['get', 'services', 'nodeport'])).spec.ports[0].nodePort;
    const [server] = (await json(['get', 'pods', '-l', 'app=source-ip-app'])).items;
    const serverNode = server.spec.nodeName as string;
    const bridge = (await json(['get', 'node', serverNode])).spec.podCIDR.replace(/\.0\/\d+$/, '.1');
    const clientAddress = (page: string | undefined) => /\nclient_address=(\S+)\n/.exec(page ?? '')?.[1];
    for (const address of nodes.values()) {
      assert.equal(await waitFor(async () => clientAddress(curl(`${address}:${nodePort}`)), `${address}:${nodePort}`), bridge);
    }
    // externalTrafficPolicy Local: only the node with the endpoint answers (from this machine it is a node-local
    // client, masqueraded as kube-proxy does, so the "right client IP" of the page cannot show here)
    assert.equal((await ok(['patch', 'svc', 'nodeport', '-p', '{"spec":{"externalTrafficPolicy":"Local"}}'])).trim(), 'service/nodeport patched');
    for (const [node, address] of nodes) {
      if (node === serverNode) assert.ok(clientAddress(await waitFor(async () => curl('--connect-timeout', '1', `${address}:${nodePort}`), `${address}:${nodePort}`)));
      else await waitFor(async () => curl('--connect-timeout', '1', `${address}:${nodePort}`) === undefined, `${address}:${nodePort} dropped`);
    }
    await ok(['delete', 'svc', 'clusterip', 'nodeport']);
    await ok(['delete', 'deployment', 'source-ip-app']);
  });

  it('Access Clusters Using the Kubernetes API: kubectl proxy, and curl with a token, both get /api naming the API server\'s address', async () => {
    const server = (await ok(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).trim();
    const expected = { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(server).host }] };
    const proxy = kubectlStream(c, ['proxy', '--port=0']);
    try {
      const port = await waitFor(async () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(proxy.stdout())?.[1], 'kubectl proxy');
      assert.deepEqual(JSON.parse(curl(`http://localhost:${port}/api/`)!), expected);
    } finally {
      await proxy.kill();
    }
    // without kubectl proxy: a token of the default service account, the server's certificate not checked
    const token = (await ok(['create', 'token', 'default'])).trim();
    const body = curl('-X', 'GET', `${server}/api`, '--header', `Authorization: Bearer ${token}`, '--insecure');
    assert.deepEqual(JSON.parse(body!), expected);
  });

  it('Accessing the Kubernetes API from a Pod: curl with the service account\'s token and CA to https://kubernetes.default.svc/api', async () => {
    const script = [
      'APISERVER=https://kubernetes.default.svc',
      'SERVICEACCOUNT=/var/run/secrets/kubernetes.io/serviceaccount',
      'NAMESPACE=$(cat ${SERVICEACCOUNT}/namespace)',
      'TOKEN=$(cat ${SERVICEACCOUNT}/token)',
      'CACERT=${SERVICEACCOUNT}/ca.crt',
      'echo namespace=$NAMESPACE',
      'curl -s --cacert ${CACERT} --header "Authorization: Bearer ${TOKEN}" -X GET ${APISERVER}/api',
    ].join('\n');
    await ok(['run', 'api-client', '--image=curlimages/curl', '--restart=Never', '--command', '--', 'sh', '-c', script]);
    await waitFor(async () => (await json(['get', 'pod', 'api-client'])).status.phase === 'Succeeded', 'api-client Succeeded');
    const out = await ok(['logs', 'api-client']);
    const [first, ...rest] = out.split('\n');
    assert.equal(first, 'namespace=default');
    const api = JSON.parse(rest.join('\n'));
    const [ep] = (await json(['get', 'endpoints', 'kubernetes'])).subsets;
    assert.deepEqual(api, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${ep.addresses[0].ip}:${ep.ports[0].port}` }] });
    await remove('pod', 'api-client');
  });

  it('Debugging DNS Resolution: nslookup kubernetes.default in dnsutils, its resolv.conf, the kube-dns Service and endpoints in kube-system', async () => {
    assert.equal((await ok(['apply', '-f', '-'], DNSUTILS)).trim(), 'pod/dnsutils created');
    await ready('dnsutils');
    const [row] = parseTable(await ok(['get', 'pods', 'dnsutils'])).rows;
    assert.deepEqual([row.NAME, row.READY, row.STATUS, row.RESTARTS], ['dnsutils', '1/1', 'Running', '0']);
    const kubernetesIP = (await json(['get', 'service', 'kubernetes'])).spec.clusterIP;
    const dns = await json(['get', 'service', 'kube-dns', '-n', 'kube-system']);
    // busybox's nslookup (agnhost is alpine): Server/Address, then the answer under the cluster name
    const lookup = await ok(['exec', 'dnsutils', '--', 'nslookup', 'kubernetes.default']);
    assert.match(lookup, new RegExp(`^Server:\\s+${dns.spec.clusterIP}\\nAddress:\\s+${dns.spec.clusterIP}:53\\n`));
    assert.match(lookup, new RegExp(`\\nName:\\s+kubernetes\\.default\\.svc\\.cluster\\.local\\nAddress: ${kubernetesIP.replace(/\./g, '\\.')}\\n`));
    assert.equal(await ok(['exec', 'dnsutils', '--', 'cat', '/etc/resolv.conf']),
      `search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${dns.spec.clusterIP}\noptions ndots:5\n`);
    // kubectl get svc --namespace=kube-system names kube-dns, 53/UDP,53/TCP, as CoreDNS's and kube-dns's alike
    const svc = parseTable(await ok(['get', 'svc', '--namespace=kube-system'])).rows.find((r) => r.NAME === 'kube-dns');
    assert.deepEqual([svc?.TYPE, svc?.['CLUSTER-IP'], svc?.['EXTERNAL-IP'], svc?.['PORT(S)']], ['ClusterIP', dns.spec.clusterIP, '<none>', '53/UDP,53/TCP']);
    assert.deepEqual(dns.metadata.labels, { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' });
    // kubectl get ep kube-dns: one address twice (UDP and TCP). tskube's DNS server is no pod: it listens on the
    // node side, so its address and port are not a pod's :53, and -l k8s-app=kube-dns finds no pods.
    const [ep] = parseTable(await ok(['get', 'ep', 'kube-dns', '--namespace=kube-system'])).rows;
    const [a, b] = ep.ENDPOINTS.split(',');
    assert.equal(a, b);
    assert.match(a, /^\d+\.\d+\.\d+\.\d+:\d+$/);
    await remove('pod', 'dnsutils');
  });

  it('DNS for Services and Pods: hostname and subdomain give A records under the headless Service, SRV for its named port, pod A records, dnsConfig in resolv.conf', async () => {
    await ok(['apply', '-f', '-'], SUBDOMAIN + '---\n' + CUSTOM_DNS + '---\n' + DNSUTILS);
    await ready('busybox1', 'busybox2', 'dns-example', 'dnsutils');
    assert.equal((await ok(['exec', 'busybox1', '--', 'hostname'])).trim(), 'busybox-1');
    assert.equal((await ok(['exec', 'busybox1', '--', 'hostname', '-f'])).trim(), 'busybox-1.busybox-subdomain.default.svc.cluster.local');
    const ip1 = (await json(['get', 'pod', 'busybox1'])).status.podIP as string;
    const ip2 = (await json(['get', 'pod', 'busybox2'])).status.podIP as string;
    assert.match(await ok(['exec', 'busybox1', '--', 'cat', '/etc/hosts']), new RegExp(`\\n${ip1.replace(/\./g, '\\.')}\\tbusybox-1\\.busybox-subdomain\\.default\\.svc\\.cluster\\.local\\tbusybox-1\\n$`));
    const lookup = async (...args: string[]) => waitFor(async () => {
      const r = await k(['exec', 'dnsutils', '--', 'nslookup', ...args]);
      return r.code === 0 ? r.stdout : undefined;
    }, `nslookup ${args.join(' ')}`, 40);
    // busybox-1.busybox-subdomain.default.svc.cluster.local: busybox1's address
    assert.match(await lookup('busybox-1.busybox-subdomain.default.svc.cluster.local'), new RegExp(`Name:\\s+busybox-1\\.busybox-subdomain\\.default\\.svc\\.cluster\\.local\\nAddress: ${ip1.replace(/\./g, '\\.')}\\n`));
    // the headless Service: both pods
    const both = await lookup('busybox-subdomain.default.svc.cluster.local');
    assert.deepEqual([...both.matchAll(/\nAddress: (\S+)/g)].map((m) => m[1]).sort(), [ip1, ip2].sort());
    // _foo._tcp: one SRV record per pod, port 1234, under the pods' own names
    const srv = await lookup('-type=srv', '_foo._tcp.busybox-subdomain.default.svc.cluster.local');
    assert.deepEqual([...srv.matchAll(/service = (\d+) (\d+) (\d+) (\S+)/g)].map((m) => m.slice(1).join(' ')).sort(),
      ['0 50 1234 busybox-1.busybox-subdomain.default.svc.cluster.local', '0 50 1234 busybox-2.busybox-subdomain.default.svc.cluster.local']);
    // pod-ip-address.my-namespace.pod.cluster.local
    const dashed = `${ip1.replace(/\./g, '-')}.default.pod.cluster.local`;
    assert.match(await lookup(dashed), new RegExp(`Name:\\s+${dashed.replace(/\./g, '\\.')}\\nAddress: ${ip1.replace(/\./g, '\\.')}\\n`));
    // dnsPolicy None with dnsConfig: the page's three lines (in containerd's order: search, nameserver, options)
    assert.equal(await ok(['exec', 'dns-example', '--', 'cat', '/etc/resolv.conf']),
      'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n');
    await remove('pod', 'busybox1', 'busybox2', 'dns-example', 'dnsutils');
    await remove('service', 'busybox-subdomain');
  });

  it('Get a Shell to a Running Container: shell-demo\'s nginx, /proc/mounts, a new index.html served to curl localhost, env', async () => {
    await ok(['apply', '-f', '-'], SHELL_DEMO);
    await ready('shell-demo');
    const [row] = parseTable(await ok(['get', 'pod', 'shell-demo'])).rows;
    assert.deepEqual([row.READY, row.STATUS], ['1/1', 'Running']);
    const ls = (await ok(['exec', 'shell-demo', '--', 'ls', '/'])).trim().split('\n');
    for (const dir of ['bin', 'dev', 'etc', 'proc', 'usr', 'var']) assert.ok(ls.includes(dir), dir);
    assert.match(await ok(['exec', 'shell-demo', '--', 'cat', '/proc/mounts']), / \/usr\/share\/nginx\/html /);
    await ok(['exec', 'shell-demo', '--', 'sh', '-c', 'echo "Hello shell demo" > /usr/share/nginx/html/index.html']);
    assert.equal(await ok(['exec', 'shell-demo', '--', 'curl', '-s', 'http://localhost/']), 'Hello shell demo\n');
    // with hostNetwork the node's port 80 is nginx's too
    const address = (await json(['get', 'pod', 'shell-demo'])).status.hostIP;
    assert.equal(curl(`http://${address}/`), 'Hello shell demo\n');
    const ps = await ok(['exec', 'shell-demo', '--', 'sh', '-c', 'ps aux']);
    assert.match(ps, /nginx: master process nginx -g daemon off;/);
    assert.match(await ok(['exec', 'shell-demo', '-c', 'nginx', '--', 'env']), /\nKUBERNETES_SERVICE_HOST=/);
    await remove('pod', 'shell-demo');
  });

  it('Debug Init Containers: Init:Error then Init:CrashLoopBackOff, initContainerStatuses by --template, logs of an init container, describe\'s Init Containers', async () => {
    await ok(['apply', '-f', '-'], INIT_DEMO);
    await waitFor(async () => (await json(['get', 'pod', 'init-demo'])).status.initContainerStatuses?.[1]?.restartCount >= 1, 'init-2 restarted');
    const [row] = parseTable(await ok(['get', 'pod', 'init-demo'])).rows;
    assert.equal(row.READY, '0/1');
    assert.match(row.STATUS, /^Init:(Error|CrashLoopBackOff)$/);
    const template = await ok(['get', 'pod', 'init-demo', '--template', '{{range .status.initContainerStatuses}}{{.name}} {{.ready}} {{if .state.terminated}}{{.state.terminated.reason}}{{end}}{{if .lastState.terminated}}{{.lastState.terminated.exitCode}}{{end}};{{end}}']);
    assert.equal(template, 'init-1 true Completed;init-2 false 1;');
    assert.equal(await ok(['logs', 'init-demo', '-c', 'init-2']), 'checking the database\n');
    const d = await ok(['describe', 'pod', 'init-demo']);
    const init = d.slice(d.indexOf('\nInit Containers:\n'), d.indexOf('\nContainers:\n'));
    assert.match(init, /\n  init-1:\n[\s\S]*?\n    State:\s+Terminated\n      Reason:\s+Completed\n      Exit Code:\s+0\n[\s\S]*?\n    Ready:\s+True\n    Restart Count:\s+0\n/);
    assert.match(init, /\n  init-2:\n[\s\S]*?\n    Last State:\s+Terminated\n      Reason:\s+Error\n      Exit Code:\s+1\n[\s\S]*?\n    Ready:\s+False\n/);
    assert.match(describeField(d, 'Status')!, /^Pending$/);
    await remove('pod', 'init-demo');
  });

  it('Debug Running Pods: a copy of a crashed pod with its command changed to sh (--copy-to --container), and a copy with every image changed (--set-image=*=ubuntu)', async () => {
    await ok(['run', 'myapp', '--image=busybox:1.28', '--restart=Never', '--', 'false']);
    await waitFor(async () => (await json(['get', 'pod', 'myapp'])).status.phase === 'Failed', 'myapp Failed');
    const [crashed] = parseTable(await ok(['get', 'pod', 'myapp'])).rows;
    assert.equal(crashed.STATUS, 'Error');
    const r = await k(['debug', 'myapp', '-i', '--copy-to=myapp-debug', '--container=myapp', '--', 'sh'], 'echo in the copy; exit\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /in the copy\n/);
    const copy = await json(['get', 'pod', 'myapp-debug']);
    assert.deepEqual(copy.spec.containers.map((ct: any) => [ct.name, ct.image, ct.command, ct.args]), [['myapp', 'busybox:1.28', ['sh'], undefined]]);
    await remove('pod', 'myapp', 'myapp-debug');

    await ok(['run', 'myapp', '--image=busybox:1.28', '--restart=Never', '--', 'sleep', '1d']);
    await ok(['debug', 'myapp', '--copy-to=myapp-debug', '--set-image=*=ubuntu']);
    await ready('myapp', 'myapp-debug');
    assert.deepEqual((await json(['get', 'pod', 'myapp-debug'])).spec.containers.map((ct: any) => [ct.name, ct.image, ct.args]), [['myapp', 'ubuntu', ['sleep', '1d']]]);
    await remove('pod', 'myapp', 'myapp-debug');
  });

  it('Logging Architecture: the counter\'s lines in kubectl logs; the streaming sidecars count-log-1 and count-log-2; --all-containers, --prefix, -l, --previous', async () => {
    await ok(['apply', '-f', '-'], COUNTER);
    await ready('counter');
    const lines = await waitFor(async () => {
      const l = (await ok(['logs', 'counter'])).trim().split('\n');
      return l.length >= 3 ? l : undefined;
    }, 'three counter lines');
    lines.forEach((l, i) => assert.match(l, new RegExp(`^${i}: \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d UTC \\d{4}$`)));
    // no previous instance yet: the API server's 400 in the kubelet's words
    const none = await k(['logs', 'counter', '--previous']);
    assert.equal(none.stderr.trim(), 'Error from server (BadRequest): previous terminated container "count" in pod "counter" not found');
    await remove('pod', 'counter');

    await ok(['apply', '-f', '-'], COUNTER_SIDECARS);
    await ready('counter');
    const one = await waitFor(async () => {
      const l = (await ok(['logs', 'counter', 'count-log-1'])).trim().split('\n');
      return l.length >= 3 ? l : undefined;
    }, 'count-log-1 lines');
    one.forEach((l, i) => assert.match(l, new RegExp(`^${i}: \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d UTC \\d{4}$`)));
    const two = (await ok(['logs', 'counter', 'count-log-2'])).trim().split('\n');
    assert.ok(two.length >= 3);
    two.forEach((l, i) => assert.match(l, new RegExp(`^\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d UTC \\d{4} INFO ${i}$`)));
    // the count container writes to files only
    assert.equal(await ok(['logs', 'counter', 'count']), '');
    const all = (await ok(['logs', 'counter', '--all-containers', '--prefix'])).trim().split('\n');
    assert.deepEqual([...new Set(all.map((l) => /^\[(\S+)\] /.exec(l)?.[1]))].sort(), ['pod/counter/count-log-1', 'pod/counter/count-log-2']);
    await remove('pod', 'counter');

    // -l and --previous: a container that has crashed once keeps its previous log
    await ok(['run', 'crasher', '--labels=app=crasher', '--image=busybox', '--', 'sh', '-c', 'echo run at $(date +%s); sleep 1; exit 3']);
    await waitFor(async () => (await json(['get', 'pod', 'crasher'])).status.containerStatuses?.[0]?.restartCount >= 1, 'crasher restarted');
    assert.match(await ok(['logs', 'crasher', '--previous']), /^run at \d+\n$/);
    assert.match(await ok(['logs', '-l', 'app=crasher', '--prefix']), /^\[pod\/crasher\/crasher\] run at \d+\n$/);
    await remove('pod', 'crasher');
  });

  it('Resource metrics pipeline: NodeMetrics and PodMetrics by kubectl get --raw, and the node\'s /stats/summary through the API server\'s node proxy', async () => {
    await ok(['apply', '-f', '-'], COUNTER);
    await ready('counter');
    const node = (await json(['get', 'pod', 'counter'])).spec.nodeName as string;
    const nm = JSON.parse(await waitFor(async () => {
      const r = await k(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/nodes/${node}`]);
      return r.code === 0 ? r.stdout : undefined;
    }, 'node metrics'));
    assert.deepEqual([nm.kind, nm.apiVersion, nm.metadata.name], ['NodeMetrics', 'metrics.k8s.io/v1beta1', node]);
    assert.match(nm.usage.cpu, /^\d+n$/);
    assert.match(nm.usage.memory, /^\d+Ki$/);
    assert.match(nm.window, /^\d+(\.\d+)?s$/);
    const pm = JSON.parse(await waitFor(async () => {
      const r = await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/counter']);
      return r.code === 0 ? r.stdout : undefined;
    }, 'pod metrics', 240));
    assert.deepEqual([pm.kind, pm.metadata.name, pm.metadata.namespace, pm.containers.map((ct: any) => ct.name)], ['PodMetrics', 'counter', 'default', ['count']]);
    assert.match(pm.containers[0].usage.cpu, /^\d+n$/);
    const summary = JSON.parse(await ok(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`]));
    assert.equal(summary.node.nodeName, node);
    for (const key of ['cpu', 'memory', 'network', 'fs']) assert.ok(summary.node[key], key);
    assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0);
    const pod = summary.pods.find((p: any) => p.podRef.name === 'counter' && p.podRef.namespace === 'default');
    assert.ok(pod, 'counter in the summary');
    assert.equal(pod.podRef.uid, (await json(['get', 'pod', 'counter'])).metadata.uid);
    assert.deepEqual(pod.containers.map((ct: any) => ct.name), ['count']);
    assert.ok(pod.containers[0].cpu.usageCoreNanoSeconds > 0);
    assert.ok(pod.containers[0].memory.workingSetBytes > 0);
    await remove('pod', 'counter');
  });
});
