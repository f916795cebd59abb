import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { EventRecorder } from '../../client/events.js';
import type { InformerFactory } from '../../client/informer-types.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';
import { log, type Logger } from '../../util/log.js';
import type { Controller } from '../common/run-workers.js';
import { ownerReferenceCoordinates, referenceString, type GCNode, type ObjectReference } from './graph.js';
import { GraphBuilder } from './graph-builder.js';
import {
  deleteOwnerRefStrategicMergePatch, errorMessage, FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, hasFinalizer,
  isNotFound, ObjectOperations, unblockOwnerReferencesStrategicMergePatch, type PropagationPolicy,
} from './operations.js';
import { ReferenceCache } from './reference-cache.js';
import { apiResource, customResourcesOf, deletableResources, registerCustomResource, RESTMappingError, type MonitoredResource } from './resources.js';


/** GarbageCollectorOptions: what kube-controller-manager hands the collector. */
export interface GarbageCollectorOptions {
  client: Client;
  informers: InformerFactory;
  clock?: Clock;
  /** resources to watch (default: every deletable served resource but events) */
  resources?: readonly MonitoredResource[];
}

/** WorkQueueItemAction is what a worker does with an item after processing it. */
type WorkQueueItemAction = 'forget' | 'requeue';

/** Thrown by attemptToDeleteItem when it handed the graph a virtual delete event instead (nothing to retry). */
class EnqueuedVirtualDeleteEvent extends Error {}
/** Thrown when a cluster-scoped object names a namespaced owner: retrying cannot fix it. */
class NamespacedOwnerOfClusterScopedObject extends Error {}

/** ReferenceClassification sorts an object's owner references by what the API server says of the owners. */
interface ReferenceClassification {
  /** the owner exists and is not waiting for its dependents */
  solid: OwnerReference[];
  /** the owner does not exist (or exists with another uid) */
  dangling: OwnerReference[];
  /** the owner exists, is being deleted and has the foregroundDeletion finalizer */
  waitingForDependentsDeletion: OwnerReference[];
}

/**
 * GarbageCollector is kube-controller-manager's garbage collector: the graph builder watches every
 * deletable resource and maintains the owner/dependent graph; workers take nodes from
 * attemptToDelete (delete objects whose owners are all gone, drop dangling references, finish
 * foreground deletions) and attemptToOrphan (strip an owner's reference from its dependents, then
 * its `orphan` finalizer). Everything it does goes through the API with preconditions, so a stale
 * graph can delay collection but never delete an object that still has a live owner.
 */
