/** Pod helpers the scheduler shares (pkg/scheduler/util and api/v1/pod). */
import { rfc3339 } from '../apimachinery/time.js';
import { Resources, type Client } from '../client/types.js';
import type { Pod, PodCondition } from './framework/api.js';
import { podPriority } from './framework/api.js';

/**
 * updatePodCondition is podutil.UpdatePodCondition: the condition with lastTransitionTime kept
 * when its status did not change; `changed` is false when nothing differs (no write needed).
 */
export function updatePodCondition(pod: Readonly<Pod>, c: Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>, now: Date): { changed: boolean; condition: PodCondition } {
  const old = pod.status?.conditions?.find((x) => x.type === c.type);
  const condition: PodCondition = { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: rfc3339(now), ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
  if (!old) return { changed: true, condition };
  if (old.status === condition.status) condition.lastTransitionTime = old.lastTransitionTime ?? null;
  const equal = old.status === condition.status && (old.reason ?? '') === (condition.reason ?? '') && (old.message ?? '') === (condition.message ?? '')
    && (old.lastProbeTime ?? null) === null && (old.lastTransitionTime ?? null) === condition.lastTransitionTime;
  return { changed: !equal, condition };
}

/**
 * patchPodStatus sends a strategic merge patch of the pod's status: conditions merge by type,
 * nominatedNodeName '' clears the field.
 */
export async function patchPodStatus(client: Client, pod: Readonly<Pod>, change: { conditions?: PodCondition[]; nominatedNodeName?: string }): Promise<void> {
  const status: Record<string, unknown> = {};
  if (change.conditions?.length) status.conditions = change.conditions;
  if (change.nominatedNodeName !== undefined) status.nominatedNodeName = change.nominatedNodeName === '' ? null : change.nominatedNodeName;
  if (!Object.keys(status).length) return;
  await client.patch(Resources.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { status }, 'strategic', 'status');
}

/** getPodStartTime is status.startTime, or now for pods that have not started (assumed or just bound). */
export function getPodStartTime(pod: Readonly<Pod>, now: number): number {
  const t = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  return Number.isNaN(t) ? now : t;
}

/** moreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportantPod(a: Readonly<Pod>, b: Readonly<Pod>, now = Date.now()): boolean {
  const p1 = podPriority(a);
  const p2 = podPriority(b);
  if (p1 !== p2) return p1 > p2;
  return getPodStartTime(a, now) < getPodStartTime(b, now);
}

/** isTerminal is true for Succeeded and Failed pods (they hold no resources). */
export function isTerminal(pod: Readonly<Pod>): boolean {
  const ph = pod.status?.phase;
  return ph === 'Succeeded' || ph === 'Failed';
}

/** assignedPod is true when the pod is bound to a node. */
export function assignedPod(pod: Readonly<Pod>): boolean {
  return !!pod.spec?.nodeName;
}
