/**
 * The framework's data types: the queued pod, the per-node statuses of a failed cycle and the
 * FitError that renders them ("0/3 nodes are available: ..."), PreFilter/PostFilter results,
 * cluster events and queueing hints.
 */
import type { Pod } from './api.js';
import type { PodInfo } from './pod-info.js';
import { newStatus, type Code, type MaybeStatus, type Status } from './status.js';

/** MAX_NODE_SCORE is the highest score a Score plugin gives after normalizing. */
export const MAX_NODE_SCORE = 100;
/** MIN_NODE_SCORE is the lowest. */
export const MIN_NODE_SCORE = 0;
/** MAX_TOTAL_SCORE bounds the sum of weighted scores (int64 max in upstream). */
export const MAX_TOTAL_SCORE = Number.MAX_SAFE_INTEGER;

/** QueuedPodInfo is a pod in the scheduling queue with its attempt bookkeeping. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** when the pod was last added to the queue (ms): the queue sort tiebreak and the back-off start */
  timestamp: number;
  /** scheduling attempts so far */
  attempts: number;
  /** when the pod was first popped (ms) */
  initialAttemptTimestamp: number | undefined;
  /** plugins that rejected the pod in its last attempt (only their events can make it schedulable) */
  unschedulablePlugins: Set<string>;
  /** plugins that returned Pending */
  pendingPlugins: Set<string>;
  /** a PreEnqueue plugin holds the pod */
  gated: boolean;
  /** the PreEnqueue status that gated it */
  gatingPlugin?: string;
}

/** newQueuedPodInfo wraps a pod for the queue. */
export function newQueuedPodInfo(podInfo: PodInfo, now: number): QueuedPodInfo {
  return { podInfo, timestamp: now, attempts: 0, initialAttemptTimestamp: undefined, unschedulablePlugins: new Set(), pendingPlugins: new Set(), gated: false };
}

/** NodeToStatus maps node names to the status that rejected them, plus one status for nodes not in the map. */
export class NodeToStatus {
  private readonly map = new Map<string, Status>();
  private absent: Status;

  constructor(absent: Status = newStatus('UnschedulableAndUnresolvable')) {
    this.absent = absent;
  }

  /** get is the status of a node (the absent-nodes status if it was not evaluated). */
  get(name: string): Status {
    return this.map.get(name) ?? this.absent;
  }

  /** set records a node's status. */
  set(name: string, s: Status): void {
    this.map.set(name, s);
  }

  /** len is the number of nodes with their own status. */
  get len(): number {
    return this.map.size;
  }

  /** absentNodesStatus is the status of nodes not in the map. */
  get absentNodesStatus(): Status {
    return this.absent;
  }

  /** setAbsentNodesStatus changes the status of nodes not in the map. */
  setAbsentNodesStatus(s: Status): void {
    this.absent = s;
  }

  /** entries iterates the explicit statuses. */
  entries(): IterableIterator<[string, Status]> {
    return this.map.entries();
  }

  /**
   * nodesForStatusCode lists the nodes (of allNodes) whose status has the code, absent nodes
   * included when the absent status has it (preemption's potential nodes).
   */
  nodesForStatusCode<N extends { name: string }>(allNodes: readonly N[], code: Code): N[] {
    if (this.absent.code === code) return allNodes.filter((n) => { const s = this.map.get(n.name); return !s || s.code === code; });
    return allNodes.filter((n) => this.map.get(n.name)?.code === code);
  }
}

/** Diagnosis records why a cycle found no node. */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  unschedulablePlugins: Set<string>;
  pendingPlugins: Set<string>;
  /** the PreFilter message when a PreFilter plugin rejected the pod */
  preFilterMsg: string;
  /** the PostFilter (preemption) message */
  postFilterMsg: string;
}

/** newDiagnosis starts an empty diagnosis. */
export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), pendingPlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