export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly attemptToDelete: WorkQueue<GCNode>;
  readonly attemptToOrphan: WorkQueue<GCNode>;
  readonly absentOwnerCache = new ReferenceCache(500);
  readonly dependencyGraphBuilder: GraphBuilder;
  private readonly ops: ObjectOperations;
  private readonly logger: Logger = log.child({ component: 'garbage-collector-controller' });
  private readonly informers: InformerFactory;

  constructor(o: GarbageCollectorOptions) {
    const clock = o.clock ?? realClock;
    this.informers = o.informers;
    this.attemptToDelete = new WorkQueue<GCNode>(clock, { name: 'garbage_collector_attempt_to_delete' });
    this.attemptToOrphan = new WorkQueue<GCNode>(clock, { name: 'garbage_collector_attempt_to_orphan' });
    this.ops = new ObjectOperations(o.client, this.logger);
    this.dependencyGraphBuilder = new GraphBuilder({
      informers: o.informers,
      resources: o.resources ?? deletableResources(),
      attemptToDelete: this.attemptToDelete,
      attemptToOrphan: this.attemptToOrphan,
      absentOwnerCache: this.absentOwnerCache,
      recorder: new EventRecorder(o.client, { component: 'garbage-collector-controller' }, clock),
      logger: this.logger,
      clock,
    });
    this.watchCustomResources();
  }

  /**
   * run starts the graph builder, waits for the caches and then runs `workers` workers on each
   * queue until the signal aborts (kube-controller-manager's --concurrent-gc-syncs, 20).
   */
  async run(signal: AbortSignal, workers = 20): Promise<void> {
    if (signal.aborted) return;
    this.logger.info('Starting controller', { controller: 'garbagecollector' });
    const onAbort = () => {
      this.attemptToDelete.shutDown();
      this.attemptToOrphan.shutDown();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const builder = this.dependencyGraphBuilder.run(signal);
    try {
      await this.informers.waitForCacheSync(signal);
    } catch {
      await builder;
      return;
    }
    this.logger.info('Garbage collector: all resource monitors have synced. Proceeding to collect garbage');
    const loops: Promise<void>[] = [builder];
    for (let i = 0; i < Math.max(1, workers); i++) {
      loops.push(this.processQueue(this.attemptToDelete, (n) => this.attemptToDeleteWorker(n)));
      loops.push(this.processQueue(this.attemptToOrphan, (n) => this.attemptToOrphanWorker(n)));
    }
    await Promise.all(loops);
    this.logger.info('Shutting down controller', { controller: 'garbagecollector' });
  }

  /**
   * watchCustomResources starts a monitor for the storage version of every CustomResourceDefinition
   * once it is Established, from a CRD informer (upstream resyncs its monitors from discovery every
   * 30 s; the informer learns of a new CRD at once, without polling); a deleted CRD's monitor stops.
   */
  private watchCustomResources(): void {
    const crds = this.informers.informerFor({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false });
    const monitor = (crd: Readonly<KubeObject>) => {
      for (const r of customResourcesOf([crd as KubeObject])) {
        registerCustomResource(r);
        this.dependencyGraphBuilder.addMonitor(r);
      }
    };
    const unmonitor = (crd: Readonly<KubeObject>) => {
      for (const r of customResourcesOf([crd as KubeObject])) this.dependencyGraphBuilder.removeMonitor(r);
    };
    crds.addEventHandler({ add: monitor, update: (_old, crd) => monitor(crd), delete: unmonitor });
  }

  /** processQueue is one worker: take a node, process it, forget or requeue it rate-limited, mark it done. */
  private async processQueue(queue: WorkQueue<GCNode>, work: (n: GCNode) => Promise<WorkQueueItemAction>): Promise<void> {
    for (;;) {
      const n = await queue.get();
      if (n === undefined) return;
      try {
        const action = await work(n);
        if (action === 'forget') queue.forget(n);
        else queue.addRateLimited(n);
      } catch (e) {
        this.logger.error(e, 'error syncing item', { item: referenceString(n.identity) });
        queue.addRateLimited(n);
      } finally {
        queue.done(n);
      }
    }
  }

  /** attemptToDeleteWorker processes one node of attemptToDelete and says whether to retry it. */
  async attemptToDeleteWorker(queued: GCNode): Promise<WorkQueueItemAction> {
    let n = queued;
    const inGraph = this.dependencyGraphBuilder.uidToNode.get(n.identity.uid);
    if (!n.isObserved()) {
      if (!inGraph) {
        // A requeued virtual node whose object was meanwhile observed deleted.
        this.logger.v(5).info('item no longer in the graph, skipping attemptToDeleteItem', { item: referenceString(n.identity) });
        return 'forget';
      }
      if (inGraph.isObserved()) {
        this.logger.v(5).info('item no longer virtual in the graph, skipping attemptToDeleteItem on virtual node', { item: referenceString(n.identity) });
        return 'forget';
      }
    }
    if (inGraph && (inGraph.identity.apiVersion !== n.identity.apiVersion || inGraph.identity.kind !== n.identity.kind)) {
      n = n.clone();
      n.identity = { ...n.identity, apiVersion: inGraph.identity.apiVersion, kind: inGraph.identity.kind };
    }
    try {
      await this.attemptToDeleteItem(n);
    } catch (e) {
      if (e instanceof EnqueuedVirtualDeleteEvent || e instanceof NamespacedOwnerOfClusterScopedObject) return 'forget';
      if (e instanceof RESTMappingError) this.logger.error(e, 'error syncing item', { item: referenceString(n.identity) });
      else this.logger.error(e, `error syncing item ${referenceString(n.identity)}`);
      return 'requeue';
    }
    if (!n.isObserved()) {
      // Keep checking a virtual node until an informer shows it, or a node created and removed
      // while a watch was re-established could stay in the graph for ever.
      this.logger.v(5).info('item hasn\'t been observed via informer yet', { item: referenceString(n.identity) });
      return 'requeue';
    }
    return 'forget';
  }

  /**
   * attemptToDeleteItem reads the live object and deletes it if all its owners are gone; with some
   * owners alive it only removes the references to the dead ones (and to owners in foreground
   * deletion); if its owners wait for their dependents and it has dependents itself it is deleted
   * in foreground. An object no longer found becomes a virtual delete event for the graph.
   */
  async attemptToDeleteItem(item: GCNode): Promise<void> {
    this.logger.v(2).info('Processing item', { item: referenceString(item.identity), virtual: !item.isObserved() });
    // Being deleted is a one-way trip: wait for the final deletion, then handle the dependents.
    if (item.isBeingDeleted() && !item.isDeletingDependents()) {
      this.logger.v(5).info('processing item returned at once, because its DeletionTimestamp is non-nil', { item: referenceString(item.identity) });
      return;
    }
    let latest: KubeObject;
    try {
      latest = await this.ops.getObject(item.identity);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // A virtual node for an owner that does not exist: drop it from the graph.
      this.logger.v(5).info('item not found, generating a virtual delete event', { item: referenceString(item.identity) });
      this.dependencyGraphBuilder.enqueueVirtualDeleteEvent(item.identity);
      throw new EnqueuedVirtualDeleteEvent();
    }
    if (latest.metadata?.uid !== item.identity.uid) {
      this.logger.v(5).info('UID doesn\'t match, item not found, generating a virtual delete event', { item: referenceString(item.identity) });
      this.dependencyGraphBuilder.enqueueVirtualDeleteEvent(item.identity);
      throw new EnqueuedVirtualDeleteEvent();
    }
    if (item.isDeletingDependents()) return this.processDeletingDependentsItem(item);

    const ownerReferences = latest.metadata?.ownerReferences ?? [];
    if (ownerReferences.length === 0) {
      this.logger.v(2).info('item doesn\'t have an owner, continue on next item', { item: referenceString(item.identity) });
      return;
    }
    const { solid, dangling, waitingForDependentsDeletion } = await this.classifyReferences(item, ownerReferences);
    this.logger.v(5).info('classify item\'s references', {
      item: referenceString(item.identity), solid: solid.map((r) => r.uid), dangling: dangling.map((r) => r.uid), waitingForDependentsDeletion: waitingForDependentsDeletion.map((r) => r.uid),
    });

    if (solid.length > 0) {
      this.logger.v(2).info('item has at least one existing owner, will not garbage collect', { item: referenceString(item.identity), owner: solid.map((r) => r.uid) });
      if (dangling.length === 0 && waitingForDependentsDeletion.length === 0) return;
      // References to owners waiting for their dependents go too, or those owners would wait for ever.
      const ownerUIDs = [...dangling, ...waitingForDependentsDeletion].map((r) => r.uid);
      this.logger.v(2).info('remove dangling references and waiting references for item', { item: referenceString(item.identity), owners: ownerUIDs });
      await this.ops.patchObject(item.identity, deleteOwnerRefStrategicMergePatch(item.identity.uid, ownerUIDs), 'strategic');
      return;
    }

    if (waitingForDependentsDeletion.length > 0 && item.dependentsLength() > 0) {
      for (const dep of item.getDependents()) {
        if (!dep.isDeletingDependents()) continue;
        // An owner and a dependent both deleting dependents may be a cycle: stop blocking our owners.
        this.logger.v(2).info('processing item, some of its owners and its dependent have FinalizerDeletingDependents, to prevent potential cycle, its ownerReferences are going to be modified to be non-blocking, then the item is going to be deleted with Foreground', {
          item: referenceString(item.identity), dependent: referenceString(dep.identity),
        });
        await this.ops.patchObject(item.identity, unblockOwnerReferencesStrategicMergePatch(item), 'strategic');
        break;
      }
      this.logger.v(2).info('at least one owner of item has FinalizerDeletingDependents, and the item itself has dependents, so it is going to be deleted in Foreground', { item: referenceString(item.identity) });
      return this.deleteItem(item, latest, 'Foreground');
    }

    // No live owner: collect it, honouring a GC finalizer already on it.
    const policy: PropagationPolicy = hasFinalizer(latest, FINALIZER_ORPHAN_DEPENDENTS) ? 'Orphan'
      : hasFinalizer(latest, FINALIZER_DELETE_DEPENDENTS) ? 'Foreground' : 'Background';
    this.logger.v(2).info('Deleting item', { item: referenceString(item.identity), propagationPolicy: policy });
    return this.deleteItem(item, latest, policy);
  }

  private async deleteItem(item: GCNode, latest: KubeObject, policy: PropagationPolicy): Promise<void> {
    try {
      await this.ops.deleteObject(item.identity, latest.metadata?.resourceVersion, latest.metadata?.ownerReferences, policy);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.dependencyGraphBuilder.enqueueVirtualDeleteEvent(item.identity);
      throw new EnqueuedVirtualDeleteEvent();
    }
  }

  /**
   * isDangling tells whether a reference points at an object that does not exist: known absent,
   * NotFound at the API server, or found with another uid (deleted and re-created under the same
   * name). When the owner exists it is returned as read.
   */
  async isDangling(reference: OwnerReference, item: GCNode): Promise<{ dangling: boolean; owner?: KubeObject }> {
    const key: ObjectReference = { ...ownerReferenceCoordinates(reference), namespace: '' };
    if (this.absentOwnerCache.has(key)) {
      this.logger.v(5).info('according to the absentOwnerCache, item\'s owner does not exist', { item: referenceString(item.identity), owner: reference.uid });
      return { dangling: true };
    }
    key.namespace = item.identity.namespace;
    if (this.absentOwnerCache.has(key)) {
      this.logger.v(5).info('according to the absentOwnerCache, item\'s owner does not exist in namespace', { item: referenceString(item.identity), owner: reference.uid });
      return { dangling: true };
    }
    const { namespaced } = apiResource(reference.apiVersion, reference.kind);
    if (!namespaced) key.namespace = '';
    if (item.identity.namespace === '' && namespaced) {
      this.logger.v(2).info('item is cluster-scoped, but refers to a namespaced owner', { item: referenceString(item.identity), owner: reference.uid });
      throw new NamespacedOwnerOfClusterScopedObject('cluster-scoped objects cannot refer to namespaced owners');
    }
    let owner: KubeObject;
    try {
      owner = await this.ops.getObject(key);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.absentOwnerCache.add(key);
      this.logger.v(5).info('item\'s owner is not found', { item: referenceString(item.identity), owner: reference.uid });
      return { dangling: true };
    }
    if (owner.metadata?.uid !== reference.uid) {
      this.logger.v(5).info('item\'s owner is not found, UID mismatch', { item: referenceString(item.identity), owner: reference.uid });
      this.absentOwnerCache.add(key);
      return { dangling: true };
    }
    return { dangling: false, owner };
  }

  /** classifyReferences asks the API server about every owner of item. */
  async classifyReferences(item: GCNode, refs: readonly OwnerReference[]): Promise<ReferenceClassification> {
    const out: ReferenceClassification = { solid: [], dangling: [], waitingForDependentsDeletion: [] };
    for (const ref of refs) {
      const { dangling, owner } = await this.isDangling(ref, item);
      if (dangling) out.dangling.push(ref);
      else if (owner?.metadata?.deletionTimestamp && hasFinalizer(owner, FINALIZER_DELETE_DEPENDENTS)) out.waitingForDependentsDeletion.push(ref);
      else out.solid.push(ref);
    }
    return out;
  }

  /** processDeletingDependentsItem: an owner in foreground deletion loses its finalizer once no blocking dependent is left; until then its blocking dependents are queued. */
  private async processDeletingDependentsItem(item: GCNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      this.logger.v(2).info('remove DeleteDependents finalizer for item', { item: referenceString(item.identity) });
      await this.ops.removeFinalizer(item, FINALIZER_DELETE_DEPENDENTS);
      return;
    }
    for (const dep of blocking) {
      if (dep.isDeletingDependents()) continue;
      this.logger.v(2).info('adding dependent to attemptToDelete, because its owner is deletingDependents', { item: referenceString(item.identity), dependent: referenceString(dep.identity) });
      this.attemptToDelete.add(dep);
    }
  }

  /** orphanDependents removes owner's reference from every dependent, all at once; a dependent already gone is fine. */
  async orphanDependents(owner: ObjectReference, dependents: readonly GCNode[]): Promise<void> {
    const results = await Promise.allSettled(dependents.map(async (dep) => {
      try {
        // The dependent's uid is the precondition: a re-created dependent is left alone.
        await this.ops.patchObject(dep.identity, deleteOwnerRefStrategicMergePatch(dep.identity.uid, [owner.uid]), 'strategic');
      } catch (e) {
        if (!isNotFound(e)) throw new Error(`orphaning ${referenceString(dep.identity)} failed, ${errorMessage(e)}`);
      }
    }));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => errorMessage(r.reason));
    if (errors.length) throw new Error(`failed to orphan dependents of owner ${referenceString(owner)}, got errors: [${errors.join(', ')}]`);
    this.logger.v(5).info('successfully updated all dependents', { owner: referenceString(owner) });
  }

  /** attemptToOrphanWorker orphans an owner's dependents, then removes its `orphan` finalizer so the API server can delete it. */
  async attemptToOrphanWorker(owner: GCNode): Promise<WorkQueueItemAction> {
    try {
      await this.orphanDependents(owner.identity, owner.getDependents());
    } catch (e) {
      this.logger.error(e, `orphanDependents for ${referenceString(owner.identity)} failed`);
      return 'requeue';
    }
    try {
      await this.ops.removeFinalizer(owner, FINALIZER_ORPHAN_DEPENDENTS);
    } catch (e) {
      this.logger.error(e, `removeOrphanFinalizer for ${referenceString(owner.identity)} failed`);
      return 'requeue';
    }
    return 'forget';
  }

  /** graphHasUID tells whether the graph knows uid (tests, as upstream's GraphHasUID). */
  graphHasUID(uid: string): boolean {
    return this.dependencyGraphBuilder.uidToNode.has(uid);
  }
}
