import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../client.js';
import { buildBusyboxImage, pushImage } from '../../oci/testing/index.js';
import { mountPointsUnder } from '../../../util/mounts.js';

// A throwaway containerd for tests: its own root, state and socket in a temporary directory, the
// CRI plugin configured as MACHINE-NOTES says works here (restrict_oom_score_adj, overlayfs), a CNI
// bridge of its own on an unusual subnet, and plain-HTTP access to the test registry. Stopping it
// removes every sandbox through the CRI (CNI DEL, netns, mounts), then containerd and its shims (by
// PID), leftover mounts under its directory, and the bridge.

/** CONTAINERD_BIN is Debian's containerd. */
export const CONTAINERD_BIN = '/usr/bin/containerd';

/** TestContainerdOptions: the registries reached over plain HTTP, and the sandbox (pause) image. */
export interface TestContainerdOptions {
  /** "127.0.0.1:PORT" of registries containerd pulls from over plain HTTP */
  plainHttpRegistries?: string[];
  /** the CRI plugin's sandbox_image; it must be pullable (from a plain-HTTP registry above) */
  sandboxImage: string;
  /**
   * 'static' (default): a conflist on `subnet` from the start. 'template': containerd's conf_template,
   * rendered with the pod CIDR of UpdateRuntimeConfig (as a kubelet's node gets its podCIDR):
   * NetworkReady is false until then.
   */
  cni?: 'static' | 'template';
}

/** TestContainerd is a running containerd: endpoint is its CRI socket ("unix:///tmp/…/containerd.sock"). */
export interface TestContainerd {
  endpoint: string;
  dir: string;
  /** the pod subnet of its CNI bridge ("10.246.N.0/24"; with cni 'template', a free one to hand to UpdateRuntimeConfig) */
  subnet: string;
  bridge: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * pushPauseImage builds a busybox-based pause image (its entrypoint sleeps and exits on SIGTERM)
 * and pushes it to the registry as "<host>/tskube/pause:3.9"; resolves with that name.
 */
export async function pushPauseImage(registryHost: string): Promise<string> {
  const image = await buildBusyboxImage({
    entrypoint: ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"],
    cmd: [],
  });
  const name = `${registryHost}/tskube/pause:3.9`;
  await pushImage(registryHost, 'tskube/pause:3.9', image);
  return name;
}

/** configToml is containerd's configuration (version 2) for a test instance living in dir. */
export function configToml(dir: string, o: { sandboxImage: string; confTemplate?: string }): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(path.join(dir, 'root'))}`,
    `state = ${JSON.stringify(path.join(dir, 'state'))}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
    '[grpc]',
    `  address = ${JSON.stringify(path.join(dir, 'containerd.sock'))}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(path.join(dir, 'containerd.sock.ttrpc'))}`,
    '[debug]',
    '  level = "warn"',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(path.join(dir, 'opt'))}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    // This machine refuses negative oom_score_adj values: containerd then clamps to its own.
    '  restrict_oom_score_adj = true',
    `  sandbox_image = ${JSON.stringify(o.sandboxImage)}`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = ${JSON.stringify(path.join(dir, 'cni', 'net.d'))}`,
    ...(o.confTemplate ? [`    conf_template = ${JSON.stringify(o.confTemplate)}`] : []),
    '  [plugins."io.containerd.grpc.v1.cri".registry]',
    `    config_path = ${JSON.stringify(path.join(dir, 'certs.d'))}`,
    '',
  ].join('\n');
}

/** cniConflist is a bridge + host-local (+ portmap) network on subnet (or containerd's template of the pod CIDR), its IPAM state kept in dir. */
export function cniConflist(o: { bridge: string; subnet: string; dataDir: string }): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'tskube-cri-test',
    plugins: [
      {
        type: 'bridge', bridge: o.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.dataDir },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** startContainerd starts containerd as root with a temporary configuration and waits until its CRI answers. */
export async function startContainerd(o: TestContainerdOptions): Promise<TestContainerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-containerd-'));
  const suffix = randomBytes(3).toString('hex');
  const bridge = `tkcri${suffix}`;
  const subnet = `10.246.${16 + (randomBytes(1)[0] % 200)}.0/24`;
  fs.mkdirSync(path.join(dir, 'cni', 'net.d'), { recursive: true });
  const confTemplate = o.cni === 'template' ? path.join(dir, 'cni', 'template.conflist') : undefined;
  if (confTemplate) fs.writeFileSync(confTemplate, cniConflist({ bridge, subnet: '{{.PodCIDR}}', dataDir: path.join(dir, 'cni', 'ipam') }));
  else fs.writeFileSync(path.join(dir, 'cni', 'net.d', '10-tskube-test.conflist'), cniConflist({ bridge, subnet, dataDir: path.join(dir, 'cni', 'ipam') }));
  for (const host of o.plainHttpRegistries ?? []) {
    fs.mkdirSync(path.join(dir, 'certs.d', host), { recursive: true });
    fs.writeFileSync(path.join(dir, 'certs.d', host, 'hosts.toml'),
      `server = "http://${host}"\n\n[host."http://${host}"]\n  capabilities = ["pull", "resolve", "push"]\n`);
  }
  fs.writeFileSync(path.join(dir, 'config.toml'), configToml(dir, { sandboxImage: o.sandboxImage, confTemplate }));
  const logFd = fs.openSync(path.join(dir, 'containerd.log'), 'a');
  const child = spawn(CONTAINERD_BIN, ['--config', path.join(dir, 'config.toml')], {
    stdio: ['ignore', logFd, logFd],
    // The shims find runc in PATH (Debian puts it in /usr/sbin).
    env: { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
  });
  fs.closeSync(logFd);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const sock = path.join(dir, 'containerd.sock');
  const endpoint = `unix://${sock}`;
  const pid = child.pid!;

  const stop = async (): Promise<void> => {
    if (!exited) {
      await removeAllSandboxes(endpoint).catch(() => {});
      child.kill('SIGTERM');
      await Promise.race([exit, sleep(10_000)]);
      if (!exited) child.kill('SIGKILL');
      await exit;
    }
    killShims(sock);
    unmountUnder(dir);
    try { execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' }); } catch { /* never created */ }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  const client = new CriClient(endpoint, 5_000);
  try {
    while (Date.now() < deadline) {
      if (exited) break;
      if (fs.existsSync(sock)) {
        try {
          await client.runtime('Version', { version: 'v1' }, 5_000);
          return { endpoint, dir, subnet, bridge, pid, stop };
        } catch {
          // the CRI plugin is still starting
        }
      }
      await sleep(100);
    }
  } finally {
    client.close();
  }
  const logText = fs.existsSync(path.join(dir, 'containerd.log')) ? fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-3000) : '';
  await stop();
  throw new Error(`containerd did not start: ${logText}`);
}

