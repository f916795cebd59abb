import { StatusError } from '../../apimachinery/errors.js';
import type { Lister } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import type { StatefulSet, StatefulSetStatus } from './types.js';

/**
 * encodeStatus renders a status as apps/v1 serialises it: replicas and availableReplicas always,
 * the other counts and the revision names only when set (omitempty), collisionCount as given.
 */
export function encodeStatus(s: Readonly<StatefulSetStatus>): StatefulSetStatus {
  const out: StatefulSetStatus = { replicas: s.replicas };
  if (s.observedGeneration) out.observedGeneration = s.observedGeneration;
  if (s.readyReplicas) out.readyReplicas = s.readyReplicas;
  if (s.currentReplicas) out.currentReplicas = s.currentReplicas;
  if (s.updatedReplicas) out.updatedReplicas = s.updatedReplicas;
  if (s.currentRevision) out.currentRevision = s.currentRevision;
  if (s.updateRevision) out.updateRevision = s.updateRevision;
  if (s.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  out.availableReplicas = s.availableReplicas ?? 0;
  if (s.conditions?.length) out.conditions = s.conditions;
  return out;
}

const MAX_RETRIES = 5;

/**
 * StatefulSetStatusUpdater is stateful_set_status_updater.go: it writes a set's status through the
 * status subresource, retrying conflicts with the cache's newer copy.
 */
export class StatefulSetStatusUpdater {
  constructor(private readonly client: Client, private readonly sets: Lister<StatefulSet>) {}

  /** updateStatefulSetStatus stores status on set. */
  async updateStatefulSetStatus(set: Readonly<StatefulSet>, status: Readonly<StatefulSetStatus>): Promise<void> {
    let cur = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.updateStatus(Resources.statefulsets, cur.metadata?.namespace, {
          ...cur, apiVersion: 'apps/v1', kind: 'StatefulSet', status: encodeStatus({ ...status, conditions: cur.status?.conditions }),
        } as StatefulSet);
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt >= MAX_RETRIES) throw e;
        // The cache may still hold the copy that conflicted: then ask the API server for the current one.
        const cached = this.sets.get(cur.metadata?.namespace, cur.metadata?.name ?? '');
        cur = cached && cached.metadata?.resourceVersion !== cur.metadata?.resourceVersion
          ? cached
          : await this.client.get<StatefulSet>(Resources.statefulsets, cur.metadata?.namespace, cur.metadata?.name ?? '');
      }
    }
  }
}
