import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { buildBusyboxImage, pushImage, startRegistry, type TestRegistry } from '../src/runtime/oci/testing/index.js';
import { CriRuntime } from '../src/runtime/cri/index.js';
import { pushPauseImage, removeCgroupTree, startContainerd, type TestContainerd } from '../src/runtime/cri/testing/containerd.js';
import { ImagePullError, type ContainerConfig, type ContainerInfo, type PodSandboxConfig, type RuntimeCondition } from '../src/runtime/types.js';
import { BUSYBOX_STATIC, CONTAINERD, DOCKER_REGISTRY, KUBECTL, ROOT, RUNC, describeNeeding, requireTool } from '../src/testing/system-tools.js';
import { kubectl, kubectlStream, startCluster, waitFor, type Cluster } from './harness.js';
import { eventually } from '../src/testing/test-cluster.js';

// The cri runtime against a real containerd (Debian's 1.6) started by the test: images pulled from
// a local docker-registry, pod sandboxes with a CNI bridge, containers with cgroup limits, exec.

describeNeeding('cri runtime against containerd', { timeout: 10 * 60_000, ...requireTool(ROOT, CONTAINERD, RUNC, DOCKER_REGISTRY, BUSYBOX_STATIC) }, () => {
  let registry: TestRegistry;
  let containerd: TestContainerd;
  let rt: CriRuntime;
  let busybox: string;
  let busyboxDigest: string;
  let podsDir: string;
  let networkBefore: RuntimeCondition | undefined;
  const sandboxes: string[] = [];
  // The pods' cgroups live under a parent of this run's own, removed at the end (the agent's job in a node).
  const cgroupRoot = `tskube-cri-test-${process.pid}`;

  before(async () => {
    registry = await startRegistry();
    const pause = await pushPauseImage(registry.host);
    busyboxDigest = await pushImage(registry.host, 'library/busybox:1.36', await buildBusyboxImage({ env: { IMAGE_VAR: 'from-image' }, workingDir: '/home/app' }));
    busybox = `${registry.host}/library/busybox:1.36`;
    // The CNI config comes from containerd's template and the pod CIDR the agent hands over (UpdateRuntimeConfig).
    containerd = await startContainerd({ sandboxImage: pause, plainHttpRegistries: [registry.host], cni: 'template' });
    rt = await new CriRuntime({ endpoint: containerd.endpoint }).connect();
    const before = await rt.status();
    networkBefore = before.conditions.find((c) => c.type === 'NetworkReady');
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: containerd.subnet } });
    await eventually(async () => assert.ok((await rt.status()).conditions.find((c) => c.type === 'NetworkReady')?.status, 'network ready'), 30_000, 100);
    // Every container test runs busybox: pulled once here (the pull test pulls again, which must be idempotent).
    await rt.pullImage(busybox);
    podsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-cri-pods-'));
  });

  after(async () => {
    for (const id of sandboxes) await rt?.removePodSandbox(id).catch(() => {});
    await rt?.close();
    await containerd?.stop();
    await registry?.stop();
    removeCgroupTree(cgroupRoot);
    if (podsDir) fs.rmSync(podsDir, { recursive: true, force: true });
  });

  let podCount = 0;
  /** sandboxConfig is a pod's sandbox as the agent asks for it: its own network, a pod cgroup, logs in the pod directory. */
  const sandboxConfig = (name: string): PodSandboxConfig => {
    const uid = `00000000-0000-0000-0000-${String(++podCount).padStart(12, '0')}`;
    return {
      metadata: { name, namespace: 'default', uid, attempt: 0 },
      hostname: name,
      logDirectory: path.join(podsDir, uid, 'containers'),
      dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      labels: { app: name },
      linux: { cgroupParent: `${cgroupRoot}/pod${uid}`, namespaceOptions: { network: 'POD', ipc: 'POD' } },
    };
  };
  const containerConfig = (sb: PodSandboxConfig, name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig => ({
    podUid: sb.metadata.uid, podName: sb.metadata.name, podNamespace: sb.metadata.namespace, name, attempt: 0, image: busybox,
    argv, env: { POD_VAR: 'from-pod' }, mounts: [], logPath: path.join(sb.logDirectory!, name, '0.log'), ...extra,
  });
  const exited = (id: string) => eventually(async () => {
    const s = await rt.containerStatus(id);
    assert.equal(s?.phase, 'exited', `container ${id} still ${s?.phase}`);
    return s as ContainerInfo;
  }, 60_000, 100);

  test('Version names containerd and its version; Status: the network is ready once UpdateRuntimeConfig gave the pod CIDR', async () => {
    assert.equal(rt.scheme, 'containerd');
    assert.match(rt.version, /^containerd:\/\/\d+\.\d+\.\d+/);
    assert.equal(networkBefore?.status, false);
    assert.equal(networkBefore?.reason, 'NetworkPluginNotReady');
    await eventually(async () => {
      const st = await rt.status();
      assert.deepEqual(st.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
    }, 30_000, 100);
  });

  test('PullImage from the local registry; ImageStatus, ListImages and resolveImage give the image config and repo digest', async () => {
    const ref = await rt.pullImage(busybox);
    assert.equal(ref, `${registry.host}/library/busybox@${busyboxDigest}`);
    const rec = await rt.imageStatus(busybox);
    assert.ok(rec, 'image present after the pull');
    assert.ok(rec.repoTags.includes(busybox));
    assert.ok(rec.size > 100_000, `size ${rec.size}`);
    assert.ok((await rt.listImages()).some((i) => i.id === rec.id));
    const info = await rt.resolveImage(busybox, false);
    assert.deepEqual(info.cmd, ['sh']);
    assert.deepEqual(info.entrypoint, []);
    assert.equal(info.env?.IMAGE_VAR, 'from-image');
    assert.equal(info.workingDir, '/home/app');
    assert.equal(info.imageID, ref);
    // containerd measures its snapshots' usage periodically (every 10 s): the pull shows up on a later sync.
    const fsInfo = await eventually(async () => {
      const f = await rt.imageFsInfo();
      assert.ok(f.usedBytes > 0 && f.capacityBytes > f.usedBytes && f.availableBytes > 0, JSON.stringify(f));
      return f;
    }, 60_000, 500);
    assert.ok(fsInfo.usedBytes >= rec.size / 2, `used ${fsInfo.usedBytes}, image ${rec.size}`);
    await assert.rejects(rt.resolveImage(`${registry.host}/library/absent:1`, false), /not present/);
    await assert.rejects(rt.pullImage(`${registry.host}/library/absent:1`), (e: Error) => e instanceof ImagePullError &&
      e.message.startsWith(`rpc error: code = NotFound desc = failed to pull and unpack image "${registry.host}/library/absent:1": failed to resolve reference`));
  });

  test('a sandbox with a pod IP and a container printing "BusyBox v1." into its CRI log; exit 0 is Completed', async () => {
    const sb = sandboxConfig('hello');
    const sid = await rt.runPodSandbox(sb);
    sandboxes.push(sid);
    const status = await rt.podSandboxStatus(sid);
    assert.equal(status?.state, 'SANDBOX_READY');
    assert.equal(status?.metadata.uid, sb.metadata.uid);
    const prefix = containerd.subnet.split('.').slice(0, 3).join('.') + '.';
    assert.ok(status?.network?.ip.startsWith(prefix), `pod IP ${status?.network?.ip} in ${containerd.subnet}`);
    assert.ok((await rt.listPodSandbox({ podUid: sb.metadata.uid })).some((s) => s.id === sid));

    const cfg = containerConfig(sb, 'hello', ['sh', '-c', 'busybox | head -1; echo "$POD_VAR $IMAGE_VAR $(pwd) $(hostname)"; cat /etc/resolv.conf']);
    const cid = await rt.createContainer(sid, cfg, sb);
    assert.equal((await rt.containerStatus(cid))?.phase, 'created');
    await rt.startContainer(cid);
    const done = await exited(cid);
    assert.equal(done.exitCode, 0);
    assert.equal(done.reason, 'Completed');
    // Both times are containerd's; not their order: its CRI plugin stamps startedAt after the task's
    // start returns, while finishedAt is the shim's exit time, which a container this short can beat
    // on a loaded machine (seen in CI at load 13).
    assert.ok(done.startedAt && !Number.isNaN(Date.parse(done.startedAt)), `startedAt ${done.startedAt}`);
    assert.ok(done.finishedAt && !Number.isNaN(Date.parse(done.finishedAt)), `finishedAt ${done.finishedAt}`);
    assert.equal(done.sandboxId, sid);
    const logText = fs.readFileSync(cfg.logPath, 'utf8');
    assert.match(logText, /^\S+Z stdout F BusyBox v1\./m);
    assert.match(logText, /stdout F from-pod from-image \/home\/app hello$/m);
    assert.match(logText, /stdout F nameserver 10\.96\.0\.10$/m);
    const listed = await rt.listContainers({ podUid: sb.metadata.uid });
    assert.deepEqual(listed.map((c) => [c.id, c.phase, c.config.name]), [[cid, 'exited', 'hello']]);
  });

  test('ExecSync in a running container: output, exit code, and a missing command', async () => {
    const sb = sandboxConfig('exec');
    const sid = await rt.runPodSandbox(sb);
    sandboxes.push(sid);
    const cid = await rt.createContainer(sid, containerConfig(sb, 'main', ['sleep', '3600']), sb);
    await rt.startContainer(cid);
    assert.equal((await rt.containerStatus(cid))?.phase, 'running');
    // Another agent process (after a restart) relists: the config, sandbox and pid come back from containerd.
    const fresh = await new CriRuntime({ endpoint: containerd.endpoint }).connect();
    try {
      const [again] = await fresh.listContainers({ podUid: sb.metadata.uid });
      assert.deepEqual([again.id, again.sandboxId, again.phase, again.config.name, again.config.argv, again.config.env.POD_VAR],
        [cid, sid, 'running', 'main', ['sleep', '3600'], 'from-pod']);
      assert.equal(again.config.logPath, path.join(sb.logDirectory!, 'main', '0.log'));
      assert.ok(again.pid && again.pid > 1, `pid ${again.pid}`);
      assert.match(fs.readFileSync(`/proc/${again.pid}/cmdline`, 'utf8'), /^sleep\x003600/);
    } finally {
      await fresh.close();
    }
    const read = async (s: NodeJS.ReadableStream | null) => { let out = ''; for await (const c of s ?? []) out += String(c); return out; };
    const session = await rt.exec(cid, ['sh', '-c', 'echo out; echo err >&2; ls /bin/busybox; exit 3'], { stdin: false, tty: false });
    const [out, err, code] = await Promise.all([read(session.stdout), read(session.stderr), session.exit]);
    assert.equal(out, 'out\n/bin/busybox\n');
    assert.equal(err, 'err\n');
    assert.equal(code, 3);
    const missing = await rt.exec(cid, ['no-such-command'], { stdin: false, tty: false });
    assert.notEqual(await missing.exit, 0);
    await rt.stopContainer(cid, 1000);
    const st = await rt.containerStatus(cid);
    assert.equal(st?.phase, 'exited');
    assert.equal(st?.exitCode, 137);
  });

  test('interactive Exec through the streaming server: stdin to EOF, exit code; a terminal with resize; Attach to a container\'s stdin', async () => {
    const sb = sandboxConfig('stream');
    const sid = await rt.runPodSandbox(sb);
    sandboxes.push(sid);
    const cid = await rt.createContainer(sid, containerConfig(sb, 'main', ['sleep', '3600']), sb);
    await rt.startContainer(cid);
    const read = async (s: NodeJS.ReadableStream | null) => { let out = ''; for await (const c of s ?? []) out += String(c); return out; };

    const piped = await rt.exec(cid, ['sh', '-c', 'tr a-z A-Z; echo done >&2; exit 4'], { stdin: true, tty: false });
    piped.stdin!.end('hello over spdy\n');
    const [out, err, code] = await Promise.all([read(piped.stdout), read(piped.stderr), piped.exit]);
    assert.equal(out, 'HELLO OVER SPDY\n');
    assert.equal(err, 'done\n');
    assert.equal(code, 4);

    const term = await rt.exec(cid, ['sh'], { stdin: true, tty: true });
    assert.equal(term.stderr, null);
    term.resize(100, 30);
    let screen = '';
    term.stdout.on('data', (c: Buffer) => (screen += c.toString()));
    await eventually(() => assert.match(screen, /#/), 30_000, 50);
    term.stdin!.write('tty; stty size; exit 0\n');
    assert.equal(await term.exit, 0);
    assert.match(screen, /\/dev\/pts\/\d+/);
    assert.match(screen, /30 100/);

    const catCfg = containerConfig(sb, 'cat', ['cat'], { stdin: true });
    const catId = await rt.createContainer(sid, catCfg, sb);
    await rt.startContainer(catId);
    const att = await rt.attach(catId);
    assert.ok(att?.stdin, 'attach gives the container\'s stdin');
    let echoed = '';
    att.output.on('data', (c: Buffer) => (echoed += c.toString()));
    att.stdin.write('through attach\n');
    await eventually(() => assert.equal(echoed, 'through attach\n'), 30_000, 50);
    att.output.destroy();
    assert.match(fs.readFileSync(catCfg.logPath, 'utf8'), /stdout F through attach$/m);
  });

  test('security context and mounts: user and groups, read-only root, capabilities, no_new_privs, a read-only host path', async () => {
    const sb = sandboxConfig('secure');
    const sid = await rt.runPodSandbox(sb);
    sandboxes.push(sid);
    const hostDir = path.join(podsDir, 'shared');
    fs.mkdirSync(hostDir, { recursive: true });
    fs.writeFileSync(path.join(hostDir, 'data.txt'), 'from the host\n');
    const script = [
      'echo "ids $(id -u) $(id -g) $(id -G)"',
      'touch /rootfs-write 2>/dev/null && echo root-writable || echo root-readonly',
      'grep -E "^(CapEff|NoNewPrivs):" /proc/self/status',
      'cat /data/data.txt',
      'touch /data/x 2>/dev/null && echo data-writable || echo data-readonly',
    ].join('; ');
    const cfg = containerConfig(sb, 'secure', ['sh', '-c', script], {
      user: { uid: 1000, gid: 3000, supplementalGroups: [2000] }, readOnlyRootfs: true, noNewPrivs: true,
      capabilities: ['chown', 'kill'], mounts: [{ hostPath: hostDir, containerPath: '/data', readOnly: true }],
    });
    const cid = await rt.createContainer(sid, cfg, sb);
    await rt.startContainer(cid);
    const done = await exited(cid);
    assert.equal(done.exitCode, 0, fs.readFileSync(cfg.logPath, 'utf8'));
    const out = fs.readFileSync(cfg.logPath, 'utf8').split('\n').map((l) => l.split(' ').slice(3).join(' '));
    assert.ok(out.includes('ids 1000 3000 3000 2000'), out.join('\n'));
    assert.ok(out.includes('root-readonly'));
    // A non-root process has no effective capabilities; the bounding set is what was granted: checked for root below.
    assert.ok(out.includes('NoNewPrivs:\t1'), out.join('\n'));
    assert.ok(out.includes('from the host'));
    assert.ok(out.includes('data-readonly'));

    const root = containerConfig(sb, 'caps', ['sh', '-c', 'grep "^CapBnd:" /proc/self/status'], { capabilities: ['chown', 'kill'] });
    const rid = await rt.createContainer(sid, root, sb);
    await rt.startContainer(rid);
    assert.equal((await exited(rid)).exitCode, 0);
    // CAP_CHOWN is bit 0, CAP_KILL bit 5: exactly those two.
    assert.match(fs.readFileSync(root.logPath, 'utf8'), /CapBnd:\s+0+21$/m);
  });

  test('a hostPort mapping reaches the pod (CNI portmap); a host-network sandbox has no pod IP and the node\'s interfaces', async () => {
    const hostPort = 20000 + Math.floor(Math.random() * 20000);
    const sb: PodSandboxConfig = { ...sandboxConfig('web'), portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort }] };
    const sid = await rt.runPodSandbox(sb);
    sandboxes.push(sid);
    const web = containerConfig(sb, 'web', ['sh', '-c', 'mkdir -p /tmp/www && echo served-by-cri > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']);
    await rt.startContainer(await rt.createContainer(sid, web, sb));
    const podIP = (await rt.podSandboxStatus(sid))!.network!.ip;
    // The pod's own address, then the node's port mapped to it (DNAT from the host's address).
    const body = (url: string) => eventually(async () => {
      const res = await fetch(url);
      assert.equal(res.status, 200);
      return res.text();
    }, 30_000, 200);
    assert.equal(await body(`http://${podIP}:8080/`), 'served-by-cri\n');
    const hostIP = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)!.address;
    assert.equal(await body(`http://${hostIP}:${hostPort}/`), 'served-by-cri\n');

    const hsb: PodSandboxConfig = { ...sandboxConfig('hostnet'), hostname: '', linux: { ...sandboxConfig('hostnet').linux, namespaceOptions: { network: 'NODE', ipc: 'POD' } } };
    const hid = await rt.runPodSandbox(hsb);
    sandboxes.push(hid);
    const hs = await rt.podSandboxStatus(hid);
    assert.equal(hs?.linux.namespaces.options.network, 'NODE');
    assert.equal(hs?.network, undefined);
    const hcfg = containerConfig(hsb, 'ip', ['sh', '-c', 'hostname; ip -4 -o addr show']);
    await rt.startContainer(await rt.createContainer(hid, hcfg, hsb));
    assert.equal((await exited(await rt.listContainers({ podUid: hsb.metadata.uid }).then((l) => l[0].id))).exitCode, 0);
    const text = fs.readFileSync(hcfg.logPath, 'utf8');
    assert.ok(text.includes(`stdout F ${os.hostname()}\n`), text);
    assert.ok(text.includes(hostIP), `the node's ${hostIP} in\n${text}`);
  });

  test('a memory hog limited to 32Mi is OOMKilled with exit code 137', async () => {
    const sb = sandboxConfig('hog');
    const sid = await rt.runPodSandbox(sb);
    sandboxes.push(sid);
    // busybox tail keeps its input in memory: /dev/zero has no newline, so it grows until the limit.
    const cid = await rt.createContainer(sid, containerConfig(sb, 'hog', ['sh', '-c', 'tail /dev/zero'], {
      resources: { memoryLimitInBytes: 32 * 1024 * 1024, cpuShares: 2, cpuPeriod: 100_000, cpuQuota: 50_000 },
    }), sb);
    await rt.startContainer(cid);
    const done = await exited(cid);
    assert.equal(done.exitCode, 137);
    assert.equal(done.reason, 'OOMKilled');
  });

  test('stop and remove: containers and sandboxes are gone, removal is idempotent', async () => {
    const sb = sandboxConfig('gone');
    const sid = await rt.runPodSandbox(sb);
    const cid = await rt.createContainer(sid, containerConfig(sb, 'main', ['sleep', '3600']), sb);
    await rt.startContainer(cid);
    await rt.stopPodSandbox(sid);
    assert.equal((await rt.podSandboxStatus(sid))?.state, 'SANDBOX_NOTREADY');
    assert.equal((await rt.containerStatus(cid))?.phase, 'exited');
    await rt.removeContainer(cid);
    assert.equal(await rt.containerStatus(cid), undefined);
    await rt.removePodSandbox(sid);
    assert.equal(await rt.podSandboxStatus(sid), undefined);
    assert.deepEqual(await rt.listContainers({ podUid: sb.metadata.uid }), []);
    await rt.removePodSandbox(sid);
    await rt.stopPodSandbox(sid);
    await rt.removeContainer(cid);
  });
});

