// End-to-end: every pod its own network namespace and address from its node's podCIDR (CNI bridge),
// on `tskube up --nodes 2`, driven by the real kubectl.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool, ROOT, UNSHARE } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { contains, parseCIDR } from '../src/network/cidr.js';
import { bridgeNameFor } from '../src/network/pod-network-config.js';
import { claimTestCIDR } from '../src/testing/test-cidr.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);

/** clusterRange claims a /16 for this file's cluster (src/testing/test-cidr.ts): clusters of tests running at the same time never share one. */
const clusterRange = (): string => claimTestCIDR().cidr;

const nginx = (name: string, node: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${node}}
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    ports: [{containerPort: 80}]
${extra}`;

/** what this cluster created on the machine: its bridges, pods' namespaces and veths (recorded while it runs). */
const made = { bridges: [] as string[], netns: new Set<string>(), veths: new Set<string>(), sandboxes: new Set<string>() };

function recordMachineState(dataDir: string): void {
  for (const node of ['host01', 'host02']) {
    const bridge = bridgeNameFor(node, join(dataDir, 'nodes', node));
    if (!made.bridges.includes(bridge)) made.bridges.push(bridge);
    const sbDir = join(dataDir, 'nodes', node, 'sandboxes');
    for (const id of existsSync(sbDir) ? readdirSync(sbDir) : []) { made.sandboxes.add(id); made.netns.add(`tskube-${id.slice(0, 16)}`); }
    if (existsSync(`/sys/class/net/${bridge}`)) {
      const out = execFileSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' });
      for (const m of out.matchAll(/^\d+: ([^:@]+)/gm)) made.veths.add(m[1]);
    }
  }
}

// Needs the real kubectl, root (network namespaces) and Debian's CNI plugins: skipped without them, required in CI.
describeNeeding('pod network: a network namespace and an address per pod', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, UNSHARE, CNI_PLUGINS) }, () => {
  const clusterCIDR = clusterRange();
  before(async () => { c = await startCluster({ nodes: 2, extraArgs: ['--cluster-cidr', clusterCIDR] }); }, { timeout: 2 * 60_000 });
  after(async () => { await c?.stop(); }, { timeout: 60_000 });

  it('node IPAM gives each node its own /24 of --cluster-cidr in spec.podCIDR(s)', async () => {
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes');
    const cidrs = await waitFor(async () => {
      const nodes = (await json(['get', 'nodes'])).items as { spec: { podCIDR?: string; podCIDRs?: string[] } }[];
      return nodes.every((n) => n.spec.podCIDR) && nodes.map((n) => n.spec);
    }, 'podCIDRs');
    assert.equal(new Set(cidrs.map((s) => s.podCIDR)).size, 2);
    for (const s of cidrs) {
      assert.match(s.podCIDR!, /\/24$/);
      assert.ok(contains(parseCIDR(clusterCIDR), s.podCIDR!.split('/')[0]), `${s.podCIDR} in ${clusterCIDR}`);
      assert.deepEqual(s.podCIDRs, [s.podCIDR]);
    }
  });

  it('two nginx pods on one node both listen on port 80 and are Running, each with its own IP from the node\'s podCIDR', async () => {
    await k(['apply', '-f', '-'], [nginx('web1', 'host01'), nginx('web2', 'host01'), nginx('web3', 'host02')].join('---\n'));
    for (const name of ['web1', 'web2', 'web3']) {
      await waitFor(async () => /^\S+\s+1\/1\s+Running\s+0\s/.test((await k(['get', 'pod', name, '--no-headers'])).stdout), `${name} Running`, 240);
    }
    const host01 = (await json(['get', 'node', 'host01'])).spec.podCIDR as string;
    const host02 = (await json(['get', 'node', 'host02'])).spec.podCIDR as string;
    const wide = (await k(['get', 'pods', 'web1', 'web2', 'web3', '-o', 'wide', '--no-headers'])).stdout.trim().split('\n').map((l) => l.split(/\s+/));
    const ip = Object.fromEntries(wide.map((r) => [r[0], r[5]]));
    assert.notEqual(ip.web1, ip.web2);
    assert.ok(contains(parseCIDR(host01), ip.web1) && contains(parseCIDR(host01), ip.web2), `${ip.web1} ${ip.web2} in ${host01}`);
    assert.ok(contains(parseCIDR(host02), ip.web3), `${ip.web3} in ${host02}`);
    const pod = await json(['get', 'pod', 'web1']);
    assert.deepEqual(pod.status.podIPs, [{ ip: ip.web1 }]);
    assert.equal(pod.status.hostIP, '127.0.1.1', 'the node keeps its own address');
    recordMachineState(c.dataDir);
  });

  it('a pod reaches another pod by IP, on its node and on the other node; the host reaches pods too', async () => {
    const ips = Object.fromEntries(await Promise.all(['web2', 'web3'].map(async (n) => [n, (await json(['get', 'pod', n])).status.podIP as string])));
    for (const target of ['web2', 'web3']) {
      const r = await k(['exec', 'web1', '--', 'curl', '-s', '-m', '10', `http://${ips[target]}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /<title>Welcome to nginx!<\/title>/, `web1 → ${target} (${ips[target]})`);
    }
    // a pod's own containers reach it on localhost
    assert.match((await k(['exec', 'web1', '--', 'curl', '-s', '-m', '10', 'http://127.0.0.1/'])).stdout, /Welcome to nginx!/);
    // no NAT between pods: both servers saw web1's own address, on its node and across nodes
    const web1IP = (await json(['get', 'pod', 'web1'])).status.podIP;
    for (const target of ['web2', 'web3']) {
      const logs = (await k(['logs', target])).stdout;
      assert.ok(logs.includes(`${web1IP} - - [`), `${target} saw web1's address (${web1IP}) as the client:\n${logs}`);
    }
  });

  it('an httpGet readiness probe reaches the pod at its IP', async () => {
    await k(['apply', '-f', '-'], nginx('ready-web', 'host02', `    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 1
`));
    await waitFor(async () => /^\S+\s+1\/1\s+Running/.test((await k(['get', 'pod', 'ready-web', '--no-headers'])).stdout), 'ready-web Ready', 240);
  });

  it('/etc/hostname, hostname, /etc/hosts (with hostAliases and a subdomain) and /etc/resolv.conf are the pod\'s', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: named}
