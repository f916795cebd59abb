/**
 * PodTopologySpread's filtering (DoNotSchedule constraints): per constraint, the matching pods per
 * topology value and the two smallest counts (critical paths); a node passes when placing the pod
 * there keeps count − global minimum ≤ maxSkew.
 */
import { matchesLabels } from '../../../apimachinery/labels.js';
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { RequiredNodeAffinity } from '../helper/node-affinity.js';
import { countNodePodsMatchSelector, matchNodeInclusionPolicies, selectorCountKey, nodeLabelsMatchSpreadConstraints, type Constraint } from './common.js';

/** ErrReasonConstraintsNotMatch is upstream's reason. */
export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
/** ErrReasonNodeLabelNotMatch is upstream's reason for a node without a constraint's topology key. */
export const ErrReasonNodeLabelNotMatch = `${ErrReasonConstraintsNotMatch} (missing required label)`;

const MAX_INT32 = 2147483647;

/** CriticalPaths holds the two smallest (value, count) pairs; [0] is always the minimum. */
export class CriticalPaths {
  p: [{ value: string; num: number }, { value: string; num: number }] = [{ value: '', num: MAX_INT32 }, { value: '', num: MAX_INT32 }];

  /** update records a topology value's new count. */
  update(value: string, num: number): void {
    const p = this.p;
    const existing = value === p[0].value ? p[0] : value === p[1].value ? p[1] : undefined;
    if (existing) {
      existing.num = num;
      if (p[0].num > p[1].num) this.p = [p[1], p[0]];
    } else if (num < p[0].num) {
      this.p = [{ value, num }, { ...p[0] }];
    } else if (num < p[1].num) {
      p[1] = { value, num };
    }
  }

  clone(): CriticalPaths {
    const c = new CriticalPaths();
    c.p = [{ ...this.p[0] }, { ...this.p[1] }];
    return c;
  }
}

/** PRE_FILTER_KEY is the CycleState key of the filtering state. */
export const PRE_FILTER_KEY = 'PreFilterPodTopologySpread';

/** PreFilterState is the counts of one cycle. */
export class PreFilterState implements StateData {
  constructor(readonly constraints: Constraint[], readonly criticalPaths: CriticalPaths[], readonly tpValueToMatchNum: Map<string, number>[]) {}

  clone(): StateData {
    return new PreFilterState(this.constraints, this.criticalPaths.map((c) => c.clone()), this.tpValueToMatchNum.map((m) => new Map(m)));
  }

  /** minMatchNum is the global minimum, 0 while there are fewer domains than minDomains. */
  minMatchNum(i: number): number {
    return this.tpValueToMatchNum[i].size < this.constraints[i].minDomains ? 0 : this.criticalPaths[i].p[0].num;
  }

  /** updateWithPod adds or removes a pod's contribution (preemption, nominated pods). */
  updateWithPod(updated: PodInfo, preemptor: PodInfo, nodeInfo: NodeInfo, delta: number): void {
    const node = nodeInfo.node;
    if (updated.namespace !== preemptor.namespace || !node) return;
    if (!nodeLabelsMatchSpreadConstraints(nodeInfo.labels, this.constraints)) return;
    const required = new RequiredNodeAffinity(preemptor.pod);
    this.constraints.forEach((c, i) => {
      if (!matchesLabels(c.selector, updated.labels)) return;
      if (!matchNodeInclusionPolicies(c, preemptor.pod, node, required)) return;
      const v = nodeInfo.labels[c.topologyKey];
      const n = (this.tpValueToMatchNum[i].get(v) ?? 0) + delta;
      this.tpValueToMatchNum[i].set(v, n);
      this.criticalPaths[i].update(v, n);
    });
  }
}

/** calPreFilterState counts the matching pods per topology value over all nodes that count. */
export function calPreFilterState(pod: PodInfo, constraints: Constraint[], allNodes: readonly NodeInfo[]): PreFilterState {
  const tp = constraints.map(() => new Map<string, number>());
  const required = new RequiredNodeAffinity(pod.pod);
  const keys = constraints.map((c) => selectorCountKey(c.selector, pod.namespace));
  for (const ni of allNodes) {
    const node = ni.node;
    if (!node || !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!matchNodeInclusionPolicies(c, pod.pod, node, required)) return;
      const v = ni.labels[c.topologyKey];
      tp[i].set(v, (tp[i].get(v) ?? 0) + countNodePodsMatchSelector(ni, c.selector, pod.namespace, keys[i]));
    });
  }
  const paths = constraints.map((_c, i) => {
    const cp = new CriticalPaths();
    for (const [v, n] of tp[i]) cp.update(v, n);
    return cp;
  });
  return new PreFilterState(constraints, paths, tp);
}

const missingLabel = newStatus('UnschedulableAndUnresolvable', ErrReasonNodeLabelNotMatch);
const skewed = newStatus('Unschedulable', ErrReasonConstraintsNotMatch);

/** filterNode checks every constraint's skew on the node. */
export function filterNode(s: PreFilterState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
  const labels = nodeInfo.labels;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    const v = labels[c.topologyKey];
    if (v === undefined) return missingLabel;
    const selfMatch = matchesLabels(c.selector, pod.labels) ? 1 : 0;
    const skew = (s.tpValueToMatchNum[i].get(v) ?? 0) + selfMatch - s.minMatchNum(i);
    if (skew > c.maxSkew) return skewed;
  }
  return undefined;
}
