import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import { PodNetwork } from '../../network/pod-network.js';
import { DEFAULT_MAX_LOG_BYTES } from '../cri-log.js';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { groupsOfUser, parseGroup, parsePasswd } from '../oci/rootfs.js';
import { pauseCommand } from '../sandbox/pause-process.js';
import { portForwardTo } from '../sandbox/netns-dial.js';
import { SandboxManager, type SandboxRecord } from '../sandbox/sandbox-manager.js';
import { WorkGate } from '../work-gate.js';
import {
  ExecStartError, NETWORK_UNAVAILABLE,
  type AttachSession, type ContainerConfig, type ContainerEvent, type ContainerEventType, type ContainerFilter, type ContainerInfo,
  type ExecOptions, type ExecSession, type ImageInfo, type Mount, type PodSandboxConfig, type PodSandboxFilter, type PodSandboxStatus,
  type Runtime, type RuntimeConfig, type RuntimeStatus,
} from '../types.js';
import { SETUP_SCRIPT } from './setup-script.js';
import { resolveMountPaths } from './mount-paths.js';
import { execLookupError } from '../exec-lookup.js';
import { containerCgroupPath, defaultCgroupManager, type CgroupManager } from '../cgroups/index.js';
import { log } from '../../util/log.js';
import { prepareBusyboxApplets } from './busybox-applets.js';
import { containerDevices, prepareDevTemplate } from './dev-template.js';
import { ContainerEvents, listMatching } from '../container-records.js';
import { hasOwnFilesystem } from '../../util/mounts.js';
import type { CommandError } from '../../network/command/command.js';
import { sharedShim, DirectLauncher, type ContainerLauncher, type ContainerTask, type ShimExit, type ShimStartRequest } from './shim/shim-client.js';
import { mount, unmountOk } from '../../network/command/host-ops.js';

const logger = log.child({ component: 'process-runtime' });

const PTY_HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-helper.py');
/** TTY_PYTHON runs the pty helper inside a container (the host's interpreter, seen through the container's overlay). */
const TTY_PYTHON = '/usr/bin/python3';
/** SETPRIV is util-linux's setpriv by absolute path: a container's PATH may find busybox's, which lacks --reuid. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p)) ?? 'setpriv';
/**
 * SETUP_SHELL runs the setup script: bash, which hands on environment variables whose names are no
 * shell identifiers (envFrom keys like "data-1"); dash and busybox sh drop them.
 */
const SETUP_SHELL = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
/** ENV is coreutils' env by absolute path (a busybox PATH finds busybox's, without --chdir). */
const ENV = ['/usr/bin/env', '/bin/env'].find((p) => fs.existsSync(p)) ?? 'env';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/**
 * TERM_REPEAT_WINDOW_MS: a container stopped younger than this gets its SIGTERM again when it is
 * this old. The catalog's stand-ins are node scripts that set up their TERM handler a few hundred
 * ms after they start, where the programs they stand for (nginx, redis) have it at once; as PID 1
 * of its namespace a process ignores a TERM that comes before its handler. Without the repeat a
 * pod deleted as it starts would sit out its whole grace period (Terminating for 30 s).
 */
const TERM_REPEAT_WINDOW_MS = 2000;
/** APPLETS_PLACEHOLDER in a catalog image's PATH marks where its busybox applets come (default: first). */
export const APPLETS_PLACEHOLDER = '${APPLETS}';

/**
 * withApplets puts the applet directory on an image's PATH: where the catalog's PATH names
 * ${APPLETS} (an image whose own programs shadow some applets, as alpine's packages do), else first.
 */
export function withApplets(imagePath: string, appletDir: string): string {
  const dirs = imagePath.split(':');
  return dirs.includes(APPLETS_PLACEHOLDER) ? dirs.map((d) => (d === APPLETS_PLACEHOLDER ? appletDir : d)).join(':') : `${appletDir}:${imagePath}`;
}
/** BUSYBOX_CONTAINER_DIR is where containers (isolation "namespaces") see the busybox applet links. */
export const BUSYBOX_CONTAINER_DIR = '/.tskube/busybox/bin';

/** ProcessRuntimeOptions configures the process runtime. */
export interface ProcessRuntimeOptions {
  /** directory for container and sandbox state (upper layers, state.json) */
  rootDir: string;
  /** node name: names the node's pod network (bridge, CNI network) */
  nodeName?: string;
  /** namespaces: own PID/mount namespaces, the sandbox's net/UTS/IPC, overlay root (needs root); host: plain processes; auto: namespaces when root */
  isolation?: 'auto' | 'namespaces' | 'host';
  catalog?: ImageCatalog;
  maxLogBytes?: number;
  /** the pod network (default: a CNI bridge network named after nodeName) */
  network?: PodNetwork;
  /** the cgroup manager for containers' limits (default: this machine's when root and usable; false: none) */
  cgroups?: CgroupManager | false;
  /** fork containers from a container shim process (default: yes unless TSKUBE_CONTAINER_SHIM=0) */
  shim?: boolean;
  /**
   * what sets a container up in its namespaces (isolation "namespaces"): the compiled init where
   * it is built (default: unless TSKUBE_CONTAINER_INIT=script), or the setup script
   */
  containerSetup?: 'init' | 'script';
}

/**
 * containerInit is the compiled container setup (dist/tskube-init, built from init/tskube-init.c by
 * scripts/build-init.mjs when a C compiler is there): one program that joins and makes the
 * namespaces and sets the root up, where nsenter, unshare and the setup script run nine (bash, two
 * mount, cp, chroot, env, setpriv). Undefined when it is not built, or older
 * than its source (a checkout edited since its build): the script then does the same work.
 */
export function containerInit(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bin = path.join(here, '..', '..', '..', 'dist', 'tskube-init');
  try {
    return fs.statSync(bin).mtimeMs >= fs.statSync(path.join(here, 'init', 'tskube-init.c')).mtimeMs ? bin : undefined;
  } catch { return undefined; }
}

