/**
 * PodTopologySpread's scoring (ScheduleAnyway constraints, or the defaults): a node's score is the
 * matching pods in its topology domains, weighted by log(number of domains + 2) plus maxSkew − 1;
 * normalized so the emptiest domains score highest.
 */
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/types.js';
import { RequiredNodeAffinity } from '../helper/node-affinity.js';
import { countNodePodsMatchSelector, matchNodeInclusionPolicies, selectorCountKey, nodeLabelsMatchSpreadConstraints, type Constraint } from './common.js';

const HOSTNAME = 'kubernetes.io/hostname';

/** PRE_SCORE_KEY is the CycleState key of the scoring state. */
export const PRE_SCORE_KEY = 'PreScorePodTopologySpread';

/** PreScoreState is the counts and weights of one cycle. */
export class PreScoreState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    readonly ignoredNodes: Set<string>,
    readonly topologyValueToPodCounts: Map<string, number>[],
    readonly topologyNormalizingWeight: number[],
    /** each constraint's selectorCountKey for the pod's namespace (worked out once, used per node) */
    readonly countKeys: number[] = [],
    /**
     * the constraints Score has to look at: hostname ones, and the others when some scored node
     * has their key (a node without it scores nothing for the constraint). Default: all.
     */
    readonly scored: number[] = constraints.map((_c, i) => i),
  ) {}

  clone(): StateData { return this; }
}

/** topologyNormalizingWeight is log(size + 2): counts in small topologies are not watered down by big ones. */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** scoreForCount is count × weight + maxSkew − 1. */
export function scoreForCount(cnt: number, maxSkew: number, tpWeight: number): number {
  return cnt * tpWeight + (maxSkew - 1);
}

/**
 * calPreScoreState counts matching pods per topology value for the values of the filtered nodes;
 * with requireAllTopologies, nodes missing a key are ignored (score 0).
 */
export function calPreScoreState(pod: PodInfo, constraints: Constraint[], filteredNodes: readonly NodeInfo[], allNodes: readonly NodeInfo[], requireAllTopologies: boolean): PreScoreState {
  const ignored = new Set<string>();
  const n = constraints.length;
  const counts = constraints.map(() => new Map<string, number>());
  const topoSize = new Array<number>(n).fill(0);
  const isHostname = constraints.map((c) => c.topologyKey === HOSTNAME);
  // whether some scored node has the constraint's key (a value other than undefined)
  const labelled = new Array<boolean>(n).fill(false);
  for (const ni of filteredNodes) {
    if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) { ignored.add(ni.name); continue; }
    for (let i = 0; i < n; i++) {
      if (isHostname[i]) continue; // per-node counts are done in Score
      const v = ni.topologyValue(constraints[i].topologyKey);
      if (v !== undefined) labelled[i] = true;
      // Nodes without the key share one domain (upstream's "" value), kept under undefined.
      const m = counts[i];
      if (!m.has(v as string)) { m.set(v as string, 0); topoSize[i]++; }
    }
  }
  const weights = constraints.map((c, i) => topologyNormalizingWeight(isHostname[i] ? filteredNodes.length - ignored.size : topoSize[i]));
  // Only the values of scored nodes are ever read back (a node without the key scores nothing for
  // that constraint), so pods are counted only for constraints with such a value.
  const keys = constraints.map((c) => selectorCountKey(c.selector, pod.namespace));
  const toCount = constraints.map((_c, i) => !isHostname[i] && labelled[i]);
  if (toCount.some(Boolean)) {
    const required = new RequiredNodeAffinity(pod.pod);
    for (const ni of allNodes) {
      const node = ni.node;
      if (!node) continue;
      if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
      for (let i = 0; i < n; i++) {
        if (!toCount[i]) continue;
        const c = constraints[i];
        const v = ni.topologyValue(c.topologyKey);
        if (v === undefined) continue;
        const cur = counts[i].get(v);
        if (cur === undefined) continue;
        if (!matchNodeInclusionPolicies(c, pod.pod, node, required)) continue;
        counts[i].set(v, cur + countNodePodsMatchSelector(ni, c.selector, pod.namespace, keys[i]));
      }
    }
  }
  const scored: number[] = [];
  for (let i = 0; i < n; i++) if (isHostname[i] || labelled[i]) scored.push(i);
  return new PreScoreState(constraints, ignored, counts, weights, keys, scored);
}

/** scoreNode sums scoreForCount over the constraints whose key the node has. */
export function scoreNode(s: PreScoreState, pod: PodInfo, nodeInfo: NodeInfo): number {
  if (s.ignoredNodes.size > 0 && s.ignoredNodes.has(nodeInfo.name)) return 0;
  let score = 0;
  const scored = s.scored;
  for (let j = 0; j < scored.length; j++) {
    const i = scored[j];
    const c = s.constraints[i];
    const v = nodeInfo.topologyValue(c.topologyKey);
    if (v === undefined) continue;
    const cnt = c.topologyKey === HOSTNAME ? countNodePodsMatchSelector(nodeInfo, c.selector, pod.namespace, s.countKeys[i]) : (s.topologyValueToPodCounts[i].get(v) ?? 0);
    score += scoreForCount(cnt, c.maxSkew, s.topologyNormalizingWeight[i]);
  }
  return Math.round(score);
}

/** normalize maps scores so the fewest matching pods scores 100; ignored nodes get 0. */
export function normalize(s: PreScoreState, scores: NodeScore[]): void {
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  const ignored = s.ignoredNodes;
  const anyIgnored = ignored.size > 0;
  for (let i = 0; i < scores.length; i++) {
    const x = scores[i];
    if (anyIgnored && ignored.has(x.name)) continue;
    if (x.score < min) min = x.score;
    if (x.score > max) max = x.score;
  }
  for (let i = 0; i < scores.length; i++) {
    const x = scores[i];
    if (anyIgnored && ignored.has(x.name)) { x.score = 0; continue; }
    if (max === 0) { x.score = MAX_NODE_SCORE; continue; }
    x.score = Math.trunc((MAX_NODE_SCORE * (max + min - x.score)) / max);
  }
}
