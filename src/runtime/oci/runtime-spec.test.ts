import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CAPABILITIES, boundingCapabilities, buildRuntimeSpec, capabilitiesOf, DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS, type RuntimeSpecInput } from './runtime-spec.js';
import type { ContainerConfig } from '../types.js';

const base: ContainerConfig = {
  podUid: 'uid-1', podName: 'web', podNamespace: 'default', name: 'app', attempt: 0, image: 'docker.io/library/busybox:latest',
  argv: ['sh', '-c', 'echo hi'], env: { GREETING: 'hi' }, mounts: [], logPath: '/var/log/pods/x/app/0.log',
};

function input(over: Partial<ContainerConfig> = {}, rest: Partial<RuntimeSpecInput> = {}): RuntimeSpecInput {
  return {
    config: { ...base, ...over }, rootfs: '/node/c1/rootfs', cgroupsPath: 'kubepods/besteffort/poduid-1/c1',
    user: { uid: 0, gid: 0, additionalGids: [] },
    sandbox: {
      netnsPath: '/run/netns/tskube-1', utsPath: '/node/sb/uts', ipcPath: '/node/sb/ipc', hostname: 'web',
      hostnameFile: '/node/sb/hostname', resolvConfFile: '/node/sb/resolv.conf',
    },
    ...rest,
  };
}

test('spec: argv, environment (PATH and HOSTNAME unless the container sets them), cwd, user, rootfs', () => {
  const s = buildRuntimeSpec(input({ env: { GREETING: 'hi', PATH: '/app/bin' }, workingDir: '/srv' }, { user: { uid: 1000, gid: 1000, additionalGids: [5, 6] } }));
  assert.deepEqual(s.process.args, ['sh', '-c', 'echo hi']);
  assert.deepEqual(s.process.env, ['PATH=/app/bin', 'HOSTNAME=web', 'GREETING=hi']);
  assert.equal(s.process.cwd, '/srv');
  assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [5, 6] });
  assert.deepEqual(s.root, { path: '/node/c1/rootfs', readonly: false });
  assert.equal(s.process.terminal, false);
  assert.equal(buildRuntimeSpec(input()).process.cwd, '/');
  assert.ok(buildRuntimeSpec(input({ tty: true })).process.env.includes('TERM=xterm'));
  assert.equal(buildRuntimeSpec(input({ tty: true })).process.terminal, true);
});

