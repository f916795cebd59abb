/**
 * NodeResourcesFit rejects nodes without room for the pod's requests ("Insufficient cpu", "Too many
 * pods") and scores nodes by a strategy: LeastAllocated (default), MostAllocated or
 * RequestedToCapacityRatio.
 */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, PreFilterOutcome, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import type { Node, Pod } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Resource } from '../../framework/resource.js';
import { Status, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint, type NodeScore } from '../../framework/types.js';
import { Names } from '../names.js';
import { DEFAULT_RESOURCES, podResourceRequests, ResourceAllocationScorer, type ResourceSpec, type Scorer } from './resource-allocation.js';
import { leastAllocatedScorer, mostAllocatedScorer, requestedToCapacityRatioScorer, type UtilizationShapePoint } from './scorers.js';

/** NodeResourcesFitArgs are the plugin's args. */
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape?: UtilizationShapePoint[] };
  };
}

/** InsufficientResource is one resource the node lacks. */
export interface InsufficientResource { resourceName: string; reason: string; requested: number; used: number; capacity: number }

const PRE_FILTER_KEY = `PreFilter${Names.NodeResourcesFit}`;
const PRE_SCORE_KEY = `PreScore${Names.NodeResourcesFit}`;

class PreFilterState implements StateData {
  constructor(readonly requests: Resource) {}
  clone(): StateData { return this; }
}

class PreScoreState implements StateData {
  constructor(readonly podRequests: number[]) {}
  clone(): StateData { return this; }
}

/** isExtendedResourceName: a resource outside the kubernetes.io namespace (and not requests.*). */
function isExtendedResourceName(name: string): boolean {
  if (!name.includes('/') || name.startsWith('requests.')) return false;
  const domain = name.slice(0, name.indexOf('/'));
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io');
}

/**
 * fitsRequest lists what the node lacks for the pod: the pod count first ("Too many pods"), then
 * cpu, memory, ephemeral-storage and scalar resources, in upstream's order.
 */
export function fitsRequest(podRequest: Resource, nodeInfo: NodeInfo, ignoredExtended: ReadonlySet<string> = new Set(), ignoredGroups: ReadonlySet<string> = new Set()): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const allowed = nodeInfo.allocatable.allowedPodNumber;
  if (nodeInfo.pods.length + 1 > allowed) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: nodeInfo.pods.length, capacity: allowed });
  }
  if (podRequest.isZero()) return out;
  const alloc = nodeInfo.allocatable;
  const req = nodeInfo.requested;
  if (podRequest.milliCPU > 0 && podRequest.milliCPU > alloc.milliCPU - req.milliCPU) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: podRequest.milliCPU, used: req.milliCPU, capacity: alloc.milliCPU });
  }
  if (podRequest.memory > 0 && podRequest.memory > alloc.memory - req.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: podRequest.memory, used: req.memory, capacity: alloc.memory });
  }
  if (podRequest.ephemeralStorage > 0 && podRequest.ephemeralStorage > alloc.ephemeralStorage - req.ephemeralStorage) {
    out.push({ resourceName: 'ephemeral-storage', reason: 'Insufficient ephemeral-storage', requested: podRequest.ephemeralStorage, used: req.ephemeralStorage, capacity: alloc.ephemeralStorage });
  }
  if (podRequest.scalar) {
    for (const [name, q] of podRequest.scalar) {
      if (q === 0) continue;
      if (isExtendedResourceName(name)) {
        const group = name.slice(0, name.indexOf('/'));
        if (ignoredExtended.has(name) || ignoredGroups.has(group)) continue;
      }
      if (q > alloc.getScalar(name) - req.getScalar(name)) {
        out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: req.getScalar(name), capacity: alloc.getScalar(name) });
      }
    }
  }
  return out;
}

/** fitsQuickly is fitsRequest's common answer without allocating: cpu, memory, storage and the pod count fit. */
function fitsQuickly(r: Resource, ni: NodeInfo): boolean {
  // NodeInfo's flat copies of the numbers: this runs for every node of every cycle.
  return ni.podCount + 1 <= ni.allowedPodNumber
    && (r.milliCPU === 0 || r.milliCPU <= ni.allocatableMilliCPU - ni.requestedMilliCPU)
    && (r.memory === 0 || r.memory <= ni.allocatableMemory - ni.requestedMemory)
    && (r.ephemeralStorage === 0 || r.ephemeralStorage <= ni.allocatableEphemeralStorage - ni.requestedEphemeralStorage)
    && !r.scalar?.size;
}

