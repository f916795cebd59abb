// End-to-end: `tskube up --service-cluster-ip-range 10.100.0.0/16 --service-node-port-range
// 31000-31099` with the real kubectl — the kubernetes Service on the range's first address and
// cluster DNS on its tenth, allocations and Kubernetes' errors from the given ranges; pods reaching
// the API server through the kubernetes Service (curl and the Python client's in-cluster config);
// the documented "Services without selectors" example, whose manual Endpoints are mirrored into
// an EndpointSlice and routed by the service proxy to an address outside the cluster.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';

let c: Cluster;
const k = (args: string[], input?: string, timeoutMs?: number) => kubectl(c, args, { input, timeoutMs });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
const running = (name: string) => waitFor(async () => /^\S+\s+(\d+)\/\1\s+Running\s/.test((await k(['get', 'pod', name, '--no-headers'])).stdout), `${name} Running`, 240);
const PYTHON_CLIENT = { name: 'python3-kubernetes', check: () => spawnSync('/usr/bin/python3', ['-c', 'import kubernetes']).status === 0, apt: 'python3-kubernetes' };

// An address of TEST-NET-3 that this test puts on the host's loopback device: outside the cluster,
// yet reachable from pods (routed to the node, which owns it).
const OUTSIDE_IP = `203.0.113.${100 + Math.floor(Math.random() * 100)}`;
let outside: ChildProcess | undefined;

const selectorless = `apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9376
---
apiVersion: v1
kind: Endpoints
metadata:
  name: my-service
subsets:
  - addresses:
      - ip: ${OUTSIDE_IP}
    ports:
      - port: 9376
`;

describe('tskube up rejects service ranges as kube-apiserver does', { timeout: 2 * 60_000 }, () => {
  for (const [flag, value, message] of [
    ['--service-cluster-ip-range', '10.0.0.0/8', 'specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12'],
    ['--service-cluster-ip-range', '10.96.0.0', 'service-cluster-ip-range[0] is not a valid cidr'],
    ['--service-node-port-range', '32000-31000', 'end port cannot be less than start port: 32000-31000'],
  ]) {
    it(`${flag} ${value}`, async () => {
      await assert.rejects(startCluster({ nodes: 0, extraArgs: [flag, value] }), (e: Error) => e.message.includes(message));
    });
  }

  it('tskube agent --cluster-dns takes an IPv4 address', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--server', 'https://127.0.0.1:1', '--token', 't', '--name', 'n', '--cluster-dns', 'nope'],
      { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stdout + r.stderr, /--cluster-dns must be an IPv4 address, not \\?"nope\\?"/);
  });
});

