/**
 * NodeInfo is a node with everything its pods use (framework.NodeInfo): requested resources (as
 * requested and with the scoring defaults), host ports, pods with affinity, images. The cache
 * keeps one per node and updates it incrementally; each scheduling cycle reads a snapshot.
 */
import type { Node, Pod, Taint } from './api.js';
import type { PodInfo } from './pod-info.js';
import { Resource } from './resource.js';

let generation = 0;
/** nextGeneration is a process-wide counter: a NodeInfo changed later has a higher generation. */
export function nextGeneration(): number {
  return ++generation;
}

const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';
const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const LABEL_ZONE = 'topology.kubernetes.io/zone';

/** MAX_MEMO_ENTRIES bounds one NodeInfo generation's memo (beyond it the memo starts over). */
const MAX_MEMO_ENTRIES = 32;
/** MAX_MEMO_KEYS bounds memoKeyId's table (a new table hands out new ids, never an old one). */
const MAX_MEMO_KEYS = 10_000;
let memoKeyIds = new Map<string, number>();
let lastMemoKeyId = 0;

/**
 * memoKeyId is the small integer that stands for a memo key: plugins work it out once per cycle,
 * and the per-node lookups compare integers instead of hashing and comparing strings. Ids are
 * never reused, so a memo entry can never be read back under another key.
 */
export function memoKeyId(key: string): number {
  let id = memoKeyIds.get(key);
  if (id === undefined) {
    if (memoKeyIds.size >= MAX_MEMO_KEYS) memoKeyIds = new Map();
    id = ++lastMemoKeyId;
    memoKeyIds.set(key, id);
  }
  return id;
}

/**
 * HostPortInfo is the (ip, protocol, port) triples used on a node (framework.HostPortInfo);
 * 0.0.0.0 conflicts with every address.
 */
export class HostPortInfo {
  private readonly byIP = new Map<string, Set<string>>();

  private static sanitize(ip: string | undefined, protocol: string | undefined): [string, string] {
    return [ip || DEFAULT_BIND_ALL_HOST_IP, protocol || 'TCP'];
  }

  /** add records a used port. */
  add(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    let s = this.byIP.get(i);
    if (!s) this.byIP.set(i, (s = new Set()));
    s.add(`${p}/${port}`);
  }

  /** remove forgets a used port. */
  remove(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    const s = this.byIP.get(i);
    if (!s) return;
    s.delete(`${p}/${port}`);
    if (!s.size) this.byIP.delete(i);
  }

  /** checkConflict tells whether (ip, protocol, port) is taken, 0.0.0.0 counting as every address. */
  checkConflict(ip: string | undefined, protocol: string | undefined, port: number): boolean {
    if (port <= 0) return false;
    const [i, p] = HostPortInfo.sanitize(ip, protocol);
    const pp = `${p}/${port}`;
    if (i === DEFAULT_BIND_ALL_HOST_IP) {
      for (const s of this.byIP.values()) if (s.has(pp)) return true;
      return false;
    }
    return !!(this.byIP.get(DEFAULT_BIND_ALL_HOST_IP)?.has(pp) || this.byIP.get(i)?.has(pp));
  }

  /** size is the number of used triples. */
  get size(): number {
    let n = 0;
    for (const s of this.byIP.values()) n += s.size;
    return n;
  }

  /** clone copies the set. */
  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, s] of this.byIP) c.byIP.set(ip, new Set(s));
    return c;
  }
}

// Positions in NodeInfo.hot.
const PODS = 0;
const ALLOC_MILLI_CPU = 1;
const ALLOC_MEMORY = 2;
const ALLOC_EPHEMERAL = 3;
const ALLOWED_PODS = 4;
const REQ_MILLI_CPU = 5;
const REQ_MEMORY = 6;
const REQ_EPHEMERAL = 7;
const NON_ZERO_MILLI_CPU = 8;
const NON_ZERO_MEMORY = 9;
/** the slots copyFrom copies (the memo's are the copy's own) */
const HOT_RESOURCES = 10;
// The memo's first entries live in hot too (the lines Fit's filter just read), the rest in memo.
const MEMO_GENERATION = 10;
const MEMO_INLINE_COUNT = 11;
const MEMO_INLINE = 12;
/** MEMO_INLINE_ENTRIES is how many memo entries hot holds. */
const MEMO_INLINE_ENTRIES = 8;
const HOT_SIZE = MEMO_INLINE + 2 * MEMO_INLINE_ENTRIES;

