import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type * as Grpc from '@grpc/grpc-js';
import { log } from '../../util/log.js';
import { defaultCgroupManager, type CgroupLayout, type CgroupManager } from '../cgroups/index.js';
import {
  ImagePullError,
  type AttachSession, type AuthConfig, type ContainerEvent, type ContainerConfig, type ContainerFilter, type ContainerInfo, type ExecOptions, type ExecSession,
  type ImageInfo, type ImageRecord, type ImageService, type PodSandboxConfig, type PodSandboxFilter, type PodSandboxStatus,
  type Runtime, type RuntimeConfig, type RuntimeStatus,
} from '../types.js';
import { CriCallError, CriClient, grpc, isNotFound, rpcErrorText } from './client.js';
import { deferredSession, openStreamSession } from './streaming.js';
import {
  fromCriConditions, fromCriContainerStatus, fromCriImage, fromCriSandboxStatus, imageInfoFromStatus, parseVerboseInfo, repoDigestFor,
  toCriAuth, toCriContainerConfig, toCriContainerFilter, toCriSandboxConfig, toCriSandboxFilter,
} from './convert.js';
import type * as cri from './cri-types.js';

const logger = log.child({ component: 'cri-runtime' });

/** ownCgroup is the cgroup relative pod cgroup paths start from, as the cgroup manager resolves them. */
function ownCgroup(layout: CgroupLayout): string {
  if (layout.version === 2) return path.posix.dirname(layout.self.unified ?? '/');
  return layout.self.v1.memory ?? '/';
}

/** DEFAULT_CRI_ENDPOINT is containerd's socket, the kubelet's usual --container-runtime-endpoint. */
export const DEFAULT_CRI_ENDPOINT = 'unix:///run/containerd/containerd.sock';

/** CriRuntimeOptions configures a CriRuntime. */
export interface CriRuntimeOptions {
  /** the runtime's gRPC endpoint ("unix:///run/containerd/containerd.sock") */
  endpoint?: string;
  /** deadline of ordinary calls (the kubelet's --runtime-request-timeout is 2m) */
  requestTimeoutMs?: number;
  /** deadline of PullImage (pulls may take long; the kubelet bounds them only by progress) */
  pullTimeoutMs?: number;
  /**
   * the cgroups containerd puts containers in, where the agent makes pod cgroups (kubepods/…):
   * default this machine's (containerd on a unix socket runs here, with the cgroupfs driver);
   * null: none (the agent then hands no pod cgroup and no resources)
   */
  cgroups?: CgroupManager | null;
}

/**
 * CriRuntime is the node agent's Runtime over a CRI v1 runtime such as containerd: every operation
 * is one or a few gRPC calls, as the kubelet's remote runtime makes them. The runtime keeps all
 * state (sandboxes, containers, images, logs); this class keeps only the configs it created
 * containers with, to answer ContainerInfo.config without a round trip to the agent.
 * Call connect() first: it learns the runtime's name and version (Version).
 */
export class CriRuntime implements Runtime, ImageService {
  scheme = 'containerd';
  version = 'containerd://unknown';
  readonly isolation = 'namespaces' as const;
  readonly images: ImageService = this;
  readonly endpoint: string;

  private readonly client: CriClient;
  private readonly pullTimeoutMs: number;
  private readonly configs = new Map<string, ContainerConfig>();
  /** the sandbox of each container (ContainerStatus does not name it) */
  private readonly sandboxOf = new Map<string, string>();
  /** pids of running containers, from containerd's verbose status */
  private readonly pids = new Map<string, number>();
  /** the machine's cgroups (CgroupCapable): the agent makes pod cgroups in them, containerd's runc the containers' below */
  readonly cgroups?: CgroupManager;
  /** the agent's own cgroup, which the pod cgroups' relative paths start from */
  private readonly cgroupBase: string;

  constructor(options: CriRuntimeOptions = {}) {
    this.endpoint = options.endpoint ?? DEFAULT_CRI_ENDPOINT;
    this.client = new CriClient(this.endpoint, options.requestTimeoutMs ?? 2 * 60_000);
    this.pullTimeoutMs = options.pullTimeoutMs ?? 30 * 60_000;
    const local = this.endpoint.startsWith('unix:') || this.endpoint.startsWith('/');
    const cgroups = options.cgroups === undefined ? (local ? defaultCgroupManager().manager : undefined) : options.cgroups ?? undefined;
    if (cgroups) this.cgroups = cgroups;
    this.cgroupBase = cgroups ? ownCgroup(cgroups.layout) : '/';
  }

