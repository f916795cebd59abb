/**
 * The annotations a Deployment and its ReplicaSets carry: revision bookkeeping, the replica
 * counts used for proportional scaling, and the Deployment annotations copied onto its new
 * ReplicaSet (kubernetes.io/change-cause among them, which `kubectl rollout history` prints).
 */
import {
  DeprecatedRollbackTo, DesiredReplicasAnnotation, LastAppliedConfigAnnotation, MaxReplicasAnnotation,
  RevisionAnnotation, RevisionHistoryAnnotation, type Deployment, type ReplicaSet,
} from '../types.js';
import { deploymentReplicas, maxSurge } from './fenceposts.js';

/** MAX_REV_HISTORY_LENGTH_IN_CHARS bounds the revision-history annotation (about 100 revisions). */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** annotationsToSkip are never copied from a Deployment to its ReplicaSets, nor back on a rollback. */
export const annotationsToSkip: ReadonlySet<string> = new Set([
  LastAppliedConfigAnnotation, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation,
  MaxReplicasAnnotation, DeprecatedRollbackTo,
]);

const INT = /^[+-]?\d+$/;

/** revision is an object's deployment.kubernetes.io/revision: 0 when absent, undefined when not a number. */
export function revision(obj: Readonly<{ metadata?: { annotations?: Record<string, string> } }>): number | undefined {
  const v = obj.metadata?.annotations?.[RevisionAnnotation];
  if (v === undefined) return 0;
  return INT.test(v) ? Number(v) : undefined;
}

/** maxRevision is the highest revision among the ReplicaSets (unparsable ones skipped). */
export function maxRevision(rss: readonly Readonly<ReplicaSet>[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revision(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** lastRevision is the second highest revision: the one `kubectl rollout undo` goes back to. */
export function lastRevision(rss: readonly Readonly<ReplicaSet>[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rss) {
    const v = revision(rs);
    if (v === undefined) continue;
    if (v >= max) { second = max; max = v; } else if (v > second) second = v;
  }
  return second;
}

/** setDeploymentRevision sets d's revision annotation; returns whether it changed. */
export function setDeploymentRevision(d: Deployment, rev: string): boolean {
  const md = (d.metadata ??= {});
  const ann = (md.annotations ??= {});
  if (ann[RevisionAnnotation] === rev) return false;
  ann[RevisionAnnotation] = rev;
  return true;
}

/** getIntFromAnnotation reads an integer annotation of rs (undefined when absent or not a number). */
function getIntFromAnnotation(rs: Readonly<ReplicaSet>, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !INT.test(v)) return undefined;
  return Number(v);
}

/** getDesiredReplicasAnnotation reads deployment.kubernetes.io/desired-replicas. */
export function getDesiredReplicasAnnotation(rs: Readonly<ReplicaSet>): number | undefined {
  return getIntFromAnnotation(rs, DesiredReplicasAnnotation);
}

/** getMaxReplicasAnnotation reads deployment.kubernetes.io/max-replicas. */
export function getMaxReplicasAnnotation(rs: Readonly<ReplicaSet>): number | undefined {
  return getIntFromAnnotation(rs, MaxReplicasAnnotation);
}

/** setReplicasAnnotations records desired and max replicas on rs; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = ((rs.metadata ??= {}).annotations ??= {});
  let updated = false;
  if (ann[DesiredReplicasAnnotation] !== String(desired)) { ann[DesiredReplicasAnnotation] = String(desired); updated = true; }
  if (ann[MaxReplicasAnnotation] !== String(max)) { ann[MaxReplicasAnnotation] = String(max); updated = true; }
  return updated;
}

/** replicasAnnotationsNeedUpdate tells whether setReplicasAnnotations would change rs. */
export function replicasAnnotationsNeedUpdate(rs: Readonly<ReplicaSet>, desired: number, max: number): boolean {
  const ann = rs.metadata?.annotations;
  if (!ann) return true;
  return ann[DesiredReplicasAnnotation] !== String(desired) || ann[MaxReplicasAnnotation] !== String(max);
}

/** copyDeploymentAnnotationsToReplicaSet copies d's annotations (but the skipped ones) onto rs; returns whether rs changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: Readonly<Deployment>, rs: ReplicaSet): boolean {
  const ann = ((rs.metadata ??= {}).annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    // The revision is the ReplicaSet's own: the Deployment's copy may be stale.
    if (annotationsToSkip.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * setNewReplicaSetAnnotations brings the new ReplicaSet's annotations up to date: the Deployment's
 * annotations copied, its revision raised to newRevision when lower (a rollback to an old
 * ReplicaSet keeps the revisions it had in revision-history, bounded in length), and, for a
 * ReplicaSet about to be created, the desired/max replica annotations. Returns whether rs changed.
 */
export function setNewReplicaSetAnnotations(d: Readonly<Deployment>, rs: ReplicaSet, newRevision: string, exists: boolean, revHistoryLimitInChars = MAX_REV_HISTORY_LENGTH_IN_CHARS): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const ann = rs.metadata!.annotations!;
  const hadRevision = Object.prototype.hasOwnProperty.call(ann, RevisionAnnotation);
  const oldRevision = ann[RevisionAnnotation] ?? '';
  let oldRevisionInt = 0;
  if (oldRevision !== '') {
    if (!INT.test(oldRevision)) return false;
    oldRevisionInt = Number(oldRevision);
  }
  if (!INT.test(newRevision)) return false;
  const newRevisionInt = Number(newRevision);
  if (oldRevisionInt < newRevisionInt) {
    ann[RevisionAnnotation] = newRevision;
    changed = true;
  }
  if (hadRevision && oldRevisionInt < newRevisionInt) {
    const history = ann[RevisionHistoryAnnotation] ?? '';
    const oldRevisions = history.split(',');
    if (oldRevisions[0].length === 0) {
      ann[RevisionHistoryAnnotation] = oldRevision;
    } else {
      // Drop the oldest entries until the new one fits.
      let totalLen = history.length + oldRevision.length + 1;
      let start = 0;
      while (totalLen > revHistoryLimitInChars && start < oldRevisions.length) {
        totalLen -= oldRevisions[start].length + 1;
        start++;
      }
      if (totalLen <= revHistoryLimitInChars) {
        ann[RevisionHistoryAnnotation] = [...oldRevisions.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, deploymentReplicas(d), deploymentReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** setDeploymentAnnotationsTo replaces d's annotations (but the skipped ones) with those of the ReplicaSet rolled back to. */
export function setDeploymentAnnotationsTo(d: Deployment, rollbackToRS: Readonly<ReplicaSet>): void {
  const md = (d.metadata ??= {});
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.annotations ?? {})) if (annotationsToSkip.has(k)) kept[k] = v;
  for (const [k, v] of Object.entries(rollbackToRS.metadata?.annotations ?? {})) if (!annotationsToSkip.has(k)) kept[k] = v;
  md.annotations = kept;
}

/**
 * getRollbackTo reads the revision extensions/v1beta1's spec.rollbackTo asked for (kept in an
 * annotation since apps/v1 has no such field): undefined when absent or not a number, 0 for
 * "the previous revision".
 */
export function getRollbackTo(d: Readonly<Deployment>): number | undefined {
  const v = d.metadata?.annotations?.[DeprecatedRollbackTo];
  if (!v || !INT.test(v)) return undefined;
  return Number(v);
}

/** clearRollbackTo removes the rollbackTo annotation. */
export function clearRollbackTo(d: Deployment): void {
  if (d.metadata?.annotations) delete d.metadata.annotations[DeprecatedRollbackTo];
}
