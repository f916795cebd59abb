import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import {
  cgroupParent, criCapabilities, criLogPath, parseVerboseInfo, fromCriConditions, fromCriContainerStatus, fromCriSandboxStatus, imageInfoFromStatus, nanosToRfc3339,
  parseImageUser, repoDigestFor, repositoryOf, toCriAuth, toCriContainerConfig, toCriContainerFilter, toCriSandboxConfig, toCriSandboxFilter,
} from './convert.js';
import type * as cri from './cri-types.js';

const sandbox: PodSandboxConfig = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', attempt: 2 },
  hostname: 'web',
  logDirectory: '/var/lib/tskube/pods/u-1/containers',
  dnsConfig: { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local'], options: ['ndots:5'] },
  portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }, { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1' }],
  labels: { app: 'web' },
  annotations: { note: 'x' },
  linux: { cgroupParent: 'kubepods/burstable/podu-1', namespaceOptions: { network: 'NODE', ipc: 'POD' }, sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } },
};

const container = (extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
  podUid: 'u-1', podName: 'web', podNamespace: 'shop', name: 'nginx', attempt: 3, image: 'nginx:1.25',
  argv: ['nginx', '-g', 'daemon off;'], env: { A: '1', B: 'two=2' }, workingDir: '/srv',
  mounts: [{ hostPath: '/var/lib/tskube/pods/u-1/etc-hosts', containerPath: '/etc/hosts' }, { hostPath: '/data', containerPath: '/data', readOnly: true }],
  logPath: '/var/lib/tskube/pods/u-1/containers/nginx/3.log',
  ...extra,
});

