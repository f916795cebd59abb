import type { ContainerStatus, PodCondition, Pod, PodFailurePolicy, PodFailurePolicyAction, PodFailurePolicyRule } from './types.js';

/** PodFailurePolicyMatch is what matching a failed pod against spec.podFailurePolicy says. */
export interface PodFailurePolicyMatch {
  /** set when a FailJob rule matched: the Job's failure message */
  failJobMessage?: string;
  /** whether the failure counts towards backoffLimit (and backoffLimitPerIndex); false for Ignore */
  countFailed: boolean;
  /** the action of the matching rule, if one matched */
  action?: PodFailurePolicyAction;
}

/**
 * matchPodFailurePolicy walks the rules in order and stops at the first that matches the failed
 * pod: onExitCodes looks at terminated containers (app containers first, then init containers)
 * with a non-zero exit code, onPodConditions at the pod's conditions (DisruptionTarget …). No
 * match counts the failure. The FailJob message names the container or condition and the rule.
 */
export function matchPodFailurePolicy(policy: Readonly<PodFailurePolicy> | null | undefined, pod: Readonly<Pod>): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const cs = matchOnExitCodes(pod, rule.onExitCodes);
      if (!cs) continue;
      const r = actionResult(rule, () => `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${cs.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`);
      if (r) return r;
    } else if (rule.onPodConditions) {
      const cond = matchOnPodConditions(pod, rule.onPodConditions);
      if (!cond) continue;
      const r = actionResult(rule, () => `Pod ${ns}/${name} has condition ${cond.type} matching ${rule.action} rule at index ${index}`);
      if (r) return r;
    }
  }
  return { countFailed: true };
}

/** actionResult turns a matching rule into its result; an unknown action matches nothing (the walk goes on, as upstream's switch does). */
function actionResult(rule: Readonly<PodFailurePolicyRule>, failJobMessage: () => string): PodFailurePolicyMatch | undefined {
  switch (rule.action) {
    case 'Ignore': return { countFailed: false, action: 'Ignore' };
    case 'FailIndex': return { countFailed: true, action: 'FailIndex' };
    case 'Count': return { countFailed: true, action: 'Count' };
    case 'FailJob': return { countFailed: true, action: 'FailJob', failJobMessage: failJobMessage() };
    default: return undefined;
  }
}

/** matchOnExitCodes returns the first terminated container (app, then init) whose non-zero exit code satisfies the requirement. */
export function matchOnExitCodes(pod: Readonly<Pod>, req: NonNullable<PodFailurePolicyRule['onExitCodes']>): ContainerStatus | undefined {
  return matchingContainer(pod.status?.containerStatuses, req) ?? matchingContainer(pod.status?.initContainerStatuses, req);
}

function matchingContainer(statuses: readonly ContainerStatus[] | undefined, req: NonNullable<PodFailurePolicyRule['onExitCodes']>): ContainerStatus | undefined {
  for (const cs of statuses ?? []) {
    const t = cs.state?.terminated;
    // A container still terminating has no exit code to match.
    if (!t) continue;
    if (req.containerName && req.containerName !== cs.name) continue;
    if (t.exitCode === 0) continue;
    const listed = (req.values ?? []).includes(t.exitCode);
    if ((req.operator === 'In' && listed) || (req.operator === 'NotIn' && !listed)) return cs;
  }
  return undefined;
}

/** matchOnPodConditions returns the first pod condition that one of the patterns names with the same status. */
export function matchOnPodConditions(pod: Readonly<Pod>, patterns: readonly { type: string; status?: string }[]): PodCondition | undefined {
  for (const c of pod.status?.conditions ?? []) {
    for (const p of patterns) if (c.type === p.type && c.status === (p.status ?? 'True')) return c;
  }
  return undefined;
}