/** ImageStateSummary is an image's size and how many nodes hold it (ImageLocality). */
export interface ImageStateSummary { size: number; numNodes: number }

/** NodeInfo is one node's aggregated scheduling state. */
export class NodeInfo {
  node: Readonly<Node> | undefined;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  /** sum of the pods' requests */
  requested = new Resource();
  /** the same with 100m/200Mi for containers that request nothing (scoring) */
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  /** images on the node (normalized names) with cluster-wide counts, filled by the cache */
  imageStates = new Map<string, ImageStateSummary>();
  /** PVCs used by the node's pods: namespace/claim → count */
  pvcRefCounts = new Map<string, number>();
  generation = nextGeneration();
  /**
   * results plugins derived from this generation's pods (memoized) beyond the first
   * MEMO_INLINE_ENTRIES (those are in hot), as [id, value, id, value…]: it is read for hundreds of
   * nodes per cycle, so flat arrays of numbers rather than a Map behind another object
   */
  private memo: number[] = [];

  constructor(...pods: PodInfo[]) {
    for (const p of pods) this.addPodInfo(p);
  }

  private nodeName = '';
  // The Node's fields Filter and Score read for every node of every cycle, taken out of the
  // object once per node change (one load from the NodeInfo instead of a chain through the Node).
  private nodeLabels: Record<string, string> = EMPTY;
  private nodeTaints: readonly Taint[] | undefined;
  private nodeUnschedulable = false;
  private nodeReportsAllocatable = false;
  private nodeHostname: string | undefined;
  private nodeZone: string | undefined;
  /**
   * The numbers NodeResourcesFit and BalancedAllocation read for every node of every cycle (pod
   * count; allocatable, requested and non-zero requested cpu, memory, storage, pods), also kept in
   * the Resource objects: one flat array of unboxed doubles is a cache line or two, where the
   * Resources are three objects with a boxed number each for memory. A cycle reads hundreds of
   * nodes that the rest of the process pushed out of the CPU caches since the last one.
   */
  private readonly hot = new Float64Array(HOT_SIZE).fill(-1, MEMO_GENERATION, MEMO_GENERATION + 1);

  /** name is the node's name ('' for a node the cache knows only through its pods). */
  get name(): string {
    return this.nodeName;
  }

  /** labels are the node's labels. */
  get labels(): Record<string, string> {
    return this.nodeLabels;
  }

  /** taints are the node's spec.taints (undefined when it has none, or no Node). */
  get taints(): readonly Taint[] | undefined {
    return this.nodeTaints;
  }

  /** unschedulable is the node's spec.unschedulable (cordoned). */
  get unschedulable(): boolean {
    return this.nodeUnschedulable;
  }

  /** reportsAllocatable is true when the Node has status.allocatable. */
  get reportsAllocatable(): boolean {
    return this.nodeReportsAllocatable;
  }

  /** hostname is the node's kubernetes.io/hostname label (undefined without it). */
  get hostname(): string | undefined {
    return this.nodeHostname;
  }

  /** zone is the node's topology.kubernetes.io/zone label (undefined without it). */
  get zone(): string | undefined {
    return this.nodeZone;
  }

  /**
   * topologyValue is the node's label key: the hostname and zone, which every pod of a controller
   * spreads over by default, without a trip to the labels object.
   */
  topologyValue(key: string): string | undefined {
    if (key === LABEL_HOSTNAME) return this.nodeHostname;
    if (key === LABEL_ZONE) return this.nodeZone;
    return this.nodeLabels[key];
  }

