import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Client, ListResult, ResourceRef, WatchEvent } from '../types.js';
import { applyStrategicMergePatch } from '../../apimachinery/patch/strategic.js';
import { patchSchemaFor } from '../../apimachinery/patch/schema.js';

/**
 * FakeClient is an in-memory Client for unit tests of components (agent, controllers): objects by
 * resource/namespace/name, every write recorded in `calls`, merge and strategic merge patches applied, 404/409 as the
 * API server answers them. It has no watch and no defaulting or validation: tests that need the real
 * API semantics use startTestCluster (src/testing/test-cluster.ts) instead.
 */
export class FakeClient implements Client {
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
  async list<T extends KubeObject>(res: ResourceRef, ns?: string): Promise<ListResult<T>> {
    const prefix = ns ? `${res.plural}/${ns}/` : `${res.plural}/`;
    return { items: [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => structuredClone(v) as T), metadata: { resourceVersion: String(this.rv) } };
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
  async patch<T extends KubeObject>(res: ResourceRef, ns: string | undefined, name: string, patch: unknown, type: string, sub?: string): Promise<T> {
    this.calls.push({ verb: `patch${sub ? '/' + sub : ''}`, plural: res.plural, name, body: patch });
    const o = await this.get<T>(res, ns, name);
    // strategic merge with the object's kind's schema, as the API server applies it
    const merged = (type === 'strategic' && o.kind ? applyStrategicMergePatch(o, patch, patchSchemaFor(res.group, o.kind)) : mergePatch(o, patch)) as T;
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
