/**
 * InterPodAffinity's filtering: PreFilter counts, per topology pair, the existing pods whose
 * required anti-affinity matches the incoming pod, and the existing pods matching the incoming
 * pod's required (anti-)affinity terms; Filter checks a node's pairs against those counts.
 */
import type { Lister } from '../../../client/informer-types.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { AffinityTerm, PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { mergeTermNamespaces, namespaceLabels, pairKey, podMatchesAllAffinityTerms, updateWithAffinityTerms, updateWithAntiAffinityTerms, type TopologyCounts } from './common.js';

/** ErrReasonExistingAntiAffinityRulesNotMatch is upstream's reason. */
export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
/** ErrReasonAffinityRulesNotMatch is upstream's reason. */
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
/** ErrReasonAntiAffinityRulesNotMatch is upstream's reason. */
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

/** PRE_FILTER_KEY is the CycleState key of the filtering state. */
export const PRE_FILTER_KEY = 'PreFilterInterPodAffinity';

/** PreFilterState is what PreFilter computed for the incoming pod. */
export class PreFilterState implements StateData {
  constructor(
    readonly pod: PodInfo,
    readonly requiredAffinityTerms: AffinityTerm[],
    readonly requiredAntiAffinityTerms: AffinityTerm[],
    readonly namespaceLabels: Record<string, string>,
    readonly existingAntiAffinityCounts: TopologyCounts,
    readonly affinityCounts: TopologyCounts,
    readonly antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): StateData {
    return new PreFilterState(this.pod, this.requiredAffinityTerms, this.requiredAntiAffinityTerms, this.namespaceLabels,
      new Map(this.existingAntiAffinityCounts), new Map(this.affinityCounts), new Map(this.antiAffinityCounts));
  }

  /** updateWithPod adds (multiplier 1) or removes (−1) an existing pod's contribution. */
  updateWithPod(pi: PodInfo, nodeInfo: NodeInfo, multiplier: number): void {
    updateWithAntiAffinityTerms(this.existingAntiAffinityCounts, this.pod.pod, this.namespaceLabels, nodeInfo.node, pi.requiredAntiAffinityTerms, multiplier);
    updateWithAffinityTerms(this.affinityCounts, pi.pod, undefined, nodeInfo.node, this.requiredAffinityTerms, multiplier);
    updateWithAntiAffinityTerms(this.antiAffinityCounts, pi.pod, undefined, nodeInfo.node, this.requiredAntiAffinityTerms, multiplier);
  }
}

/**
 * computePreFilterState builds the state, or returns undefined when nothing can reject the pod
 * (no terms of its own, no existing pod with required anti-affinity): the plugin then Skips.
 */
export function computePreFilterState(pod: PodInfo, allNodes: readonly NodeInfo[], withRequiredAntiAffinity: readonly NodeInfo[], nsLister: Lister | undefined): PreFilterState | undefined {
  // No term on either side (the common case): nothing to compute, not even the namespace lookups.
  if (!withRequiredAntiAffinity.length && !pod.requiredAffinityTerms.length && !pod.requiredAntiAffinityTerms.length) return undefined;
  const affinityTerms = pod.requiredAffinityTerms.map((t) => mergeTermNamespaces(t, nsLister));
  const antiTerms = pod.requiredAntiAffinityTerms.map((t) => mergeTermNamespaces(t, nsLister));
  const nsLabels = namespaceLabels(pod.namespace, nsLister);
  const existing: TopologyCounts = new Map();
  for (const ni of withRequiredAntiAffinity) {
    for (const ep of ni.podsWithRequiredAntiAffinity) updateWithAntiAffinityTerms(existing, pod.pod, nsLabels, ni.node, ep.requiredAntiAffinityTerms, 1);
  }
  if (!existing.size && !affinityTerms.length && !antiTerms.length) return undefined;
  const affinity: TopologyCounts = new Map();
  const anti: TopologyCounts = new Map();
  if (affinityTerms.length || antiTerms.length) {
    for (const ni of allNodes) {
      for (const ep of ni.pods) {
        updateWithAffinityTerms(affinity, ep.pod, undefined, ni.node, affinityTerms, 1);
        updateWithAntiAffinityTerms(anti, ep.pod, undefined, ni.node, antiTerms, 1);
      }
    }
  }
  return new PreFilterState(pod, affinityTerms, antiTerms, nsLabels, existing, affinity, anti);
}

function satisfyPodAffinity(s: PreFilterState, nodeInfo: NodeInfo): boolean {
  let podsExist = true;
  const labels = nodeInfo.labels;
  for (const t of s.requiredAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v === undefined) return false; // every topology key must be on the node
    if ((s.affinityCounts.get(pairKey(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  if (!podsExist) {
    // The first pod of a group with affinity to itself may go anywhere its terms' keys exist,
    // or it would wait forever.
    return s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.requiredAffinityTerms, s.pod.pod);
  }
  return true;
}

function satisfyPodAntiAffinity(s: PreFilterState, nodeInfo: NodeInfo): boolean {
  if (!s.antiAffinityCounts.size) return true;
  const labels = nodeInfo.labels;
  for (const t of s.requiredAntiAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v !== undefined && (s.antiAffinityCounts.get(pairKey(t.topologyKey, v)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfyExistingPodsAntiAffinity(s: PreFilterState, nodeInfo: NodeInfo): boolean {
  if (!s.existingAntiAffinityCounts.size) return true;
  const labels = nodeInfo.labels;
  for (const k in labels) if ((s.existingAntiAffinityCounts.get(pairKey(k, labels[k])) ?? 0) > 0) return false;
  return true;
}

const affinityRejected = newStatus('UnschedulableAndUnresolvable', ErrReasonAffinityRulesNotMatch);
const antiAffinityRejected = newStatus('Unschedulable', ErrReasonAntiAffinityRulesNotMatch);
const existingRejected = newStatus('Unschedulable', ErrReasonExistingAntiAffinityRulesNotMatch);

/** filterNode checks the node against the pod's affinity, its anti-affinity, then existing pods' anti-affinity. */
export function filterNode(state: CycleState, nodeInfo: NodeInfo): MaybeStatus {
  const s = state.read<PreFilterState>(PRE_FILTER_KEY);
  if (!s) return newStatus('Error', `reading "${PRE_FILTER_KEY}" from cycleState: not found`);
  if (!satisfyPodAffinity(s, nodeInfo)) return affinityRejected;
  if (!satisfyPodAntiAffinity(s, nodeInfo)) return antiAffinityRejected;
  if (!satisfyExistingPodsAntiAffinity(s, nodeInfo)) return existingRejected;
  return undefined;
}
