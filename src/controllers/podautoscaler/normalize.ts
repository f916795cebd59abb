/**
 * From a metrics recommendation to the replica count the HPA applies (upstream's
 * normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors): stabilization over recent
 * recommendations, then the min/max bounds and the scale rate limits, each step naming the reason
 * for the AbleToScale and ScalingLimited conditions.
 */
import type { HPAScalingRules } from './types.js';

/** Recommendation is one unstabilized desired count, as of when it was made (ms). */
export interface Recommendation { replicas: number; at: number }

/** ScaleEvent is one rescale: how many replicas it added or removed (non-negative), and when. */
export interface ScaleEvent { change: number; at: number; outdated: boolean }

/** Normalized is a count and the condition reason and message explaining its last step. */
export interface Normalized { replicas: number; reason: string; message: string }

/** SCALE_UP_LIMIT_FACTOR and SCALE_UP_LIMIT_MINIMUM bound a scale-up without behavior: at most max(2×current, 4). */
export const SCALE_UP_LIMIT_FACTOR = 2;
export const SCALE_UP_LIMIT_MINIMUM = 4;

/** calculateScaleUpLimit is the most replicas one scale-up without behavior may reach. */
export function calculateScaleUpLimit(currentReplicas: number): number {
  return Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
}

/** convertDesiredReplicasWithRules bounds a recommendation by min, max and the default scale-up limit. */
export function convertDesiredReplicasWithRules(currentReplicas: number, desiredReplicas: number, minReplicas: number, maxReplicas: number): Normalized {
  const scaleUpLimit = calculateScaleUpLimit(currentReplicas);
  let maximumAllowed: number;
  let reason: string;
  let message: string;
  if (maxReplicas > scaleUpLimit) {
    maximumAllowed = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximumAllowed = maxReplicas;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desiredReplicas < minReplicas) return { replicas: minReplicas, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desiredReplicas > maximumAllowed) return { replicas: maximumAllowed, reason, message };
  return { replicas: desiredReplicas, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** getReplicasChangePerPeriod sums the changes of events within the last periodSeconds. */
export function getReplicasChangePerPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const e of events) if (e.at > cutoff) replicas += e.change;
  return replicas;
}

/** getLongestPolicyPeriod is the longest periodSeconds among the rules' policies. */
export function getLongestPolicyPeriod(rules: HPAScalingRules | undefined): number {
  let longest = 0;
  for (const p of rules?.policies ?? []) if (p.periodSeconds > longest) longest = p.periodSeconds;
  return longest;
}

/**
 * calculateScaleUpLimitWithScalingRules is the most replicas the scale-up policies allow now:
 * each policy allows its value (Pods) or percentage (Percent, rounded up) on top of the count at the
 * start of its period; selectPolicy Max takes the most permissive, Min the least, Disabled none.
 */
