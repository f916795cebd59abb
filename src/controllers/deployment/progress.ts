/**
 * The Progressing condition of a rollout (upstream's progress.go): NewReplicaSetAvailable when
 * complete, ReplicaSetUpdated on any progress, ProgressDeadlineExceeded when nothing moved for
 * progressDeadlineSeconds, and a requeue timed for that deadline.
 */
import type { DeploymentContext } from './context.js';
import { Reasons, type Deployment, type DeploymentCondition, type DeploymentStatus, type ReplicaSet } from './types.js';
import {
  deploymentComplete, deploymentProgressing, deploymentTimedOut, getDeploymentCondition, hasProgressDeadline,
  newDeploymentCondition, removeDeploymentCondition, replicaSetToDeploymentCondition, setDeploymentCondition,
} from './util/conditions.js';
import { calculateStatus, statusEqual, updateDeploymentStatus } from './status.js';

const q = (s: string) => JSON.stringify(s);

/**
 * syncRolloutStatus writes the status of a rollout step: counts, Available, Progressing (see the
 * file comment) and the ReplicaFailure condition of its ReplicaSets. When nothing changed it
 * schedules the next progress check instead.
 */
export async function syncRolloutStatus(ctx: DeploymentContext, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined, d: Deployment): Promise<void> {
  const newStatus = calculateStatus(ctx, allRSs, newRS, d);
  if (!hasProgressDeadline(d)) removeDeploymentCondition(newStatus, 'Progressing');

  const currentCond = getDeploymentCondition(d.status, 'Progressing');
  const isCompleteDeployment = (newStatus.replicas ?? 0) === (newStatus.updatedReplicas ?? 0) && currentCond?.reason === Reasons.NewRSAvailable;
  if (hasProgressDeadline(d) && !isCompleteDeployment) {
    const now = ctx.clock.now();
    const name = d.metadata?.name ?? '';
    if (deploymentComplete(d, newStatus)) {
      const msg = newRS ? `ReplicaSet ${q(newRS.metadata!.name!)} has successfully progressed.` : `Deployment ${q(name)} has successfully progressed.`;
      setDeploymentCondition(newStatus, newDeploymentCondition(now, 'Progressing', 'True', Reasons.NewRSAvailable, msg));
    } else if (deploymentProgressing(d, newStatus)) {
      const msg = newRS ? `ReplicaSet ${q(newRS.metadata!.name!)} is progressing.` : `Deployment ${q(name)} is progressing.`;
      const condition = newDeploymentCondition(now, 'Progressing', 'True', Reasons.ReplicaSetUpdated, msg);
      // Progress refreshes lastUpdateTime even when the reason stays ReplicaSetUpdated, which
      // setDeploymentCondition alone would not do; a True condition keeps its transition time.
      if (currentCond) {
        if (currentCond.status === 'True') condition.lastTransitionTime = currentCond.lastTransitionTime;
        removeDeploymentCondition(newStatus, 'Progressing');
      }
      setDeploymentCondition(newStatus, condition);
    } else if (deploymentTimedOut(d, newStatus, now)) {
      const msg = newRS ? `ReplicaSet ${q(newRS.metadata!.name!)} has timed out progressing.` : `Deployment ${q(name)} has timed out progressing.`;
      setDeploymentCondition(newStatus, newDeploymentCondition(now, 'Progressing', 'False', Reasons.TimedOut, msg));
    }
  }

  // The new ReplicaSet's failure wins over the old ones'; only one is reported.
  const failures = getReplicaFailures(allRSs, newRS);
  if (failures.length) setDeploymentCondition(newStatus, failures[0]);
  else removeDeploymentCondition(newStatus, 'ReplicaFailure');

  if (statusEqual(d.status, newStatus)) {
    requeueStuckDeployment(ctx, d, newStatus);
    return;
  }
  d.status = newStatus;
  await updateDeploymentStatus(ctx, d);
}

/** getReplicaFailures returns the ReplicaFailure conditions of the new ReplicaSet, or else of the others. */
export function getReplicaFailures(allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined): DeploymentCondition[] {
  const of = (rs: Readonly<ReplicaSet> | undefined) =>
    (rs?.status?.conditions ?? []).filter((c) => c.type === 'ReplicaFailure').map(replicaSetToDeploymentCondition);
  const fromNew = of(newRS);
  if (fromNew.length) return fromNew;
  return allRSs.flatMap(of);
}

/**
 * requeueStuckDeployment schedules a sync for when the progress deadline would pass
 * (lastUpdateTime + progressDeadlineSeconds, plus a second against clock skew), so a stalled
 * rollout is reported even when nothing else happens. Returns the delay (ms), −1 when none.
 */
export function requeueStuckDeployment(ctx: DeploymentContext, d: Readonly<Deployment>, newStatus: Readonly<DeploymentStatus>): number {
  const currentCond = getDeploymentCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !currentCond) return -1;
  if (deploymentComplete(d, newStatus) || currentCond.reason === Reasons.TimedOut) return -1;
  const after = Date.parse(currentCond.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 - ctx.clock.now().getTime();
  if (Number.isNaN(after)) return -1;
  if (after < 1000) {
    ctx.logger.v(4).info('Queueing up deployment for a progress check now', { deployment: `${d.metadata?.namespace}/${d.metadata?.name}` });
    ctx.enqueueRateLimited(d);
    return 0;
  }
  ctx.logger.v(4).info('Queueing up deployment for a progress check', { deployment: `${d.metadata?.namespace}/${d.metadata?.name}`, queueAfter: Math.floor(after / 1000) });
  ctx.enqueueAfter(d, after + 1000);
  return after;
}

