/**
 * Deployment conditions (Available, Progressing, ReplicaFailure) and the progress predicates
 * behind them (upstream's DeploymentComplete, DeploymentProgressing, DeploymentTimedOut).
 */
import type {
  ConditionStatus, Deployment, DeploymentCondition, DeploymentConditionType, DeploymentStatus, ReplicaSetCondition,
} from '../types.js';
import { Reasons } from '../types.js';
import { deploymentReplicas } from './fenceposts.js';

const MAX_INT32 = 2147483647;

/** metav1Time renders a time as metav1.Time marshals it: RFC 3339 with whole seconds. */
export function metav1Time(t: Date): string {
  return t.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** newDeploymentCondition builds a condition updated and transitioned now. */
export function newDeploymentCondition(now: Date, type: DeploymentConditionType, status: ConditionStatus, reason: string, message: string): DeploymentCondition {
  const t = metav1Time(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** getDeploymentCondition returns the condition of that type, if any. */
export function getDeploymentCondition(status: Readonly<DeploymentStatus> | undefined, type: DeploymentConditionType): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * setDeploymentCondition puts condition into status: nothing happens when one with the same status
 * and reason is there (the message and times stay); lastTransitionTime is kept when only the
 * reason changes.
 */
export function setDeploymentCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getDeploymentCondition(status, condition.type as DeploymentConditionType);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const c = { ...condition };
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

/** removeDeploymentCondition drops the condition of that type. */
export function removeDeploymentCondition(status: DeploymentStatus, type: DeploymentConditionType): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length) status.conditions = rest;
  else delete status.conditions;
}

/** replicaSetToDeploymentCondition promotes a ReplicaSet's ReplicaFailure condition to its Deployment. */
export function replicaSetToDeploymentCondition(c: Readonly<ReplicaSetCondition>): DeploymentCondition {
  return {
    type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime,
    reason: c.reason, message: c.message,
  };
}

/** hasProgressDeadline: progressDeadlineSeconds is set and is not MaxInt32 (which means "no deadline"). */
export function hasProgressDeadline(d: Readonly<Deployment>): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== MAX_INT32;
}

/** hasRevisionHistoryLimit: revisionHistoryLimit is set and is not MaxInt32. */
export function hasRevisionHistoryLimit(d: Readonly<Deployment>): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== MAX_INT32;
}

/** deploymentComplete: every replica updated, available and no old one left, for the current generation. */
export function deploymentComplete(d: Readonly<Deployment>, s: Readonly<DeploymentStatus>): boolean {
  const replicas = deploymentReplicas(d);
  return (s.updatedReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/**
 * deploymentProgressing compares the new status with the one the Deployment has: more updated,
 * ready or available pods, or fewer old ones, is progress.
 */
export function deploymentProgressing(d: Readonly<Deployment>, s: Readonly<DeploymentStatus>): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/**
 * deploymentTimedOut: the Progressing condition already says ProgressDeadlineExceeded, or its
 * lastUpdateTime (the last progress seen) is more than progressDeadlineSeconds before now.
 */
export function deploymentTimedOut(d: Readonly<Deployment>, s: Readonly<DeploymentStatus>, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getDeploymentCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === Reasons.TimedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < now.getTime();
}
