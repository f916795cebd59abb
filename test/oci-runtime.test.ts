import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OciRuntime } from '../src/runtime/oci/oci-runtime.js';
import { DirImageStore } from '../src/runtime/oci/dir-image-store.js';
import { isMountPoint } from '../src/util/mounts.js';
import { ALL_CAPABILITIES } from '../src/runtime/oci/runtime-spec.js';
import { busyboxBaseEntries } from '../src/runtime/oci/testing/image-builder.js';
import { parseCriLine } from '../src/runtime/cri-log.js';
import { ExecStartError, type ContainerConfig, type ContainerInfo, type ExecSession, type PodSandboxConfig } from '../src/runtime/types.js';
import { BUSYBOX_STATIC, DOCKER_REGISTRY, KUBECTL, describeNeeding, requireTool, ROOT, RUNC } from '../src/testing/system-tools.js';
import { buildBusyboxImage, pushImage, startRegistry, type TestRegistry } from '../src/runtime/oci/testing/index.js';
import { kubectl, parseTable, startCluster, waitFor, type Cluster } from './harness.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { eventually } from '../src/testing/test-cluster.js';
import { claimTestCIDR } from '../src/testing/test-cidr.js';

// The oci runtime driven directly (no cluster): busybox images from the test fixtures unpacked in a
// directory store, run with Debian's runc. Needs root (overlay mounts, namespaces) and runc.

const BUSYBOX = 'docker.io/library/busybox:latest';
/** a file only the image has: what a container sees is the image's root, not the host's */
const MARKER = 'etc/tskube-image-marker';

function sandboxConfig(name: string, network: 'POD' | 'NODE' = 'NODE'): PodSandboxConfig {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, hostname: name,
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    linux: { namespaceOptions: { network } },
  };
}

async function collect(session: ExecSession, input?: string): Promise<{ code: number; out: string }> {
  let out = '';
  session.stdout.on('data', (d: Buffer) => { out += d; });
  session.stderr?.on('data', (d: Buffer) => { out += d; });
  if (input !== undefined) session.stdin?.end(input);
  return { code: await session.exit, out };
}

