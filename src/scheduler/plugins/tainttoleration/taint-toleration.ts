/**
 * TaintToleration rejects nodes with a NoSchedule/NoExecute taint the pod does not tolerate, and
 * ranks nodes by how few PreferNoSchedule taints the pod does not tolerate.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import type { Node, Pod, Taint, Toleration } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, MAX_NODE_SCORE, type ClusterEventWithHint, type NodeScore } from '../../framework/types.js';
import { defaultNormalizeScore } from '../helper/normalize-score.js';
import { doNotScheduleTaintsFilter, findMatchingUntoleratedTaint, tolerationsTolerateTaint } from '../helper/taints.js';
import { Names } from '../names.js';

/** untoleratedTaintReason is upstream's reason: "node(s) had untolerated taint {key: value}". */
export function untoleratedTaintReason(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

const PRE_SCORE_KEY = `PreScore${Names.TaintToleration}`;

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: Toleration[]) {}
  clone(): StateData { return this; }
}

function countIntolerableTaintsPreferNoSchedule(taints: readonly Taint[] | undefined, tolerations: Toleration[]): number {
  let n = 0;
  for (const t of taints ?? []) {
    if (t.effect !== 'PreferNoSchedule') continue;
    if (!tolerationsTolerateTaint(tolerations, t)) n++;
  }
  return n;
}

/** TaintToleration is a Filter and Score plugin. */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.TaintToleration;
  private readonly unknownNode = newStatus('Error', 'invalid nodeInfo');

  /** filter rejects the node's first untolerated NoSchedule/NoExecute taint. */
  filter(_state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    if (!nodeInfo.node) return this.unknownNode;
    const taints = nodeInfo.taints;
    if (!taints) return undefined;
    const taint = findMatchingUntoleratedTaint(taints, pod.pod.spec?.tolerations, doNotScheduleTaintsFilter);
    if (!taint) return undefined;
    return newStatus('UnschedulableAndUnresolvable', untoleratedTaintReason(taint));
  }

  /** preScore keeps the tolerations that can tolerate PreferNoSchedule taints. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    if (!nodes.length) return undefined;
    const tols = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_KEY, new PreScoreState(tols));
    return undefined;
  }

  /** score counts the untolerated PreferNoSchedule taints (fewer is better after normalizing). */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    const tols = s?.tolerationsPreferNoSchedule ?? (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return countIntolerableTaintsPreferNoSchedule(nodeInfo.taints, tols);
  }

  /** scoreNodes is score for every node. */
  scoreNodes(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: NodeScore[]): MaybeStatus {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    const tols = s?.tolerationsPreferNoSchedule ?? (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    for (let i = 0; i < nodes.length; i++) {
      const taints = nodes[i].taints;
      scores[i].score = taints ? countIntolerableTaintsPreferNoSchedule(taints, tols) : 0;
    }
    return undefined;
  }

  /** normalizeScore reverses: the node with the most untolerated taints gets 0. */
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return undefined;
  }

  /** eventsToRegister: a node added or its taints changed so the pod tolerates them; the pod's tolerations changed. */
  eventsToRegister(): ClusterEventWithHint[] {
    const fits = (pod: Readonly<Pod>, n: Node | undefined) => !!n && !findMatchingUntoleratedTaint(n.spec?.taints, pod.spec?.tolerations, doNotScheduleTaintsFilter);
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
        hint: (pod, oldObj, newObj) => {
          if (!fits(pod, newObj as Node)) return 'QueueSkip';
          return oldObj && fits(pod, oldObj as Node) ? 'QueueSkip' : 'Queue';
        },
      },
      {
        event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodTolerations },
        hint: (pod, _o, n) => ((n as Pod | undefined)?.metadata?.uid === pod.metadata?.uid ? 'Queue' : 'QueueSkip'),
      },
    ];
  }
}
