/**
 * Quota evaluators (pkg/quota/v1/evaluator/core and the generic object-count evaluator): what
 * one object of a resource uses, which quota resource names a resource can be constrained by, and
 * which quota scopes an object falls in. Shared by the ResourceQuota admission plugin and the
 * resource quota controller, so both count the same way.
 */
import { add, fromJSON, qty, type ResourceList, type Quantity } from './resources.js';

/** Obj is an API object read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** GroupResource names a resource. */
export interface GroupResource { group: string; resource: string }

/** ScopeSelectorRequirement is one scope of a quota (spec.scopes become `Exists` requirements). */
export interface ScopeSelectorRequirement { scopeName: string; operator: string; values?: string[] }

/** Evaluator knows how one resource is counted. */
export interface Evaluator {
  readonly groupResource: GroupResource;
  /** handles tells whether an operation changes usage ('CREATE', 'UPDATE') */
  handles(operation: string): boolean;
  /** matchingResources keeps the names (of a quota's hard list) this resource is counted under */
  matchingResources(names: string[]): string[];
  /** matchesScope tells whether an object falls in one scope requirement */
  matchesScope(scope: ScopeSelectorRequirement, obj: Obj): boolean;
  /** constraints refuses an object missing what a constraining quota needs ('' = fine) */
  constraints(required: string[], obj: Obj): string;
  /** usage is what the object uses */
  usage(obj: Obj, now: Date): ResourceList;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** objectCountName is `count/<resource>[.<group>]`. */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** scopeSelectorsOf turns a quota's spec.scopes and spec.scopeSelector into requirements. */
export function scopeSelectorsOf(quota: Obj): ScopeSelectorRequirement[] {
  const out: ScopeSelectorRequirement[] = [];
  const spec = isObj(quota.spec) ? quota.spec : {};
  if (Array.isArray(spec.scopes)) for (const s of spec.scopes) out.push({ scopeName: String(s), operator: 'Exists' });
  const exprs = isObj(spec.scopeSelector) && Array.isArray(spec.scopeSelector.matchExpressions) ? spec.scopeSelector.matchExpressions : [];
  for (const e of exprs) if (isObj(e)) out.push({ scopeName: String(e.scopeName), operator: String(e.operator), values: Array.isArray(e.values) ? e.values.map(String) : [] });
  return out;
}

/** matches is quota's generic Matches: the quota names one of the resource's names, and every scope fits. */
export function matches(ev: Evaluator, quota: Obj, obj: Obj): boolean {
  const hard = Object.keys(isObj(quota.status?.hard) ? quota.status.hard : {});
  if (ev.matchingResources(hard).length === 0) return false;
  return scopeSelectorsOf(quota).every((s) => ev.matchesScope(s, obj));
}

// ---- generic object count ----------------------------------------------------------------------

/** ObjectCountEvaluator counts objects: `count/<resource>.<group>` (and a legacy name like `secrets`). */
export class ObjectCountEvaluator implements Evaluator {
  private readonly names: string[];
  constructor(readonly groupResource: GroupResource, private readonly legacyName = '') {
    this.names = [objectCountName(groupResource), ...(legacyName ? [legacyName] : [])];
  }
  handles(op: string): boolean { return op === 'CREATE'; }
  matchingResources(names: string[]): string[] { return names.filter((n) => this.names.includes(n)); }
  matchesScope(): boolean { return false; }
  constraints(): string { return ''; }
  usage(): ResourceList {
    const out: ResourceList = new Map([[objectCountName(this.groupResource), qty(1)]]);
    if (this.legacyName) out.set(this.legacyName, qty(1));
    return out;
  }
}

// ---- pods ---------------------------------------------------------------------------------------

const POD_COMPUTE_NAMES = new Set([
  'pods', 'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);
/** VALIDATION_SET: quotas on these force every container to state them (Kubernetes' backward compatibility). */
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** isExtendedResourceName: a domain-qualified name outside kubernetes.io, not requests.* itself. */
export function isExtendedResourceName(name: string): boolean {
  if (name.startsWith('requests.')) return false;
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return !(domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io'));
}

/** podComputeUsageHelper maps requests and limits onto quota names. */
function podComputeUsageHelper(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', qty(1)]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) { out.set(r, req); out.set(`requests.${r}`, req); }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith('hugepages-')) { out.set(r, q); out.set(`requests.${r}`, q); }
    if (isExtendedResourceName(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

function maxList(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (!cur || v.nanos > cur.nanos) out.set(k, v);
  }
  return out;
}

/**
 * podResources is resourcehelper.PodRequests/PodLimits: the containers' sum (with restartable init
 * containers, sidecars, counted alongside), at least each plain init container's need at its
 * turn, plus the pod overhead.
 */
export function podResources(pod: Obj, which: 'requests' | 'limits', withOverhead = true): ResourceList {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const of = (c: Obj): ResourceList => fromJSON(c?.resources?.[which]);
  let sum: ResourceList = new Map();
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) sum = add(sum, of(c));
  let initMax: ResourceList = new Map();
  let sidecars: ResourceList = new Map();
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    if (c?.restartPolicy === 'Always') {
      sidecars = add(sidecars, of(c));
      sum = add(sum, of(c));
    } else {
      initMax = maxList(initMax, add(sidecars, of(c)));
    }
  }
  let out = maxList(sum, initMax);
  if (withOverhead && isObj(spec.overhead)) out = add(out, fromJSON(spec.overhead));
  return out;
}

/** isTerminalPod: Succeeded/Failed pods, and pods stuck deleting past their grace period, stop counting. */
export function podCountsForQuota(pod: Obj, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts && typeof grace === 'number' && now.getTime() > Date.parse(ts) + grace * 1000) return false;
  return true;
}

function isBestEffort(pod: Obj): boolean {
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const c of [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])]) {
    for (const which of ['requests', 'limits']) {
      const l = c?.resources?.[which];
      if (!isObj(l)) continue;
      for (const r of ['cpu', 'memory']) {
        const q = fromJSON({ [r]: l[r] }).get(r);
        if (q && q.nanos !== 0n) return false;
      }
    }
  }
  return true;
}

