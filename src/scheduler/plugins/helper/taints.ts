/** Taint and toleration matching (component-helpers scheduling/corev1 and core/v1 helpers). */
import type { Taint, Toleration } from '../../framework/api.js';

/** toleratesTaint is Toleration.ToleratesTaint: effect and key match (empty = any), then Equal compares values, Exists does not. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '': case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** tolerationsTolerateTaint is true when any toleration tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** doNotScheduleTaintsFilter keeps the taints that block scheduling (NoSchedule, NoExecute). */
export function doNotScheduleTaintsFilter(t: Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}

/** findMatchingUntoleratedTaint returns the first taint (of those the filter keeps) no toleration tolerates. */
export function findMatchingUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
