/**
 * The evaluator (k8s.io/pod-security-admission/policy registry): which checks a level:version
 * runs, in which order, and how their verdicts read together.
 *
 * - A version newer than the newest check (or `latest`) gets the newest checks.
 * - Each check runs its implementation for that version; a check younger than the version is left out.
 * - Restricted runs the baseline checks too, except those a restricted check overrides at that version.
 * - Order: baseline checks by ID, then restricted ones by ID (byte order), so a restricted verdict
 *   lists baseline violations first.
 */
import { implementationAt, type Check, type CheckFn } from './check.js';
import { baselineChecks } from './checks-baseline.js';
import { restrictedChecks } from './checks-restricted.js';
import { byteOrder, type CheckResult, type PodView } from './helpers.js';
import type { LevelVersion } from './api.js';

/** AggregateResult is every failed check's reason and detail, in check order. */
export interface AggregateResult {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

export class Evaluator {
  /** the newest minor any check has an implementation for */
  readonly maxMinor: number;
  private readonly cache = new Map<string, CheckFn[]>();
  private readonly ordered: Check[];

  constructor(checks: readonly Check[] = [...baselineChecks, ...restrictedChecks]) {
    const byId = (a: Check, b: Check) => byteOrder(a.id, b.id);
    this.ordered = [...checks.filter((c) => c.level === 'baseline').sort(byId), ...checks.filter((c) => c.level === 'restricted').sort(byId)];
    this.maxMinor = Math.max(...checks.map((c) => c.versions[c.versions.length - 1].minimumMinor));
  }

  /** checksFor lists the implementations a level:version runs, in order (none for privileged). */
  checksFor(lv: LevelVersion): CheckFn[] {
    if (lv.level === 'privileged') return [];
    const minor = lv.version.latest ? this.maxMinor : Math.min(lv.version.minor, this.maxMinor);
    const key = `${lv.level}:${minor}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const atVersion = (c: Check) => implementationAt(c, minor);
    const overridden = new Set<string>();
    if (lv.level === 'restricted') {
      for (const c of this.ordered) if (c.level === 'restricted') for (const id of atVersion(c)?.overrides ?? []) overridden.add(id);
    }
    const fns: CheckFn[] = [];
    for (const c of this.ordered) {
      if (c.level === 'restricted' && lv.level !== 'restricted') continue;
      if (overridden.has(c.id)) continue;
      const v = atVersion(c);
      if (v) fns.push(v.check);
    }
    this.cache.set(key, fns);
    return fns;
  }

  /** evaluate runs a level:version's checks on one pod (or pod template). */
  evaluate(lv: LevelVersion, pod: PodView): AggregateResult {
    return aggregate(this.checksFor(lv).map((check) => check(pod)));
  }
}

export const UNKNOWN_FORBIDDEN_REASON = 'unknown forbidden reason';

/** aggregate keeps the failed checks' reasons and details. */
export function aggregate(results: readonly CheckResult[]): AggregateResult {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const r of results) {
    if (r.allowed) continue;
    reasons.push(r.reason || UNKNOWN_FORBIDDEN_REASON);
    details.push(r.detail ?? '');
  }
  return { allowed: reasons.length === 0, reasons, details };
}

/** forbiddenReason is the reasons alone, as the namespace warnings list them per pod. */
export const forbiddenReason = (r: AggregateResult): string => r.reasons.join(', ');

/** forbiddenDetail is `reason (detail), reason (detail)`: what refusals and warnings say. */
export function forbiddenDetail(r: AggregateResult): string {
  return r.reasons.map((reason, i) => (r.details[i] ? `${reason} (${r.details[i]})` : reason)).join(', ');
}
