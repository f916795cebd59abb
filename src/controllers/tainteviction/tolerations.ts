import type { Toleration } from '../nodelifecycle/pod-conditions.js';
import type { Taint } from '../nodelifecycle/taints.js';

/** toleratesTaint: the toleration matches the taint's effect (or all effects), key (or all keys) and value (core/v1 Toleration.ToleratesTaint). */
export function toleratesTaint(t: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '': case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/**
 * getMatchingTolerations tells whether every taint is tolerated and returns, per taint, the first
 * toleration that tolerates it (upstream's v1helper.GetMatchingTolerations).
 */
export function getMatchingTolerations(taints: readonly Readonly<Taint>[], tolerations: readonly Readonly<Toleration>[]): { allTolerated: boolean; used: Toleration[] } {
  if (taints.length === 0) return { allTolerated: true, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/**
 * getMinTolerationTime returns the shortest tolerationSeconds among the tolerations in ms: 0 when
 * there are none or one is ≤ 0 (evict now), -1 when none sets a limit (tolerate forever).
 */
export function getMinTolerationTime(tolerations: readonly Readonly<Toleration>[]): number {
  if (tolerations.length === 0) return 0;
  let min = Infinity;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}
