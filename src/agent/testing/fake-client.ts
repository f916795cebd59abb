import { PassThrough } from 'node:stream';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Client, ListResult, ResourceRef, WatchEvent } from '../../client/types.js';
import type { ContainerConfig, ContainerInfo, ExecSession, ImageInfo, Runtime } from '../../runtime/types.js';
import { ImagePullError } from '../../runtime/types.js';

/** MiniClient is a private in-memory Client for the agent's tests (no watch). */
export class MiniClient implements Client {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: { verb: string; plural: string; name?: string; body?: unknown }[] = [];
  private rv = 1;
  private key(res: ResourceRef, ns: string | undefined, name: string) { return `${res.plural}/${ns ?? ''}/${name}`; }
  put(res: ResourceRef, obj: KubeObject): void {
    this.objects.set(this.key(res, obj.metadata?.namespace, obj.metadata!.name!), structuredClone(obj));
  }
  async get<T extends KubeObject>(res: ResourceRef, ns: string | undefined, name: string): Promise<T> {
    const o = this.objects.get(this.key(res, ns, name));
    if (!o) throw new StatusError(404, 'NotFound', `${res.plural} "${name}" not found`);
    return structuredClone(o) as T;
  }
  async list<T extends KubeObject>(res: ResourceRef): Promise<ListResult<T>> {
    return { items: [...this.objects.entries()].filter(([k]) => k.startsWith(res.plural + '/')).map(([, v]) => structuredClone(v) as T), metadata: { resourceVersion: String(this.rv) } };
  }
  async create<T extends KubeObject>(res: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    this.calls.push({ verb: 'create', plural: res.plural, name: obj.metadata?.name, body: obj });
    const k = this.key(res, ns, obj.metadata!.name!);
    if (this.objects.has(k)) throw new StatusError(409, 'AlreadyExists', 'exists');
    const o = { ...obj, metadata: { ...obj.metadata, uid: obj.metadata?.uid ?? `uid-${this.rv}`, resourceVersion: String(++this.rv) } };
    this.objects.set(k, structuredClone(o));
    return o as T;
  }
  async update<T extends KubeObject>(res: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    this.calls.push({ verb: 'update', plural: res.plural, name: obj.metadata?.name, body: obj });
    this.objects.set(this.key(res, ns, obj.metadata!.name!), structuredClone(obj));
    return obj;
  }
  async updateStatus<T extends KubeObject>(res: ResourceRef, ns: string | undefined, obj: T): Promise<T> { return this.update(res, ns, obj); }
  async patch<T extends KubeObject>(res: ResourceRef, ns: string | undefined, name: string, patch: unknown, _t: string, sub?: string): Promise<T> {
    this.calls.push({ verb: `patch${sub ? '/' + sub : ''}`, plural: res.plural, name, body: patch });
    const o = await this.get<T>(res, ns, name);
    const merged = mergePatch(o, patch) as T;
    this.objects.set(this.key(res, ns, name), structuredClone(merged));
    return merged;
  }
  async delete(res: ResourceRef, ns: string | undefined, name: string, opts?: unknown): Promise<KubeObject> {
    this.calls.push({ verb: 'delete', plural: res.plural, name, body: opts });
    const o = await this.get(res, ns, name);
    this.objects.delete(this.key(res, ns, name));
    return o;
  }
  async createSubresource(): Promise<KubeObject> { throw new Error('not implemented'); }
  async replaceSubresource(): Promise<KubeObject> { throw new Error('not implemented'); }
  // eslint-disable-next-line require-yield
  async *watch<T extends KubeObject>(): AsyncIterable<WatchEvent<T>> { return; }
  /** events lists recorded Event reasons+messages. */
  events(): { reason: string; message: string; fieldPath?: string; count?: number }[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith('events/')).map(([, e]) => ({
      reason: e.reason as string, message: e.message as string, fieldPath: (e.involvedObject as { fieldPath?: string }).fieldPath, count: e.count as number,
    }));
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

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
