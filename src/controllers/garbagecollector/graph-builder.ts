import type { KubeObject, OwnerReference } from '../../api/resource.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import {
  GCNode, getAlternateOwnerIdentity, ownerReferenceCoordinates, ownerReferenceMatchesCoordinates, partitionDependents,
  referencesDiffs, referenceString, sameReference, type ObjectReference, type OwnerRefPair,
} from './graph.js';
import { beingDeleted, FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN_DEPENDENTS, hasFinalizer } from './operations.js';
import type { ReferenceCache } from './reference-cache.js';
import type { MonitoredResource } from './resources.js';

/** GraphEventType is what happened to an object. */
export type GraphEventType = 'add' | 'update' | 'delete';

/** GraphEvent is one change funnelled from an informer (or made up by the collector: virtual) to the graph builder. */
export interface GraphEvent {
  /** virtual: not from an informer, but a delete the collector inferred after the API server said the object is gone */
  virtual: boolean;
  type: GraphEventType;
  obj: Readonly<KubeObject>;
  oldObj?: Readonly<KubeObject>;
  /** apiVersion and kind of the informer the event came from */
  apiVersion: string;
  kind: string;
}

/** GraphBuilderOptions are what the graph builder shares with the collector. */
export interface GraphBuilderOptions {
  informers: InformerFactory;
  resources: readonly MonitoredResource[];
  attemptToDelete: WorkQueue<GCNode>;
  attemptToOrphan: WorkQueue<GCNode>;
  absentOwnerCache: ReferenceCache;
  recorder: EventRecorder;
  logger: Logger;
  clock: Clock;
}

/**
 * GraphBuilder keeps the dependency graph (uid → node, each node with its owners and dependents)
 * up to date from informer events over every deletable resource, and feeds the collector's queues:
 * attemptToDelete gets objects that may have become garbage (an owner vanished, an owner waits in
 * foreground deletion, a virtual owner needs verifying), attemptToOrphan gets owners deleted with
 * the orphan finalizer. Events go through one queue processed by one loop, so the graph has a
 * single writer, as upstream's processGraphChanges.
 */
export class GraphBuilder {
  /** uidToNode is the graph */
  readonly uidToNode = new Map<string, GCNode>();
  private readonly graphChanges: WorkQueue<GraphEvent>;
  private readonly monitors: Informer[] = [];
  private readonly o: GraphBuilderOptions;

  constructor(o: GraphBuilderOptions) {
    this.o = o;
    this.graphChanges = new WorkQueue<GraphEvent>(o.clock, { name: 'garbage_collector_graph_changes' });
    for (const r of o.resources) this.addMonitor(r);
  }

  private readonly monitored = new Set<string>();
  private readonly monitorByKey = new Map<string, Informer>();

  /** addMonitor starts watching one more resource (custom resources appear at run time: upstream's resyncMonitors). */
  addMonitor(r: MonitoredResource): void {
    const key = `${r.ref.group}/${r.ref.plural}`;
    if (this.monitored.has(key)) return;
    this.monitored.add(key);
    {
      const o = this.o;
      const informer = o.informers.informerFor(r.ref);
      const event = (type: GraphEventType, obj: Readonly<KubeObject>, oldObj?: Readonly<KubeObject>): GraphEvent =>
        ({ virtual: false, type, obj, oldObj, apiVersion: r.apiVersion, kind: r.kind });
      informer.addEventHandler({
        add: (obj) => this.graphChanges.add(event('add', obj)),
        // Upstream does not filter updates either: every change can move a deletionTimestamp, finalizers or ownerReferences.
        update: (oldObj, obj) => this.graphChanges.add(event('update', obj, oldObj)),
        delete: (obj) => this.graphChanges.add(event('delete', obj)),
      });
      this.monitors.push(informer);
      this.monitorByKey.set(key, informer);
    }
  }

  /**
   * removeMonitor stops watching a resource that is no longer served (its CRD was deleted), as
   * upstream's resyncMonitors stops the monitors of resources gone from discovery.
   */
  removeMonitor(r: MonitoredResource): void {
    const key = `${r.ref.group}/${r.ref.plural}`;
    if (!this.monitored.delete(key)) return;
    const informer = this.monitorByKey.get(key);
    this.monitorByKey.delete(key);
    if (informer) this.monitors.splice(this.monitors.indexOf(informer), 1);
    this.o.informers.stopInformer?.(r.ref);
  }

