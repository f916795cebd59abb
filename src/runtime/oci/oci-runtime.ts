import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import { PodNetwork } from '../../network/pod-network.js';
import { log } from '../../util/log.js';
import { CriLogWriter, DEFAULT_MAX_LOG_BYTES } from '../cri-log.js';
import { pauseCommand } from '../sandbox/pause-process.js';
import { portForwardTo } from '../sandbox/netns-dial.js';
import { execLookupError } from '../exec-lookup.js';
import { SandboxManager, type SandboxRecord } from '../sandbox/sandbox-manager.js';
import { WorkGate } from '../work-gate.js';
import {
  ExecStartError, ImagePullError,
  type AttachSession, type ContainerConfig, type ContainerEvent, type ContainerEventType, type ContainerFilter, type ContainerInfo,
  type ExecOptions, type ExecSession, type ImageInfo, type ImageService, type PodSandboxConfig, type PodSandboxFilter, type PodSandboxStatus,
  type Runtime, type RuntimeConfig, type RuntimeStatus,
} from '../types.js';
import { defaultCgroupManager, type CgroupManager } from '../cgroups/index.js';
import { imageInfoOf } from './image/image-service.js';
import type { StoredImage } from './image/types.js';
import { mountRootfs, resolveUser, unmountRootfs } from './rootfs.js';
import { isMountPoint } from '../../util/mounts.js';
import { lastRuncError, removeEmptyCgroups, Runc, RUNC_PATH } from './runc.js';
import { ALL_CAPABILITIES, boundingCapabilities, buildRuntimeSpec, type SandboxView } from './runtime-spec.js';
import { ContainerEvents, listMatching } from '../container-records.js';

const logger = log.child({ component: 'oci-runtime' });
const execFileAsync = promisify(execFile);

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** SHIM is the container monitor (runc-shim.py): it waits for the container's init as its subreaper. */
const SHIM = path.join(HERE, 'runc-shim.py');
/** PTY_HELPER runs `runc exec -t` on a terminal of its own (runc wants its stdio to be one). */
const PTY_HELPER = path.join(HERE, '..', 'process', 'pty-helper.py');
const PYTHON = '/usr/bin/python3';
/** DEFAULT_CGROUP_PARENT holds the containers of pods the agent gave no cgroup. */
const DEFAULT_CGROUP_PARENT = 'tskube';

/** OciImageStore is what the runtime needs of the node's image store (src/runtime/oci/image's ImageStore). */
export interface OciImageStore {
  /** get finds a stored image by name, name:tag, name@digest or id */
  get(ref: string): Promise<StoredImage | undefined> | StoredImage | undefined;
  /** rootfsOf is the directory of the image's unpacked root filesystem (all layers applied) */
  rootfsOf(image: string): Promise<string> | string;
  /** holdRootfs / releaseRootfs tell the store which containers use an image's root filesystem: removing the image keeps it until released */
  holdRootfs?(imageId: string, containerId: string): Promise<void>;
  releaseRootfs?(imageId: string, containerId: string): Promise<void>;
}

/** OciRuntimeOptions configure the oci runtime. */
export interface OciRuntimeOptions {
  /** the node's state directory: bundles in containers/, runc's state in runc/, sandboxes in sandboxes/ */
  rootDir: string;
  /** node name: names the node's pod network */
  nodeName?: string;
  store: OciImageStore;
  /** the image service the agent pulls through (the store's) */
  images?: ImageService;
  /** runc's path (Debian's /usr/sbin/runc) */
  runc?: string;
  maxLogBytes?: number;
  network?: PodNetwork;
  /** the cgroup manager the agent makes pod cgroups with and OOM kills are read through (default: this machine's) */
  cgroups?: CgroupManager;
}

