/**
 * InterPodAffinity's scoring: per topology pair, the weights of the incoming pod's preferred terms
 * matched by existing pods (anti-affinity subtracts), plus existing pods' preferred terms (and, with
 * hardPodAffinityWeight, their required affinity) matched by the incoming pod. Normalized min..max → 0..100.
 */
import type { Lister } from '../../../client/informer-types.js';
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { Node, Pod } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { affinityTermMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/types.js';
import { mergeTermNamespaces, namespaceLabels } from './common.js';

/** PRE_SCORE_KEY is the CycleState key of the scoring state. */
export const PRE_SCORE_KEY = 'PreScoreInterPodAffinity';

/** ScoreMap is topologyKey → value → score. */
type ScoreMap = Map<string, Map<string, number>>;

/** PreScoreState is the per-topology scores of one cycle. */
export class PreScoreState implements StateData {
  constructor(readonly topologyScore: ScoreMap) {}
  clone(): StateData { return this; }
}

function processTerm(m: ScoreMap, t: AffinityTerm, weight: number, pod: Readonly<Pod>, nsLabels: Record<string, string> | undefined, node: Readonly<Node> | undefined, multiplier: number): void {
  if (!affinityTermMatches(t, pod, nsLabels)) return;
  const v = node?.metadata?.labels?.[t.topologyKey];
  if (v === undefined) return;
  let inner = m.get(t.topologyKey);
  if (!inner) m.set(t.topologyKey, (inner = new Map()));
  inner.set(v, (inner.get(v) ?? 0) + weight * multiplier);
}

function processTerms(m: ScoreMap, terms: readonly WeightedAffinityTerm[], pod: Readonly<Pod>, nsLabels: Record<string, string> | undefined, node: Readonly<Node> | undefined, multiplier: number): void {
  for (const t of terms) processTerm(m, t, t.weight, pod, nsLabels, node, multiplier);
}

/** InterPodAffinityArgs are the plugin's args. */
export interface InterPodAffinityArgs { hardPodAffinityWeight?: number; ignorePreferredTermsOfExistingPods?: boolean }

/**
 * computePreScoreState builds the topology scores; undefined means nothing to score (Skip).
 * Without preferred terms of its own, only nodes with pods that have affinity matter.
 */
export function computePreScoreState(pod: PodInfo, allNodes: readonly NodeInfo[], withAffinity: readonly NodeInfo[], args: Required<InterPodAffinityArgs>, nsLister: Lister | undefined): PreScoreState | undefined {
  const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
  if (args.ignorePreferredTermsOfExistingPods && !hasConstraints) return undefined;
  const nodes = hasConstraints ? allNodes : withAffinity;
  // Nothing to score (the common case: no preferred terms, no pod with affinity anywhere): skip
  // the namespace lookups.
  if (!nodes.length) return undefined;
  const prefAffinity = pod.preferredAffinityTerms.map((t) => mergeTermNamespaces(t, nsLister));
  const prefAnti = pod.preferredAntiAffinityTerms.map((t) => mergeTermNamespaces(t, nsLister));
  const nsLabels = namespaceLabels(pod.namespace, nsLister);
  const m: ScoreMap = new Map();
  for (const ni of nodes) {
    const node = ni.node;
    if (!node?.metadata?.labels || !Object.keys(node.metadata.labels).length) continue;
    for (const ep of hasConstraints ? ni.pods : ni.podsWithAffinity) {
      processTerms(m, prefAffinity, ep.pod, undefined, node, 1);
      processTerms(m, prefAnti, ep.pod, undefined, node, -1);
      if (args.hardPodAffinityWeight > 0) for (const t of ep.requiredAffinityTerms) processTerm(m, t, args.hardPodAffinityWeight, pod.pod, nsLabels, node, 1);
      processTerms(m, ep.preferredAffinityTerms, pod.pod, nsLabels, node, 1);
      processTerms(m, ep.preferredAntiAffinityTerms, pod.pod, nsLabels, node, -1);
    }
  }
  if (!m.size) return undefined;
  return new PreScoreState(m);
}

/** scoreNode sums the scores of the node's topology pairs. */
export function scoreNode(state: CycleState, nodeInfo: NodeInfo): number {
  const s = state.read<PreScoreState>(PRE_SCORE_KEY);
  if (!s) return 0;
  const labels = nodeInfo.labels;
  let score = 0;
  for (const [key, values] of s.topologyScore) {
    const v = labels[key];
    if (v !== undefined) score += values.get(v) ?? 0;
  }
  return score;
}

/** normalize maps min..max to 0..100 (all 0 when all equal). */
export function normalize(state: CycleState, scores: NodeScore[]): void {
  const s = state.read<PreScoreState>(PRE_SCORE_KEY);
  if (!s || !s.topologyScore.size) return;
  let min = Infinity;
  let max = -Infinity;
  for (const x of scores) {
    if (x.score > max) max = x.score;
    if (x.score < min) min = x.score;
  }
  const diff = max - min;
  for (const x of scores) x.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((x.score - min) / diff)) : 0;
}