  /** connect asks the runtime's Version: scheme = runtime_name ("containerd"), version = "containerd://1.6.20". */
  async connect(timeoutMs = 30_000): Promise<this> {
    let v: { runtime_name: string; runtime_version: string; runtime_api_version: string };
    try {
      v = await this.client.runtime('Version', { version: 'v1' }, timeoutMs);
    } catch (e) {
      // The agent cannot start without its runtime: say which endpoint did not answer, and why.
      const why = e instanceof CriCallError ? e.details.replace(/\s*Resolution note:\s*$/, '') : (e as Error).message;
      throw new Error(`container runtime endpoint ${this.endpoint} did not answer the CRI Version call: ${why}`);
    }
    this.scheme = v.runtime_name || 'cri';
    this.version = `${this.scheme}://${v.runtime_version.replace(/^v/, '')}`;
    logger.info('connected to the container runtime', { endpoint: this.endpoint, runtime: v.runtime_name, version: v.runtime_version, api: v.runtime_api_version });
    return this;
  }

  // ------------------------------------------------------------ status

  async status(): Promise<RuntimeStatus> {
    const res = await this.client.runtime<{ status: { conditions: cri.RuntimeCondition[] } | null }>('Status', { verbose: false });
    return { conditions: fromCriConditions(res.status?.conditions ?? []) };
  }

  async updateRuntimeConfig(config: RuntimeConfig): Promise<void> {
    await this.client.runtime('UpdateRuntimeConfig', { runtime_config: { network_config: { pod_cidr: config.networkConfig.podCidr } } });
  }

  // ------------------------------------------------------------ sandboxes

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    // The kubelet creates the pod's log directory before RunPodSandbox; the runtime only writes into it.
    if (config.logDirectory) fs.mkdirSync(config.logDirectory, { recursive: true });
    const res = await this.client.runtime<{ pod_sandbox_id: string }>('RunPodSandbox', { config: toCriSandboxConfig(config, this.cgroupBase), runtime_handler: '' });
    return res.pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.ignoreNotFound(this.client.runtime('StopPodSandbox', { pod_sandbox_id: id }));
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.ignoreNotFound(this.client.runtime('RemovePodSandbox', { pod_sandbox_id: id }));
    for (const [cid, sid] of [...this.sandboxOf]) if (sid === id) this.forget(cid);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    try {
      const res = await this.client.runtime<{ status: cri.PodSandboxStatus | null }>('PodSandboxStatus', { pod_sandbox_id: id, verbose: false });
      return res.status ? fromCriSandboxStatus(res.status) : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandboxStatus[]> {
    const res = await this.client.runtime<{ items: cri.PodSandbox[] }>('ListPodSandbox', { filter: toCriSandboxFilter(filter) });
    // ListPodSandbox's items lack the network; the status of each has it (a sandbox removed meanwhile drops out).
    const all = await Promise.all(res.items.map((s) => this.podSandboxStatus(s.id)));
    return all.filter((s): s is PodSandboxStatus => s !== undefined);
  }

  // ------------------------------------------------------------ containers

  async createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    // As the kubelet does, the agent's side makes the container's log directory; the runtime creates the file.
    fs.mkdirSync(path.dirname(config.logPath), { recursive: true });
    const res = await this.client.runtime<{ container_id: string }>('CreateContainer', {
      pod_sandbox_id: sandboxId, config: toCriContainerConfig(config, sandboxConfig), sandbox_config: toCriSandboxConfig(sandboxConfig, this.cgroupBase),
    });
    this.configs.set(res.container_id, config);
    this.sandboxOf.set(res.container_id, sandboxId);
    return res.container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.client.runtime('StartContainer', { container_id: id });
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    const timeout = Math.max(0, Math.ceil(graceMs / 1000));
    // The call returns once the container has exited: allow the grace period plus the kill.
    await this.ignoreNotFound(this.client.runtime('StopContainer', { container_id: id, timeout: String(timeout) }, graceMs + 2 * 60_000));
  }

