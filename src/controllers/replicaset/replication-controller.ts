import type { ControllerContext } from '../common/context.js';
import { ReplicaSetController, type ReplicaSetControllerOptions } from './controller.js';
import { replicationControllerKind } from './kinds.js';

/**
 * ReplicationManager is kube-controller-manager's replicationcontroller controller: the
 * ReplicaSet controller run over core/v1 ReplicationControllers (equality selectors), with events
 * from `replication-controller` on the ReplicationController.
 */
export class ReplicationManager extends ReplicaSetController {
  constructor(ctx: ControllerContext, opts: Omit<ReplicaSetControllerOptions, 'kind'> = {}) {
    super(ctx, { ...opts, kind: replicationControllerKind });
  }
}
