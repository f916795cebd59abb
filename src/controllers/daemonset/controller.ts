import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec, matchesLabels, selectorIsEmpty } from '../../apimachinery/labels.js';
import { controllerOf, newControllerRef } from '../../apimachinery/ownerrefs.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { Backoff } from '../../util/backoff.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { ControllerRefManager, recheckDeletionTimestamp } from '../common/controller-ref.js';
import { ControllerExpectations } from '../common/expectations.js';
import { RealPodControl, type PodControl } from '../common/pod-control.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../common/slow-start.js';
import { ControllerHistory, type ControllerRevision } from '../history/history.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';
import { cleanupHistory, constructHistory, type RevisionDeps } from './revisions.js';
import { calculateStatus, storeDaemonSetStatus } from './status.js';
import type { DaemonSet, Node, Pod, PodSpec } from './types.js';
import { rollingUpdate } from './update.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, allowsSurge, compareByCreationTimestampAndPhase, createPodTemplate, getTargetNodeName,
  getTemplateGeneration, isPodAvailable, isPodReady, isPodTerminal, replaceDaemonSetPodNodeNameNodeAffinity,
} from './util.js';

/** BURST_REPLICAS caps the creations (and deletions) of one sync (upstream's BurstReplicas). */
export const BURST_REPLICAS = 250;
/** FAILED_PODS_BACKOFF_INITIAL_MS / _MAX_MS bound how fast a failing daemon pod is replaced (kube-controller-manager: 1 s … 15 min). */
export const FAILED_PODS_BACKOFF_INITIAL_MS = 1_000;
export const FAILED_PODS_BACKOFF_MAX_MS = 15 * 60_000;
/** BACKOFF_GC_INTERVAL_MS: how often idle back-off entries are dropped. */
const BACKOFF_GC_INTERVAL_MS = 60_000;

/** Event reasons of the DaemonSet controller. */
export const Reasons = {
  selectingAll: 'SelectingAll',
  failedDaemonPod: 'FailedDaemonPod',
  succeededDaemonPod: 'SucceededDaemonPod',
} as const;

const controllerKind = { group: 'apps', version: 'v1', kind: 'DaemonSet' };

/** DaemonSetsControllerOptions lets tests swap the pod side effects. */
export interface DaemonSetsControllerOptions {
  podControl?: PodControl;
  burstReplicas?: number;
}

/**
 * DaemonSetsController runs one pod of each DaemonSet on every node that should run it
 * (kube-controller-manager's daemonset controller). Pods are pinned to their node through
 * required node affinity and bound by the scheduler; templates are recorded as
 * ControllerRevisions; RollingUpdate replaces pods within maxUnavailable/maxSurge, OnDelete
 * only when the user deletes them. Nodes that appear, change labels or taints, or go away are
 * followed through the node informer.
 */
export class DaemonSetsController implements Controller {
  readonly name = 'daemonset';
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly queue: WorkQueue<string>;
  private readonly logger = log.child({ component: 'daemonset-controller' });
  /** recorder writes the controller's events (tests flush it) */
  readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly expectations: ControllerExpectations;
  private readonly history: ControllerHistory;
  private readonly failedPodsBackoff: Backoff;
  /** when each failed-pod back-off key last moved (flowcontrol.Backoff keeps this per entry) */
  private readonly failedPodsLastUpdate = new Map<string, number>();
  private readonly burstReplicas: number;
  private readonly dsInformer: Informer<DaemonSet>;
  private readonly historyInformer: Informer<ControllerRevision>;
  private readonly podInformer: Informer<Pod>;
  private readonly nodeInformer: Informer<Node>;
  private readonly revisionDeps: RevisionDeps;

