/** HPA status conditions (upstream's setCondition / setConditionInList). */
import { rfc3339 } from '../../apimachinery/time.js';
import type { HPACondition } from './types.js';

/**
 * setCondition sets one condition type's status, reason and message, adding the condition if it is
 * missing; lastTransitionTime moves only when the status changes.
 */
export function setCondition(conditions: HPACondition[] | undefined, type: HPACondition['type'], status: HPACondition['status'], reason: string, message: string, now: Date): HPACondition[] {
  const list = conditions ?? [];
  let cond = list.find((c) => c.type === type);
  if (!cond) {
    cond = { type, status, lastTransitionTime: rfc3339(now) };
    list.push(cond);
  } else if (cond.status !== status) {
    cond.lastTransitionTime = rfc3339(now);
  }
  cond.status = status;
  cond.reason = reason;
  cond.message = message;
  return list;
}
