/** SchedulingGates keeps pods with spec.schedulingGates out of the active queue until the gates are removed. */
import type { EnqueueExtensions, PreEnqueuePlugin } from '../../framework/interface.js';
import type { Pod } from '../../framework/api.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/types.js';
import { Names } from '../names.js';

/** SchedulingGates is a PreEnqueue plugin. */
export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = Names.SchedulingGates;

  /** preEnqueue rejects a pod that still has gates: "waiting for scheduling gates: [a b]". */
  preEnqueue(pod: PodInfo): MaybeStatus {
    const gates = pod.pod.spec?.schedulingGates ?? [];
    if (!gates.length) return undefined;
    return newStatus('UnschedulableAndUnresolvable', `waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  }

  /** eventsToRegister: only removing the pod's own gates can let it in. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodSchedulingGatesEliminated },
      hint: (pod, _old, newObj) => {
        const p = newObj as Pod | undefined;
        return p?.metadata?.uid === pod.metadata?.uid && !(p?.spec?.schedulingGates?.length) ? 'Queue' : 'QueueSkip';
      },
    }];
  }
}