// The same containerd driven by a tskube node (`tskube up --runtime cri --cri-endpoint …`), with the real kubectl.
describeNeeding('pods on a --runtime cri node, driven by kubectl', { timeout: 10 * 60_000, ...requireTool(KUBECTL, ROOT, CONTAINERD, RUNC, DOCKER_REGISTRY, BUSYBOX_STATIC) }, () => {
  let registry: TestRegistry;
  let containerd: TestContainerd;
  let cluster: Cluster;
  let busybox: string;
  let privateRegistry: TestRegistry;
  const podJson = async (name: string) => JSON.parse((await k(['get', 'pod', name, '-o', 'json'])).stdout) as Pod;
  const k = (args: string[], input?: string) => kubectl(cluster, args, { input });
  const podRow = async (name: string) => (await k(['get', 'pod', name, '--no-headers'])).stdout.trim().split(/\s{2,}/);

  before(async () => {
    registry = await startRegistry();
    const pause = await pushPauseImage(registry.host);
    await pushImage(registry.host, 'library/busybox:1.36', await buildBusyboxImage());
    busybox = `${registry.host}/library/busybox:1.36`;
    privateRegistry = await startRegistry({ htpasswd: { user: 'puller', password: 's3cret' } });
    await pushImage(privateRegistry.host, 'team/busybox:1', await buildBusyboxImage(), { username: 'puller', password: 's3cret' });
    containerd = await startContainerd({ sandboxImage: pause, plainHttpRegistries: [registry.host, privateRegistry.host], cni: 'template' });
    cluster = await startCluster({ nodes: 1, extraArgs: ['--runtime', 'cri', '--cri-endpoint', containerd.endpoint] });
  }, { timeout: 3 * 60_000 });

  after(async () => {
    // Pods deleted while the node runs take their pod cgroups with them (a stopping agent leaves those).
    if (cluster) await k(['delete', 'pods', '--all', '--grace-period=1', '--wait=true']).catch(() => undefined);
    await cluster?.stop();
    await containerd?.stop();
    await registry?.stop();
    await privateRegistry?.stop();
  }, { timeout: 2 * 60_000 });

  it('the node runs containerd (CONTAINER-RUNTIME); a busybox pod prints "BusyBox v1." from busybox itself, with containerd ids and the repo digest', async () => {
    await waitFor(async () => /\bReady\b/.test((await k(['get', 'nodes', '--no-headers'])).stdout), 'node Ready');
    assert.match((await k(['get', 'nodes', '-o', 'wide'])).stdout, /^host01\s+Ready\s.*\scontainerd:\/\/1\.\d+\.\d+/m);
    const run = await k(['run', 'bb', `--image=${busybox}`, '--restart=Never', '--', 'sh', '-c', 'busybox | head -1']);
    assert.equal(run.code, 0, run.stderr);
    await waitFor(async () => (await podRow('bb'))[2] === 'Completed', 'bb Completed');
    assert.match((await k(['logs', 'bb'])).stdout, /^BusyBox v1\.\d+/);
    const st = JSON.parse((await k(['get', 'pod', 'bb', '-o', 'json'])).stdout) as Pod;
    const cs = st.status!.containerStatuses![0];
    assert.match(cs.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(cs.imageID, new RegExp(`^${registry.host.replace(/\./g, '\\.')}/library/busybox@sha256:[0-9a-f]{64}$`));
    assert.equal(cs.state?.terminated?.reason, 'Completed');
    assert.ok(st.status!.podIP, 'the pod has its own address');
    const events = (await k(['get', 'events', '--field-selector', 'involvedObject.name=bb', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}'])).stdout;
    for (const reason of ['Pulling', 'Pulled', 'Created', 'Started']) assert.match(events, new RegExp(`^${reason}$`, 'm'));
  });

  it('kubectl exec runs busybox applets (exit codes pass through), and exec -i feeds stdin', async () => {
    assert.equal((await k(['run', 'sl', `--image=${busybox}`, '--', 'sleep', '3600'])).code, 0);
    await waitFor(async () => (await podRow('sl'))[2] === 'Running', 'sl Running');
    const ex = await k(['exec', 'sl', '--', 'sh', '-c', 'echo "$(id -u) $(hostname)"; exit 3']);
    assert.equal(ex.stdout, '0 sl\n');
    assert.equal(ex.code, 3);
    assert.match(ex.stderr, /command terminated with exit code 3/);
    const piped = await k(['exec', '-i', 'sl', '--', 'tr', 'a-z', 'A-Z'], 'through containerd\n');
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, 'THROUGH CONTAINERD\n');
  });

  it('kubectl attach -i reaches a container\'s own stdin and output', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - {name: reader, image: "${busybox}", command: ["sh", "-c", "while read l; do echo got $l; done; sleep 3600"], stdin: true}
`);
    await waitFor(async () => (await podRow('reader'))[2] === 'Running', 'reader Running');
    const att = kubectlStream(cluster, ['attach', '-i', 'reader'], { input: 'hello-attach\n' });
    try {
      await waitFor(async () => att.stdout().includes('got hello-attach'), 'attached output');
    } finally {
      await att.kill();
    }
    assert.match((await k(['logs', 'reader'])).stdout, /^got hello-attach$/m);
  });

  // after()'s cluster stop also proves the agent's server closes with a forwarded connection behind it.
  it('kubectl port-forward reaches a server in a containerd pod', async () => {
    assert.equal((await k(['run', 'web', `--image=${busybox}`, '--', 'sh', '-c', 'mkdir -p /tmp/www && echo hello-from-containerd > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'])).code, 0);
    await waitFor(async () => (await podRow('web'))[2] === 'Running', 'web Running');
    const pf = kubectlStream(cluster, ['port-forward', 'pod/web', ':8080']);
    try {
      const port = await waitFor(async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(pf.stdout())?.[1], 'port-forward listening');
      const text = await waitFor(async () => {
        try { return await (await fetch(`http://127.0.0.1:${port}/`)).text(); } catch { return undefined; }
      }, 'an answer through the tunnel');
      assert.equal(text, 'hello-from-containerd\n');
    } finally {
      await pf.kill();
    }
  });

  it('a memory hog limited to 32Mi is OOMKilled (describe: Reason OOMKilled, Exit Code 137) and restarted', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  containers:
  - name: hog
    image: ${busybox}
    command: ["sh", "-c", "tail /dev/zero"]
    resources: {limits: {memory: 32Mi}}
`);
    await waitFor(async () => {
      const p = JSON.parse((await k(['get', 'pod', 'hog', '-o', 'json'])).stdout) as Pod;
      const cs = p.status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 1 && cs?.lastState?.terminated?.reason === 'OOMKilled';
    }, 'hog OOMKilled and restarted', 240, 500);
    const d = (await k(['describe', 'pod', 'hog'])).stdout;
    assert.match(d, /Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/);
    assert.match(d, /Limits:\n\s+memory:\s+32Mi/);
  });

  it('seeds: an init container fills an emptyDir the app reads; ConfigMap env and volume; restartPolicy Never completes', async () => {
    assert.equal((await k(['create', 'configmap', 'cfg', '--from-literal=greeting=hello-cri', '--from-literal=color=blue'])).code, 0);
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: seeds}
spec:
  restartPolicy: Never
  volumes:
  - {name: work, emptyDir: {}}
  - {name: cfg, configMap: {name: cfg}}
  initContainers:
  - name: init
    image: ${busybox}
    command: ["sh", "-c", "for i in 1 2 3; do echo $i >> /work/counter; done"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: ${busybox}
    command: ["sh", "-c", "cat /work/counter; echo $GREETING; cat /etc/cfg/color"]
    env: [{name: GREETING, valueFrom: {configMapKeyRef: {name: cfg, key: greeting}}}]
    volumeMounts: [{name: work, mountPath: /work}, {name: cfg, mountPath: /etc/cfg}]
`);
    await waitFor(async () => (await podRow('seeds'))[2] === 'Completed', 'seeds Completed');
    assert.equal((await k(['logs', 'seeds', '-c', 'app'])).stdout, '1\n2\n3\nhello-cri\nblue');
    const p = await podJson('seeds');
    assert.equal(p.status?.initContainerStatuses?.[0].state?.terminated?.reason, 'Completed');
  });

  it('seeds: an exec liveness probe (ExecSync) that starts failing restarts the container; describe shows Unhealthy', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  containers:
  - name: app
    image: ${busybox}
    command: ["sh", "-c", "touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 1
`);
    await waitFor(async () => ((await podJson('live')).status?.containerStatuses?.[0].restartCount ?? 0) >= 1, 'live restarted', 240, 500);
    const d = (await k(['describe', 'pod', 'live'])).stdout;
    assert.match(d, /Unhealthy\s+.*Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
    assert.match(d, /Killing\s+.*Container app failed liveness probe, will be restarted/);
  });

  it('securityContext: runAsUser 1000, a read-only root filesystem, a dropped capability', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: sec}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: ${busybox}
    command: ["sh", "-c", "id -u; touch /x 2>/dev/null && echo writable || echo read-only; grep CapBnd /proc/self/status"]
    securityContext:
      runAsUser: 1000
      readOnlyRootFilesystem: true
      capabilities: {drop: [NET_RAW]}
`);
    await waitFor(async () => (await podRow('sec'))[2] === 'Completed', 'sec Completed');
    const [uid, ro, capLine] = (await k(['logs', 'sec'])).stdout.trim().split('\n');
    assert.equal(uid, '1000');
    assert.equal(ro, 'read-only');
    const bnd = BigInt('0x' + capLine.split(/\s+/)[1]);
    assert.equal(bnd & (1n << 13n), 0n, 'CAP_NET_RAW (13) dropped');
    assert.notEqual(bnd & (1n << 0n), 0n, 'CAP_CHOWN (0) kept');
  });

  it('a missing image is ErrImagePull then ImagePullBackOff, with containerd\'s error as the kubelet shows it', async () => {
    assert.equal((await k(['run', 'nope', `--image=${registry.host}/library/nope:1`, '--restart=Never'])).code, 0);
    await waitFor(async () => (await podJson('nope')).status?.containerStatuses?.[0].state?.waiting?.reason === 'ImagePullBackOff', 'nope ImagePullBackOff', 240, 500);
    const events = (await k(['get', 'events', '--field-selector', 'involvedObject.name=nope', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}'])).stdout;
    assert.match(events, new RegExp(`^Failed: Failed to pull image "${registry.host.replace(/\./g, '\\.')}/library/nope:1": rpc error: code = NotFound desc = failed to pull and unpack image`, 'm'));
    assert.match(events, /^Failed: Error: ErrImagePull$/m);
    assert.match(events, /^BackOff: Back-off pulling image/m);
  });

  it('a private registry with basic auth: pulled with an imagePullSecret, refused without', async () => {
    const image = `${privateRegistry.host}/team/busybox:1`;
    assert.equal((await k(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${privateRegistry.host}`, '--docker-username=puller', '--docker-password=s3cret'])).code, 0);
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  restartPolicy: Never
  imagePullSecrets: [{name: regcred}]
  containers: [{name: app, image: "${image}", command: ["sh", "-c", "echo pulled with credentials"]}]
`);
    // Always: the node has the image once "private" pulled it, and IfNotPresent would use it without credentials.
    assert.equal((await k(['run', 'anon', `--image=${image}`, '--image-pull-policy=Always', '--restart=Never', '--', 'true'])).code, 0);
    await waitFor(async () => (await podRow('private'))[2] === 'Completed', 'private Completed');
    assert.equal((await k(['logs', 'private'])).stdout, 'pulled with credentials\n');
    await waitFor(async () => /ErrImagePull|ImagePullBackOff/.test((await podJson('anon')).status?.containerStatuses?.[0].state?.waiting?.reason ?? ''), 'anon refused', 240, 500);
    const msg = (await podJson('anon')).status?.containerStatuses?.[0].state?.waiting?.message ?? '';
    assert.match(msg, /401 Unauthorized|authorization failed|no basic auth credentials/i);
  });

  it('a deleted pod leaves no sandbox or container in containerd', async () => {
    const rt = await new CriRuntime({ endpoint: containerd.endpoint }).connect();
    try {
      const uid = JSON.parse((await k(['get', 'pod', 'sl', '-o', 'json'])).stdout).metadata.uid as string;
      assert.ok((await rt.listPodSandbox({ podUid: uid })).length > 0);
      assert.equal((await k(['delete', 'pod', 'sl', '--grace-period=1'])).code, 0);
      await waitFor(async () => (await rt.listPodSandbox({ podUid: uid })).length === 0 && (await rt.listContainers({ podUid: uid })).length === 0, 'sl gone from containerd');
    } finally {
      await rt.close();
    }
  });
});
