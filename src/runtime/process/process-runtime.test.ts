import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { containerInit, privilegeOptions, ProcessRuntime } from './process-runtime.js';
import { hostDeviceNodes } from './dev-template.js';
import { parseCriLine } from '../cri-log.js';
import { ExecStartError } from '../types.js';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import type { ContainerInfo, ExecSession, PodSandboxConfig } from '../types.js';
import { requireTool, ROOT, UNSHARE, type SystemTool } from '../../testing/system-tools.js';
import { CNI_PLUGINS } from '../../network/testing/cni-tool.js';
import { NETNS_DIR } from '../../network/netns.js';
import { claimTestCIDR } from '../../testing/test-cidr.js';

const base = { podUid: 'u1', podName: 'mypod', podNamespace: 'default', attempt: 0, image: 'busybox', env: { GREETING: 'hi' }, mounts: [] };

/** sandboxConfig asks for a sandbox of pod name in the node's (NODE) or its own (POD) network. */
function sandboxConfig(name: string, network: 'POD' | 'NODE', uid = `uid-${name}`): PodSandboxConfig {
  return {
    metadata: { name, namespace: 'default', uid, attempt: 0 }, hostname: name,
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] },
    linux: { namespaceOptions: { network } },
  };
}

/** waitExited waits for a container to exit (the runtime's events, then its status). */
async function waitExited(rt: ProcessRuntime, id: string): Promise<ContainerInfo> {
  for (;;) {
    const s = await rt.containerStatus(id);
    if (!s || s.phase === 'exited') return s!;
    await new Promise<void>((resolve) => {
      const off = rt.getContainerEvents((e) => { if (e.containerId === id) { off(); resolve(); } });
      setTimeout(() => { off(); resolve(); }, 200);
    });
  }
}

async function collect(session: ExecSession): Promise<{ code: number; out: string }> {
  let out = '';
  session.stdout.on('data', (d: Buffer) => { out += d; });
  session.stderr?.on('data', (d: Buffer) => { out += d; });
  return { code: await session.exit, out };
}

// Namespaces need root and util-linux's unshare: skipped without them, required in CI (.ci/run).
const namespaces = requireTool(ROOT, UNSHARE);

/**
 * SETUPS: the tests of what a container's root holds run with the compiled init and with the setup
 * script (a machine without a C compiler uses it). The init is required in CI (.ci/run installs gcc;
 * npm ci builds it), else a missing build skips its runs.
 */
const SETUPS = ['init', 'script'] as const;
const CONTAINER_INIT: SystemTool = {
  name: 'tskube-init', check: () => containerInit() !== undefined, missing: 'dist/tskube-init is not built (or is older than its source)',
  install: 'apt-get install gcc libc6-dev, then npm run build',
};
const setupOptions = (setup: typeof SETUPS[number]) => (setup === 'init' ? requireTool(ROOT, UNSHARE, CONTAINER_INIT) : namespaces);

