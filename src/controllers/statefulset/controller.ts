import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { labelSelectorFromSpec, matchesLabels, selectorIsEmpty, type LabelSelector } from '../../apimachinery/labels.js';
import { controllerOf } from '../../apimachinery/ownerrefs.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { ControllerRefManager, recheckDeletionTimestamp } from '../common/controller-ref.js';
import { runWorkers, type Controller, type SyncResult } from '../common/run-workers.js';
import { ControllerHistory, type ControllerRevision } from '../history/history.js';
import { RealStatefulPodControlObjectManager, StatefulPodControl, type StatefulPodControlObjectManager } from './stateful-pod-control.js';
import { StatefulSetControl } from './stateful-set-control.js';
import { StatefulSetStatusUpdater } from './status-updater.js';
import type { PersistentVolumeClaim, Pod, StatefulSet } from './types.js';
import { asOwner, availableAfterMs, isMemberOf, setControllerRef, specReplicas } from './utils.js';

/** STATEFULSET_RESYNC_MS is how often every set is synced again (upstream's statefulSetResyncPeriod). */
export const STATEFULSET_RESYNC_MS = 30_000;

/** StatefulSetControllerOptions lets tests swap how pods and claims are written. */
export interface StatefulSetControllerOptions {
  objectManager?: StatefulPodControlObjectManager;
}

