/**
 * The Recreate strategy (upstream's recreate.go): scale every old ReplicaSet to zero, wait until
 * none of their pods runs, then create and scale up the new ReplicaSet at once.
 */
import type { DeploymentContext } from './context.js';
import type { Deployment, Pod, ReplicaSet } from './types.js';
import { deploymentComplete } from './util/conditions.js';
import { deploymentReplicas, getActualReplicaCountForReplicaSets, rsReplicas } from './util/fenceposts.js';
import { filterActiveReplicaSets } from './util/replicasets.js';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent } from './sync.js';
import { syncRolloutStatus } from './progress.js';

/** PodMap groups a Deployment's pods by the uid of the ReplicaSet controlling them. */
export type PodMap = Map<string, Readonly<Pod>[]>;

/** rolloutRecreate performs one step of a Recreate rollout. */
export async function rolloutRecreate(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[], podMap: PodMap): Promise<void> {
  // The new ReplicaSet is not created before the old pods are gone.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  let allRSs = [...oldRSs, newRS];
  if (await scaleDownOldReplicaSetsForRecreate(ctx, filterActiveReplicaSets(oldRSs), d)) {
    await syncRolloutStatus(ctx, allRSs, newRS, d);
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, podMap)) {
    await syncRolloutStatus(ctx, allRSs, newRS, d);
    return;
  }
  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await scaleUpNewReplicaSetForRecreate(ctx, newRS!, d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(ctx, oldRSs, d);
  await syncRolloutStatus(ctx, allRSs, newRS, d);
}

/** scaleDownOldReplicaSetsForRecreate scales every active old ReplicaSet to zero; returns whether any scaled. */
export async function scaleDownOldReplicaSetsForRecreate(ctx: DeploymentContext, oldRSs: Readonly<ReplicaSet>[], d: Readonly<Deployment>): Promise<boolean> {
  let scaled = false;
  for (let i = 0; i < oldRSs.length; i++) {
    if (rsReplicas(oldRSs[i]) === 0) continue;
    const r = await scaleReplicaSetAndRecordEvent(ctx, oldRSs[i], 0, d);
    if (r.scaled) { oldRSs[i] = r.rs; scaled = true; }
  }
  return scaled;
}

/**
 * oldPodsRunning: an old ReplicaSet still reports pods, or a pod of a ReplicaSet other than the new
 * one has not terminated (Succeeded and Failed pods are done; Unknown may still run).
 */
export function oldPodsRunning(newRS: Readonly<ReplicaSet> | undefined, oldRSs: readonly Readonly<ReplicaSet>[], podMap: PodMap): boolean {
  if (getActualReplicaCountForReplicaSets(oldRSs) > 0) return true;
  for (const [rsUID, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === rsUID) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

/** scaleUpNewReplicaSetForRecreate scales the new ReplicaSet to spec.replicas. */
export async function scaleUpNewReplicaSetForRecreate(ctx: DeploymentContext, newRS: Readonly<ReplicaSet>, d: Readonly<Deployment>): Promise<boolean> {
  return (await scaleReplicaSetAndRecordEvent(ctx, newRS, deploymentReplicas(d), d)).scaled;
}
