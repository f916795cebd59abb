import { parseIndexesFromString, totalIndexes, type OrderedIntervals } from './intervals.js';
import type { SuccessPolicy } from './types.js';

/**
 * matchSuccessPolicy checks an Indexed Job's succeeded indexes against spec.successPolicy: the
 * first rule whose succeededIndexes are all done (or at least succeededCount of them), or, without
 * succeededIndexes, at least succeededCount indexes in all, makes the Job meet its success
 * criteria. Returns the condition message ("Matched rules at index N") or undefined.
 */
export function matchSuccessPolicy(policy: Readonly<SuccessPolicy> | null | undefined, completions: number, succeeded: OrderedIntervals): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = parseIndexesFromString(rule.succeededIndexes, completions);
      // A rule whose indexes do not parse (or all lie beyond completions) matches nothing.
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount)) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount !== undefined && rule.succeededCount !== null && totalIndexes(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

/** matchSucceededIndexesRule counts how many of the rule's indexes succeeded: all of them, or at least succeededCount. */
export function matchSucceededIndexesRule(rule: OrderedIntervals, succeeded: OrderedIntervals, succeededCount?: number | null): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  while (r < rule.length && s < succeeded.length) {
    const overlap = Math.min(rule[r].last, succeeded[s].last) - Math.max(rule[r].first, succeeded[s].first) + 1;
    if (overlap > 0) contains += overlap;
    if (succeeded[s].last < rule[r].last) s++;
    else if (succeeded[s].last > rule[r].last) r++;
    else { s++; r++; }
  }
  return contains === totalIndexes(rule) || (succeededCount !== undefined && succeededCount !== null && contains >= succeededCount);
}