  /** podCount is pods.length. */
  get podCount(): number { return this.hot[PODS]; }
  /** allocatableMilliCPU is allocatable.milliCPU. */
  get allocatableMilliCPU(): number { return this.hot[ALLOC_MILLI_CPU]; }
  /** allocatableMemory is allocatable.memory. */
  get allocatableMemory(): number { return this.hot[ALLOC_MEMORY]; }
  /** allocatableEphemeralStorage is allocatable.ephemeralStorage. */
  get allocatableEphemeralStorage(): number { return this.hot[ALLOC_EPHEMERAL]; }
  /** allowedPodNumber is allocatable.allowedPodNumber. */
  get allowedPodNumber(): number { return this.hot[ALLOWED_PODS]; }
  /** requestedMilliCPU is requested.milliCPU. */
  get requestedMilliCPU(): number { return this.hot[REQ_MILLI_CPU]; }
  /** requestedMemory is requested.memory. */
  get requestedMemory(): number { return this.hot[REQ_MEMORY]; }
  /** requestedEphemeralStorage is requested.ephemeralStorage. */
  get requestedEphemeralStorage(): number { return this.hot[REQ_EPHEMERAL]; }
  /** nonZeroMilliCPU is nonZeroRequested.milliCPU. */
  get nonZeroMilliCPU(): number { return this.hot[NON_ZERO_MILLI_CPU]; }
  /** nonZeroMemory is nonZeroRequested.memory. */
  get nonZeroMemory(): number { return this.hot[NON_ZERO_MEMORY]; }

  private syncAllocatable(): void {
    const h = this.hot;
    const a = this.allocatable;
    h[ALLOC_MILLI_CPU] = a.milliCPU;
    h[ALLOC_MEMORY] = a.memory;
    h[ALLOC_EPHEMERAL] = a.ephemeralStorage;
    h[ALLOWED_PODS] = a.allowedPodNumber;
  }

  private syncRequested(): void {
    const h = this.hot;
    const r = this.requested;
    h[PODS] = this.pods.length;
    h[REQ_MILLI_CPU] = r.milliCPU;
    h[REQ_MEMORY] = r.memory;
    h[REQ_EPHEMERAL] = r.ephemeralStorage;
    h[NON_ZERO_MILLI_CPU] = this.nonZeroRequested.milliCPU;
    h[NON_ZERO_MEMORY] = this.nonZeroRequested.memory;
  }

  /** setNode sets (or replaces) the Node object. */
  setNode(node: Readonly<Node>): void {
    this.node = node;
    this.nodeName = node.metadata?.name ?? '';
    this.nodeLabels = node.metadata?.labels ?? EMPTY;
    this.nodeTaints = node.spec?.taints?.length ? node.spec.taints : undefined;
    this.nodeUnschedulable = !!node.spec?.unschedulable;
    this.nodeReportsAllocatable = !!node.status?.allocatable;
    this.nodeHostname = this.nodeLabels[LABEL_HOSTNAME];
    this.nodeZone = this.nodeLabels[LABEL_ZONE];
    this.allocatable = Resource.fromList(node.status?.allocatable);
    this.syncAllocatable();
    this.generation = nextGeneration();
  }

  /** removeNode drops the Node object; the pods stay until they are removed (a ghost NodeInfo). */
  removeNode(): void {
    this.node = undefined;
    this.nodeName = '';
    this.nodeLabels = EMPTY;
    this.nodeTaints = undefined;
    this.nodeUnschedulable = false;
    this.nodeReportsAllocatable = false;
    this.nodeHostname = undefined;
    this.nodeZone = undefined;
    this.generation = nextGeneration();
  }

