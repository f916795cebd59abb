/**
 * PodTopologySpread: topologySpreadConstraints (maxSkew, minDomains, whenUnsatisfiable,
 * nodeAffinityPolicy/nodeTaintsPolicy, matchLabelKeys). DoNotSchedule constraints filter,
 * ScheduleAnyway ones score; pods without constraints get the profile's defaults (System: spread
 * by hostname and zone over the pod's Service/ReplicaSet/StatefulSet/RC selector).
 */
import { matchesLabels } from '../../../apimachinery/labels.js';
import { Resources, type ResourceRef } from '../../../client/types.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  EnqueueExtensions, FilterPlugin, Handle, PreFilterExtensions, PreFilterOutcome, PreFilterPlugin, PreScorePlugin, ScorePlugin,
} from '../../framework/interface.js';
import type { Node, Pod, TopologySpreadConstraint } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint, type NodeScore } from '../../framework/types.js';
import { Names } from '../names.js';
import { defaultSelector, filterConstraints, nodeLabelsMatchSpreadConstraints, SYSTEM_DEFAULT_CONSTRAINTS, type Constraint, type SpreadListers } from './common.js';
import { calPreFilterState, filterNode, PRE_FILTER_KEY, type PreFilterState } from './filtering.js';
import { calPreScoreState, normalize, PRE_SCORE_KEY, scoreNode, type PreScoreState } from './scoring.js';

/** PodTopologySpreadArgs are the plugin's args. */
export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  /** System (the built-in defaults) or List (defaultConstraints) */
  defaultingType?: 'System' | 'List';
}

const REPLICA_SETS: ResourceRef = Resources.replicasets;

