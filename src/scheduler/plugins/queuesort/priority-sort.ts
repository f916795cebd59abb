/** PrioritySort orders the active queue: higher priority first, then the earlier queued (queuesort). */
import type { QueueSortPlugin } from '../../framework/interface.js';
import type { QueuedPodInfo } from '../../framework/types.js';
import { Names } from '../names.js';

/** PrioritySort is the default QueueSort plugin. */
export class PrioritySort implements QueueSortPlugin {
  readonly name = Names.PrioritySort;

  /** less puts the higher-priority pod first; equal priorities go by queue timestamp. */
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const p1 = a.podInfo.priority;
    const p2 = b.podInfo.priority;
    return p1 > p2 || (p1 === p2 && a.timestamp < b.timestamp);
  }
}
