/**
 * The clusterrole-aggregation controller (kube-controller-manager's
 * ClusterRoleAggregationController): a ClusterRole with an aggregationRule gets, as its rules,
 * the union of the rules of every other ClusterRole its clusterRoleSelectors select — admin,
 * edit and view are built this way from the aggregate-to-* labels. Any ClusterRole change
 * re-syncs every aggregated role.
 */
import type { KubeObject } from '../../api/resource.js';
import type { PolicyRule, RoleLike } from '../../api/rbac/resources.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { labelSelectorFromSpec, matchesLabels, type LabelSelectorSpec } from '../../apimachinery/labels.js';
import type { Client, ResourceRef } from '../../client/types.js';
import type { Informer } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import type { ControllerContext } from '../common/context.js';

/** clusterRoles is the rbac/v1 ClusterRole resource. */
export const clusterRolesRef: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', namespaced: false };

/** aggregatedRules is the union of the selected roles' rules, roles in name order, duplicates dropped. */
export function aggregatedRules(role: RoleLike, all: readonly RoleLike[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => labelSelectorFromSpec(s as LabelSelectorSpec));
  const out: PolicyRule[] = [];
  const sorted = [...all].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const other of sorted) {
    if (other.metadata?.name === role.metadata?.name) continue;
    if (!selectors.some((s) => matchesLabels(s, other.metadata?.labels))) continue;
    for (const r of other.rules ?? []) if (!out.some((x) => deepEqual(x, r))) out.push(structuredClone(r));
  }
  return out;
}

/** ClusterRoleAggregationController keeps aggregated ClusterRoles' rules. Keys are role names. */
export class ClusterRoleAggregationController implements Controller {
  readonly name = 'clusterrole-aggregation';
  private readonly client: Client;
  private readonly roles: Informer;
  private readonly queue: WorkQueue<string>;
  private readonly waitForSync: (s: AbortSignal) => Promise<void>;
  private readonly logger = log.child({ component: 'clusterrole-aggregation-controller' });

  constructor(ctx: Pick<ControllerContext, 'client' | 'informers' | 'clock'>) {
    this.client = ctx.client;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'ClusterRoleAggregator' });
    this.roles = ctx.informers.informerFor(clusterRolesRef);
    this.waitForSync = (s) => ctx.informers.waitForCacheSync(s);
    // Any change may change what an aggregated role selects: re-sync them all.
    const enqueueAll = () => {
      for (const r of this.roles.lister.list() as RoleLike[]) if (r.aggregationRule) this.queue.add(r.metadata!.name!);
    };
    this.roles.addEventHandler({ add: enqueueAll, update: enqueueAll, delete: enqueueAll });
  }

  /** run works the queue until the signal aborts. */
  run(signal: AbortSignal, workers = 1): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: this.waitForSync, sync: (k) => this.syncClusterRole(k) });
  }

  /** syncClusterRole writes an aggregated role's rules when they differ from the union. */
  async syncClusterRole(name: string): Promise<void> {
    const role = this.roles.lister.get(undefined, name) as RoleLike | undefined;
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.roles.lister.list() as RoleLike[]);
    if (deepEqual(role.rules ?? [], rules)) return;
    const copy = structuredClone(role) as KubeObject;
    await this.client.update(clusterRolesRef, undefined, { ...copy, apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', rules });
  }
}