function usesCrossNamespacePodAffinity(pod: Obj): boolean {
  const aff = pod.spec?.affinity;
  if (!isObj(aff)) return false;
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = aff[kind];
    if (!isObj(a)) continue;
    const terms: Obj[] = [
      ...(Array.isArray(a.requiredDuringSchedulingIgnoredDuringExecution) ? a.requiredDuringSchedulingIgnoredDuringExecution : []),
      ...(Array.isArray(a.preferredDuringSchedulingIgnoredDuringExecution) ? a.preferredDuringSchedulingIgnoredDuringExecution.map((w: Obj) => w?.podAffinityTerm) : []),
    ];
    for (const t of terms) if (isObj(t) && ((Array.isArray(t.namespaces) && t.namespaces.length > 0) || (t.namespaceSelector !== undefined && t.namespaceSelector !== null))) return true;
  }
  return false;
}

/** podMatchesScope is podMatchesScopeFunc. */
export function podMatchesScope(scope: ScopeSelectorRequirement, pod: Obj): boolean {
  const ads = pod.spec?.activeDeadlineSeconds;
  switch (scope.scopeName) {
    case 'Terminating': return typeof ads === 'number' && ads >= 0;
    case 'NotTerminating': return !(typeof ads === 'number' && ads >= 0);
    case 'BestEffort': return isBestEffort(pod);
    case 'NotBestEffort': return !isBestEffort(pod);
    case 'CrossNamespacePodAffinity': return usesCrossNamespacePodAffinity(pod);
    case 'PriorityClass': {
      const pc = String(pod.spec?.priorityClassName ?? '');
      // The pod's class is matched as the value of a label named PriorityClass that every pod has.
      switch (scope.operator) {
        case 'Exists': return pc !== '';
        case 'DoesNotExist': return false;
        case 'In': return (scope.values ?? []).includes(pc);
        case 'NotIn': return !(scope.values ?? []).includes(pc);
        default: return false;
      }
    }
    default: return false;
  }
}

/** PodEvaluator is the pods evaluator: compute resources of pods that are not terminal, and count/pods for every pod. */
export class PodEvaluator implements Evaluator {
  readonly groupResource = { group: '', resource: 'pods' };
  handles(op: string): boolean { return op === 'CREATE'; }
  matchingResources(names: string[]): string[] {
    return names.filter((n) => POD_COMPUTE_NAMES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-')
      || (n.startsWith('requests.') && isExtendedResourceName(n.slice('requests.'.length))));
  }
  matchesScope(scope: ScopeSelectorRequirement, pod: Obj): boolean { return podMatchesScope(scope, pod); }
  constraints(required: string[], pod: Obj): string {
    const req = new Set(required.filter((r) => VALIDATION_SET.includes(r)));
    if (req.size === 0) return '';
    const missing = new Map<string, Set<string>>();
    const spec = isObj(pod.spec) ? pod.spec : {};
    for (const c of [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])]) {
      const have = podComputeUsageHelper(fromJSON(c?.resources?.requests), fromJSON(c?.resources?.limits));
      for (const r of req) {
        if (have.has(r)) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(String(c?.name ?? ''));
      }
    }
    if (missing.size === 0) return '';
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  }
  usage(pod: Obj, now: Date): ResourceList {
    let out: ResourceList = new Map([['count/pods', qty(1)]]);
    if (!podCountsForQuota(pod, now)) return out;
    out = add(out, podComputeUsageHelper(podResources(pod, 'requests'), podResources(pod, 'limits')));
    return out;
  }
}