/** PodTopologySpread is a PreFilter, Filter and Score plugin. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, PreFilterExtensions {
  readonly name = Names.PodTopologySpread;
  private readonly defaultConstraints: TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;
  private readonly listers: SpreadListers;
  /** the default constraints parsed once per action, when they do not depend on the pod (no matchLabelKeys) */
  private readonly parsedDefaults: Record<'DoNotSchedule' | 'ScheduleAnyway', Constraint[]> | undefined;

  constructor(args: PodTopologySpreadArgs, private readonly handle: Pick<Handle, 'snapshotSharedLister'> & Partial<Pick<Handle, 'informers'>>) {
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaultConstraints = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
    const inf = handle.informers;
    this.listers = inf && this.defaultConstraints.length ? {
      services: inf.informerFor(Resources.services).lister,
      replicationControllers: inf.informerFor(Resources.replicationcontrollers).lister,
      replicaSets: inf.informerFor(REPLICA_SETS).lister,
      statefulSets: inf.informerFor(Resources.statefulsets).lister,
    } : {};
    if (!this.defaultConstraints.some((c) => c.matchLabelKeys?.length)) {
      try {
        this.parsedDefaults = {
          DoNotSchedule: filterConstraints(this.defaultConstraints, undefined, 'DoNotSchedule'),
          ScheduleAnyway: filterConstraints(this.defaultConstraints, undefined, 'ScheduleAnyway'),
        };
      } catch { /* parsed per pod, which reports the error */ }
    }
  }

  /** getConstraints is the pod's constraints for the action, or the defaults when it has none. */
  getConstraints(pod: Readonly<Pod>, action: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
    const own = pod.spec?.topologySpreadConstraints;
    if (own?.length) return filterConstraints(own, pod.metadata?.labels, action);
    const constraints = this.parsedDefaults?.[action] ?? filterConstraints(this.defaultConstraints, pod.metadata?.labels, action);
    if (!constraints.length) return [];
    const selector = defaultSelector(pod, this.listers);
    if (!selector.requirements.length) return [];
    return constraints.map((c) => ({ ...c, selector }));
  }

  /** preFilter counts matching pods per domain; Skip without DoNotSchedule constraints. */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    let constraints: Constraint[];
    try {
      constraints = this.getConstraints(pod.pod, 'DoNotSchedule');
    } catch (e) {
      return { status: newStatus('Error', `get constraints from pod: ${(e as Error).message}`) };
    }
    if (!constraints.length) return { status: newStatus('Skip') };
    state.write(PRE_FILTER_KEY, calPreFilterState(pod, constraints, this.handle.snapshotSharedLister().list()));
    return undefined;
  }

  /** preFilterExtensions keep the counts right when preemption adds or removes pods. */
  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  /** addPod counts a pod added to a node. */
  addPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(podInfoToAdd, podToSchedule, nodeInfo, 1);
    return undefined;
  }

  /** removePod uncounts a pod removed from a node. */
  removePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(podInfoToRemove, podToSchedule, nodeInfo, -1);
    return undefined;
  }

  /** filter checks the skew of every DoNotSchedule constraint on the node. */
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!s) return newStatus('Error', `reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    if (!s.constraints.length) return undefined;
    return filterNode(s, pod, nodeInfo);
  }

  /** preScore counts matching pods per domain for the soft constraints; Skip without any. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    const allNodes = this.handle.snapshotSharedLister().list();
    if (!allNodes.length) return newStatus('Skip');
    let constraints: Constraint[];
    try {
      constraints = this.getConstraints(pod.pod, 'ScheduleAnyway');
    } catch (e) {
      return newStatus('Error', `calculating preScoreState: ${(e as Error).message}`);
    }
    if (!constraints.length) return newStatus('Skip');
    // Only the system defaults let nodes without a zone label still spread by hostname.
    const requireAll = !!pod.pod.spec?.topologySpreadConstraints?.length || !this.systemDefaulted;
    state.write(PRE_SCORE_KEY, calPreScoreState(pod, constraints, nodes, allNodes, requireAll));
    return undefined;
  }

  /** score is the weighted count of matching pods in the node's domains. */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    return s ? scoreNode(s, pod, nodeInfo) : 0;
  }

  /** scoreNodes is score for every node. */
  scoreNodes(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: NodeScore[]): MaybeStatus {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    for (let i = 0; i < nodes.length; i++) scores[i].score = s ? scoreNode(s, pod, nodes[i]) : 0;
    return undefined;
  }

  /** normalizeScore: fewer matching pods → higher score. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s) normalize(s, scores);
    return undefined;
  }

  /** eventsToRegister: assigned pods the constraints select come or go; nodes with the topology keys come, go or change. */
  eventsToRegister(): ClusterEventWithHint[] {
    const constraintsOf = (pod: Readonly<Pod>) => [...this.getConstraints(pod, 'DoNotSchedule'), ...this.getConstraints(pod, 'ScheduleAnyway')];
    return [
      {
        event: { resource: 'AssignedPod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete },
        hint: (pod, oldObj, newObj) => {
          const o = oldObj as Pod | undefined;
          const n = newObj as Pod | undefined;
          const cs = constraintsOf(pod);
          const matches = (p: Pod) => cs.some((c) => matchesLabels(c.selector, p.metadata?.labels));
          if (o && n) return cs.some((c) => matchesLabels(c.selector, o.metadata?.labels) !== matchesLabels(c.selector, n.metadata?.labels)) ? 'Queue' : 'QueueSkip';
          const p = n ?? o;
          return p && matches(p) ? 'Queue' : 'QueueSkip';
        },
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
        hint: (pod, oldObj, newObj) => {
          const cs = constraintsOf(pod);
          const o = oldObj as Node | undefined;
          const n = newObj as Node | undefined;
          const om = !!o && nodeLabelsMatchSpreadConstraints(o.metadata?.labels ?? {}, cs);
          const nm = !!n && nodeLabelsMatchSpreadConstraints(n.metadata?.labels ?? {}, cs);
          if (o && n) {
            if (om !== nm) return 'Queue';
            const changed = cs.some((c) => o.metadata?.labels?.[c.topologyKey] !== n.metadata?.labels?.[c.topologyKey]);
            return nm && (changed || JSON.stringify(o.spec?.taints ?? []) !== JSON.stringify(n.spec?.taints ?? [])) ? 'Queue' : 'QueueSkip';
          }
          return (n ? nm : om) ? 'Queue' : 'QueueSkip';
        },
      },
    ];
  }
}
