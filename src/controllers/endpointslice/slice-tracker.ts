/**
 * SliceTracker is upstream's endpointSliceTracker: it remembers the slices this controller wrote
 * (name → resourceVersion) and deleted, so a sync that runs before the informer has seen those
 * writes knows its cache is stale and retries instead of writing again (a duplicate slice).
 */
import type { KubeObject } from '../../api/resource.js';

const rv = (s: Readonly<KubeObject>): number => Number(s.metadata?.resourceVersion ?? 0);

/** SliceTracker tracks the controller's own slice writes per Service key. */
export class SliceTracker {
  private readonly generations = new Map<string, Map<string, number>>();

  /** written records a create or update the API answered with s. */
  written(serviceKey: string, s: Readonly<KubeObject>): void {
    this.forService(serviceKey).set(s.metadata?.name ?? '', rv(s));
  }

  /** deleted records a delete (-1: the slice must be gone from the cache). */
  deleted(serviceKey: string, s: Readonly<KubeObject>): void {
    this.forService(serviceKey).set(s.metadata?.name ?? '', -1);
  }

  /** expected reports whether the cache event for s is one of the controller's own writes. */
  expected(s: Readonly<KubeObject>): boolean {
    const svc = s.metadata?.labels?.['kubernetes.io/service-name'];
    const want = this.generations.get(`${s.metadata?.namespace}/${svc}`)?.get(s.metadata?.name ?? '');
    return want !== undefined && want === rv(s);
  }

  /**
   * observedDeletion forgets a slice the cache saw deleted; true when the controller deleted it
   * itself (else someone else did, and the Service needs a sync).
   */
  observedDeletion(s: Readonly<KubeObject>): boolean {
    const m = this.generations.get(`${s.metadata?.namespace}/${s.metadata?.labels?.['kubernetes.io/service-name']}`);
    const want = m?.get(s.metadata?.name ?? '');
    m?.delete(s.metadata?.name ?? '');
    return want === -1;
  }

  /** stale reports whether the cached slices lag behind the controller's writes; satisfied entries are dropped. */
  stale(serviceKey: string, cached: readonly Readonly<KubeObject>[]): boolean {
    const m = this.generations.get(serviceKey);
    if (!m) return false;
    const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', s]));
    let stale = false;
    for (const [name, want] of m) {
      const s = byName.get(name);
      if (want === -1) {
        if (s) stale = true;
        else m.delete(name);
      } else if (!s || rv(s) < want) {
        stale = true;
      } else {
        m.delete(name);
      }
    }
    return stale;
  }

  /** deleteService forgets a Service. */
  deleteService(serviceKey: string): void {
    this.generations.delete(serviceKey);
  }

  private forService(key: string): Map<string, number> {
    let m = this.generations.get(key);
    if (!m) this.generations.set(key, (m = new Map()));
    return m;
  }
}
