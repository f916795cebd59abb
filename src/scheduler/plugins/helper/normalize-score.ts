/** Score normalization shared by plugins (plugins/helper/normalize_score.go). */
import type { NodeScore } from '../../framework/types.js';

/**
 * defaultNormalizeScore scales scores so the highest becomes maxPriority (integer division, as
 * upstream); with reverse, high raw scores become low. All-zero scores stay 0 (or all max, reversed).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let score = Math.trunc((maxPriority * s.score) / maxCount);
    if (reverse) score = maxPriority - score;
    s.score = score;
  }
}