/** removeAllSandboxes stops and removes every pod sandbox (and so its containers, network and mounts). */
async function removeAllSandboxes(endpoint: string): Promise<void> {
  const client = new CriClient(endpoint, 60_000);
  try {
    const res = await client.runtime<{ items: { id: string }[] }>('ListPodSandbox', {});
    for (const s of res.items) {
      await client.runtime('StopPodSandbox', { pod_sandbox_id: s.id }).catch(() => {});
      await client.runtime('RemovePodSandbox', { pod_sandbox_id: s.id }).catch(() => {});
    }
  } finally {
    client.close();
  }
}

/** killShims kills the shims this containerd started (their command line names its socket), by PID. */
function killShims(sock: string): void {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try { cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8'); } catch { continue; }
    const args = cmdline.split('\0');
    if (!args[0]?.includes('containerd-shim')) continue;
    const i = args.indexOf('-address');
    if (i >= 0 && args[i + 1] === sock) {
      try { process.kill(Number(entry), 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

/** unmountUnder lazily unmounts whatever is still mounted below dir, deepest first. */
function unmountUnder(dir: string): void {
  for (const m of mountPointsUnder(dir)) {
    try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* already gone */ }
  }
}

/**
 * removeCgroupTree removes a cgroup (relative to each hierarchy's root) and its children in every
 * mounted hierarchy, deepest first: pod cgroups are the agent's to remove, as the kubelet's are.
 */
export function removeCgroupTree(rel: string): void {
  const roots = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];
  let hierarchies: string[] = [];
  try {
    hierarchies = fs.readdirSync('/sys/fs/cgroup').map((d) => path.join('/sys/fs/cgroup', d));
  } catch { return; }
  for (const h of [...new Set([...roots, ...hierarchies])]) {
    const top = path.join(h, rel);
    if (!fs.existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      dirs.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    try { walk(top); } catch { continue; }
    for (const d of dirs.reverse()) {
      try { fs.rmdirSync(d); } catch { /* busy or gone */ }
    }
  }
}
