/**
 * The RollingUpdate strategy (upstream's rolling.go): grow the new ReplicaSet as far as maxSurge
 * allows, shrink old ones as far as maxUnavailable allows (unhealthy old pods first), one step
 * per sync; ReplicaSet status changes trigger the next step.
 */
import type { DeploymentContext } from './context.js';
import type { Deployment, ReplicaSet } from './types.js';
import { deploymentComplete } from './util/conditions.js';
import {
  deploymentReplicas, getAvailableReplicaCountForReplicaSets, getReplicaCountForReplicaSets, maxUnavailable,
  newRSNewReplicas, rsReplicas,
} from './util/fenceposts.js';
import { byCreationTimestamp, filterActiveReplicaSets } from './util/replicasets.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent } from './sync.js';
import { syncRolloutStatus } from './progress.js';

/** rolloutRolling performs one step of a rolling update: scale up, else scale down, then status. */
export async function rolloutRolling(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const allRSs = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(ctx, allRSs, newRS!, d)) {
    await syncRolloutStatus(ctx, allRSs, newRS, d);
    return;
  }
  if (await reconcileOldReplicaSets(ctx, allRSs, filterActiveReplicaSets(oldRSs), newRS!, d)) {
    await syncRolloutStatus(ctx, allRSs, newRS, d);
    return;
  }
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(ctx, oldRSs, d);
  await syncRolloutStatus(ctx, allRSs, newRS, d);
}

/** reconcileNewReplicaSet scales the new ReplicaSet up within maxSurge (or down to spec.replicas); returns whether it scaled. */
export async function reconcileNewReplicaSet(ctx: DeploymentContext, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet>, d: Readonly<Deployment>): Promise<boolean> {
  const replicas = deploymentReplicas(d);
  if (rsReplicas(newRS) === replicas) return false;
  if (rsReplicas(newRS) > replicas) return (await scaleReplicaSetAndRecordEvent(ctx, newRS, replicas, d)).scaled;
  const newReplicasCount = newRSNewReplicas(d, allRSs, newRS);
  return (await scaleReplicaSetAndRecordEvent(ctx, newRS, newReplicasCount, d)).scaled;
}

/**
 * reconcileOldReplicaSets scales old ReplicaSets down as far as availability allows: at most
 * (all pods) − (spec.replicas − maxUnavailable) − (new pods not yet available), unhealthy old pods
 * first (they count for nothing), then the oldest ReplicaSets. Returns whether it scaled.
 */
export async function reconcileOldReplicaSets(ctx: DeploymentContext, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], oldRSs: Readonly<ReplicaSet>[], newRS: Readonly<ReplicaSet>, d: Readonly<Deployment>): Promise<boolean> {
  if (getReplicaCountForReplicaSets(oldRSs) === 0) return false;
  const allPodsCount = getReplicaCountForReplicaSets(allRSs);
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  // New pods that are not available yet cannot make up for old ones taken away.
  const newRSUnavailablePodCount = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPodsCount - minAvailable - newRSUnavailablePodCount;
  if (maxScaledDown <= 0) return false;
  // Unhealthy old replicas go first, otherwise they would block the rollout.
  const { oldRSs: cleaned, totalScaledDown: cleanupCount } = await cleanupUnhealthyReplicas(ctx, oldRSs, d, maxScaledDown);
  const scaledDownCount = await scaleDownOldReplicaSetsForRollingUpdate(ctx, [...cleaned, newRS], cleaned, d);
  return cleanupCount + scaledDownCount > 0;
}

/** cleanupUnhealthyReplicas removes up to maxCleanupCount unavailable pods from old ReplicaSets, oldest first. */
export async function cleanupUnhealthyReplicas(ctx: DeploymentContext, oldRSs: Readonly<ReplicaSet>[], d: Readonly<Deployment>, maxCleanupCount: number): Promise<{ oldRSs: Readonly<ReplicaSet>[]; totalScaledDown: number }> {
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let totalScaledDown = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (totalScaledDown >= maxCleanupCount) break;
    const rs = sorted[i];
    const size = rsReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    // available > size happens while the ReplicaSet's status still counts pods of a larger size
    // (it was just scaled down): nothing is unhealthy then. Upstream errors and retries here, which
    // stalls a large rollout in a hot loop of failed syncs; skipping is what the retry ends up doing.
    if (size === 0 || size <= available) continue;
    const scaledDownCount = Math.min(maxCleanupCount - totalScaledDown, size - available);
    const newReplicasCount = size - scaledDownCount;
    if (newReplicasCount > size) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata?.namespace}/${rs.metadata?.name} ${size} -> ${newReplicasCount}`);
    const r = await scaleReplicaSetAndRecordEvent(ctx, rs, newReplicasCount, d);
    totalScaledDown += scaledDownCount;
    sorted[i] = r.rs;
  }
  return { oldRSs: sorted, totalScaledDown };
}

/** scaleDownOldReplicaSetsForRollingUpdate removes available old pods beyond spec.replicas − maxUnavailable, oldest ReplicaSets first. */
export async function scaleDownOldReplicaSetsForRollingUpdate(ctx: DeploymentContext, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], oldRSs: readonly Readonly<ReplicaSet>[], d: Readonly<Deployment>): Promise<number> {
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const availablePodCount = getAvailableReplicaCountForReplicaSets(allRSs);
  if (availablePodCount <= minAvailable) return 0;
  const totalScaleDownCount = availablePodCount - minAvailable;
  let totalScaledDown = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (totalScaledDown >= totalScaleDownCount) break;
    const size = rsReplicas(rs);
    if (size === 0) continue;
    const scaleDownCount = Math.min(size, totalScaleDownCount - totalScaledDown);
    const newReplicasCount = size - scaleDownCount;
    if (newReplicasCount > size) throw new Error(`when scaling down old replica set, got invalid request to scale down ${rs.metadata?.namespace}/${rs.metadata?.name} ${size} -> ${newReplicasCount}`);
    await scaleReplicaSetAndRecordEvent(ctx, rs, newReplicasCount, d);
    totalScaledDown += scaleDownCount;
  }
  return totalScaledDown;
}