  async removeContainer(id: string): Promise<void> {
    await this.ignoreNotFound(this.client.runtime('RemoveContainer', { container_id: id }));
    this.forget(id);
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    const call = (verbose: boolean) => this.client.runtime<{ status: cri.ContainerStatus | null; info: Record<string, string> }>('ContainerStatus', { container_id: id, verbose });
    let res: { status: cri.ContainerStatus | null; info: Record<string, string> };
    try {
      res = await call(false);
      // Verbose once per container: containerd's info then names its sandbox, its config (for one another
      // agent process made) and, once it runs, its pid (the agent's stats read its cgroup). The answer
      // carries the whole OCI spec, too much to ask on every relist.
      const running = res.status?.state === 'CONTAINER_RUNNING';
      if (res.status && (!this.configs.has(id) || !this.sandboxOf.has(id) || (running && !this.pids.has(id)))) res = await call(true);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    if (!res.status) return undefined;
    const verbose = parseVerboseInfo(res.info);
    let sandboxId = this.sandboxOf.get(id) ?? verbose.sandboxID;
    if (!sandboxId) {
      // A runtime without verbose info: ListContainers names the sandbox.
      const list = await this.client.runtime<{ containers: cri.Container[] }>('ListContainers', { filter: toCriContainerFilter({ id }) });
      sandboxId = list.containers[0]?.pod_sandbox_id ?? '';
    }
    if (sandboxId) this.sandboxOf.set(id, sandboxId);
    if (verbose.pid && res.status.state === 'CONTAINER_RUNNING') this.pids.set(id, verbose.pid);
    const info = fromCriContainerStatus(res.status, sandboxId, this.configs.get(id), { ...verbose, pid: verbose.pid ?? this.pids.get(id) });
    if (!this.configs.has(id)) this.configs.set(id, info.config);
    return info;
  }

  async listContainers(filter?: ContainerFilter): Promise<ContainerInfo[]> {
    // Only what was known before the call may be found gone (a container created meanwhile is not listed yet).
    const knownBefore = new Set([...this.sandboxOf.keys(), ...this.configs.keys()]);
    const res = await this.client.runtime<{ containers: cri.Container[] }>('ListContainers', { filter: toCriContainerFilter(filter) });
    for (const c of res.containers) this.sandboxOf.set(c.id, c.pod_sandbox_id);
    if (!filter || Object.values(filter).every((v) => v === undefined)) {
      // A full listing shows which containers are gone (removed by someone else): forget them.
      const present = new Set(res.containers.map((c) => c.id));
      for (const id of knownBefore) if (!present.has(id)) this.forget(id);
    }
    // Exit codes, reasons and times are in each container's status (the kubelet's relisting asks them too).
    const all = await Promise.all(res.containers.map((c) => this.containerStatus(c.id)));
    return all.filter((c): c is ContainerInfo => c !== undefined && (!filter?.phase || c.phase === filter.phase));
  }

  /**
   * exec runs a command in a container. Without stdin or a terminal it is ExecSync (exec probes,
   * `kubectl exec pod -- cmd`): the output arrives when the command has ended. With stdin or a
   * terminal it is Exec: a session on the runtime's streaming server (SPDY, remotecommand).
   */
  async exec(id: string, argv: string[], opts: ExecOptions): Promise<ExecSession> {
    const command = opts.env && Object.keys(opts.env).length ? ['env', ...Object.entries(opts.env).map(([k, v]) => `${k}=${v}`), ...argv] : argv;
    if (opts.stdin || opts.tty) {
      // The session is handed back at once: its input is kept until the streaming connection is up.
      return deferredSession(async () => {
        const { url } = await this.client.runtime<{ url: string }>('Exec', { container_id: id, cmd: command, tty: opts.tty, stdin: opts.stdin, stdout: true, stderr: !opts.tty });
        return openStreamSession(url, { stdin: opts.stdin, stdout: true, stderr: !opts.tty, tty: opts.tty });
      }, opts);
    }
    return this.execSync(id, command);
  }

  /** attach connects to the container's own stdio through the streaming server (Attach); stdout and stderr share the output. */
  async attach(id: string): Promise<AttachSession | undefined> {
    let config = this.configs.get(id);
    if (!config) {
      const info = await this.containerStatus(id);
      if (!info || info.phase !== 'running') return undefined;
      config = info.config;
    }
    const tty = !!config.tty;
    const stdin = !!config.stdin;
    // As exec's: handed back at once, the client's first input kept until the stream is up.
    const session = deferredSession(async () => {
      const { url } = await this.client.runtime<{ url: string }>('Attach', { container_id: id, stdin, tty, stdout: true, stderr: !tty });
      return openStreamSession(url, { stdin, stdout: true, stderr: !tty, tty });
    }, { stdin, tty });
    const output = new PassThrough();
    let open = session.stderr ? 2 : 1;
    for (const s of [session.stdout, session.stderr]) {
      if (!s) continue;
      s.on('data', (c: Buffer) => output.write(c));
      s.on('end', () => { if (--open === 0) output.end(); });
    }
    output.on('close', () => session.kill());
    return { stdin: session.stdin, output, resize: (cols, rows) => session.resize(cols, rows) };
  }

  /** execSync runs a command to its end with ExecSync and gives its output as a session. */
  private execSync(id: string, command: string[]): ExecSession {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const abort = new AbortController();
    const exit = this.client.runtime<{ stdout: Buffer; stderr: Buffer; exit_code: number }>('ExecSync', { container_id: id, cmd: command, timeout: '0' }, 24 * 3600_000, abort.signal)
      .then((res) => {
        stdout.end(res.stdout);
        stderr.end(res.stderr);
        return res.exit_code;
      }, (e: unknown) => {
        // A command that cannot start (no such file) is the runtime's error: report it as the shell would, 126/127.
        const msg = (e as Error).message;
        stdout.end();
        stderr.end(abort.signal.aborted ? '' : `${msg}\n`);
        return abort.signal.aborted ? 137 : /not found|no such file/i.test(msg) ? 127 : 126;
      });
    return { stdin: null, stdout, stderr, resize() {}, exit, kill: () => abort.abort() };
  }

  /**
   * getContainerEvents follows the runtime's GetContainerEvents stream (the kubelet's evented PLEG)
   * so the agent relists at once. containerd 1.6 does not have it (Unimplemented): the agent then
   * learns of changes by relisting alone, as it would without this method. A stream that breaks is
   * not reopened; relisting goes on.
   */
  getContainerEvents(listener: (e: ContainerEvent) => void): () => void {
    let stopped = false;
    const call = this.client.stream<cri.ContainerEventResponse>('GetContainerEvents', {});
    call.on('data', (e: cri.ContainerEventResponse) => {
      listener({
        containerId: e.container_id,
        sandboxId: e.pod_sandbox_status?.id ?? '',
        podUid: e.pod_sandbox_status?.metadata?.uid ?? '',
        type: e.container_event_type,
      });
    });
    call.on('error', (err: Grpc.ServiceError) => {
      if (stopped || err.code === grpc().status.CANCELLED) return;
      if (err.code === grpc().status.UNIMPLEMENTED) logger.v(2).info('the runtime has no container events; relisting only', { endpoint: this.endpoint });
      else logger.error(err, 'container events stream ended; relisting only', { endpoint: this.endpoint });
    });
    return () => {
      stopped = true;
      call.cancel();
    };
  }

  // ------------------------------------------------------------ images

  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    let ref: string;
    try {
      ref = (await this.client.image<{ image_ref: string }>('PullImage', { image: { image }, auth: toCriAuth(auth) }, this.pullTimeoutMs)).image_ref;
    } catch (e) {
      // The kubelet's pull events and ErrImagePull message carry the CRI error as Go prints it.
      throw new ImagePullError(e instanceof CriCallError ? rpcErrorText(e) : (e as Error).message);
    }
    // containerd answers the image id; Kubernetes' imageID is the repo digest it was pulled by.
    const rec = await this.imageStatus(ref);
    return (rec && repoDigestFor(image, rec.repoDigests)) ?? ref;
  }

