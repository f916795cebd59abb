import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { formatIPv4, parseCIDR, size, type IPv4CIDR } from '../../network/cidr.js';
import type {
  ContainerConfig, ContainerEvent, ContainerEventType, ContainerFilter, ContainerInfo, ExecSession, ImageInfo,
  PodSandboxConfig, PodSandboxFilter, PodSandboxStatus, Runtime, RuntimeConfig, RuntimeStatus,
} from '../types.js';

/** SIMULATED_EXIT_AFTER: a pod annotation ("500ms", "2s") after which its simulated containers exit. */
export const SIMULATED_EXIT_AFTER = 'tskube.io/simulated-exit-after';
/** SIMULATED_EXIT_CODE: the exit code they exit with (default 0). */
export const SIMULATED_EXIT_CODE = 'tskube.io/simulated-exit-code';

/** parseSimulatedDuration reads "250ms" or "2s" (or a bare number of ms); undefined when absent or malformed. */
export function parseSimulatedDuration(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

interface SimSandbox { status: PodSandboxStatus; ipIndex?: number }

/**
 * SimulatedRuntime runs nothing, as KWOK does: sandboxes are ready at once, with an address from the
 * node's podCIDR when it has one (KWOK hands out pod IPs the same way); containers go to running at
 * once and stay there until stopped (then exit 0 within the grace period, as a well-behaved process
 * would). Used for density tests with thousands of nodes; no logs, no exec.
 */
export class SimulatedRuntime implements Runtime {
  readonly scheme = 'tskube';
  readonly version = 'tskube-simulated://0.1.0';
  readonly isolation = 'simulated' as const;
  private readonly containers = new Map<string, ContainerInfo>();
  private readonly sandboxes = new Map<string, SimSandbox>();
  private readonly listeners = new Set<(e: ContainerEvent) => void>();
  private podCIDR?: IPv4CIDR;
  private readonly usedIPs = new Set<number>();

  async status(): Promise<RuntimeStatus> {
    return { conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: true }] };
  }

  async updateRuntimeConfig(c: RuntimeConfig): Promise<void> {
    if (c.networkConfig.podCidr) this.podCIDR = parseCIDR(c.networkConfig.podCidr);
  }

  async resolveImage(image: string): Promise<ImageInfo> {
    return { image, imageID: `tskube-simulated://${image}`, entrypoint: ['sleep', 'infinity'], cmd: [] };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const network = config.linux?.namespaceOptions?.network ?? 'POD';
    const sb: SimSandbox = {
      status: {
        id, metadata: config.metadata, state: 'SANDBOX_READY', createdAt: new Date().toISOString(),
        linux: { namespaces: { options: { network } } }, labels: config.labels ?? {}, annotations: config.annotations ?? {},
      },
    };
    if (network === 'POD' && this.podCIDR) {
      // .0 is the network, .1 the bridge: pods get .2 on, like host-local.
      for (let i = 2; i < size(this.podCIDR) - 1; i++) {
        if (this.usedIPs.has(i)) continue;
        this.usedIPs.add(i);
        sb.ipIndex = i;
        sb.status.network = { ip: formatIPv4(this.podCIDR.base + i), additionalIps: [] };
        break;
      }
    }
    this.sandboxes.set(id, sb);
    this.emit(id, id, config.metadata.uid, 'CONTAINER_STARTED_EVENT');
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb || sb.status.state !== 'SANDBOX_READY') return;
    for (const c of this.containers.values()) if (c.sandboxId === id) await this.stopContainer(c.id);
    sb.status.state = 'SANDBOX_NOTREADY';
    if (sb.ipIndex !== undefined) this.usedIPs.delete(sb.ipIndex);
    this.emit(id, id, sb.status.metadata.uid, 'CONTAINER_STOPPED_EVENT');
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb ? structuredClone(sb.status) : undefined;
  }

  async listPodSandbox(f: PodSandboxFilter = {}): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((s) => s.status)
      .filter((s) => (!f.id || s.id === f.id) && (!f.state || s.state === f.state) && (!f.podUid || s.metadata.uid === f.podUid))
      .map((s) => structuredClone(s));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, _sandboxConfig?: PodSandboxConfig): Promise<string> {
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, { id, sandboxId, config, phase: 'created', createdAt: new Date().toISOString() });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.must(id);
    c.phase = 'running';
    c.startedAt = new Date().toISOString();
    this.emit(id, c.sandboxId, c.config.podUid, 'CONTAINER_STARTED_EVENT');
    // A pod annotated tskube.io/simulated-exit-after (KWOK's stages, in one annotation) has containers
    // that exit on their own: what Job benchmarks on simulated nodes need.
    const annotations = this.sandboxes.get(c.sandboxId)?.status.annotations ?? {};
    const after = parseSimulatedDuration(annotations[SIMULATED_EXIT_AFTER]);
    if (after !== undefined) {
      const code = Number(annotations[SIMULATED_EXIT_CODE] ?? 0) || 0;
      const timer = setTimeout(() => {
        if (c.phase !== 'running') return;
        Object.assign(c, { phase: 'exited', exitCode: code, reason: code === 0 ? 'Completed' : 'Error', finishedAt: new Date().toISOString() });
        this.emit(id, c.sandboxId, c.config.podUid, 'CONTAINER_STOPPED_EVENT');
      }, after);
      timer.unref();
    }
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.phase !== 'running') return;
    Object.assign(c, { phase: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() });
    this.emit(id, c.sandboxId, c.config.podUid, 'CONTAINER_STOPPED_EVENT');
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(id);
    return c ? { ...c } : undefined;
  }

  async listContainers(f: ContainerFilter = {}): Promise<ContainerInfo[]> {
    return [...this.containers.values()]
      .filter((c) => (!f.id || c.id === f.id) && (!f.sandboxId || c.sandboxId === f.sandboxId) && (!f.podUid || c.config.podUid === f.podUid) && (!f.phase || c.phase === f.phase))
      .map((c) => ({ ...c }));
  }

  async removeContainer(id: string): Promise<void> { this.containers.delete(id); }

  async exec(): Promise<ExecSession> {
    const out = new PassThrough();
    const err = new PassThrough();
    err.end('exec is not supported by the simulated runtime\n');
    out.end();
    return { stdin: null, stdout: out, stderr: err, resize() {}, exit: Promise.resolve(126), kill() {} };
  }

  getContainerEvents(listener: (e: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  async close(): Promise<void> {}

  private emit(containerId: string, sandboxId: string, podUid: string, type: ContainerEventType): void {
    for (const l of this.listeners) l({ containerId, sandboxId, podUid, type });
  }

  private must(id: string): ContainerInfo {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no such container: ${id}`);
    return c;
  }
}
