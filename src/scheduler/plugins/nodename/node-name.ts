/** NodeName rejects nodes other than the one in spec.nodeName. */
import type { EnqueueExtensions, FilterPlugin } from '../../framework/interface.js';
import type { Node } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { newStatus, type MaybeStatus } from '../../framework/status.js';
import { ActionType, type ClusterEventWithHint } from '../../framework/types.js';
import { Names } from '../names.js';

/** ErrReasonNodeName is upstream's reason. */
export const ErrReasonNodeName = "node(s) didn't match the requested node name";

/** NodeName is a Filter plugin. */
export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = Names.NodeName;
  private readonly rejected = newStatus('UnschedulableAndUnresolvable', ErrReasonNodeName);

  /** filter passes when the pod names no node or names this one. */
  filter(_state: unknown, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const want = pod.pod.spec?.nodeName;
    if (!want || want === nodeInfo.name) return undefined;
    return this.rejected;
  }

  /** eventsToRegister: only the named node appearing helps. */
  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      event: { resource: 'Node', actionType: ActionType.Add | ActionType.Update },
      hint: (pod, _old, n) => ((n as Node | undefined)?.metadata?.name === pod.spec?.nodeName ? 'Queue' : 'QueueSkip'),
    }];
  }
}