test('sandbox config: metadata, hostname, log directory, DNS, port mappings, pod labels, an absolute cgroup parent, namespaces, sysctls', () => {
  const c = toCriSandboxConfig(sandbox);
  assert.deepEqual(c.metadata, { name: 'web', namespace: 'shop', uid: 'u-1', attempt: 2 });
  assert.equal(c.hostname, 'web');
  assert.equal(c.log_directory, '/var/lib/tskube/pods/u-1/containers');
  assert.deepEqual(c.dns_config, { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local'], options: ['ndots:5'] });
  assert.deepEqual(c.port_mappings, [
    { protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' },
    { protocol: 'UDP', container_port: 53, host_port: 5353, host_ip: '127.0.0.1' },
  ]);
  assert.deepEqual(c.labels, { app: 'web', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u-1' });
  assert.deepEqual(c.annotations, { note: 'x' });
  assert.equal(c.linux?.cgroup_parent, '/kubepods/burstable/podu-1');
  assert.deepEqual(c.linux?.security_context?.namespace_options, { network: 'NODE', ipc: 'POD', pid: 'CONTAINER', target_id: '' });
  assert.deepEqual(c.linux?.sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
  assert.equal(toCriSandboxConfig({ ...sandbox, linux: undefined }).linux?.cgroup_parent, '');
  // Relative pod cgroups start from the agent's own cgroup, as its cgroup manager makes them.
  assert.equal(toCriSandboxConfig(sandbox, '/system/agent').linux?.cgroup_parent, '/system/agent/kubepods/burstable/podu-1');
  assert.equal(cgroupParent('/abs/pod', '/system'), '/abs/pod');
  assert.throws(() => cgroupParent('kubepods/../../x'), /invalid cgroup parent/);
});

test('container config: argv as command with no args, envs, mounts, a log path relative to the sandbox log directory, stdin/tty', () => {
  const c = toCriContainerConfig(container({ stdin: true, tty: true }), sandbox);
  assert.deepEqual(c.metadata, { name: 'nginx', attempt: 3 });
  assert.equal(c.image.image, 'nginx:1.25');
  assert.deepEqual(c.command, ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(c.args, []);
  assert.equal(c.working_dir, '/srv');
  assert.deepEqual(c.envs, [{ key: 'A', value: '1' }, { key: 'B', value: 'two=2' }]);
  assert.deepEqual(c.mounts.map((m) => [m.host_path, m.container_path, m.readonly]), [
    ['/var/lib/tskube/pods/u-1/etc-hosts', '/etc/hosts', false], ['/data', '/data', true],
  ]);
  assert.equal(c.log_path, 'nginx/3.log');
  assert.equal(c.stdin, true);
  assert.equal(c.tty, true);
  assert.equal(c.labels['io.kubernetes.container.name'], 'nginx');
  assert.equal(c.labels['io.kubernetes.pod.uid'], 'u-1');
  // The container joins the sandbox's network and IPC namespaces and has its own PID namespace.
  assert.deepEqual(c.linux.security_context?.namespace_options, { network: 'NODE', ipc: 'POD', pid: 'CONTAINER', target_id: '' });
  assert.equal(c.linux.resources, undefined);
});

test('log path: relative already, or outside the log directory', () => {
  assert.equal(criLogPath('c/0.log', '/logs'), 'c/0.log');
  assert.equal(criLogPath('/x/c/0.log', undefined), '/x/c/0.log');
  assert.throws(() => criLogPath('/elsewhere/0.log', '/logs'), /not under/);
});

test('container security: user and groups, read-only root, no_new_privs, capabilities as drop ALL + add; privileged keeps all', () => {
  const c = toCriContainerConfig(container({ user: { uid: 1000, gid: 3000, supplementalGroups: [2000, 4000] }, readOnlyRootfs: true, noNewPrivs: true, capabilities: ['chown', 'net_bind_service'] }), sandbox);
  const sc = c.linux.security_context!;
  assert.deepEqual(sc.run_as_user, { value: '1000' });
  assert.deepEqual(sc.run_as_group, { value: '3000' });
  assert.deepEqual(sc.supplemental_groups, ['2000', '4000']);
  assert.equal(sc.readonly_rootfs, true);
  assert.equal(sc.no_new_privs, true);
  assert.equal(sc.privileged, false);
  assert.deepEqual(sc.capabilities, { add_capabilities: ['CHOWN', 'NET_BIND_SERVICE'], drop_capabilities: ['ALL'] });

  const root = toCriContainerConfig(container(), sandbox).linux.security_context!;
  assert.equal(root.run_as_user, undefined, 'no user: the image USER decides');
  assert.deepEqual(root.capabilities, { add_capabilities: ['ALL'], drop_capabilities: [] });

  const priv = toCriContainerConfig(container({ privileged: true, capabilities: ['chown'] }), sandbox).linux.security_context!;
  assert.equal(priv.privileged, true);
  assert.equal(priv.capabilities, undefined);
  assert.deepEqual(criCapabilities([]), { add_capabilities: [], drop_capabilities: ['ALL'] });
});

test('container resources as int64 strings (oom_score_adj never negative); a target PID namespace names its container', () => {
  const c = toCriContainerConfig(container({
    resources: { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 512, memoryLimitInBytes: 33554432, oomScoreAdj: -997 },
    namespaceOptions: { pid: 'TARGET', targetId: 'abc' },
  }), sandbox);
  assert.deepEqual(c.linux.resources, {
    cpu_period: '100000', cpu_quota: '50000', cpu_shares: '512', memory_limit_in_bytes: '33554432', oom_score_adj: '0', cpuset_cpus: '', cpuset_mems: '',
  });
  assert.deepEqual(c.linux.security_context?.namespace_options, { network: 'NODE', ipc: 'POD', pid: 'TARGET', target_id: 'abc' });
  assert.equal(toCriContainerConfig(container({ namespaceOptions: { pid: 'POD' } }), sandbox).linux.security_context?.namespace_options?.pid, 'POD');
});

const status = (extra: Partial<cri.ContainerStatus>): cri.ContainerStatus => ({
  id: 'c1', metadata: { name: 'nginx', attempt: 3 }, state: 'CONTAINER_EXITED',
  created_at: '1700000000123456789', started_at: '1700000001500000000', finished_at: '1700000002999999999',
  exit_code: 137, image: { image: 'docker.io/library/nginx:1.25' }, reason: 'OOMKilled', message: '',
  labels: { 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.container.name': 'nginx' },
  log_path: '/logs/nginx/3.log', ...extra,
});

test('container status: nanosecond timestamps, exit code, OOMKilled kept, a config rebuilt from labels for relisted containers', () => {
  const info = fromCriContainerStatus(status({}), 's1');
  assert.equal(info.phase, 'exited');
  assert.equal(info.sandboxId, 's1');
  assert.equal(info.createdAt, '2023-11-14T22:13:20.123Z');
  assert.equal(info.startedAt, '2023-11-14T22:13:21.500Z');
  assert.equal(info.finishedAt, '2023-11-14T22:13:22.999Z');
  assert.equal(info.exitCode, 137);
  assert.equal(info.reason, 'OOMKilled');
  assert.deepEqual(
    { podUid: info.config.podUid, podName: info.config.podName, podNamespace: info.config.podNamespace, name: info.config.name, attempt: info.config.attempt, logPath: info.config.logPath },
    { podUid: 'u-1', podName: 'web', podNamespace: 'shop', name: 'nginx', attempt: 3, logPath: '/logs/nginx/3.log' },
  );
  const relisted = fromCriContainerStatus(status({ state: 'CONTAINER_RUNNING', finished_at: '0' }), '', undefined, {
    sandboxID: 's9', pid: 4242,
    config: { command: ['nginx'], args: ['-g', 'daemon off;'], working_dir: '/srv', envs: [{ key: 'A', value: '1' }, { key: 'E' }], mounts: [{ container_path: '/data', host_path: '/d', readonly: true }], stdin: true, tty: true },
  });
  assert.deepEqual([relisted.sandboxId, relisted.pid, relisted.config.argv, relisted.config.env, relisted.config.mounts, relisted.config.workingDir, relisted.config.stdin, relisted.config.tty],
    ['s9', 4242, ['nginx', '-g', 'daemon off;'], { A: '1', E: '' }, [{ hostPath: '/d', containerPath: '/data', readOnly: true }], '/srv', true, true]);
  assert.equal(fromCriContainerStatus(status({}), 's1', undefined, { pid: 4242 }).pid, undefined, 'an exited container has no pid');
  assert.deepEqual(parseVerboseInfo({ info: 'not json' }), {});
  const known = container();
  assert.equal(fromCriContainerStatus(status({}), 's1', known).config, known);
});

test('container status: reasons filled in as Kubernetes words them; running and created carry no exit', () => {
  assert.equal(fromCriContainerStatus(status({ exit_code: 0, reason: '' }), 's').reason, 'Completed');
  assert.equal(fromCriContainerStatus(status({ exit_code: 2, reason: '' }), 's').reason, 'Error');
  assert.equal(fromCriContainerStatus(status({ state: 'CONTAINER_UNKNOWN', exit_code: 0, reason: '' }), 's').reason, 'Unknown');
  const start = fromCriContainerStatus(status({ exit_code: 128, reason: 'StartError', message: 'exec: "nope": executable file not found', started_at: '0' }), 's');
  assert.deepEqual([start.reason, start.message, start.startedAt], ['StartError', 'exec: "nope": executable file not found', undefined]);
  const running = fromCriContainerStatus(status({ state: 'CONTAINER_RUNNING', finished_at: '0', exit_code: 0, reason: '' }), 's');
  assert.deepEqual([running.phase, running.exitCode, running.finishedAt, running.reason], ['running', undefined, undefined, undefined]);
  assert.equal(fromCriContainerStatus(status({ state: 'CONTAINER_CREATED', started_at: '0' }), 's').phase, 'created');
});

test('timestamps: 0 is none; precision beyond 2^53 nanoseconds is kept to the millisecond', () => {
  assert.equal(nanosToRfc3339('0'), undefined);
  assert.equal(nanosToRfc3339(''), undefined);
  assert.equal(nanosToRfc3339('9007199254740993001'), '2255-06-05T23:47:34.740Z');
});

test('filters: pod uid by label selector, phases and sandbox states as CRI enums', () => {
  assert.deepEqual(toCriContainerFilter({ podUid: 'u-1', phase: 'running' }), { id: '', state: { state: 'CONTAINER_RUNNING' }, pod_sandbox_id: '', label_selector: { 'io.kubernetes.pod.uid': 'u-1' } });
  assert.deepEqual(toCriContainerFilter(undefined), { id: '', state: undefined, pod_sandbox_id: '', label_selector: {} });
  assert.deepEqual(toCriContainerFilter({ id: 'c', sandboxId: 's', phase: 'exited' }).state, { state: 'CONTAINER_EXITED' });
  assert.deepEqual(toCriSandboxFilter({ state: 'SANDBOX_READY', podUid: 'u' }), { id: '', state: { state: 'SANDBOX_READY' }, label_selector: { 'io.kubernetes.pod.uid': 'u' } });
});

test('sandbox status: state, created time, pod IPs, network mode', () => {
  const s = fromCriSandboxStatus({
    id: 's1', metadata: { name: 'web', namespace: 'shop', uid: 'u-1', attempt: 1 }, state: 'SANDBOX_READY', created_at: '1700000000000000000',
    network: { ip: '10.246.3.7', additional_ips: [{ ip: 'fd00::7' }] }, linux: { namespaces: { options: { network: 'POD' } } }, labels: { a: 'b' }, annotations: {},
  });
  assert.deepEqual(s, {
    id: 's1', metadata: { name: 'web', namespace: 'shop', uid: 'u-1', attempt: 1 }, state: 'SANDBOX_READY', createdAt: '2023-11-14T22:13:20.000Z',
    network: { ip: '10.246.3.7', additionalIps: ['fd00::7'] }, linux: { namespaces: { options: { network: 'POD' } } }, labels: { a: 'b' }, annotations: {},
  });
  const host = fromCriSandboxStatus({ id: 's2', state: 'SANDBOX_NOTREADY', created_at: '0', network: { ip: '' }, linux: { namespaces: { options: { network: 'NODE' } } } });
  assert.equal(host.state, 'SANDBOX_NOTREADY');
  assert.equal(host.network, undefined);
  assert.equal(host.linux.namespaces.options.network, 'NODE');
});

test('runtime conditions: RuntimeReady and NetworkReady with reason and message, others dropped', () => {
  assert.deepEqual(fromCriConditions([
    { type: 'RuntimeReady', status: true, reason: '', message: '' },
    { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni plugin not initialized' },
    { type: 'SomethingElse', status: true, reason: '', message: '' },
  ]), [
    { type: 'RuntimeReady', status: true },
    { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni plugin not initialized' },
  ]);
});

test('image config from ImageStatus verbose info: entrypoint, cmd, env, workingDir, user, imageID as the repo digest', () => {
  const image: cri.Image = {
    id: 'sha256:cfg', repo_tags: ['docker.io/library/nginx:1.25'], size: '1234567',
    repo_digests: ['registry.local/mirror/nginx@sha256:aaa', 'docker.io/library/nginx@sha256:bbb'],
  };
  const info = imageInfoFromStatus('nginx:1.25', image, {
    info: JSON.stringify({ chainID: 'sha256:x', imageSpec: { config: { Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['nginx', '-g', 'daemon off;'], Env: ['PATH=/usr/bin:/bin', 'NGINX_VERSION=1.25.3', 'EMPTY='], WorkingDir: '/srv', User: '101:101' } } }),
  });
  assert.deepEqual(info, {
    image: 'nginx:1.25', imageID: 'docker.io/library/nginx@sha256:bbb', entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'],
    env: { PATH: '/usr/bin:/bin', NGINX_VERSION: '1.25.3', EMPTY: '' }, size: 1234567, workingDir: '/srv', user: { uid: 101, gid: 101 },
  });
  const imported = imageInfoFromStatus('mine:1', { id: 'sha256:cfg', repo_tags: ['docker.io/library/mine:1'], repo_digests: [], size: 1 }, { info: '{"imageSpec":{"config":{"User":"nginx"}}}' });
  assert.equal(imported.imageID, 'sha256:cfg');
  assert.equal(imported.userName, 'nginx');
  assert.deepEqual([imported.entrypoint, imported.cmd], [[], []]);
  assert.deepEqual(imageInfoFromStatus('x', image, {}).cmd, []);
});

test('image USER: numeric ids or a name', () => {
  assert.deepEqual(parseImageUser('1000'), { user: { uid: 1000 } });
  assert.deepEqual(parseImageUser('0:0'), { user: { uid: 0, gid: 0 } });
  assert.deepEqual(parseImageUser('nginx:www'), { userName: 'nginx:www' });
  assert.deepEqual(parseImageUser('1000:www'), { userName: '1000:www' });
  assert.deepEqual(parseImageUser(''), {});
});

test('repositories normalized as Docker does; the repo digest of the repository asked for', () => {
  assert.equal(repositoryOf('busybox'), 'docker.io/library/busybox');
  assert.equal(repositoryOf('busybox:1.36'), 'docker.io/library/busybox');
  assert.equal(repositoryOf('bitnami/redis@sha256:abc'), 'docker.io/bitnami/redis');
  assert.equal(repositoryOf('127.0.0.1:5000/library/busybox:1.36'), '127.0.0.1:5000/library/busybox');
  assert.equal(repositoryOf('localhost/app'), 'localhost/app');
  assert.equal(repositoryOf('quay.io/x/y:z'), 'quay.io/x/y');
  assert.equal(repoDigestFor('busybox', ['a.io/busybox@sha256:1', 'docker.io/library/busybox@sha256:2']), 'docker.io/library/busybox@sha256:2');
  assert.equal(repoDigestFor('other', ['a.io/busybox@sha256:1']), 'a.io/busybox@sha256:1');
  assert.equal(repoDigestFor('busybox', []), undefined);
});

test('pull credentials: every AuthConfig field, the server address as a URL, none when absent', () => {
  assert.deepEqual(toCriAuth({ username: 'u', password: 'p', serverAddress: '127.0.0.1:5000' }), {
    username: 'u', password: 'p', auth: '', server_address: 'https://127.0.0.1:5000', identity_token: '', registry_token: '',
  });
  assert.equal(toCriAuth({ auth: 'dTpw', serverAddress: 'https://index.docker.io/v1/' })?.server_address, 'https://index.docker.io/v1/');
  assert.equal(toCriAuth({ username: 'u' })?.server_address, '');
  assert.equal(toCriAuth(undefined), undefined);
});
