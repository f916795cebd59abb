import type { Lister } from '../../client/informer-types.js';
import type { EventRecorder } from '../../client/events.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { Deployment, ReplicaSet } from './types.js';

/**
 * DeploymentContext is what the sync steps (sync.ts, rolling.ts, recreate.ts, progress.ts,
 * rollback.ts) share: upstream's DeploymentController fields, handed to free functions so each
 * concern stays in its own small file.
 */
export interface DeploymentContext {
  client: Client;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  rsLister: Lister<ReplicaSet>;
  /** enqueueAfter syncs d again after ms (a progress-deadline check) */
  enqueueAfter(d: Readonly<Deployment>, ms: number): void;
  /** enqueueRateLimited syncs d again soon, with back-off */
  enqueueRateLimited(d: Readonly<Deployment>): void;
}