for (const isolation of ['host', 'namespaces'] as const) {
  test(`process runtime (${isolation}): exit code, CRI logs, SIGKILL gives 137, exec, events`, isolation === 'namespaces' ? namespaces : {}, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation });
    const events: string[] = [];
    rt.getContainerEvents((e) => events.push(`${e.type} ${e.containerId}`));
    const cfg = sandboxConfig('mypod', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    assert.equal((await rt.podSandboxStatus(sb))!.state, 'SANDBOX_READY');
    assert.equal((await rt.podSandboxStatus(sb))!.network, undefined);
    const a = await rt.createContainer(sb, { ...base, name: 'a', argv: ['sh', '-c', 'echo $GREETING; echo oops >&2; exit 3'], logPath: path.join(dir, 'a.log') }, cfg);
    await rt.startContainer(a);
    const done = await waitExited(rt, a);
    assert.equal(done.exitCode, 3);
    assert.equal(done.reason, 'Error');
    assert.equal(done.sandboxId, sb);
    assert.deepEqual(events.filter((e) => e.endsWith(a)).map((e) => e.split(' ')[0]), ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT']);
    const recs = fs.readFileSync(path.join(dir, 'a.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!);
    assert.deepEqual(recs.map((r) => `${r.stream} ${r.message}`).sort(), ['stderr oops', 'stdout hi']);

    const b = await rt.createContainer(sb, { ...base, name: 'b', argv: ['sleep', '30'], logPath: path.join(dir, 'b.log') }, cfg);
    await rt.startContainer(b);
    assert.deepEqual(await collect(await rt.exec(b, ['sh', '-c', 'echo inside; exit 4'], { stdin: false, tty: false })), { code: 4, out: 'inside\n' });
    await rt.stopContainer(b, 0);
    assert.equal((await rt.containerStatus(b))!.exitCode, 137);
    assert.deepEqual((await rt.listContainers({ sandboxId: sb })).map((c) => c.config.name).sort(), ['a', 'b']);
    await rt.removePodSandbox(sb);
    assert.deepEqual(await rt.listContainers(), []);
    assert.deepEqual(await rt.listPodSandbox(), []);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

for (const setup of SETUPS) {
  test(`namespaces: the pod's hostname, /etc/hostname and /etc/resolv.conf come from its sandbox; /tmp is private per container (setup: ${setup})`, setupOptions(setup), async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    // A file name nobody else uses: each container writes its own name there; the host must not see it.
    const probe = `/tmp/tskube-private-${process.pid}-${Date.now()}`;
    const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces', containerSetup: setup });
    const cfg = sandboxConfig('mypod', 'NODE');
    cfg.hostname = 'mypod';
    const sb = await rt.runPodSandbox({ ...cfg, linux: { namespaceOptions: { network: 'NODE' } } });
    const ids: string[] = [];
    for (const name of ['x', 'y']) {
      // A checkout under /tmp has its image scripts bind-mounted at the same path: that one entry is not a leak.
      const own = IMAGES_DIR.startsWith('/tmp/') ? IMAGES_DIR.split('/')[2] : '';
      const id = await rt.createContainer(sb, { ...base, name, argv: ['sh', '-c', `ls /tmp | grep -vx '${own}' | wc -l; echo ${name} > ${probe}; hostname; cat ${probe}; cat /etc/resolv.conf`], logPath: path.join(dir, `${name}.log`) }, cfg);
      await rt.startContainer(id);
      ids.push(id);
    }
    for (const id of ids) assert.equal((await waitExited(rt, id)).exitCode, 0);
    const lines = (n: string) => fs.readFileSync(path.join(dir, `${n}.log`), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    // host-network pods have the node's hostname, as containerd gives them
    // each container starts with an empty /tmp, and reads back its own file, not the other's
    assert.deepEqual(lines('x'), ['0', os.hostname(), 'x', 'search default.svc.cluster.local svc.cluster.local cluster.local', 'nameserver 10.96.0.10', 'options ndots:5']);
    assert.deepEqual(lines('y').slice(0, 3), ['0', os.hostname(), 'y']);
    assert.equal(fs.existsSync(probe), false, `${probe} leaked to the host's /tmp`);
    await rt.removePodSandbox(sb);
    // close() releases the node network's owner record (/run/tskube/networks)
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

for (const setup of SETUPS) {
  test(`namespaces: mounts land inside the container's root: below a symlinked directory (/var/run -> /run), read-only, a file inside a mounted directory, odd characters in a path (setup: ${setup})`, setupOptions(setup), async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces', containerSetup: setup });
    const cfg = sandboxConfig('mounts', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    const vol = path.join(dir, 'vol');
    fs.mkdirSync(vol);
    fs.writeFileSync(path.join(vol, 'token'), 'secret');
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, 'inner');
    const mounts = [
      { hostPath: vol, containerPath: '/var/run/secrets/tskube.test/sa', readOnly: true },
      { hostPath: file, containerPath: '/data/sub/inner.txt' },
      { hostPath: vol, containerPath: '/data' },
      { hostPath: file, containerPath: '/opt/a dir\\with\ta tab/f' },
    ].reverse();
    const script = [
      'cat /run/secrets/tskube.test/sa/token; echo',
      'cat /var/run/secrets/tskube.test/sa/token; echo',
      'if { echo x > /var/run/secrets/tskube.test/sa/token; } 2>/dev/null; then echo writable; else echo read-only; fi',
      'cat /data/sub/inner.txt; echo',
      'cat /data/token; echo',
      'cat "/opt/a dir\\\\with\ta tab/f"; echo',
    ].join('; ');
    const id = await rt.createContainer(sb, { ...base, name: 'm', argv: ['sh', '-c', script], mounts, logPath: path.join(dir, 'm.log') }, cfg);
    await rt.startContainer(id);
    assert.equal((await waitExited(rt, id)).exitCode, 0, fs.readFileSync(path.join(dir, 'm.log'), 'utf8'));
    const out = fs.readFileSync(path.join(dir, 'm.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.deepEqual(out, ['secret', 'secret', 'read-only', 'inner', 'secret', 'inner']);
    // Nothing of the container's mount points reached the host.
    assert.equal(fs.existsSync('/run/secrets/tskube.test'), false);
    assert.equal(fs.existsSync('/data/sub/inner.txt'), false);
    await rt.removePodSandbox(sb);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('namespaces: the init and the setup script give a container the same root: mounts and their options, /dev, identity, capabilities, no_new_privs, environment, working directory, oom_score_adj', requireTool(ROOT, UNSHARE, CONTAINER_INIT), async () => {
  const probe = [
    'id', 'pwd', 'hostname', 'umask', 'cat /proc/self/oom_score_adj',
    // The environment the init or script exec'd with (the shell's own drops names like data-1).
    'tr "\\0" "\\n" < /proc/1/environ | sort',
    'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" /proc/self/status',
    'ls -la /dev | awk \'{ print $1, $3, $4, $NF }\'',
    'awk \'{ print $5, $6 }\' /proc/self/mountinfo',
    'if { echo x > /data/ro/f; } 2>/dev/null; then echo ro writable; else echo ro read-only; fi',
    'cat /data/ro/f /etc/app.conf',
  ].join('; echo ---; ');
  const run = async (setup: typeof SETUPS[number]) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-diff-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces', containerSetup: setup });
    try {
      const cfg = sandboxConfig('diff', 'NODE');
      const sb = await rt.runPodSandbox(cfg);
      fs.mkdirSync(path.join(dir, 'vol'));
      fs.writeFileSync(path.join(dir, 'vol', 'f'), 'from the volume\n');
      fs.writeFileSync(path.join(dir, 'conf'), 'from a file\n');
      const id = await rt.createContainer(sb, {
        ...base, name: 'probe', argv: ['sh', '-c', probe], workingDir: '/work/here', env: { GREETING: 'hi', 'data-1': 'odd name' },
        user: { uid: 1000, gid: 3000, supplementalGroups: [2000] }, noNewPrivs: true, capabilities: ['chown', 'kill', 'net_bind_service', 'net_admin'],
        resources: { oomScoreAdj: 500 },
        mounts: [{ hostPath: path.join(dir, 'vol'), containerPath: '/data/ro', readOnly: true }, { hostPath: path.join(dir, 'conf'), containerPath: '/etc/app.conf' }],
        logPath: path.join(dir, 'probe.log'),
      }, cfg);
      await rt.startContainer(id);
      const info = await waitExited(rt, id);
      const out = fs.readFileSync(path.join(dir, 'probe.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
      await rt.removePodSandbox(sb);
      return { code: info.exitCode, out };
    } finally {
      await rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const [init, script] = [await run('init'), await run('script')];
  assert.equal(init.code, 0, init.out.join('\n'));
  assert.deepEqual(init.out, script.out);
  // And what they agree on is what was asked for.
  const text = init.out.join('\n');
  assert.match(text, /^uid=1000 gid=3000 groups=3000,2000$/m);
  assert.match(text, /^\/work\/here$/m);
  assert.match(text, /^500$/m);
  assert.match(text, /^data-1=odd name$/m);
  assert.match(text, /^NoNewPrivs:\t1$/m);
  assert.match(text, /^CapBnd:\t0000000000001421$/m);
  assert.match(text, /^CapInh:\t0000000000000000$/m);
  assert.match(text, /^ro read-only$/m);
  assert.match(text, /^from the volume\nfrom a file$/m);
  assert.match(text, /^\/ ro,|^\/ rw,/m);
  assert.match(text, /^crw-rw-rw- root root null$/m);
});

// ---------------------------------------------------------------- pod network (real CNI plugins)

/** freeRange claims a /16 for this file (src/testing/test-cidr.ts) and gives its first two octets. */
const freeRange = (): string => claimTestCIDR().prefix;

function get(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, ip);
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error(`timeout connecting to ${ip}:${port}`)));
  });
}

const server = (text: string, port = 8080) => ['node', '-e', `require('net').createServer((s) => s.end(${JSON.stringify(text)} + require('os').hostname())).listen(${port})`];

test('namespaces + CNI: each pod its own IP and hostname, two pods on one port, containers of a pod share localhost, pod↔pod and host↔pod, nothing left after removal',
  { timeout: 120_000, ...requireTool(ROOT, UNSHARE, CNI_PLUGINS) }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-net-'));
    const rt = new ProcessRuntime({ rootDir: dir, nodeName: 'rtnode', isolation: 'namespaces' });
    const before = (await rt.status()).conditions.find((c) => c.type === 'NetworkReady')!;
    assert.deepEqual(before, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' });
    const range = freeRange();
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: `${range}.7.0/24` } });
    assert.equal((await rt.status()).conditions.find((c) => c.type === 'NetworkReady')!.status, true);
    const pods = ['web-a', 'web-b'];
    const sbs: string[] = [];
    try {
      for (const name of pods) {
        const cfg = sandboxConfig(name, 'POD');
        const sb = await rt.runPodSandbox(cfg);
        sbs.push(sb);
        const id = await rt.createContainer(sb, { ...base, podName: name, podUid: cfg.metadata.uid, name: 'web', argv: server(`hello from `), logPath: path.join(dir, `${name}.log`) }, cfg);
        await rt.startContainer(id);
        // a second container of the pod serving on another port, for the shared-localhost check
        const side = await rt.createContainer(sb, { ...base, podName: name, podUid: cfg.metadata.uid, name: 'side', argv: server('side of ', 9090), logPath: path.join(dir, `${name}-side.log`) }, cfg);
        await rt.startContainer(side);
      }
      const ips = await Promise.all(sbs.map(async (sb) => (await rt.podSandboxStatus(sb))!.network!.ip));
      assert.notEqual(ips[0], ips[1]);
      for (const ip of ips) assert.ok(ip.startsWith(`${range}.7.`), ip);
      for (const sb of sbs) assert.ok(fs.existsSync(path.join(NETNS_DIR, `tskube-${sb.slice(0, 16)}`)), `netns of sandbox ${sb}`);
      // both pods listen on 8080; the host reaches each (as probes do), each answers with its own hostname
      for (const [i, ip] of ips.entries()) {
        let answer = '';
        for (let t = 0; t < 100 && !answer; t++) answer = await get(ip, 8080).catch(() => new Promise<string>((r) => setTimeout(() => r(''), 100)));
        assert.equal(answer, `hello from ${pods[i]}`);
      }
      const [webA] = (await rt.listContainers({ sandboxId: sbs[0], phase: 'running' })).filter((c) => c.config.name === 'web');
      const fetchIn = async (target: string) => collect(await rt.exec(webA.id, ['node', '-e',
        `require('net').connect(${target.split(':')[1]}, '${target.split(':')[0]}').on('data', (d) => process.stdout.write(d)).on('error', (e) => { console.error(e.message); process.exit(1); })`], { stdin: false, tty: false }));
      assert.deepEqual(await fetchIn(`${ips[1]}:8080`), { code: 0, out: 'hello from web-b' });
      assert.deepEqual(await fetchIn('127.0.0.1:9090'), { code: 0, out: 'side of web-a' });
      const etc = await collect(await rt.exec(webA.id, ['sh', '-c', 'cat /etc/hostname; hostname; ip -4 -o addr show eth0 | wc -l'], { stdin: false, tty: false }));
      assert.deepEqual(etc, { code: 0, out: 'web-a\nweb-a\n1\n' });
    } finally {
      for (const sb of sbs) await rt.removePodSandbox(sb);
      await rt.close();
    }
    // (other clusters may come and go on this machine meanwhile: only this runtime's namespaces count)
    for (const sb of sbs) assert.ok(!fs.existsSync(path.join(NETNS_DIR, `tskube-${sb.slice(0, 16)}`)), `netns of sandbox ${sb} removed`);
    assert.ok(!fs.existsSync(`/sys/class/net/${rt.network.bridgeName}`), 'bridge removed');
    fs.rmSync(dir, { recursive: true, force: true });
  });

test('namespaces + CNI: a node shutting down (removeAllPodSandboxes) leaves nothing: namespaces, veths, leases, the bridge, and a host port\'s rules',
  { timeout: 120_000, ...requireTool(ROOT, UNSHARE, CNI_PLUGINS) }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-shutdown-'));
    const rt = new ProcessRuntime({ rootDir: dir, nodeName: 'rtdown', isolation: 'namespaces' });
    await rt.updateRuntimeConfig({ networkConfig: { podCidr: `${freeRange()}.5.0/24` } });
    const hostPort = await new Promise<number>((resolve) => { const srv = net.createServer().listen(0, () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); }); });
    const plain = sandboxConfig('plain', 'POD');
    const ported: PodSandboxConfig = { ...sandboxConfig('ported', 'POD'), portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort }] };
    const sbs: string[] = [];
    for (const cfg of [plain, ported]) {
      const sb = await rt.runPodSandbox(cfg);
      sbs.push(sb);
      const id = await rt.createContainer(sb, { ...base, podName: cfg.metadata.name, podUid: cfg.metadata.uid, name: 'main', argv: ['sleep', '600'], logPath: path.join(dir, `${cfg.metadata.name}.log`) }, cfg);
      await rt.startContainer(id);
    }
    const bridge = rt.network.bridgeName;
    const veths = fs.readdirSync(`/sys/class/net/${bridge}/brif`);
    assert.equal(veths.length, 2);
    const natRules = () => execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
    assert.match(natRules(), new RegExp(`--dport ${hostPort}\\b`), 'the host port\'s DNAT rule');
    const leases = path.join(dir, 'cni', 'networks');
    for (const c of await rt.listContainers()) await rt.stopContainer(c.id, 0);
    await rt.removeAllPodSandboxes();
    await rt.close();
    for (const sb of sbs) assert.ok(!fs.existsSync(path.join(NETNS_DIR, `tskube-${sb.slice(0, 16)}`)), `netns of sandbox ${sb} removed`);
    assert.ok(!fs.existsSync(`/sys/class/net/${bridge}`), 'bridge removed');
    assert.doesNotMatch(natRules(), new RegExp(`--dport ${hostPort}\\b`), 'the host port\'s DNAT rule is gone (portmap\'s DEL ran)');
    assert.ok(!fs.existsSync(leases) || fs.readdirSync(leases).length === 0, 'host-local\'s leases are gone');
    // A veth goes with its namespace, which the kernel cleans up a moment later.
    for (let i = 0; i < 100 && veths.some((v) => fs.existsSync(`/sys/class/net/${v}`)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(veths.filter((v) => fs.existsSync(`/sys/class/net/${v}`)), []);
    assert.deepEqual(fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dir)), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });

test('namespaces + CNI: a restarted agent keeps a sandbox whose network passes CNI CHECK (same address), and drops one whose interface is gone',
  { timeout: 120_000, ...requireTool(ROOT, UNSHARE, CNI_PLUGINS) }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-recover-'));
    const podCidr = `${freeRange()}.9.0/24`;
    const first = new ProcessRuntime({ rootDir: dir, nodeName: 'rtrec', isolation: 'namespaces' });
    await first.updateRuntimeConfig({ networkConfig: { podCidr } });
    const keep = await first.runPodSandbox(sandboxConfig('keep', 'POD'));
    const broken = await first.runPodSandbox(sandboxConfig('broken', 'POD'));
    const ip = (await first.podSandboxStatus(keep))!.network!.ip;
    // the agent goes away without stopping anything; someone removes one pod's interface meanwhile
    execFileSync('ip', ['-n', `tskube-${broken.slice(0, 16)}`, 'link', 'delete', 'eth0']);
    const second = new ProcessRuntime({ rootDir: dir, nodeName: 'rtrec', isolation: 'namespaces' });
    try {
      const byId = new Map((await second.listPodSandbox()).map((s) => [s.id, s]));
      assert.equal(byId.get(keep)!.state, 'SANDBOX_READY');
      assert.equal(byId.get(keep)!.network!.ip, ip);
      assert.equal(byId.get(broken)!.state, 'SANDBOX_NOTREADY');
      // containers still start in the kept sandbox, with its address
      const cfg = sandboxConfig('keep', 'POD');
      const c = await second.createContainer(keep, { ...base, podName: 'keep', podUid: cfg.metadata.uid, name: 'main', argv: ['sh', '-c', 'ip -4 -o addr show eth0'], logPath: path.join(dir, 'keep.log') }, cfg);
      await second.startContainer(c);
      assert.equal((await waitExited(second, c)).exitCode, 0);
      assert.ok(fs.readFileSync(path.join(dir, 'keep.log'), 'utf8').includes(` ${ip}/24 `));
    } finally {
      for (const s of await second.listPodSandbox()) await second.removePodSandbox(s.id);
      // As a restarted agent learns its podCIDR from its Node: close() then removes the node's
      // masquerade rule the first runtime added (without it the rule outlived the test).
      await second.updateRuntimeConfig({ networkConfig: { podCidr } });
      await second.close();
    }
    assert.ok(!fs.existsSync(`/run/netns/tskube-${keep.slice(0, 16)}`) && !fs.existsSync(`/run/netns/tskube-${broken.slice(0, 16)}`));
    assert.ok(!fs.existsSync(`/sys/class/net/${second.network.bridgeName}`));
    fs.rmSync(dir, { recursive: true, force: true });
  });

test('namespaces + CNI: an agent killed while a sandbox\'s namespaces are being made leaves a record, and the restarted agent removes the network namespace',
  { timeout: 120_000, ...requireTool(ROOT, UNSHARE, CNI_PLUGINS) }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-killed-'));
    const podCidr = `${freeRange()}.9.0/24`;
    // An unshare that never finishes: the agent is killed while it pins the namespaces. Without the
    // command helper (whose system calls cannot be made to hang), unshare is the command that pins them.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const started = path.join(dir, 'unshare-started');
    fs.writeFileSync(path.join(bin, 'unshare'), `#!/bin/sh\ntouch ${started}\nexec sleep 600\n`, { mode: 0o755 });
    const script = [
      `import { ProcessRuntime } from ${JSON.stringify(path.join(import.meta.dirname, 'process-runtime.ts'))};`,
      `const rt = new ProcessRuntime({ rootDir: ${JSON.stringify(dir)}, nodeName: 'rtkill', isolation: 'namespaces' });`,
      `await rt.updateRuntimeConfig({ networkConfig: { podCidr: ${JSON.stringify(podCidr)} } });`,
      `await rt.runPodSandbox(${JSON.stringify(sandboxConfig('killed', 'POD'))});`,
    ].join('\n');
    const agent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TSKUBE_COMMAND_HELPER: '0' }, stdio: 'ignore', detached: true,
    });
    try {
      for (let i = 0; !fs.existsSync(started); i++) {
        assert.ok(i < 600 && agent.exitCode === null, 'the agent reached the namespaces\' unshare');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      process.kill(-agent.pid!, 'SIGKILL');
    }
    const [id] = fs.readdirSync(path.join(dir, 'sandboxes'));
    const netnsFile = path.join(NETNS_DIR, `tskube-${id.slice(0, 16)}`);
    assert.ok(fs.existsSync(netnsFile), 'the killed agent left its network namespace file');
    const second = new ProcessRuntime({ rootDir: dir, nodeName: 'rtkill', isolation: 'namespaces' });
    try {
      const [sb] = await second.listPodSandbox();
      assert.equal(sb?.id, id);
      assert.equal(sb.state, 'SANDBOX_NOTREADY');
      await second.removePodSandbox(id);
      assert.ok(!fs.existsSync(netnsFile), 'removing the sandbox removed its network namespace file');
    } finally {
      await second.updateRuntimeConfig({ networkConfig: { podCidr } });
      await second.close();
      fs.rmSync(netnsFile, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

test('namespaces: once the runtime is closed, a pod sandbox is refused before anything is made', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-closed-'));
  const rt = new ProcessRuntime({ rootDir: dir, nodeName: 'rtclosed', isolation: 'namespaces' });
  try {
    await rt.close();
    await assert.rejects(rt.runPodSandbox(sandboxConfig('late', 'NODE')), /shutting down/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sandboxes')), []);
    assert.deepEqual(await rt.listPodSandbox(), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('privilegeOptions: the primary group is among the supplementary groups, as containerd adds it', () => {
  // the security context page: runAsUser 1000, runAsGroup 3000, fsGroup 2000, supplementalGroups [4000]
  assert.deepEqual(privilegeOptions({ user: { uid: 1000, gid: 3000, supplementalGroups: [2000, 4000] }, noNewPrivs: true }),
    ['--reuid=1000', '--regid=3000', '--groups=3000,2000,4000', '--no-new-privs']);
  assert.deepEqual(privilegeOptions({ user: { uid: 1000, gid: 0 } }), ['--reuid=1000', '--regid=0', '--groups=0']);
  assert.deepEqual(privilegeOptions({}), []);
  // the image's groups of the user come after the primary group; root gets them too
  assert.deepEqual(privilegeOptions({ user: { uid: 1000, gid: 3000, supplementalGroups: [4000] } }, [50000]), ['--reuid=1000', '--regid=3000', '--groups=3000,50000,4000']);
  assert.deepEqual(privilegeOptions({}, [10]), ['--reuid=0', '--regid=0', '--groups=0,10']);
});

for (const setup of SETUPS) {
  test(`namespaces: an image's own files (catalog \`files\`) and USER; runAsUser with groups, read-only root filesystem, no_new_privs; exec runs as the user (setup: ${setup})`, setupOptions(setup), async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    // The image's file lives under /tmp, which containers see as their own empty tmpfs: it must be mounted in.
    fs.writeFileSync(path.join(dir, 'tool'), 'from the image\n');
    // An image whose PATH finds another setpriv first (busybox's lacks --reuid) still gets util-linux's.
    fs.writeFileSync(path.join(dir, 'setpriv'), '#!/bin/sh\necho wrong setpriv >&2; exit 1\n', { mode: 0o755 });
    const catalogFile = path.join(dir, 'images.yaml');
    // its /etc/passwd and /etc/group put its user in one more group, and root in wheel
    fs.writeFileSync(path.join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:2000::/:/bin/sh\n');
    fs.writeFileSync(path.join(dir, 'group'), 'root:x:0:\nwheel:x:10:root\napp:x:2000:\nextra:x:5000:app\n');
    const own = { '/opt/tool': path.join(dir, 'tool'), '/fakebin/setpriv': path.join(dir, 'setpriv'), '/etc/passwd': path.join(dir, 'passwd'), '/etc/group': path.join(dir, 'group') };
    fs.writeFileSync(catalogFile, JSON.stringify({ images: { 'example.com/tool:1': { cmd: ['sh'], user: '1234', files: own } } }));
    const catalog = new ImageCatalog([catalogFile]);
    const info = catalog.resolve('example.com/tool:1', false);
    assert.deepEqual(info.user, { uid: 1234 });
    assert.deepEqual(info.files, own);
    const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces', catalog, containerSetup: setup });
    const cfg = sandboxConfig('sec', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    const script = 'id -u; id -g; id -G; cat /opt/tool; (echo x > /rootfile) 2>/dev/null && echo rw || echo ro; grep NoNewPrivs /proc/self/status';
    const a = await rt.createContainer(sb, {
      ...base, image: 'example.com/tool:1', name: 'a', argv: ['sh', '-c', script], logPath: path.join(dir, 'a.log'),
      env: { PATH: '/fakebin:/usr/sbin:/usr/bin:/sbin:/bin' },
      user: { uid: 1234, gid: 2000, supplementalGroups: [3000] }, readOnlyRootfs: true, noNewPrivs: true,
    }, cfg);
    await rt.startContainer(a);
    assert.equal((await waitExited(rt, a)).exitCode, 0);
    const out = fs.readFileSync(path.join(dir, 'a.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.deepEqual(out, ['1234', '2000', '2000 3000 5000', 'from the image', 'ro', 'NoNewPrivs:\t1']);
    // Capabilities: the bounding set limits even root (no NET_ADMIN: no new links in the pod's network).
    const caps = await rt.createContainer(sb, {
      ...base, name: 'caps', argv: ['sh', '-c', 'grep CapBnd /proc/self/status'], logPath: path.join(dir, 'caps.log'), capabilities: ['chown', 'kill'],
    }, cfg);
    await rt.startContainer(caps);
    assert.equal((await waitExited(rt, caps)).exitCode, 0);
    // chown is bit 0, kill bit 5.
    assert.equal(parseCriLine(fs.readFileSync(path.join(dir, 'caps.log'), 'utf8').trim())!.message, 'CapBnd:\t0000000000000021');
    // Without them: root, writable, privileges may be gained.
    const b = await rt.createContainer(sb, { ...base, image: 'example.com/tool:1', name: 'b', argv: ['sh', '-c', 'id -u; echo x > /rootfile && echo rw; sleep 30'], logPath: path.join(dir, 'b.log') }, cfg);
    await rt.startContainer(b);
    assert.deepEqual(await collect(await rt.exec(b, ['id', '-u'], { stdin: false, tty: false })), { code: 0, out: '0\n' });
    assert.deepEqual(await collect(await rt.exec(b, ['id', '-G'], { stdin: false, tty: false })), { code: 0, out: '0 10\n' });
    const c = await rt.createContainer(sb, { ...base, name: 'c', argv: ['sleep', '30'], logPath: path.join(dir, 'c.log'), user: { uid: 4321, gid: 4321, supplementalGroups: [5000] } }, cfg);
    await rt.startContainer(c);
    assert.deepEqual(await collect(await rt.exec(c, ['id', '-u'], { stdin: false, tty: false })), { code: 0, out: '4321\n' });
    // an exec keeps the container's supplementary groups (the security context page's `id` in kubectl exec)
    assert.deepEqual(await collect(await rt.exec(c, ['id', '-G'], { stdin: false, tty: false })), { code: 0, out: '4321 5000\n' });
    // Variables whose names are no shell identifiers (envFrom keys) reach the process; the working directory is set.
    const e = await rt.createContainer(sb, { ...base, name: 'e', argv: ['env'], env: { 'data-1': 'value-1' }, workingDir: '/opt', logPath: path.join(dir, 'e.log'), user: { uid: 1, gid: 1 } }, cfg);
    await rt.startContainer(e);
    assert.equal((await waitExited(rt, e)).exitCode, 0);
    const envOut = fs.readFileSync(path.join(dir, 'e.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.ok(envOut.includes('data-1=value-1'), envOut.join('\n'));
    assert.ok(!envOut.some((l) => /^(PWD|SHLVL|_)=/.test(l)), envOut.join('\n'));
    await rt.removePodSandbox(sb);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('namespaces: a sandbox\'s sysctls are set in its own IPC namespace, not the node\'s', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces' });
  const node = fs.readFileSync('/proc/sys/kernel/shm_rmid_forced', 'utf8').trim();
  const want = node === '1' ? '0' : '1';
  const cfg = sandboxConfig('sysctl', 'NODE');
  cfg.linux = { ...cfg.linux, sysctls: { 'kernel.shm_rmid_forced': want } };
  const sb = await rt.runPodSandbox(cfg);
  const a = await rt.createContainer(sb, { ...base, name: 'a', argv: ['cat', '/proc/sys/kernel/shm_rmid_forced'], logPath: path.join(dir, 'a.log') }, cfg);
  await rt.startContainer(a);
  assert.equal((await waitExited(rt, a)).exitCode, 0);
  assert.equal(parseCriLine(fs.readFileSync(path.join(dir, 'a.log'), 'utf8').trim())!.message, want);
  assert.equal(fs.readFileSync('/proc/sys/kernel/shm_rmid_forced', 'utf8').trim(), node);
  // A network sysctl of a pod in the node's network would change the node: refused.
  const bad = sandboxConfig('sysctl-net', 'NODE');
  bad.linux = { ...bad.linux, sysctls: { 'net.ipv4.ip_forward': '0' } };
  await assert.rejects(rt.runPodSandbox(bad), /not allowed: the pod shares the node's network namespace/);
  await rt.removePodSandbox(sb);
  await rt.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('namespaces: close() waits for a sandbox still being created, which undoes itself: no namespace mount outlives the runtime', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces' });
  // Not awaited: the agent stops while the sandbox is being made.
  const creating = rt.runPodSandbox(sandboxConfig('closing', 'NODE')).then(() => 'created', (e: Error) => e.message);
  await rt.close();
  // By the time close() returns, the half-made sandbox is undone (its directory gone): a process
  // that exits right after leaves nothing mounted.
  const sandboxesDir = path.join(dir, 'sandboxes');
  assert.deepEqual(fs.existsSync(sandboxesDir) ? fs.readdirSync(sandboxesDir).filter((f) => !f.endsWith('.json')) : [], []);
  assert.match(await creating, /was stopped while it was being created/);
  const left = fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dir));
  assert.deepEqual(left, []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('namespaces: drain() waits for a sandbox being made, its /dev/shm mounted, and refuses new ones: a shutdown then removes everything', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces' });
  let made: string | undefined;
  // Not awaited: the agent shuts down while the sandbox is being made.
  const creating = rt.runPodSandbox(sandboxConfig('draining', 'NODE')).then((id) => { made = id; return id; });
  await rt.drain();
  assert.ok(made, 'drain() returned before the sandbox under way was finished');
  assert.ok(fs.readFileSync('/proc/mounts', 'utf8').includes(path.join(dir, 'sandboxes', made, 'shm')), 'the pod\'s /dev/shm is mounted once drain() returns');
  await assert.rejects(rt.runPodSandbox(sandboxConfig('late', 'NODE')), /failed to run the pod sandbox: the runtime is shutting down/);
  // The shutdown's next steps (stopContainers) find it and leave nothing mounted.
  assert.deepEqual((await rt.listPodSandbox()).map((s) => s.id), [await creating]);
  for (const s of await rt.listPodSandbox()) await rt.removePodSandbox(s.id);
  await rt.close();
  assert.deepEqual(fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(dir)), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const shim of [true, false]) {
  test(`process runtime (host, ${shim ? 'container shim' : 'direct'}): who forks the container; attach with stdin; SIGTERM within the grace period gives 143`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation: 'host', shim });
    const cfg = sandboxConfig('mypod', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    const id = await rt.createContainer(sb, { ...base, name: 'r', argv: ['sh', '-c', 'echo up; while read l; do echo "got $l"; done'], stdin: true, logPath: path.join(dir, 'r.log') }, cfg);
    await rt.startContainer(id);
    const pid = (await rt.containerStatus(id))!.pid!;
    const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    if (shim) assert.notEqual(ppid, process.pid, 'the shim forked it');
    else assert.equal(ppid, process.pid);
    const logged = () => (fs.existsSync(path.join(dir, 'r.log')) ? fs.readFileSync(path.join(dir, 'r.log'), 'utf8') : '');
    for (let i = 0; i < 1000 && !logged().includes(' up'); i++) await new Promise((r) => setTimeout(r, 10));
    const session = (await rt.attach(id))!;
    let out = '';
    session.output.on('data', (d: Buffer) => { out += d; });
    session.stdin!.write('x\n');
    for (let i = 0; i < 1000 && !out.includes('got x'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(out, 'got x\n', 'attach sees what comes after it, not before');
    await rt.stopContainer(id, 10_000);
    const done = (await rt.containerStatus(id))!;
    assert.equal(done.exitCode, 143);
    const lines = fs.readFileSync(path.join(dir, 'r.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.deepEqual(lines, ['up', 'got x']);
    await rt.removePodSandbox(sb);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

for (const setup of SETUPS) {
  test(`namespaces: a container's /dev is its own tmpfs: only the standard devices, links, pts and shm; its file mount points and writes stay off the node's /dev; ptys work; the pod's containers share its /dev/shm; a privileged one also has the node's devices (setup: ${setup})`, setupOptions(setup), async (ctx) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces', containerSetup: setup });
    const cfg = sandboxConfig('dev', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    // A failed assertion leaves no sandbox behind (its namespace pins and /dev/shm are mounts of the node).
    let removed = false;
    ctx.after(async () => {
      if (!removed) await rt.removePodSandbox(sb);
      await rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    // The kubelet's termination log, mounted at a path of its own under /dev (a file mount point there
    // used to be created in the node's /dev), and an emptyDir mounted over /dev/shm.
    const log = path.join(dir, 'termination-log');
    fs.writeFileSync(log, '');
    // A name of its own: the node's /dev/termination-log may be made by what else runs on the node.
    const own = `tskube-test-${process.pid}-log`;
    const shm = path.join(dir, 'shm');
    fs.mkdirSync(shm);
    const script = [
      `ls -A /dev | grep -vx ${own} | tr '\\n' ' '; echo`,
      'stat -c "%a %F" /dev /dev/shm /dev/pts /dev/null /dev/ptmx',
      'readlink /dev/fd /dev/stdin /dev/stdout /dev/stderr',
      'head -c 5 /dev/zero | wc -c; echo x > /dev/null && echo null-ok',
      'grep -E " /dev(/shm)? " /proc/mounts | cut -d" " -f2,3 | sort',
      `echo bye > /dev/${own}; echo written > /dev/termination-log; echo x > /dev/stray-${process.pid} && echo made-stray`,
    ].join('; ');
    const mounts = [{ hostPath: log, containerPath: '/dev/termination-log' }, { hostPath: log, containerPath: `/dev/${own}` }];
    const a = await rt.createContainer(sb, { ...base, name: 'a', argv: ['sh', '-c', script], mounts, logPath: path.join(dir, 'a.log') }, cfg);
    await rt.startContainer(a);
    assert.equal((await waitExited(rt, a)).exitCode, 0, fs.readFileSync(path.join(dir, 'a.log'), 'utf8'));
    const out = fs.readFileSync(path.join(dir, 'a.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.deepEqual(out, [
      'fd full null ptmx pts random shm stderr stdin stdout termination-log tty urandom zero ',
      '755 directory', '1777 directory', '755 directory', '666 character special file', '666 character special file',
      '/proc/self/fd', '/proc/self/fd/0', '/proc/self/fd/1', '/proc/self/fd/2',
      '5', 'null-ok',
      '/dev tmpfs', '/dev/shm tmpfs',
      'made-stray',
    ]);
    // Writes through the mount reach the kubelet's file; nothing reached the node's /dev.
    assert.equal(fs.readFileSync(log, 'utf8'), 'written\n');
    for (const f of [own, `stray-${process.pid}`]) assert.equal(fs.existsSync(`/dev/${f}`), false, `/dev/${f} leaked to the node`);

    // A volume over /dev/shm is the container's /dev/shm; a terminal (tty: true, exec -t) is on /dev/pts.
    const b = await rt.createContainer(sb, {
      ...base, name: 'b', tty: true, argv: ['sh', '-c', 'echo in-shm > /dev/shm/f; tty; sleep 30'],
      mounts: [{ hostPath: shm, containerPath: '/dev/shm' }], logPath: path.join(dir, 'b.log'),
    }, cfg);
    await rt.startContainer(b);
    const ttyOut = () => fs.existsSync(path.join(dir, 'b.log')) ? fs.readFileSync(path.join(dir, 'b.log'), 'utf8') : '';
    for (let i = 0; i < 600 && !/\/dev\/pts\/\d+/.test(ttyOut()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(ttyOut(), /\/dev\/pts\/\d+/);
    assert.equal(fs.readFileSync(path.join(shm, 'f'), 'utf8'), 'in-shm\n');
    const t = await collect(await rt.exec(b, ['tty'], { stdin: false, tty: true }));
    assert.equal(t.code, 0, t.out);
    assert.match(t.out, /^\/dev\/pts\/\d+\r?\n$/);
    // Containers of a pod share its /dev/shm (as they share its IPC namespace); it goes with the sandbox.
    const w = await rt.createContainer(sb, { ...base, name: 'w', argv: ['sh', '-c', 'echo pod-shm > /dev/shm/shared'], logPath: path.join(dir, 'w.log') }, cfg);
    await rt.startContainer(w);
    assert.equal((await waitExited(rt, w)).exitCode, 0, fs.readFileSync(path.join(dir, 'w.log'), 'utf8'));
    const r = await rt.createContainer(sb, { ...base, name: 'r', argv: ['cat', '/dev/shm/shared'], logPath: path.join(dir, 'r.log') }, cfg);
    await rt.startContainer(r);
    assert.equal((await waitExited(rt, r)).exitCode, 0, fs.readFileSync(path.join(dir, 'r.log'), 'utf8'));
    assert.equal(parseCriLine(fs.readFileSync(path.join(dir, 'r.log'), 'utf8').trim())!.message, 'pod-shm');
    // A privileged container gets the node's devices too (as containerd gives them), still in its own tmpfs.
    const p = await rt.createContainer(sb, { ...base, name: 'p', privileged: true, argv: ['sh', '-c', 'ls /dev; grep " /dev " /proc/mounts | cut -d" " -f3'], logPath: path.join(dir, 'p.log') }, cfg);
    await rt.startContainer(p);
    assert.equal((await waitExited(rt, p)).exitCode, 0, fs.readFileSync(path.join(dir, 'p.log'), 'utf8'));
    const seen = fs.readFileSync(path.join(dir, 'p.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.equal(seen.at(-1), 'tmpfs');
    for (const d of hostDeviceNodes()) assert.ok(seen.includes(path.basename(d)), `${d} missing in a privileged container: ${seen.join(' ')}`);
    await rt.removePodSandbox(sb);
    removed = true;
    assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), 'a mount of the pod (its /dev/shm) outlived its sandbox');
  });
}

for (const isolation of ['host', 'namespaces'] as const) {
  test(`process runtime (${isolation}): the pause image runs its /pause, stops at SIGTERM with 0 as pause does, and has nothing else to exec`, { timeout: 60_000, ...(isolation === 'namespaces' ? namespaces : {}) }, async (ctx) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation });
    const cfg = sandboxConfig('pause', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    ctx.after(async () => {
      await rt.removePodSandbox(sb);
      await rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const image = await rt.resolveImage('registry.k8s.io/pause:3.1', false);
    assert.deepEqual(image.entrypoint, ['/pause']);
    const logPath = path.join(dir, 'p.log');
    const id = await rt.createContainer(sb, { ...base, image: 'registry.k8s.io/pause:3.1', name: 'p', argv: image.entrypoint!, logPath }, cfg);
    await rt.startContainer(id);
    assert.equal((await rt.containerStatus(id))!.phase, 'running');
    if (isolation === 'namespaces') {
      await assert.rejects(rt.exec(id, ['sh'], { stdin: false, tty: false }), (e: Error) => e instanceof ExecStartError && e.message === 'exec: "sh": executable file not found in $PATH');
      await assert.rejects(rt.exec(id, ['/bin/ls'], { stdin: false, tty: false }), (e: Error) => e instanceof ExecStartError && e.message === 'exec: "/bin/ls": stat /bin/ls: no such file or directory');
    }
    // the traps are set once its shell has started its first sleep: signal it only then
    const top = (await rt.containerStatus(id))!.pid!;
    for (let i = 0; i < 1000 && !sleepsUnder(top); i++) await new Promise((r) => setTimeout(r, 10));
    // a grace period longer than the test's own limit: a pause that ignored SIGTERM would fail it
    await rt.stopContainer(id, 120_000);
    const done = (await rt.containerStatus(id))!;
    assert.equal(done.exitCode, 0);
    const lines = fs.readFileSync(logPath, 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
    assert.deepEqual(lines, ['Shutting down, got signal: Terminated']);
  });
}

/** sleepsUnder: a `sleep 86400` (pause.sh's) runs somewhere under pid. */
function sleepsUnder(pid: number): boolean {
  const parentOf = (p: string) => Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') !== 'sleep\u000086400\u0000') continue;
      for (let q = parentOf(p); q > 1; q = parentOf(String(q))) if (q === pid) return true;
    } catch { /* gone */ }
  }
  return false;
}

test('namespaces: a container stopped just after it started gets its TERM again once its handler can be there (a stand-in that sets it up late still stops at TERM, not at the grace period\'s KILL)', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces' });
  const cfg = sandboxConfig('young', 'NODE');
  const sb = await rt.runPodSandbox(cfg);
  // PID 1 ignores a TERM it has no handler for; this one sets its handler up after 500 ms
  const id = await rt.createContainer(sb, { ...base, name: 'late', argv: [process.execPath, '-e', 'setTimeout(() => process.on("SIGTERM", () => process.exit(0)), 500); setInterval(() => {}, 1000)'], logPath: path.join(dir, 'late.log') }, cfg);
  await rt.startContainer(id);
  await rt.stopContainer(id, 10_000);
  assert.equal((await rt.containerStatus(id))!.exitCode, 0, 'stopped by its TERM handler, not killed');
  await rt.removePodSandbox(sb);
  await rt.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('namespaces: a container has a session of its own, so a terminal\'s Ctrl-C (SIGINT to the agent\'s process group) does not reach it', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-session-'));
  const rt = new ProcessRuntime({ rootDir: dir, nodeName: 'rtsession', isolation: 'namespaces' });
  /** sessionOf is field 6 of /proc/PID/stat (after the command's parentheses, field 4). */
  const sessionOf = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[3]);
  const groupOf = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
  try {
    const cfg = sandboxConfig('session', 'NODE');
    const sb = await rt.runPodSandbox(cfg);
    const id = await rt.createContainer(sb, { ...base, podName: 'session', podUid: cfg.metadata.uid, name: 'main', argv: ['sleep', '3600'], logPath: path.join(dir, 'session.log') }, cfg);
    await rt.startContainer(id);
    const init = (rt as unknown as { containers: Map<string, { initPid?: number }> }).containers.get(id)!.initPid!;
    assert.ok(init > 0);
    assert.notEqual(sessionOf(init), sessionOf(process.pid));
    // A terminal signals its foreground process group: the container is in none of this process's.
    assert.notEqual(groupOf(init), groupOf(process.pid));
  } finally {
    for (const s of await rt.listPodSandbox()) await rt.removePodSandbox(s.id);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
