/**
 * Resource arithmetic as kube-scheduler does it (framework.Resource, resourcehelper.PodRequests):
 * cpu in millicores, everything else in base units rounded up, pods as a count.
 */
import { parseQuantity, toMilli } from '../../apimachinery/quantity.js';
import type { Container, Pod, ResourceList } from './api.js';

/** DEFAULT_MILLI_CPU_REQUEST is what a container without a cpu request counts as when scoring (100m). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** DEFAULT_MEMORY_REQUEST is what a container without a memory request counts as when scoring (200 MiB). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

function cached(cache: Map<string, number>, q: string | number, parse: (q: string | number) => number): number {
  const k = String(q);
  let v = cache.get(k);
  if (v === undefined) {
    try { v = parse(q); } catch { v = 0; }
    // The same few quantities ("100m", "128Mi") repeat across thousands of pods.
    if (cache.size > 10_000) cache.clear();
    cache.set(k, v);
  }
  return v;
}

/** milliValue is Quantity.MilliValue (rounded up); invalid quantities count as 0 (the API server validated them). */
export function milliValue(q: string | number): number {
  return cached(milliCache, q, toMilli);
}

/** quantityValue is Quantity.Value (rounded up). */
export function quantityValue(q: string | number): number {
  return cached(valueCache, q, (x) => Math.ceil(parseQuantity(x)));
}

/** Resource is framework.Resource: compute resources of a node or a pod. */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** extended and hugepages resources by name */
  scalar: Map<string, number> | undefined;

  /** fromList builds a Resource from a ResourceList. */
  static fromList(rl: ResourceList | undefined): Resource {
    const r = new Resource();
    r.addList(rl);
    return r;
  }

  /** addList adds a ResourceList. */
  addList(rl: ResourceList | undefined): void {
    if (!rl) return;
    for (const name in rl) {
      const q = rl[name];
      if (q === undefined || q === null) continue;
      switch (name) {
        case 'cpu': this.milliCPU += milliValue(q); break;
        case 'memory': this.memory += quantityValue(q); break;
        case 'pods': this.allowedPodNumber += quantityValue(q); break;
        case 'ephemeral-storage': this.ephemeralStorage += quantityValue(q); break;
        default: this.addScalar(name, quantityValue(q));
      }
    }
  }

  /** addScalar adds to one scalar resource. */
  addScalar(name: string, v: number): void {
    this.scalar ??= new Map();
    this.scalar.set(name, (this.scalar.get(name) ?? 0) + v);
  }

  /** getScalar reads one scalar resource (0 when absent). */
  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  /** add adds another Resource (sign -1 subtracts). */
  add(o: Resource, sign = 1): void {
    this.milliCPU += sign * o.milliCPU;
    this.memory += sign * o.memory;
    this.ephemeralStorage += sign * o.ephemeralStorage;
    this.allowedPodNumber += sign * o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, sign * v);
  }

  /** setMax keeps, per resource, the larger of this and o. */
  setMax(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, o.allowedPodNumber);
    if (o.scalar) for (const [k, v] of o.scalar) this.scalar?.has(k) ? this.scalar.set(k, Math.max(this.scalar.get(k)!, v)) : this.addScalar(k, v);
  }

  /** clone copies the resource. */
  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  /** isZero is true when nothing is requested. */
  isZero(): boolean {
    if (this.milliCPU || this.memory || this.ephemeralStorage) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v) return false;
    return true;
  }
}

function containerRequests(c: Container, nonMissing: boolean): Resource {
  const r = Resource.fromList(c.resources?.requests);
  if (nonMissing) {
    const req = c.resources?.requests ?? {};
    if (req.cpu === undefined) r.milliCPU += DEFAULT_MILLI_CPU_REQUEST;
    if (req.memory === undefined) r.memory += DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * podRequests is resourcehelper.PodRequests: the sum of the app containers plus restartable (sidecar)
 * init containers, or the largest init container step if that is larger, plus the pod overhead.
 * With nonMissing, a container without a cpu/memory request counts as 100m/200Mi (scoring).
 */
export function podRequests(pod: Readonly<Pod>, nonMissing = false): Resource {
  const spec = pod.spec ?? {};
  const reqs = new Resource();
  for (const c of spec.containers ?? []) reqs.add(containerRequests(c, nonMissing));
  const restartable = new Resource();
  const initMax = new Resource();
  for (const c of spec.initContainers ?? []) {
    const cr = containerRequests(c, nonMissing);
    if (c.restartPolicy === 'Always') {
      // A sidecar runs beside the app containers and every later init container.
      reqs.add(cr);
      restartable.add(cr);
      initMax.setMax(restartable);
    } else {
      const step = cr.clone();
      step.add(restartable);
      initMax.setMax(step);
    }
  }
  reqs.setMax(initMax);
  reqs.addList(spec.overhead);
  return reqs;
}
