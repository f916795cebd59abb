// End-to-end: Services with the real kubectl on `tskube up --nodes 2` — cluster IPs through each
// node's service proxy (nftables), endpoints following readiness, node ports from the host, the
// tables kubectl prints, and seed 000 7.5 (`kubectl expose` + an init container waiting on DNS).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';
import { bridgeNameFor } from '../src/network/pod-network-config.js';
import { tableNameFor } from '../src/network/proxy/proxier.js';

let c: Cluster;
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(c, args, { input, timeoutMs });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
const running = (name: string) => waitFor(async () => /^\S+\s+(\d+)\/\1\s+Running\s/.test((await k(['get', 'pod', name, '--no-headers'])).stdout), `${name} Running`, 240);

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
    c = await startCluster({ nodes: 2 });
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

  it('a deleted Service stops answering and its rules go (the port-80 intercept answers an empty body)', async () => {
    const ip = (await json(['get', 'svc', 'kubia'])).spec.clusterIP as string;
    await k(['delete', 'svc', 'kubia']);
    await waitFor(async () => !(await inPod(`wget -q -O- http://${ip}/ 2>&1; true`, 30_000)).stdout.includes("You've hit"), 'the address stops answering', 40);
    for (const node of ['host01', 'host02']) {
      const table = tableNameFor(bridgeNameFor(node, join(c.dataDir, 'nodes', node)));
      const rules = execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });
      assert.ok(!rules.includes(`${ip} . tcp . 80`), `${table} has no rule for ${ip}`);
    }
  });

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
  });
});
