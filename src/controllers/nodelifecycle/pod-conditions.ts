import type { KubeObject } from '../../api/resource.js';
import { rfc3339 } from '../../apimachinery/time.js';

/** PodCondition is core/v1 PodCondition. */
export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

/** Pod is the part of a core/v1 Pod the node and disruption controllers read. */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; tolerations?: Toleration[]; [field: string]: unknown };
  status?: { phase?: string; conditions?: PodCondition[]; [field: string]: unknown };
}

/** Toleration is core/v1 Toleration. */
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number | null }

/** getPodCondition returns the pod's condition of that type, if any. */
export function getPodCondition(pod: Readonly<Pod>, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export { isPodReady } from '../common/pod-util.js';

/**
 * updatePodCondition sets cond on the (mutable) pod status as upstream's UpdatePodCondition does:
 * lastTransitionTime moves to now only when the status changes. Returns whether anything changed.
 */
export function updatePodCondition(pod: Pod, cond: PodCondition, now: Date): boolean {
  const status = (pod.status ??= {});
  const conditions = (status.conditions ??= []);
  const next: PodCondition = { lastProbeTime: null, ...cond, lastTransitionTime: rfc3339(now) };
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    conditions.push(next);
    return true;
  }
  const old = conditions[i];
  if (old.status === next.status) next.lastTransitionTime = old.lastTransitionTime ?? null;
  const equal = old.status === next.status && (old.reason ?? '') === (next.reason ?? '') && (old.message ?? '') === (next.message ?? '') &&
    (old.lastProbeTime ?? null) === (next.lastProbeTime ?? null) && (old.lastTransitionTime ?? null) === (next.lastTransitionTime ?? null);
  conditions[i] = next;
  return !equal;
}
