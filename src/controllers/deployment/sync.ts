/**
 * The parts of a Deployment sync every strategy shares (upstream's sync.go): finding and creating
 * the new ReplicaSet with its revision, scaling (proportionally while several ReplicaSets have
 * pods), cleaning up old ReplicaSets beyond revisionHistoryLimit, pausing and resizing (status.ts
 * computes and writes the status).
 */
import { StatusError } from '../../apimachinery/errors.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import { Resources } from '../../client/types.js';
import type { OwnerReference } from '../../api/resource.js';
import type { DeploymentContext } from './context.js';
import {
  DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, Reasons, RevisionAnnotation, type Deployment, type ReplicaSet,
} from './types.js';
import {
  getDesiredReplicasAnnotation, getRollbackTo, maxRevision, replicasAnnotationsNeedUpdate, setDeploymentRevision,
  setNewReplicaSetAnnotations, setReplicasAnnotations,
} from './util/annotations.js';
import {
  getDeploymentCondition, hasProgressDeadline, hasRevisionHistoryLimit, newDeploymentCondition, setDeploymentCondition,
} from './util/conditions.js';
import {
  deploymentReplicas, getReplicaCountForReplicaSets, getProportion, isRollingUpdate, isSaturated, maxSurge,
  newRSNewReplicas, rsReplicas,
} from './util/fenceposts.js';
import { syncDeploymentStatus, updateDeploymentStatus } from './status.js';
import { computeHash } from './util/hash.js';
import {
  byRevision, bySizeNewer, bySizeOlder, equalIgnoreHash, filterActiveReplicaSets, findActiveOrLatest, findNewReplicaSet,
  findOldReplicaSets,
} from './util/replicasets.js';

/** deploymentControllerRef is the owner reference a Deployment puts on its ReplicaSets (metav1.NewControllerRef). */
export function deploymentControllerRef(d: Readonly<Deployment>): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata?.name ?? '', uid: d.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

const q = (s: string) => JSON.stringify(s);

/** cloneSelectorAndAddLabel is the Deployment's selector plus key=value in matchLabels. */
function cloneSelectorAndAddLabel(sel: Readonly<LabelSelectorSpec> | undefined, key: string, value: string): LabelSelectorSpec {
  const c = structuredClone(sel ?? {}) as LabelSelectorSpec;
  c.matchLabels = { ...(c.matchLabels ?? {}), [key]: value };
  return c;
}

/**
 * getAllReplicaSetsAndSyncRevision splits rsList into the new ReplicaSet (created when asked and
 * missing) and all old ones, bringing the new one's revision (max old revision + 1) and the
 * Deployment's revision annotation up to date.
 */
export async function getAllReplicaSetsAndSyncRevision(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[], createIfNotExisted: boolean): Promise<{ newRS: Readonly<ReplicaSet> | undefined; oldRSs: Readonly<ReplicaSet>[] }> {
  const { allOldRSs } = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(ctx, d, rsList, allOldRSs, createIfNotExisted);
  return { newRS, oldRSs: allOldRSs };
}

/**
 * getNewReplicaSet returns the ReplicaSet whose template is the Deployment's, its annotations and
 * minReadySeconds synced; creates it (DEPLOYMENT-<pod-template-hash>, sized by the strategy) when
 * missing and createIfNotExisted. A name taken by another template is a hash collision: bump
 * status.collisionCount and fail, so the next sync tries another name.
 */
