import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands, type CommandResult, type CommandRunner, type HelperOp } from './command/command.js';
import type { PluginExec, PluginInvocation } from './cni/exec.js';
import { CNIError } from './cni/types.js';
import { HostLocalStore } from './host-local-store.js';
import { NativeBridge } from './native-bridge.js';
import { bridgeNetworkConfigList } from './pod-network-config.js';
import { BUSYBOX_STATIC, IPROUTE2, PYTHON3, ROOT, requireTool } from '../testing/system-tools.js';

/** FakeHelper answers veth operations as netlink.py would, recording them. */
class FakeHelper {
  ops: HelperOp[] = [];
  usable = true;
  fail?: string;
  helperUsable(): boolean { return this.usable; }
  async runHelperOp(op: HelperOp): Promise<CommandResult> {
    this.ops.push(op);
    if (this.fail) return { code: 32, signal: null, stdout: '', stderr: `${this.fail}\n` };
    const stdout = op.op === 'veth-add' ? JSON.stringify({ bridge: { name: op.bridge, mac: 'aa:00:00:00:00:01' }, host: { name: 'veth0badf00d', mac: 'aa:00:00:00:00:02' }, pod: { name: op.ifName, mac: 'aa:00:00:00:00:03' } }) : '';
    return { code: 0, signal: null, stdout, stderr: '' };
  }
}