/** ContainerEntry is the runtime's bookkeeping for one container: its state, directory, process and output listeners. */
interface ContainerEntry {
  info: ContainerInfo;
  dir: string;
  /** the container's process, wherever it was forked (the shim or this process) */
  task?: ContainerTask;
  /** host PID of the container's PID 1 (namespaces) or of its process (host) */
  initPid?: number;
  killSent?: 'TERM' | 'KILL';
  exited: Promise<ContainerInfo>;
  resolveExit: (i: ContainerInfo) => void;
  /** the container's cgroup (<cgroupParent>/<id>) when it has one */
  cgroup?: string;
  /** the cgroup's OOM-kill count when the container started: a rise means the kernel killed in it */
  oomKillsAtStart?: number;
}

/**
 * ProcessRuntime runs each container as a host process. As root (isolation "namespaces") every pod
 * gets a sandbox — its own network namespace attached to the node's bridge through CNI, pinned UTS
 * (hostname) and IPC namespaces, /etc/hostname and /etc/resolv.conf — and every container its own
 * PID and mount namespaces inside it, with an overlay of the host's / as its root filesystem (see
 * init/tskube-init.c, or setup-script.ts where the init is not built); otherwise processes run on the host filesystem in the node's network.
 * The containers are forked by the process's container shim (shim/), which owns them and writes
 * their stdout/stderr into CRI log files. They outlive a crashed agent, but not the next one: on
 * start, the runtime kills what a previous agent left running and reports it as exited (137);
 * sandboxes whose namespaces survived stay ready, so the pod keeps its address.
 */
