import type { PodTemplate } from '../common/pod-control.js';
import type { DaemonSet, Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, Taint, Toleration } from './types.js';
import { addOrUpdateDaemonPodTolerations } from './util.js';

/**
 * Whether a DaemonSet runs on a node (daemon_controller.go's NodeShouldRunDaemonPod and the
 * component-helpers it calls): the template's nodeName, nodeSelector and required node affinity
 * must admit the node, and every NoSchedule/NoExecute taint must be tolerated — with the
 * tolerations the controller adds to every daemon pod, so cordoned and not-ready nodes still run
 * one. Node.spec.unschedulable alone is not looked at: the scheduler's unschedulable taint is
 * tolerated anyway.
 */

/** NodeEligibility is what nodeShouldRunDaemonPod decides for one (node, DaemonSet). */
export interface NodeEligibility {
  /** shouldRun: a daemon pod should be created on the node if none runs there */
  shouldRun: boolean;
  /** shouldContinueRunning: a daemon pod already there may stay (only a NoExecute taint evicts it) */
  shouldContinueRunning: boolean;
}

/** newPod is the pod the DaemonSet would run on nodeName, with the daemon tolerations (daemon_controller.go's NewPod). */
export function newPod(ds: Readonly<DaemonSet>, nodeName: string): Pod {
  const template = structuredClone(ds.spec.template ?? {}) as PodTemplate;
  const spec = { ...(template.spec ?? {}), nodeName } as PodSpec;
  addOrUpdateDaemonPodTolerations(spec);
  return { metadata: { ...(template.metadata ?? {}), namespace: ds.metadata?.namespace }, spec };
}

/** nodeShouldRunDaemonPod decides whether ds should run (or keep running) a pod on node. */
export function nodeShouldRunDaemonPod(node: Readonly<Node>, ds: Readonly<DaemonSet>): NodeEligibility {
  const nodeName = node.metadata?.name ?? '';
  const templateNodeName = (ds.spec.template?.spec as PodSpec | undefined)?.nodeName;
  if (templateNodeName && templateNodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  const pod = newPod(ds, nodeName);
  const taints = node.spec?.taints ?? [];
  const fitsNodeName = !pod.spec?.nodeName || pod.spec.nodeName === nodeName;
  if (!fitsNodeName || !matchesRequiredNodeAffinity(pod.spec ?? {}, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = pod.spec?.tolerations ?? [];
  if (findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) {
    // A pod already there stays unless a NoExecute taint would evict it.
    return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute') };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** toleratesTaint is Toleration.ToleratesTaint: effect and key (when set) agree, and Exists or an equal value. */
export function toleratesTaint(t: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '': case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** findUntoleratedTaint returns the first taint passing filter that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], filter: (t: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * matchesRequiredNodeAffinity is nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): every
 * nodeSelector label, and (when set) at least one required node affinity term.
 */
export function matchesRequiredNodeAffinity(spec: Readonly<PodSpec>, node: Readonly<Node>): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((term) => matchNodeSelectorTerm(term, node));
}

/**
 * matchNodeSelectorTerm ANDs a term's label expressions and field requirements (only
 * metadata.name exists as a field). A term with neither, or with an invalid requirement, matches
 * no node, as upstream's lazy-error node selector does.
 */
export function matchNodeSelectorTerm(term: Readonly<NodeSelectorTerm>, node: Readonly<Node>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const e of exprs) {
    const r = matchRequirement(e, Object.prototype.hasOwnProperty.call(labels, e.key) ? labels[e.key] : undefined, false);
    if (r !== true) return false;
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (matchRequirement(f, node.metadata?.name ?? '', true) !== true) return false;
  }
  return true;
}

/** matchRequirement evaluates one requirement; 'invalid' for an operator or values the API would reject. */
function matchRequirement(r: Readonly<NodeSelectorRequirement>, value: string | undefined, field: boolean): boolean | 'invalid' {
  const values = r.values ?? [];
  const has = value !== undefined;
  switch (r.operator) {
    case 'In': return values.length === 0 ? 'invalid' : has && values.includes(value);
    case 'NotIn': return values.length === 0 ? 'invalid' : !has || !values.includes(value);
    case 'Exists': if (field || values.length) return 'invalid'; return has;
    case 'DoesNotExist': if (field || values.length) return 'invalid'; return !has;
    case 'Gt': case 'Lt': {
      if (field || values.length !== 1 || !/^-?\d+$/.test(values[0])) return 'invalid';
      if (!has || !/^-?\d+$/.test(value)) return false;
      const lv = BigInt(value);
      const rv = BigInt(values[0]);
      return r.operator === 'Gt' ? lv > rv : lv < rv;
    }
    default: return 'invalid';
  }
}