  async imageStatus(image: string): Promise<ImageRecord | undefined> {
    const res = await this.client.image<{ image: cri.Image | null }>('ImageStatus', { image: { image }, verbose: false });
    return res.image ? fromCriImage(res.image) : undefined;
  }

  async listImages(): Promise<ImageRecord[]> {
    const res = await this.client.image<{ images: cri.Image[] }>('ListImages', { filter: {} });
    return res.images.map(fromCriImage);
  }

  async removeImage(image: string): Promise<void> {
    await this.ignoreNotFound(this.client.image('RemoveImage', { image: { image } }));
  }

  async imageFsInfo(): Promise<{ usedBytes: number; capacityBytes: number; availableBytes: number }> {
    const res = await this.client.image<{ image_filesystems: cri.FilesystemUsage[] }>('ImageFsInfo', {});
    const fsu = res.image_filesystems[0];
    const usedBytes = Number(fsu?.used_bytes?.value ?? 0);
    const mountpoint = fsu?.fs_id?.mountpoint;
    // The CRI says how much the images use, not how big their filesystem is: statfs it (the kubelet asks cAdvisor).
    let capacityBytes = 0;
    let availableBytes = 0;
    if (mountpoint) {
      try {
        const st = fs.statfsSync(mountpoint);
        capacityBytes = st.blocks * st.bsize;
        availableBytes = st.bavail * st.bsize;
      } catch {
        // The runtime's filesystem is not visible from here (another mount namespace): only usage is known.
      }
    }
    return { usedBytes, capacityBytes, availableBytes };
  }

  /** resolveImage answers from ImageStatus (verbose: containerd's info carries the OCI image config). */
  async resolveImage(image: string, _hasCommand: boolean): Promise<ImageInfo> {
    const res = await this.client.image<{ image: cri.Image | null; info: Record<string, string> }>('ImageStatus', { image: { image }, verbose: true });
    if (!res.image) throw new ImagePullError(`image "${image}" is not present on the node`);
    return imageInfoFromStatus(image, res.image, res.info ?? {});
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private forget(id: string): void {
    this.configs.delete(id);
    this.pids.delete(id);
    this.sandboxOf.delete(id);
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