/** ContainerRecord is the runtime's bookkeeping for one container. */
interface ContainerRecord {
  info: ContainerInfo;
  /** the bundle: config.json, the overlay's directories, runc's log */
  dir: string;
  cgroupsPath: string;
  /** the id of the image whose root filesystem is its overlay's lowerdir */
  imageId?: string;
  shim?: ChildProcess;
  exited: Promise<ContainerInfo>;
  resolveExit: (i: ContainerInfo) => void;
  killSent?: 'TERM' | 'KILL';
  /** settles once runc has started the container (or failed to): a stop waits for it, runc knows no container before */
  starting?: Promise<boolean>;
  output: Set<(stream: 'stdout' | 'stderr', data: Buffer) => void>;
  resize?: Writable;
}

/**
 * OciRuntime runs containers with runc from images of the node's store, as containerd's CRI plugin
 * does without the daemon: each container is an OCI bundle (config.json from its ContainerConfig
 * and its pod's sandbox, see runtime-spec.ts) whose root is an overlay over the image's unpacked
 * root filesystem. A small monitor per container (runc-shim.py, the subreaper of the container's
 * init) reports its exit code; output goes through the runtime into CRI log files. Pod sandboxes
 * are the process runtime's (SandboxManager): a network namespace attached through CNI, pinned UTS
 * and IPC namespaces, /etc/hostname and /etc/resolv.conf; containers join them by path. Containers
 * cannot outlive their agent: a new one kills what an earlier one left running and reports it exited.
 */
export class OciRuntime implements Runtime {
  readonly scheme = 'runc';
  readonly version: string;
  readonly isolation = 'namespaces' as const;
  readonly images?: ImageService;
  readonly network: PodNetwork;
  /** the machine's cgroups (CgroupCapable): the agent makes pod cgroups in them, runc the containers' below */
  readonly cgroups?: CgroupManager;
  private readonly runc: Runc;
  private readonly containersDir: string;
  private readonly sandboxes: SandboxManager;
  /** sandboxes and container starts under way, refused once the agent shuts down */
  private readonly gate = new WorkGate();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly events = new ContainerEvents();
  private readonly recovered: Promise<void>;
  /** each sandbox's pod PID namespace (shareProcessNamespace): a pause process is its PID 1 */
  private readonly pauses = new Map<string, { child: ChildProcess; initPid?: number }>();

  constructor(private readonly opts: OciRuntimeOptions) {
    this.images = opts.images;
    this.cgroups = opts.cgroups ?? defaultCgroupManager().manager;
    this.runc = new Runc(path.join(opts.rootDir, 'runc'), opts.runc ?? RUNC_PATH);
    this.version = `runc://${this.runc.version()}`;
    this.containersDir = path.join(opts.rootDir, 'oci-containers');
    fs.mkdirSync(this.containersDir, { recursive: true });
    this.network = opts.network ?? new PodNetwork({ nodeName: opts.nodeName ?? path.basename(opts.rootDir), stateDir: opts.rootDir, privileged: true });
    this.sandboxes = new SandboxManager({ rootDir: opts.rootDir, isolation: 'namespaces', network: this.network });
    this.recovered = this.recover();
  }

  // ---------------------------------------------------------------- runtime

  async status(): Promise<RuntimeStatus> {
    const n = this.network.status();
    const problem = process.getuid?.() !== 0 ? 'runc needs root'
      : !fs.existsSync(this.runc.binary) ? `${this.runc.binary} is missing (apt-get install runc)`
        : !fs.existsSync(PYTHON) ? `${PYTHON} is missing (the container monitor is a Python script)` : undefined;
    return {
      conditions: [
        problem ? { type: 'RuntimeReady', status: false, reason: 'RuncUnavailable', message: problem } : { type: 'RuntimeReady', status: true },
        n.ready ? { type: 'NetworkReady', status: true } : { type: 'NetworkReady', status: false, reason: n.reason, message: n.message },
      ],
    };
  }

  async updateRuntimeConfig(config: RuntimeConfig): Promise<void> {
    if (config.networkConfig.podCidr) await this.network.setPodCIDR(config.networkConfig.podCidr);
  }

  /** resolveImage is the stored image's configuration; ImagePullError when the store does not have it. */
  async resolveImage(image: string, _hasCommand: boolean): Promise<ImageInfo> {
    const img = await this.opts.store.get(image);
    if (!img) throw new ImagePullError(`failed to resolve image "${image}": not found in the node's image store`);
    return imageInfoOf(img, image);
  }

