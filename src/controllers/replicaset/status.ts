import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSet, matchesLabels } from '../../apimachinery/labels.js';
import { apiVersionOf } from '../../apimachinery/ownerrefs.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import type { ReplicaSetKind } from './kinds.js';
import { isPodAvailable, isPodReady, type Pod } from '../common/pod-util.js';

/** REPLICA_FAILURE is the condition type set when pods could not be created or deleted. */
export const REPLICA_FAILURE = 'ReplicaFailure';

/** ReplicaSetCondition is apps/v1 ReplicaSetCondition (and core/v1 ReplicationControllerCondition). */
export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/**
 * ReplicaSetStatus is apps/v1 ReplicaSetStatus (core/v1 ReplicationControllerStatus has the same
 * fields). As in Go, every field but replicas is left out when it is zero or empty.
 */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

/** ReplicaSetLike is the part of a ReplicaSet or ReplicationController the controller reads. */
export interface ReplicaSetLike extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: unknown;
    template?: { metadata?: { labels?: Record<string, string> }; [field: string]: unknown };
    [field: string]: unknown;
  };
  status?: Partial<ReplicaSetStatus>;
}

/** specReplicas is spec.replicas (the API server defaults it to 1). */
export function specReplicas(rs: Readonly<ReplicaSetLike>): number {
  return rs.spec?.replicas ?? 1;
}

/** rfc3339 renders a time as Kubernetes' metav1.Time does (seconds precision). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** normalizeStatus drops zero and empty fields, as Go's omitempty does, so statuses compare and serialize alike. */
export function normalizeStatus(s: Readonly<Partial<ReplicaSetStatus>> | undefined): ReplicaSetStatus {
  const out: ReplicaSetStatus = { replicas: s?.replicas ?? 0 };
  if (s?.fullyLabeledReplicas) out.fullyLabeledReplicas = s.fullyLabeledReplicas;
  if (s?.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s?.availableReplicas) out.availableReplicas = s.availableReplicas;
  if (s?.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s?.conditions?.length) out.conditions = structuredClone(s.conditions) as ReplicaSetCondition[];
  return out;
}

/**
 * calculateStatus counts the pods the ReplicaSet owns (replicas), those carrying all the template's
 * labels (fullyLabeledReplicas), the ready ones and the ready ones that have been so for
 * minReadySeconds (availableReplicas). A manageReplicas error sets the ReplicaFailure condition
 * (FailedCreate when pods were missing, FailedDelete when there were too many) unless it is
 * already there; a sync without error removes it.
 */
export function calculateStatus(rs: Readonly<ReplicaSetLike>, filteredPods: readonly Readonly<Pod>[], manageReplicasErr: unknown, now: Date): ReplicaSetStatus {
  const status = normalizeStatus(rs.status);
  const templateLabels = labelSelectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0, ready = 0, available = 0;
  for (const pod of filteredPods) {
    if (matchesLabels(templateLabels, pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }

  const failure = status.conditions?.find((c) => c.type === REPLICA_FAILURE);
  if (manageReplicasErr !== undefined && !failure) {
    const diff = filteredPods.length - specReplicas(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const message = manageReplicasErr instanceof Error ? manageReplicasErr.message : String(manageReplicasErr);
    status.conditions = [...(status.conditions ?? []), { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(now), reason, message }];
  } else if (manageReplicasErr === undefined && failure) {
    status.conditions = status.conditions!.filter((c) => c.type !== REPLICA_FAILURE);
  }

  return normalizeStatus({ ...status, replicas: filteredPods.length, fullyLabeledReplicas: fullyLabeled, readyReplicas: ready, availableReplicas: available });
}

/** STATUS_UPDATE_RETRIES is how many times a conflicting status write is retried on a fresh copy (upstream's 1). */
const STATUS_UPDATE_RETRIES = 1;

/**
 * updateReplicaSetStatus writes newStatus (with observedGeneration set to the generation acted on)
 * through the status subresource, unless nothing changed. A failed write is retried once on a
 * freshly read object. Returns the object as stored.
 */
export async function updateReplicaSetStatus<T extends ReplicaSetLike>(client: Client, kind: ReplicaSetKind, rs: Readonly<T>, newStatus: ReplicaSetStatus, logger: Logger): Promise<Readonly<T>> {
  const cur = normalizeStatus(rs.status);
  const generation = rs.metadata?.generation ?? 0;
  if (cur.replicas === newStatus.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (newStatus.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (newStatus.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (newStatus.availableReplicas ?? 0) &&
    generation === (cur.observedGeneration ?? 0) &&
    isDeepStrictEqual(cur.conditions, newStatus.conditions)) {
    return rs;
  }
  const status = normalizeStatus({ ...newStatus, observedGeneration: generation });
  const ns = rs.metadata?.namespace;
  const name = rs.metadata?.name ?? '';
  let target: Readonly<T> = rs;
  for (let i = 0; ; i++) {
    logger.v(4).info('updating status', {
      kind: kind.gvk.kind, key: `${ns}/${name}`, replicas: `${target.status?.replicas ?? 0}->${status.replicas} (need ${specReplicas(target)})`,
      fullyLabeledReplicas: status.fullyLabeledReplicas ?? 0, readyReplicas: status.readyReplicas ?? 0,
      availableReplicas: status.availableReplicas ?? 0, observedGeneration: status.observedGeneration ?? 0,
    });
    const body = { ...structuredClone(target), apiVersion: apiVersionOf(kind.gvk), kind: kind.gvk.kind, status } as T;
    try {
      return await client.updateStatus<T>(kind.resource, ns, body);
    } catch (e) {
      if (i >= STATUS_UPDATE_RETRIES || (e instanceof StatusError && e.code === 404)) throw e;
    }
    // A stale resourceVersion (or a transient failure): write the same status on the latest copy.
    target = await client.get<T>(kind.resource, ns, name);
  }
}
