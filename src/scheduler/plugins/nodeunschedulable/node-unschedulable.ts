/** NodeUnschedulable rejects cordoned nodes (spec.unschedulable) unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule. */
import type { EnqueueExtensions, FilterPlugin } from '../../framework/interface.js';
import type { Node, Pod } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/types.js';
import { tolerationsTolerateTaint } from '../helper/taints.js';
import { Names } from '../names.js';

/** ErrReasonUnknownCondition is upstream's reason for a NodeInfo without its Node. */
export const ErrReasonUnknownCondition = 'node(s) had unknown conditions';
/** ErrReasonUnschedulable is upstream's reason for a cordoned node. */
export const ErrReasonUnschedulable = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

function toleratesUnschedulable(pod: Readonly<Pod>): boolean {
  return tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT);
}

/** NodeUnschedulable is a Filter plugin. */
export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodeUnschedulable;
  private readonly unknown = newStatus('UnschedulableAndUnresolvable', ErrReasonUnknownCondition);
  private readonly unschedulable = newStatus('UnschedulableAndUnresolvable', ErrReasonUnschedulable);

  /** filter rejects a cordoned node the pod does not tolerate. */
  filter(_state: unknown, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    if (!nodeInfo.node) return this.unknown;
    if (nodeInfo.unschedulable && !toleratesUnschedulable(pod.pod)) return this.unschedulable;
    return undefined;
  }

  /** eventsToRegister: a node added or uncordoned, or the pod gaining the toleration. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint },
        hint: (pod, oldObj, newObj) => {
          const n = newObj as Node | undefined;
          if (!n) return 'QueueSkip';
          const was = (oldObj as Node | undefined)?.spec?.unschedulable;
          if (n.spec?.unschedulable && !toleratesUnschedulable(pod)) return 'QueueSkip';
          return oldObj && !was ? 'QueueSkip' : 'Queue';
        },
      },
      {
        event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodTolerations },
        hint: (pod, _o, n) => ((n as Pod | undefined)?.metadata?.uid === pod.metadata?.uid && toleratesUnschedulable(n as Pod) ? 'Queue' : 'QueueSkip'),
      },
    ];
  }
}
