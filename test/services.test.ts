// End-to-end: Services with the real kubectl on `tskube up --nodes 2` — cluster IPs through each
// node's service proxy (nftables), endpoints following readiness, node ports from the host, the
// tables kubectl prints, and seed 000 7.5 (`kubectl expose` + an init container waiting on DNS).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { freePort } from '../src/testing/free-port.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';
import { bridgeNameFor, serviceTableNameFor } from '../src/network/pod-network-config.js';

let c: Cluster;
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(c, args, { input, timeoutMs });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
const running = (name: string) => waitFor(async () => /^\S+\s+(\d+)\/\1\s+Running\s/.test((await k(['get', 'pod', name, '--no-headers'])).stdout), `${name} Running`, 240);


/** background starts a long-running kubectl (port-forward, proxy) and resolves once it printed ready. */
async function background(args: string[], ready: RegExp): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  await waitFor(async () => ready.test(out) || (proc.exitCode !== null ? Promise.reject(new Error(`kubectl ${args.join(' ')} exited: ${out}`)) : false), `kubectl ${args[0]} ready`, 80);
  return { proc, output: () => out };
}

/** curl fetches a URL from the host (undefined when nothing answers). */
function curl(url: string): string | undefined {
  try { return execFileSync('curl', ['-s', '-m', '5', url], { encoding: 'utf8' }); } catch { return undefined; }
}

/** inPod runs a shell line in the client pod (wget without -T: busybox's crashes with it). */
const inPod = (line: string, timeoutMs = 60_000) => k(['exec', 'client', '--', 'sh', '-c', line], undefined, timeoutMs);

