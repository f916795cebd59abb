/**
 * LimitRanger is kube-apiserver's LimitRanger admission plugin (plugin/pkg/admission/limitranger):
 * mutating, it gives a new pod's containers the `default` limits and `defaultRequest` requests of
 * the namespace's Container-type LimitRanges (and says so in the kubernetes.io/limit-ranger
 * annotation); validating, it enforces min, max and maxLimitRequestRatio per Container and per Pod,
 * and min/max storage per PersistentVolumeClaim, with Kubernetes' Forbidden messages.
 */
import type { KubeObject } from '../../api/resource.js';
import { forbidden } from '../../apimachinery/errors.js';
import { toMilli } from '../../apimachinery/quantity.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';
import { podResources } from '../quota/evaluators.js';
import { formatQty, fromJSON, type ResourceList } from '../quota/resources.js';

/** LIMIT_RANGER_ANNOTATION records which defaults the plugin filled in. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LimitRangerDeps: the LimitRange store is read through storeFor. */
export interface LimitRangerDeps {
  storeFor(group: string, version: string, plural: string): unknown;
}

interface LimitRangeStore { list(namespace: string | undefined): Promise<{ items: KubeObject[] }> }

/** LimitRanger applies and enforces the namespace's LimitRanges on pods and claims. */
export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';
  constructor(private readonly deps: LimitRangerDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE' || op === 'UPDATE'; }

  /** supports is SupportsAttributes: pods on create (their containers cannot change later) and claims. */
  private supports(attrs: AdmissionAttributes): boolean {
    if (attrs.subresource !== '' || attrs.def.group !== '' || !attrs.object || !attrs.namespace) return false;
    if (attrs.def.plural === 'pods') return attrs.operation === 'CREATE';
    return attrs.def.plural === 'persistentvolumeclaims';
  }

  private async limitRanges(ns: string): Promise<KubeObject[]> {
    const store = this.deps.storeFor('', 'v1', 'limitranges') as LimitRangeStore;
    return (await store.list(ns)).items;
  }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (!this.supports(attrs) || attrs.def.plural !== 'pods') return;
    for (const lr of await this.limitRanges(attrs.namespace)) podMutateLimit(lr, attrs.object!);
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    if (!this.supports(attrs)) return;
    const errs: string[] = [];
    for (const lr of await this.limitRanges(attrs.namespace)) {
      errs.push(...(attrs.def.plural === 'pods' ? podValidateLimit(lr, attrs.object!) : pvcValidateLimit(lr, attrs.object!)));
    }
    if (errs.length === 0) return;
    const unique = [...new Set(errs)];
    const name = attrs.object?.metadata?.name || attrs.object?.metadata?.generateName || attrs.name || 'Unknown';
    throw forbidden({ group: '', resource: attrs.def.plural }, name, unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`);
  }
}

function items(lr: KubeObject): Obj[] {
  const limits = (lr.spec as Obj | undefined)?.limits;
  return Array.isArray(limits) ? limits.filter(isObj) : [];
}

/** defaultContainerResourceRequirements collects the Container-type defaults of one LimitRange. */
function defaultContainerResources(lr: KubeObject): { requests: Obj; limits: Obj } {
  const requests: Obj = {};
  const limits: Obj = {};
  for (const item of items(lr)) {
    if (item.type !== 'Container') continue;
    if (isObj(item.defaultRequest)) Object.assign(requests, item.defaultRequest);
    if (isObj(item.default)) Object.assign(limits, item.default);
  }
  return { requests, limits };
}

function mergeContainerResources(c: Obj, defaults: { requests: Obj; limits: Obj }, prefix: string, notes: string[]): void {
  const res: Obj = isObj(c.resources) ? c.resources : {};
  const set = { requests: [] as string[], limits: [] as string[] };
  for (const which of ['limits', 'requests'] as const) {
    const list: Obj = isObj(res[which]) ? res[which] : {};
    for (const [k, v] of Object.entries(defaults[which])) {
      if (list[k] !== undefined) continue;
      list[k] = v;
      set[which].push(k);
    }
    if (Object.keys(list).length) res[which] = list;
  }
  if (Object.keys(res).length) c.resources = res;
  if (set.requests.length) notes.push(`${set.requests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (set.limits.length) notes.push(`${set.limits.sort().join(', ')} limit for ${prefix} ${c.name}`);
}

/** podMutateLimit is PodMutateLimitFunc: Container defaults into every container and init container. */
export function podMutateLimit(lr: KubeObject, pod: KubeObject): void {
  const defaults = defaultContainerResources(lr);
  if (!Object.keys(defaults.requests).length && !Object.keys(defaults.limits).length) return;
  const spec: Obj = isObj(pod.spec) ? pod.spec : {};
  const notes: string[] = [];
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) if (isObj(c)) mergeContainerResources(c, defaults, 'container', notes);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) if (isObj(c)) mergeContainerResources(c, defaults, 'init container', notes);
  if (notes.length) {
    const meta = (pod.metadata ??= {});
    meta.annotations = { ...(meta.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
}

function sortedEntries(list: unknown): [string, string][] {
  return isObj(list) ? Object.keys(list).sort().map((k) => [k, String(list[k])]) : [];
}

/** shown prints a quantity as Quantity.String() does. */
function shown(v: string): string {
  const q = fromJSON({ v }).get('v');
  return q ? formatQty(q) : v;
}

function minConstraint(type: string, name: string, enforced: string, requests: ResourceList, limits: ResourceList): string | undefined {
  const e = fromJSON({ e: enforced }).get('e');
  if (!e) return undefined;
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req) return `minimum ${name} usage per ${type} is ${shown(enforced)}.  No request is specified`;
  if (req.nanos < e.nanos) return `minimum ${name} usage per ${type} is ${shown(enforced)}, but request is ${formatQty(req)}`;
  if (lim && lim.nanos < e.nanos) return `minimum ${name} usage per ${type} is ${shown(enforced)}, but limit is ${formatQty(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: string, requests: ResourceList, limits: ResourceList): string | undefined {
  const e = fromJSON({ e: enforced }).get('e');
  if (!e) return undefined;
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!lim) return `maximum ${name} usage per ${type} is ${shown(enforced)}.  No limit is specified`;
  if (lim.nanos > e.nanos) return `maximum ${name} usage per ${type} is ${shown(enforced)}, but limit is ${formatQty(lim)}`;
  if (req && req.nanos > e.nanos) return `maximum ${name} usage per ${type} is ${shown(enforced)}, but request is ${formatQty(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: string, requests: ResourceList): string | undefined {
  const e = fromJSON({ e: enforced }).get('e');
  if (!e) return undefined;
  const req = requests.get(name);
  if (!req) return `maximum ${name} usage per ${type} is ${shown(enforced)}.  No request is specified`;
  if (req.nanos > e.nanos) return `maximum ${name} usage per ${type} is ${shown(enforced)}, but request is ${formatQty(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: string, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req || req.nanos === 0n) return `${name} max limit to request ratio per ${type} is ${shown(enforced)}, but no request is specified or request is 0`;
  if (!lim || lim.nanos === 0n) return `${name} max limit to request ratio per ${type} is ${shown(enforced)}, but no limit is specified or limit is 0`;
  const observed = toMilli(formatQty(lim)) / toMilli(formatQty(req));
  const max = toMilli(enforced) / 1000;
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${shown(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

function checkAll(item: Obj, type: string, requests: ResourceList, limits: ResourceList, out: string[]): void {
  for (const [k, v] of sortedEntries(item.min)) { const m = minConstraint(type, k, v, requests, limits); if (m) out.push(m); }
  for (const [k, v] of sortedEntries(item.max)) { const m = maxConstraint(type, k, v, requests, limits); if (m) out.push(m); }
  for (const [k, v] of sortedEntries(item.maxLimitRequestRatio)) { const m = ratioConstraint(type, k, v, requests, limits); if (m) out.push(m); }
}

/** podValidateLimit is PodValidateLimitFunc: its messages, one per violated constraint. */
export function podValidateLimit(lr: KubeObject, pod: KubeObject): string[] {
  const out: string[] = [];
  const spec: Obj = isObj(pod.spec) ? pod.spec : {};
  for (const item of items(lr)) {
    if (item.type === 'Container') {
      for (const c of [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])]) {
        if (!isObj(c)) continue;
        checkAll(item, 'Container', fromJSON(c.resources?.requests), fromJSON(c.resources?.limits), out);
      }
    }
    if (item.type === 'Pod') checkAll(item, 'Pod', podResources(pod, 'requests', false), podResources(pod, 'limits', false), out);
  }
  return out;
}

/** pvcValidateLimit is PersistentVolumeClaimValidateLimitFunc: min and max against the claim's requests. */
export function pvcValidateLimit(lr: KubeObject, pvc: KubeObject): string[] {
  const out: string[] = [];
  const requests = fromJSON((pvc.spec as Obj | undefined)?.resources?.requests);
  for (const item of items(lr)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of sortedEntries(item.min)) { const m = minConstraint('PersistentVolumeClaim', k, v, requests, new Map()); if (m) out.push(m); }
    for (const [k, v] of sortedEntries(item.max)) { const m = maxRequestConstraint('PersistentVolumeClaim', k, v, requests); if (m) out.push(m); }
  }
  return out;
}