  /** isSynced: every monitor has listed once. */
  isSynced(): boolean {
    return this.monitors.length > 0 && this.monitors.every((m) => m.hasSynced());
  }

  /** run processes graph changes until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    signal.addEventListener('abort', () => this.graphChanges.shutDown(), { once: true });
    for (;;) {
      const ev = await this.graphChanges.get();
      if (ev === undefined) return;
      try {
        this.processGraphChanges(ev);
      } catch (e) {
        this.o.logger.error(e, 'cannot process graph change', { uid: ev.obj.metadata?.uid, kind: ev.kind });
      } finally {
        this.graphChanges.done(ev);
      }
    }
  }

  /** enqueueVirtualDeleteEvent tells the graph an object is gone although no informer reported it (a virtual owner the API server does not have). */
  enqueueVirtualDeleteEvent(ref: ObjectReference): void {
    this.graphChanges.add({
      virtual: true, type: 'delete', apiVersion: ref.apiVersion, kind: ref.kind,
      obj: { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { namespace: ref.namespace || undefined, uid: ref.uid, name: ref.name } },
    });
  }

  /** processGraphChanges applies one event to the graph and queues what it may have made collectable. */
  processGraphChanges(event: GraphEvent): void {
    const obj = event.obj;
    const uid = obj.metadata?.uid;
    if (!uid) return;
    this.o.logger.v(5).info('GraphBuilder process object', {
      apiVersion: event.apiVersion, kind: event.kind, object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`, uid, eventType: event.type, virtual: event.virtual,
    });
    let existing = this.uidToNode.get(uid);
    if (existing && !event.virtual && !existing.isObserved()) {
      // The informer shows an object we only knew as a virtual owner: its real identity wins.
      const observed = identityFromEvent(event);
      if (!sameReference(observed, existing.identity)) {
        // Dependents that named this uid with other coordinates may hold bad references: verify them.
        const { nonmatching } = partitionDependents(existing.getDependents(), observed);
        for (const dep of nonmatching) {
          if (observed.namespace !== '' && dep.identity.namespace !== observed.namespace) {
            this.o.logger.v(2).info('item references an owner but does not match namespaces', { item: referenceString(dep.identity), owner: referenceString(observed) });
            this.reportInvalidNamespaceOwnerRef(dep, observed.uid);
          }
          this.o.attemptToDelete.add(dep);
        }
        this.o.logger.v(2).info('replacing virtual item with observed item', { virtual: referenceString(existing.identity), observed: referenceString(observed) });
        existing = existing.clone();
        existing.identity = observed;
        this.uidToNode.set(uid, existing);
      }
      existing.markObserved();
    }

    if (event.type !== 'delete') {
      if (!existing) {
        const n = new GCNode(identityFromEvent(event), {
          owners: obj.metadata?.ownerReferences ?? [],
          beingDeleted: beingDeleted(obj),
          deletingDependents: beingDeleted(obj) && hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS),
        });
        this.insertNode(n);
        // A create and a deletion may arrive as one event: look at the transitions too.
        this.processTransitions(event.oldObj, obj, n);
        return;
      }
      if (!event.virtual && (existing.identity.apiVersion !== event.apiVersion || existing.identity.kind !== event.kind)) {
        const old = existing;
        existing = existing.clone();
        existing.identity = { ...existing.identity, apiVersion: event.apiVersion, kind: event.kind };
        this.uidToNode.set(uid, existing);
        for (const o of existing.owners) this.uidToNode.get(o.uid)?.replaceDependentIfItExists(old, existing);
      }
      const newOwners = obj.metadata?.ownerReferences ?? [];
      const { added, removed, changed } = referencesDiffs(existing.owners, newOwners);
      if (added.length || removed.length || changed.length) {
        // An owner waiting for its dependents may have just been unblocked.
        this.addUnblockedOwnersToDeleteQueue(removed, changed);
        existing.owners = newOwners;
        this.addDependentToOwners(existing, added);
        this.removeDependentFromOwners(existing, removed);
      }
      if (beingDeleted(obj)) existing.markBeingDeleted();
      this.processTransitions(event.oldObj, obj, existing);
      return;
    }

    // delete
    if (!existing) {
      this.o.logger.v(5).info('item doesn\'t exist in the graph, this shouldn\'t happen', { item: uid });
      return;
    }
    let removeExisting = true;
    if (event.virtual) {
      const deleted = identityFromEvent(event);
      if (!existing.isObserved()) {
        // A virtual node: dependents may disagree on its coordinates; keep it for the others.
        const { matching, nonmatching } = partitionDependents(existing.getDependents(), deleted);
        if (nonmatching.length > 0) {
          removeExisting = false;
          if (matching.length > 0) {
            this.o.absentOwnerCache.add(deleted);
            for (const dep of matching) this.o.attemptToDelete.add(dep);
          }
          if (sameReference(existing.identity, deleted)) {
            const alt = getAlternateOwnerIdentity(nonmatching, deleted);
            if (alt) {
              const replacement = existing.clone();
              replacement.identity = alt;
              this.uidToNode.set(uid, replacement);
              this.o.attemptToDelete.addRateLimited(replacement);
            }
          }
        }
      } else if (!sameReference(existing.identity, deleted)) {
        // Never drop an observed node on a virtual event with other coordinates; only its mistaken dependents are affected.
        removeExisting = false;
        const { matching } = partitionDependents(existing.getDependents(), deleted);
        if (matching.length > 0) {
          this.o.absentOwnerCache.add(deleted);
          for (const dep of matching) this.o.attemptToDelete.add(dep);
        }
      }
    }
    if (!removeExisting) return;
    this.removeNode(existing);
    if (existing.dependentsLength() > 0) this.o.absentOwnerCache.add(identityFromEvent(event));
    for (const dep of existing.dependents) this.o.attemptToDelete.add(dep);
    for (const o of existing.owners) {
      const owner = this.uidToNode.get(o.uid);
      // An owner in foreground deletion waits for this one: let it check whether it can go now.
      if (owner?.isDeletingDependents()) this.o.attemptToDelete.add(owner);
    }
  }

  private insertNode(n: GCNode): void {
    this.uidToNode.set(n.identity.uid, n);
    this.addDependentToOwners(n, n.owners);
  }

  private removeNode(n: GCNode): void {
    this.uidToNode.delete(n.identity.uid);
    this.removeDependentFromOwners(n, n.owners);
  }

  private removeDependentFromOwners(n: GCNode, owners: readonly OwnerReference[]): void {
    for (const o of owners) this.uidToNode.get(o.uid)?.deleteDependent(n);
  }

  /**
   * addDependentToOwners links n under each owner, creating a virtual node (and queueing it for
   * verification against the API server) for an owner not seen yet. A reference that disagrees
   * with what is known of the owner (namespace, coordinates) queues n itself for verification.
   */
  private addDependentToOwners(n: GCNode, owners: readonly OwnerReference[]): void {
    let potentiallyInvalid = false;
    for (const owner of owners) {
      let ownerNode = this.uidToNode.get(owner.uid);
      if (!ownerNode) {
        ownerNode = new GCNode({ ...ownerReferenceCoordinates(owner), namespace: n.identity.namespace }, { virtual: true });
        this.o.logger.v(5).info('add virtual item', { identity: referenceString(ownerNode.identity) });
        this.uidToNode.set(owner.uid, ownerNode);
        ownerNode.addDependent(n);
        // The collector asks the API server whether this owner exists and drops the node if not.
        this.o.attemptToDelete.add(ownerNode);
        continue;
      }
      ownerNode.addDependent(n);
      if (potentiallyInvalid) continue;
      const ownerIsNamespaced = ownerNode.identity.namespace !== '';
      if (ownerIsNamespaced && ownerNode.identity.namespace !== n.identity.namespace) {
        if (ownerNode.isObserved()) {
          // A namespaced owner in another namespace (or of a cluster-scoped object) cannot be right.
          this.o.logger.v(2).info('item references an owner but does not match namespaces', { item: referenceString(n.identity), owner: referenceString(ownerNode.identity) });
          this.reportInvalidNamespaceOwnerRef(n, owner.uid);
        }
        potentiallyInvalid = true;
      } else if (!ownerReferenceMatchesCoordinates(owner, ownerNode.identity)) {
        if (ownerNode.isObserved()) {
          this.o.logger.v(2).info('item references an owner with coordinates that do not match the observed identity', { item: referenceString(n.identity), owner: referenceString(ownerNode.identity) });
        }
        potentiallyInvalid = true;
      } else if (!ownerIsNamespaced && ownerNode.identity.namespace !== n.identity.namespace && !ownerNode.isObserved()) {
        // A virtual cluster-scoped owner could really be a missing namespaced one named by a cluster-scoped child.
        potentiallyInvalid = true;
      }
    }
    if (potentiallyInvalid) this.o.attemptToDelete.add(n);
  }

  /** reportInvalidNamespaceOwnerRef records upstream's OwnerRefInvalidNamespace warning on the dependent. */
  private reportInvalidNamespaceOwnerRef(n: GCNode, invalidOwnerUID: string): void {
    const ref = n.owners.find((o) => o.uid === invalidOwnerUID);
    if (!ref) return;
    const invalid: ObjectReference = { ...ownerReferenceCoordinates(ref), namespace: n.identity.namespace };
    const involved: KubeObject = {
      apiVersion: n.identity.apiVersion, kind: n.identity.kind,
      metadata: { name: n.identity.name, namespace: n.identity.namespace || undefined, uid: n.identity.uid },
    };
    this.o.recorder.event(involved, 'Warning', 'OwnerRefInvalidNamespace',
      `ownerRef ${referenceString(invalid)} does not exist in namespace ${JSON.stringify(n.identity.namespace)}`);
  }

  /** addUnblockedOwnersToDeleteQueue queues owners whose blocking reference was removed or unblocked: they may be able to finish foreground deletion. */
  private addUnblockedOwnersToDeleteQueue(removed: readonly OwnerReference[], changed: readonly OwnerRefPair[]): void {
    for (const ref of removed) {
      if (ref.blockOwnerDeletion !== true) continue;
      const n = this.uidToNode.get(ref.uid);
      if (n) this.o.attemptToDelete.add(n);
      else this.o.logger.v(5).info('cannot find uid in uidToNode', { uid: ref.uid });
    }
    for (const c of changed) {
      if (c.oldRef.blockOwnerDeletion === true && c.newRef.blockOwnerDeletion !== true) {
        const n = this.uidToNode.get(c.newRef.uid);
        if (n) this.o.attemptToDelete.add(n);
        else this.o.logger.v(5).info('cannot find uid in uidToNode', { uid: c.newRef.uid });
      }
    }
  }

  /** processTransitions queues an owner the moment its deletion starts with the orphan or foregroundDeletion finalizer. */
  private processTransitions(oldObj: Readonly<KubeObject> | undefined, obj: Readonly<KubeObject>, n: GCNode): void {
    if (deletionStartsWithFinalizer(oldObj, obj, FINALIZER_ORPHAN_DEPENDENTS)) {
      this.o.logger.v(5).info('add item to attemptToOrphan', { item: referenceString(n.identity) });
      this.o.attemptToOrphan.add(n);
      return;
    }
    if (deletionStartsWithFinalizer(oldObj, obj, FINALIZER_DELETE_DEPENDENTS)) {
      this.o.logger.v(2).info('add item to attemptToDelete, because it\'s waiting for its dependents to be deleted', { item: referenceString(n.identity) });
      // A node first created as virtual never had the flag set: always set it here.
      n.markDeletingDependents();
      for (const dep of n.dependents) this.o.attemptToDelete.add(dep);
      this.o.attemptToDelete.add(n);
    }
  }
}

/** identityFromEvent is the identity the event shows, with the informer's apiVersion/kind. */
export function identityFromEvent(event: GraphEvent): ObjectReference {
  const m = event.obj.metadata ?? {};
  return { apiVersion: event.apiVersion, kind: event.kind, uid: m.uid ?? '', name: m.name ?? '', namespace: m.namespace ?? '' };
}

/** deletionStartsWithFinalizer: obj is being deleted with finalizer f, and oldObj (if any) was not yet. */
export function deletionStartsWithFinalizer(oldObj: Readonly<KubeObject> | undefined, obj: Readonly<KubeObject>, f: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj, f)) return false;
  if (!oldObj) return true;
  return !beingDeleted(oldObj) || !hasFinalizer(oldObj, f);
}