export async function getNewReplicaSet(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[], oldRSs: readonly Readonly<ReplicaSet>[], createIfNotExisted: boolean): Promise<Readonly<ReplicaSet> | undefined> {
  const existingNewRS = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1);
  const ns = d.metadata?.namespace;

  if (existingNewRS) {
    const rsCopy = structuredClone(existingNewRS) as ReplicaSet;
    const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
    const minReadySeconds = d.spec?.minReadySeconds ?? 0;
    if (annotationsUpdated || (rsCopy.spec?.minReadySeconds ?? 0) !== minReadySeconds) {
      (rsCopy.spec ??= {}).minReadySeconds = minReadySeconds;
      return ctx.client.update<ReplicaSet>(Resources.replicasets, ns, rsCopy);
    }
    // The ReplicaSet's revision is the reliable one: the Deployment copies it.
    let needsUpdate = setDeploymentRevision(d, rsCopy.metadata?.annotations?.[RevisionAnnotation] ?? '');
    // A Deployment that never had a Progressing condition starts measuring progress now.
    if (hasProgressDeadline(d) && !getDeploymentCondition(d.status, 'Progressing')) {
      setDeploymentCondition((d.status ??= {}), newDeploymentCondition(ctx.clock.now(), 'Progressing', 'True', Reasons.FoundNewRS, `Found new replica set ${q(rsCopy.metadata!.name!)}`));
      needsUpdate = true;
    }
    if (needsUpdate) await updateDeploymentStatus(ctx, d);
    return rsCopy;
  }
  if (!createIfNotExisted) return undefined;

  const template = structuredClone(d.spec?.template ?? {});
  const hash = computeHash(template, d.status?.collisionCount);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash } };
  const name = `${d.metadata?.name}-${hash}`;
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, namespace: ns, ownerReferences: [deploymentControllerRef(d)], labels: { ...template.metadata.labels! } },
    spec: {
      replicas: 0,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector: cloneSelectorAndAddLabel(d.spec?.selector, DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, hash),
      template,
    },
  };
  const newReplicasCount = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  newRS.spec!.replicas = newReplicasCount;
  setNewReplicaSetAnnotations(d, newRS, newRevision, false);

  let createdRS: Readonly<ReplicaSet>;
  let alreadyExists = false;
  try {
    createdRS = await ctx.client.create<ReplicaSet>(Resources.replicasets, ns, newRS);
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'AlreadyExists') {
      // A slow cache or a fast resync: if it is ours and has our template, it is the new ReplicaSet.
      alreadyExists = true;
      const rs = ctx.rsLister.get(ns, name);
      if (!rs) throw e;
      const ref = rs.metadata?.ownerReferences?.find((r) => r.controller);
      if (ref && ref.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        createdRS = rs;
      } else {
        // A hash collision: another template has this name. Change the hash input and retry.
        const status = (d.status ??= {});
        const before = status.collisionCount ?? 0;
        status.collisionCount = before + 1;
        try {
          await updateDeploymentStatus(ctx, d);
          ctx.logger.v(2).info('Found a hash collision for deployment - bumping collisionCount to resolve it', { deployment: `${ns}/${d.metadata?.name}`, oldCollisionCount: before, newCollisionCount: before + 1 });
        } catch { /* the original error is what gets reported */ }
        throw e;
      }
    } else if (e instanceof StatusError && e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) {
      throw e;
    } else {
      const msg = `Failed to create new replica set ${q(name)}: ${e instanceof Error ? e.message : String(e)}`;
      if (hasProgressDeadline(d)) {
        setDeploymentCondition((d.status ??= {}), newDeploymentCondition(ctx.clock.now(), 'Progressing', 'False', Reasons.FailedRSCreate, msg));
        // The create error is the one to report; a failed status write changes nothing.
        await updateDeploymentStatus(ctx, d).catch(() => undefined);
      }
      ctx.recorder.event(d, 'Warning', Reasons.FailedRSCreate, msg);
      throw e;
    }
  }
  if (!alreadyExists && newReplicasCount > 0) {
    ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata?.name} from 0 to ${newReplicasCount}`);
  }
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (!alreadyExists && hasProgressDeadline(d)) {
    setDeploymentCondition((d.status ??= {}), newDeploymentCondition(ctx.clock.now(), 'Progressing', 'True', Reasons.NewReplicaSet, `Created new replica set ${q(createdRS.metadata!.name!)}`));
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(ctx, d);
  return createdRS;
}

/**
 * scaleReplicaSet sets rs's size and its desired/max replica annotations; a size change is
 * announced on the Deployment ("Scaled up replica set nginx-7c5ddbdf54 from 1 to 3").
 */
export async function scaleReplicaSet(ctx: DeploymentContext, rs: Readonly<ReplicaSet>, newScale: number, d: Readonly<Deployment>): Promise<{ scaled: boolean; rs: Readonly<ReplicaSet> }> {
  const oldScale = rsReplicas(rs);
  const sizeNeedsUpdate = oldScale !== newScale;
  const desired = deploymentReplicas(d);
  const max = desired + maxSurge(d);
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const rsCopy = structuredClone(rs) as ReplicaSet;
  (rsCopy.spec ??= {}).replicas = newScale;
  setReplicasAnnotations(rsCopy, desired, max);
  const updated = await ctx.client.update<ReplicaSet>(Resources.replicasets, rs.metadata?.namespace, rsCopy);
  if (sizeNeedsUpdate) {
    const op = oldScale < newScale ? 'up' : 'down';
    ctx.recorder.event(d as Deployment, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${updated.metadata?.name} from ${oldScale} to ${newScale}`);
  }
  return { scaled: sizeNeedsUpdate, rs: updated };
}

