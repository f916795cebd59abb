/**
 * resourceAllocationScorer is the scoring shared by NodeResourcesFit's strategies and
 * NodeResourcesBalancedAllocation (noderesources/resource_allocation.go): per configured resource,
 * the node's allocatable and what would be requested with the pod, handed to a scorer.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Resource } from '../../framework/resource.js';

/** ResourceSpec is a resource and its weight (args.resources). */
export interface ResourceSpec { name: string; weight: number }

/** DEFAULT_RESOURCES are cpu and memory, weight 1 each. */
export const DEFAULT_RESOURCES: ResourceSpec[] = [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];

function resourceValue(r: Resource, name: string): number {
  switch (name) {
    case 'cpu': return r.milliCPU;
    case 'memory': return r.memory;
    case 'ephemeral-storage': return r.ephemeralStorage;
    case 'pods': return r.allowedPodNumber;
    default: return r.getScalar(name);
  }
}

/**
 * podResourceRequests is the pod's request for each resource: with useRequested false, a
 * container without a cpu/memory request counts 100m/200Mi (so empty pods still spread).
 */
export function podResourceRequests(pod: PodInfo, resources: readonly ResourceSpec[], useRequested: boolean): number[] {
  const nz = pod.nonZeroRequests;
  return resources.map((r) => {
    if (!useRequested && r.name === 'cpu') return nz.milliCPU;
    if (!useRequested && r.name === 'memory') return nz.memory;
    return resourceValue(pod.requests, r.name);
  });
}

/** Scorer turns per-resource (requested, allocatable) into a 0..100 score. */
export type Scorer = (requested: number[], allocatable: number[]) => number;

/**
 * scoreNode scores one node: extended resources the pod does not request are left out, and
 * resources the node does not have count as allocatable 0 (the scorers skip them).
 */
export function scoreNode(nodeInfo: NodeInfo, podRequests: readonly number[], resources: readonly ResourceSpec[], useRequested: boolean, scorer: Scorer): number {
  const requested = new Array<number>(resources.length).fill(0);
  const allocatable = new Array<number>(resources.length).fill(0);
  const nodeRequested = useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
  for (let i = 0; i < resources.length; i++) {
    const name = resources[i].name;
    const scalar = name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods';
    if (scalar && podRequests[i] === 0) continue;
    const alloc = resourceValue(nodeInfo.allocatable, name);
    if (alloc === 0) continue;
    allocatable[i] = alloc;
    // Only cpu and memory have scoring defaults; the rest is counted as requested.
    requested[i] = resourceValue(name === 'cpu' || name === 'memory' ? nodeRequested : nodeInfo.requested, name) + podRequests[i];
  }
  return scorer(requested, allocatable);
}
