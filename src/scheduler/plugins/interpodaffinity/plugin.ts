/**
 * InterPodAffinity: required pod affinity/anti-affinity (the pod's and existing pods') as a
 * Filter, preferred terms as a Score. Args: hardPodAffinityWeight (1),
 * ignorePreferredTermsOfExistingPods (false).
 */
import type { Lister } from '../../../client/informer-types.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  EnqueueExtensions, FilterPlugin, Handle, PreFilterExtensions, PreFilterOutcome, PreFilterPlugin, PreScorePlugin, ScorePlugin,
} from '../../framework/interface.js';
import type { Pod } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint, type NodeScore } from '../../framework/types.js';
import { Names } from '../names.js';
import { namespaceLister, podMatchesAllAffinityTerms, podMatchesAnyAffinityTerm } from './common.js';
import { computePreFilterState, filterNode, PRE_FILTER_KEY, type PreFilterState } from './filtering.js';
import { computePreScoreState, normalize, PRE_SCORE_KEY, scoreNode, type InterPodAffinityArgs } from './scoring.js';

export type { InterPodAffinityArgs };

/** InterPodAffinity is a PreFilter, Filter and Score plugin. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, PreFilterExtensions {
  readonly name = Names.InterPodAffinity;
  private readonly args: Required<InterPodAffinityArgs>;
  private readonly nsLister: Lister | undefined;

  constructor(args: InterPodAffinityArgs, private readonly handle: Pick<Handle, 'snapshotSharedLister'> & Partial<Pick<Handle, 'informers'>>) {
    this.args = { hardPodAffinityWeight: args.hardPodAffinityWeight ?? 1, ignorePreferredTermsOfExistingPods: args.ignorePreferredTermsOfExistingPods ?? false };
    this.nsLister = namespaceLister(handle.informers);
  }

  /** preFilter counts topology pairs; Skip when no term can reject the pod. */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    if (pod.parseError) return { status: newStatus('UnschedulableAndUnresolvable', `parsing pod: ${pod.parseError.message}`) };
    const lister = this.handle.snapshotSharedLister();
    const s = computePreFilterState(pod, lister.list(), lister.havePodsWithRequiredAntiAffinityList(), this.nsLister);
    if (!s) return { status: newStatus('Skip') };
    state.write(PRE_FILTER_KEY, s);
    return undefined;
  }

  /** preFilterExtensions keep the counts right when preemption adds or removes pods. */
  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  /** addPod counts a pod added to a node. */
  addPod(state: CycleState, _podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(podInfoToAdd, nodeInfo, 1);
    return undefined;
  }

  /** removePod uncounts a pod removed from a node. */
  removePod(state: CycleState, _podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(podInfoToRemove, nodeInfo, -1);
    return undefined;
  }

  /** filter checks the node's topology pairs. */
  filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    return filterNode(state, nodeInfo);
  }

  /** preScore builds the topology scores; Skip when nothing scores. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    if (!nodes.length) return undefined;
    const lister = this.handle.snapshotSharedLister();
    const s = computePreScoreState(pod, lister.list(), lister.havePodsWithAffinityList(), this.args, this.nsLister);
    if (!s) return newStatus('Skip');
    state.write(PRE_SCORE_KEY, s);
    return undefined;
  }

  /** score sums the node's topology pairs. */
  score(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo): number {
    return scoreNode(state, nodeInfo);
  }

  /** normalizeScore maps min..max to 0..100. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    normalize(state, scores);
    return undefined;
  }

  /** eventsToRegister: assigned pods added/relabelled/deleted in a way that matters; nodes added or relabelled. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'AssignedPod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        hint: (pod, oldObj, newObj) => {
          const o = oldObj as Pod | undefined;
          const n = newObj as Pod | undefined;
          const pi = new PodInfo(pod);
          if (n && o) {
            if (!podMatchesAllAffinityTerms(pi.requiredAffinityTerms, o) && podMatchesAllAffinityTerms(pi.requiredAffinityTerms, n)) return 'Queue';
            if (podMatchesAnyAffinityTerm(pi.requiredAntiAffinityTerms, o) && !podMatchesAnyAffinityTerm(pi.requiredAntiAffinityTerms, n)) return 'Queue';
            return 'QueueSkip';
          }
          if (n) return podMatchesAllAffinityTerms(pi.requiredAffinityTerms, n) ? 'Queue' : 'QueueSkip';
          if (!o) return 'QueueSkip';
          // A deleted pod frees its topology if the pod avoided it, or if it kept others away.
          return podMatchesAnyAffinityTerm(pi.requiredAntiAffinityTerms, o) || new PodInfo(o).hasRequiredAntiAffinity ? 'Queue' : 'QueueSkip';
        },
      },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
    ];
  }
}
