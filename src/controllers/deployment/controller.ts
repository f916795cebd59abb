import type { ControllerContext } from '../common/context.js';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec, matchesLabels, selectorIsEmpty } from '../../apimachinery/labels.js';
import { controllerOf, type OwnerRef } from '../../apimachinery/ownerrefs.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { ControllerRefManager, recheckDeletionTimestamp } from '../common/controller-ref.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import type { DeploymentContext } from './context.js';
import { rolloutRecreate, type PodMap } from './recreate.js';
import { rollback } from './rollback.js';
import { rolloutRolling } from './rolling.js';
import { checkPausedConditions, deploymentControllerRef, isScalingEvent, sync, syncStatusOnly } from './sync.js';
import type { Deployment, Pod, ReplicaSet } from './types.js';
import { getRollbackTo } from './util/annotations.js';

const logger = log.child({ component: 'deployment-controller' });

/**
 * DeploymentController is kube-controller-manager's deployment controller: it rolls a
 * Deployment's pod template out through ReplicaSets named DEPLOYMENT-<pod-template-hash>
 * (RollingUpdate within maxSurge/maxUnavailable, or Recreate), scales them proportionally when
 * spec.replicas changes mid-rollout, keeps revisions and history, and reports status and the
 * Available/Progressing conditions. Event handlers only enqueue; syncDeployment does the work.
 */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue: WorkQueue<string>;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly dInformer: Informer<Deployment>;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly ctx: DeploymentContext;

  constructor(private readonly cc: ControllerContext) {
    this.client = cc.client;
    this.clock = cc.clock;
    this.queue = new WorkQueue<string>(cc.clock, { name: 'deployment' });
    this.dInformer = cc.informers.informerFor<Deployment>(Resources.deployments);
    this.rsInformer = cc.informers.informerFor<ReplicaSet>(Resources.replicasets);
    this.podInformer = cc.informers.informerFor<Pod>(Resources.pods);
    this.ctx = {
      client: cc.client,
      recorder: new EventRecorder(cc.client, { component: 'deployment-controller' }, cc.clock),
      clock: cc.clock,
      logger,
      rsLister: this.rsInformer.lister,
      enqueueAfter: (d, ms) => this.queue.addAfter(keyOf(d), ms),
      enqueueRateLimited: (d) => this.queue.addRateLimited(keyOf(d)),
    };
    this.dInformer.addEventHandler({
      add: (d) => this.enqueue(d),
      update: (_old, cur) => this.enqueue(cur),
      delete: (d) => this.enqueue(d),
    });
    this.rsInformer.addEventHandler({
      add: (rs) => this.addReplicaSet(rs),
      update: (old, cur) => this.updateReplicaSet(old, cur),
      delete: (rs) => this.deleteReplicaSet(rs),
    });
    this.podInformer.addEventHandler({ delete: (pod) => this.deletePod(pod) });
  }

  /** recorder is the controller's event recorder (tests flush it). */
  get recorder(): EventRecorder { return this.ctx.recorder; }

  /** run syncs Deployments with `workers` workers (kube-controller-manager's --concurrent-deployment-syncs, 5) until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    logger.info('Starting controller', { controller: 'deployment' });
    await runWorkers({
      queue: this.queue, workers, signal, log: logger,
      sync: (key) => this.syncDeployment(key),
      waitForSync: (s) => this.cc.informers.waitForCacheSync(s),
    });
  }

  private enqueue(d: Readonly<Deployment>): void { this.queue.add(keyOf(d)); }

  /** resolveControllerRef returns the Deployment a controller reference names, if it is still that one (same uid). */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerRef): Readonly<Deployment> | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.dInformer.lister.get(namespace, ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  /** getDeploymentsForReplicaSet lists the Deployments whose (non-empty) selector matches an orphan ReplicaSet. */
  private getDeploymentsForReplicaSet(rs: Readonly<ReplicaSet>): Readonly<Deployment>[] {
    const labels = rs.metadata?.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    return this.dInformer.lister.list(rs.metadata?.namespace ?? '', (d) => {
      try {
        const sel = labelSelectorFromSpec(d.spec?.selector);
        // A nil or empty selector must match nothing here, not everything.
        return !sel.nothing && !selectorIsEmpty(sel) && matchesLabels(sel, labels);
      } catch {
        return false;
      }
    });
  }

  private addReplicaSet(rs: Readonly<ReplicaSet>): void {
    // After a restart an object may show up already being deleted.
    if (rs.metadata?.deletionTimestamp) { this.deleteReplicaSet(rs); return; }
    const ref = controllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata?.namespace, ref);
      if (d) this.enqueue(d);
      return;
    }
    // An orphan: every matching Deployment gets a chance to adopt it.
    for (const d of this.getDeploymentsForReplicaSet(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: Readonly<ReplicaSet>, cur: Readonly<ReplicaSet>): void {
    // A resync delivers the same version again: nothing changed.
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(cur.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.getDeploymentsForReplicaSet(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: Readonly<ReplicaSet>): void {
    const ref = controllerOf(rs);
    if (!ref) return;
    const d = this.resolveControllerRef(rs.metadata?.namespace, ref);
    if (d) this.enqueue(d);
  }

  /** deletePod wakes a Recreate Deployment: it waits for its old pods to be gone. */
  private deletePod(pod: Readonly<Pod>): void {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.lister.get(pod.metadata?.namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const rsRef = controllerOf(rs);
    if (!rsRef) return;
    const d = this.resolveControllerRef(rs.metadata?.namespace, rsRef);
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  /**
   * getReplicaSetsForDeployment claims the namespace's ReplicaSets for d: adopts orphans its
   * selector matches, releases owned ones it no longer matches.
   */
  private async getReplicaSetsForDeployment(d: Readonly<Deployment>): Promise<Readonly<ReplicaSet>[]> {
    const ns = d.metadata?.namespace;
    const rsList = this.rsInformer.lister.list(ns ?? '');
    let selector;
    try {
      selector = labelSelectorFromSpec(d.spec?.selector);
    } catch (e) {
      throw new Error(`deployment ${ns}/${d.metadata?.name} has invalid label selector: ${e instanceof Error ? e.message : String(e)}`);
    }
    const cm = new ControllerRefManager(
      d, deploymentControllerRef(d),
      (labels) => matchesLabels(selector, labels),
      async (obj, patch) => { await this.client.patch(Resources.replicasets, obj.metadata?.namespace, obj.metadata!.name!, patch, 'strategic'); },
      recheckDeletionTimestamp(() => this.client.get<Deployment>(Resources.deployments, ns, d.metadata!.name!), d),
    );
    return cm.claim(rsList);
  }

  /** getPodMapForDeployment groups the pods d's selector matches by the ReplicaSet (of rsList) controlling them. */
  private getPodMapForDeployment(d: Readonly<Deployment>, rsList: readonly Readonly<ReplicaSet>[]): PodMap {
    const selector = labelSelectorFromSpec(d.spec?.selector);
    const podMap: PodMap = new Map(rsList.map((rs) => [rs.metadata!.uid!, []]));
    // Inactive pods count too: Recreate must know no old pod runs anymore.
    for (const pod of this.podInformer.lister.list(d.metadata?.namespace ?? '', (p) => matchesLabels(selector, p.metadata?.labels))) {
      const ref = controllerOf(pod);
      if (ref) podMap.get(ref.uid)?.push(pod);
    }
    return podMap;
  }

  /**
   * syncDeployment reconciles one Deployment: a deleted one is done; an empty selector is refused
   * with a SelectingAll warning; one being deleted only gets its status; paused ones and scaling
   * events only resize; a pending rollbackTo is applied; otherwise the strategy takes one step.
   */
  async syncDeployment(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const start = this.clock.now().getTime();
    logger.v(4).info('Started syncing deployment', { deployment: key });
    try {
      const cached = this.dInformer.lister.get(namespace, name);
      if (!cached) {
        logger.v(2).info('Deployment has been deleted', { deployment: key });
        return;
      }
      // The cache is shared: work on a copy, typed for events.
      const d = structuredClone(cached) as Deployment;
      d.apiVersion = 'apps/v1';
      d.kind = 'Deployment';
      const sel = d.spec?.selector;
      if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
        this.ctx.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
        if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
          (d.status ??= {}).observedGeneration = d.metadata?.generation;
          await this.client.updateStatus(Resources.deployments, namespace, d);
        }
        return;
      }
      const rsList = await this.getReplicaSetsForDeployment(d);
      // Only Recreate needs the pods, but listing them here keeps the order upstream uses.
      const podMap = this.getPodMapForDeployment(d, rsList);
      if (d.metadata?.deletionTimestamp) {
        await syncStatusOnly(this.ctx, d, rsList);
        return;
      }
      // Record paused/resumed first so time spent paused never counts against the deadline.
      await checkPausedConditions(this.ctx, d);
      if (d.spec?.paused) {
        await sync(this.ctx, d, rsList);
        return;
      }
      if (getRollbackTo(d) !== undefined) {
        await rollback(this.ctx, d, rsList);
        return;
      }
      if (await isScalingEvent(this.ctx, d, rsList)) {
        await sync(this.ctx, d, rsList);
        return;
      }
      switch (d.spec?.strategy?.type) {
        case 'Recreate':
          await rolloutRecreate(this.ctx, d, rsList, podMap);
          return;
        case 'RollingUpdate':
          await rolloutRolling(this.ctx, d, rsList);
          return;
        default:
          throw new Error(`unexpected deployment strategy type: ${d.spec?.strategy?.type}`);
      }
    } catch (e) {
      // A Deployment deleted under us is finished, not failed.
      if (e instanceof StatusError && e.code === 404 && !this.dInformer.lister.get(namespace, name)) return;
      throw e;
    } finally {
      logger.v(4).info('Finished syncing deployment', { deployment: key, durationMs: this.clock.now().getTime() - start });
    }
  }
}
