/** The NodeResourcesFit scoring strategies and BalancedAllocation's scorer (noderesources/*_allocated.go). */
import { MAX_NODE_SCORE } from '../../framework/types.js';
import type { ResourceSpec, Scorer } from './resource-allocation.js';

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  // A node can be over-requested (pods with limits, no requests): count it as full.
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

function weighted(resources: readonly ResourceSpec[], per: (req: number, cap: number) => number): Scorer {
  return (requested, allocatable) => {
    let score = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i].weight;
      score += per(requested[i], allocatable[i]) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
  };
}

/** leastAllocatedScorer favours nodes with the most room left (the default). */
export function leastAllocatedScorer(resources: readonly ResourceSpec[]): Scorer {
  return weighted(resources, leastRequestedScore);
}

/** mostAllocatedScorer favours the fullest nodes (bin packing). */
export function mostAllocatedScorer(resources: readonly ResourceSpec[]): Scorer {
  return weighted(resources, mostRequestedScore);
}

/** UtilizationShapePoint is one point of RequestedToCapacityRatio's shape (utilization 0..100 → score 0..10). */
export interface UtilizationShapePoint { utilization: number; score: number }

/** requestedToCapacityRatioScorer scores utilization along a piecewise linear shape. */
export function requestedToCapacityRatioScorer(resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): Scorer {
  // Shape scores are 0..10 in the config; the framework's range is 0..100.
  const pts = shape.map((p) => ({ x: p.utilization, y: p.score * (MAX_NODE_SCORE / 10) }));
  const fn = (p: number): number => {
    for (let i = 0; i < pts.length; i++) {
      if (p <= pts[i].x) {
        if (i === 0) return pts[0].y;
        return pts[i - 1].y + Math.trunc(((pts[i].y - pts[i - 1].y) * (p - pts[i - 1].x)) / (pts[i].x - pts[i - 1].x));
      }
    }
    return pts[pts.length - 1].y;
  };
  const per = (req: number, cap: number): number => {
    if (cap === 0 || req > cap) return fn(MAX_NODE_SCORE);
    return fn(Math.trunc((req * MAX_NODE_SCORE) / cap));
  };
  return (requested, allocatable) => {
    let score = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = resources[i].weight;
      const rs = per(requested[i], allocatable[i]);
      // Resources scoring 0 do not dilute the others (upstream).
      if (rs > 0) {
        score += rs * w;
        weightSum += w;
      }
    }
    return weightSum === 0 ? 0 : Math.round(score / weightSum);
  };
}

/**
 * balancedResourceScorer favours nodes whose resources would be used evenly: 100 × (1 − the
 * standard deviation of the requested fractions).
 */
export function balancedResourceScorer(requested: number[], allocatable: number[]): number {
  // Two passes over the resources instead of an array of fractions: this runs for every node.
  let n = 0;
  let total = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    if (n === 0) first = f;
    else if (n === 1) second = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((first - second) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const f = Math.min(requested[i] / allocatable[i], 1);
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}