  constructor(private readonly ctx: ControllerContext, o: DaemonSetsControllerOptions = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'daemonset' });
    this.recorder = new EventRecorder(ctx.client, { component: 'daemonset-controller' }, ctx.clock);
    this.podControl = o.podControl ?? new RealPodControl(ctx.client, this.recorder);
    this.burstReplicas = o.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.failedPodsBackoff = new Backoff(ctx.clock, FAILED_PODS_BACKOFF_INITIAL_MS, FAILED_PODS_BACKOFF_MAX_MS);
    this.dsInformer = ctx.informers.informerFor<DaemonSet>(Resources.daemonsets);
    this.historyInformer = ctx.informers.informerFor<ControllerRevision>(Resources.controllerrevisions);
    this.podInformer = ctx.informers.informerFor<Pod>(Resources.pods);
    this.nodeInformer = ctx.informers.informerFor<Node>(Resources.nodes);
    this.history = new ControllerHistory(ctx.client, this.historyInformer.lister);
    this.revisionDeps = {
      client: this.client, history: this.history, revisions: this.historyInformer.lister,
      controllerRef: (ds) => this.controllerRef(ds),
      getDaemonPods: (ds) => this.getDaemonPods(ds),
    };

    this.dsInformer.addEventHandler({
      add: (ds) => this.enqueue(ds),
      update: (old, cur) => {
        if (old.metadata?.uid !== cur.metadata?.uid) this.deleteDaemonset(old);
        this.enqueue(cur);
      },
      delete: (ds) => this.deleteDaemonset(ds),
    });
    this.historyInformer.addEventHandler({ add: (h) => this.addHistory(h), update: (o, c) => this.updateHistory(o, c), delete: (h) => this.deleteHistory(h) });
    this.podInformer.addEventHandler({ add: (p) => this.addPod(p), update: (o, c) => this.updatePod(o, c), delete: (p) => this.deletePod(p) });
    this.nodeInformer.addEventHandler({ add: (n) => this.addNode(n), update: (o, c) => this.updateNode(o, c), delete: (n) => this.deleteNode(n) });
  }

  /** run works the queue until signal aborts, dropping idle failed-pod back-offs every minute. */
  run(signal: AbortSignal, workers = 2): Promise<void> {
    let cancelGC = () => {};
    const scheduleGC = () => {
      cancelGC = this.clock.setTimeout(() => {
        this.gcFailedPodsBackoff();
        scheduleGC();
      }, BACKOFF_GC_INTERVAL_MS);
    };
    if (!signal.aborted) {
      scheduleGC();
      signal.addEventListener('abort', () => cancelGC(), { once: true });
    }
    this.logger.info('Starting daemon sets controller');
    return runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.ctx.informers.waitForCacheSync(s),
      sync: (key) => this.syncDaemonSet(key),
    });
  }

  // ---- event handlers: they only enqueue keys (and count what was observed) ----

  private enqueue(ds: Readonly<DaemonSet>): void { this.queue.add(keyOf(ds)); }

  private deleteDaemonset(ds: Readonly<DaemonSet>): void {
    const key = keyOf(ds);
    // A DaemonSet recreated under the same name starts with clean expectations.
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  /** resolveControllerRef returns the DaemonSet a controller reference points to, if it still exists with that uid. */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference | undefined): Readonly<DaemonSet> | undefined {
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.dsInformer.lister.get(namespace, ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  /** daemonSetsSelecting lists the DaemonSets whose (non-empty) selector matches labels: candidates to adopt an orphan. */
  private daemonSetsSelecting(namespace: string | undefined, labels: Readonly<Record<string, string>> | undefined): Readonly<DaemonSet>[] {
    return this.dsInformer.lister.list(namespace ?? '', (ds) => {
      try {
        const sel = labelSelectorFromSpec(ds.spec?.selector);
        // A nil or empty selector matches nothing here, not everything.
        return !sel.nothing && !selectorIsEmpty(sel) && matchesLabels(sel, labels as Record<string, string>);
      } catch {
        return false;
      }
    });
  }

  private addHistory(h: Readonly<ControllerRevision>): void {
    if (h.metadata?.deletionTimestamp) { this.deleteHistory(h); return; }
    const ref = controllerOf(h);
    if (ref) return; // nothing to do until the owner syncs for another reason
    for (const ds of this.daemonSetsSelecting(h.metadata?.namespace, h.metadata?.labels)) this.enqueue(ds);
  }

  private updateHistory(old: Readonly<ControllerRevision>, cur: Readonly<ControllerRevision>): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) { const ds = this.resolveControllerRef(old.metadata?.namespace, oldRef); if (ds) this.enqueue(ds); }
    if (curRef) { const ds = this.resolveControllerRef(cur.metadata?.namespace, curRef); if (ds) this.enqueue(ds); return; }
    if (refChanged || !deepEqual(old.metadata?.labels, cur.metadata?.labels)) {
      for (const ds of this.daemonSetsSelecting(cur.metadata?.namespace, cur.metadata?.labels)) this.enqueue(ds);
    }
  }

  private deleteHistory(h: Readonly<ControllerRevision>): void {
    const ds = this.resolveControllerRef(h.metadata?.namespace, controllerOf(h));
    if (ds) this.enqueue(ds);
  }

  private addPod(pod: Readonly<Pod>): void {
    // A pod already being deleted (seen after a restart) must not count as a creation.
    if (pod.metadata?.deletionTimestamp) { this.deletePod(pod); return; }
    const ref = controllerOf(pod);
    if (ref) {
      const ds = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!ds) return;
      this.expectations.creationObserved(keyOf(ds));
      this.enqueue(ds);
      return;
    }
    // An orphan: every DaemonSet that selects it may want to adopt it.
    for (const ds of this.daemonSetsSelecting(pod.metadata?.namespace, pod.metadata?.labels)) this.enqueue(ds);
  }

  private updatePod(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    // A graceful deletion starts: act now (upstream treats it as the deletion), not when the agent confirms.
    if (cur.metadata?.deletionTimestamp) { this.deletePod(cur); return; }
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !deepEqual(curRef, oldRef);
    if (refChanged && oldRef) { const ds = this.resolveControllerRef(old.metadata?.namespace, oldRef); if (ds) this.enqueue(ds); }
    if (curRef) {
      const ds = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!ds) return;
      this.enqueue(ds);
      const minReady = ds.spec.minReadySeconds ?? 0;
      // Check availability again once the pod has been ready for minReadySeconds (plus a second of slack).
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(keyOf(ds), (minReady + 1) * 1000);
      return;
    }
    if (refChanged || !deepEqual(old.metadata?.labels, cur.metadata?.labels)) {
      for (const ds of this.daemonSetsSelecting(cur.metadata?.namespace, cur.metadata?.labels)) this.enqueue(ds);
    }
  }

  private deletePod(pod: Readonly<Pod>): void {
    const ds = this.resolveControllerRef(pod.metadata?.namespace, controllerOf(pod));
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds));
    this.enqueue(ds);
  }

  private addNode(node: Readonly<Node>): void {
    for (const ds of this.dsInformer.lister.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) this.enqueue(ds);
  }

  private updateNode(old: Readonly<Node>, cur: Readonly<Node>): void {
    if (shouldIgnoreNodeUpdate(old, cur)) return;
    for (const ds of this.dsInformer.lister.list()) {
      const before = nodeShouldRunDaemonPod(old, ds);
      const after = nodeShouldRunDaemonPod(cur, ds);
      if (before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning) this.enqueue(ds);
    }
  }

  /**
   * deleteNode wakes every DaemonSet: its pods on that node must go. (Upstream leaves this to the
   * pod garbage collector, which tskube does not run.)
   */
  private deleteNode(_node: Readonly<Node>): void {
    for (const ds of this.dsInformer.lister.list()) this.enqueue(ds);
  }

  // ---- sync ----

  private controllerRef(ds: Readonly<DaemonSet>): OwnerReference {
    return newControllerRef(ds, controllerKind) as OwnerReference;
  }

  /** asOwner is ds with apiVersion/kind set (cache items may lack them): events and owner references need them. */
  private asOwner(ds: Readonly<DaemonSet>): KubeObject {
    return { ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' } as KubeObject;
  }

  /** getDaemonPods returns the pods ds controls, adopting matching orphans and releasing its pods that stopped matching. */
  async getDaemonPods(ds: Readonly<DaemonSet>): Promise<Readonly<Pod>[]> {
    const selector = labelSelectorFromSpec(ds.spec.selector);
    const pods = this.podInformer.lister.list(ds.metadata?.namespace ?? '');
    const owner = this.asOwner(ds);
    const cm = new ControllerRefManager(owner, this.controllerRef(ds), (labels) => matchesLabels(selector, labels),
      (obj, patch) => this.podControl.patchPod(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', patch),
      recheckDeletionTimestamp(() => this.client.get(Resources.daemonsets, ds.metadata?.namespace, ds.metadata?.name ?? ''), owner));
    return cm.claim(pods);
  }

  /**
   * getNodesToDaemonPods groups ds's pods by the node they are for. Pods that are both finished and
   * being deleted are left out unless includeDeletedTerminal: nothing remains to do with them.
   */
  async getNodesToDaemonPods(ds: Readonly<DaemonSet>, includeDeletedTerminal: boolean): Promise<Map<string, Readonly<Pod>[]>> {
    const out = new Map<string, Readonly<Pod>[]>();
    for (const pod of await this.getDaemonPods(ds)) {
      if (!includeDeletedTerminal && isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
      let nodeName: string;
      try {
        nodeName = getTargetNodeName(pod);
      } catch (e) {
        this.logger.v(4).info('Failed to get target node name of Pod in DaemonSet', { pod: keyOf(pod), daemonset: keyOf(ds), err: (e as Error).message });
        continue;
      }
      const list = out.get(nodeName);
      if (list) list.push(pod); else out.set(nodeName, [pod]);
    }
    return out;
  }

  /** syncDaemonSet brings one DaemonSet's pods, revisions and status in line with its spec and the nodes. */
  async syncDaemonSet(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.dsInformer.lister.get(namespace, name);
    if (!ds) {
      this.logger.v(3).info('Daemon set has been deleted', { daemonset: key });
      this.expectations.deleteExpectations(key);
      return;
    }
    const nodeList = this.nodeInformer.lister.list();
    const sel = ds.spec?.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      this.recorder.event(this.asOwner(ds), 'Warning', Reasons.selectingAll, 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // While the DaemonSet is being deleted its revisions may already be gone: leave its status alone.
    if (ds.metadata?.deletionTimestamp) return;
    const { cur, old } = await constructHistory(this.revisionDeps, ds);
    const hash = cur.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    if (!this.expectations.satisfiedExpectations(key)) {
      // Creations or deletions are still in flight: report, but do not act or claim this generation.
      await this.updateDaemonSetStatus(ds, nodeList, hash, false);
      return;
    }
    let err: unknown;
    try {
      await this.updateDaemonSet(ds, nodeList, hash, key, old);
    } catch (e) {
      err = e;
    }
    try {
      await this.updateDaemonSetStatus(ds, nodeList, hash, true);
    } catch (statusErr) {
      if (!err) throw statusErr;
      this.logger.error(statusErr, 'Failed to update status', { daemonset: key });
    }
    if (err) throw err;
  }

  private async updateDaemonSet(ds: Readonly<DaemonSet>, nodeList: readonly Readonly<Node>[], hash: string, key: string, old: readonly Readonly<ControllerRevision>[]): Promise<void> {
    await this.manage(ds, nodeList, hash);
    if (this.expectations.satisfiedExpectations(key) && ds.spec.updateStrategy?.type === 'RollingUpdate') {
      const plan = rollingUpdate(ds, nodeList, await this.getNodesToDaemonPods(ds, false), hash, this.clock.now());
      await this.syncNodes(ds, plan.podsToDelete, plan.nodesToCreate, hash);
    }
    try {
      await cleanupHistory(this.revisionDeps, ds, old, [...(await this.getNodesToDaemonPods(ds, true)).values()].flat());
    } catch (e) {
      throw new Error(`failed to clean up revisions of DaemonSet: ${(e as Error).message}`);
    }
  }

  /**
   * manage creates a pod on every node that should run one and lacks it, and deletes pods that
   * should not be where they are: on nodes that no longer admit them, excess ones, failed ones
   * (with a back-off), and those on nodes that no longer exist.
   */
  private async manage(ds: Readonly<DaemonSet>, nodeList: readonly Readonly<Node>[], hash: string): Promise<void> {
    const nodeToDaemonPods = await this.getNodesToDaemonPods(ds, false);
    const nodesNeedingDaemonPods: string[] = [];
    const podsToDelete: string[] = [];
    for (const node of nodeList) {
      const r = this.podsShouldBeOnNode(node, nodeToDaemonPods, ds, hash);
      nodesNeedingDaemonPods.push(...r.nodesNeedingDaemonPods);
      podsToDelete.push(...r.podsToDelete);
    }
    // Pods for nodes that are gone: upstream's pod GC removes bound ones and the controller the
    // unbound ones; here the controller does both, without a grace period (no agent will confirm).
    const existing = new Set(nodeList.map((n) => n.metadata?.name ?? ''));
    const forceDelete = new Set<string>();
    for (const [nodeName, pods] of nodeToDaemonPods) {
      if (existing.has(nodeName)) continue;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) continue;
        podsToDelete.push(pod.metadata?.name ?? '');
        forceDelete.add(pod.metadata?.name ?? '');
      }
    }
    await this.syncNodes(ds, podsToDelete, nodesNeedingDaemonPods, hash, forceDelete);
  }

  /** podsShouldBeOnNode decides, for one node, whether to create a daemon pod and which of its pods to delete. */
  private podsShouldBeOnNode(node: Readonly<Node>, nodeToDaemonPods: ReadonlyMap<string, readonly Readonly<Pod>[]>, ds: Readonly<DaemonSet>, hash: string): { nodesNeedingDaemonPods: string[]; podsToDelete: string[] } {
    const nodeName = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = nodeToDaemonPods.get(nodeName);
    const nodesNeedingDaemonPods: string[] = [];
    const podsToDelete: string[] = [];
    if (shouldRun && !daemonPods) {
      nodesNeedingDaemonPods.push(nodeName);
    } else if (shouldContinueRunning) {
      const running: Readonly<Pod>[] = [];
      for (const pod of daemonPods ?? []) {
        if (pod.metadata?.deletionTimestamp) continue;
        const podName = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        if (pod.status?.phase === 'Failed') {
          // The kubelet may keep rejecting the pod: replace it, but not faster than the back-off allows.
          const backoffKey = `${ds.metadata?.uid}/${ds.status?.observedGeneration ?? 0}/${nodeName}`;
          if (this.inFailedPodsBackoff(backoffKey)) {
            const delay = this.failedPodsBackoff.get(backoffKey);
            this.logger.v(4).info('Deleting failed pod on node has been limited by backoff', { pod: podName, node: nodeName, currentDelay: delay });
            this.queue.addAfter(keyOf(ds), delay);
            continue;
          }
          this.failedPodsBackoff.next(backoffKey);
          this.failedPodsLastUpdate.set(backoffKey, this.clock.now().getTime());
          this.logger.v(2).info('Found failed daemon pod on node, will try to kill it', { pod: podName, node: nodeName });
          this.recorder.event(this.asOwner(ds), 'Warning', Reasons.failedDaemonPod, `Found failed daemon pod ${podName} on node ${nodeName}, will try to kill it`);
          podsToDelete.push(pod.metadata?.name ?? '');
        } else if (pod.status?.phase === 'Succeeded') {
          this.recorder.event(this.asOwner(ds), 'Normal', Reasons.succeededDaemonPod, `Found succeeded daemon pod ${podName} on node ${nodeName}, will try to delete it`);
          podsToDelete.push(pod.metadata?.name ?? '');
        } else {
          running.push(pod);
        }
      }
      running.sort(compareByCreationTimestampAndPhase);
      if (!allowsSurge(ds)) {
        // One pod per node: keep the oldest.
        for (const p of running.slice(1)) podsToDelete.push(p.metadata?.name ?? '');
      } else if (running.length <= 1) {
        if (running.length === 0 && shouldRun) nodesNeedingDaemonPods.push(nodeName);
      } else {
        // Surging: keep the oldest new pod and the oldest old pod; the old one goes once it is not
        // ready or the new one is available.
        let oldestNew: Readonly<Pod> | undefined;
        let oldestOld: Readonly<Pod> | undefined;
        for (const p of running) {
          if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
            if (!oldestNew) { oldestNew = p; continue; }
          } else if (!oldestOld) { oldestOld = p; continue; }
          podsToDelete.push(p.metadata?.name ?? '');
        }
        if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, this.clock.now()))) {
          podsToDelete.push(oldestOld.metadata?.name ?? '');
        }
      }
    } else if (daemonPods) {
      // The node no longer admits the daemon: remove every pod of it there.
      for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) podsToDelete.push(pod.metadata?.name ?? '');
    }
    return { nodesNeedingDaemonPods, podsToDelete };
  }

  private inFailedPodsBackoff(key: string): boolean {
    const last = this.failedPodsLastUpdate.get(key);
    return last !== undefined && this.failedPodsBackoff.inBackOffSince(key, new Date(last));
  }

  private gcFailedPodsBackoff(): void {
    const now = this.clock.now().getTime();
    for (const [key, last] of this.failedPodsLastUpdate) {
      if (now - last > 2 * FAILED_PODS_BACKOFF_MAX_MS) {
        this.failedPodsLastUpdate.delete(key);
        this.failedPodsBackoff.forget(key);
      }
    }
  }

  /**
   * syncNodes deletes podsToDelete and creates a pod for each node of nodesNeedingDaemonPods (at
   * most burstReplicas of each), recording expectations first and creating in slow-start batches.
   * Pods named in forceDelete are deleted without a grace period.
   */
  private async syncNodes(ds: Readonly<DaemonSet>, podsToDelete: readonly string[], nodesNeedingDaemonPods: readonly string[], hash: string, forceDelete: ReadonlySet<string> = new Set()): Promise<void> {
    const dsKey = keyOf(ds);
    const createDiff = Math.min(nodesNeedingDaemonPods.length, this.burstReplicas);
    const deleteDiff = Math.min(podsToDelete.length, this.burstReplicas);
    this.expectations.expectCreations(dsKey, createDiff);
    this.expectations.raiseExpectations(dsKey, 0, deleteDiff);
    const errors: unknown[] = [];
    const namespace = ds.metadata?.namespace ?? '';
    const owner = this.asOwner(ds);
    const controllerRef = this.controllerRef(ds);

    if (createDiff > 0) {
      this.logger.v(4).info('Nodes needing daemon pods for daemon set, creating', { daemonset: dsKey, needCount: nodesNeedingDaemonPods.length, createCount: createDiff });
      const template = createPodTemplate(ds.spec.template, getTemplateGeneration(ds), hash);
      let attempted = 0;
      const { error } = await slowStartBatch(createDiff, SLOW_START_INITIAL_BATCH_SIZE, async (ix) => {
        attempted++;
        try {
          await this.podControl.createPods(namespace, template, owner, controllerRef, (pod) => {
            // Pinned to its node through node affinity; the scheduler does the binding.
            const spec = pod.spec as PodSpec;
            spec.affinity = replaceDaemonSetPodNodeNameNodeAffinity(spec.affinity, nodesNeedingDaemonPods[ix]);
          });
        } catch (e) {
          // A namespace being torn down refuses every create: nothing to retry.
          if (e instanceof StatusError && e.code === 403 && /being terminated/.test(e.message)) return;
          this.logger.v(2).info('Failed creation, decrementing expectations for daemon set', { daemonset: dsKey });
          this.expectations.creationObserved(dsKey);
          errors.push(e);
          throw e;
        }
      });
      const skipped = createDiff - attempted;
      if (error && skipped > 0) {
        this.logger.v(2).info('Slow-start failure. Skipping creation pods, decrementing expectations for daemon set', { skippedPods: skipped, daemonset: dsKey });
        this.expectations.lowerExpectations(dsKey, skipped, 0);
      }
    }

    if (deleteDiff > 0) {
      this.logger.v(4).info('Pods to delete for daemon set, deleting', { daemonset: dsKey, deleteCount: deleteDiff });
      await Promise.all(podsToDelete.slice(0, deleteDiff).map(async (podName) => {
        try {
          if (forceDelete.has(podName)) await this.forceDeletePod(namespace, podName, owner);
          else await this.podControl.deletePod(namespace, podName, owner);
        } catch (e) {
          this.expectations.deletionObserved(dsKey);
          if (!(e instanceof StatusError && e.code === 404)) {
            this.logger.v(2).info('Failed deletion, decremented expectations for daemon set', { daemonset: dsKey });
            errors.push(e);
          }
        }
      }));
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new Error(`[${errors.map((e) => (e instanceof Error ? e.message : String(e))).join(', ')}]`);
  }

  /** forceDeletePod deletes a pod at once (gracePeriodSeconds 0), as the pod GC does for pods of vanished nodes. */
  private async forceDeletePod(namespace: string, name: string, owner: KubeObject): Promise<void> {
    try {
      await this.client.delete(Resources.pods, namespace, name, { gracePeriodSeconds: 0 });
      this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) throw e;
      this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  private async updateDaemonSetStatus(ds: Readonly<DaemonSet>, nodeList: readonly Readonly<Node>[], hash: string, updateObservedGen: boolean): Promise<void> {
    const nodeToDaemonPods = await this.getNodesToDaemonPods(ds, false);
    const counts = calculateStatus(ds, nodeList, nodeToDaemonPods, hash, this.clock.now());
    try {
      await storeDaemonSetStatus(this.client, ds, counts, updateObservedGen);
    } catch (e) {
      throw new Error(`error storing status for daemon set ${keyOf(ds)}: ${(e as Error).message}`);
    }
    // Look again once pods have been ready for minReadySeconds (a guard against a missed event).
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) this.queue.addAfter(keyOf(ds), minReady * 1000);
  }
}

/** nodeInSameCondition: the same condition types are True on both (heartbeat-only changes are ignored). */
export function nodeInSameCondition(old: readonly { type: string; status: string }[] = [], cur: readonly { type: string; status: string }[] = []): boolean {
  const a = new Set(old.filter((c) => c.status === 'True').map((c) => c.type));
  const b = new Set(cur.filter((c) => c.status === 'True').map((c) => c.type));
  return a.size === b.size && [...a].every((t) => b.has(t));
}

/** shouldIgnoreNodeUpdate: nothing but the resourceVersion and condition timestamps changed. */
export function shouldIgnoreNodeUpdate(old: Readonly<Node>, cur: Readonly<Node>): boolean {
  if (!nodeInSameCondition(old.status?.conditions, cur.status?.conditions)) return false;
  const strip = (n: Readonly<Node>) => ({
    ...n,
    metadata: { ...n.metadata, resourceVersion: undefined, managedFields: undefined },
    status: { ...n.status, conditions: undefined },
  });
  return deepEqual(strip(old), strip(cur));
}
