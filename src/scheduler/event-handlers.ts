/**
 * The scheduler's informer handlers (eventhandlers.go): unscheduled pods of its profiles go to the
 * queue; bound pods and nodes go to the cache; every change that may make waiting pods
 * schedulable is offered to the queue as a cluster event.
 */
import { Resources, type ResourceRef } from '../client/types.js';
import type { InformerFactory } from '../client/informer-types.js';
import { log } from '../util/log.js';
import type { Cache } from './cache/cache.js';
import type { Node, Pod } from './framework/api.js';
import { ActionType, Events, type ClusterEvent, type EventResource } from './framework/types.js';
import type { PriorityQueue } from './queue/scheduling-queue.js';
import { assignedPod, isTerminal } from './util.js';

const logger = log.child({ component: 'default-scheduler' });

function safely(what: string, fn: () => void): void {
  try { fn(); } catch (e) { logger.error(e, what); }
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * nodeSchedulingPropertiesChange lists what a node update changed that scheduling cares about;
 * heartbeats (condition times) are not changes.
 */
export function nodeSchedulingPropertiesChange(newNode: Readonly<Node>, oldNode: Readonly<Node>): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const ev = (actionType: number, label: string) => events.push({ resource: 'Node', actionType, label });
  if (newNode.spec?.unschedulable !== oldNode.spec?.unschedulable) ev(ActionType.UpdateNodeTaint, 'NodeSpecUnschedulableChange');
  if (!sameJSON(newNode.status?.allocatable, oldNode.status?.allocatable)) ev(ActionType.UpdateNodeAllocatable, 'NodeAllocatableChange');
  if (!sameJSON(newNode.metadata?.labels, oldNode.metadata?.labels)) ev(ActionType.UpdateNodeLabel, 'NodeLabelChange');
  if (!sameJSON(newNode.spec?.taints, oldNode.spec?.taints)) ev(ActionType.UpdateNodeTaint, 'NodeTaintChange');
  const conds = (n: Readonly<Node>) => (n.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status }));
  if (!sameJSON(conds(newNode), conds(oldNode))) ev(ActionType.UpdateNodeCondition, 'NodeConditionChange');
  if (!sameJSON(newNode.metadata?.annotations, oldNode.metadata?.annotations)) ev(ActionType.UpdateNodeAnnotation, 'NodeAnnotationChange');
  return events;
}

/** HandlerTarget is what the handlers feed. */
export interface HandlerTarget {
  cache: Cache;
  queue: PriorityQueue;
  /** responsibleForPod: the pod's schedulerName is one of the profiles */
  responsibleForPod(pod: Readonly<Pod>): boolean;
  /** rejectWaitingPod rejects a pod held at Permit (it was deleted) */
  rejectWaitingPod(pod: Readonly<Pod>): void;
}

/** EXTRA_RESOURCES are the other kinds plugins may register events for, with their informers. */
const EXTRA_RESOURCES: [EventResource, ResourceRef][] = [
  ['PersistentVolumeClaim', Resources.persistentvolumeclaims],
  ['PersistentVolume', Resources.persistentvolumes],
  ['StorageClass', { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false }],
];

/** addAllEventHandlers wires the pod and node informers (and those of kinds plugins registered events for). */
export function addAllEventHandlers(t: HandlerTarget, informers: InformerFactory, registered: Set<EventResource>): void {
  const { cache, queue } = t;
  // A terminated pod holds nothing: the scheduler treats it as gone (upstream's informer excludes them).
  const bound = (p: Readonly<Pod>) => assignedPod(p) && !isTerminal(p);
  const pending = (p: Readonly<Pod>) => !assignedPod(p) && !isTerminal(p) && t.responsibleForPod(p);
  const assignedDelete = (p: Readonly<Pod>) => {
    safely('scheduler cache RemovePod failed', () => cache.removePod(p));
    queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, p, undefined);
  };
  informers.informerFor<Pod>(Resources.pods).addEventHandler({
    add: (p) => {
      if (bound(p)) {
        safely('scheduler cache AddPod failed', () => cache.addPod(p));
        queue.assignedPodAdded(p);
      } else if (pending(p)) queue.add(p);
    },
    update: (o, n) => {
      if (o.metadata?.resourceVersion && o.metadata.resourceVersion === n.metadata?.resourceVersion) return;
      const ob = bound(o);
      const nb = bound(n);
      if (ob && nb) {
        safely('scheduler cache UpdatePod failed', () => cache.updatePod(o, n));
        queue.assignedPodUpdated(o, n);
      } else if (!ob && nb) {
        // Bound (by this scheduler or another): leave the queue, join the cache.
        queue.delete(o);
        safely('scheduler cache AddPod failed', () => cache.addPod(n));
        queue.assignedPodAdded(n);
      } else if (ob && !nb) {
        assignedDelete(o);
      } else if (pending(n)) {
        if (cache.isAssumedPod(n)) return;
        queue.update(o, n);
      } else if (pending(o)) {
        queue.delete(o);
      }
    },
    delete: (p) => {
      if (bound(p) || cache.getPod(p)) {
        assignedDelete(cache.getPod(p) ?? p);
        return;
      }
      queue.delete(p);
      t.rejectWaitingPod(p);
    },
  });
  informers.informerFor<Node>(Resources.nodes).addEventHandler({
    add: (n) => {
      cache.addNode(n);
      queue.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, n);
    },
    update: (o, n) => {
      cache.updateNode(o, n);
      for (const ev of nodeSchedulingPropertiesChange(n, o)) queue.moveAllToActiveOrBackoffQueue(ev, o, n);
    },
    delete: (n) => {
      cache.removeNode(n);
      queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.Delete, label: 'NodeDelete' }, n, undefined);
    },
  });
  for (const [resource, ref] of EXTRA_RESOURCES) {
    if (!registered.has(resource)) continue;
    const ev = (actionType: number, label: string): ClusterEvent => ({ resource, actionType, label: `${resource}${label}` });
    informers.informerFor(ref).addEventHandler({
      add: (o) => queue.moveAllToActiveOrBackoffQueue(ev(ActionType.Add, 'Add'), undefined, o),
      update: (o, n) => queue.moveAllToActiveOrBackoffQueue(ev(ActionType.Update, 'Update'), o, n),
      delete: (o) => queue.moveAllToActiveOrBackoffQueue(ev(ActionType.Delete, 'Delete'), o, undefined),
    });
  }
}
