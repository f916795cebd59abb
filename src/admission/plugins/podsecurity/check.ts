/**
 * Check is one Pod Security Standards control as k8s.io/pod-security-admission registers it: an
 * ID, the level it belongs to, and the implementations it had over time, each from the Kubernetes
 * minor version that introduced it. A restricted check may replace ("override") a baseline one
 * from its version on (restricted volume types replace the hostPath check, for example).
 */
import type { CheckResult, PodView } from './helpers.js';

export type CheckFn = (pod: PodView) => CheckResult;

/** VersionedCheck is one implementation, in force from v1.<minimumMinor>. */
export interface VersionedCheck {
  minimumMinor: number;
  check: CheckFn;
  /** baseline check IDs this restricted check replaces at the restricted level */
  overrides?: string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** implementations, oldest first */
  versions: VersionedCheck[];
}

/** implementationAt is the check's implementation in force at v1.<minor> (none before its first). */
export function implementationAt(check: Check, minor: number): VersionedCheck | undefined {
  for (let i = check.versions.length - 1; i >= 0; i--) if (check.versions[i].minimumMinor <= minor) return check.versions[i];
  return undefined;
}
