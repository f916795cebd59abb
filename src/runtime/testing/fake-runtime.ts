import { PassThrough } from 'node:stream';
import type {
  ContainerConfig, ContainerEvent, ContainerEventType, ContainerFilter, ContainerInfo, ExecSession, ImageInfo,
  PodSandboxConfig, PodSandboxFilter, PodSandboxStatus, Runtime, RuntimeCondition, RuntimeConfig, RuntimeStatus,
} from '../types.js';
import { ImagePullError } from '../types.js';

/**
 * FakeRuntime runs nothing; tests decide when containers exit and sandboxes die. Sandboxes get
 * 10.244.0.2, .3, … in the pod network. With evented (the default) it reports changes through
 * getContainerEvents, so a PLEG relists at once; without, only periodic relisting finds them.
 */
export class FakeRuntime implements Runtime {
  readonly scheme = 'tskube';
  readonly version = 'fake://1';
  readonly isolation = 'namespaces' as const;
  readonly containers = new Map<string, { info: ContainerInfo }>();
  readonly sandboxes = new Map<string, { status: PodSandboxStatus; config: PodSandboxConfig }>();
  readonly started: ContainerConfig[] = [];
  readonly stops: { id: string; graceMs: number }[] = [];
  /** the NetworkReady condition status() reports */
  network: RuntimeCondition = { type: 'NetworkReady', status: true };
  podCIDR?: string;
  /** calls in order, for tests of sequencing */
  readonly calls: string[] = [];
  private n = 0;
  private ip = 1;
  private readonly listeners = new Set<(e: ContainerEvent) => void>();

  constructor(private readonly now: () => Date, private readonly known = new Set(['busybox', 'luksa/kubia']), private readonly evented = true) {}

  async status(): Promise<RuntimeStatus> { return { conditions: [{ type: 'RuntimeReady', status: true }, this.network] }; }
  async updateRuntimeConfig(c: RuntimeConfig): Promise<void> { this.podCIDR = c.networkConfig.podCidr; }

  async resolveImage(image: string, hasCommand: boolean): Promise<ImageInfo> {
    if (!this.known.has(image) && !hasCommand) throw new ImagePullError(`image "${image}" unknown`);
    return { image, imageID: `fake://${image}`, entrypoint: ['node', 'app.js'], cmd: [] };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = `s${++this.n}`;
    const network = config.linux?.namespaceOptions?.network ?? 'POD';
    this.calls.push(`runPodSandbox ${config.metadata.name} ${network}`);
    this.sandboxes.set(id, {
      config,
      status: {
        id, metadata: config.metadata, state: 'SANDBOX_READY', createdAt: this.now().toISOString(),
        ...(network === 'POD' ? { network: { ip: `10.244.0.${++this.ip}`, additionalIps: [] } } : {}),
        linux: { namespaces: { options: { network } } }, labels: config.labels ?? {}, annotations: config.annotations ?? {},
      },
    });
    this.emit(id, id, config.metadata.uid, 'CONTAINER_STARTED_EVENT');
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    this.calls.push(`stopPodSandbox ${id}`);
    for (const c of this.containers.values()) if (c.info.sandboxId === id) this.exit(c.info.id, 137);
    if (sb.status.state === 'SANDBOX_READY') {
      sb.status.state = 'SANDBOX_NOTREADY';
      this.emit(id, id, sb.status.metadata.uid, 'CONTAINER_STOPPED_EVENT');
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    this.calls.push(`removePodSandbox ${id}`);
    for (const c of [...this.containers.values()]) if (c.info.sandboxId === id) this.containers.delete(c.info.id);
    this.sandboxes.delete(id);
    this.emit(id, id, sb.status.metadata.uid, 'CONTAINER_DELETED_EVENT');
  }

  /** killSandbox makes a sandbox NOTREADY behind the agent's back (its network went away). */
  killSandbox(id: string): void {
    const sb = this.sandboxes.get(id)!;
    sb.status.state = 'SANDBOX_NOTREADY';
    this.emit(id, id, sb.status.metadata.uid, 'CONTAINER_STOPPED_EVENT');
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const s = this.sandboxes.get(id);
    return s ? structuredClone(s.status) : undefined;
  }

  async listPodSandbox(f: PodSandboxFilter = {}): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => s.status)
      .filter((s) => (!f.id || s.id === f.id) && (!f.state || s.state === f.state) && (!f.podUid || s.metadata.uid === f.podUid))
      .map((s) => structuredClone(s));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, _sandboxConfig?: PodSandboxConfig): Promise<string> {
    if (this.sandboxes.get(sandboxId)?.status.state !== 'SANDBOX_READY') throw new Error(`sandbox ${sandboxId} is not ready`);
    const id = `c${++this.n}`;
    this.containers.set(id, { info: { id, sandboxId, config, phase: 'created', createdAt: this.now().toISOString() } });
    this.emit(id, sandboxId, config.podUid, 'CONTAINER_CREATED_EVENT');
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id)!;
    c.info.phase = 'running';
    c.info.startedAt = this.now().toISOString();
    this.started.push(c.info.config);
    this.emit(id, c.info.sandboxId, c.info.config.podUid, 'CONTAINER_STARTED_EVENT');
  }

  /** exit ends a running container with code. */
  exit(id: string, code: number, reason?: string): void {
    const c = this.containers.get(id)!;
    if (c.info.phase !== 'running') return;
    Object.assign(c.info, { phase: 'exited', exitCode: code, reason: reason ?? (code === 0 ? 'Completed' : 'Error'), finishedAt: this.now().toISOString() });
    this.emit(id, c.info.sandboxId, c.info.config.podUid, 'CONTAINER_STOPPED_EVENT');
  }

  /** running returns the running container of a pod container name. */
  running(name: string): string | undefined {
    return [...this.containers.values()].find((c) => c.info.config.name === name && c.info.phase === 'running')?.info.id;
  }

  /** sandboxOf returns the ready sandbox of a pod (by pod name). */
  sandboxOf(podName: string): PodSandboxStatus | undefined {
    return [...this.sandboxes.values()].find((s) => s.status.metadata.name === podName && s.status.state === 'SANDBOX_READY')?.status;
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    this.stops.push({ id, graceMs });
    this.exit(id, 137);
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(id);
    return c ? { ...c.info } : undefined;
  }

  async listContainers(f: ContainerFilter = {}): Promise<ContainerInfo[]> {
    return [...this.containers.values()].map((c) => c.info)
      .filter((i) => (!f.id || i.id === f.id) && (!f.sandboxId || i.sandboxId === f.sandboxId) && (!f.podUid || i.config.podUid === f.podUid) && (!f.phase || i.phase === f.phase))
      .map((i) => ({ ...i }));
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.containers.delete(id);
    this.emit(id, c.info.sandboxId, c.info.config.podUid, 'CONTAINER_DELETED_EVENT');
  }

  /** execs records every exec (container id and argv); execExitCode decides its exit code (0 by default). */
  readonly execs: { id: string; argv: string[] }[] = [];
  execExitCode: (argv: string[]) => number = () => 0;

  async exec(id: string, argv: string[]): Promise<ExecSession> {
    this.execs.push({ id, argv });
    const out = new PassThrough(); out.end();
    return { stdin: null, stdout: out, stderr: null, resize() {}, exit: Promise.resolve(this.execExitCode(argv)), kill() {} };
  }

  getContainerEvents(listener: (e: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  async close(): Promise<void> {}

  private emit(containerId: string, sandboxId: string, podUid: string, type: ContainerEventType): void {
    if (!this.evented) return;
    for (const l of this.listeners) l({ containerId, sandboxId, podUid, type });
  }
}