  // ---------------------------------------------------------------- sandboxes

  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.gate.run('failed to run the pod sandbox', () => this.makeSandbox(config));
  }

  private async makeSandbox(config: PodSandboxConfig): Promise<string> {
    const rec = await this.sandboxes.run(config);
    // The pod's /dev/shm, shared by its containers as its IPC namespace is (containerd mounts it for
    // the sandbox); a hostIPC pod's containers each get their own.
    if (rec.pins.ipc) {
      try {
        fs.mkdirSync(shmOf(rec), { recursive: true });
        await execFileAsync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,mode=1777,size=65536k', 'shm', shmOf(rec)]);
      } catch (e) {
        await this.sandboxes.remove(rec.id).catch(() => undefined);
        throw new Error(`failed to mount the pod's /dev/shm: ${((e as { stderr?: string }).stderr || (e as Error).message).trim()}`);
      }
    }
    this.emit(rec.id, rec.id, config.metadata.uid, 'CONTAINER_CREATED_EVENT');
    this.emit(rec.id, rec.id, config.metadata.uid, 'CONTAINER_STARTED_EVENT');
    return rec.id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    // CRI: StopPodSandbox forcibly stops what still runs in the sandbox.
    await Promise.all([...this.containers.values()].filter((c) => c.info.sandboxId === id).map((c) => this.stopContainer(c.info.id, 0)));
    this.stopPause(id);
    if (isMountPoint(shmOf(rec))) await execFileAsync('umount', ['-l', shmOf(rec)]).catch(() => undefined);
    const was = rec.state;
    await this.sandboxes.stop(id);
    if (was === 'SANDBOX_READY') this.emit(id, id, rec.config.metadata.uid, 'CONTAINER_STOPPED_EVENT');
  }

  async removePodSandbox(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.info.sandboxId === id) await this.removeContainer(c.info.id);
    await this.sandboxes.remove(id);
    // The pod's cgroup (and empty kubepods levels) goes once unused; the agent makes it again if needed.
    this.cgroups?.removeIfUnused(cgroupParentOf(rec.config));
    removeEmptyCgroups(cgroupParentOf(rec.config));
    this.emit(id, id, rec.config.metadata.uid, 'CONTAINER_DELETED_EVENT');
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

  /**
   * createContainer makes the container's bundle: the overlay root over the image's files, and
   * config.json. Errors (an image not in the store, an unknown USER) fail the creation, as in
   * containerd (the agent reports CreateContainerError).
   */
  createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return this.gate.run('failed to create the container', () => this.create(sandboxId, config, sandboxConfig));
  }

  private async create(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    await this.recovered;
    const sb = this.sandboxes.get(sandboxId);
    if (!sb || sb.state !== 'SANDBOX_READY') throw new Error(`failed to create containerd container: sandbox ${sandboxId} is not ready`);
    const img = await this.opts.store.get(config.image);
    if (!img) throw new Error(`failed to create containerd container: image "${config.image}" is not in the node's image store`);
    const id = randomBytes(32).toString('hex');
    const dir = path.join(this.containersDir, id);
    fs.mkdirSync(dir, { recursive: true });
    const parent = cgroupParentOf(sandboxConfig.linux?.cgroupParent ? sandboxConfig : sb.config);
    // Relative, as the agent's pod cgroups are: runc takes it from its own cgroup (the agent's) in
    // each hierarchy, which is where the cgroup manager made the pod's.
    const cgroupsPath = `${parent}/${id}`;
    try {
      // Held before it is mounted: removing the image meanwhile leaves its files to this container.
      await this.opts.store.holdRootfs?.(img.id, id);
      const rootfs = await mountRootfs(dir, await this.opts.store.rootfsOf(config.image));
      const user = resolveUser(rootfs.merged, config.user, img.config.user);
      const spec = buildRuntimeSpec({
        config, rootfs: rootfs.merged, sandbox: this.sandboxView(sb), user, cgroupsPath,
        pidNamespacePath: await this.pidNamespacePath(config, sb), allCapabilities: currentCapabilities(),
      });
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    } catch (e) {
      await unmountRootfs(dir).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      await this.opts.store.releaseRootfs?.(img.id, id).catch(() => undefined);
      throw new Error(`failed to create containerd container: ${(e as Error).message}`);
    }
    const rec = newRecord({ id, sandboxId, config, phase: 'created', createdAt: new Date().toISOString() }, dir, cgroupsPath, img.id);
    this.containers.set(id, rec);
    this.persist(rec);
    this.emit(id, sandboxId, config.podUid, 'CONTAINER_CREATED_EVENT');
    return id;
  }

  /**
   * startContainer starts the container's monitor, which runs `runc create` (the container's stdio
   * are the monitor's pipes, read here into the CRI log) and `runc start`. A container runc cannot
   * start (its command not found) ends at once as StartError with runc's reason, exit code 128.
   */
  startContainer(id: string): Promise<void> {
    return this.gate.run('failed to start the container', () => this.start(id));
  }

  private async start(id: string): Promise<void> {
    const rec = this.must(id);
    if (rec.info.phase !== 'created') throw new Error(`container ${id} already started`);
    const c = rec.info.config;
    const logw = new CriLogWriter(c.logPath, this.opts.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES);
    const runcLog = path.join(rec.dir, 'runc.log');
    const tty = !!c.tty;
    const shim = spawn(PYTHON, [SHIM, this.runc.binary, this.runc.root, rec.dir, id, path.join(rec.dir, 'init.pid'), runcLog, tty ? '1' : '0'], {
      stdio: [c.stdin || tty ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', ...(tty ? ['pipe' as const] : [])],
    });
    rec.shim = shim;
    rec.resize = tty ? (shim.stdio[4] as Writable) : undefined;
    rec.resize?.on('error', () => undefined);
    shim.stdin?.on('error', () => undefined);
    shim.stdout?.on('data', (d: Buffer) => { logw.write('stdout', d); emitOutput(rec, 'stdout', d); });
    shim.stderr?.on('data', (d: Buffer) => { logw.write('stderr', d); emitOutput(rec, 'stderr', d); });
    let started!: (ok: boolean) => void;
    const startedP = new Promise<boolean>((r) => { started = r; });
    rec.starting = startedP;
    let exitCode: number | undefined;
    let failed: string | undefined;
    let spawnError: Error | undefined;
    shim.on('error', (e) => { spawnError = e; });
    lines(shim.stdio[3] as Readable, (line) => {
      const [what, arg] = line.split(' ');
      if (what === 'pid') { rec.info.pid = Number(arg); this.persist(rec); }
      else if (what === 'started') started(true);
      else if (what === 'error') { failed = arg; started(false); }
      else if (what === 'exit') exitCode = Number(arg);
    });
    rec.info.phase = 'running';
    rec.info.startedAt = new Date().toISOString();
    shim.on('close', (code, sig) => {
      logw.close();
      started(false);
      const info = rec.info;
      if (failed || spawnError) {
        info.exitCode = 128;
        info.reason = 'StartError';
        info.message = spawnError ? `failed to start the container monitor: ${spawnError.message}` : runcReason(lastRuncError(runcLog) ?? `runc ${failed} failed`);
      } else if (exitCode === undefined) {
        // The monitor itself died (killed): the container went with it or is killed at removal.
        info.exitCode = 137;
        info.reason = 'Error';
        info.message = `the container monitor ended (${sig ?? code})`;
      } else {
        info.exitCode = exitCode;
        // The kernel's OOM killer counts its kills in the container's memory cgroup, which stays until runc delete.
        info.reason = (this.cgroups?.oomKillCount(rec.cgroupsPath) ?? 0) > 0 ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
      }
      info.phase = 'exited';
      info.finishedAt = new Date().toISOString();
      this.persist(rec);
      rec.resolveExit({ ...info });
      this.emit(id, info.sandboxId, c.podUid, 'CONTAINER_STOPPED_EVENT');
    });
    // A container that could not start is reported exited (StartError) by the time this returns.
    if (!await startedP) {
      await rec.exited;
      return;
    }
    this.persist(rec);
    this.emit(id, rec.info.sandboxId, c.podUid, 'CONTAINER_STARTED_EVENT');
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec || rec.info.phase !== 'running') return;
    // A container in a shared PID namespace is not the namespace's init: its processes go one by one.
    const all = (rec.info.config.namespaceOptions?.pid ?? 'CONTAINER') !== 'CONTAINER';
    await rec.starting;
    if (rec.info.phase !== 'running') return;
    if (graceMs > 0) {
      rec.killSent ??= 'TERM';
      await this.runc.kill(id, 'TERM', all).catch((e) => logger.v(4).info('runc kill TERM failed', { id, err: (e as Error).message }));
      let timer: NodeJS.Timeout | undefined;
      const expired = await Promise.race([
        rec.exited.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), graceMs); }),
      ]);
      clearTimeout(timer);
      if (!expired) return;
    }
    rec.killSent = 'KILL';
    await this.runc.kill(id, 'KILL', all).catch((e) => logger.v(4).info('runc kill KILL failed', { id, err: (e as Error).message }));
    await rec.exited;
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    const r = this.containers.get(id);
    return r ? { ...r.info } : undefined;
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerInfo[]> {
    return listMatching([...this.containers.values()].map((r) => r.info), filter);
  }

  /** removeContainer kills what is left (runc delete --force, which also removes its cgroup), unmounts its root and removes its bundle. */
  async removeContainer(id: string): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec) return;
    if (rec.info.phase === 'running') await this.stopContainer(id, 0);
    this.containers.delete(id);
    await this.runc.delete(id).catch((e) => logger.error(e, 'runc delete failed', { id }));
    await unmountRootfs(rec.dir);
    fs.rmSync(rec.dir, { recursive: true, force: true });
    if (rec.imageId) await this.opts.store.releaseRootfs?.(rec.imageId, id).catch((e: unknown) => logger.error(e, 'releasing the image\'s root filesystem failed', { id }));
    this.emit(id, rec.info.sandboxId, rec.info.config.podUid, 'CONTAINER_DELETED_EVENT');
  }

  /**
   * exec runs argv in the container with `runc exec` (its namespaces, root, user, capabilities and
   * environment from its config.json, plus opts.env); with a tty, runc runs on a terminal the pty
   * helper makes, and gives the process one of its own.
   */
  async exec(id: string, argv: string[], opts: ExecOptions): Promise<ExecSession> {
    const rec = this.must(id);
    if (rec.info.phase !== 'running') throw new Error(`container not running (${id})`);
    // runc looks the command up in the container before it starts anything; so does this, to say it as containerd does.
    if (rec.info.pid) {
      const proc = this.processOf(rec);
      const pathEnv = opts.env?.PATH ?? proc?.env?.find((e) => e.startsWith('PATH='))?.slice(5);
      const notRunnable = execLookupError(`/proc/${rec.info.pid}/root`, argv[0], pathEnv, proc?.cwd || '/');
      if (notRunnable) throw new ExecStartError(notRunnable);
    }
    const pidFile = path.join(rec.dir, `exec-${randomBytes(6).toString('hex')}.pid`);
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    const runcArgs = this.runc.args('exec', '--pid-file', pidFile, ...(opts.tty ? ['--tty'] : []), ...env, id, ...argv);
    const cmd = opts.tty ? [PYTHON, PTY_HELPER, '--', this.runc.binary, ...runcArgs] : [this.runc.binary, ...runcArgs];
    const child = spawn(cmd[0], cmd.slice(1), {
      detached: true,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', opts.tty ? 'ignore' : 'pipe', ...(opts.tty ? ['pipe' as const] : [])],
    });
    const resizeFd = opts.tty ? (child.stdio[3] as Writable | null) : null;
    resizeFd?.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    const exit = new Promise<number>((resolve) => {
      let err: Error | undefined;
      child.on('error', (e) => { err = e; });
      child.on('close', (code, sig) => {
        fs.rmSync(pidFile, { force: true });
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
      kill() {
        // The exec'd process is not runc's child (runc cannot pass SIGKILL on): kill it by its pid file.
        try { process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* gone */ }
        try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      },
    };
  }

  /** processOf reads the container's process (env, cwd) from its bundle's config.json. */
  private processOf(rec: ContainerRecord): { env?: string[]; cwd?: string } | undefined {
    try {
      return (JSON.parse(fs.readFileSync(path.join(rec.dir, 'config.json'), 'utf8')) as { process?: { env?: string[]; cwd?: string } }).process;
    } catch { return undefined; }
  }

  async attach(id: string): Promise<AttachSession | undefined> {
    const rec = this.containers.get(id);
    if (!rec || rec.info.phase !== 'running') return undefined;
    const output = new PassThrough();
    const fn = (_s: 'stdout' | 'stderr', d: Buffer) => { output.write(d); };
    rec.output.add(fn);
    void rec.exited.then(() => output.end());
    output.on('close', () => rec.output.delete(fn));
    return { stdin: rec.shim?.stdin ?? null, output, resize: (cols, rows) => { if (rec.resize?.writable) rec.resize.write(`${cols} ${rows}\n`); } };
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
    if (this.sandboxes.list({ state: 'SANDBOX_READY' }).length === 0) await this.network.release();
  }

  // ---------------------------------------------------------------- helpers

  /** sandboxView is what a container of the sandbox joins and mounts. */
  private sandboxView(sb: SandboxRecord): SandboxView {
    let hostname = os.hostname();
    try { hostname = fs.readFileSync(sb.files.hostname, 'utf8').trim(); } catch { /* the node's */ }
    return {
      netnsPath: this.sandboxes.netnsPathOf(sb), utsPath: sb.pins.uts, ipcPath: sb.pins.ipc, hostname,
      hostnameFile: sb.files.hostname, resolvConfFile: sb.files.resolvConf,
      ...(isMountPoint(shmOf(sb)) ? { shmPath: shmOf(sb) } : {}),
    };
  }

  /**
   * pidNamespacePath is the PID namespace a container joins: its target's (ephemeral containers) or
   * the pod's (shareProcessNamespace); undefined: its own, or the node's (hostPID).
   */
  private async pidNamespacePath(c: ContainerConfig, sb: SandboxRecord): Promise<string | undefined> {
    const mode = c.namespaceOptions?.pid;
    const pid = mode === 'TARGET' ? this.containers.get(c.namespaceOptions?.targetId ?? '')?.info.pid
      : mode === 'POD' ? await this.podPidNamespace(sb) : undefined;
    return pid ? `/proc/${pid}/ns/pid` : undefined;
  }

  /**
   * podPidNamespace returns the host PID of the PID 1 of the sandbox's pod PID namespace, starting
   * its pause process (`unshare --pid --fork` in the sandbox's namespaces, named /pause as a CRI
   * runtime's pause container) on first use. It reads a pipe from the agent, so it ends with the
   * agent, and the namespace's processes with it (containers do not outlive their agent).
   */
  private async podPidNamespace(sb: SandboxRecord): Promise<number | undefined> {
    const cur = this.pauses.get(sb.id);
    if (cur?.initPid && fs.existsSync(`/proc/${cur.initPid}`)) return cur.initPid;
    const netns = this.sandboxes.netnsPathOf(sb);
    const join = [...(netns ? [`--net=${netns}`] : []), ...(sb.pins.uts ? [`--uts=${sb.pins.uts}`] : []), ...(sb.pins.ipc ? [`--ipc=${sb.pins.ipc}`] : [])];
    const pause = pauseCommand(path.join(this.opts.rootDir, 'bin'));
    const own = ['unshare', '--pid', '--fork', '--kill-child', ...pause];
    const argv = join.length ? ['nsenter', ...join, '--', ...own] : own;
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin?.on('error', () => undefined);
    child.on('error', () => undefined);
    let initPid: number | undefined;
    // nsenter execs unshare in place; unshare forks the namespace's PID 1.
    for (let i = 0; i < 400 && child.pid && !initPid; i++) {
      try {
        const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
        if (kids) initPid = Number(kids.split(' ')[0]);
      } catch { break; }
      if (!initPid) await new Promise((r) => setTimeout(r, 5));
    }
    this.pauses.set(sb.id, { child, initPid });
    return initPid;
  }

  /** stopPause ends a sandbox's pause process (its PID namespace goes with its last process). */
  private stopPause(sandboxId: string): void {
    const p = this.pauses.get(sandboxId);
    this.pauses.delete(sandboxId);
    for (const pid of [p?.initPid, p?.child.pid]) {
      try { if (pid) process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }

  private emit(containerId: string, sandboxId: string, podUid: string, type: ContainerEventType): void {
    this.events.emit(containerId, sandboxId, podUid, type);
  }

  private must(id: string): ContainerRecord {
    const r = this.containers.get(id);
    if (!r) throw new Error(`no such container: ${id}`);
    return r;
  }

  private persist(rec: ContainerRecord): void {
    try { fs.writeFileSync(path.join(rec.dir, 'state.json'), JSON.stringify({ info: rec.info, cgroupsPath: rec.cgroupsPath, imageId: rec.imageId })); } catch { /* removed */ }
  }

  /**
   * recover loads what a previous agent left: containers it still ran are killed (their output
   * had nowhere to go) and reported exited, as the process runtime does; their bundles stay until
   * the agent removes them.
   */
  private async recover(): Promise<void> {
    for (const id of fs.readdirSync(this.containersDir)) {
      const dir = path.join(this.containersDir, id);
      let state: { info: ContainerInfo; cgroupsPath: string; imageId?: string };
      try { state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')); } catch { continue; }
      const rec = newRecord(state.info, dir, state.cgroupsPath, state.imageId);
      if (rec.info.phase !== 'exited') {
        await this.runc.kill(id, 'KILL', true).catch(() => undefined);
        rec.info.phase = 'exited';
        rec.info.exitCode = rec.info.startedAt ? 137 : 128;
        rec.info.reason = rec.info.startedAt ? 'Error' : 'StartError';
        rec.info.message = 'the node agent restarted and stopped this container';
        rec.info.finishedAt = new Date().toISOString();
        this.persist(rec);
      }
      rec.resolveExit({ ...rec.info });
      this.containers.set(id, rec);
    }
  }
}

/** currentCapabilities are the agent's own bounding set: a privileged container's (runc fails asking for more). */
function currentCapabilities(): string[] {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return boundingCapabilities(BigInt(`0x${m[1]}`));
  } catch { /* no /proc: ask for all */ }
  return [...ALL_CAPABILITIES];
}

/** shmOf is where a sandbox's /dev/shm is mounted. */
function shmOf(sb: SandboxRecord): string {
  return path.join(sb.dir, 'shm');
}

/** cgroupParentOf is the cgroup of a pod's containers: the one the agent made for the pod, else tskube's own. */
function cgroupParentOf(config: PodSandboxConfig): string {
  return (config.linux?.cgroupParent || DEFAULT_CGROUP_PARENT).replace(/^\/+|\/+$/g, '');
}

/** runcReason shortens runc's error to what containerd reports ("exec: \"x\": executable file not found in $PATH"). */
function runcReason(msg: string): string {
  return msg.replace(/^runc (create|run) failed: /, '');
}

function newRecord(info: ContainerInfo, dir: string, cgroupsPath: string, imageId?: string): ContainerRecord {
  let resolveExit!: (i: ContainerInfo) => void;
  const exited = new Promise<ContainerInfo>((r) => { resolveExit = r; });
  return { info, dir, cgroupsPath, imageId, exited, resolveExit, output: new Set() };
}

function emitOutput(rec: ContainerRecord, stream: 'stdout' | 'stderr', d: Buffer): void {
  for (const fn of rec.output) fn(stream, d);
}

/** lines calls fn for each line of a stream. */
function lines(stream: Readable, fn: (line: string) => void): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      fn(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('error', () => undefined);
}
