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

const CPU = 0;
const MEMORY = 1;
const EPHEMERAL = 2;
const PODS = 3;
const SCALAR = 4;

function kindOf(name: string): number {
  switch (name) {
    case 'cpu': return CPU;
    case 'memory': return MEMORY;
    case 'ephemeral-storage': return EPHEMERAL;
    case 'pods': return PODS;
    default: return SCALAR;
  }
}

/** allocatableValue is the node's allocatable of one resource (NodeInfo's flat copies for the common ones). */
function allocatableValue(ni: NodeInfo, kind: number, name: string): number {
  switch (kind) {
    case CPU: return ni.allocatableMilliCPU;
    case MEMORY: return ni.allocatableMemory;
    case EPHEMERAL: return ni.allocatableEphemeralStorage;
    case PODS: return ni.allowedPodNumber;
    default: return ni.allocatable.getScalar(name);
  }
}

/** requestedValue is what the node's pods request of one resource, cpu and memory with the scoring defaults unless useRequested. */
function requestedValue(ni: NodeInfo, kind: number, name: string, useRequested: boolean): number {
  switch (kind) {
    case CPU: return useRequested ? ni.requestedMilliCPU : ni.nonZeroMilliCPU;
    case MEMORY: return useRequested ? ni.requestedMemory : ni.nonZeroMemory;
    case EPHEMERAL: return ni.requestedEphemeralStorage;
    case PODS: return ni.requested.allowedPodNumber;
    default: return ni.requested.getScalar(name);
  }
}

function resourceValue(r: Resource, kind: number, name: string): number {
  switch (kind) {
    case CPU: return r.milliCPU;
    case MEMORY: return r.memory;
    case EPHEMERAL: return r.ephemeralStorage;
    case PODS: return r.allowedPodNumber;
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
    const kind = kindOf(r.name);
    if (!useRequested && kind === CPU) return nz.milliCPU;
    if (!useRequested && kind === MEMORY) return nz.memory;
    return resourceValue(pod.requests, kind, r.name);
  });
}

/** Scorer turns per-resource (requested, allocatable) into a 0..100 score. */
export type Scorer = (requested: number[], allocatable: number[]) => number;

/**
 * ResourceAllocationScorer scores nodes for one resource list: extended resources the pod does
 * not request are left out, and resources the node does not have count as allocatable 0 (the
 * scorers skip them). It runs for hundreds of nodes per pod, so it reuses its arrays.
 */
export class ResourceAllocationScorer {
  private readonly kinds: number[];
  private readonly requested: number[];
  private readonly allocatable: number[];

  constructor(private readonly resources: readonly ResourceSpec[], private readonly useRequested: boolean, private readonly scorer: Scorer) {
    this.kinds = resources.map((r) => kindOf(r.name));
    this.requested = new Array<number>(resources.length).fill(0);
    this.allocatable = new Array<number>(resources.length).fill(0);
  }

  /** score scores one node for the pod's per-resource requests. */
  score(nodeInfo: NodeInfo, podRequests: readonly number[]): number {
    const { requested, allocatable, kinds, resources, useRequested } = this;
    for (let i = 0; i < kinds.length; i++) {
      requested[i] = 0;
      allocatable[i] = 0;
      const kind = kinds[i];
      if (kind === SCALAR && podRequests[i] === 0) continue;
      const alloc = allocatableValue(nodeInfo, kind, resources[i].name);
      if (alloc === 0) continue;
      allocatable[i] = alloc;
      // Only cpu and memory have scoring defaults; the rest is counted as requested.
      requested[i] = requestedValue(nodeInfo, kind, resources[i].name, useRequested) + podRequests[i];
    }
    return this.scorer(requested, allocatable);
  }
}
