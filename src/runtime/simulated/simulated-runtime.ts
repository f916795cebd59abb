import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { ContainerConfig, ContainerInfo, ExecSession, ImageInfo, Runtime } from './types.js';

/**
 * SimulatedRuntime runs nothing, as KWOK does: containers go to running at once and stay there
 * until stopped (then exit 0 within the grace period, as a well-behaved process would). Used for
 * density tests with thousands of nodes; no logs, no exec.
 */
export class SimulatedRuntime implements Runtime {
  readonly scheme = 'tskube';
  readonly version = 'tskube-simulated://0.1.0';
  readonly isolation = 'simulated' as const;
  private readonly containers = new Map<string, { info: ContainerInfo; exited: Promise<ContainerInfo>; resolve: (i: ContainerInfo) => void }>();

  resolveImage(image: string): ImageInfo {
    return { image, imageID: `tskube-simulated://${image}`, entrypoint: ['sleep', 'infinity'], cmd: [] };
  }

  async createContainer(config: ContainerConfig): Promise<string> {
    const id = randomBytes(32).toString('hex');
    let resolve!: (i: ContainerInfo) => void;
    const exited = new Promise<ContainerInfo>((r) => { resolve = r; });
    this.containers.set(id, { info: { id, config, phase: 'created' }, exited, resolve });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.must(id);
    c.info.phase = 'running';
    c.info.startedAt = new Date().toISOString();
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.info.phase !== 'running') return;
    Object.assign(c.info, { phase: 'exited', exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() });
    c.resolve({ ...c.info });
  }

  waitContainer(id: string): Promise<ContainerInfo> { return this.must(id).exited; }
  inspect(id: string): ContainerInfo | undefined { const c = this.containers.get(id); return c ? { ...c.info } : undefined; }
  listContainers(): ContainerInfo[] { return [...this.containers.values()].map((c) => ({ ...c.info })); }
  async removeContainer(id: string): Promise<void> { this.containers.delete(id); }

  exec(): ExecSession {
    const out = new PassThrough();
    const err = new PassThrough();
    err.end('exec is not supported by the simulated runtime\n');
    out.end();
    return { stdin: null, stdout: out, stderr: err, resize() {}, exit: Promise.resolve(126), kill() {} };
  }

  async close(): Promise<void> {}

  private must(id: string) {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no such container: ${id}`);
    return c;
  }
}
