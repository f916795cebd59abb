import type { PodTemplate } from '../common/pod-control.js';
import type { Affinity, DaemonSet, IntOrString, Pod, PodSpec, Toleration } from './types.js';

/**
 * DaemonSet helpers (kube-controller-manager's pkg/controller/daemon/util and the pod helpers the
 * controller uses): the tolerations every daemon pod gets, the template a pod is made from, the
 * node affinity that pins a pod to its node, and the surge/unavailability arithmetic.
 */

/** CONTROLLER_REVISION_HASH_LABEL labels daemon pods (and revisions) with their template's hash (apps.ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** TEMPLATE_GENERATION_LABEL is the deprecated pod label carrying the template generation. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** TEMPLATE_GENERATION_ANNOTATION is where the API server keeps a DaemonSet's template generation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** Taint keys the node lifecycle controller and the kubelet set (v1.Taint*). */
export const Taints = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  unschedulable: 'node.kubernetes.io/unschedulable',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;

/** getTemplateGeneration reads the template generation annotation: undefined when absent or not a number. */
export function getTemplateGeneration(ds: Readonly<DaemonSet>): number | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** matchToleration: same key, effect, operator and value — what makes tolerations unique (Toleration.MatchToleration). */
function matchToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '');
}

/**
 * addOrUpdateTolerationInPodSpec adds t, or replaces a matching toleration that differs (in
 * tolerationSeconds); an identical one leaves the spec as it is (v1helper.AddOrUpdateTolerationInPodSpec).
 */
export function addOrUpdateTolerationInPodSpec(spec: PodSpec, t: Toleration): void {
  const list = spec.tolerations ?? [];
  let updated = false;
  const out: Toleration[] = [];
  for (const old of list) {
    if (!matchToleration(t, old)) { out.push(old); continue; }
    if ((old.tolerationSeconds ?? null) === (t.tolerationSeconds ?? null)) return;
    out.push(t);
    updated = true;
  }
  if (!updated) out.push(t);
  spec.tolerations = out;
}

/**
 * addOrUpdateDaemonPodTolerations gives a daemon pod the tolerations that keep it on its node
 * whatever the node's state (util.AddOrUpdateDaemonPodTolerations): not-ready and unreachable
 * NoExecute forever, the node-condition NoSchedule taints, unschedulable (so cordoned nodes still
 * run it) and, for host-network pods, network-unavailable.
 */
