import { isPodActive, isPodReady, podReadyCondition, timeOf, type Pod } from '../common/pod-util.js';

/** POD_DELETION_COST_ANNOTATION lets users say which pods of a ReplicaSet to delete first (lower cost first). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * getDeletionCostFromPodAnnotations reads the pod-deletion-cost annotation as an int32; a missing
 * or invalid value (a leading "+", a positive value with leading zeros, not a number, out of
 * range) counts as 0, as upstream's parser does.
 */
export function getDeletionCostFromPodAnnotations(annotations: Readonly<Record<string, string>> | undefined): number {
  const v = annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^(0|[1-9][0-9]*|-[0-9]+)$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? n || 0 : 0; // "-0" is 0
}

function maxContainerRestarts(pod: Readonly<Pod>): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** readyTime is when a ready pod became ready; undefined (zero) for a pod that is not ready. */
function readyTime(pod: Readonly<Pod>): number | undefined {
  return isPodReady(pod) ? timeOf(podReadyCondition(pod)?.lastTransitionTime) : undefined;
}

/** afterOrZero: a zero time sorts first, otherwise the later time does. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/**
 * logarithmicRankDiff compares how long ago two times were on a log2 scale of nanoseconds, so
 * pods of similar age are equivalent and ties are broken by uid (pseudo-random), as upstream's
 * LogarithmicScaleDown does.
 */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const rank = (t: number) => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rank(t1) - rank(t2);
}

/** earlierForDeletion orders two differing times with afterOrZero, on the logarithmic scale when now is known. */
function earlierForDeletion(t1: number | undefined, t2: number | undefined, now: number | undefined, uid1: string, uid2: string): boolean {
  if (now === undefined || t1 === undefined || t2 === undefined) return afterOrZero(t1, t2);
  const d = logarithmicRankDiff(t1, t2, now);
  return d === 0 ? uid1 < uid2 : d < 0;
}

/** RankedPod is a pod with its rank: how many related active pods share its node. */
export interface RankedPod { pod: Readonly<Pod>; rank: number }

/**
 * podDeletedBefore is upstream's ActivePodsWithRanks.Less: true when a should be deleted before b.
 * 1. not yet scheduled before scheduled; 2. Pending before Unknown before Running; 3. not ready
 * before ready; 4. lower pod-deletion-cost first; 5. more related pods on the same node first;
 * 6. ready for less time first; 7. more container restarts first; 8. newer first. Times in 6 and 8
 * are compared on a logarithmic scale with ties broken by uid (when now is given).
 */
export function podDeletedBefore(a: RankedPod, b: RankedPod, now?: Date): boolean {
  const pa = a.pod, pb = b.pod;
  const na = pa.spec?.nodeName ?? '', nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const oa = phaseOrdinal[pa.status?.phase ?? ''] ?? 0, ob = phaseOrdinal[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa < ob;
  const ra = isPodReady(pa), rb = isPodReady(pb);
  if (ra !== rb) return !ra;
  const ca = getDeletionCostFromPodAnnotations(pa.metadata?.annotations), cb = getDeletionCostFromPodAnnotations(pb.metadata?.annotations);
  if (ca !== cb) return ca < cb;
  if (a.rank !== b.rank) return a.rank > b.rank;
  const nowMs = now?.getTime();
  const ua = pa.metadata?.uid ?? '', ub = pb.metadata?.uid ?? '';
  if (ra && rb) {
    const ta = readyTime(pa), tb = readyTime(pb);
    if (ta !== tb) return earlierForDeletion(ta, tb, nowMs, ua, ub);
  }
  const xa = maxContainerRestarts(pa), xb = maxContainerRestarts(pb);
  if (xa !== xb) return xa > xb;
  const ka = timeOf(pa.metadata?.creationTimestamp), kb = timeOf(pb.metadata?.creationTimestamp);
  if (ka !== kb) return earlierForDeletion(ka, kb, nowMs, ua, ub);
  return false;
}

/**
 * getPodsRankedByRelatedPodsOnSameNode ranks each pod by the number of active related pods on its
 * node (relatedPods: the pods of every ReplicaSet with the same owner), so scale-down spreads.
 */
export function getPodsRankedByRelatedPodsOnSameNode(podsToRank: readonly Readonly<Pod>[], relatedPods: readonly Readonly<Pod>[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return podsToRank.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/**
 * getPodsToDelete picks diff pods of filteredPods to delete, those in the earliest stages of
 * startup first (see podDeletedBefore). No sorting is needed when all of them go.
 */
export function getPodsToDelete<T extends Pod>(filteredPods: readonly Readonly<T>[], relatedPods: readonly Readonly<Pod>[], diff: number, now: Date): Readonly<T>[] {
  if (diff >= filteredPods.length) return filteredPods.slice(0, diff);
  const ranked = getPodsRankedByRelatedPodsOnSameNode(filteredPods, relatedPods);
  ranked.sort((a, b) => (podDeletedBefore(a, b, now) ? -1 : podDeletedBefore(b, a, now) ? 1 : 0));
  return ranked.slice(0, diff).map((r) => r.pod as Readonly<T>);
}