export function calculateScaleUpLimitWithScalingRules(currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const periodStart = currentReplicas - getReplicasChangePerPeriod(p.periodSeconds, upEvents, now) + getReplicasChangePerPeriod(p.periodSeconds, downEvents, now);
    let proposed = result;
    if (p.type === 'Pods') proposed = periodStart + p.value;
    else if (p.type === 'Percent') proposed = Math.ceil(periodStart * (1 + p.value / 100));
    result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * calculateScaleDownLimitWithBehaviors is the fewest replicas the scale-down policies allow now
 * (Percent rounded down, so a scale-down always moves); Max takes the most permissive (lowest).
 */
export function calculateScaleDownLimitWithBehaviors(currentReplicas: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const periodStart = currentReplicas - getReplicasChangePerPeriod(p.periodSeconds, upEvents, now) + getReplicasChangePerPeriod(p.periodSeconds, downEvents, now);
    let proposed = result;
    if (p.type === 'Pods') proposed = periodStart - p.value;
    else if (p.type === 'Percent') proposed = Math.trunc(periodStart * (1 - p.value / 100));
    result = useMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** BehaviorArgs is what normalizing with behavior needs (upstream's NormalizationArg). */
export interface BehaviorArgs {
  scaleUp: HPAScalingRules;
  scaleDown: HPAScalingRules;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
}

/**
 * ScalingHistory remembers, per HPA key, its recent unstabilized recommendations and its scale
 * events (only HPAs with behavior record events): the controller's memory between syncs, lost
 * on restart as upstream's is.
 */
export class ScalingHistory {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();

  /** forget drops everything about a deleted HPA. */
  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  /** recordInitialRecommendation seeds a new HPA's history with the target's current count. */
  recordInitialRecommendation(key: string, currentReplicas: number, now: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, at: now }]);
  }

  /** recommendationsOf lists a key's recommendations (for tests and logs). */
  recommendationsOf(key: string): readonly Recommendation[] { return this.recommendations.get(key) ?? []; }

  /** eventsOf lists a key's scale-up or scale-down events. */
  eventsOf(key: string, dir: 'up' | 'down'): readonly ScaleEvent[] { return (dir === 'up' ? this.upEvents : this.downEvents).get(key) ?? []; }

  /** record stores a recommendation, reusing the slot of one that fell out of every window. */
  private record(key: string, rec: Recommendation, outdatedIndex: number | undefined): void {
    const list = this.recommendations.get(key) ?? [];
    if (outdatedIndex !== undefined) list[outdatedIndex] = rec; else list.push(rec);
    this.recommendations.set(key, list);
  }

  /**
   * stabilizeRecommendation (no behavior) returns the highest recommendation of the downscale
   * stabilization window, the new one included, and records the new one.
   */
  stabilizeRecommendation(key: string, desired: number, windowMs: number, now: number): number {
    let max = desired;
    let oldIndex: number | undefined;
    const cutoff = now - windowMs;
    (this.recommendations.get(key) ?? []).forEach((r, i) => {
      if (r.at < cutoff) oldIndex = i;
      else if (r.replicas > max) max = r.replicas;
    });
    this.record(key, { replicas: desired, at: now }, oldIndex);
    return max;
  }

  /**
   * normalizeDesiredReplicas (no behavior): the stabilized recommendation bounded by min, max and
   * the default scale-up limit, with the AbleToScale and ScalingLimited reasons.
   */
  normalizeDesiredReplicas(key: string, currentReplicas: number, desired: number, minReplicas: number, maxReplicas: number, downscaleWindowMs: number, now: number): { replicas: number; ableToScale: Normalized; limited: Normalized & { status: 'True' | 'False' } } {
    const stabilized = this.stabilizeRecommendation(key, desired, downscaleWindowMs, now);
    const ableToScale: Normalized = stabilized !== desired
      ? { replicas: stabilized, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : { replicas: stabilized, reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
    const n = convertDesiredReplicasWithRules(currentReplicas, stabilized, minReplicas, maxReplicas);
    return { replicas: n.replicas, ableToScale, limited: { ...n, status: n.replicas === stabilized ? 'False' : 'True' } };
  }

  /**
   * stabilizeRecommendationWithBehaviors keeps the count within the lowest recommendation of the
   * scale-up window and the highest of the scale-down window (starting from the current count).
   */
  stabilizeRecommendationWithBehaviors(key: string, a: BehaviorArgs, now: number): Normalized {
    const upCutoff = now - (a.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
    const downCutoff = now - (a.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
    let up = a.desiredReplicas;
    let down = a.desiredReplicas;
    let oldIndex: number | undefined;
    (this.recommendations.get(key) ?? []).forEach((r, i) => {
      if (r.at > upCutoff) up = Math.min(r.replicas, up);
      if (r.at > downCutoff) down = Math.max(r.replicas, down);
      if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
    });
    let replicas = a.currentReplicas;
    if (replicas < up) replicas = up;
    if (replicas > down) replicas = down;
    this.record(key, { replicas: a.desiredReplicas, at: now }, oldIndex);
    return a.desiredReplicas >= a.currentReplicas
      ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }

  /** convertDesiredReplicasWithBehaviorRate bounds a stabilized count by min, max and the policies' rate. */
  convertDesiredReplicasWithBehaviorRate(key: string, a: BehaviorArgs, now: number): Normalized {
    const up = this.upEvents.get(key) ?? [];
    const down = this.downEvents.get(key) ?? [];
    if (a.desiredReplicas > a.currentReplicas) {
      const limit = Math.max(calculateScaleUpLimitWithScalingRules(a.currentReplicas, up, down, a.scaleUp, now), a.currentReplicas);
      const [max, reason, message] = a.maxReplicas > limit
        ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
        : [a.maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
      if (a.desiredReplicas > max) return { replicas: max, reason, message };
    } else if (a.desiredReplicas < a.currentReplicas) {
      const limit = Math.min(calculateScaleDownLimitWithBehaviors(a.currentReplicas, up, down, a.scaleDown, now), a.currentReplicas);
      const [min, reason, message] = a.minReplicas < limit
        ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
        : [a.minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
      if (a.desiredReplicas < min) return { replicas: min, reason, message };
    }
    return { replicas: a.desiredReplicas, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  }

  /** normalizeDesiredReplicasWithBehaviors: stabilize, then bound by min, max and the policies' rate. */
  normalizeDesiredReplicasWithBehaviors(key: string, a: BehaviorArgs, now: number): { replicas: number; ableToScale: Normalized; limited: Normalized & { status: 'True' | 'False' } } {
    const stabilized = this.stabilizeRecommendationWithBehaviors(key, a, now);
    const ableToScale: Normalized = stabilized.replicas !== a.desiredReplicas
      ? stabilized
      : { replicas: stabilized.replicas, reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
    const n = this.convertDesiredReplicasWithBehaviorRate(key, { ...a, desiredReplicas: stabilized.replicas }, now);
    return { replicas: n.replicas, ableToScale, limited: { ...n, status: n.replicas === stabilized.replicas ? 'False' : 'True' } };
  }

  /**
   * storeScaleEvent records a rescale for the rate limits of HPAs with behavior, reusing the slot of
   * an event older than the direction's longest policy period.
   */
  storeScaleEvent(key: string, rules: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules } | undefined, prevReplicas: number, newReplicas: number, now: number): void {
    if (!rules) return; // only behavior's rate limits read them
    const upward = newReplicas > prevReplicas;
    const map = upward ? this.upEvents : this.downEvents;
    const longest = getLongestPolicyPeriod(upward ? rules.scaleUp : rules.scaleDown);
    const events = map.get(key) ?? [];
    const cutoff = now - longest * 1000;
    let oldIndex: number | undefined;
    events.forEach((e, i) => {
      if (e.at < cutoff) e.outdated = true;
      if (e.outdated) oldIndex = i;
    });
    const ev: ScaleEvent = { change: Math.abs(newReplicas - prevReplicas), at: now, outdated: false };
    if (oldIndex !== undefined) events[oldIndex] = ev; else events.push(ev);
    map.set(key, events);
  }
}
