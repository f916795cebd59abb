import { PassThrough } from 'node:stream';
import type { ContainerConfig, ContainerInfo, ExecSession, ImageInfo, Runtime } from '../types.js';
import { ImagePullError } from '../types.js';

/** FakeRuntime runs nothing; tests decide when containers exit. */
export class FakeRuntime implements Runtime {
  readonly scheme = 'tskube';
  readonly version = 'fake://1';
  readonly isolation = 'namespaces' as const;
  readonly containers = new Map<string, { info: ContainerInfo; resolve: (i: ContainerInfo) => void; exited: Promise<ContainerInfo> }>();
  readonly started: ContainerConfig[] = [];
  readonly stops: { id: string; graceMs: number }[] = [];
  private n = 0;
  constructor(private readonly now: () => Date, private readonly known = new Set(['busybox', 'luksa/kubia'])) {}
  resolveImage(image: string, hasCommand: boolean): ImageInfo {
    if (!this.known.has(image) && !hasCommand) throw new ImagePullError(`image "${image}" unknown`);
    return { image, imageID: `fake://${image}`, entrypoint: ['node', 'app.js'], cmd: [] };
  }
  async createContainer(config: ContainerConfig): Promise<string> {
    const id = `c${++this.n}`;
    let resolve!: (i: ContainerInfo) => void;
    const exited = new Promise<ContainerInfo>((r) => { resolve = r; });
    this.containers.set(id, { info: { id, config, phase: 'created' }, resolve, exited });
    return id;
  }
  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id)!;
    c.info.phase = 'running';
    c.info.startedAt = this.now().toISOString();
    this.started.push(c.info.config);
  }
  /** exit ends a running container with code. */
  exit(id: string, code: number, reason?: string): void {
    const c = this.containers.get(id)!;
    if (c.info.phase !== 'running') return;
    Object.assign(c.info, { phase: 'exited', exitCode: code, reason: reason ?? (code === 0 ? 'Completed' : 'Error'), finishedAt: this.now().toISOString() });
    c.resolve({ ...c.info });
  }
  /** running returns the running container of a pod container name. */
  running(name: string): string | undefined {
    return [...this.containers.values()].find((c) => c.info.config.name === name && c.info.phase === 'running')?.info.id;
  }
  async stopContainer(id: string, graceMs: number): Promise<void> {
    this.stops.push({ id, graceMs });
    this.exit(id, 137);
  }
  waitContainer(id: string): Promise<ContainerInfo> { return this.containers.get(id)!.exited; }
  inspect(id: string): ContainerInfo | undefined { const c = this.containers.get(id); return c ? { ...c.info } : undefined; }
  listContainers(): ContainerInfo[] { return [...this.containers.values()].map((c) => ({ ...c.info })); }
  async removeContainer(): Promise<void> {}
  exec(): ExecSession {
    const out = new PassThrough(); out.end();
    return { stdin: null, stdout: out, stderr: null, resize() {}, exit: Promise.resolve(0), kill() {} };
  }
  async close(): Promise<void> {}
}
