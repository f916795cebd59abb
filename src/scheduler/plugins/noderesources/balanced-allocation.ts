/** NodeResourcesBalancedAllocation favours nodes whose cpu and memory would be used in the same proportion. */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { PreScorePlugin, ScorePlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { MaybeStatus } from '../../framework/status.js';
import type { NodeScore } from '../../framework/types.js';
import { Names } from '../names.js';
import { DEFAULT_RESOURCES, podResourceRequests, ResourceAllocationScorer, type ResourceSpec } from './resource-allocation.js';
import { balancedResourceScorer } from './scorers.js';

/** NodeResourcesBalancedAllocationArgs are the plugin's args. */
export interface NodeResourcesBalancedAllocationArgs { resources?: ResourceSpec[] }

const PRE_SCORE_KEY = `PreScore${Names.NodeResourcesBalancedAllocation}`;

class PreScoreState implements StateData {
  constructor(readonly podRequests: number[]) {}
  clone(): StateData { return this; }
}

/** BalancedAllocation is a Score plugin (it counts requests as requested, without scoring defaults). */
export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = Names.NodeResourcesBalancedAllocation;
  private readonly resources: ResourceSpec[];
  private readonly allocationScorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    this.resources = args.resources?.length ? args.resources : DEFAULT_RESOURCES;
    this.allocationScorer = new ResourceAllocationScorer(this.resources, true, balancedResourceScorer);
  }

  /** preScore computes the pod's requests once. */
  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    state.write(PRE_SCORE_KEY, new PreScoreState(podResourceRequests(pod, this.resources, true)));
    return undefined;
  }

  /** score is 100 × (1 − std of the requested fractions). */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number {
    const req = state.read<PreScoreState>(PRE_SCORE_KEY)?.podRequests ?? podResourceRequests(pod, this.resources, true);
    return this.allocationScorer.score(nodeInfo, req);
  }

  /** scoreNodes is score for every node. */
  scoreNodes(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: NodeScore[]): MaybeStatus {
    const req = state.read<PreScoreState>(PRE_SCORE_KEY)?.podRequests ?? podResourceRequests(pod, this.resources, true);
    const scorer = this.allocationScorer;
    for (let i = 0; i < nodes.length; i++) scores[i].score = scorer.score(nodes[i], req);
    return undefined;
  }
}