  /** addPodInfo adds a pod's usage. */
  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pi);
    this.update(pi, 1);
  }

  /** removePod removes a pod's usage; false when the pod was not on this node. */
  removePod(pod: Readonly<Pod>): boolean {
    const uid = podKey(pod);
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return false;
    const pi = this.pods[i];
    // Order does not matter to any plugin: swap-remove keeps it O(1).
    this.pods[i] = this.pods[this.pods.length - 1];
    this.pods.pop();
    removeFrom(this.podsWithAffinity, uid);
    removeFrom(this.podsWithRequiredAntiAffinity, uid);
    this.update(pi, -1);
    return true;
  }

  private update(pi: PodInfo, sign: 1 | -1): void {
    this.requested.add(pi.requests, sign);
    const nz = pi.nonZeroRequests;
    this.nonZeroRequested.milliCPU += sign * nz.milliCPU;
    this.nonZeroRequested.memory += sign * nz.memory;
    for (const p of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(p.hostIP, p.protocol, p.hostPort ?? 0);
      else this.usedPorts.remove(p.hostIP, p.protocol, p.hostPort ?? 0);
    }
    for (const v of pi.pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const k = `${pi.namespace}/${claim}`;
      const n = (this.pvcRefCounts.get(k) ?? 0) + sign;
      if (n > 0) this.pvcRefCounts.set(k, n);
      else this.pvcRefCounts.delete(k);
    }
    this.syncRequested();
    this.generation = nextGeneration();
  }

  /**
   * memoized returns what memoize stored under id (memoKeyId's) for this generation: for plugins
   * that derive a number from the node's pods on every cycle (PodTopologySpread's matching-pod
   * counts). Every change of the node or its pods makes a new generation, so a result is never
   * stale.
   */
  memoized(id: number): number | undefined {
    const h = this.hot;
    if (h[MEMO_GENERATION] !== this.generation) return undefined;
    const n = h[MEMO_INLINE_COUNT];
    for (let k = 0; k < n; k++) if (h[MEMO_INLINE + 2 * k] === id) return h[MEMO_INLINE + 2 * k + 1];
    if (n < MEMO_INLINE_ENTRIES) return undefined;
    const m = this.memo;
    for (let i = 0; i < m.length; i += 2) if (m[i] === id) return m[i + 1];
    return undefined;
  }

  /** memoize stores a result derived from this generation (see memoized). */
  memoize(id: number, value: number): void {
    const h = this.hot;
    const m = this.memo;
    if (h[MEMO_GENERATION] !== this.generation || m.length >= 2 * (MAX_MEMO_ENTRIES - MEMO_INLINE_ENTRIES)) {
      h[MEMO_GENERATION] = this.generation;
      h[MEMO_INLINE_COUNT] = 0;
      m.length = 0;
    }
    const n = h[MEMO_INLINE_COUNT];
    if (n < MEMO_INLINE_ENTRIES) {
      h[MEMO_INLINE + 2 * n] = id;
      h[MEMO_INLINE + 2 * n + 1] = value;
      h[MEMO_INLINE_COUNT] = n + 1;
      return;
    }
    m.push(id, value);
  }

  /** snapshot copies the NodeInfo (the pods are shared: PodInfos are immutable once built). */
  snapshot(): NodeInfo {
    const c = new NodeInfo();
    c.copyFrom(this);
    return c;
  }

  /** copyFrom makes this NodeInfo a copy of o (keeps this object's identity for the snapshot's lists). */
  copyFrom(o: NodeInfo): void {
    this.node = o.node;
    this.nodeName = o.nodeName;
    this.nodeLabels = o.nodeLabels;
    this.nodeTaints = o.nodeTaints;
    this.nodeUnschedulable = o.nodeUnschedulable;
    this.nodeReportsAllocatable = o.nodeReportsAllocatable;
    this.nodeHostname = o.nodeHostname;
    this.nodeZone = o.nodeZone;
    this.pods = o.pods.slice();
    this.podsWithAffinity = o.podsWithAffinity.slice();
    this.podsWithRequiredAntiAffinity = o.podsWithRequiredAntiAffinity.slice();
    this.usedPorts = o.usedPorts.clone();
    this.requested = o.requested.clone();
    this.nonZeroRequested = o.nonZeroRequested.clone();
    this.allocatable = o.allocatable.clone();
    this.hot.set(o.hot.subarray(0, HOT_RESOURCES));
    this.imageStates = o.imageStates;
    this.pvcRefCounts = new Map(o.pvcRefCounts);
    this.generation = o.generation;
  }
}

const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;

function removeFrom(list: PodInfo[], uid: string): void {
  const i = list.findIndex((p) => p.uid === uid);
  if (i >= 0) list.splice(i, 1);
}

/** podKey is the cache key of a pod: its UID (namespace/name for objects without one, as in tests). */
export function podKey(pod: Readonly<Pod>): string {
  const md = pod.metadata ?? {};
  return md.uid || `${md.namespace ?? ''}/${md.name ?? ''}`;
}
