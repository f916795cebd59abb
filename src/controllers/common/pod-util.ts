import type { KubeObject } from '../../api/resource.js';

/** PodCondition is the part of a core/v1 PodCondition these controllers read. */
export interface PodCondition { type: string; status: string; lastTransitionTime?: string | null }

/** Pod is the part of a core/v1 Pod the workload controllers read (the cache holds full objects). */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: { restartCount?: number }[];
    [field: string]: unknown;
  };
}

/** isPodActive: not Succeeded, not Failed and not being deleted (upstream's controller.IsPodActive). */
export function isPodActive(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** filterActivePods keeps the active pods (FilterActivePods). */
export function filterActivePods<T extends Pod>(pods: readonly Readonly<T>[]): Readonly<T>[] {
  return pods.filter((p) => isPodActive(p));
}

/** podReadyCondition returns the pod's Ready condition, if it has one. */
export function podReadyCondition(pod: Readonly<Pod>): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** isPodReady: the Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Readonly<Pod>): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** timeOf parses an RFC 3339 timestamp; undefined (Go's zero time) when absent or unparsable. */
export function timeOf(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * isPodAvailable: ready, and ready for longer than minReadySeconds (podutil.IsPodAvailable). A
 * Ready condition without a transition time is available only when minReadySeconds is 0.
 */
export function isPodAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = timeOf(podReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < now.getTime();
}

/**
 * availableAfterMs says how long until a ready pod becomes available (0 when it already is or
 * never will be by waiting: not ready, or no transition time), so a controller can requeue exactly then.
 */
export function availableAfterMs(pod: Readonly<Pod>, minReadySeconds: number, now: Date): number {
  if (!minReadySeconds || !isPodReady(pod)) return 0;
  const since = timeOf(podReadyCondition(pod)?.lastTransitionTime);
  if (since === undefined) return 0;
  // Available is strictly after since + minReadySeconds, hence the extra millisecond.
  return Math.max(0, since + minReadySeconds * 1000 - now.getTime() + 1);
}

/** podKey is the expectations key of a pod: `namespace/name` (controller.PodKey). */
export function podKey(pod: Readonly<KubeObject>): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