/** scaleReplicaSetAndRecordEvent scales rs to newScale unless it already has that size. */
export async function scaleReplicaSetAndRecordEvent(ctx: DeploymentContext, rs: Readonly<ReplicaSet>, newScale: number, d: Readonly<Deployment>): Promise<{ scaled: boolean; rs: Readonly<ReplicaSet> }> {
  if (rsReplicas(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(ctx, rs, newScale, d);
}

/**
 * scale resizes a Deployment's ReplicaSets after spec.replicas changed (or while paused): one
 * active ReplicaSet takes the whole size; a saturated new one means the old ones go to zero;
 * otherwise, for RollingUpdate, the replicas to add or remove are shared out in proportion to each
 * active ReplicaSet's size, so a resize does not speed up or slow down the rollout.
 */
export async function scale(ctx: DeploymentContext, d: Readonly<Deployment>, newRS: Readonly<ReplicaSet> | undefined, oldRSs: readonly Readonly<ReplicaSet>[]): Promise<void> {
  const replicas = deploymentReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (rsReplicas(activeOrLatest) === replicas) return;
    await scaleReplicaSetAndRecordEvent(ctx, activeOrLatest, replicas, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActiveReplicaSets(oldRSs)) await scaleReplicaSetAndRecordEvent(ctx, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;

  const allRSs = filterActiveReplicaSets([...oldRSs, newRS]);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - getReplicaCountForReplicaSets(allRSs);
  // Larger ReplicaSets first; among equals newer ones grow first and older ones shrink first.
  if (toAdd > 0) allRSs.sort(bySizeNewer);
  else if (toAdd < 0) allRSs.sort(bySizeOlder);

  let added = 0;
  const nameToSize = new Map<string, number>();
  for (const rs of allRSs) {
    if (toAdd !== 0) {
      const proportion = getProportion(rs, d, toAdd, added);
      nameToSize.set(rs.metadata!.name!, rsReplicas(rs) + proportion);
      added += proportion;
    } else {
      nameToSize.set(rs.metadata!.name!, rsReplicas(rs));
    }
  }
  for (let i = 0; i < allRSs.length; i++) {
    const rs = allRSs[i];
    const name = rs.metadata!.name!;
    // What rounding left over goes to the largest ReplicaSet.
    if (i === 0 && toAdd !== 0) nameToSize.set(name, Math.max(0, nameToSize.get(name)! + toAdd - added));
    await scaleReplicaSet(ctx, rs, nameToSize.get(name)!, d);
  }
}

/**
 * cleanupDeployment deletes the oldest old ReplicaSets beyond revisionHistoryLimit, but only ones
 * that are scaled to zero, have no pods and whose latest spec their controller has seen.
 */
export async function cleanupDeployment(ctx: DeploymentContext, oldRSs: readonly Readonly<ReplicaSet>[], d: Readonly<Deployment>): Promise<void> {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => rs && !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - d.spec!.revisionHistoryLimit!;
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  ctx.logger.v(4).info('Looking to cleanup old replica sets for deployment', { deployment: `${d.metadata?.namespace}/${d.metadata?.name}` });
  for (let i = 0; i < diff; i++) {
    const rs = cleanable[i];
    if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata?.deletionTimestamp) continue;
    ctx.logger.v(4).info('Trying to cleanup replica set for deployment', { replicaSet: `${rs.metadata?.namespace}/${rs.metadata?.name}`, deployment: d.metadata?.name });
    try {
      await ctx.client.delete(Resources.replicasets, rs.metadata?.namespace, rs.metadata!.name!);
    } catch (e) {
      // Stop at the first failure rather than pile deletes on a struggling API server.
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}

/** syncStatusOnly only updates the status (a Deployment being deleted). */
export async function syncStatusOnly(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/**
 * sync reconciles a scaling event or a paused Deployment: resize, then (paused, no rollback
 * pending) drop history beyond the limit, then write the status. No rollout happens here.
 */
export async function sync(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  await scale(ctx, d, newRS, oldRSs);
  if (d.spec?.paused && getRollbackTo(d) === undefined) await cleanupDeployment(ctx, oldRSs, d);
  await syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS, d);
}

/**
 * checkPausedConditions records a pause (Progressing Unknown, DeploymentPaused) and a resume
 * (DeploymentResumed), so the time spent paused never counts against progressDeadlineSeconds. A
 * deadline already exceeded is left as it is.
 */
export async function checkPausedConditions(ctx: DeploymentContext, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const cond = getDeploymentCondition(d.status, 'Progressing');
  if (cond?.reason === Reasons.TimedOut) return;
  const pausedCondExists = cond?.reason === Reasons.PausedDeploy;
  const now = ctx.clock.now();
  if (d.spec?.paused && !pausedCondExists) {
    setDeploymentCondition((d.status ??= {}), newDeploymentCondition(now, 'Progressing', 'Unknown', Reasons.PausedDeploy, 'Deployment is paused'));
  } else if (!d.spec?.paused && pausedCondExists) {
    setDeploymentCondition((d.status ??= {}), newDeploymentCondition(now, 'Progressing', 'Unknown', Reasons.ResumedDeploy, 'Deployment is resumed'));
  } else {
    return;
  }
  await updateDeploymentStatus(ctx, d);
}

/**
 * isScalingEvent: some active ReplicaSet was sized for another spec.replicas (its
 * desired-replicas annotation differs), so this sync is a resize rather than a rollout step.
 */
export async function isScalingEvent(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[]): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, false);
  for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
    const desired = getDesiredReplicasAnnotation(rs);
    if (desired === undefined) continue;
    if (desired !== deploymentReplicas(d)) return true;
  }
  return false;
}