describeNeeding('service ranges, pods reaching the API server, Services without selectors', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 1, extraArgs: ['--service-cluster-ip-range', '10.100.0.0/16', '--service-node-port-range', '31000-31099'] });
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'a Ready node');
    await k(['run', 'client', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
    await running('client');
  }, { timeout: 3 * 60_000 });
  after(async () => {
    outside?.kill();
    spawnSync('ip', ['addr', 'del', `${OUTSIDE_IP}/32`, 'dev', 'lo']);
    await c?.stop();
  }, { timeout: 60_000 });

  it('the kubernetes Service takes the range\'s first address, cluster DNS its tenth; pods are told so', async () => {
    const rows = (await k(['get', 'svc', '-A', '--no-headers'])).stdout.trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((r) => r.slice(0, 4)), [['default', 'kubernetes', 'ClusterIP', '10.100.0.1'], ['kube-system', 'kube-dns', 'ClusterIP', '10.100.0.10']]);
    assert.match((await k(['exec', 'client', '--', 'cat', '/etc/resolv.conf'])).stdout, /^nameserver 10\.100\.0\.10$/m);
    assert.match((await k(['exec', 'client', '--', 'env'])).stdout, /^KUBERNETES_SERVICE_HOST=10\.100\.0\.1$/m);
    const r = await waitFor(async () => { const o = await k(['exec', 'client', '--', 'nslookup', 'kubernetes.default.svc.cluster.local']); return o.code === 0 && o; }, 'nslookup kubernetes', 40);
    assert.match(r.stdout, /^Server:\s+10\.100\.0\.10\n/);
    assert.match(r.stdout, /Address: 10\.100\.0\.1\n/);
  });

  it('Services get addresses and node ports from the ranges; others are refused with Kubernetes\' messages', async () => {
    assert.equal((await k(['create', 'service', 'nodeport', 'np', '--tcp=80:8080'])).stdout, 'service/np created\n');
    const svc = await json(['get', 'svc', 'np']);
    assert.match(svc.spec.clusterIP, /^10\.100\.\d+\.\d+$/);
    const port = svc.spec.ports[0].nodePort as number;
    assert.ok(port >= 31000 && port <= 31099, `node port ${port} in 31000-31099`);
    const ip = await k(['create', 'service', 'clusterip', 'bad-ip', '--tcp=80', '--clusterip=10.96.5.5']);
    assert.match(ip.stderr, /spec\.clusterIPs: Invalid value: \[\]string\{"10\.96\.5\.5"\}: failed to allocate IP 10\.96\.5\.5: the provided IP \(10\.96\.5\.5\) is not in the valid range\. The range of valid IPs is 10\.100\.0\.0\/16/);
    const np = await k(['create', 'service', 'nodeport', 'bad-port', '--tcp=80:8080', '--node-port=30080']);
    assert.match(np.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is not in the valid range\. The range of valid ports is 31000-31099/);
  });

  it('a pod reaches the API server through the kubernetes Service (curl to kubernetes.default.svc)', async () => {
    const r = await waitFor(async () => {
      const o = await k(['exec', 'client', '--', 'curl', '-sS', '-m', '5', '-k', 'https://kubernetes.default.svc/version']);
      return o.code === 0 && o;
    }, 'the API through 10.100.0.1:443', 40);
    assert.equal(JSON.parse(r.stdout).gitVersion.startsWith('v1.32.'), true, r.stdout);
    // and by address, with a token the API checks (401 without a valid one)
    const denied = await k(['exec', 'client', '--', 'curl', '-s', '-k', '-H', 'Authorization: Bearer not-a-token', 'https://10.100.0.1/api/v1/namespaces']);
    assert.equal(JSON.parse(denied.stdout).code, 401);
  });

  /** inClusterPython runs a Python client script in a pod whose service account credentials are the admin's (see below); resolves with its logs. */
  /** inClusterPython runs a script with the Python client's in-cluster config in a pod: its own service account token and CA (the kube-api-access volume). */
  async function inClusterPython(name: string, script: string): Promise<string> {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  containers:
  - name: py
    image: python:3
    command: [python3, -c, ${JSON.stringify(`from kubernetes import client, config; config.load_incluster_config(); ${script}`)}]
`);
    await waitFor(async () => ['Succeeded', 'Failed'].includes((await json(['get', 'pod', name])).status.phase), `${name} finished`, 120);
    return (await k(['logs', name])).stdout;
  }

  it('the Python client\'s in-cluster config reaches the API from a pod (KUBERNETES_SERVICE_HOST, the CA, the certificate naming 10.100.0.1)', requireTool(PYTHON_CLIENT), async () => {
    // /version is open to every authenticated user (system:public-info-viewer): the pod's own token will do.
    const logs = await inClusterPython('incluster-version', 'print(client.VersionApi().get_code().git_version)');
    assert.match(logs, /^v1\.32\.\d+\n$/, logs);
  });

  it('the Python client\'s in-cluster config lists pods with its token once RBAC allows its service account', requireTool(PYTHON_CLIENT), async () => {
    const list = "\ntry:\n  print(len(client.CoreV1Api().list_namespaced_pod('default').items) > 0)\nexcept client.ApiException as e:\n  print(e.status)";
    assert.equal(await inClusterPython('incluster-denied', list), '403\n', 'the default service account may not list pods before a binding');
    assert.equal((await k(['create', 'role', 'pod-reader', '--verb=list', '--resource=pods'])).stdout, 'role.rbac.authorization.k8s.io/pod-reader created\n');
    assert.equal((await k(['create', 'rolebinding', 'default-reads-pods', '--role=pod-reader', '--serviceaccount=default:default'])).stdout, 'rolebinding.rbac.authorization.k8s.io/default-reads-pods created\n');
    assert.equal(await inClusterPython('incluster-list', list), 'True\n');
  });

  it('Services without selectors: manual Endpoints are mirrored into an EndpointSlice and the proxy routes to their address', async () => {
    execFileSync('ip', ['addr', 'add', `${OUTSIDE_IP}/32`, 'dev', 'lo']);
    outside = spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('served outside the cluster\\n')).listen(9376, '${OUTSIDE_IP}')`], { stdio: 'ignore' });
    const applied = await k(['apply', '-f', '-'], selectorless);
    assert.equal(applied.stdout, 'service/my-service created\nendpoints/my-service created\n', applied.stderr);
    const slice = await waitFor(async () => (await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=my-service'])).items[0], 'the mirrored slice', 40);
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(slice.endpoints.map((e: { addresses: string[] }) => e.addresses[0]), [OUTSIDE_IP]);
    const table = (await k(['get', 'endpointslices', slice.metadata.name, '--no-headers'])).stdout.trim().split(/\s+/);
    assert.deepEqual(table.slice(0, 4), [slice.metadata.name, 'IPv4', '9376', OUTSIDE_IP]);
    // the port-80 intercept answers an empty 404 for addresses nobody serves: check the body
    const body = await waitFor(async () => { const o = await k(['exec', 'client', '--', 'wget', '-q', '-O-', 'http://my-service']); return o.stdout.includes('served outside') && o.stdout; }, 'my-service answers from outside the cluster', 40);
    assert.equal(body, 'served outside the cluster\n');
    // deleting the Service takes the mirrored slice along
    await k(['delete', 'svc', 'my-service']);
    await waitFor(async () => (await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=my-service'])).items.length === 0, 'the mirrored slice gone', 40);
  });
});