/** addPluginStatus records which plugin rejected (Diagnosis.AddPluginStatus). */
export function addPluginStatus(d: Diagnosis, s: MaybeStatus): void {
  if (!s || !s.plugin) return;
  if (s.code === 'Pending') d.pendingPlugins.add(s.plugin);
  else if (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable') d.unschedulablePlugins.add(s.plugin);
}

/** NO_NODE_AVAILABLE_MSG starts every FitError message. */
export const NO_NODE_AVAILABLE_MSG = '0/%v nodes are available';

/** ErrNoNodesAvailable is the error of a cycle in a cluster without nodes. */
export class ErrNoNodesAvailable extends Error {
  constructor() { super('no nodes available to schedule pods'); }
}

/**
 * FitError is a cycle that found no node. Its message is upstream's: the reasons counted over the
 * nodes and sorted as strings, then the PostFilter message, each part ended by "." —
 * "0/3 nodes are available: 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu. preemption: ...".
 */
export class FitError extends Error {
  constructor(readonly pod: Readonly<Pod>, readonly numAllNodes: number, readonly diagnosis: Diagnosis) {
    super();
    // The message is read after PostFilter added its part: compute it when asked.
    Object.defineProperty(this, 'message', { get: () => fitErrorMessage(this.numAllNodes, this.diagnosis), configurable: true, enumerable: false });
  }
}

/** fitErrorMessage renders a Diagnosis as FitError.Error() does. */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    // A PreFilter rejection gives every node the same status: counting them would repeat it.
    const reasons = new Map<string, number>();
    for (const [, s] of d.nodeToStatus.entries()) for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.len;
    if (absent > 0) for (const r of d.nodeToStatus.absentNodesStatus.reasons) reasons.set(r, (reasons.get(r) ?? 0) + absent);
    const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort(goStringLess);
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

/** goStringLess orders strings bytewise as Go's sort.Strings does (UTF-16 order differs only outside the BMP). */
function goStringLess(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** PreFilterResult restricts the nodes the Filter plugins see (nodeNames undefined = all nodes). */
export class PreFilterResult {
  constructor(readonly nodeNames?: ReadonlySet<string>) {}

  /** allNodes is true when the result does not restrict the nodes. */
  allNodes(): boolean {
    return this.nodeNames === undefined;
  }

  /** merge intersects two results (undefined = all nodes). */
  static merge(a: PreFilterResult | undefined, b: PreFilterResult | undefined): PreFilterResult | undefined {
    if (!a || a.allNodes()) return b;
    if (!b || b.allNodes()) return a;
    const out = new Set<string>();
    for (const n of a.nodeNames!) if (b.nodeNames!.has(n)) out.add(n);
    return new PreFilterResult(out);
  }
}

/** NominatingMode says whether a PostFilter result changes the pod's nominated node. */
export type NominatingMode = 'Noop' | 'Override';

/** NominatingInfo is the nominated node a PostFilter plugin decided. */
export interface NominatingInfo { nominatedNodeName: string; mode: NominatingMode }

/** PostFilterResult is what a PostFilter plugin (preemption) returns. */
export interface PostFilterResult { nominatingInfo?: NominatingInfo }

/** NodeScore is one node's score from one plugin. */
export interface NodeScore { name: string; score: number }

/** NodePluginScores is one node's total (weighted) score. */
export interface NodePluginScores { name: string; totalScore: number }

/** ActionType is a bit set of what happened to an object (framework.ActionType). */
export const ActionType = {
  Add: 1,
  Delete: 2,
  UpdateNodeAllocatable: 4,
  UpdateNodeLabel: 8,
  UpdateNodeTaint: 16,
  UpdateNodeCondition: 32,
  UpdateNodeAnnotation: 64,
  UpdatePodLabel: 128,
  UpdatePodScaleDown: 256,
  UpdatePodTolerations: 512,
  UpdatePodSchedulingGatesEliminated: 1024,
  UpdatePodOther: 2048,
  /** any update */
  Update: 4 | 8 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048,
  All: 4095,
} as const;

/** EventResource is what an event is about ("Pod" covers assigned and unscheduled pods). */
export type EventResource = 'Pod' | 'AssignedPod' | 'UnscheduledPod' | 'Node' | 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass' | 'Namespace' | 'PriorityClass' | '*';

/** ClusterEvent is something that happened in the cluster that may make pods schedulable. */
export interface ClusterEvent { resource: EventResource; actionType: number; label?: string }

/** clusterEventMatches tells whether a registered event (`want`) covers an event that happened (`got`). */
export function clusterEventMatches(want: ClusterEvent, got: ClusterEvent): boolean {
  if (want.resource === '*' || got.resource === '*') return (want.actionType & got.actionType) !== 0;
  const resourceOK = want.resource === got.resource
    || (want.resource === 'Pod' && (got.resource === 'AssignedPod' || got.resource === 'UnscheduledPod'));
  return resourceOK && (want.actionType & got.actionType) !== 0;
}

/** QueueingHint is a plugin's verdict on an event for a pod it rejected. */
export type QueueingHint = 'Queue' | 'QueueSkip';

/** QueueingHintFn decides whether an event may make the pod schedulable (old/new are the event's objects). */
export type QueueingHintFn = (pod: Readonly<Pod>, oldObj: unknown, newObj: unknown) => QueueingHint;

/** ClusterEventWithHint is an event a plugin registers, with an optional hint (none = always Queue). */
export interface ClusterEventWithHint { event: ClusterEvent; hint?: QueueingHintFn }

/** Well-known events, named as upstream's framework.EventXxx. */
export const Events = {
  AssignedPodAdd: { resource: 'AssignedPod', actionType: ActionType.Add, label: 'AssignedPodAdd' },
  AssignedPodUpdate: { resource: 'AssignedPod', actionType: ActionType.Update, label: 'AssignedPodUpdate' },
  AssignedPodDelete: { resource: 'AssignedPod', actionType: ActionType.Delete, label: 'AssignedPodDelete' },
  NodeAdd: { resource: 'Node', actionType: ActionType.Add, label: 'NodeAdd' },
  UnschedulableTimeout: { resource: '*', actionType: ActionType.All, label: 'UnschedulableTimeout' },
  ForceActivate: { resource: '*', actionType: ActionType.All, label: 'ForceActivate' },
} as const satisfies Record<string, ClusterEvent>;