/** hits asks the URL n times from the client pod and returns the pod names that answered ("You've hit NAME"). */
async function hits(url: string, n: number): Promise<string[]> {
  const r = await inPod(`for i in $(seq ${n}); do wget -q -O- ${url}; done`, 120_000);
  return [...r.stdout.matchAll(/You've hit (\S+)/g)].map((m) => m[1]);
}

const kubiaDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia, labels: {app: kubia}}
spec:
  replicas: 3
  selector: {matchLabels: {app: kubia}}
  template:
    metadata: {labels: {app: kubia}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: kubia
        image: luksa/kubia
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          exec: {command: [sh, -c, 'test ! -e /tmp/unready']}
          periodSeconds: 1
`;

describeNeeding('Services: cluster IPs, DNS, node ports, endpoints', { timeout: 15 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  before(async () => {
    // its own process group: the last test stops it as a terminal's Ctrl-C does
    c = await startCluster({ nodes: 2, detached: true });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
    await k(['run', 'client', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
    await k(['apply', '-f', '-'], kubiaDeployment);
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('kubectl get svc -A lists kubernetes (10.96.0.1) and kube-dns (10.96.0.10) as Kubernetes prints them', async () => {
    const out = await waitFor(async () => { const o = (await k(['get', 'svc', '-A'])).stdout; return /kube-dns/.test(o) && o; }, 'kube-dns Service');
    const lines = out.trim().split('\n');
    assert.match(lines[0], /^NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    assert.match(out, /\ndefault\s+kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s/);
    assert.match(out, /\nkube-system\s+kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP\s+\d+s/);
    const ep = await waitFor(async () => { const o = (await k(['get', 'ep', 'kube-dns', '-n', 'kube-system', '--no-headers'])).stdout; return /:\d+,/.test(o) && o; }, 'kube-dns endpoints');
    assert.match(ep, /^kube-dns\s+(\d+\.\d+\.\d+\.\d+):(\d+),\1:\2\s+\d+s/);
  });

  it('a 3-replica Deployment behind a ClusterIP Service: requests from a pod reach pods on both nodes, by name and by cluster IP', async () => {
    await k(['expose', 'deployment', 'kubia', '--port=80', '--target-port=http']);
    await running('client');
    await waitFor(async () => (await k(['get', 'deploy', 'kubia', '--no-headers'])).stdout.includes('3/3'), 'kubia 3/3', 240);
    const pods = (await json(['get', 'pods', '-l', 'app=kubia'])).items as { metadata: { name: string }; spec: { nodeName: string } }[];
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2, 'the pods run on both nodes');
    const ip = (await json(['get', 'svc', 'kubia'])).spec.clusterIP as string;
    for (const url of ['http://kubia', `http://${ip}`, 'http://kubia.default.svc.cluster.local']) {
      const seen = await waitFor(async () => {
        const h = await hits(url, 30);
        return h.length === 30 && new Set(h).size === 3 && h;
      }, `30 answers from all three pods at ${url}`, 10);
      assert.deepEqual([...new Set(seen)].sort(), pods.map((p) => p.metadata.name).sort());
    }
  });

  it('kubectl get svc,ep,endpointslices and describe svc print Kubernetes\' columns', async () => {
    const out = (await k(['get', 'svc,ep,endpointslices', '-l', 'app=kubia'])).stdout;
    assert.match(out, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nservice\/kubia\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\n/m);
    assert.match(out, /\n\nNAME\s+ENDPOINTS\s+AGE\nendpoints\/kubia\s+(\d+\.\d+\.\d+\.\d+:8080,){2}\d+\.\d+\.\d+\.\d+:8080\s+\d+s\n/);
    assert.match(out, /\n\nNAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\nendpointslice\.discovery\.k8s\.io\/kubia-[a-z0-9]{5}\s+IPv4\s+8080\s+(\d+\.\d+\.\d+\.\d+,){2}\d+\.\d+\.\d+\.\d+\s+\d+s\n/);
    const d = (await k(['describe', 'svc', 'kubia'])).stdout;
    assert.match(d, /^Name:\s+kubia\nNamespace:\s+default\nLabels:\s+app=kubia\nAnnotations:\s+<none>\nSelector:\s+app=kubia\nType:\s+ClusterIP\nIP Family Policy:\s+SingleStack\nIP Families:\s+IPv4\nIP:\s+10\.\S+\nIPs:\s+10\.\S+\nPort:\s+<unset>\s+80\/TCP\nTargetPort:\s+http\/TCP\nEndpoints:\s+(\d+\.\d+\.\d+\.\d+:8080,){2}\d+\.\d+\.\d+\.\d+:8080\nSession Affinity:\s+None\nInternal Traffic Policy:\s+Cluster\nEvents:\s+<none>\n$/);
  });

  it('a pod that turns unready gets no more requests; ready again, it gets them again', async () => {
    const pods = ((await json(['get', 'pods', '-l', 'app=kubia'])).items as { metadata: { name: string } }[]).map((p) => p.metadata.name).sort();
    const victim = pods[0];
    await k(['exec', victim, '--', 'touch', '/tmp/unready']);
    await waitFor(async () => !(await k(['get', 'ep', 'kubia', '-o', 'jsonpath={.subsets[*].addresses[*].targetRef.name}'])).stdout.includes(victim), `${victim} out of the endpoints`);
    const seen = await waitFor(async () => { const h = await hits('http://kubia', 30); return h.length === 30 && !h.includes(victim) && h; }, 'requests avoid the unready pod', 10);
    assert.equal(new Set(seen).size, 2);
    const slice = await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubia']);
    const cond = (slice.items[0].endpoints as { targetRef: { name: string }; conditions: { ready: boolean } }[]).find((e) => e.targetRef.name === victim)?.conditions;
    assert.deepEqual(cond, { ready: false, serving: false, terminating: false });
    await k(['exec', victim, '--', 'rm', '/tmp/unready']);
    await waitFor(async () => new Set(await hits('http://kubia', 30)).size === 3, 'all three pods answer again', 20);
  });

  it('a NodePort Service answers on every node\'s address from the host, and a pod reaches itself through its Service (hairpin)', async () => {
    await k(['expose', 'deployment', 'kubia', '--name=kubia-np', '--type=NodePort', '--port=80', '--target-port=8080']);
    const svc = await json(['get', 'svc', 'kubia-np']);
    const nodePort = svc.spec.ports[0].nodePort as number;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    assert.match((await k(['get', 'svc', 'kubia-np', '--no-headers'])).stdout, new RegExp(`^kubia-np\\s+NodePort\\s+\\S+\\s+<none>\\s+80:${nodePort}/TCP\\s`));
    for (const node of ['127.0.1.1', '127.0.1.2']) {
      const body = await waitFor(async () => {
        try { return execFileSync('curl', ['-s', '-m', '5', `http://${node}:${nodePort}/`], { encoding: 'utf8' }); } catch { return undefined; }
      }, `node port on ${node}`, 40);
      assert.match(body, /^You've hit kubia-/);
    }
    const pod = ((await json(['get', 'pods', '-l', 'app=kubia'])).items as { metadata: { name: string } }[])[0].metadata.name;
    const r = await k(['exec', pod, '--', 'sh', '-c', 'for i in $(seq 20); do wget -q -O- http://kubia; done'], undefined, 120_000);
    assert.ok(r.stdout.includes(`You've hit ${pod}`), `a pod reaches itself through its Service:\n${r.stdout}${r.stderr}`);
  });

  it('pods get the Service environment variables of their namespace (and kubernetes\')', async () => {
    await k(['run', 'envcheck', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'env | sort; sleep 3600']);
    await running('envcheck');
    const ip = (await json(['get', 'svc', 'kubia-np'])).spec.clusterIP as string;
    const env = await waitFor(async () => { const o = (await k(['logs', 'envcheck'])).stdout; return o.includes('KUBERNETES_SERVICE_HOST') && o; }, 'envcheck output');
    for (const line of [`KUBIA_NP_SERVICE_HOST=${ip}`, 'KUBIA_NP_SERVICE_PORT=80', `KUBIA_NP_PORT=tcp://${ip}:80`, `KUBIA_NP_PORT_80_TCP=tcp://${ip}:80`,
      'KUBIA_NP_PORT_80_TCP_PROTO=tcp', 'KUBIA_NP_PORT_80_TCP_PORT=80', `KUBIA_NP_PORT_80_TCP_ADDR=${ip}`, 'KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'KUBERNETES_SERVICE_PORT_HTTPS=443']) {
      assert.ok(env.split('\n').includes(line), `${line} in:\n${env}`);
    }
  });

  it('a LoadBalancer Service gets the nodes\' addresses as EXTERNAL-IP and answers there from the host', async () => {
    await k(['expose', 'deployment', 'kubia', '--name=kubia-lb', '--type=LoadBalancer', '--port=8088', '--target-port=8080']);
    const row = await waitFor(async () => { const o = (await k(['get', 'svc', 'kubia-lb', '--no-headers'])).stdout; return !o.includes('<pending>') && o; }, 'an external IP');
    assert.match(row, /^kubia-lb\s+LoadBalancer\s+\S+\s+127\.0\.1\.1,127\.0\.1\.2\s+8088:\d+\/TCP\s/);
    const body = await waitFor(async () => curl('http://127.0.1.2:8088/'), 'the load balancer address answers', 40);
    assert.match(body, /^You've hit kubia-/);
  });

  it('kubectl port-forward to a pod and to a Service answers on localhost', async () => {
    const pod = ((await json(['get', 'pods', '-l', 'app=kubia'])).items as { metadata: { name: string } }[])[0].metadata.name;
    for (const target of [`pod/${pod}`, 'svc/kubia-np']) {
      const port = await freePort();
      const pf = await background(['port-forward', target, `${port}:${target.startsWith('pod/') ? 8080 : 80}`], /Forwarding from 127\.0\.0\.1/);
      try {
        const body = await waitFor(async () => curl(`http://127.0.0.1:${port}/`), `port-forward to ${target}`, 20);
        assert.match(body, target.startsWith('pod/') ? new RegExp(`^You've hit ${pod}`) : /^You've hit kubia-/);
        assert.match(pf.output(), new RegExp(`Forwarding from 127\\.0\\.0\\.1:${port} -> 8080`));
      } finally {
        pf.proc.kill();
      }
    }
  });

  it('kubectl port-forward reaches a server on the pod\'s own localhost, as the CRI does; a closed port fails in its words', async () => {
    // busybox httpd on 127.0.0.1 inside the pod only: the pod's IP does not reach it, port-forward does
    const script = 'mkdir -p /tmp/www && echo "hello from localhost" > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:9090 -h /tmp/www';
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'local-only' }, spec: { containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', script] }] } };
    assert.equal((await k(['apply', '-f', '-'], JSON.stringify(pod))).code, 0);
    await running('local-only');
    const ip = (await k(['get', 'pod', 'local-only', '-o', 'jsonpath={.status.podIP}'])).stdout;
    assert.equal((await inPod(`wget -q -O- http://${ip}:9090/ || echo refused`)).stdout.trim(), 'refused');
    const port = await freePort();
    // -v=7: kubectl says whether its WebSocket tunnel (1.31+) was taken or it fell back to SPDY
    const pf = await background(['port-forward', '-v=7', 'pod/local-only', `${port}:9090`, `${port + 1}:9091`], /Forwarding from 127\.0\.0\.1:\d+ -> 9091/);
    try {
      assert.equal(await waitFor(async () => curl(`http://127.0.0.1:${port}/`), 'the localhost-only server through port-forward', 20), 'hello from localhost\n');
      assert.match(pf.output(), /Sec-Websocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io/i);
      assert.doesNotMatch(pf.output(), /fallback to secondary dialer/);
      // nothing listens on 9091: kubectl says what the node said (and, as kubectl 1.32 does, gives up the forward)
      curl(`http://127.0.0.1:${port + 1}/`);
      const out = await waitFor(async () => /an error occurred forwarding/.test(pf.output()) && pf.output(), 'the refused forward reported', 20);
      assert.match(out, new RegExp(`error forwarding port 9091 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace \\\\?"[^"\\\\]+\\\\?": failed to connect to localhost:9091 inside namespace \\\\?"[0-9a-f]{64}\\\\?", IPv4: dial tcp4 127\\.0\\.0\\.1:9091: connect: connection refused`));
    } finally {
      pf.proc.kill();
      await k(['delete', 'pod', 'local-only', '--grace-period=0', '--force']);
    }
  });

  it('kubectl proxy reaches a Service and a pod through the API server', async () => {
    const port = await freePort();
    const proxy = await background(['proxy', `--port=${port}`], /Starting to serve on/);
    try {
      const base = `http://127.0.0.1:${port}/api/v1/namespaces/default`;
      assert.match(await waitFor(async () => curl(`${base}/services/kubia-np:80/proxy/`), 'services proxy'), /^You've hit kubia-/);
      const pod = ((await json(['get', 'pods', '-l', 'app=kubia'])).items as { metadata: { name: string } }[])[0].metadata.name;
      assert.equal(curl(`${base}/pods/${pod}:8080/proxy/`), `You've hit ${pod}\n`);
      assert.equal(curl(`http://127.0.0.1:${port}/api/v1/nodes/host01/proxy/healthz`), 'ok');
    } finally {
      proxy.proc.kill();
    }
  });

  it('a deleted Service stops answering and its rules go (the port-80 intercept answers an empty body)', async () => {
    const ip = (await json(['get', 'svc', 'kubia'])).spec.clusterIP as string;
    await k(['delete', 'svc', 'kubia']);
    await waitFor(async () => !(await inPod(`wget -q -O- http://${ip}/ 2>&1; true`, 30_000)).stdout.includes("You've hit"), 'the address stops answering', 40);
    for (const node of ['host01', 'host02']) {
      const table = serviceTableNameFor(bridgeNameFor(node, join(c.dataDir, 'nodes', node)));
      const rules = execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });
      assert.ok(!rules.includes(`${ip} . tcp . 80`), `${table} has no rule for ${ip}`);
    }
  });

  // image: busybox finds busybox-static's applets (nslookup) first on its PATH, as the image's /bin has them.
  it('seed 000 7.5: kubectl expose deployment backend --port=80 --target-port=9876, and an init container that waits until nslookup backend.default.svc answers', async () => {
    await k(['create', 'deployment', 'backend', '--image=mhausenblas/simpleservice:0.5.0']);
    const exposed = await k(['expose', 'deployment', 'backend', '--port=80', '--target-port=9876']);
    assert.equal(exposed.stdout, 'service/backend exposed\n');
    const created = await k(['create', '-f', '-'], `kind: Deployment
apiVersion: apps/v1
metadata:
  name: nginx
spec:
  replicas: 1
  selector: {matchLabels: {app: nginx}}
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
        command: ['sh', '-c', 'until nslookup backend.default.svc; do echo "Waiting for backend to come up"; sleep 3; done; echo "Backend is up, ready to launch web server"']
`);
    assert.equal(created.stdout, 'deployment.apps/nginx created\n', created.stderr);
    const pod = await waitFor(async () => {
      const items = (await json(['get', 'pods', '-l', 'app=nginx'])).items as { metadata: { name: string } }[];
      return items[0]?.metadata.name;
    }, 'the nginx pod');
    await running(pod).catch(async (e: Error) => {
      throw new Error(`${e.message}; checkbackend logs:\n${(await k(['logs', pod, '-c', 'checkbackend'])).stdout}`);
    });
    const logs = (await k(['logs', pod, '-c', 'checkbackend'])).stdout;
    const ip = (await json(['get', 'svc', 'backend'])).spec.clusterIP as string;
    assert.match(logs, /Server:\s+10\.96\.0\.10\n/);
    assert.ok(logs.includes(`Address: ${ip}`), `the backend's cluster IP in:\n${logs}`);
    assert.match(logs, /Backend is up, ready to launch web server\n$/);
    // busybox's nslookup (its own resolver: the search path only for names without a dot) finds
    // the Service by short, namespace-qualified and full name through the cluster DNS.
    for (const name of ['backend', 'backend.default', 'backend.default.svc.cluster.local']) {
      const r = await k(['exec', 'client', '--', 'nslookup', name]);
      assert.match(r.stdout, /^Server:\s+10\.96\.0\.10\n/, `${name}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stdout.includes(`Name:\tbackend.default.svc.cluster.local\nAddress: ${ip}\n`), `${name}: ${r.stdout}`);
    }
  });

  it('nothing is left after Ctrl-C at a terminal (SIGINT to the whole process group): the nftables tables go, no error is logged', async () => {
    const tables = ['host01', 'host02'].map((n) => serviceTableNameFor(bridgeNameFor(n, join(c.dataDir, 'nodes', n))));
    const listed = () => execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
    for (const t of tables) assert.ok(listed().includes(`table ip ${t}\n`), `${t} while the cluster runs`);
    const dataDir = c.dataDir;
    const before = c.output().length;
    // the helpers (command helper, container shim) get the SIGINT too: they must outlive the agents' cleanup
    assert.ok(c.interrupt, 'startCluster gives interrupt');
    await c.interrupt();
    for (const t of tables) assert.ok(!listed().includes(`table ip ${t}\n`), `${t} is gone after Ctrl-C (${dataDir})`);
    assert.doesNotMatch(c.output().slice(before), /^E\d{4} /m, 'no error while stopping');
  });
});