/**
 * StatefulSetController is kube-controller-manager's statefulset controller (stateful_set.go): it
 * watches sets and pods, claims the pods named SET-N that its selector matches, adopts orphaned
 * revisions, and hands the rest to StatefulSetControl — ordered (or parallel) creation and
 * deletion, one claim per volumeClaimTemplate and pod, rolling updates with partition and
 * maxUnavailable, OnDelete, ControllerRevisions and status.
 */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly queue: WorkQueue<string>;
  /** recorder writes the controller's events (tests flush it) */
  readonly recorder: EventRecorder;
  readonly control: StatefulSetControl;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly logger = log.child({ component: 'statefulset-controller' });
  private readonly setInformer: Informer<StatefulSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly history: ControllerHistory;

  constructor(private readonly ctx: ControllerContext, o: StatefulSetControllerOptions = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'statefulset' });
    this.recorder = new EventRecorder(ctx.client, { component: 'statefulset-controller' }, ctx.clock);
    this.setInformer = ctx.informers.informerFor<StatefulSet>(Resources.statefulsets);
    this.podInformer = ctx.informers.informerFor<Pod>(Resources.pods);
    const claimInformer = ctx.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    const revisionInformer = ctx.informers.informerFor<ControllerRevision>(Resources.controllerrevisions);
    this.history = new ControllerHistory(ctx.client, revisionInformer.lister);
    const objectMgr = o.objectManager ?? new RealStatefulPodControlObjectManager(ctx.client, this.podInformer.lister, claimInformer.lister);
    this.control = new StatefulSetControl(new StatefulPodControl(objectMgr, this.recorder), new StatefulSetStatusUpdater(ctx.client, this.setInformer.lister), this.history, ctx.clock);

    this.podInformer.addEventHandler({ add: (p) => this.addPod(p), update: (o, c) => this.updatePod(o, c), delete: (p) => this.deletePod(p) });
    this.setInformer.addEventHandler({
      add: (s) => this.enqueue(s),
      update: (old, cur) => {
        if (old.status?.replicas !== cur.status?.replicas) this.logger.v(4).info('Observed updated replica count for StatefulSet', { statefulSet: keyOf(cur), oldReplicas: old.status?.replicas, newReplicas: cur.status?.replicas });
        this.enqueue(cur);
      },
      delete: (s) => this.enqueue(s),
    }, STATEFULSET_RESYNC_MS);
  }

  /** run syncs sets with `workers` workers until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting stateful set controller');
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.ctx.informers.waitForCacheSync(s),
      sync: (key) => this.sync(key),
    });
    this.logger.info('Shutting down statefulset controller');
  }

  // ---- event handlers: they only enqueue keys ----

  private enqueue(set: Readonly<StatefulSet>): void { this.queue.add(keyOf(set)); }

  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference | undefined): Readonly<StatefulSet> | undefined {
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const set = this.setInformer.lister.get(namespace, ref.name);
    return set && set.metadata?.uid === ref.uid ? set : undefined;
  }

  /** getStatefulSetsForPod lists the sets whose (non-empty) selector matches an orphan pod. */
  private getStatefulSetsForPod(pod: Readonly<Pod>): Readonly<StatefulSet>[] {
    const sets = this.setInformer.lister.list(pod.metadata?.namespace ?? '', (s) => {
      const sel = selectorOf(s);
      return !!sel && matchesLabels(sel, pod.metadata?.labels);
    });
    if (sets.length > 1) {
      this.logger.info('user error: more than one StatefulSet is selecting pods with labels', { pod: keyOf(pod), labels: pod.metadata?.labels, statefulSets: sets.map((s) => s.metadata?.name) });
    }
    return sets;
  }

  private addPod(pod: Readonly<Pod>): void {
    if (pod.metadata?.deletionTimestamp) { this.deletePod(pod); return; }
    const ref = controllerOf(pod);
    if (ref) {
      const set = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (set) this.enqueue(set);
      return;
    }
    for (const set of this.getStatefulSetsForPod(pod)) this.enqueue(set);
  }

  private updatePod(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelChanged = !deepEqual(old.metadata?.labels, cur.metadata?.labels);
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) { const s = this.resolveControllerRef(old.metadata?.namespace, oldRef); if (s) this.enqueue(s); }
    if (curRef) {
      const set = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!set) return;
      this.enqueue(set);
      // Check availability again once the pod has been ready for minReadySeconds.
      const minReady = set.spec.minReadySeconds ?? 0;
      if (!isReady(old) && isReady(cur) && minReady > 0) this.queue.addAfter(keyOf(set), minReady * 1000);
      return;
    }
    if (labelChanged || refChanged) for (const set of this.getStatefulSetsForPod(cur)) this.enqueue(set);
  }

  private deletePod(pod: Readonly<Pod>): void {
    const set = this.resolveControllerRef(pod.metadata?.namespace, controllerOf(pod));
    if (set) this.enqueue(set);
  }

  // ---- sync ----

  /** sync reconciles the set named by key. */
  async sync(key: string): Promise<void | SyncResult> {
    const { namespace, name } = splitKey(key);
    const set = this.setInformer.lister.get(namespace, name);
    if (!set) {
      this.logger.info('StatefulSet has been deleted', { key });
      return;
    }
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromSpec(set.spec.selector);
    } catch (e) {
      // Not transient: retrying will not make the selector valid.
      this.logger.error(e, 'error converting StatefulSet selector', { key });
      return;
    }
    await this.adoptOrphanRevisions(set);
    const pods = await this.getPodsForStatefulSet(set, selector);
    const status = await this.control.updateStatefulSet(set, pods);
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== specReplicas(set)) {
      // One more sync once the ready pods have been ready long enough.
      const now = this.clock.now();
      const waits = pods.map((p) => availableAfterMs(p, minReady, now)).filter((ms) => ms > 0);
      return { requeueAfterMs: waits.length ? Math.min(...waits) : minReady * 1000 };
    }
  }

  /** adoptOrphanRevisions gives the set the revisions that match its selector and have no controller. */
  private async adoptOrphanRevisions(set: Readonly<StatefulSet>): Promise<void> {
    const orphans = this.control.listRevisions(set).filter((r) => !controllerOf(r));
    if (orphans.length === 0) return;
    try {
      await this.canAdopt(set)();
    } catch (e) {
      throw new Error(`can't adopt ControllerRevisions: ${(e as Error).message}`);
    }
    const ref = setControllerRef(set);
    for (const r of orphans) await this.history.patchControllerRevision(r, { metadata: { ownerReferences: [ref], uid: r.metadata?.uid } });
  }

  private canAdopt(set: Readonly<StatefulSet>): () => Promise<void> {
    return recheckDeletionTimestamp(() => this.client.get(Resources.statefulsets, set.metadata?.namespace, set.metadata?.name ?? ''), asOwner(set));
  }

  /**
   * getPodsForStatefulSet returns the pods the set controls: its pods that still match (releasing
   * the others) plus matching orphans named SET-N (adopted). Pods not named like members are
   * never adopted, and released if the set controls them.
   */
  async getPodsForStatefulSet(set: Readonly<StatefulSet>, selector: LabelSelector): Promise<Readonly<Pod>[]> {
    const owner = asOwner(set) as KubeObject;
    const all = this.podInformer.lister.list(set.metadata?.namespace ?? '');
    const patch = (obj: Readonly<KubeObject>, p: unknown) => this.client.patch(Resources.pods, obj.metadata?.namespace, obj.metadata?.name ?? '', p, 'strategic').then(() => undefined);
    const canAdopt = this.canAdopt(set);
    const members = new ControllerRefManager(owner, setControllerRef(set), (labels) => matchesLabels(selector, labels), patch, canAdopt);
    const strangers = new ControllerRefManager(owner, setControllerRef(set), () => false, patch, canAdopt);
    const claimed = await members.claim(all.filter((p) => isMemberOf(set, p)));
    await strangers.claim(all.filter((p) => !isMemberOf(set, p) && controllerOf(p)?.uid === set.metadata?.uid));
    return claimed;
  }
}

function selectorOf(set: Readonly<StatefulSet>): LabelSelector | undefined {
  try {
    const sel = labelSelectorFromSpec(set.spec.selector);
    return sel.nothing || selectorIsEmpty(sel) ? undefined : sel;
  } catch {
    return undefined;
  }
}

function isReady(pod: Readonly<Pod>): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}
