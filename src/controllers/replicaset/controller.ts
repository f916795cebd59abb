import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../apimachinery/errors.js';
import { matchesLabels, selectorIsEmpty, type LabelSelector } from '../../apimachinery/labels.js';
import { apiVersionOf, controllerOf, newControllerRef, type OwnerRef } from '../../apimachinery/ownerrefs.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, OWNER_UID_INDEX, ownerUIDIndexer, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { log, type Logger } from '../../util/log.js';
import type { Clock } from '../../util/clock.js';
import { ControllerRefManager, recheckDeletionTimestamp } from '../common/controller-ref.js';
import { ControllerExpectations } from '../common/expectations.js';
import { RealPodControl, type PodControl, type PodTemplate } from '../common/pod-control.js';
import { runWorkers, type Controller, type SyncResult } from '../common/run-workers.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../common/slow-start.js';
import { getPodsToDelete } from './deletion-ranking.js';
import { replicaSetKind, type ReplicaSetKind } from './kinds.js';
import { availableAfterMs, filterActivePods, isPodAvailable, isPodReady, podKey, type Pod } from '../common/pod-util.js';
import { calculateStatus, specReplicas, updateReplicaSetStatus, type ReplicaSetLike } from './status.js';

/** BURST_REPLICAS caps the pods one sync creates or deletes (upstream's BurstReplicas); the rest wait for the next sync. */
export const BURST_REPLICAS = 500;

/** ReplicaSetControllerOptions are the injections tests and the ReplicationController adapter use. */
export interface ReplicaSetControllerOptions {
  /** which kind this instance manages (ReplicaSet by default) */
  kind?: ReplicaSetKind;
  /** how pods are created and deleted (RealPodControl with an event recorder by default) */
  podControl?: PodControl;
  /** creates/deletes per sync (BURST_REPLICAS by default) */
  burstReplicas?: number;
}

/**
 * ReplicaSetController keeps the number of pods a ReplicaSet selects equal to spec.replicas, as
 * kube-controller-manager's replicaset controller does: event handlers only enqueue keys (and
 * count observed creations and deletions), syncReplicaSet claims the pods (adopting orphans that
 * match, releasing those that stopped matching), creates or deletes the difference when no earlier
 * create or delete is still unobserved, and writes status. The same code runs ReplicationControllers
 * with replicationControllerKind (see ReplicationManager).
 */
export class ReplicaSetController implements Controller {
  readonly name: string;
  readonly kind: ReplicaSetKind;
  /** the work queue of `namespace/name` keys */
  readonly queue: WorkQueue<string>;
  /** creations and deletions asked for and not yet seen in the pod cache, per key */
  readonly expectations: ControllerExpectations;
  readonly podControl: PodControl;
  readonly recorder: EventRecorder;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly informers: ControllerContext['informers'];
  private readonly rsInformer: Informer<ReplicaSetLike>;
  private readonly podInformer: Informer<Pod>;
  private readonly burstReplicas: number;
  private readonly logger: Logger;