test('spec: containerd\'s default capabilities, the agent\'s set when given, all when privileged', () => {
  const d = buildRuntimeSpec(input()).process.capabilities;
  assert.deepEqual(d.bounding, DEFAULT_CAPABILITIES);
  assert.deepEqual(d.effective, DEFAULT_CAPABILITIES);
  assert.deepEqual(d.permitted, DEFAULT_CAPABILITIES);
  assert.deepEqual(d.inheritable, []);
  assert.deepEqual(d.ambient, []);
  // The agent's list (securityContext.capabilities applied to the defaults) wins.
  assert.deepEqual(capabilitiesOf({ capabilities: ['chown', 'net_admin', 'CAP_KILL', 'bogus'] }), ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN']);
  assert.deepEqual(buildRuntimeSpec(input({ capabilities: [] })).process.capabilities.bounding, []);
  assert.deepEqual(buildRuntimeSpec(input({ privileged: true, capabilities: ['chown'] })).process.capabilities.bounding, ALL_CAPABILITIES);
  // privileged: at most what the runtime itself holds (a root without CAP_SYS_RESOURCE, 24)
  const held = boundingCapabilities(0x1fffeffffffn);
  assert.equal(held.length, ALL_CAPABILITIES.length - 1);
  assert.ok(!held.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(buildRuntimeSpec(input({ privileged: true }, { allCapabilities: held })).process.capabilities.bounding, held);
});

test('spec: no_new_privs, read-only root, masked and read-only kernel paths; privileged lifts them', () => {
  const s = buildRuntimeSpec(input({ noNewPrivs: true, readOnlyRootfs: true }));
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.root.readonly, true);
  assert.deepEqual(s.linux.maskedPaths, MASKED_PATHS);
  assert.deepEqual(s.linux.readonlyPaths, READONLY_PATHS);
  assert.deepEqual(s.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  const p = buildRuntimeSpec(input({ privileged: true }));
  assert.equal(p.process.noNewPrivileges, false);
  assert.equal(p.linux.maskedPaths, undefined);
  assert.equal(p.linux.readonlyPaths, undefined);
  assert.deepEqual(p.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.ok(!p.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.ok(!p.mounts.find((m) => m.destination === '/sys/fs/cgroup')!.options!.includes('ro'));
});

test('spec: default mounts, then the agent\'s binds (ro when readOnly), then the sandbox\'s hostname and resolv.conf unless a volume takes them', () => {
  const s = buildRuntimeSpec(input({
    mounts: [
      { hostPath: '/pods/uid-1/volumes/data', containerPath: '/data' },
      { hostPath: '/pods/uid-1/config', containerPath: '/etc/config', readOnly: true },
      { hostPath: '/pods/uid-1/etc-hosts', containerPath: '/etc/hosts' },
    ],
  }));
  assert.deepEqual(s.mounts.map((m) => m.destination), [
    '/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/data', '/etc/config', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf',
  ]);
  assert.deepEqual(s.mounts[7], { destination: '/data', type: 'bind', source: '/pods/uid-1/volumes/data', options: ['rbind', 'rprivate', 'rw'] });
  assert.deepEqual(s.mounts[8].options, ['rbind', 'rprivate', 'ro']);
  assert.equal(s.mounts.find((m) => m.destination === '/etc/resolv.conf')!.source, '/node/sb/resolv.conf');
  assert.equal(s.mounts.find((m) => m.destination === '/etc/hostname')!.source, '/node/sb/hostname');
  const own = buildRuntimeSpec(input({ mounts: [{ hostPath: '/mine', containerPath: '/etc/resolv.conf' }] }));
  assert.deepEqual(own.mounts.filter((m) => m.destination === '/etc/resolv.conf').map((m) => m.source), ['/mine']);
  // A pod's shared /dev/shm is bound in instead of a tmpfs of the container's own.
  const shm = buildRuntimeSpec(input({}, { sandbox: { ...input().sandbox, shmPath: '/node/sb/shm' } }));
  assert.deepEqual(shm.mounts.find((m) => m.destination === '/dev/shm'), { destination: '/dev/shm', type: 'bind', source: '/node/sb/shm', options: ['rbind', 'rprivate', 'rw'] });
});

test('spec: the sandbox\'s namespaces by path; PID per namespaceOptions; node network and IPC left out', () => {
  const s = buildRuntimeSpec(input());
  assert.deepEqual(s.linux.namespaces, [
    { type: 'mount' }, { type: 'pid' }, { type: 'network', path: '/run/netns/tskube-1' }, { type: 'ipc', path: '/node/sb/ipc' }, { type: 'uts', path: '/node/sb/uts' },
  ]);
  const host = buildRuntimeSpec(input({ namespaceOptions: { pid: 'NODE' } }, { sandbox: { ...input().sandbox, netnsPath: undefined, ipcPath: undefined } }));
  assert.deepEqual(host.linux.namespaces, [{ type: 'mount' }, { type: 'uts', path: '/node/sb/uts' }]);
  const target = buildRuntimeSpec(input({ namespaceOptions: { pid: 'TARGET', targetId: 'c0' } }, { pidNamespacePath: '/proc/42/ns/pid' }));
  assert.deepEqual(target.linux.namespaces.find((n) => n.type === 'pid'), { type: 'pid', path: '/proc/42/ns/pid' });
});

test('spec: cgroupsPath, memory and CPU from resources, oom_score_adj clamped to 0 or more', () => {
  const s = buildRuntimeSpec(input({ resources: { memoryLimitInBytes: 32 * 1024 * 1024, cpuShares: 102, cpuQuota: 10000, cpuPeriod: 100000, oomScoreAdj: -997 } }));
  assert.equal(s.linux.cgroupsPath, 'kubepods/besteffort/poduid-1/c1');
  assert.deepEqual(s.linux.resources.memory, { limit: 33554432 });
  assert.deepEqual(s.linux.resources.cpu, { shares: 102, quota: 10000, period: 100000 });
  assert.equal(s.process.oomScoreAdj, 0);
  assert.equal(buildRuntimeSpec(input({ resources: { oomScoreAdj: 1000 } })).process.oomScoreAdj, 1000);
  const none = buildRuntimeSpec(input());
  assert.equal(none.linux.resources.memory, undefined);
  assert.equal(none.linux.resources.cpu, undefined);
  assert.equal(none.process.oomScoreAdj, undefined);
  assert.deepEqual(buildRuntimeSpec(input({ resources: { cpuShares: 2 } })).linux.resources.cpu, { shares: 2 });
});
