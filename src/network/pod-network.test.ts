import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contains, parseCIDR } from './cidr.js';
import type { PluginExec, PluginInvocation } from './cni/exec.js';
import { createNetns, deleteNetns, listNetns, NETNS_PREFIX } from './netns.js';
import { bridgeNameFor, bridgeNetworkConfigList, loopbackNetworkConfigList, routeChainNameFor, serviceTableNameFor } from './pod-network-config.js';
import { PodNetwork } from './pod-network.js';
import { processIdentity, readNetworkOwner, readNetworkOwners, recordNetworkOwner, type StaleStateHost } from './stale-state.js';
import { CNI_PLUGINS } from './testing/cni-tool.js';
import { requireTool, ROOT } from '../testing/system-tools.js';
import { claimTestCIDR } from '../testing/test-cidr.js';

test('bridgeNetworkConfigList: bridge (gateway, hairpin; masquerade is the node\'s, not per pod) with host-local over the podCIDR, then portmap', () => {
  const list = bridgeNetworkConfigList({ networkName: 'tskube-host01', bridgeName: 'tsk-host01-ab12', podCIDR: '10.244.1.0/24', ipamDataDir: '/var/lib/tskube/cni/networks' });
  assert.deepEqual(list, {
    cniVersion: '1.0.0', name: 'tskube-host01',
    plugins: [
      {
        type: 'bridge', bridge: 'tsk-host01-ab12', isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/var/lib/tskube/cni/networks' },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  });
  assert.deepEqual(loopbackNetworkConfigList(), { cniVersion: '1.0.0', name: 'cni-loopback', plugins: [{ type: 'loopback' }] });
});

test('bridgeNameFor: fits IFNAMSIZ, readable, differs per state directory', () => {
  const a = bridgeNameFor('host01', '/data/a/nodes/host01');
  const b = bridgeNameFor('host01', '/data/b/nodes/host01');
  assert.match(a, /^tsk-host01-[0-9a-f]{4}$/);
  assert.notEqual(a, b);
  assert.equal(a, bridgeNameFor('host01', '/data/a/nodes/host01'));
  const long = bridgeNameFor('a-very-long.node-name.example.com', '/x');
  assert.ok(long.length <= 15, long);
  assert.match(long, /^tsk-averyl-[0-9a-f]{4}$/);
});

/** FakePlugins answers ADD like bridge/host-local would, handing out .2, .3, … */
class FakePlugins implements PluginExec {
  calls: string[] = [];
  next = 2;
  async run(type: string, inv: PluginInvocation): Promise<string> {
    this.calls.push(`${inv.command} ${type} ${inv.ifName}`);
    if (inv.command !== 'ADD') return '';
    const prev = (inv.stdin as { prevResult?: object }).prevResult;
    if (prev) return JSON.stringify(prev);
    if (type === 'loopback') return JSON.stringify({ cniVersion: '1.0.0', interfaces: [{ name: 'lo', sandbox: inv.netns }], ips: [{ address: '127.0.0.1/8', interface: 0 }] });
    const subnet = ((inv.stdin as { ipam: { ranges: { subnet: string }[][] } }).ipam.ranges[0][0].subnet).split('.').slice(0, 3).join('.');
    return JSON.stringify({ cniVersion: '1.0.0', interfaces: [{ name: 'br' }, { name: 'eth0', sandbox: inv.netns }], ips: [{ address: `${subnet}.${this.next++}/24`, interface: 1, gateway: `${subnet}.1` }] });
  }
}

test('PodNetwork: not ready until the podCIDR is set; then lo + eth0 are set up and torn down in CNI order', async () => {
  const plugins = new FakePlugins();
  const n = new PodNetwork({ nodeName: 'host01', stateDir: '/tmp/x', exec: plugins, privileged: true, routes: async () => [['default', 'eth0'], ['192.0.2.0/24', 'eth0']] });
  assert.deepEqual(n.status(), { ready: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' });
  const pod = { id: 'sb1', netns: '/run/netns/tskube-sb1', podName: 'web', podNamespace: 'default', podUid: 'u1' };
  await assert.rejects(n.setUpPod(pod), /network is not ready: NetworkPluginNotReady/);
  await n.setPodCIDR('10.244.1.7/24');
  assert.deepEqual(n.status(), { ready: true, podCIDR: '10.244.1.0/24' });
  const setup = await n.setUpPod(pod);
  assert.deepEqual(setup.ips, ['10.244.1.2']);
  await n.checkPod(pod, setup);
  await n.tearDownPod({ ...pod, netns: '' }, setup);
  // no hostPorts: portmap, which would only pass the result on, is left out
  assert.deepEqual(plugins.calls, [
    'ADD loopback lo', 'ADD bridge eth0',
    'CHECK bridge eth0',
    'DEL bridge eth0',
  ]);
  plugins.calls = [];
  const withPorts = { ...pod, id: 'sb2', portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] };
  const s2 = await n.setUpPod(withPorts);
  await n.tearDownPod(withPorts, s2);
  assert.deepEqual(plugins.calls, ['ADD loopback lo', 'ADD bridge eth0', 'ADD portmap eth0', 'DEL portmap eth0', 'DEL bridge eth0']);
  // lo brought up by the caller (the sandbox's namespace pinning): no loopback plugin run.
  plugins.calls = [];
  const s3 = await n.setUpPod({ ...pod, id: 'c3' }, undefined, { loopbackUp: true });
  assert.deepEqual(plugins.calls, ['ADD bridge eth0']);
  assert.equal(s3.loopback, undefined);
});

test('PodNetwork: a podCIDR another interface already routes (another cluster) makes the network unavailable, saying why', async () => {
  const n = new PodNetwork({ nodeName: 'host01', stateDir: '/tmp/x', exec: new FakePlugins(), privileged: true, routes: async () => [['10.244.0.0/24', 'tsk-host01-9f9f']] });
  await n.setPodCIDR('10.244.0.0/24');
  const s = n.status();
  assert.equal(s.ready, false);
  assert.equal(!s.ready && s.reason, 'NetworkPluginUnavailable');
  assert.match(!s.ready ? s.message : '', /pod CIDR 10\.244\.0\.0\/24 overlaps 10\.244\.0\.0\/24 routed to tsk-host01-9f9f .*--cluster-cidr/);
});

test('PodNetwork: records itself as the owner when made; before its bridge exists it sweeps a dead owner\'s state (whose bridge carried the same range) and records itself; release removes its record', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tskube-owner-'));
  const ownersDir = join(root, 'owners');
  const exited = spawnSync('true');
  const self = processIdentity()!;
  const deadBridge = 'tsk-host01-dead';
  recordNetworkOwner({
    ...self, pid: exited.pid, nodeName: 'host01', stateDir: join(root, 'killed', 'nodes', 'host01'), bridge: deadBridge,
    networkName: 'tskube-host01', podCIDR: '10.231.0.0/24', nftTables: ['tskube-host01-dead'], routeChain: 'TSKUBE-RT-host01-dead',
  }, ownersDir);
  // The machine: the dead bridge still routes the range, until the sweep deletes it.
  let routes: [string, string][] = [['default', 'eth0'], ['10.231.0.0/24', deadBridge]];
  const deleted: string[] = [];
  const sweepHost: StaleStateHost = {
    bridgePorts: async () => [], namedNetns: async () => [], masqueradeRules: async () => [], deleteMasquerade: async () => undefined,
    deleteLink: async (name) => { deleted.push(name); routes = routes.filter(([, dev]) => dev !== name); return true; },
    deleteNftTable: async (name) => { deleted.push(name); return true; },
    removeRouteChain: async (chain) => { deleted.push(chain); return true; },
    deleteRoute: async () => undefined, deleteNetns: async () => true, mountsUnder: () => [], lazyUnmount: async () => undefined,
  };
  const stateDir = join(root, 'new', 'nodes', 'host01');
  const n = new PodNetwork({ nodeName: 'host01', stateDir, exec: new FakePlugins(), privileged: true, routes: async () => routes, ownersDir, sweepHost });
  assert.equal(readNetworkOwner(n.bridgeName, ownersDir)?.pid, process.pid, 'claimed at once, before any sandbox is recovered or table made');
  assert.equal(readNetworkOwner(n.bridgeName, ownersDir)?.podCIDR, '', 'no pod range yet');
  await n.setPodCIDR('10.231.0.0/24');
  assert.deepEqual(deleted, [deadBridge, 'tskube-host01-dead', 'TSKUBE-RT-host01-dead']);
  assert.deepEqual(n.status(), { ready: true, podCIDR: '10.231.0.0/24' }, 'the dead bridge\'s route no longer conflicts');
  const owners = readNetworkOwners(ownersDir);
  assert.equal(owners.length, 1);
  assert.deepEqual(owners[0], {
    ...self, nodeName: 'host01', stateDir, bridge: n.bridgeName, networkName: 'tskube-host01', podCIDR: '10.231.0.0/24',
    nftTables: [serviceTableNameFor(n.bridgeName)], routeChain: routeChainNameFor(n.bridgeName),
  });
  await n.release();
  assert.deepEqual(readNetworkOwners(ownersDir), []);
  rmSync(root, { recursive: true, force: true });
});

test('PodNetwork: without root it is unavailable for good, and says so', () => {
  const n = new PodNetwork({ nodeName: 'host01', stateDir: '/tmp/x', exec: new FakePlugins(), privileged: false });
  assert.deepEqual(n.status(), { ready: false, reason: 'NetworkPluginUnavailable', message: 'the node agent is not root, so it cannot create network namespaces' });
});

test('PodNetwork: missing plugins name themselves and the package to install', () => {
  const n = new PodNetwork({ nodeName: 'host01', stateDir: '/tmp/x', pluginPaths: ['/nonexistent/cni'], privileged: true });
  const s = n.status();
  assert.match(!s.ready ? s.message : '', /^CNI plugins not installed \(bridge, host-local, loopback, portmap not found in \/nonexistent\/cni\) — apt-get install containernetworking-plugins$/);
});

// ---------------------------------------------------------------- with the real plugins

/** freeRange claims a /16 for this file (src/testing/test-cidr.ts) and gives its first two octets. */
const freeRange = (): string => claimTestCIDR().prefix;

/** serveIn runs a TCP server answering "hi from NAME" inside a network namespace. */
function serveIn(ns: string, name: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
    `require('net').createServer((s) => s.end('hi from ${name} to ' + s.remoteAddress.replace('::ffff:', ''))).listen(8080, () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function untilListening(p: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (d) => { if (String(d).includes('listening')) resolve(); });
    p.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

function fetchTCP(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(8080, ip);
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
  });
}

test('real CNI plugins: two nodes\' bridges, pods get addresses from each podCIDR, host↔pod and pod↔pod across nodes, nothing left after teardown',
  { timeout: 120_000, ...requireTool(ROOT, CNI_PLUGINS) }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'podnet-'));
    const range = freeRange();
    const nodes = [
      { n: new PodNetwork({ nodeName: 'nodea', stateDir: join(root, 'a') }), cidr: `${range}.1.0/24` },
      { n: new PodNetwork({ nodeName: 'nodeb', stateDir: join(root, 'b') }), cidr: `${range}.2.0/24` },
    ];
    const pods: { ns: string; node: PodNetwork; id: string; setup?: Awaited<ReturnType<PodNetwork['setUpPod']>>; server?: ChildProcess }[] = [];
    try {
      for (const { n, cidr } of nodes) {
        await n.setPodCIDR(cidr);
        assert.deepEqual(n.status(), { ready: true, podCIDR: cidr });
      }
      for (const [i, { n }] of [nodes[0], nodes[0], nodes[1]].entries()) {
        const id = `${process.pid}x${i}${Date.now().toString(16)}`;
        const ns = `${NETNS_PREFIX}test-${id.slice(-10)}`;
        const path = await createNetns(ns);
        const pod: (typeof pods)[number] = { ns, node: n, id };
        pods.push(pod);
        pod.setup = await n.setUpPod({ id, netns: path, podName: `p${i}`, podNamespace: 'default', podUid: `u${i}` });
      }
      const ips = pods.map((p) => p.setup!.ips[0]);
      assert.ok(contains(parseCIDR(nodes[0].cidr), ips[0]) && contains(parseCIDR(nodes[0].cidr), ips[1]), ips.join(' '));
      assert.ok(contains(parseCIDR(nodes[1].cidr), ips[2]), ips[2]);
      assert.equal(new Set(ips).size, 3);
      await pods[0].node.checkPod({ id: pods[0].id, netns: `/run/netns/${pods[0].ns}`, podName: 'p0', podNamespace: 'default', podUid: 'u0' }, pods[0].setup!);

      for (const [i, p] of pods.entries()) { p.server = serveIn(p.ns, `p${i}`); await untilListening(p.server); }
      // the host reaches every pod (probes do this)
      for (const [i, ip] of ips.entries()) assert.match(await fetchTCP(ip), new RegExp(`^hi from p${i} to `));
      // a pod reaches a pod on its own node and one on the other node, by IP
      const client = (ns: string, ip: string) => execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e',
        `require('net').connect(8080, '${ip}').on('data', (d) => process.stdout.write(d)).on('error', (e) => { console.error(e.message); process.exit(1); })`], { encoding: 'utf8', timeout: 20_000 });
      // ... and is seen with its own address, on its node and across nodes: no NAT between pods
      assert.equal(client(pods[0].ns, ips[1]), `hi from p1 to ${ips[0]}`);
      assert.equal(client(pods[0].ns, ips[2]), `hi from p2 to ${ips[0]}`);
      assert.equal(client(pods[2].ns, ips[0]), `hi from p0 to ${ips[2]}`);
      // one masquerade rule per node, for traffic leaving the node
      for (const { n, cidr } of nodes) {
        assert.match(execFileSync('iptables', ['-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' }), new RegExp(`-s ${cidr.replaceAll('.', '\\.')} ! -o tsk-\\+ .*${n.bridgeName}.* -j MASQUERADE`));
      }
      // lo is up inside the pod (the loopback plugin ran)
      assert.match(execFileSync('ip', ['netns', 'exec', pods[0].ns, 'ip', '-br', 'link', 'show', 'lo'], { encoding: 'utf8' }), /UNKNOWN|UP/);
    } finally {
      for (const p of pods) {
        p.server?.kill('SIGKILL');
        await p.node.tearDownPod({ id: p.id, netns: `/run/netns/${p.ns}`, podName: '', podNamespace: '', podUid: '' }, p.setup).catch(() => undefined);
        await deleteNetns(p.ns);
      }
      for (const { n } of nodes) await n.release();
    }
    for (const { n } of nodes) {
      assert.ok(!existsSync(`/sys/class/net/${n.bridgeName}`), `bridge ${n.bridgeName} removed`);
    }
    assert.deepEqual(listNetns(`${NETNS_PREFIX}test-`).filter((n) => pods.some((p) => p.ns === n)), []);
    assert.ok(!existsSync(join(root, 'a', 'cni', 'networks')) || readdirSync(join(root, 'a', 'cni', 'networks', 'tskube-nodea')).every((f) => !/^\d/.test(f)));
    assert.doesNotMatch(execFileSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }), new RegExp(nodes.map((x) => x.n.bridgeName).join('|')));
    assert.doesNotMatch(execFileSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }), /tskube-node[ab]/);
    rmSync(root, { recursive: true, force: true });
  });
