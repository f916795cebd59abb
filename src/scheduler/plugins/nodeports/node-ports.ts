/** NodePorts rejects nodes where a hostPort the pod wants (ip, protocol, port) is taken; 0.0.0.0 conflicts with every address. */
import type { CycleState, StateData } from '../../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, PreFilterOutcome, PreFilterPlugin } from '../../framework/interface.js';
import type { ContainerPort, Pod } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { HostPortInfo } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/types.js';
import { Names } from '../names.js';

/** ErrReasonNodePorts is upstream's reason. */
export const ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";

const PRE_FILTER_KEY = `PreFilter${Names.NodePorts}`;

class PreFilterState implements StateData {
  constructor(readonly ports: ContainerPort[]) {}
  clone(): StateData { return this; }
}

/** fitsPorts tells whether none of the wanted ports is used on the node. */
export function fitsPorts(want: readonly ContainerPort[], used: HostPortInfo): boolean {
  for (const p of want) if (used.checkConflict(p.hostIP, p.protocol, p.hostPort ?? 0)) return false;
  return true;
}

/** NodePorts is a PreFilter and Filter plugin. */
export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodePorts;
  private readonly rejected = newStatus('Unschedulable', ErrReasonNodePorts);

  /** preFilter collects the pod's host ports; Skip when it has none. */
  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    const ports = pod.hostPorts;
    if (!ports.length) return { status: newStatus('Skip') };
    state.write(PRE_FILTER_KEY, new PreFilterState(ports));
    return undefined;
  }

  /** filter rejects a node where one of the ports is taken. */
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const ports = state.read<PreFilterState>(PRE_FILTER_KEY)?.ports ?? pod.hostPorts;
    return fitsPorts(ports, nodeInfo.usedPorts) ? undefined : this.rejected;
  }

  /** eventsToRegister: a pod using a conflicting port deleted; a node added. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        event: { resource: 'AssignedPod', actionType: ActionType.Delete },
        hint: (pod, oldObj) => {
          const deleted = oldObj as Pod | undefined;
          if (!deleted?.spec?.nodeName) return 'QueueSkip';
          const used = new HostPortInfo();
          for (const p of new PodInfo(deleted).hostPorts) used.add(p.hostIP, p.protocol, p.hostPort ?? 0);
          return fitsPorts(new PodInfo(pod).hostPorts, used) ? 'QueueSkip' : 'Queue';
        },
      },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}