spec:
  hostname: db-0
  subdomain: db
  terminationGracePeriodSeconds: 1
  hostAliases:
  - ip: 127.0.0.1
    hostnames: [foo.local, bar.local]
  - ip: 10.1.2.3
    hostnames: [foo.remote]
  containers:
  - {name: main, image: busybox, command: [sleep, "3600"]}
`);
    await waitFor(async () => /Running/.test((await k(['get', 'pod', 'named', '--no-headers'])).stdout), 'named Running', 240);
    const podIP = (await json(['get', 'pod', 'named'])).status.podIP;
    assert.equal((await k(['exec', 'named', '--', 'cat', '/etc/hostname'])).stdout, 'db-0\n');
    assert.equal((await k(['exec', 'named', '--', 'hostname'])).stdout, 'db-0\n');
    assert.equal((await k(['exec', 'named', '--', 'cat', '/etc/hosts'])).stdout, `# Kubernetes-managed hosts file.
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
fe00::0\tip6-mcastprefix
fe00::1\tip6-allnodes
fe00::2\tip6-allrouters
${podIP}\tdb-0.db.default.svc.cluster.local\tdb-0

# Entries added by HostAliases.
127.0.0.1\tfoo.local\tbar.local
10.1.2.3\tfoo.remote
`);
    const resolv = (await k(['exec', 'named', '--', 'cat', '/etc/resolv.conf'])).stdout;
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local( \S+)*\nnameserver 10\.96\.0\.10\noptions ndots:5\n$/);
    const web1 = await k(['exec', 'web1', '--', 'cat', '/etc/hostname', '/etc/hosts']);
    assert.match(web1.stdout, /^web1\n# Kubernetes-managed hosts file\.\n/);
    assert.match(web1.stdout, new RegExp(`\\n${(await json(['get', 'pod', 'web1'])).status.podIP.replaceAll('.', '\\.')}\\tweb1\\n$`));
  });

  it('a hostNetwork pod has the node\'s IP and the node\'s hosts file', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  nodeSelector: {kubernetes.io/hostname: host02}
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox, command: [sleep, "3600"]}
`);
    await waitFor(async () => /Running/.test((await k(['get', 'pod', 'hostnet', '--no-headers'])).stdout), 'hostnet Running', 240);
    const st = (await json(['get', 'pod', 'hostnet'])).status;
    assert.equal(st.podIP, '127.0.1.2');
    assert.equal(st.podIP, st.hostIP);
    assert.match((await k(['exec', 'hostnet', '--', 'cat', '/etc/hosts'])).stdout, /^# Kubernetes-managed hosts file \(host network\)\.\n/);
  });

  it('a containerPort with a hostPort is reachable on the node\'s address (the portmap plugin)', async () => {
    const hostPort = 20000 + Math.floor(Math.random() * 10000);
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: hostport}
spec:
  nodeSelector: {kubernetes.io/hostname: host02}
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    ports: [{containerPort: 80, hostPort: ${hostPort}}]
`);
    await waitFor(async () => /Running/.test((await k(['get', 'pod', 'hostport', '--no-headers'])).stdout), 'hostport Running', 240);
    const body = await waitFor(async () => {
      const r = await fetch(`http://127.0.1.2:${hostPort}/`).then((x) => x.text()).catch(() => '');
      return r.includes('Welcome to nginx!') && r;
    }, `127.0.1.2:${hostPort} answering`);
    assert.match(body, /<title>Welcome to nginx!<\/title>/);
  });

  it('deleting a pod removes its network namespace', async () => {
    const sbDir = join(c.dataDir, 'nodes', 'host01', 'sandboxes');
    recordMachineState(c.dataDir);
    const before = new Set(readdirSync(sbDir));
    const r = await k(['delete', 'pod', 'web2', '--wait=true']);
    assert.equal(r.code, 0, r.stderr);
    const after = new Set(readdirSync(sbDir));
    const gone = [...before].filter((id) => !after.has(id));
    assert.equal(gone.length, 1, 'web2\'s sandbox removed');
    assert.ok(!existsSync(`/run/netns/tskube-${gone[0].slice(0, 16)}`), 'its network namespace is gone');
  });

  it('after the cluster stops, none of its network namespaces, veths or bridges is left', async () => {
    recordMachineState(c.dataDir);
    assert.ok(made.netns.size >= 4 && made.veths.size >= 3 && made.bridges.length === 2, JSON.stringify({ netns: [...made.netns], veths: [...made.veths] }));
    await c.stop();
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    for (const ns of made.netns) assert.ok(!netns.includes(ns), `netns ${ns} left`);
    for (const v of made.veths) assert.ok(!new RegExp(`^\\d+: ${v}[:@]`, 'm').test(links), `veth ${v} left`);
    for (const b of made.bridges) assert.ok(!new RegExp(`^\\d+: ${b}:`, 'm').test(links), `bridge ${b} left`);
    // the bridge plugin's masquerade rules carry the sandbox id in their comment
    const nat = execFileSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' });
    for (const id of made.sandboxes) assert.ok(!nat.includes(id), `iptables rule of sandbox ${id} left`);
  });
});
