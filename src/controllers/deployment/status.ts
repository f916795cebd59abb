/**
 * A Deployment's status: computed from its ReplicaSets (upstream's calculateStatus) and written
 * only when it changed.
 */
import { Resources } from '../../client/types.js';
import type { DeploymentContext } from './context.js';
import { Reasons, RevisionAnnotation, type Deployment, type DeploymentStatus, type ReplicaSet } from './types.js';
import { newDeploymentCondition, setDeploymentCondition } from './util/conditions.js';
import {
  deploymentReplicas, getActualReplicaCountForReplicaSets, getAvailableReplicaCountForReplicaSets,
  getReadyReplicaCountForReplicaSets, getReplicaCountForReplicaSets, maxUnavailable,
} from './util/fenceposts.js';

/**
 * updateDeploymentStatus writes d.status (and the revision annotation, which Kubernetes lets the
 * status subresource change) and keeps d's resourceVersion current, so a second write in the same
 * sync does not conflict with the first.
 */
export async function updateDeploymentStatus(ctx: DeploymentContext, d: Deployment): Promise<void> {
  const ns = d.metadata?.namespace;
  const updated = await ctx.client.updateStatus<Deployment>(Resources.deployments, ns, d);
  d.metadata!.resourceVersion = updated.metadata?.resourceVersion;
  const want = d.metadata?.annotations?.[RevisionAnnotation];
  if (want !== undefined && updated.metadata?.annotations?.[RevisionAnnotation] !== want) {
    // An API server whose status strategy resets annotations: write the revision on the object itself.
    const patched = await ctx.client.patch<Deployment>(Resources.deployments, ns, d.metadata!.name!, { metadata: { annotations: { [RevisionAnnotation]: want } } }, 'merge');
    d.metadata!.resourceVersion = patched.metadata?.resourceVersion;
  }
}

/**
 * calculateStatus computes a Deployment's status from its ReplicaSets: counts (zero counts are
 * left out, as the API omits them) and the Available condition (MinimumReplicasAvailable when
 * at least spec.replicas − maxUnavailable pods are available).
 */
export function calculateStatus(ctx: Pick<DeploymentContext, 'clock'>, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined, d: Readonly<Deployment>): DeploymentStatus {
  const available = getAvailableReplicaCountForReplicaSets(allRSs);
  const total = getReplicaCountForReplicaSets(allRSs);
  // More available than asked for happens while scaling down: nothing is unavailable then.
  const unavailable = Math.max(0, total - available);
  const status: DeploymentStatus = {};
  const counts: [keyof DeploymentStatus, number][] = [
    ['observedGeneration', d.metadata?.generation ?? 0],
    ['replicas', getActualReplicaCountForReplicaSets(allRSs)],
    ['updatedReplicas', getActualReplicaCountForReplicaSets([newRS])],
    ['readyReplicas', getReadyReplicaCountForReplicaSets(allRSs)],
    ['availableReplicas', available],
    ['unavailableReplicas', unavailable],
  ];
  for (const [k, v] of counts) if (v !== 0) (status as Record<string, number>)[k] = v;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined && d.status.collisionCount !== null) status.collisionCount = d.status.collisionCount;
  const now = ctx.clock.now();
  if (available >= deploymentReplicas(d) - maxUnavailable(d)) {
    setDeploymentCondition(status, newDeploymentCondition(now, 'Available', 'True', Reasons.MinimumReplicasAvailable, 'Deployment has minimum availability.'));
  } else {
    setDeploymentCondition(status, newDeploymentCondition(now, 'Available', 'False', Reasons.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
  }
  return status;
}

/** statusEqual compares two statuses as the API would store them (absent counts are zero). */
export function statusEqual(a: Readonly<DeploymentStatus> | undefined, b: Readonly<DeploymentStatus> | undefined): boolean {
  const norm = (s: Readonly<DeploymentStatus> | undefined) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s ?? {})) {
      if (v === undefined || v === null) continue;
      if (k !== 'collisionCount' && v === 0) continue;
      if (k === 'conditions') {
        if (!(v as unknown[]).length) continue;
        o[k] = (v as unknown as Record<string, unknown>[]).map((c) => Object.fromEntries(Object.entries(c).filter(([, x]) => x !== undefined && x !== '').sort()));
        continue;
      }
      o[k] = v;
    }
    return JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  };
  return norm(a) === norm(b);
}

/** syncDeploymentStatus writes the computed status when it differs. */
export async function syncDeploymentStatus(ctx: DeploymentContext, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined, d: Deployment): Promise<void> {
  const newStatus = calculateStatus(ctx, allRSs, newRS, d);
  if (statusEqual(d.status, newStatus)) return;
  d.status = newStatus;
  await updateDeploymentStatus(ctx, d);
}