// ---- services -----------------------------------------------------------------------------------

/** ServiceEvaluator counts services, their node ports and load balancers. */
export class ServiceEvaluator implements Evaluator {
  readonly groupResource = { group: '', resource: 'services' };
  handles(op: string): boolean { return op === 'CREATE' || op === 'UPDATE'; }
  matchingResources(names: string[]): string[] {
    return names.filter((n) => ['services', 'count/services', 'services.nodeports', 'services.loadbalancers'].includes(n));
  }
  matchesScope(): boolean { return false; }
  constraints(): string { return ''; }
  usage(svc: Obj): ResourceList {
    const out: ResourceList = new Map([['services', qty(1)], ['count/services', qty(1)]]);
    const spec = isObj(svc.spec) ? svc.spec : {};
    const ports: Obj[] = Array.isArray(spec.ports) ? spec.ports : [];
    if (spec.type === 'NodePort') out.set('services.nodeports', qty(ports.length));
    if (spec.type === 'LoadBalancer') {
      // With node port allocation turned off only explicitly chosen node ports count.
      const n = spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p?.nodePort).length : ports.length;
      out.set('services.nodeports', qty(n));
      out.set('services.loadbalancers', qty(1));
    }
    return out;
  }
}

// ---- persistent volume claims -------------------------------------------------------------------

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** pvcStorageClass is the claim's class (spec, else the beta annotation). */
function pvcStorageClass(pvc: Obj): string {
  return String(pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '');
}

/** PVCEvaluator counts claims and the storage they request, in total and per storage class. */
export class PVCEvaluator implements Evaluator {
  readonly groupResource = { group: '', resource: 'persistentvolumeclaims' };
  handles(op: string): boolean { return op === 'CREATE' || op === 'UPDATE'; }
  matchingResources(names: string[]): string[] {
    return names.filter((n) => ['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage'].includes(n)
      || (n.includes(STORAGE_CLASS_SUFFIX) && (n.endsWith('/persistentvolumeclaims') || n.endsWith('/requests.storage'))));
  }
  matchesScope(): boolean { return false; }
  constraints(): string { return ''; }
  usage(pvc: Obj): ResourceList {
    const out: ResourceList = new Map([['persistentvolumeclaims', qty(1)], ['count/persistentvolumeclaims', qty(1)]]);
    const cls = pvcStorageClass(pvc);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, qty(1));
    const storage: Quantity | undefined = fromJSON(pvc.spec?.resources?.requests).get('storage');
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  }
}

// ---- registry -----------------------------------------------------------------------------------

const LEGACY: Record<string, string> = {
  configmaps: 'configmaps', secrets: 'secrets', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas',
};

/** evaluatorFor returns the evaluator of a resource; any resource without its own is counted as objects. */
export function evaluatorFor(gr: GroupResource): Evaluator {
  if (gr.group === '') {
    if (gr.resource === 'pods') return new PodEvaluator();
    if (gr.resource === 'services') return new ServiceEvaluator();
    if (gr.resource === 'persistentvolumeclaims') return new PVCEvaluator();
    if (LEGACY[gr.resource]) return new ObjectCountEvaluator(gr, LEGACY[gr.resource]);
  }
  return new ObjectCountEvaluator(gr);
}

/** usageOf sums the usage of the objects that fall in a quota's scopes, masked to the names the quota lists. */
export function usageOf(ev: Evaluator, quota: Obj, items: Obj[], names: string[], now: Date): ResourceList {
  const scopes = scopeSelectorsOf(quota);
  const wanted = new Set(ev.matchingResources(names));
  let total: ResourceList = new Map();
  for (const n of wanted) total.set(n, qty(0));
  if (wanted.size === 0) return total;
  for (const item of items) {
    if (!scopes.every((s) => ev.matchesScope(s, item))) continue;
    const u = ev.usage(item, now);
    const masked: ResourceList = new Map([...u].filter(([k]) => wanted.has(k)));
    total = add(total, masked);
  }
  return total;
}