  constructor(ctx: ControllerContext, opts: ReplicaSetControllerOptions = {}) {
    this.kind = opts.kind ?? replicaSetKind;
    this.name = this.kind.controllerName;
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.informers = ctx.informers;
    this.burstReplicas = opts.burstReplicas ?? BURST_REPLICAS;
    this.logger = log.child({ component: this.kind.eventComponent });
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'replicaset' });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.recorder = new EventRecorder(ctx.client, { component: this.kind.eventComponent }, ctx.clock);
    this.podControl = opts.podControl ?? new RealPodControl(ctx.client, this.recorder);

    this.rsInformer = ctx.informers.informerFor<ReplicaSetLike>(this.kind.resource);
    this.rsInformer.addIndexer(OWNER_UID_INDEX, ownerUIDIndexer);
    this.rsInformer.addEventHandler({
      add: (rs) => this.addRS(rs),
      update: (o, n) => this.updateRS(o, n),
      delete: (rs) => this.deleteRS(rs),
    });
    this.podInformer = ctx.informers.informerFor<Pod>(Resources.pods);
    this.podInformer.addEventHandler({
      add: (p) => this.addPod(p),
      // Every pod change (binding, status) syncs the owner: listing is from the cache, so it is cheap.
      update: (o, n) => this.updatePod(o, n),
      delete: (p) => this.deletePod(p),
    });
  }

  /** run syncs keys with `workers` workers once the caches are filled, until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting controller', { controller: this.name });
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      sync: (key) => this.syncReplicaSet(key),
      waitForSync: (s) => this.informers.waitForCacheSync(s),
    });
    this.logger.info('Shutting down controller', { controller: this.name });
  }

  // ---- event handlers: they only enqueue keys and observe expectations ----

  private addRS(rs: Readonly<ReplicaSetLike>): void {
    this.logger.v(4).info('Adding', { kind: this.kind.gvk.kind, key: keyOf(rs) });
    this.queue.add(keyOf(rs));
  }

  private updateRS(old: Readonly<ReplicaSetLike>, cur: Readonly<ReplicaSetLike>): void {
    // A delete and re-create under the same name seen as one update: forget the old one first.
    if (old.metadata?.uid !== cur.metadata?.uid) this.deleteRS(old);
    if (specReplicas(old) !== specReplicas(cur)) {
      this.logger.v(4).info('Desired pod count change', { kind: this.kind.gvk.kind, key: keyOf(cur), oldReplicas: specReplicas(old), newReplicas: specReplicas(cur) });
    }
    // Always sync, not only on spec changes: a resync then retries owners whose creates failed.
    this.queue.add(keyOf(cur));
  }

  private deleteRS(rs: Readonly<ReplicaSetLike>): void {
    const key = keyOf(rs);
    this.logger.v(4).info('Deleting', { kind: this.kind.gvk.kind, key });
    // A new object with the same name must start with clean expectations.
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  private addPod(pod: Readonly<Pod>): void {
    if (pod.metadata?.deletionTimestamp) {
      // After a restart a pod can show up already being deleted: that is no creation to observe.
      this.deletePod(pod);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!rs) return;
      const key = keyOf(rs);
      this.logger.v(4).info('Pod created', { pod: keyOf(pod), owner: key });
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: every matching owner may want to adopt it (no creation was expected for it).
    for (const rs of this.getPodReplicaSets(pod)) this.queue.add(keyOf(rs));
  }

  private updatePod(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    // A resync delivers every pod again with the same resourceVersion: nothing changed.
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelChanged = !isDeepStrictEqual(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // A graceful delete sets deletionTimestamp long before the pod goes: replace it now, not then.
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !isDeepStrictEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (rs) this.queue.add(keyOf(rs));
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!rs) return;
      const key = keyOf(rs);
      this.queue.add(key);
      // A pod that just became ready becomes available minReadySeconds later: look again then.
      const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) {
        this.logger.v(2).info('pod will be enqueued after a while for availability check', { kind: this.kind.gvk.kind, pod: keyOf(cur), minReadySeconds });
        this.queue.addAfter(key, (minReadySeconds + 1) * 1000);
      }
      return;
    }
    // An orphan whose labels or owner changed: matching owners may want to adopt it now.
    if (labelChanged || refChanged) for (const rs of this.getPodReplicaSets(cur)) this.queue.add(keyOf(rs));
  }

  private deletePod(pod: Readonly<Pod>): void {
    const ref = controllerOf(pod);
    if (!ref) return; // nobody waits for an orphan to go
    const rs = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!rs) return;
    const key = keyOf(rs);
    this.logger.v(4).info('Pod deleted', { pod: keyOf(pod), owner: key, deletionTimestamp: pod.metadata?.deletionTimestamp });
    this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  /** resolveControllerRef finds the owner a controller reference names, if it is of our kind and still the same object (uid). */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerRef): Readonly<ReplicaSetLike> | undefined {
    if (ref.kind !== this.kind.gvk.kind) return undefined;
    const rs = this.rsInformer.lister.get(namespace, ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** getPodReplicaSets lists the owners in the pod's namespace whose selector matches it; an empty selector matches nothing. */
  private getPodReplicaSets(pod: Readonly<Pod>): Readonly<ReplicaSetLike>[] {
    const out = this.rsInformer.lister.list(pod.metadata?.namespace ?? '', (rs) => {
      const sel = this.selectorOrUndefined(rs);
      return sel !== undefined && !selectorIsEmpty(sel) && matchesLabels(sel, pod.metadata?.labels);
    });
    if (out.length > 1) {
      this.logger.error(new Error(`user error! more than one ${this.kind.gvk.kind} is selecting pods with labels: ${JSON.stringify(pod.metadata?.labels ?? {})}`), 'overlapping selectors', { pod: keyOf(pod) });
    }
    return out;
  }

  private selectorOrUndefined(rs: Readonly<ReplicaSetLike>): LabelSelector | undefined {
    try {
      return this.kind.selector(rs);
    } catch {
      return undefined;
    }
  }

  /** withKind returns the object with apiVersion and kind set (cache items may lack them; events and owner checks need them). */
  private withKind(rs: Readonly<ReplicaSetLike>): ReplicaSetLike {
    return { ...rs, apiVersion: apiVersionOf(this.kind.gvk), kind: this.kind.gvk.kind };
  }

  // ---- sync ----

  /**
   * syncReplicaSet brings one owner to its desired replicas: claim its pods, create or delete the
   * difference when its expectations are satisfied (and it is not being deleted), then write
   * status. A manageReplicas error is recorded in the ReplicaFailure condition and rethrown so the
   * key is retried with back-off.
   */
  async syncReplicaSet(key: string): Promise<void | SyncResult> {
    const started = this.clock.now().getTime();
    try {
      return await this.sync(key);
    } finally {
      this.logger.v(4).info('Finished syncing', { kind: this.kind.gvk.kind, key, durationMs: this.clock.now().getTime() - started });
    }
  }

  private async sync(key: string): Promise<void | SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.rsInformer.lister.get(namespace, name);
    if (!cached) {
      this.logger.v(4).info('deleted', { kind: this.kind.gvk.kind, key });
      this.expectations.deleteExpectations(key);
      return;
    }
    const rs = this.withKind(cached);
    const rsNeedsSync = this.expectations.satisfiedExpectations(key);
    let selector: LabelSelector;
    try {
      selector = this.kind.selector(rs);
    } catch (e) {
      // An invalid selector cannot become valid by retrying.
      this.logger.error(e, 'error converting pod selector', { kind: this.kind.gvk.kind, key });
      return;
    }

    // All pods of the namespace, not only matching ones: a pod that stopped matching but still
    // names us as its controller must be released.
    const allPods = this.podInformer.lister.list(namespace ?? '');
    const filteredPods = await this.claimPods(rs, selector, filterActivePods(allPods));

    let manageReplicasErr: unknown;
    if (rsNeedsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(filteredPods, rs);
      } catch (e) {
        manageReplicasErr = e ?? new Error('unknown error');
      }
    }
    const now = this.clock.now();
    const newStatus = calculateStatus(rs, filteredPods, manageReplicasErr, now);
    await updateReplicaSetStatus(this.client, this.kind, rs, newStatus, this.logger);
    if (manageReplicasErr !== undefined) throw manageReplicasErr;

    // Ready pods become available minReadySeconds after they turned ready: sync again right then.
    const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
    if (minReadySeconds > 0) {
      let wait = Infinity;
      for (const p of filteredPods) {
        // A Ready condition without a transition time never becomes available by waiting.
        const after = isPodAvailable(p, minReadySeconds, now) ? 0 : availableAfterMs(p, minReadySeconds, now);
        if (after > 0) wait = Math.min(wait, after);
      }
      if (wait !== Infinity) return { requeueAfterMs: wait };
    }
  }

  /**
   * claimPods adopts matching orphans and releases owned pods that stopped matching; before the
   * first adoption it re-reads the owner from the API server (not the cache) so a deleted owner
   * never adopts.
   */
  private async claimPods(rs: ReplicaSetLike, selector: LabelSelector, pods: readonly Readonly<Pod>[]): Promise<Readonly<Pod>[]> {
    const ns = rs.metadata?.namespace;
    const name = rs.metadata?.name ?? '';
    const cm = new ControllerRefManager(
      rs,
      newControllerRef(rs, this.kind.gvk),
      (labels) => matchesLabels(selector, labels),
      (pod, patch) => this.podControl.patchPod(pod.metadata?.namespace ?? ns ?? '', pod.metadata?.name ?? '', patch),
      recheckDeletionTimestamp(() => this.client.get(this.kind.resource, ns, name), rs),
    );
    return cm.claim(pods);
  }

  /**
   * manageReplicas creates or deletes pods until filteredPods would number spec.replicas (at most
   * burstReplicas per sync). Creates go out in slow-start batches; deletes pick the pods in the
   * earliest stage of startup (getPodsToDelete). Expectations are raised first and lowered for
   * every create or delete that did not happen, so the next sync waits only for real events.
   */
  async manageReplicas(filteredPods: readonly Readonly<Pod>[], rs: Readonly<ReplicaSetLike>): Promise<void> {
    const key = keyOf(rs);
    const ns = rs.metadata?.namespace ?? '';
    const owner = this.withKind(rs);
    let diff = filteredPods.length - specReplicas(rs);
    if (diff < 0) {
      diff = Math.min(-diff, this.burstReplicas);
      // Creates are counted, not tracked by name: a created pod's name is known only afterwards.
      this.expectations.expectCreations(key, diff);
      this.logger.v(2).info('Too few replicas', { kind: this.kind.gvk.kind, key, need: specReplicas(rs), creating: diff });
      const controllerRef = newControllerRef(owner, this.kind.gvk);
      const template = (rs.spec?.template ?? {}) as PodTemplate;
      const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.podControl.createPods(ns, template, owner, controllerRef);
        } catch (e) {
          // Every create fails in a namespace being deleted; there is nothing to retry.
          if (isNamespaceTerminating(e)) return;
          throw e;
        }
      });
      // Creates that failed or were never tried will not be observed.
      const skipped = diff - successes;
      if (skipped > 0) {
        this.logger.v(2).info('Slow-start failure. Skipping creation of pods, decrementing expectations', { kind: this.kind.gvk.kind, key, podsSkipped: skipped });
        for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
      }
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      diff = Math.min(diff, this.burstReplicas);
      this.logger.v(2).info('Too many replicas', { kind: this.kind.gvk.kind, key, need: specReplicas(rs), deleting: diff });
      const podsToDelete = getPodsToDelete(filteredPods, this.getIndirectlyRelatedPods(rs), diff, this.clock.now());
      // Track deletions by pod key so each is observed once, as an update (deletionTimestamp) or a delete.
      this.expectations.expectDeletions(key, podsToDelete.map(podKey));
      const errors = await Promise.all(podsToDelete.map(async (pod) => {
        try {
          await this.podControl.deletePod(ns, pod.metadata?.name ?? '', owner);
          this.observeIfAlreadyGone(key, pod);
          return undefined;
        } catch (e) {
          // This delete will not be observed.
          this.expectations.deletionObserved(key, podKey(pod));
          if (e instanceof StatusError && e.code === 404) return undefined;
          this.logger.v(2).info('Failed to delete pod, decremented expectations', { pod: podKey(pod), kind: this.kind.gvk.kind, key });
          return e ?? new Error('unknown error');
        }
      }));
      const first = errors.find((e) => e !== undefined);
      if (first !== undefined) throw first;
    }
  }

  /**
   * observeIfAlreadyGone counts a deletion whose watch event reached the cache before the
   * expectation was recorded (the pod is gone from the cache or already marked for deletion
   * there); counting twice is impossible since deletions are tracked by pod key.
   */
  private observeIfAlreadyGone(key: string, pod: Readonly<Pod>): void {
    const cached = this.podInformer.lister.get(pod.metadata?.namespace, pod.metadata?.name ?? '');
    if (!cached || cached.metadata?.uid !== pod.metadata?.uid || cached.metadata?.deletionTimestamp) {
      this.expectations.deletionObserved(key, podKey(pod));
    }
  }

  /**
   * getIndirectlyRelatedPods returns the pods of every ReplicaSet that has the same controller as
   * rs (a Deployment's old and new ReplicaSets), so scale-down prefers nodes that run many of them.
   */
  private getIndirectlyRelatedPods(rs: Readonly<ReplicaSetLike>): Readonly<Pod>[] {
    const ref = controllerOf(rs);
    if (!ref) return [];
    const seen = new Set<string>();
    const related: Readonly<Pod>[] = [];
    for (const other of this.rsInformer.lister.byIndex(OWNER_UID_INDEX, ref.uid)) {
      const sel = this.selectorOrUndefined(other);
      if (!sel) continue; // an invalid selector matches no pods
      for (const pod of this.podInformer.lister.list(other.metadata?.namespace ?? '', (p) => matchesLabels(sel, p.metadata?.labels))) {
        const uid = pod.metadata?.uid ?? '';
        if (seen.has(uid)) continue;
        seen.add(uid);
        related.push(pod);
      }
    }
    return related;
  }
}

/** isNamespaceTerminating tells a create refused because its namespace is being deleted. */
function isNamespaceTerminating(e: unknown): boolean {
  return e instanceof StatusError && (e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false);
}

