/**
 * Server-side rollback (upstream's rollback.go) for the annotation that extensions/v1beta1's
 * spec.rollbackTo became in apps/v1. `kubectl rollout undo` no longer uses it (since 1.18 it
 * patches the template from the old ReplicaSet itself), but a Deployment carrying the annotation
 * is still rolled back, with the same events.
 */
import { Resources } from '../../client/types.js';
import type { DeploymentContext } from './context.js';
import { RollbackReasons, type Deployment, type ReplicaSet } from './types.js';
import { clearRollbackTo, getRollbackTo, lastRevision, revision, setDeploymentAnnotationsTo } from './util/annotations.js';
import { equalIgnoreHash, setFromReplicaSetTemplate } from './util/replicasets.js';
import { getAllReplicaSetsAndSyncRevision } from './sync.js';

/** rollback puts the template of the requested revision (0: the previous one) back into d, then clears the request. */
export async function rollback(ctx: DeploymentContext, d: Deployment, rsList: readonly Readonly<ReplicaSet>[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(ctx, d, rsList, true);
  const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  let to = getRollbackTo(d) ?? 0;
  if (to === 0) {
    to = lastRevision(allRSs);
    if (to === 0) {
      ctx.recorder.event(d, 'Warning', RollbackReasons.RevisionNotFound, 'Unable to find last revision.');
      await updateDeploymentAndClearRollbackTo(ctx, d);
      return;
    }
  }
  for (const rs of allRSs) {
    if (revision(rs) !== to) continue;
    // The revision is bumped by the next sync, which finds this ReplicaSet as the new one.
    const performed = await rollbackToTemplate(ctx, d, rs);
    if (performed) ctx.recorder.event(d, 'Normal', RollbackReasons.Done, `Rolled back deployment ${JSON.stringify(d.metadata?.name)} to revision ${to}`);
    return;
  }
  ctx.recorder.event(d, 'Warning', RollbackReasons.RevisionNotFound, 'Unable to find the revision to rollback to.');
  await updateDeploymentAndClearRollbackTo(ctx, d);
}

/**
 * rollbackToTemplate copies rs's template and annotations (change-cause among them, so history
 * stays right) into d unless the template is already d's; returns whether it did.
 */
export async function rollbackToTemplate(ctx: DeploymentContext, d: Deployment, rs: Readonly<ReplicaSet>): Promise<boolean> {
  let performed = false;
  if (!equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
    setFromReplicaSetTemplate(d, rs.spec?.template);
    setDeploymentAnnotationsTo(d, rs);
    performed = true;
  } else {
    ctx.recorder.event(d, 'Warning', RollbackReasons.TemplateUnchanged, `The rollback revision contains the same template as current deployment ${JSON.stringify(d.metadata?.name)}`);
  }
  await updateDeploymentAndClearRollbackTo(ctx, d);
  return performed;
}

/** updateDeploymentAndClearRollbackTo removes the rollback request and writes d (with whatever template it now has). */
async function updateDeploymentAndClearRollbackTo(ctx: DeploymentContext, d: Deployment): Promise<void> {
  clearRollbackTo(d);
  const updated = await ctx.client.update<Deployment>(Resources.deployments, d.metadata?.namespace, d);
  d.metadata!.resourceVersion = updated.metadata?.resourceVersion;
}
