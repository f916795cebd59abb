import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecPlugins, pluginError, type PluginExec, type PluginInvocation } from './exec.js';
import { CNIConfig, buildOneConfig, cniArgs } from './libcni.js';
import { CNIError, type NetConfList, type RuntimeConf } from './types.js';

/** RecordingExec answers like plugins and records every call. */
class RecordingExec implements PluginExec {
  calls: { type: string; inv: PluginInvocation }[] = [];
  failOn?: { type: string; command: string };
  async run(type: string, inv: PluginInvocation): Promise<string> {
    this.calls.push({ type, inv });
    if (this.failOn && this.failOn.type === type && this.failOn.command === inv.command) throw new CNIError(type, inv.command, 11, 'boom');
    if (inv.command !== 'ADD') return '';
    const prev = (inv.stdin as { prevResult?: { ips?: unknown[] } }).prevResult;
    return JSON.stringify(prev ?? { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: inv.netns }], ips: [{ address: '10.244.0.2/24', interface: 0 }] });
  }
}

const list: NetConfList = {
  cniVersion: '1.0.0', name: 'net1',
  plugins: [{ type: 'bridge', bridge: 'br0', ipam: { type: 'host-local' } }, { type: 'portmap', capabilities: { portMappings: true } }],
};
const rt: RuntimeConf = {
  containerId: 'sb1', netns: '/run/netns/tskube-sb1', ifName: 'eth0',
  args: [['K8S_POD_NAME', 'web'], ['K8S_POD_NAMESPACE', 'default']],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], bandwidth: { x: 1 } },
};

test('ADD runs plugins in order, chaining prevResult; only plugins with the capability get runtimeConfig', async () => {
  const exec = new RecordingExec();
  const { result, raw } = await new CNIConfig(exec).addNetworkList(list, rt);
  assert.deepEqual(exec.calls.map((c) => `${c.inv.command} ${c.type}`), ['ADD bridge', 'ADD portmap']);
  const [bridge, portmap] = exec.calls.map((c) => c.inv.stdin as Record<string, unknown>);
  assert.equal(bridge.name, 'net1');
  assert.equal(bridge.cniVersion, '1.0.0');
  assert.equal(bridge.prevResult, undefined);
  assert.equal(bridge.runtimeConfig, undefined);
  assert.deepEqual(portmap.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.deepEqual((portmap.prevResult as { ips: unknown[] }).ips, [{ address: '10.244.0.2/24', interface: 0 }]);
  assert.equal(exec.calls[0].inv.args, 'K8S_POD_NAME=web;K8S_POD_NAMESPACE=default');
  assert.deepEqual(result.ips, [{ address: '10.244.0.2/24', interface: 0 }]);
  assert.ok(raw);
});

test('DEL runs plugins in reverse with the cached result, keeps going after a failure and throws the first error', async () => {
  const exec = new RecordingExec();
  exec.failOn = { type: 'portmap', command: 'DEL' };
  const cached = { cniVersion: '1.0.0', ips: [{ address: '10.244.0.2/24' }] };
  await assert.rejects(new CNIConfig(exec).delNetworkList(list, rt, cached), (e: unknown) => e instanceof CNIError && e.code === 11);
  assert.deepEqual(exec.calls.map((c) => `${c.inv.command} ${c.type}`), ['DEL portmap', 'DEL bridge']);
  assert.deepEqual((exec.calls[1].inv.stdin as { prevResult: unknown }).prevResult, cached);
});

test('DEL of a 0.3.1 list passes no prevResult; CHECK needs 0.4.0+ and a cached result', async () => {
  const exec = new RecordingExec();
  const old = { ...list, cniVersion: '0.3.1' };
  await new CNIConfig(exec).delNetworkList(old, rt, { cniVersion: '0.3.1' });
  assert.ok(exec.calls.every((c) => (c.inv.stdin as { prevResult?: unknown }).prevResult === undefined));
  await assert.rejects(new CNIConfig(exec).checkNetworkList(old, rt, {}), /does not support the CHECK command/);
  await assert.rejects(new CNIConfig(exec).checkNetworkList(list, rt, undefined), /no cached result/);
  exec.calls = [];
  await new CNIConfig(exec).checkNetworkList(list, rt, { cniVersion: '1.0.0' });
  assert.deepEqual(exec.calls.map((c) => `${c.inv.command} ${c.type}`), ['CHECK bridge', 'CHECK portmap']);
  exec.calls = [];
  await new CNIConfig(exec).checkNetworkList({ ...list, disableCheck: true }, rt, { cniVersion: '1.0.0' });
  assert.equal(exec.calls.length, 0);
});

test('buildOneConfig and cniArgs', () => {
  const c = buildOneConfig(list, list.plugins[1], undefined, { containerId: 'x', netns: '', ifName: 'eth0' });
  assert.deepEqual(c, { type: 'portmap', capabilities: { portMappings: true }, name: 'net1', cniVersion: '1.0.0' });
  assert.equal(cniArgs({ containerId: 'x', netns: '', ifName: 'eth0' }), '');
});

test('ExecPlugins: the CNI_* environment and stdin reach the executable; a spec error object becomes CNIError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-exec-'));
  try {
    // A plugin that echoes what it was given as a result, or fails like a real plugin when asked to.
    writeFileSync(join(dir, 'echo'), `#!/bin/sh
conf=$(cat)
case "$conf" in *fail*) echo '{"cniVersion":"1.0.0","code":7,"msg":"invalid network config","details":"no bridge"}'; exit 1;; esac
printf '{"cniVersion":"1.0.0","ips":[{"address":"10.9.0.3/24"}],"dns":{"domain":"%s %s %s %s %s %s"}}' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_ARGS" "$CNI_PATH"
`);
    chmodSync(join(dir, 'echo'), 0o755);
    const exec = new ExecPlugins([join(dir, 'nope'), dir]);
    const out = await exec.run('echo', { command: 'ADD', containerId: 'c1', netns: '/run/netns/n', ifName: 'eth0', args: 'A=1', stdin: { type: 'echo' } });
    assert.equal(JSON.parse(out).dns.domain, `ADD c1 /run/netns/n eth0 A=1 ${join(dir, 'nope')}:${dir}`);
    await assert.rejects(exec.run('echo', { command: 'ADD', containerId: 'c1', netns: '', ifName: 'eth0', stdin: { fail: true } }),
      (e: unknown) => e instanceof CNIError && e.code === 7 && e.message === 'plugin type="echo" failed (add): invalid network config: no bridge');
    await assert.rejects(exec.run('missing', { command: 'DEL', containerId: 'c1', netns: '', ifName: 'eth0', stdin: {} }),
      /failed to find plugin "missing" in path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pluginError: plain text output is kept, empty output says so', () => {
  assert.match(pluginError('bridge', 'ADD', '', 'panic: x\n', 'exit status 2').message, /panic: x \(exit status 2\)/);
  assert.match(pluginError('bridge', 'ADD', '', '', 'exit status 1').message, /netplugin failed with no error message: exit status 1/);
});
