// End-to-end: cluster DNS with the real kubectl on `tskube up --nodes 2` — Services by short and
// full name, a headless Service in front of a StatefulSet with a stable name per pod, SRV for named
// ports, PTR, NXDOMAIN, asked from inside a pod with busybox's nslookup and the C library's resolver.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { BUSYBOX, NFTABLES } from '../src/network/testing/nft-tool.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input, timeoutMs: 60_000 });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
const running = (name: string) => waitFor(async () => /^\S+\s+(\d+)\/\1\s+Running\s/.test((await k(['get', 'pod', name, '--no-headers'])).stdout), `${name} Running`, 240);
/** lookup runs busybox's nslookup in the client pod. */
const lookup = (...args: string[]) => k(['exec', 'client', '--', 'busybox', 'nslookup', ...args]);

const sleepSet = `apiVersion: v1
kind: Service
metadata: {name: sleep, labels: {app: sleep}}
spec:
  clusterIP: None
  selector: {app: sleep}
  ports: [{name: web, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sleep}
spec:
  serviceName: sleep
  replicas: 2
  selector: {matchLabels: {app: sleep}}
  template:
    metadata: {labels: {app: sleep}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: luksa/kubia
        ports: [{name: web, containerPort: 8080}]
`;

describeNeeding('cluster DNS', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS, NFTABLES, BUSYBOX) }, () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
    await k(['run', 'client', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
    await k(['create', 'deployment', 'web', '--image=nginx', '--port=80']);
    await k(['expose', 'deployment', 'web', '--port=80']);
    await k(['apply', '-f', '-'], sleepSet);
    await running('client');
  }, { timeout: 3 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('a Service resolves by short name, by namespace-qualified name and by its full name to its cluster IP', async () => {
    const ip = (await json(['get', 'svc', 'web'])).spec.clusterIP as string;
    for (const name of ['web.default.svc.cluster.local', 'web.default.svc']) {
      const r = await waitFor(async () => { const o = await lookup(name); return o.code === 0 && o; }, `nslookup ${name}`, 40);
      assert.match(r.stdout, /^Server:\s+10\.96\.0\.10\nAddress:\s+10\.96\.0\.10:53\n/);
      assert.match(r.stdout, new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\nAddress: ${ip.replace(/\./g, '\\.')}\\n`));
    }
    // The C library's resolver walks the search path (ndots:5), so the short name works everywhere.
    assert.match((await k(['exec', 'client', '--', 'getent', 'hosts', 'web'])).stdout, new RegExp(`^${ip.replace(/\./g, '\\.')}\\s+web\\.default\\.svc\\.cluster\\.local\\n`));
    assert.match((await k(['exec', 'client', '--', 'getent', 'hosts', 'kubernetes.default'])).stdout, /^10\.96\.0\.1\s+kubernetes\.default\.svc\.cluster\.local\n/);
  });

  it('a name of the cluster domain that does not exist is NXDOMAIN', async () => {
    const r = await lookup('nothere.default.svc.cluster.local');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /\*\* server can't find nothere\.default\.svc\.cluster\.local: NXDOMAIN/);
  });

  it('each StatefulSet pod resolves by its stable name under the headless Service; the Service name lists them all', async () => {
    await running('sleep-0');
    await running('sleep-1');
    const ips = Object.fromEntries(await Promise.all(['sleep-0', 'sleep-1'].map(async (n) => [n, (await json(['get', 'pod', n])).status.podIP as string])));
    for (const pod of ['sleep-0', 'sleep-1']) {
      const r = await waitFor(async () => { const o = await lookup(`${pod}.sleep.default.svc.cluster.local`); return o.code === 0 && o; }, `${pod} resolves`, 60);
      assert.ok(r.stdout.includes(`Address: ${ips[pod]}`), `${pod}: ${r.stdout}`);
    }
    const all = await waitFor(async () => { const o = await lookup('sleep.default.svc.cluster.local'); return o.stdout.includes(ips['sleep-0']) && o.stdout.includes(ips['sleep-1']) && o; }, 'the headless Service lists both pods', 40);
    assert.match(all.stdout, /Name:\s+sleep\.default\.svc\.cluster\.local/);
    // and from another pod of the set, by the short stable name through the search path
    assert.match((await k(['exec', 'sleep-0', '--', 'getent', 'hosts', 'sleep-1.sleep'])).stdout, new RegExp(`^${ips['sleep-1'].replace(/\./g, '\\.')}\\s+sleep-1\\.sleep\\.default\\.svc\\.cluster\\.local`));
  });

  it('SRV records name the ports; PTR records name Services and StatefulSet pods', async () => {
    const srv = await lookup('-type=srv', '_web._tcp.sleep.default.svc.cluster.local');
    assert.equal(srv.code, 0, srv.stdout + srv.stderr);
    assert.match(srv.stdout, /_web\._tcp\.sleep\.default\.svc\.cluster\.local\s+service = 0 50 8080 sleep-0\.sleep\.default\.svc\.cluster\.local/);
    assert.match(srv.stdout, /service = 0 50 8080 sleep-1\.sleep\.default\.svc\.cluster\.local/);
    const dns = await lookup('10.96.0.10');
    assert.match(dns.stdout, /10\.0\.96\.10\.in-addr\.arpa\s+name = kube-dns\.kube-system\.svc\.cluster\.local/);
    const ip0 = (await json(['get', 'pod', 'sleep-0'])).status.podIP as string;
    const ptr = await lookup(ip0);
    assert.match(ptr.stdout, /name = sleep-0\.sleep\.default\.svc\.cluster\.local/);
  });
});