/** Plugins records what went to the plugin executables. */
class Plugins implements PluginExec {
  calls: string[] = [];
  async run(type: string, inv: PluginInvocation): Promise<string> { this.calls.push(`${type} ${inv.command}`); return '{}'; }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'native-bridge-'));
  const list = bridgeNetworkConfigList({ networkName: 'tskube-n1', bridgeName: 'tsk-n1-abcd', podCIDR: '10.5.6.0/24', ipamDataDir: dir });
  const helper = new FakeHelper();
  const plugins = new Plugins();
  const nb = new NativeBridge(plugins, helper as unknown as CommandRunner);
  const conf = (extra: object = {}) => ({ ...list.plugins[0], name: list.name, cniVersion: list.cniVersion, ...extra });
  const inv = (command: 'ADD' | 'DEL' | 'CHECK', stdin: object, netns = '/run/netns/p1'): PluginInvocation => ({ command, containerId: 'sb1', netns, ifName: 'eth0', stdin });
  return { dir, helper, plugins, nb, conf, inv, store: new HostLocalStore(dir, 'tskube-n1'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('ADD leases an address, has the helper attach the pod, and prints the bridge plugin\'s result', async () => {
  const s = setup();
  try {
    const out = JSON.parse(await s.nb.run('bridge', s.inv('ADD', s.conf())));
    assert.deepEqual(s.helper.ops, [{ op: 'veth-add', netns: '/run/netns/p1', ifName: 'eth0', bridge: 'tsk-n1-abcd', address: '10.5.6.2', prefix: 24, gateway: '10.5.6.1', hairpin: true }]);
    assert.deepEqual(out, {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'tsk-n1-abcd', mac: 'aa:00:00:00:00:01' }, { name: 'veth0badf00d', mac: 'aa:00:00:00:00:02' }, { name: 'eth0', mac: 'aa:00:00:00:00:03', sandbox: '/run/netns/p1' }],
      ips: [{ interface: 2, address: '10.5.6.2/24', gateway: '10.5.6.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: {},
    });
    assert.deepEqual(s.store.leases(), ['10.5.6.2']);
    assert.deepEqual(s.plugins.calls, []);
  } finally { s.done(); }
});

test('a failed attachment gives its address back and fails as the plugin would', async () => {
  const s = setup();
  try {
    s.helper.fail = 'container veth name provided (eth0) already exists';
    await assert.rejects(s.nb.run('bridge', s.inv('ADD', s.conf())), (e: unknown) => e instanceof CNIError && /failed \(add\): container veth name provided \(eth0\) already exists/.test(e.message));
    assert.deepEqual(s.store.leases(), []);
  } finally { s.done(); }
});

test('DEL releases the cached result\'s address and removes the interface; without a namespace only the address goes', async () => {
  const s = setup();
  try {
    const prevResult = JSON.parse(await s.nb.run('bridge', s.inv('ADD', s.conf())));
    await s.nb.run('bridge', s.inv('DEL', s.conf({ prevResult })));
    assert.deepEqual(s.helper.ops.at(-1), { op: 'veth-del', netns: '/run/netns/p1', ifName: 'eth0' });
    assert.deepEqual(s.store.leases(), []);
    await s.nb.run('bridge', s.inv('ADD', s.conf()));
    const n = s.helper.ops.length;
    await s.nb.run('bridge', s.inv('DEL', s.conf(), ''));
    assert.equal(s.helper.ops.length, n);
    assert.deepEqual(s.store.leases(), []);
  } finally { s.done(); }
});

test('CHECK asks the helper about the cached address; a lease that is gone or no cached result fails', async () => {
  const s = setup();
  try {
    const prevResult = JSON.parse(await s.nb.run('bridge', s.inv('ADD', s.conf())));
    await s.nb.run('bridge', s.inv('CHECK', s.conf({ prevResult })));
    assert.deepEqual(s.helper.ops.at(-1), { op: 'veth-check', netns: '/run/netns/p1', ifName: 'eth0', address: '10.5.6.2' });
    await assert.rejects(s.nb.run('bridge', s.inv('CHECK', s.conf())), /Required prevResult missing/);
    s.store.release('sb1', 'eth0');
    await assert.rejects(s.nb.run('bridge', s.inv('CHECK', s.conf({ prevResult }))), /Failed to find address added by container sb1/);
  } finally { s.done(); }
});

test('other plugins, configurations beyond tskube\'s, and a machine without the helper go to the plugin executables', async () => {
  const s = setup();
  try {
    await s.nb.run('portmap', s.inv('ADD', { type: 'portmap' }));
    await s.nb.run('bridge', s.inv('ADD', s.conf({ ipMasq: true })));
    await s.nb.run('bridge', s.inv('ADD', s.conf({ ipam: { type: 'dhcp' } })));
    await s.nb.run('bridge', s.inv('ADD', s.conf({ ipam: { type: 'host-local', ranges: [[{ subnet: 'fd00::/64' }]] } })));
    s.helper.usable = false;
    await s.nb.run('bridge', s.inv('ADD', s.conf()));
    assert.deepEqual(s.plugins.calls, ['portmap ADD', 'bridge ADD', 'bridge ADD', 'bridge ADD', 'bridge ADD']);
    assert.deepEqual(s.helper.ops, []);
  } finally { s.done(); }
});

test('on this machine: the helper attaches two pods to a bridge, they reach each other, and DEL leaves nothing', requireTool(ROOT, PYTHON3, IPROUTE2, BUSYBOX_STATIC), async () => {
  const dir = mkdtempSync(join(tmpdir(), 'native-bridge-real-'));
  const tag = (process.pid % 100000).toString(36);
  const bridge = `tsk-nbt-${tag}`;
  const list = bridgeNetworkConfigList({ networkName: 'tskube-nbt', bridgeName: bridge, podCIDR: '10.197.3.0/24', ipamDataDir: dir });
  const conf = { ...list.plugins[0], name: list.name, cniVersion: list.cniVersion };
  const nb = new NativeBridge({ run: () => Promise.reject(new Error('no plugin should run')) });
  const ns = [`nbt-${tag}-a`, `nbt-${tag}-b`];
  const sh = (cmd: string) => execSync(cmd, { encoding: 'utf8' });
  try {
    for (const n of ns) sh(`ip netns add ${n}`);
    const results = [];
    for (const [i, n] of ns.entries()) {
      results.push(JSON.parse(await nb.run('bridge', { command: 'ADD', containerId: `c${i}`, netns: `/run/netns/${n}`, ifName: 'eth0', stdin: conf })));
    }
    assert.deepEqual(results.map((r) => r.ips[0].address), ['10.197.3.2/24', '10.197.3.3/24']);
    assert.match(sh(`ip -n ${ns[0]} -4 addr show eth0`), /inet 10\.197\.3\.2\/24 brd 10\.197\.3\.255 scope global eth0/);
    assert.match(sh(`ip -n ${ns[0]} route`), /default via 10\.197\.3\.1 dev eth0/);
    assert.match(sh(`ip -d link show ${results[0].interfaces[1].name}`), new RegExp(`master ${bridge} .*hairpin on`, 's'));
    assert.match(sh(`ip -4 addr show ${bridge}`), /inet 10\.197\.3\.1\/24/);
    assert.equal(sh(`ip netns exec ${ns[0]} cat /proc/sys/net/ipv4/conf/eth0/arp_notify`).trim(), '1');
    assert.match(sh(`ip netns exec ${ns[0]} busybox ping -c 1 -W 2 10.197.3.3`), /1 packets received/);
    await nb.run('bridge', { command: 'CHECK', containerId: 'c0', netns: `/run/netns/${ns[0]}`, ifName: 'eth0', stdin: { ...conf, prevResult: results[0] } });
    await assert.rejects(nb.run('bridge', { command: 'CHECK', containerId: 'c0', netns: `/run/netns/${ns[0]}`, ifName: 'eth0', stdin: { ...conf, prevResult: results[1] } }), /failed \(check\)/);
    for (const [i, n] of ns.entries()) await nb.run('bridge', { command: 'DEL', containerId: `c${i}`, netns: `/run/netns/${n}`, ifName: 'eth0', stdin: { ...conf, prevResult: results[i] } });
    assert.doesNotMatch(sh(`ip -n ${ns[0]} link`), /eth0/);
    assert.doesNotMatch(sh('ip link'), new RegExp(results[0].interfaces[1].name));
    assert.deepEqual(new HostLocalStore(dir, 'tskube-nbt').leases(), []);
    // A second DEL, and one whose namespace is gone, are no errors.
    sh(`ip netns del ${ns[1]}`);
    await nb.run('bridge', { command: 'DEL', containerId: 'c1', netns: `/run/netns/${ns[1]}`, ifName: 'eth0', stdin: { ...conf, prevResult: results[1] } });
    await nb.run('bridge', { command: 'DEL', containerId: 'c0', netns: `/run/netns/${ns[0]}`, ifName: 'eth0', stdin: { ...conf, prevResult: results[0] } });
  } finally {
    for (const n of ns) spawnSync('ip', ['netns', 'del', n]);
    spawnSync('ip', ['link', 'del', bridge]);
    commands.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