export class ProcessRuntime implements Runtime {
  readonly scheme = 'tskube';
  readonly version = 'tskube-process://0.1.0';
  readonly isolation: 'namespaces' | 'host';
  readonly network: PodNetwork;
  private readonly containers = new Map<string, ContainerEntry>();
  private readonly catalog: ImageCatalog;
  private readonly containersDir: string;
  private readonly sandboxes: SandboxManager;
  /** sandboxes and container starts under way, refused once the agent shuts down */
  private readonly gate = new WorkGate();
  private readonly events = new ContainerEvents();
  /** each sandbox's pod PID namespace (shareProcessNamespace), held by a pause process that is its PID 1 */
  private readonly pauses = new Map<string, { child: ChildProcess; initPid?: number }>();
  /** the directory of busybox applet links (undefined without /bin/busybox) */
  private readonly busyboxBin?: string;
  /** what the setup script copies into each container's /dev tmpfs (isolation "namespaces") */
  private readonly devTemplate?: string;
  /** the sandboxes whose pod /dev/shm is mounted (looked up once for one a previous agent made) */
  private readonly podShms = new Set<string>();
  /** where containers get their resource limits; undefined: no cgroups (not root, or none usable) */
  readonly cgroups?: CgroupManager;
  /** forks from this process: without a shim */
  private readonly direct = new DirectLauncher();
  /** the compiled container setup, or undefined: the setup script */
  private readonly init?: string;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    const want = opts.isolation ?? 'auto';
    const root = process.getuid?.() === 0;
    this.isolation = want === 'host' ? 'host' : want === 'namespaces' ? 'namespaces' : root && hasUnshare() ? 'namespaces' : 'host';
    this.catalog = opts.catalog ?? new ImageCatalog();
    this.containersDir = path.join(opts.rootDir, 'containers');
    fs.mkdirSync(this.containersDir, { recursive: true });
    this.network = opts.network ?? new PodNetwork({
      nodeName: opts.nodeName ?? path.basename(opts.rootDir), stateDir: opts.rootDir,
      privileged: this.isolation === 'namespaces',
    });
    this.sandboxes = new SandboxManager({ rootDir: opts.rootDir, isolation: this.isolation, network: this.network });
    this.busyboxBin = prepareBusyboxApplets(path.join(opts.rootDir, 'busybox', 'bin'));
    if (this.isolation === 'namespaces') this.devTemplate = prepareDevTemplate(path.join(opts.rootDir, 'dev'));
    const setup = opts.containerSetup ?? (process.env.TSKUBE_CONTAINER_INIT === 'script' ? 'script' : 'init');
    if (this.isolation === 'namespaces' && setup === 'init') this.init = containerInit();
    // Containers join cgroups from inside their setup script: only with their own namespaces (root).
    if (this.isolation === 'namespaces' && opts.cgroups !== false) {
      const d = opts.cgroups ? { manager: opts.cgroups } : defaultCgroupManager();
      this.cgroups = d.manager;
      if (!d.manager) logger.info('Running containers without cgroups: resource limits are not enforced', { reason: d.why });
    } else if (opts.cgroups !== false) {
      logger.info('Running containers without cgroups: resource limits are not enforced', { reason: 'containers run as plain host processes (not root)' });
    }
    this.recover();
    // No shim is forked here: an idle node keeps none (~45 MB); the first sandbox forks it, its boot
    // overlapping the sandbox's setup.
  }

  // ---------------------------------------------------------------- runtime

  async status(): Promise<RuntimeStatus> {
    const n = this.network.status();
    return {
      conditions: [
        { type: 'RuntimeReady', status: true },
        n.ready ? { type: 'NetworkReady', status: true } : { type: 'NetworkReady', status: false, reason: n.reason, message: n.message },
      ],
    };
  }

  async updateRuntimeConfig(config: RuntimeConfig): Promise<void> {
    if (config.networkConfig.podCidr) await this.network.setPodCIDR(config.networkConfig.podCidr);
  }

  async resolveImage(image: string, hasCommand: boolean): Promise<ImageInfo> {
    // The catalog's answer is shared (frozen): PATH goes into a copy.
    const info = { ...this.catalog.resolve(image, hasCommand) };
    // The busybox image has its applets in /bin: here a directory of links to the host's
    // busybox-static, first on the image's PATH (the pod's own PATH still wins, as with a real image).
    if (this.busyboxBin && this.catalog.appletsOf(image) === 'busybox') {
      const bin = this.isolation === 'namespaces' ? BUSYBOX_CONTAINER_DIR : this.busyboxBin;
      info.env = { ...info.env, PATH: withApplets(info.env?.PATH ?? DEFAULT_PATH, bin) };
    } else if (info.env?.PATH?.split(':').includes(APPLETS_PLACEHOLDER)) {
      info.env = { ...info.env, PATH: info.env.PATH.split(':').filter((d) => d !== APPLETS_PLACEHOLDER).join(':') };
    }
    return info;
  }

  // ---------------------------------------------------------------- sandboxes

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.gate.run('failed to run the pod sandbox', () => this.makeSandbox(config));
  }

  private async makeSandbox(config: PodSandboxConfig): Promise<string> {
    const wantPod = (config.linux?.namespaceOptions?.network ?? 'POD') === 'POD';
    if (wantPod && this.isolation === 'host') {
      throw new Error(`network is not ready: ${NETWORK_UNAVAILABLE}: ${(this.network.status() as { message?: string }).message ?? 'not root'}`);
    }
    // The shim is forked now if it is not running: its start (~0.1 s) overlaps the sandbox's, not the first container's.
    this.launcher();
    const rec = await this.sandboxes.run(config);
    // The pod's /dev/shm, shared by its containers as its IPC namespace is (containerd mounts it for
    // the sandbox); a hostIPC pod's containers each get their own.
    if (this.isolation === 'namespaces' && rec.pins.ipc) {
      try {
        fs.mkdirSync(shmOf(rec), { recursive: true });
        // Through the command helper (its mount(2)): a fork of this large process would block its event loop.
        await mount('tmpfs', 'shm', shmOf(rec), 'nosuid,nodev,noexec,mode=1777,size=65536k');
        this.podShms.add(rec.id);
      } catch (e) {
        await this.sandboxes.remove(rec.id).catch(() => undefined);
        throw new Error(`failed to mount the pod's /dev/shm: ${((e as CommandError).result?.stderr || (e as Error).message).trim()}`);
      }
    }
    this.emit(rec.id, rec.id, config.metadata.uid, 'CONTAINER_CREATED_EVENT');
    this.emit(rec.id, rec.id, config.metadata.uid, 'CONTAINER_STARTED_EVENT');
    return rec.id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    // CRI: StopPodSandbox forcibly stops what still runs in the sandbox (the kubelet stopped them gracefully before).
    await Promise.all([...this.containers.values()].filter((c) => c.info.sandboxId === id).map((c) => this.stopContainer(c.info.id, 0)));
    this.stopPause(id);
    this.podShms.delete(id);
    if (hasOwnFilesystem(shmOf(rec))) {
      await unmountOk([shmOf(rec)], true).catch((e) => {
        // A stop that ran at the same time (the pod's worker and the agent's shutdown) unmounted it first.
        if (hasOwnFilesystem(shmOf(rec))) logger.error(e, 'Failed to unmount the pod\'s /dev/shm', { sandbox: id });
      });
    }
    const was = rec.state;
    await this.sandboxes.stop(id);
    if (was === 'SANDBOX_READY') this.emit(id, id, rec.config.metadata.uid, 'CONTAINER_STOPPED_EVENT');
  }

  async removePodSandbox(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.info.sandboxId === id) await this.removeContainer(c.info.id);
    // The process runtime's containers never outlive their agent, and an agent shutting down leaves
    // nothing behind: the pod cgroup (and kubepods/…) goes once unused; the agent makes it again
    // before the pod's next sandbox.
    const parent = rec.config.linux?.cgroupParent;
    if (parent && this.cgroups) this.cgroups.removeIfUnused(parent);
    await this.sandboxes.remove(id);
    this.emit(id, id, rec.config.metadata.uid, 'CONTAINER_DELETED_EVENT');
  }

  /** set once removeAllPodSandboxes released the node's network (close need not again) */
  private networkReleased = false;

  /**
   * removeAllPodSandboxes removes every sandbox for the node's shutdown. A pod without host ports
   * gets no CNI DEL (two or three plugin runs, tens of milliseconds of CPU each): its veth goes
   * with its network namespace, and its address with host-local's state, which the network's
   * release then drops whole, with the bridge. Host ports' rules still need portmap's DEL.
   */
  async removeAllPodSandboxes(): Promise<void> {
    this.sandboxes.releasingNetwork();
    await Promise.allSettled(this.sandboxes.list().map((s) => this.removePodSandbox(s.id)));
    if (this.sandboxes.list({ state: 'SANDBOX_READY' }).length === 0) {
      await this.network.release({ dropAddresses: true });
      this.networkReleased = true;
    }
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    await this.sandboxes.verifyRecovered();
    return this.sandboxes.status(id);
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandboxStatus[]> {
    await this.sandboxes.verifyRecovered();
    return this.sandboxes.list(filter);
  }

  // ---------------------------------------------------------------- containers

  createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return this.gate.run('failed to create the container', () => this.create(sandboxId, config, sandboxConfig));
  }

  private async create(sandboxId: string, config: ContainerConfig, _sandboxConfig: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb || sb.state !== 'SANDBOX_READY') throw new Error(`failed to create containerd container: sandbox ${sandboxId} is not ready`);
    const id = randomBytes(32).toString('hex');
    const dir = path.join(this.containersDir, id);
    fs.mkdirSync(dir, { recursive: true });
    // The setup script's overlay directories: made here, the start forks no mkdir for them.
    if (this.isolation === 'namespaces') for (const d of ['merged', 'upper', 'work']) fs.mkdirSync(path.join(dir, d));
    const rec = this.newRecord({ id, sandboxId, config, phase: 'created', createdAt: new Date().toISOString() }, dir);
    const parent = sb.config.linux?.cgroupParent;
    if (this.cgroups && parent) {
      rec.cgroup = containerCgroupPath(parent, id);
      try {
        const r = config.resources ?? {};
        // oomGroup: the kubelet's unified memory.oom.group=1 for every container on cgroup v2
        await this.cgroups.create(rec.cgroup, { cpuShares: r.cpuShares, cpuQuota: r.cpuQuota, cpuPeriod: r.cpuPeriod, memoryLimitInBytes: r.memoryLimitInBytes, oomGroup: true });
      } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        await this.cgroups.remove(rec.cgroup).catch(() => undefined);
        throw new Error(`failed to create containerd task: failed to create shim task: OCI runtime create failed: ${(e as Error).message}`);
      }
    }
    this.containers.set(id, rec);
    this.persist(rec);
    this.emit(id, sandboxId, config.podUid, 'CONTAINER_CREATED_EVENT');
    return id;
  }

  startContainer(id: string): Promise<void> {
    return this.gate.run('failed to start the container', () => this.start(id));
  }

  private async start(id: string): Promise<void> {
    const rec = this.must(id);
    if (rec.info.phase !== 'created') throw new Error(`container ${id} already started`);
    const sb = this.sandboxes.get(rec.info.sandboxId);
    if (!sb || sb.state !== 'SANDBOX_READY') throw new Error(`failed to start container: sandbox ${rec.info.sandboxId} is not ready`);
    const c = rec.info.config;
    const hostname = fs.readFileSync(sb.files.hostname, 'utf8').trim();
    const env = { PATH: DEFAULT_PATH, HOSTNAME: hostname, HOME: '/root', ...(c.tty ? { TERM: 'xterm' } : {}), ...c.env };
    // tty: true gives the container a terminal: the pty helper runs its command on a pseudo-terminal
    // (stdin in, the terminal's output out), as a CRI runtime does for a TTY container.
    const ttyWrap = !!c.tty && fs.existsSync(TTY_PYTHON);
    // The helper's resize pipe is the descriptor after the ones the container's process is spawned with.
    const resizeFd = this.isolation === 'namespaces' ? 4 : 3;
    const cmd = ttyWrap ? [TTY_PYTHON, PTY_HELPER, '--resize-fd', String(resizeFd), '--', ...c.argv] : c.argv;
    const wd = c.workingDir || '/';
    // kubectl run -i: its attach comes once it sees the pod Running, after a short command's output
    // (a TTY's prompt is lost as on Kubernetes: kubectl says to press enter).
    const holdOutput = !!c.stdin && !!c.stdinOnce && !c.tty;
    let req: ShimStartRequest;
    let viaNsenter = false;
    const maxLogBytes = this.opts.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
    if (this.isolation === 'namespaces') {
      // The catalog's entrypoint scripts live in the checkout, which may sit under /tmp (hidden by the
      // container's own tmpfs): bind them in read-only at the same path.
      const all = [{ hostPath: IMAGES_DIR, containerPath: IMAGES_DIR, readOnly: true },
        ...(ttyWrap ? [{ hostPath: PTY_HELPER, containerPath: PTY_HELPER, readOnly: true }] : []), ...this.appletMounts(), ...this.imageFiles(c.image), ...sandboxMounts(sb, c.mounts), ...c.mounts];
      // Symlinked parent directories resolved here where the node can tell: no realpath process in the start.
      const targets = resolveMountPaths(all.map((m) => m.containerPath));
      const mounts = all.flatMap((m, i) => [m.hostPath, targets[i], m.readOnly ? 'ro' : 'rw']);
      // Join the sandbox's namespaces, then make the container's own PID and mount namespaces.
      // The PID namespace is the container's own, the node's (hostPID) or its target's (ephemeral containers).
      const pidMode = c.namespaceOptions?.pid ?? 'CONTAINER';
      const targetPid = pidMode === 'TARGET' ? this.containers.get(c.namespaceOptions?.targetId ?? '')?.initPid
        : pidMode === 'POD' ? await this.podPidNamespace(sb) : undefined;
      const join = [...(this.sandboxes.netnsPathOf(sb) ? [`--net=${this.sandboxes.netnsPathOf(sb)}`] : []),
        ...(sb.pins.uts ? [`--uts=${sb.pins.uts}`] : []), ...(sb.pins.ipc ? [`--ipc=${sb.pins.ipc}`] : []),
        ...(targetPid ? [`--pid=/proc/${targetPid}/ns/pid`] : [])];
      const ownPid = pidMode === 'CONTAINER' || ((pidMode === 'TARGET' || pidMode === 'POD') && !targetPid);
      // The namespaces the container gets of its own (the pod's pinned UTS and IPC are joined instead).
      const make = [...(ownPid ? ['pid'] : []), 'mount', ...(sb.pins.uts ? [] : ['uts']), ...(sb.pins.ipc ? [] : ['ipc'])];
      const args = [
        path.join(rec.dir, 'merged'), path.join(rec.dir, 'upper'), path.join(rec.dir, 'work'), sb.pins.uts ? '' : hostname, wd,
        c.readOnlyRootfs ? 'ro' : 'rw', privilegeOptions(c, this.imageGroups(c)).join(' '), SETPRIV, envCommand(env),
        rec.cgroup && this.cgroups ? this.cgroups.procsFiles(rec.cgroup).join(' ') : '', String(Math.max(0, c.resources?.oomScoreAdj ?? 0)),
        this.devTemplate ?? prepareDevTemplate(path.join(this.opts.rootDir, 'dev')), containerDevices(!!c.privileged).join(' '), this.podShm(sb) ?? '',
        String(all.length), ...mounts, '--', ...cmd];
      if (rec.cgroup && this.cgroups) rec.oomKillsAtStart = this.cgroups.oomKillCount(rec.cgroup);
      let argv: string[];
      if (this.init) {
        // The init joins and makes the namespaces itself, and forks the container's PID 1 (it takes
        // the script's arguments, ignoring setpriv's and env's paths: it does their work).
        argv = [this.init, ...join, `--new=${make.join(',')}`, ...args];
      } else {
        viaNsenter = join.length > 0;
        const script = [SETUP_SHELL, '-c', SETUP_SCRIPT, 'tskube-setup', ...args];
        const own = [...make.map((n) => `--${n}`), '--fork', '--kill-child'];
        // -F: nsenter execs unshare in place even when it enters a PID namespace (unshare's --fork child lands in it).
        argv = viaNsenter ? ['nsenter', ...(targetPid ? ['-F'] : []), ...join, '--', 'unshare', ...own, ...script] : ['unshare', ...own, ...script];
      }
      // fd 3: the container's stderr (fd 2 is the setup script's own); fd 4: a tty's resize pipe;
      // fd 5: the setup script writes a line there once the container's filesystem is ready.
      // detached: a session of its own, as runc's containers have: a terminal's Ctrl-C or hangup
      // reaches tskube, which stops its containers gracefully, not the containers themselves.
      req = {
        id, file: argv[0], args: argv.slice(1), env, detached: true, logPath: c.logPath, maxLogBytes,
        stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', ttyWrap ? 'pipe' : 'ignore', 'pipe'],
        roles: { stdout: 1, stderr: [3], setupErr: 2, ready: 5, ...(ttyWrap ? { resize: resizeFd } : {}), stdin: !!c.stdin, holdOutput },
        waitInit: true,
      };
    } else {
      // No root of its own: a program among the image's own files runs from where the node keeps it.
      const file = this.imageFiles(c.image).find((m) => m.containerPath === cmd[0])?.hostPath ?? cmd[0];
      req = {
        id, file, args: cmd.slice(1), env, cwd: fs.existsSync(wd) ? wd : '/', detached: true, logPath: c.logPath, maxLogBytes,
        stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(ttyWrap ? ['pipe' as const] : [])],
        roles: { stdout: 1, stderr: [2], ...(ttyWrap ? { resize: resizeFd } : {}), stdin: !!c.stdin, holdOutput },
        ...(c.user ? { uid: c.user.uid, gid: c.user.gid } : {}),
      };
    }
    const task = await this.launcher().start(req);
    rec.task = task;
    rec.info.phase = 'running';
    rec.info.startedAt = new Date().toISOString();
    rec.info.pid = task.pid;
    // A container may exit before its start is through (findChild, waitForChroot): its exit is
    // recorded after the start, so CONTAINER_STOPPED_EVENT never comes before CONTAINER_STARTED_EVENT.
    let startDone!: () => void;
    const started = new Promise<void>((resolve) => { startDone = resolve; });
    void Promise.all([task.exited, started]).then(([x]) => this.containerExited(rec, x));
    try {
      if (this.isolation === 'namespaces' && task.pid) {
        await task.ready;
        // The launcher found PID 1 after its chroot (waitInit); else look from here.
        rec.initPid = task.initPid ?? await findChild(task.pid, viaNsenter);
        if (rec.initPid && task.initPid === undefined) await waitForChroot(rec.initPid);
      } else rec.initPid = task.pid;
      this.persist(rec);
      this.emit(id, rec.info.sandboxId, c.podUid, 'CONTAINER_STARTED_EVENT');
    } finally {
      startDone();
    }
  }

  /** containerExited records a container's exit: its code (signals as 128+n), reason, and the OOM kill. */
  private containerExited(rec: ContainerEntry, x: ShimExit): void {
    const c = rec.info.config;
    let exitCode: number;
    if (x.spawnError) {
      exitCode = 128;
      rec.info.message = `exec: "${c.argv[0]}": executable file not found in $PATH`;
      rec.info.reason = 'StartError';
    } else if (x.signal) {
      exitCode = 128 + (osConstants.signals[x.signal] ?? 9);
    } else if (this.isolation === 'namespaces' && x.code === 1 && x.setupErr.includes('sigprocmask unblock failed')) {
      // unshare (util-linux 2.38) cannot re-raise its child's fatal signal and exits 1 with this
      // message: the container's PID 1 died of a signal. SIGKILL unless we only sent SIGTERM.
      exitCode = rec.killSent === 'TERM' ? 143 : 137;
    } else {
      exitCode = x.code ?? 137;
    }
    rec.info.phase = 'exited';
    rec.info.exitCode = exitCode;
    rec.info.finishedAt = new Date().toISOString();
    // The kernel's OOM killer sends SIGKILL: a non-zero exit the agent did not cause, with the
    // cgroup's OOM-kill count risen since the start, is OOMKilled (as containerd reports it).
    if (exitCode !== 0 && !rec.killSent && rec.cgroup && this.cgroups && this.cgroups.oomKillCount(rec.cgroup) > (rec.oomKillsAtStart ?? 0)) {
      rec.info.reason = 'OOMKilled';
    }
    rec.info.reason ??= exitCode === 0 ? 'Completed' : 'Error';
    // A shutdown removes the container next: its last state would only be written to be deleted
    // (a hundred containers stopping at once wait on the disk for it).
    if (!this.gate.draining) this.persist(rec);
    rec.resolveExit({ ...rec.info });
    this.emit(rec.info.id, rec.info.sandboxId, c.podUid, 'CONTAINER_STOPPED_EVENT');
  }

  /**
   * launcher is where containers are forked: the process's container shim (started on first use,
   * again if it died), or this process when the shim cannot start or TSKUBE_CONTAINER_SHIM=0.
   */
  private launcher(): ContainerLauncher {
    if (!(this.opts.shim ?? process.env.TSKUBE_CONTAINER_SHIM !== '0')) return this.direct;
    return sharedShim() ?? this.direct;
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec || rec.info.phase !== 'running') return;
    const target = rec.initPid ?? rec.task?.pid;
    if (graceMs > 0 && target) {
      rec.killSent ??= 'TERM';
      signal(target, 'SIGTERM');
      const age = Date.now() - Date.parse(rec.info.startedAt ?? '');
      const again = age >= 0 && age < TERM_REPEAT_WINDOW_MS && graceMs > TERM_REPEAT_WINDOW_MS - age
        ? setTimeout(() => { if (rec.info.phase === 'running') signal(target, 'SIGTERM'); }, TERM_REPEAT_WINDOW_MS - age) : undefined;
      let timer: NodeJS.Timeout | undefined;
      const expired = await Promise.race([
        rec.exited.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), graceMs); }),
      ]);
      clearTimeout(timer);
      clearTimeout(again);
      if (!expired) return;
    }
    rec.killSent = 'KILL';
    if (target) signal(target, 'SIGKILL');
    if (this.isolation === 'host' && rec.task?.pid) killGroup(rec.task.pid, 'SIGKILL');
    if (!target && rec.task?.pid) signal(rec.task.pid, 'SIGKILL');
    await rec.exited;
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    const r = this.containers.get(id);
    return r ? { ...r.info } : undefined;
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerInfo[]> {
    return listMatching([...this.containers.values()].map((r) => r.info), filter);
  }

  async removeContainer(id: string): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec) return;
    if (rec.info.phase === 'running') await this.stopContainer(id, 0);
    this.containers.delete(id);
    // Off the event loop: a node's shutdown removes every container at once (a dozen entries each,
    // a millisecond or two of disk for each container here).
    await fs.promises.rm(rec.dir, { recursive: true, force: true });
    if (rec.cgroup && this.cgroups) await this.cgroups.remove(rec.cgroup).catch((e) => logger.error(e, 'Failed to remove container cgroup', { container: id }));
    this.emit(id, rec.info.sandboxId, rec.info.config.podUid, 'CONTAINER_DELETED_EVENT');
  }

  async exec(id: string, argv: string[], opts: ExecOptions): Promise<ExecSession> {
    const rec = this.must(id);
    if (rec.info.phase !== 'running') throw new Error(`container not running (${id})`);
    const c = rec.info.config;
    const sb = this.sandboxes.get(rec.info.sandboxId);
    const hostname = sb ? fs.readFileSync(sb.files.hostname, 'utf8').trim() : c.podName;
    // TERM only for a terminal, as containerd's exec adds it (`kubectl exec POD -- env` lists no TERM)
    const env = { PATH: DEFAULT_PATH, HOSTNAME: hostname, HOME: '/root', ...(opts.tty ? { TERM: 'xterm' } : {}), ...c.env, ...opts.env };
    let cmd: string[];
    let cwd = '/';
    if (this.isolation === 'namespaces') {
      if (!rec.initPid) throw new Error(`container ${id} has no init process yet`);
      // runc looks the command up in the container before it starts anything; so does this.
      const notRunnable = execLookupError(`/proc/${rec.initPid}/root`, argv[0], env.PATH, c.workingDir || '/', this.catalog.executablesOf(c.image));
      if (notRunnable) throw new ExecStartError(notRunnable);
      // exec runs with the container's process identity, as runc exec does: its user, its supplementary
      // groups (nsenter -G would clear them: `id` in an exec showed no groups), capabilities, no_new_privs.
      const priv = privilegeOptions(c, this.imageGroups(c));
      const who = priv.length ? [SETPRIV, ...priv, '--'] : [];
      cmd = ['nsenter', '-t', String(rec.initPid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--', ...who, ...argv];
      // Like runc exec, the exec'd process is in the container's cgroup (its memory counts against the limit).
      if (rec.cgroup && this.cgroups) cmd = joinCgroupThenExec(this.cgroups.procsFiles(rec.cgroup), cmd);
    } else {
      cmd = argv;
      const wd = c.workingDir || '/';
      cwd = fs.existsSync(wd) ? wd : '/';
    }
    if (opts.tty) cmd = ['python3', PTY_HELPER, '--', ...cmd];
    const child = spawn(cmd[0], cmd.slice(1), {
      env, cwd, detached: true,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', opts.tty ? 'inherit' : 'pipe', ...(opts.tty ? ['pipe' as const] : [])],
    });
    const resizeFd = opts.tty ? (child.stdio[3] as Writable | null) : null;
    const exit = new Promise<number>((resolve) => {
      let err: Error | undefined;
      child.on('error', (e) => { err = e; });
      child.on('close', (code, sig) => {
        if (err) resolve(127);
        else resolve(sig ? 128 + (osConstants.signals[sig] ?? 9) : code ?? 0);
      });
    });
    return {
      stdin: child.stdin,
      stdout: child.stdout!,
      stderr: opts.tty ? null : child.stderr,
      resize(cols, rows) { resizeFd?.write(`${cols} ${rows}\n`); },
      exit,
      kill() { if (child.pid) killGroup(child.pid, 'SIGKILL'); },
    };
  }

  async attach(id: string): Promise<AttachSession | undefined> {
    const rec = this.containers.get(id);
    const task = rec?.task;
    // An exited container is attached to only for the output it held (it ended before the attach came).
    if (!rec || !task || (rec.info.phase !== 'running' && !task.holdsOutput)) return undefined;
    const output = new PassThrough();
    const detach = task.attach((_s, d) => { output.write(d); });
    void rec.exited.then(() => output.end());
    output.on('close', detach);
    return { stdin: task.stdin, output, resize: (cols, rows) => task.resize(cols, rows) };
  }

  portForward(sandboxId: string, port: number): Promise<Duplex> {
    return portForwardTo(this.sandboxes, sandboxId, port);
  }

  getContainerEvents(listener: (e: ContainerEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** drain refuses new sandboxes and containers and waits for those being made (agent shutdown). */
  drain(): Promise<void> {
    return this.gate.drain();
  }

  /** close stops bookkeeping; containers keep running. Once no sandbox is ready, the node's bridge is removed. */
  async close(): Promise<void> {
    await this.sandboxes.close();
    if (!this.networkReleased && this.sandboxes.list({ state: 'SANDBOX_READY' }).length === 0) await this.network.release();
  }

  // ---------------------------------------------------------------- helpers

  /** podShm is the sandbox's /dev/shm when it has one mounted (a previous agent's is found once). */
  private podShm(sb: SandboxRecord): string | undefined {
    if (this.podShms.has(sb.id)) return shmOf(sb);
    if (!sb.pins.ipc || !hasOwnFilesystem(shmOf(sb))) return undefined;
    this.podShms.add(sb.id);
    return shmOf(sb);
  }

  /** appletMounts binds the busybox applet links in at a fixed path (the runtime's dir may be under /tmp, which containers see empty). */
  private appletMounts(): Mount[] {
    return this.busyboxBin ? [{ hostPath: this.busyboxBin, containerPath: BUSYBOX_CONTAINER_DIR, readOnly: true }] : [];
  }

  /**
   * imageGroups are the groups the image's own /etc/group (catalog `files`) lists the container's
   * user in, named by the image's /etc/passwd: containerd adds them (busybox's root is in wheel).
   * An image without those files of its own (the host's are no image's) adds none.
   */
  private imageGroups(c: Pick<ContainerConfig, 'image' | 'user'>): number[] {
    let files: Record<string, string> | undefined;
    try { files = this.catalog.resolve(c.image, true).files; } catch { return []; }
    const passwdFile = files?.['/etc/passwd'];
    const groupFile = files?.['/etc/group'];
    if (!passwdFile || !groupFile) return [];
    try {
      return groupsOfUser(parsePasswd(fs.readFileSync(passwdFile, 'utf8')), parseGroup(fs.readFileSync(groupFile, 'utf8')), c.user?.uid ?? 0);
    } catch { return []; }
  }

  /** imageFiles are the image's own files (catalog `files`), mounted read-only at their paths. */
  private imageFiles(image: string): Mount[] {
    let files: Record<string, string> | undefined;
    try { files = this.catalog.resolve(image, true).files; } catch { return []; }
    return Object.entries(files ?? {}).map(([containerPath, hostPath]) => ({ hostPath, containerPath, readOnly: true }));
  }

  private emit(containerId: string, sandboxId: string, podUid: string, type: ContainerEventType): void {
    this.events.emit(containerId, sandboxId, podUid, type);
  }

  private newRecord(info: ContainerInfo, dir: string): ContainerEntry {
    let resolveExit!: (i: ContainerInfo) => void;
    const exited = new Promise<ContainerInfo>((r) => { resolveExit = r; });
    return { info, dir, exited, resolveExit };
  }

  private must(id: string): ContainerEntry {
    const r = this.containers.get(id);
    if (!r) throw new Error(`no such container: ${id}`);
    return r;
  }

  private persist(rec: ContainerEntry): void {
    const state = { info: rec.info, initPid: rec.initPid, initStart: rec.initPid ? procStart(rec.initPid) : undefined, childPid: rec.task?.pid, cgroup: rec.cgroup };
    try { fs.writeFileSync(path.join(rec.dir, 'state.json'), JSON.stringify(state)); } catch { /* dir removed */ }
  }

  /**
   * podPidNamespace returns the host PID of the PID 1 of the sandbox's pod PID namespace, starting
   * its pause process (`unshare --pid --fork` in the sandbox's namespaces, named /pause as a CRI
   * runtime's pause container) on first use. Like the containers, it cannot outlive the agent: it
   * waits on a pipe from the agent and ends with it (and the namespace's processes with it); its
   * PID is kept in the pauses directory all the same, so that a later agent stops what is left.
   */
  private async podPidNamespace(sb: SandboxRecord): Promise<number | undefined> {
    const cur = this.pauses.get(sb.id);
    if (cur?.initPid && procStart(cur.initPid) !== undefined) return cur.initPid;
    const join = [...(this.sandboxes.netnsPathOf(sb) ? [`--net=${this.sandboxes.netnsPathOf(sb)}`] : []),
      ...(sb.pins.uts ? [`--uts=${sb.pins.uts}`] : []), ...(sb.pins.ipc ? [`--ipc=${sb.pins.ipc}`] : [])];
    const pause = pauseCommand(path.join(this.opts.rootDir, 'bin'));
    const own = ['unshare', '--pid', '--fork', '--kill-child', ...pause];
    const argv = join.length ? ['nsenter', ...join, '--', ...own] : own;
    // Its own session, as the containers': a terminal's Ctrl-C must not kill it under the pod.
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'], env: { PATH: DEFAULT_PATH }, detached: true });
    child.stdin?.on('error', () => undefined);
    child.on('error', () => undefined);
    const initPid = child.pid ? await findChild(child.pid, join.length > 0) : undefined;
    this.pauses.set(sb.id, { child, initPid });
    if (child.pid) {
      fs.mkdirSync(this.pausesDir(), { recursive: true });
      fs.writeFileSync(path.join(this.pausesDir(), sb.id), JSON.stringify({ pid: child.pid, start: procStart(child.pid) }));
    }
    return initPid;
  }

  /** stopPause ends a sandbox's pause process (its PID namespace goes with its last process). */
  private stopPause(sandboxId: string): void {
    const p = this.pauses.get(sandboxId);
    this.pauses.delete(sandboxId);
    if (p?.initPid) signal(p.initPid, 'SIGKILL');
    if (p?.child.pid) signal(p.child.pid, 'SIGKILL');
    fs.rmSync(path.join(this.pausesDir(), sandboxId), { force: true });
  }

  private pausesDir(): string { return path.join(this.opts.rootDir, 'pauses'); }

  /** recover loads what a previous agent left; running containers are killed and marked exited. */
  private recover(): void {
    // A previous agent's pause processes go too: their pods' containers are stopped below.
    for (const f of fs.existsSync(this.pausesDir()) ? fs.readdirSync(this.pausesDir()) : []) {
      try {
        const p = JSON.parse(fs.readFileSync(path.join(this.pausesDir(), f), 'utf8')) as { pid: number; start?: string };
        if (p.start && procStart(p.pid) === p.start) killTree(p.pid);
      } catch { /* unreadable: nothing to stop */ }
      fs.rmSync(path.join(this.pausesDir(), f), { force: true });
    }
    for (const id of fs.readdirSync(this.containersDir)) {
      const dir = path.join(this.containersDir, id);
      let state: { info: ContainerInfo; initPid?: number; initStart?: string; childPid?: number; cgroup?: string };
      try { state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')); } catch { continue; }
      const rec = this.newRecord(state.info, dir);
      rec.cgroup = state.cgroup;
      if (rec.info.phase !== 'exited') {
        if (state.initPid && state.initStart && procStart(state.initPid) === state.initStart) {
          signal(state.initPid, 'SIGKILL');
          if (this.isolation === 'host') killGroup(state.initPid, 'SIGKILL');
        }
        rec.info.phase = 'exited';
        rec.info.exitCode = rec.info.startedAt ? 137 : 128;
        rec.info.reason = rec.info.startedAt ? 'Error' : 'StartError';
        rec.info.message = 'the node agent restarted and stopped this container';
        rec.info.finishedAt = new Date().toISOString();
        this.persist(rec);
      }
      rec.info.sandboxId ??= '';
      rec.resolveExit({ ...rec.info });
      this.containers.set(id, rec);
    }
  }
}

/**
 * privilegeOptions are setpriv's options for the container's process and its execs: its user and group,
 * the supplementary groups (the primary group and exactly those given: a container gets no groups of
 * the host's), the capability bounding set, no_new_privs.
 */
export function privilegeOptions(c: Pick<ContainerConfig, 'user' | 'noNewPrivs' | 'capabilities'>, imageGroups: number[] = []): string[] {
  const opts: string[] = [];
  // The bounding set caps what the process (root or not) can ever hold: the container's capabilities only.
  if (c.capabilities) opts.push(`--bounding-set=${['-all', ...c.capabilities.map((x) => `+${x}`)].join(',')}`, '--inh-caps=-all');
  const user = c.user ?? (imageGroups.length ? { uid: 0, gid: 0 } : undefined);
  if (user) {
    // containerd lists the primary group among the supplementary ones (its ensureAdditionalGids), then
    // the image's groups of the user, then the pod's: runAsGroup 3000 with fsGroup 2000 and
    // supplementalGroups [4000] makes `id` print groups=2000,3000,4000.
    const groups = [...new Set([user.gid, ...imageGroups, ...(user.supplementalGroups ?? [])])];
    opts.push(`--reuid=${user.uid}`, `--regid=${user.gid}`, `--groups=${groups.join(',')}`);
  }
  if (c.noNewPrivs) opts.push('--no-new-privs');
  return opts;
}

/** SHELL_VARIABLES are what the setup shell adds to its children's environment (PWD, SHLVL, OLDPWD, _). */
const SHELL_VARIABLES = ['PWD', 'OLDPWD', 'SHLVL', '_'];

/** envCommand is env, unsetting the setup shell's own variables unless the container defines them. */
function envCommand(env: Record<string, string>): string {
  return [ENV, ...SHELL_VARIABLES.filter((k) => !(k in env)).flatMap((k) => ['-u', k])].join(' ');
}

/** shmOf is where a sandbox's /dev/shm is mounted. */
function shmOf(sb: SandboxRecord): string {
  return path.join(sb.dir, 'shm');
}

/** sandboxMounts are the runtime-managed files of the sandbox, unless the container mounts those paths itself. */
function sandboxMounts(sb: SandboxRecord, own: Mount[]): Mount[] {
  const taken = new Set(own.map((m) => m.containerPath));
  return [
    { hostPath: sb.files.hostname, containerPath: '/etc/hostname' },
    { hostPath: sb.files.resolvConf, containerPath: '/etc/resolv.conf' },
  ].filter((m) => !taken.has(m.containerPath));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* gone */ }
}

/** killTree kills a process and its children (a pause: unshare and the namespace's PID 1). */
function killTree(pid: number): void {
  try {
    for (const kid of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean)) signal(Number(kid), 'SIGKILL');
  } catch { /* gone */ }
  signal(pid, 'SIGKILL');
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(-pid, sig); } catch { /* gone */ }
}

/** procStart is the process's start time in clock ticks (guards against PID reuse). */
function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
}