/** NodeResourcesFit is a PreFilter, Filter and Score plugin. */
export class Fit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = Names.NodeResourcesFit;
  private readonly ignoredResources: Set<string>;
  private readonly ignoredResourceGroups: Set<string>;
  private readonly resources: ResourceSpec[];
  private readonly allocationScorer: ResourceAllocationScorer;
  private readonly scorer: Scorer;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignoredResources = new Set(args.ignoredResources ?? []);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups ?? []);
    const strategy = args.scoringStrategy ?? {};
    this.resources = strategy.resources?.length ? strategy.resources : DEFAULT_RESOURCES;
    switch (strategy.type ?? 'LeastAllocated') {
      case 'MostAllocated': this.scorer = mostAllocatedScorer(this.resources); break;
      case 'RequestedToCapacityRatio': this.scorer = requestedToCapacityRatioScorer(this.resources, strategy.requestedToCapacityRatio?.shape ?? []); break;
      default: this.scorer = leastAllocatedScorer(this.resources);
    }
    this.allocationScorer = new ResourceAllocationScorer(this.resources, false, this.scorer);
  }

  /** preFilter computes the pod's request once. */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    state.write(PRE_FILTER_KEY, new PreFilterState(pod.requests));
    return undefined;
  }

  /** filter rejects the node with every insufficient resource as a reason. */
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    // tskube keeps one leniency of its first scheduler: a Node object that reports no allocatable
    // at all (made by hand, no agent) is not limited. A kubelet always reports it; Kubernetes
    // would call such a node full ("Too many pods").
    if (nodeInfo.node && !nodeInfo.reportsAllocatable) return undefined;
    const requests = state.read<PreFilterState>(PRE_FILTER_KEY)?.requests ?? pod.requests;
    if (fitsQuickly(requests, nodeInfo)) return undefined;
    const insufficient = fitsRequest(requests, nodeInfo, this.ignoredResources, this.ignoredResourceGroups);
    if (!insufficient.length) return undefined;
    return new Status('Unschedulable', insufficient.map((r) => r.reason));
  }

  /** preScore computes the pod's scoring requests once. */
  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    state.write(PRE_SCORE_KEY, new PreScoreState(podResourceRequests(pod, this.resources, false)));
    return undefined;
  }

  /** score applies the scoring strategy. */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const req = state.read<PreScoreState>(PRE_SCORE_KEY)?.podRequests ?? podResourceRequests(pod, this.resources, false);
    return this.allocationScorer.score(nodeInfo, req);
  }

  /** scoreNodes is score for every node. */
  scoreNodes(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: NodeScore[]): MaybeStatus {
    const req = state.read<PreScoreState>(PRE_SCORE_KEY)?.podRequests ?? podResourceRequests(pod, this.resources, false);
    const scorer = this.allocationScorer;
    for (let i = 0; i < nodes.length; i++) scores[i].score = scorer.score(nodes[i], req);
    return undefined;
  }

  /** eventsToRegister: an assigned pod deleted; a node added or given more allocatable that now fits; the pod scaled down. */
  eventsToRegister(): ClusterEventWithHint[] {
    const fitsNode = (pod: Readonly<Pod>, node: Node | undefined) => {
      if (!node) return false;
      const ni = { pods: [], allocatable: Resource.fromList(node.status?.allocatable), requested: new Resource() } as unknown as NodeInfo;
      return fitsRequest(new PodInfo(pod).requests, ni, this.ignoredResources, this.ignoredResourceGroups).length === 0;
    };
    return [
      {
        event: { resource: 'AssignedPod', actionType: ActionType.Delete },
        hint: (_pod, oldObj) => {
          const deleted = oldObj as Pod | undefined;
          return deleted?.spec?.nodeName || deleted?.status?.nominatedNodeName ? 'Queue' : 'QueueSkip';
        },
      },
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable | ActionType.UpdateNodeTaint | ActionType.UpdateNodeLabel },
        hint: (pod, _oldObj, newObj) => (fitsNode(pod, newObj as Node) ? 'Queue' : 'QueueSkip'),
      },
      {
        event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodScaleDown },
        hint: (pod, _o, n) => ((n as Pod | undefined)?.metadata?.uid === pod.metadata?.uid ? 'Queue' : 'QueueSkip'),
      },
    ];
  }
}