describeNeeding('oci runtime (runc)', { timeout: 180_000, ...requireTool(ROOT, RUNC) }, () => {
  let dir: string;
  let rt: OciRuntime;
  let sb: string;
  let sbConfig: PodSandboxConfig;
  let n = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-rt-'));
    const store = new DirImageStore(path.join(dir, 'images'));
    store.add(BUSYBOX, busyboxBaseEntries({ [MARKER]: 'from the image\n' }));
    store.add('example.com/app:1', busyboxBaseEntries(), { user: 'app', workingDir: '/home/app' });
    rt = new OciRuntime({ rootDir: path.join(dir, 'node'), store });
    sbConfig = sandboxConfig('oci-pod');
    sb = await rt.runPodSandbox(sbConfig);
  });

  after(async () => {
    await rt.removePodSandbox(sb);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** run creates and starts a container of the test's sandbox. */
  async function run(over: Partial<ContainerConfig> & { argv: string[] }): Promise<string> {
    const name = over.name ?? `c${n++}`;
    const id = await rt.createContainer(sb, {
      podUid: sbConfig.metadata.uid, podName: sbConfig.metadata.name, podNamespace: 'default', attempt: 0, image: BUSYBOX,
      env: {}, mounts: [], logPath: path.join(dir, 'logs', `${name}.log`), ...over, name,
    }, sbConfig);
    await rt.startContainer(id);
    return id;
  }

  async function exited(id: string): Promise<ContainerInfo> {
    return eventually(async () => {
      const s = await rt.containerStatus(id);
      assert.equal(s?.phase, 'exited');
      return s!;
    }, 60_000, 100);
  }

  function logOf(id: string): string[] {
    const c = fs.readFileSync(path.join(dir, 'logs', `${id}.log`), 'utf8').trim().split('\n');
    return c.map((l) => { const r = parseCriLine(l); assert.ok(r, `a CRI log line: ${l}`); return `${r.stream} ${r.message}`; });
  }

  test('a busybox container prints "BusyBox v1." from the image\'s own busybox, sees the image\'s root and not the host\'s; CRI log lines; exit code', async () => {
    const here = process.cwd();
    const id = await run({ name: 'hello', argv: ['sh', '-c', `busybox | head -1; cat /${MARKER}; test -e ${here} && echo host-visible || echo host-hidden; readlink /proc/1/exe; echo to-stderr >&2; exit 3`] });
    const done = await exited(id);
    assert.equal(done.exitCode, 3);
    assert.equal(done.reason, 'Error');
    const lines = logOf('hello');
    assert.match(lines[0], /^stdout BusyBox v1\.\d+/);
    assert.deepEqual(lines.slice(1).sort(), ['stderr to-stderr', 'stdout /bin/busybox', 'stdout from the image', 'stdout host-hidden']);
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), MARKER)), 'the marker is the image\'s only');
    assert.match(rt.version, /^runc:\/\/\d+\.\d+\.\d+/);
    assert.equal(rt.scheme, 'runc');
  });

  test('exec runs an applet in a running container (exit codes, stdin, a tty), with its environment and the sandbox\'s files', async () => {
    // (a sandbox in the node's network has the node's hostname, as with containerd)
    const id = await run({ name: 'sleeper', argv: ['sleep', '300'], env: { GREETING: 'hi' } });
    assert.deepEqual(await collect(await rt.exec(id, ['sh', '-c', 'echo $((6*7)) $GREETING $HOSTNAME; cat /etc/hostname; exit 4'], { stdin: false, tty: false })), { code: 4, out: `42 hi ${os.hostname()}\n${os.hostname()}\n` });
    assert.deepEqual(await collect(await rt.exec(id, ['wc', '-c'], { stdin: true, tty: false }), 'hello'), { code: 0, out: '5\n' });
    assert.deepEqual(await collect(await rt.exec(id, ['cat', '/etc/resolv.conf'], { stdin: false, tty: false })), { code: 0, out: 'search default.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' });
    // a command the image does not have: refused before runc, in runc's words
    await assert.rejects(rt.exec(id, ['no-such-applet'], { stdin: false, tty: false }),
      (e: Error) => e instanceof ExecStartError && e.message === 'exec: "no-such-applet": executable file not found in $PATH');
    await assert.rejects(rt.exec(id, ['/bin/bash'], { stdin: false, tty: false }),
      (e: Error) => e instanceof ExecStartError && e.message === 'exec: "/bin/bash": stat /bin/bash: no such file or directory');
    // a tty exec: its own terminal
    const tty = await collect(await rt.exec(id, ['sh', '-c', 'test -t 0 && echo is-a-tty'], { stdin: true, tty: true }), '');
    assert.equal(tty.code, 0);
    assert.match(tty.out, /is-a-tty/);
    await rt.stopContainer(id, 0);
    assert.equal((await rt.containerStatus(id))!.exitCode, 137);
  });

  test('runAsUser 1000 → id -u prints 1000 (with supplementary groups); the image\'s USER name resolves in its /etc/passwd', async () => {
    const id = await run({ name: 'user', argv: ['sh', '-c', 'id -u; id -g; id -G'], user: { uid: 1000, gid: 3000, supplementalGroups: [2000] } });
    assert.equal((await exited(id)).exitCode, 0);
    assert.deepEqual(logOf('user'), ['stdout 1000', 'stdout 3000', 'stdout 3000 2000']);
    const named = await run({ name: 'named', image: 'example.com/app:1', argv: ['sh', '-c', 'id -un; pwd'], workingDir: '/home/app' });
    assert.equal((await exited(named)).exitCode, 0);
    assert.deepEqual(logOf('named'), ['stdout app', 'stdout /home/app']);
  });

  test('readOnlyRootfs refuses a write; a writable root takes it in the container\'s own layer only', async () => {
    const ro = await run({ name: 'ro', argv: ['sh', '-c', 'touch /x && echo wrote || echo refused'], readOnlyRootfs: true });
    assert.equal((await exited(ro)).exitCode, 0);
    assert.ok(logOf('ro').includes('stdout refused'));
    assert.ok(logOf('ro').some((l) => /Read-only file system/.test(l)));
    const rw = await run({ name: 'rw', argv: ['sh', '-c', 'echo mine > /etc/written && cat /etc/written'] });
    assert.equal((await exited(rw)).exitCode, 0);
    assert.deepEqual(logOf('rw'), ['stdout mine']);
    const other = await run({ name: 'other', argv: ['sh', '-c', 'test -e /etc/written && echo shared || echo own-layer'] });
    await exited(other);
    assert.deepEqual(logOf('other'), ['stdout own-layer']);
  });

  test('a dropped capability is missing: containerd\'s default set has NET_RAW, a set without it does not; noNewPrivs is set', async () => {
    const bnd = (l: string[]) => BigInt('0x' + l.find((x) => x.startsWith('stdout CapBnd:'))!.split('\t')[1]);
    const NET_RAW = 13n;
    const CHOWN = 0n;
    const SYS_ADMIN = 21n;
    const def = await run({ name: 'caps-default', argv: ['sh', '-c', 'grep Cap /proc/self/status; grep NoNewPrivs /proc/self/status'] });
    await exited(def);
    assert.equal((bnd(logOf('caps-default')) >> NET_RAW) & 1n, 1n);
    assert.equal((bnd(logOf('caps-default')) >> SYS_ADMIN) & 1n, 0n);
    assert.ok(logOf('caps-default').includes('stdout NoNewPrivs:\t0'));
    const dropped = await run({ name: 'caps-dropped', argv: ['sh', '-c', 'grep Cap /proc/self/status; grep NoNewPrivs /proc/self/status'], capabilities: ['chown', 'kill'], noNewPrivs: true });
    await exited(dropped);
    const caps = bnd(logOf('caps-dropped'));
    assert.equal((caps >> NET_RAW) & 1n, 0n);
    assert.equal((caps >> CHOWN) & 1n, 1n);
    assert.ok(logOf('caps-dropped').includes('stdout NoNewPrivs:\t1'));
  });

  test('privileged: every capability, writable /sys, no masked kernel files; unprivileged: /sys read-only, /proc/timer_list masked', async () => {
    const script = 'grep CapBnd /proc/self/status; grep " /sys sysfs" /proc/mounts | cut -d" " -f4 | cut -d, -f1; test "$(head -c 1 /proc/timer_list | wc -c)" = 1 && echo timer_list-readable || echo timer_list-masked';
    const priv = await run({ name: 'priv', argv: ['sh', '-c', script], privileged: true });
    await exited(priv);
    const [caps, sys, timerList] = logOf('priv').filter((l) => l.startsWith('stdout '));
    // every capability the runtime itself holds (its bounding set)
    const own = /^CapBnd:\s*(\S+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
    assert.equal(BigInt('0x' + caps.split('\t')[1]), BigInt('0x' + own) & ((1n << BigInt(ALL_CAPABILITIES.length)) - 1n), caps);
    assert.equal(sys, 'stdout rw');
    assert.equal(timerList, 'stdout timer_list-readable');
    const plain = await run({ name: 'plain', argv: ['sh', '-c', script] });
    await exited(plain);
    assert.deepEqual(logOf('plain').filter((l) => l.startsWith('stdout ')).slice(1), ['stdout ro', 'stdout timer_list-masked']);
  });

  test('memory limit 32Mi and a memory hog: OOMKilled with exit code 137', async () => {
    const id = await run({ name: 'hog', argv: ['sh', '-c', 'x=a; while true; do x=$x$x; done'], resources: { memoryLimitInBytes: 32 * 1024 * 1024 } });
    const done = await exited(id);
    assert.equal(done.exitCode, 137);
    assert.equal(done.reason, 'OOMKilled');
    // a container killed by a signal is not OOMKilled
    const killed = await run({ name: 'killed', argv: ['sleep', '300'], resources: { memoryLimitInBytes: 32 * 1024 * 1024 } });
    await rt.stopContainer(killed, 0);
    assert.deepEqual([(await rt.containerStatus(killed))!.exitCode, (await rt.containerStatus(killed))!.reason], [137, 'Error']);
  });

  test('stopContainer: SIGTERM first (a handler runs), SIGKILL after the grace period', async () => {
    const polite = await run({ name: 'polite', argv: ['sh', '-c', 'trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'] });
    await eventually(async () => assert.match((await collect(await rt.exec(polite, ['sh', '-c', 'ps | grep -c "sleep 0.1"'], { stdin: false, tty: false }))).out, /[1-9]/));
    await rt.stopContainer(polite, 30_000);
    assert.deepEqual([(await rt.containerStatus(polite))!.exitCode, (await rt.containerStatus(polite))!.reason], [0, 'Completed']);
    assert.deepEqual(logOf('polite'), ['stdout bye']);
    const stubborn = await run({ name: 'stubborn', argv: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] });
    await eventually(async () => assert.match((await collect(await rt.exec(stubborn, ['sh', '-c', 'ps | grep -c "sleep 0.1"'], { stdin: false, tty: false }))).out, /[1-9]/));
    await rt.stopContainer(stubborn, 500);
    assert.equal((await rt.containerStatus(stubborn))!.exitCode, 137);
  });

  test('a tty container gets a terminal (--console-socket); attach writes its stdin, reads its output and resizes it', async () => {
    const id = await run({ name: 'tty', argv: ['sh', '-c', 'test -t 0 && echo is-a-tty; while read line; do [ "$line" = quit ] && exit 5; echo "size $(stty size)"; done'], tty: true, stdin: true });
    await eventually(() => assert.ok(logOf('tty').some((l) => /^stdout is-a-tty\r?$/.test(l)), logOf('tty').join('|')), 30_000);
    const a = (await rt.attach(id))!;
    let out = '';
    a.output.on('data', (d: Buffer) => { out += d; });
    a.resize!(100, 40);
    // each line asks for the size again, until the resize has landed
    await eventually(() => { a.stdin!.write('\n'); assert.match(out, /size 40 100/); }, 30_000, 200);
    a.stdin!.write('quit\n');
    const s = await exited(id);
    assert.equal(s.exitCode, 5);
    assert.ok(logOf('tty').some((l) => /^stdout size 40 100\r?$/.test(l)));
  });

  test('shareProcessNamespace: containers of the pod (POD) see each other\'s processes and the pause as PID 1; an ephemeral container its target\'s (TARGET)', async () => {
    const first = await run({ name: 'shared-a', argv: ['sleep', '3001'], namespaceOptions: { pid: 'POD' } });
    const second = await run({ name: 'shared-b', argv: ['sleep', '3002'], namespaceOptions: { pid: 'POD' } });
    const ps = (await collect(await rt.exec(second, ['ps', '-o', 'pid,args'], { stdin: false, tty: false }))).out;
    assert.match(ps, /^\s*1\s+\/pause$/m);
    assert.match(ps, /sleep 3001/);
    assert.match(ps, /sleep 3002/);
    const own = await run({ name: 'own-pid', argv: ['sleep', '3003'] });
    const ownPs = (await collect(await rt.exec(own, ['ps', '-o', 'pid,args'], { stdin: false, tty: false }))).out;
    assert.doesNotMatch(ownPs, /sleep 3001/);
    assert.match(ownPs, /^\s*1\s+sleep 3003/m);
    const debug = await run({ name: 'debugger', argv: ['sleep', '3004'], namespaceOptions: { pid: 'TARGET', targetId: own } });
    assert.match((await collect(await rt.exec(debug, ['ps', '-o', 'pid,args'], { stdin: false, tty: false }))).out, /^\s*1\s+sleep 3003/m);
    // stopping one container of a shared namespace stops only its own processes
    await rt.stopContainer(first, 10_000);
    assert.equal((await rt.containerStatus(first))!.exitCode, 143);
    assert.doesNotMatch((await collect(await rt.exec(second, ['ps', '-o', 'args'], { stdin: false, tty: false }))).out, /sleep 3001/);
    for (const id of [second, debug, own]) await rt.stopContainer(id, 0);
  });

  test('the pod\'s containers share its /dev/shm (a tmpfs of the sandbox), as they share its IPC namespace', async () => {
    const writer = await run({ name: 'shm-writer', argv: ['sh', '-c', 'echo shared > /dev/shm/note'] });
    assert.equal((await exited(writer)).exitCode, 0);
    const reader = await run({ name: 'shm-reader', argv: ['sh', '-c', 'cat /dev/shm/note; grep " /dev/shm " /proc/mounts | cut -d" " -f3'] });
    assert.equal((await exited(reader)).exitCode, 0);
    assert.deepEqual(logOf('shm-reader'), ['stdout shared', 'stdout tmpfs']);
  });

  test('a stop right after the start waits for runc to have the container, then kills it', async () => {
    const id = await rt.createContainer(sb, {
      podUid: sbConfig.metadata.uid, podName: sbConfig.metadata.name, podNamespace: 'default', attempt: 0, image: BUSYBOX,
      env: {}, mounts: [], logPath: path.join(dir, 'logs', 'hasty.log'), name: 'hasty', argv: ['sleep', '300'],
    }, sbConfig);
    const starting = rt.startContainer(id);
    await rt.stopContainer(id, 0);
    await starting;
    const s = await exited(id);
    assert.ok(s.exitCode === 137 || s.reason === 'StartError', JSON.stringify(s));
  });

  test('a command not in the image is a StartError (exit code 128) with runc\'s reason', async () => {
    const id = await run({ name: 'nope', argv: ['no-such-command'] });
    const s = await exited(id);
    assert.equal(s.reason, 'StartError');
    assert.equal(s.exitCode, 128);
    assert.match(s.message ?? '', /no-such-command.*(not found|no such file)/i);
  });

  test('removeContainer: runc forgets it, its overlay is unmounted and its bundle, cgroup and state are gone', async () => {
    const id = await run({ name: 'gone', argv: ['sleep', '300'], resources: { memoryLimitInBytes: 64 * 1024 * 1024 } });
    const bundle = path.join(dir, 'node', 'oci-containers', id);
    assert.ok(isMountPoint(path.join(bundle, 'rootfs')));
    const cgroup = rt.cgroups!.memoryDir(`tskube/${id}`);
    assert.equal(fs.readFileSync(path.join(cgroup, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024));
    const runcState = JSON.parse(execFileSync(RUNC.path!, ['--root', path.join(dir, 'node', 'runc'), 'state', id], { encoding: 'utf8' })) as { status: string };
    assert.equal(runcState.status, 'running');
    await rt.removeContainer(id);
    assert.equal(await rt.containerStatus(id), undefined);
    assert.ok(!fs.existsSync(bundle));
    assert.ok(!fs.existsSync(cgroup));
    assert.throws(() => execFileSync(RUNC.path!, ['--root', path.join(dir, 'node', 'runc'), 'state', id], { stdio: 'pipe' }));
  });

  test('a restarted runtime reports what an earlier one left running as exited and stops it', async () => {
    const id = await run({ name: 'orphan', argv: ['sleep', '300'] });
    const pid = (await rt.containerStatus(id))!.pid!;
    assert.ok(fs.existsSync(`/proc/${pid}`));
    const second = new OciRuntime({ rootDir: path.join(dir, 'node'), store: new DirImageStore(path.join(dir, 'images2')) });
    const s = await eventually(async () => {
      const info = await second.containerStatus(id);
      assert.equal(info?.phase, 'exited');
      return info!;
    });
    assert.equal(s.exitCode, 137);
    await eventually(() => assert.ok(!fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z')));
    await second.removeContainer(id);
    await second.close();
  });
});

describeNeeding('oci runtime (runc) in a pod network', { timeout: 120_000, ...requireTool(ROOT, RUNC, CNI_PLUGINS) }, () => {
  test('a container joins its sandbox\'s network and UTS namespaces: the pod\'s IP and hostname', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-net-'));
    const store = new DirImageStore(path.join(dir, 'images'));
    store.add(BUSYBOX, busyboxBaseEntries());
    const rt = new OciRuntime({ rootDir: path.join(dir, 'node'), nodeName: 'ocinode', store });
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: `${claimTestCIDR().prefix}.11.0/24` } });
    const cfg = sandboxConfig('netpod', 'POD');
    const sb = await rt.runPodSandbox(cfg);
    try {
      const ip = (await rt.podSandboxStatus(sb))!.network!.ip;
      const id = await rt.createContainer(sb, {
        podUid: cfg.metadata.uid, podName: 'netpod', podNamespace: 'default', name: 'c', attempt: 0, image: BUSYBOX,
        argv: ['sleep', '300'], env: {}, mounts: [], logPath: path.join(dir, 'c.log'),
      }, cfg);
      await rt.startContainer(id);
      const out = await collect(await rt.exec(id, ['sh', '-c', 'hostname; ip -4 -o addr show eth0'], { stdin: false, tty: false }));
      assert.equal(out.code, 0);
      assert.equal(out.out.split('\n')[0], 'netpod');
      assert.ok(out.out.includes(`inet ${ip}/`), out.out);
    } finally {
      await rt.removePodSandbox(sb);
      await rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// kubectl against `tskube up --runtime oci`: images pushed to a local registry, pulled by the node,
// run with runc.
describeNeeding('kubectl with tskube up --runtime oci', { timeout: 5 * 60_000, ...requireTool(ROOT, RUNC, DOCKER_REGISTRY, BUSYBOX_STATIC, KUBECTL, CNI_PLUGINS) }, () => {
  let reg: TestRegistry;
  let cluster: Cluster;
  let image: string;

  before(async () => {
    reg = await startRegistry();
    image = `${reg.host}/library/busybox:1.36`;
    await pushImage(reg.host, 'library/busybox:1.36', await buildBusyboxImage({ extraFiles: { [MARKER]: 'from the image\n' } }));
    cluster = await startCluster({ nodes: 1, extraArgs: ['--runtime', 'oci'] });
  }, { timeout: 120_000 });

  after(async () => {
    await cluster?.stop();
    await reg?.stop();
  });

  const k = (...args: string[]) => kubectl(cluster, args);

  async function phaseOf(pod: string, want: string): Promise<void> {
    await waitFor(async () => (await k('get', 'pod', pod, '-o', 'jsonpath={.status.phase}')).stdout === want, `pod ${pod} ${want}`, 480);
  }

  test('the node says runc in CONTAINER-RUNTIME; a busybox pod prints "BusyBox v1." from the image and its containerID is runc://, its imageID the digest', async () => {
    // `tskube up` is ready before its node has registered (the node's runtime starts meanwhile).
    let wide = parseTable('');
    await waitFor(async () => { wide = parseTable((await k('get', 'nodes', '-o', 'wide')).stdout); return wide.rows.length === 1; }, 'the node registered', 60);
    assert.match(wide.rows[0]['CONTAINER-RUNTIME'], /^runc:\/\/\d+\.\d+\.\d+/);
    const run = await k('run', 'hello', `--image=${image}`, '--restart=Never', '--', 'sh', '-c', `busybox | head -1; cat /${MARKER}`);
    assert.equal(run.code, 0, run.stderr);
    await phaseOf('hello', 'Succeeded');
    const logs = (await k('logs', 'hello')).stdout;
    assert.match(logs, /^BusyBox v1\.\d+/);
    assert.match(logs, /from the image/);
    const status = JSON.parse((await k('get', 'pod', 'hello', '-o', 'json')).stdout).status.containerStatuses[0];
    assert.match(status.containerID, /^runc:\/\/[0-9a-f]{64}$/);
    assert.match(status.imageID, new RegExp(`^${reg.host.replace(/\./g, '\\.')}/library/busybox@sha256:[0-9a-f]{64}$`));
    assert.equal(status.state.terminated.reason, 'Completed');
  });

  test('kubectl exec runs the image\'s applets; runAsUser 1000, readOnlyRootFilesystem and a dropped capability hold', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'secure' },
      spec: {
        containers: [{
          name: 'main', image, command: ['sleep', '3600'],
          securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['NET_RAW'] } },
        }],
      },
    };
    const applied = await kubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    assert.equal(applied.code, 0, applied.stderr);
    await phaseOf('secure', 'Running');
    const id = await k('exec', 'secure', '--', 'id', '-u');
    assert.equal(id.stdout, '1000\n', id.stderr);
    const write = await k('exec', 'secure', '--', 'touch', '/etc/x');
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /Read-only file system/);
    const caps = (await k('exec', 'secure', '--', 'grep', 'CapBnd', '/proc/self/status')).stdout;
    assert.equal((BigInt('0x' + caps.split('\t')[1].trim()) >> 13n) & 1n, 0n, `NET_RAW (13) dropped: ${caps}`);
    assert.equal((BigInt('0x' + caps.split('\t')[1].trim()) >> 0n) & 1n, 1n, `CHOWN (0) kept: ${caps}`);
    const sh = await k('exec', 'secure', '--', 'sh', '-c', 'echo $((6*7)); busybox | head -1');
    assert.match(sh.stdout, /^42\nBusyBox v1\./);
  });

  test('a memory hog limited to 32Mi is OOMKilled: describe shows Reason OOMKilled and Exit Code 137', async () => {
    const manifest = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'hog', image, command: ['sh', '-c', 'x=a; while true; do x=$x$x; done'], resources: { limits: { memory: '32Mi' } } }],
      },
    };
    const applied = await kubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    assert.equal(applied.code, 0, applied.stderr);
    await phaseOf('hog', 'Failed');
    const describe = (await k('describe', 'pod', 'hog')).stdout;
    assert.match(describe, /Reason:\s+OOMKilled/);
    assert.match(describe, /Exit Code:\s+137/);
  });
});
