import type { KubeObject } from '../api/resource.js';
import { labelSelectorFromSpec, matchesLabels } from '../apimachinery/labels.js';
import { toMilli, parseQuantity } from '../apimachinery/quantity.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

/** NodeInfo is a node with what its bound pods request. */
export interface NodeInfo {
  node: KubeObject;
  pods: KubeObject[];
  requested: { milliCPU: number; memory: number; pods: number };
}

/** Reasons, worded as kube-scheduler words them. */
export const Reasons = {
  nodeName: "node(s) didn't match the requested node name",
  unschedulable: 'node(s) were unschedulable',
  affinity: "node(s) didn't match Pod's node affinity/selector",
  podAffinity: "node(s) didn't match pod affinity rules",
  podAntiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
  pods: 'Too many pods',
} as const;

/** podRequests sums the containers' requests (init containers count as their max), as the fit plugin does. */
export function podRequests(pod: KubeObject): { milliCPU: number; memory: number } {
  const spec = (pod as Any).spec ?? {};
  let cpu = 0;
  let mem = 0;
  for (const c of spec.containers ?? []) {
    const r = c.resources?.requests ?? {};
    if (r.cpu !== undefined) cpu += toMilli(r.cpu);
    if (r.memory !== undefined) mem += parseQuantity(r.memory);
  }
  for (const c of spec.initContainers ?? []) {
    const r = c.resources?.requests ?? {};
    if (r.cpu !== undefined) cpu = Math.max(cpu, toMilli(r.cpu));
    if (r.memory !== undefined) mem = Math.max(mem, parseQuantity(r.memory));
  }
  return { milliCPU: cpu, memory: mem };
}

function nodeLabels(n: NodeInfo): Record<string, string> {
  return n.node.metadata?.labels ?? {};
}

function tolerates(tolerations: Any[], taint: Any): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** matchNodeSelectorTerm: In, NotIn, Exists, DoesNotExist, Gt, Lt over node labels (and metadata.name fields). */
function matchTerm(term: Any, labels: Record<string, string>, nodeName: string): boolean {
  const exprs: Any[] = term.matchExpressions ?? [];
  const fields: Any[] = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const check = (e: Any, value: string | undefined) => {
    const has = value !== undefined;
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(value);
      case 'NotIn': return !has || !(e.values ?? []).includes(value);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      case 'Gt': return has && Number(value) > Number(e.values?.[0]);
      case 'Lt': return has && Number(value) < Number(e.values?.[0]);
      default: return false;
    }
  };
  return exprs.every((e) => check(e, labels[e.key])) && fields.every((f) => check(f, f.key === 'metadata.name' ? nodeName : undefined));
}

function podMatchesTerm(term: Any, candidate: KubeObject, podNs: string): boolean {
  const namespaces: string[] = term.namespaces?.length ? term.namespaces : [podNs];
  if (!namespaces.includes(candidate.metadata?.namespace ?? '')) return false;
  return matchesLabels(labelSelectorFromSpec(term.labelSelector), candidate.metadata?.labels);
}

function topologyValue(n: NodeInfo, key: string): string | undefined {
  return nodeLabels(n)[key] ?? (key === 'kubernetes.io/hostname' ? n.node.metadata?.name : undefined);
}

/** CycleState is what one scheduling cycle computes once for all nodes (upstream's PreFilter state). */
export interface CycleState {
  /** bound pods that carry required anti-affinity terms (usually none) */
  withRequiredAntiAffinity: { info: NodeInfo; pod: KubeObject }[];
}

/** newCycleState precomputes the cycle's shared state from the snapshot. */
export function newCycleState(all: NodeInfo[]): CycleState {
  const withRequiredAntiAffinity: CycleState['withRequiredAntiAffinity'] = [];
  for (const info of all) {
    for (const pod of info.pods) {
      if ((pod as Any).spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) withRequiredAntiAffinity.push({ info, pod });
    }
  }
  return { withRequiredAntiAffinity };
}

/**
 * filter returns undefined when the pod fits the node, else the reason (the first failing
 * filter, in kube-scheduler's plugin order).
 */
