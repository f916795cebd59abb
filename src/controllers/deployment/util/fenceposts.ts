/**
 * How many pods a rolling update may add above, or take below, the desired count
 * (upstream's ResolveFenceposts, MaxSurge, MaxUnavailable, NewRSNewReplicas, GetProportion).
 */
import { DesiredReplicasAnnotation, type Deployment, type IntOrString, type ReplicaSet } from '../types.js';
import { getMaxReplicasAnnotation } from './annotations.js';

/** deploymentReplicas is spec.replicas (defaulted to 1 by the API server). */
export function deploymentReplicas(d: Readonly<Deployment>): number {
  return d.spec?.replicas ?? 1;
}

/** rsReplicas is a ReplicaSet's spec.replicas (defaulted to 1 by the API server). */
export function rsReplicas(rs: Readonly<ReplicaSet>): number {
  return rs.spec?.replicas ?? 1;
}

/**
 * getScaledValueFromIntOrPercent resolves an int-or-percent against total (intstr's
 * GetScaledValueFromIntOrPercent): an int as is, "N%" as N% of total rounded up or down.
 * Throws for a string that is not a percentage (validation keeps those out).
 */
export function getScaledValueFromIntOrPercent(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * resolveFenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded down) for desired
 * replicas in one step: when both come out 0 (only possible through rounding, validation refuses
 * two explicit zeros), maxUnavailable becomes 1 so the rollout can still move.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = getScaledValueFromIntOrPercent(maxSurge, desired, true);
  let unavailable = getScaledValueFromIntOrPercent(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** isRollingUpdate tells whether the strategy is RollingUpdate. */
export function isRollingUpdate(d: Readonly<Deployment>): boolean {
  return d.spec?.strategy?.type === 'RollingUpdate';
}

/** maxSurge is how many pods a rolling Deployment may run above spec.replicas (0 for Recreate). */
export function maxSurge(d: Readonly<Deployment>): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, deploymentReplicas(d)).surge;
}

/** maxUnavailable is how many pods a rolling Deployment may lack, never more than spec.replicas (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: Readonly<Deployment>): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

/** minAvailable is spec.replicas − maxUnavailable for a rolling Deployment, 0 otherwise. */
export function minAvailable(d: Readonly<Deployment>): number {
  if (!isRollingUpdate(d)) return 0;
  return deploymentReplicas(d) - maxUnavailable(d);
}

/** getReplicaCountForReplicaSets sums spec.replicas (what was asked for). */
export function getReplicaCountForReplicaSets(rss: readonly (Readonly<ReplicaSet> | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? rsReplicas(rs) : 0), 0);
}

/** getActualReplicaCountForReplicaSets sums status.replicas (the pods that exist). */
export function getActualReplicaCountForReplicaSets(rss: readonly (Readonly<ReplicaSet> | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

/** getReadyReplicaCountForReplicaSets sums status.readyReplicas. */
export function getReadyReplicaCountForReplicaSets(rss: readonly (Readonly<ReplicaSet> | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

/** getAvailableReplicaCountForReplicaSets sums status.availableReplicas. */
export function getAvailableReplicaCountForReplicaSets(rss: readonly (Readonly<ReplicaSet> | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/**
 * newRSNewReplicas is the size the new ReplicaSet should have now: for RollingUpdate, grow it as
 * far as maxSurge allows above spec.replicas counting every ReplicaSet, never past spec.replicas;
 * for Recreate, spec.replicas at once.
 */
export function newRSNewReplicas(d: Readonly<Deployment>, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet>): number {
  const replicas = deploymentReplicas(d);
  switch (d.spec?.strategy?.type) {
    case 'RollingUpdate': {
      const surge = getScaledValueFromIntOrPercent(d.spec.strategy.rollingUpdate?.maxSurge, replicas, true);
      const currentPodCount = getReplicaCountForReplicaSets(allRSs);
      const maxTotalPods = replicas + surge;
      if (currentPodCount >= maxTotalPods) return rsReplicas(newRS);
      const scaleUpCount = Math.min(maxTotalPods - currentPodCount, replicas - rsReplicas(newRS));
      return rsReplicas(newRS) + scaleUpCount;
    }
    case 'Recreate':
      return replicas;
    default:
      throw new Error(`deployment type ${d.spec?.strategy?.type} isn't supported`);
  }
}

/**
 * isSaturated: the new ReplicaSet has all of spec.replicas, both by its size and by the
 * desired-replicas annotation it carries, and all of them are available.
 */
export function isSaturated(d: Readonly<Deployment>, rs: Readonly<ReplicaSet> | undefined): boolean {
  if (!rs) return false;
  const desired = rs.metadata?.annotations?.[DesiredReplicasAnnotation];
  if (desired === undefined || !/^[+-]?\d+$/.test(desired)) return false;
  const replicas = deploymentReplicas(d);
  return rsReplicas(rs) === replicas && Number(desired) === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** roundToInt rounds half away from zero, as Go's math.Round. */
function roundToInt(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * getReplicaSetFraction estimates how many replicas rs gains (or loses, negative) when the
 * Deployment is resized during a rollout or while paused: its share of the old maximum (the
 * max-replicas annotation) applied to the new maximum.
 */
export function getReplicaSetFraction(rs: Readonly<ReplicaSet>, d: Readonly<Deployment>): number {
  const replicas = deploymentReplicas(d);
  if (replicas === 0) return -rsReplicas(rs);
  const deploymentMaxReplicas = replicas + maxSurge(d);
  let before = getMaxReplicasAnnotation(rs);
  if (before === undefined || before === 0) {
    // The annotation was tampered with: fall back to the current size; the min/max in
    // getProportion still keeps the result within limits.
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  const size = rsReplicas(rs);
  return roundToInt((size * deploymentMaxReplicas) / before) - size;
}

/**
 * getProportion is rs's share of deploymentReplicasToAdd, bounded so the ReplicaSets together
 * never add (or remove) more than that.
 */
export function getProportion(rs: Readonly<ReplicaSet> | undefined, d: Readonly<Deployment>, deploymentReplicasToAdd: number, deploymentReplicasAdded: number): number {
  if (!rs || rsReplicas(rs) === 0 || deploymentReplicasToAdd === 0 || deploymentReplicasToAdd === deploymentReplicasAdded) return 0;
  const fraction = getReplicaSetFraction(rs, d);
  const allowed = deploymentReplicasToAdd - deploymentReplicasAdded;
  return deploymentReplicasToAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