/**
 * findChild waits for `unshare --fork` to fork the container's init and returns its host PID.
 * nsenter execs unshare in place (it enters no PID namespace), so pid is unshare's either way;
 * viaNsenter only says the exec may not have happened yet.
 */
async function findChild(pid: number, viaNsenter: boolean): Promise<number | undefined> {
  for (let i = 0; i < (viaNsenter ? 400 : 200); i++) {
    try {
      const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(' ')[0]);
    } catch { return undefined; }
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

/** waitForChroot waits until the setup script has chrooted (the container's filesystem is ready). */
async function waitForChroot(pid: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/root`) !== '/') return;
    } catch { return; }
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * joinCgroupThenExec wraps argv in a shell that first writes itself into each cgroup.procs file
 * ("0": the writing process) and then execs argv, so every process argv forks is born inside.
 */
export function joinCgroupThenExec(procsFiles: string[], argv: string[]): string[] {
  if (procsFiles.length === 0) return argv;
  return ['/bin/sh', '-c', 'n=$1; shift; while [ "$n" -gt 0 ]; do echo 0 > "$1" || exit 126; shift; n=$((n-1)); done; exec "$@"',
    'tskube-cgroup', String(procsFiles.length), ...procsFiles, ...argv];
}

function hasUnshare(): boolean {
  return spawnSync('unshare', ['--version']).status === 0;
}
