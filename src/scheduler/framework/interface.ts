/**
 * The extension points of the scheduling framework (pkg/scheduler/framework/interface.go). A plugin
 * implements only the points it needs; the framework calls them in the profile's order. Every
 * point returns a Status (undefined = Success) instead of throwing.
 *
 * One pod's cycle: PreEnqueue (before it enters the active queue) → QueueSort (its place) →
 * PreFilter → Filter (per node) → PostFilter (no node fits: preemption) → PreScore → Score (per
 * node) → NormalizeScore → Reserve → Permit; then, in the background, PreBind → Bind → PostBind.
 */
import type { Client } from '../../client/types.js';
import type { InformerFactory } from '../../client/informer-types.js';
import type { Clock } from '../../util/clock.js';
import type { Pod } from './api.js';
import type { CycleState } from './cycle-state.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { MaybeStatus, Status } from './status.js';
import type { ClusterEventWithHint, NodeScore, NodeToStatus, PostFilterResult, PreFilterResult, QueuedPodInfo } from './types.js';

/** Plugin is anything the registry builds; `name` is its registry name. */
export interface Plugin { readonly name: string }

/** PreEnqueuePlugin decides whether a pod may enter the active queue at all (SchedulingGates). */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: PodInfo): MaybeStatus;
}

/** QueueSortPlugin orders the active queue; exactly one per profile. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/** EnqueueExtensions lists the cluster events that may make a pod this plugin rejected schedulable. */
export interface EnqueueExtensions {
  eventsToRegister(): ClusterEventWithHint[];
}

/** PreFilterOutcome is a PreFilter plugin's answer: nodes it restricts to, and a status. */
export interface PreFilterOutcome { result?: PreFilterResult; status?: Status }

/** PreFilterExtensions keep a PreFilter plugin's state right when preemption adds or removes pods. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  removePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
}

/** PreFilterPlugin computes once per cycle what its Filter needs; Skip skips its Filter. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterOutcome | undefined;
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

/** FilterPlugin says whether the pod may run on one node. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
}

/** PostFilterOutcome is a PostFilter plugin's answer. */
export interface PostFilterOutcome { result?: PostFilterResult; status?: Status }

/** PostFilterPlugin runs when no node passed the filters (DefaultPreemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, filteredNodeStatus: NodeToStatus): Promise<PostFilterOutcome>;
}

/** PreScorePlugin computes once per cycle what its Score needs; Skip skips its Score. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus;
}

/** ScorePlugin ranks a feasible node (0..100 after NormalizeScore; the framework applies the weight). */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status;
  /**
   * scoreNodes, when a plugin has it, is score for every node at once: scores[i].score for
   * nodes[i], the same numbers, without a call and a CycleState read per node (the framework
   * scores hundreds of nodes per pod with each plugin)
   */
  scoreNodes?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: NodeScore[]): MaybeStatus;
  /** normalizeScore maps raw scores into 0..100, in place */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): MaybeStatus;
}

/** ReservePlugin reserves node-level state for an assumed pod (and releases it on failure). */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** PermitOutcome is Permit's answer: Wait holds the pod up to timeoutMs. */
export interface PermitOutcome { status?: Status; timeoutMs?: number }

/** PermitPlugin approves, rejects or holds a pod before binding (coscheduling). */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): PermitOutcome | undefined;
}

/** PreBindPlugin prepares the node before binding (volumes). */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

/** BindPlugin binds the pod; Skip passes to the next binder. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

/** PostBindPlugin is told about a successful binding. */
export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** NodeInfoLister reads the cycle's snapshot. */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
}

/** PodNominator knows which pods were nominated to which node by preemption. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** hasNominatedPods is false when no pod is nominated anywhere (a nominator without it may have some) */
  hasNominatedPods?(): boolean;
}

/** WaitingPod is a pod held by Permit plugins. */
export interface WaitingPod {
  readonly pod: PodInfo;
  allow(pluginName: string): void;
  reject(pluginName: string, msg: string): void;
}

/** EventSink records Kubernetes Events (client/events.ts's EventRecorder fits). */
export interface EventSink {
  event(obj: Readonly<Pod>, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Handle is what plugins get from the framework: the API, the snapshot, and the framework itself. */
export interface Handle {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly clock: Clock;
  readonly eventRecorder: EventSink;
  readonly profileName: string;
  snapshotSharedLister(): NodeInfoLister;
  podNominator(): PodNominator;
  /** runFilterPluginsWithNominatedPods filters a node counting the higher-priority pods nominated to it */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  getWaitingPod(uid: string): WaitingPod | undefined;
  /** activate moves pods back to the active queue (after preemption fails, for instance) */
  activate(pods: readonly Readonly<Pod>[]): void;
}

/** PluginFactory builds a plugin from its args (already defaulted) and the handle. */
export type PluginFactory = (args: Record<string, unknown>, handle: Handle) => Plugin;

/** Registry maps plugin names to factories. */
export type Registry = ReadonlyMap<string, PluginFactory>;

/** Type guards: which extension points a plugin implements. */
export const implementsPoint = {
  preEnqueue: (p: Plugin): p is PreEnqueuePlugin => typeof (p as PreEnqueuePlugin).preEnqueue === 'function',
  queueSort: (p: Plugin): p is QueueSortPlugin => typeof (p as QueueSortPlugin).less === 'function',
  preFilter: (p: Plugin): p is PreFilterPlugin => typeof (p as PreFilterPlugin).preFilter === 'function',
  filter: (p: Plugin): p is FilterPlugin => typeof (p as FilterPlugin).filter === 'function',
  postFilter: (p: Plugin): p is PostFilterPlugin => typeof (p as PostFilterPlugin).postFilter === 'function',
  preScore: (p: Plugin): p is PreScorePlugin => typeof (p as PreScorePlugin).preScore === 'function',
  score: (p: Plugin): p is ScorePlugin => typeof (p as ScorePlugin).score === 'function',
  reserve: (p: Plugin): p is ReservePlugin => typeof (p as ReservePlugin).reserve === 'function',
  permit: (p: Plugin): p is PermitPlugin => typeof (p as PermitPlugin).permit === 'function',
  preBind: (p: Plugin): p is PreBindPlugin => typeof (p as PreBindPlugin).preBind === 'function',
  bind: (p: Plugin): p is BindPlugin => typeof (p as BindPlugin).bind === 'function',
  postBind: (p: Plugin): p is PostBindPlugin => typeof (p as PostBindPlugin).postBind === 'function',
  enqueueExtensions: (p: Plugin): p is Plugin & EnqueueExtensions => typeof (p as unknown as EnqueueExtensions).eventsToRegister === 'function',
};

/** ExtensionPoint names, as in KubeSchedulerConfiguration's plugins field. */
export type ExtensionPoint = keyof typeof implementsPoint extends infer K ? Exclude<K, 'enqueueExtensions'> : never;