export function filter(pod: KubeObject, n: NodeInfo, all: NodeInfo[], cycle: CycleState = newCycleState(all)): string | undefined {
  const spec = (pod as Any).spec ?? {};
  const node = n.node as Any;
  const name = node.metadata?.name as string;
  if (spec.nodeName && spec.nodeName !== name) return Reasons.nodeName;
  if (node.spec?.unschedulable && !(spec.tolerations ?? []).some((t: Any) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule')) return Reasons.unschedulable;
  const labels = nodeLabels(n);
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return Reasons.affinity;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Any[] | undefined;
  if (required && !required.some((t) => matchTerm(t, labels, name))) return Reasons.affinity;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerates(spec.tolerations ?? [], taint)) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  const alloc = node.status?.allocatable ?? {};
  const req = podRequests(pod);
  const fails: string[] = [];
  if (alloc.pods !== undefined && n.requested.pods + 1 > Number(alloc.pods)) fails.push(Reasons.pods);
  if (req.milliCPU && alloc.cpu !== undefined && n.requested.milliCPU + req.milliCPU > toMilli(alloc.cpu)) fails.push(Reasons.cpu);
  if (req.memory && alloc.memory !== undefined && n.requested.memory + req.memory > parseQuantity(alloc.memory)) fails.push(Reasons.memory);
  if (fails.length) return fails.join('|');
  const ns = pod.metadata?.namespace ?? 'default';
  // Existing pods' required anti-affinity against this pod.
  for (const { info: other, pod: p } of cycle.withRequiredAntiAffinity) {
    for (const term of (p as Any).spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution) {
      if (!podMatchesTerm(term, pod, p.metadata?.namespace ?? '')) continue;
      const tv = topologyValue(other, term.topologyKey);
      if (tv !== undefined && tv === topologyValue(n, term.topologyKey)) return Reasons.existingAntiAffinity;
    }
  }
  for (const term of spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    const tv = topologyValue(n, term.topologyKey);
    const matchedAnywhere = all.some((o) => o.pods.some((p) => podMatchesTerm(term, p, ns)));
    const matchedHere = tv !== undefined && all.some((o) => topologyValue(o, term.topologyKey) === tv && o.pods.some((p) => podMatchesTerm(term, p, ns)));
    // As upstream: the first pod of a group may land anywhere if it matches its own affinity.
    if (!matchedHere && !(!matchedAnywhere && podMatchesTerm(term, pod, ns))) return Reasons.podAffinity;
  }
  for (const term of spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    const tv = topologyValue(n, term.topologyKey);
    if (tv !== undefined && all.some((o) => topologyValue(o, term.topologyKey) === tv && o.pods.some((p) => podMatchesTerm(term, p, ns)))) return Reasons.podAntiAffinity;
  }
  return undefined;
}

/** score ranks a feasible node: least allocated + preferred node affinity + preferred pod (anti-)affinity + spreading. */
export function score(pod: KubeObject, n: NodeInfo, all: NodeInfo[]): number {
  const spec = (pod as Any).spec ?? {};
  const alloc = (n.node as Any).status?.allocatable ?? {};
  const req = podRequests(pod);
  const cpuCap = alloc.cpu !== undefined ? toMilli(alloc.cpu) : 0;
  const memCap = alloc.memory !== undefined ? parseQuantity(alloc.memory) : 0;
  const free = (used: number, cap: number) => (cap > 0 ? Math.max(0, (cap - used) / cap) : 0);
  let s = 50 * (free(n.requested.milliCPU + req.milliCPU, cpuCap) + free(n.requested.memory + req.memory, memCap));
  const labels = nodeLabels(n);
  for (const p of spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (matchTerm(p.preference, labels, n.node.metadata?.name ?? '')) s += p.weight ?? 0;
  }
  const ns = pod.metadata?.namespace ?? 'default';
  const countIn = (term: Any) => {
    const tv = topologyValue(n, term.topologyKey);
    if (tv === undefined) return 0;
    let c = 0;
    for (const o of all) if (topologyValue(o, term.topologyKey) === tv) c += o.pods.filter((p) => podMatchesTerm(term, p, ns)).length;
    return c;
  };
  for (const w of spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) s += (w.weight ?? 0) * countIn(w.podAffinityTerm);
  for (const w of spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) s -= (w.weight ?? 0) * countIn(w.podAffinityTerm);
  // Default spreading: fewer pods of the same owner (or same labels) on this node score higher.
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
  const siblings = n.pods.filter((p) => p.metadata?.namespace === pod.metadata?.namespace && (owner
    ? p.metadata?.ownerReferences?.some((r) => r.uid === owner)
    : JSON.stringify(p.metadata?.labels ?? {}) === JSON.stringify(pod.metadata?.labels ?? {}) && Object.keys(pod.metadata?.labels ?? {}).length > 0)).length;
  s -= 10 * siblings;
  return s;
}

/** failureMessage renders "0/3 nodes are available: 3 node(s) ... preemption: ..." from per-node reasons. */
export function failureMessage(total: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) for (const part of r.split('|')) counts.set(part, (counts.get(part) ?? 0) + 1);
  const parts = [...counts.entries()].map(([r, c]) => `${c} ${r}`).sort();
  const head = total === 0 ? 'no nodes available to schedule pods' : `0/${total} nodes are available: ${parts.join(', ')}.`;
  if (total === 0) return head;
  return `${head} preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}