export function addOrUpdateDaemonPodTolerations(spec: PodSpec): void {
  addOrUpdateTolerationInPodSpec(spec, { key: Taints.notReady, operator: 'Exists', effect: 'NoExecute' });
  addOrUpdateTolerationInPodSpec(spec, { key: Taints.unreachable, operator: 'Exists', effect: 'NoExecute' });
  addOrUpdateTolerationInPodSpec(spec, { key: Taints.diskPressure, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateTolerationInPodSpec(spec, { key: Taints.memoryPressure, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateTolerationInPodSpec(spec, { key: Taints.pidPressure, operator: 'Exists', effect: 'NoSchedule' });
  addOrUpdateTolerationInPodSpec(spec, { key: Taints.unschedulable, operator: 'Exists', effect: 'NoSchedule' });
  if (spec.hostNetwork) addOrUpdateTolerationInPodSpec(spec, { key: Taints.networkUnavailable, operator: 'Exists', effect: 'NoSchedule' });
}

/**
 * createPodTemplate copies the DaemonSet's template, adds the daemon tolerations and labels it
 * with the template generation and the revision hash (util.CreatePodTemplate).
 */
export function createPodTemplate(template: Readonly<PodTemplate>, generation: number | undefined, hash: string): PodTemplate {
  const t = structuredClone(template) as PodTemplate;
  const spec = (t.spec ??= {}) as PodSpec;
  addOrUpdateDaemonPodTolerations(spec);
  const labels = ((t.metadata ??= {}).labels ??= {});
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  return t;
}

/**
 * replaceDaemonSetPodNodeNameNodeAffinity pins a pod to nodeName for the scheduler: the required
 * node affinity becomes the single term `matchFields metadata.name In [nodeName]` (other required
 * terms are dropped — the controller already checked them against this node); preferred terms and
 * pod (anti-)affinity stay (util.ReplaceDaemonSetPodNodeNameNodeAffinity).
 */
export function replaceDaemonSetPodNodeNameNodeAffinity(affinity: Affinity | null | undefined, nodeName: string): Affinity {
  const selector = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const a: Affinity = affinity ? structuredClone(affinity) : {};
  a.nodeAffinity = { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: selector };
  return a;
}

/**
 * getTargetNodeName is the node a daemon pod is for: spec.nodeName once bound, else the
 * `metadata.name In [node]` field requirement the controller put in its node affinity. Throws when
 * neither is there.
 */
export function getTargetNodeName(pod: Readonly<Pod>): string {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const ns = pod.metadata?.namespace;
  const name = pod.metadata?.name;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) throw new Error(`no spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution for pod ${ns}/${name}`);
  if (terms.length < 1) throw new Error(`no nodeSelectorTerms in requiredDuringSchedulingIgnoredDuringExecution of pod ${ns}/${name}`);
  for (const term of terms) {
    for (const req of term.matchFields ?? []) {
      if (req.key !== 'metadata.name' || req.operator !== 'In') continue;
      if (req.values?.length !== 1) throw new Error(`the matchFields value of 'metadata.name' is not unique for pod ${ns}/${name}`);
      return req.values[0];
    }
  }
  throw new Error(`no node name found for pod ${ns}/${name}`);
}

/**
 * getScaledValueFromIntOrPercent resolves an int or "N%" against total, rounding a percentage up
 * or down (intstr.GetScaledValueFromIntOrPercent). Throws on a string that is not a percentage.
 */
export function getScaledValueFromIntOrPercent(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** surgeCount is how many extra pods a rolling update may create out of numberToSchedule (0 unless RollingUpdate with maxSurge). */
export function surgeCount(ds: Readonly<DaemonSet>, numberToSchedule: number): number {
  const us = ds.spec.updateStrategy;
  if (us?.type !== 'RollingUpdate' || !us.rollingUpdate || us.rollingUpdate.maxSurge === undefined) return 0;
  return getScaledValueFromIntOrPercent(us.rollingUpdate.maxSurge, numberToSchedule, true);
}

/** unavailableCount is how many nodes a rolling update may leave without an available pod (0 unless RollingUpdate). */
export function unavailableCount(ds: Readonly<DaemonSet>, numberToSchedule: number): number {
  const us = ds.spec.updateStrategy;
  if (us?.type !== 'RollingUpdate' || !us.rollingUpdate) return 0;
  return getScaledValueFromIntOrPercent(us.rollingUpdate.maxUnavailable, numberToSchedule, true);
}

/** allowsSurge: the DaemonSet may run two pods (old and new) on a node during an update. */
export function allowsSurge(ds: Readonly<DaemonSet>): boolean {
  try {
    return surgeCount(ds, 1) > 0;
  } catch {
    return false;
  }
}

/** isPodUpdated: the pod carries the current revision hash (or, for old pods, the current template generation). */
export function isPodUpdated(pod: Readonly<Pod>, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

export { isPodAvailable, isPodReady } from '../common/pod-util.js';

/** isPodTerminal: Succeeded or Failed. */
export function isPodTerminal(pod: Readonly<Pod>): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * compareByCreationTimestampAndPhase orders daemon pods as upstream's podByCreationTimestampAndPhase:
 * scheduled pods first, then oldest first, then by name.
 */
export function compareByCreationTimestampAndPhase(a: Readonly<Pod>, b: Readonly<Pod>): number {
  const sa = !!a.spec?.nodeName;
  const sb = !!b.spec?.nodeName;
  if (sa !== sb) return sa ? -1 : 1;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
