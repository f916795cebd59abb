/**
 * NodeAffinity: the pod's nodeSelector and required node affinity (Filter; PreFilter narrows to
 * the nodes named by matchFields metadata.name, as DaemonSet pods use), and its preferred terms
 * (Score). Args: addedAffinity, enforced on every pod of the profile.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, PreFilterOutcome, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import type { Node, NodeSelectorTerm, PreferredSchedulingTerm } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, MAX_NODE_SCORE, PreFilterResult, type ClusterEventWithHint, type NodeScore } from '../../framework/types.js';
import { NodeSelector, PreferredSchedulingTerms, RequiredNodeAffinity } from '../helper/node-affinity.js';
import { defaultNormalizeScore } from '../helper/normalize-score.js';
import { Names } from '../names.js';

/** ErrReasonPod is upstream's reason for a node the pod's affinity/selector excludes. */
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
/** ErrReasonEnforced is upstream's reason for a node the profile's addedAffinity excludes. */
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
/** ErrReasonConflict is upstream's reason when every term names different nodes. */
export const ErrReasonConflict = 'pod affinity terms conflict';

/** NodeAffinityArgs are the plugin's args. */
export interface NodeAffinityArgs {
  addedAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  };
}

const PRE_FILTER_KEY = `PreFilter${Names.NodeAffinity}`;
const PRE_SCORE_KEY = `PreScore${Names.NodeAffinity}`;

class PreFilterState implements StateData {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone(): StateData { return this; }
}

class PreScoreState implements StateData {
  constructor(readonly preferred: PreferredSchedulingTerms) {}
  clone(): StateData { return this; }
}

/** NodeAffinity is a PreFilter, Filter and Score plugin. */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.NodeAffinity;
  private readonly addedNodeSelector: NodeSelector | undefined;
  private readonly addedPrefSchedTerms: PreferredSchedulingTerms | undefined;
  private readonly rejectedPod = newStatus('UnschedulableAndUnresolvable', ErrReasonPod);
  private readonly rejectedEnforced = newStatus('UnschedulableAndUnresolvable', ErrReasonEnforced);

  constructor(args: NodeAffinityArgs = {}) {
    const a = args.addedAffinity;
    if (a?.requiredDuringSchedulingIgnoredDuringExecution) this.addedNodeSelector = new NodeSelector(a.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms);
    if (a?.preferredDuringSchedulingIgnoredDuringExecution?.length) this.addedPrefSchedTerms = new PreferredSchedulingTerms(a.preferredDuringSchedulingIgnoredDuringExecution);
  }

  /**
   * preFilter parses the pod's requirements once; when every term requires metadata.name In
   * [names], only those nodes are evaluated (the others get "didn't satisfy plugin(s)").
   */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    const spec = pod.pod.spec ?? {};
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const noNodeAffinity = !required;
    if (noNodeAffinity && !this.addedNodeSelector && !spec.nodeSelector) return { status: newStatus('Skip') };
    state.write(PRE_FILTER_KEY, new PreFilterState(new RequiredNodeAffinity(pod.pod)));
    const terms = required?.nodeSelectorTerms ?? [];
    if (noNodeAffinity || !terms.length) return undefined;
    let nodeNames: Set<string> | undefined;
    for (const t of terms) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
      }
      // A term without a node-name requirement admits every node: the terms are ORed.
      if (!termNames) return undefined;
      nodeNames = nodeNames ? new Set([...nodeNames, ...termNames]) : termNames;
    }
    if (nodeNames && nodeNames.size === 0) return { status: newStatus('UnschedulableAndUnresolvable', ErrReasonConflict) };
    if (nodeNames) return { result: new PreFilterResult(nodeNames) };
    return undefined;
  }

  /** filter checks the profile's added affinity, then the pod's selector and required terms. */
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const node = nodeInfo.node;
    if (this.addedNodeSelector && !this.addedNodeSelector.match(node)) return this.rejectedEnforced;
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    const required = s?.required ?? new RequiredNodeAffinity(pod.pod);
    if (!required.match(node)) return this.rejectedPod;
    return undefined;
  }

  /** preScore parses the preferred terms; Skip when there are none. */
  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    const pref = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!pref?.length && !this.addedPrefSchedTerms) return newStatus('Skip');
    state.write(PRE_SCORE_KEY, new PreScoreState(new PreferredSchedulingTerms(pref)));
    return undefined;
  }

  /** score sums the weights of the preferred terms the node matches. */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    let count = this.addedPrefSchedTerms?.score(nodeInfo.node) ?? 0;
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    const pref = s?.preferred ?? new PreferredSchedulingTerms(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    count += pref.score(nodeInfo.node);
    return count;
  }

  /** normalizeScore scales to 0..100. */
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return undefined;
  }

  /** eventsToRegister: a node added or relabelled so that it now matches. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel },
      hint: (pod, oldObj, newObj) => {
        const required = new RequiredNodeAffinity(pod);
        const n = newObj as Node | undefined;
        if (this.addedNodeSelector && !this.addedNodeSelector.match(n)) return 'QueueSkip';
        if (!required.match(n)) return 'QueueSkip';
        return oldObj && required.match(oldObj as Node) && (!this.addedNodeSelector || this.addedNodeSelector.match(oldObj as Node)) ? 'QueueSkip' : 'Queue';
      },
    }];
  }
}
