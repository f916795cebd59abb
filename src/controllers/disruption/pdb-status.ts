import type { KubeObject } from '../../api/resource.js';
import type { LabelSelectorSpec } from '../../apimachinery/labels.js';
import { isPodReady, type Pod } from '../nodelifecycle/pod-conditions.js';
import { rfc3339 } from '../../apimachinery/time.js';

/** DELETION_TIMEOUT_MS: how long an approved eviction may take to show up as a deletion before the PDB counts the pod again (2 min). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** Condition is metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** PDBStatus is policy/v1 PodDisruptionBudgetStatus. */
export interface PDBStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

/** PodDisruptionBudget is policy/v1 PodDisruptionBudget. */
export interface PodDisruptionBudget extends KubeObject {
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelectorSpec | null;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: PDBStatus;
}

/** Condition type and reasons of policy/v1. */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/**
 * getScaledValueFromIntOrPercent resolves an IntOrString against total (intstr.GetScaledValueFromIntOrPercent):
 * an int as is, "N%" as N% of total rounded up or down. Throws on anything else.
 */
export function getScaledValueFromIntOrPercent(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * setStatusCondition sets cond in conditions as apimeta.SetStatusCondition does: lastTransitionTime
 * moves only when the status changes; reason, message and observedGeneration always follow.
 */
export function setStatusCondition(conditions: Condition[], cond: Omit<Condition, 'lastTransitionTime'>, now: Date): void {
  const existing = conditions.find((c) => c.type === cond.type);
  if (!existing) {
    conditions.push({ ...cond, lastTransitionTime: rfc3339(now) });
    return;
  }
  if (existing.status !== cond.status) {
    existing.status = cond.status;
    existing.lastTransitionTime = rfc3339(now);
  }
  existing.reason = cond.reason;
  existing.message = cond.message;
  existing.observedGeneration = cond.observedGeneration;
}

/** updateDisruptionAllowedCondition sets DisruptionAllowed from disruptionsAllowed (SufficientPods / InsufficientPods), as component-helpers does. */
export function updateDisruptionAllowedCondition(status: PDBStatus, now: Date): void {
  const conditions = (status.conditions ??= []);
  setStatusCondition(conditions, status.disruptionsAllowed > 0
    ? { type: DISRUPTION_ALLOWED, status: 'True', reason: SUFFICIENT_PODS, message: '', observedGeneration: status.observedGeneration }
    : { type: DISRUPTION_ALLOWED, status: 'False', reason: INSUFFICIENT_PODS, message: '', observedGeneration: status.observedGeneration }, now);
}

/** conditionsAreUpToDate: the DisruptionAllowed condition agrees with disruptionsAllowed for the current generation. */
export function conditionsAreUpToDate(pdb: Readonly<PodDisruptionBudget>): boolean {
  const c = pdb.status?.conditions?.find((x) => x.type === DISRUPTION_ALLOWED);
  if (!c || (pdb.status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  return (pdb.status?.disruptionsAllowed ?? 0) > 0
    ? c.status === 'True' && c.reason === SUFFICIENT_PODS
    : c.status === 'False' && c.reason === INSUFFICIENT_PODS;
}

/**
 * desiredHealthyFor computes expectedPods and desiredHealthy (getExpectedPodCount): maxUnavailable
 * and percentage minAvailable are relative to the pods' controllers' scale (expectedScale), an
 * integer minAvailable to the number of matching pods.
 */
export function desiredHealthyFor(spec: PodDisruptionBudget['spec'], podCount: number, expectedScale: () => number): { expectedCount: number; desiredHealthy: number } {
  if (spec?.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const expectedCount = expectedScale();
    const maxUnavailable = getScaledValueFromIntOrPercent(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
  }
  if (spec?.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: podCount, desiredHealthy: spec.minAvailable };
    const expectedCount = expectedScale();
    return { expectedCount, desiredHealthy: getScaledValueFromIntOrPercent(spec.minAvailable, expectedCount, true) };
  }
  return { expectedCount: 0, desiredHealthy: 0 };
}

/**
 * buildDisruptedPodMap keeps the disruptedPods entries still waiting for their deletion to show
 * (drops those of pods gone, being deleted, or overdue) and returns when to look again.
 */
export function buildDisruptedPodMap(pods: readonly Readonly<Pod>[], pdb: Readonly<PodDisruptionBudget>, now: number): { disrupted: Record<string, string>; recheckAt?: number; overdue: Readonly<Pod>[] } {
  const previous = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const overdue: Readonly<Pod>[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const t = previous[pod.metadata!.name!];
    if (t === undefined) continue;
    const expectedDeletion = Date.parse(t) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      overdue.push(pod);
    } else {
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
      disrupted[pod.metadata!.name!] = t;
    }
  }
  return { disrupted, recheckAt, overdue };
}

/** countHealthyPods counts ready pods that are neither being deleted nor about to be (disruptedPods). */
export function countHealthyPods(pods: readonly Readonly<Pod>[], disrupted: Readonly<Record<string, string>>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const t = disrupted[pod.metadata!.name!];
    if (t !== undefined && Date.parse(t) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** computeStatus is the PDB status the controller writes, or undefined when the stored one is current. */
export function computeStatus(pdb: Readonly<PodDisruptionBudget>, currentHealthy: number, desiredHealthy: number, expectedCount: number, disrupted: Record<string, string>, now: Date): PDBStatus | undefined {
  // expectedCount must be positive so a PDB that matches nothing yet is safe when its first pods appear.
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const st = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  if (st && st.currentHealthy === currentHealthy && st.desiredHealthy === desiredHealthy && st.expectedPods === expectedCount &&
    st.disruptionsAllowed === disruptionsAllowed && sameMap(st.disruptedPods, disrupted) && st.observedGeneration === generation &&
    conditionsAreUpToDate(pdb)) return undefined;
  const status: PDBStatus = {
    observedGeneration: generation, disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods: expectedCount,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    conditions: structuredClone(st?.conditions ?? []),
  };
  updateDisruptionAllowedCondition(status, now);
  return status;
}

function sameMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b).length && ka.every((k) => a![k] === b[k]);
}
