import { StatusError } from '../../apimachinery/errors.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, NODE_NAME_INDEX, nodeNameIndexer, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { markConditionsUnknown, observeNodeHealth, readyCondition, type Lease, type NodeHealth } from './node-health.js';
import { updatePodCondition, type Pod } from './pod-conditions.js';
import { RateLimitedTimedQueue } from './rate-limited-queue.js';
import {
  NOT_READY_TAINT, UNREACHABLE_TAINT, TaintKeys, swapNodeControllerTaint, taintExists, taintSetDiff,
  type Node, type NodeCondition, type Taint,
} from './taints.js';
import { computeZoneState, getZoneKey, type ZoneState } from './zones.js';

/** NODE_EVICTION_PERIOD_MS is how often the NoExecute tainting queues are drained (upstream's NodeEvictionPeriod). */
export const NODE_EVICTION_PERIOD_MS = 100;
/** NODE_HEALTH_UPDATE_RETRY is how many times a node status write is retried in one pass. */
const NODE_HEALTH_UPDATE_RETRY = 5;
/** NODE_UPDATE_WORKERS bounds the nodes handled at once in one monitor pass (upstream's nodeUpdateWorkerSize). */
const NODE_UPDATE_WORKERS = 8;
const POD_UPDATE_WORKERS = 4;
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const LABEL_NODE_DISRUPTION_EXCLUSION = 'node.kubernetes.io/exclude-disruption';

/** NodeLifecycleOptions are kube-controller-manager's node lifecycle flags (defaults: Kubernetes'). */
export interface NodeLifecycleOptions {
  /** --node-monitor-period: how often node health is checked (5 s) */
  nodeMonitorPeriodMs: number;
  /** --node-monitor-grace-period: how long a node may stay silent before it is Unknown (40 s) */
  nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period: the same for a node that never posted a Ready condition (60 s) */
  nodeStartupGracePeriodMs: number;
  /** --node-eviction-rate: nodes tainted per second in a healthy zone (0.1) */
  nodeEvictionRate: number;
  /** --secondary-node-eviction-rate: the same in a large, partially disrupted zone (0.01) */
  secondaryNodeEvictionRate: number;
  /** --large-cluster-size-threshold (50) */
  largeClusterSizeThreshold: number;
  /** --unhealthy-zone-threshold (0.55) */
  unhealthyZoneThreshold: number;
}

/** defaultNodeLifecycleOptions are Kubernetes' defaults. */
export const defaultNodeLifecycleOptions: NodeLifecycleOptions = {
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 40_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** conditionTaints maps node condition (type, status) to the NoSchedule taint key it brings (upstream's nodeConditionToTaintKeyStatusMap). */
const conditionTaints: Record<string, Record<string, string>> = {
  Ready: { False: TaintKeys.notReady, Unknown: TaintKeys.unreachable },
  MemoryPressure: { True: TaintKeys.memoryPressure },
  DiskPressure: { True: TaintKeys.diskPressure },
  NetworkUnavailable: { True: TaintKeys.networkUnavailable },
  PIDPressure: { True: TaintKeys.pidPressure },
};
const conditionTaintKeys = new Set(Object.values(conditionTaints).flatMap((m) => Object.values(m)));

/** labelReconcileInfo: beta labels kept equal to their stable twins. */
const labelReconcileInfo = [
  { primary: 'kubernetes.io/os', secondary: 'beta.kubernetes.io/os' },
  { primary: 'kubernetes.io/arch', secondary: 'beta.kubernetes.io/arch' },
];

/** noScheduleTaintsFor returns the NoSchedule taints a node's conditions and spec.unschedulable call for (TaintNodesByCondition). */
export function noScheduleTaintsFor(node: Readonly<Node>): Taint[] {
  const out: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = conditionTaints[c.type]?.[c.status];
    if (key) out.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) out.push({ key: TaintKeys.unschedulable, effect: 'NoSchedule' });
  return out;
}

/**
 * NodeLifecycleController is kube-controller-manager's node lifecycle controller (with the
 * taint manager split out, as in 1.32): every nodeMonitorPeriod it checks each node's Lease and
 * Ready heartbeat against the grace period, sets the conditions of a silent node to Unknown
 * ("Kubelet stopped posting node status."), marks its pods not ready and, through a rate-limited
 * per-zone queue, taints it node.kubernetes.io/unreachable:NoExecute (not-ready when Ready=False);
 * the taint eviction controller then evicts the pods. Node conditions and spec.unschedulable also
 * become NoSchedule taints for the scheduler. When a whole cluster goes dark it stops tainting,
 * since the fault is then more likely the control plane's than every node's.
 */
export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle';
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly logger = log.child({ component: 'node-lifecycle-controller' });
  private readonly o: NodeLifecycleOptions;
  private readonly knownNodes = new Map<string, Readonly<Node>>();
  private readonly health = new Map<string, NodeHealth>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly zoneTainter = new Map<string, RateLimitedTimedQueue>();
  private readonly nodesToRetry = new Set<string>();
  private readonly nodeQueue: WorkQueue<string>;
  private readonly podQueue: WorkQueue<string>;

  constructor(private readonly client: Client, private readonly informers: InformerFactory, private readonly clock: Clock, options: Partial<NodeLifecycleOptions> = {}, recorder?: EventRecorder) {
    this.o = { ...defaultNodeLifecycleOptions, ...options };
    this.recorder = recorder ?? new EventRecorder(client, { component: 'node-controller' }, clock);
    this.nodeQueue = new WorkQueue<string>(clock, { name: 'node_lifecycle_controller' });
    this.podQueue = new WorkQueue<string>(clock, { name: 'node_lifecycle_controller_pods' });
    this.nodes = informers.informerFor<Node>(Resources.nodes);
    this.leases = informers.informerFor<Lease>(Resources.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = informers.informerFor<Pod>(Resources.pods);
    this.pods.addIndexer(NODE_NAME_INDEX, nodeNameIndexer);
    this.nodes.addEventHandler({
      add: (n) => this.nodeQueue.add(keyOf(n)),
      update: (_o, n) => this.nodeQueue.add(keyOf(n)),
      delete: (n) => this.nodesToRetry.delete(keyOf(n)),
    });
    this.pods.addEventHandler({
      add: (p) => this.podUpdated(undefined, p),
      update: (o, p) => this.podUpdated(o, p),
    });
  }

  /** run monitors node health, drains the tainting queues and keeps condition taints until signal aborts. */
  async run(signal: AbortSignal, workers = NODE_UPDATE_WORKERS): Promise<void> {
    try {
      await this.informers.waitForCacheSync(signal);
    } catch {
      return;
    }
    this.logger.info('Starting node lifecycle controller');
    await Promise.all([
      runWorkers({ queue: this.nodeQueue, workers, signal, log: this.logger, sync: (name) => this.syncNode(name) }),
      runWorkers({ queue: this.podQueue, workers: POD_UPDATE_WORKERS, signal, log: this.logger, sync: (key) => this.processPod(key) }),
      this.every(signal, NODE_EVICTION_PERIOD_MS, () => this.doNoExecuteTaintingPass()),
      this.every(signal, this.o.nodeMonitorPeriodMs, () => this.monitorNodeHealth()),
    ]);
  }

  /** every runs fn, then waits period after it finished (wait.Until), until signal aborts. */
  private async every(signal: AbortSignal, periodMs: number, fn: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await fn();
      } catch (e) {
        this.logger.error(e, 'node lifecycle pass failed');
      }
      await this.clock.sleep(periodMs, signal).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------ condition taints and labels

  /** syncNode keeps a node's NoSchedule condition taints and beta labels (doNoScheduleTaintingPass + reconcileNodeLabels). */
  private async syncNode(name: string): Promise<void> {
    await this.doNoScheduleTaintingPass(name);
    await this.reconcileNodeLabels(name);
  }

  /** doNoScheduleTaintingPass makes the node's NoSchedule condition taints match its conditions and spec.unschedulable. */
  async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodes.lister.get(undefined, name);
    if (!node) return;
    const want = noScheduleTaintsFor(node);
    const have = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && (t.key === TaintKeys.unschedulable || conditionTaintKeys.has(t.key)));
    const { add, remove } = taintSetDiff(want, have);
    if (add.length === 0 && remove.length === 0) return;
    await swapNodeControllerTaint(this.client, this.clock, node, add, remove);
  }

  private async reconcileNodeLabels(name: string): Promise<void> {
    const node = this.nodes.lister.get(undefined, name);
    const labels = node?.metadata?.labels;
    if (!labels) return;
    const update: Record<string, string> = {};
    for (const r of labelReconcileInfo) {
      const v = labels[r.primary];
      if (v !== undefined && labels[r.secondary] !== v) update[r.secondary] = v;
    }
    if (Object.keys(update).length === 0) return;
    await this.client.patch(Resources.nodes, undefined, name, { metadata: { labels: update } }, 'strategic');
  }

  // ------------------------------------------------------------ health

  /**
   * monitorNodeHealth is one pass over every node: record new and removed nodes, update each
   * node's health (Unknown after the grace period), queue unhealthy nodes for NoExecute tainting,
   * mark the pods of nodes that just stopped being Ready not ready, and adjust per-zone rates.
   */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.lister.list();
    const { added, deleted, newZoneRepresentatives } = this.classifyNodes(nodes);
    for (const n of newZoneRepresentatives) this.addPodEvictorForNewZone(n);
    for (const n of added) {
      this.logger.v(1).info('Controller observed a new Node', { node: n.metadata?.name });
      this.recordNodeEvent(n, 'RegisteredNode', `Registered Node ${n.metadata?.name} in Controller`);
      this.knownNodes.set(n.metadata!.name!, n);
      this.addPodEvictorForNewZone(n);
      await this.markNodeAsReachable(n).catch((e) => this.logger.error(e, 'Failed to remove taints from node', { node: n.metadata?.name }));
    }
    for (const n of deleted) {
      this.logger.v(1).info('Controller observed a Node deletion', { node: n.metadata?.name });
      this.recordNodeEvent(n, 'RemovingNode', `Removing Node ${n.metadata?.name} from Controller`);
      this.knownNodes.delete(n.metadata!.name!);
      this.health.delete(n.metadata!.name!);
    }
    const zoneConditions = new Map<string, (NodeCondition | undefined)[]>();
    await parallelize(nodes, NODE_UPDATE_WORKERS, async (cached) => {
      const r = await this.updateNodeHealth(cached);
      if (!r) return;
      if (!(LABEL_NODE_DISRUPTION_EXCLUSION in (r.node.metadata?.labels ?? {}))) {
        const zone = getZoneKey(r.node);
        zoneConditions.set(zone, [...(zoneConditions.get(zone) ?? []), r.current]);
      }
    });
    await this.handleDisruption(zoneConditions, nodes);
  }

  /** updateNodeHealth handles one node of a monitor pass; returns its Ready condition after the pass (undefined when it could not be updated). */
  private async updateNodeHealth(cached: Readonly<Node>): Promise<{ node: Node; current?: NodeCondition } | undefined> {
    const name = cached.metadata!.name!;
    let node: Node = structuredClone(cached) as Node;
    let result: { observed: NodeCondition; current?: NodeCondition } | undefined;
    for (let attempt = 0; attempt < NODE_HEALTH_UPDATE_RETRY; attempt++) {
      try {
        result = await this.tryUpdateNodeHealth(node);
        break;
      } catch (e) {
        this.logger.v(2).info('Retrying node health update', { node: name, err: String(e) });
        try {
          node = await this.client.get<Node>(Resources.nodes, undefined, name);
        } catch (ge) {
          this.logger.error(ge, 'Failed while getting a Node to retry updating node health. Probably Node was deleted', { node: name });
          return undefined;
        }
      }
    }
    if (!result) {
      this.logger.error(undefined, 'Update health of Node from Controller error, Skipping - no pods will be evicted', { node: name });
      return undefined;
    }
    const { observed, current } = result;
    if (current) {
      const pods = this.pods.lister.byIndex(NODE_NAME_INDEX, name);
      await this.processTaintBaseEviction(node, observed);
      const needsRetry = this.nodesToRetry.has(name);
      const becameNotReady = current.status !== 'True' && observed.status === 'True';
      if (becameNotReady) this.recordNodeStatusChange(node, 'NodeNotReady');
      if (becameNotReady || (needsRetry && observed.status !== 'True')) {
        try {
          await this.markPodsNotReady(pods, name);
        } catch (e) {
          this.logger.error(e, 'unable to mark all pods NotReady on node; queuing for retry', { node: name });
          this.nodesToRetry.add(name);
          return { node, current };
        }
      }
    }
    this.nodesToRetry.delete(name);
    return { node, current };
  }

  /**
   * tryUpdateNodeHealth updates the saved health of a (mutable copy of a) node and, when it has
   * been silent longer than its grace period, writes its conditions as Unknown through the status
   * subresource. Returns the Ready condition observed before and the one after this pass.
   */
  private async tryUpdateNodeHealth(node: Node): Promise<{ observed: NodeCondition; current?: NodeCondition }> {
    const name = node.metadata!.name!;
    const now = this.clock.now();
    const lease = this.leases.lister.get(NODE_LEASE_NAMESPACE, name);
    const r = observeNodeHealth(node, this.health.get(name), lease, now.getTime(), {
      gracePeriodMs: this.o.nodeMonitorGracePeriodMs, startupGracePeriodMs: this.o.nodeStartupGracePeriodMs,
    });
    this.health.set(name, r.health);
    let current = readyCondition(node.status?.conditions);
    if (r.stale) {
      this.logger.v(2).info("Node hasn't been updated", { node: name, silentMs: now.getTime() - r.health.probeTimestamp });
      current = markConditionsUnknown(node, now);
      if (!sameCondition(current, r.observed)) {
        const updated = await this.client.updateStatus<Node>(Resources.nodes, undefined, node);
        this.health.set(name, {
          conditions: updated.status?.conditions ?? node.status?.conditions ?? [],
          probeTimestamp: r.health.probeTimestamp, readyTransitionTimestamp: now.getTime(), lease,
        });
      }
    }
    return { observed: r.observed, current };
  }

  /** processTaintBaseEviction queues an unhealthy node for its NoExecute taint, swaps it at once when the other one is there, or clears both once it is Ready. */
  private async processTaintBaseEviction(node: Readonly<Node>, observed: NodeCondition): Promise<void> {
    const taints = node.spec?.taints;
    switch (observed.status) {
      case 'False':
        if (taintExists(taints, UNREACHABLE_TAINT)) {
          await swapNodeControllerTaint(this.client, this.clock, node, [NOT_READY_TAINT], [UNREACHABLE_TAINT])
            .catch((e) => this.logger.error(e, 'Failed to instantly swap UnreachableTaint to NotReadyTaint. Will try again in the next cycle'));
        } else if (this.markNodeForTainting(node, 'False')) {
          this.logger.v(2).info('Node is NotReady. Adding it to the Taint queue', { node: node.metadata?.name });
        }
        break;
      case 'Unknown':
        if (taintExists(taints, NOT_READY_TAINT)) {
          await swapNodeControllerTaint(this.client, this.clock, node, [UNREACHABLE_TAINT], [NOT_READY_TAINT])
            .catch((e) => this.logger.error(e, 'Failed to instantly swap NotReadyTaint to UnreachableTaint. Will try again in the next cycle'));
        } else if (this.markNodeForTainting(node, 'Unknown')) {
          this.logger.v(2).info('Node is unresponsive. Adding it to the Taint queue', { node: node.metadata?.name });
        }
        break;
      case 'True':
        try {
          if (await this.markNodeAsReachable(node)) this.logger.v(2).info('Node is healthy again, removed all taints', { node: node.metadata?.name });
        } catch (e) {
          this.logger.error(e, 'Failed to remove taints from node. Will retry in next iteration', { node: node.metadata?.name });
        }
        break;
    }
  }

  private tainterFor(node: Readonly<Node>): RateLimitedTimedQueue {
    this.addPodEvictorForNewZone(node);
    return this.zoneTainter.get(getZoneKey(node))!;
  }

  private markNodeForTainting(node: Readonly<Node>, status: 'False' | 'Unknown'): boolean {
    const q = this.tainterFor(node);
    const name = node.metadata!.name!;
    if (status === 'False' && !taintExists(node.spec?.taints, NOT_READY_TAINT)) q.remove(name);
    if (status === 'Unknown' && !taintExists(node.spec?.taints, UNREACHABLE_TAINT)) q.remove(name);
    return q.add(name, node.metadata?.uid ?? '');
  }

  /** markNodeAsReachable removes the NoExecute taints and takes the node off its tainting queue; returns whether it was queued. */
  private async markNodeAsReachable(node: Readonly<Node>): Promise<boolean> {
    const present = [UNREACHABLE_TAINT, NOT_READY_TAINT].filter((t) => taintExists(node.spec?.taints, t));
    if (present.length) await swapNodeControllerTaint(this.client, this.clock, node, [], present);
    return this.tainterFor(node).remove(node.metadata!.name!);
  }

  /** doNoExecuteTaintingPass taints the queued nodes, as fast as each zone's limiter allows. */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const q of [...this.zoneTainter.values()]) {
      await q.try(async (v) => {
        const node = this.nodes.lister.get(undefined, v.value);
        if (!node) {
          this.logger.info('Node no longer present in nodeLister', { node: v.value });
          return { ok: true, waitMs: 0 };
        }
        const cond = readyCondition(node.status?.conditions);
        if (!cond) return { ok: false, waitMs: 50 };
        // "unreachable" and "not ready" mirror the Ready condition, so they are mutually exclusive.
        let add: Taint;
        let opposite: Taint;
        if (cond.status === 'False') { add = NOT_READY_TAINT; opposite = UNREACHABLE_TAINT; }
        else if (cond.status === 'Unknown') { add = UNREACHABLE_TAINT; opposite = NOT_READY_TAINT; }
        else {
          this.logger.v(4).info("Node was in a taint queue, but it's ready now. Ignoring taint request", { node: v.value });
          return { ok: true, waitMs: 0 };
        }
        try {
          await swapNodeControllerTaint(this.client, this.clock, node, [add], [opposite]);
          return { ok: true, waitMs: 0 };
        } catch (e) {
          this.logger.error(e, 'unable to taint unresponsive Node', { node: v.value });
          return { ok: false, waitMs: 0 };
        }
      });
    }
  }

  /** markPodsNotReady sets the Ready condition of the node's pods to False (upstream's MarkPodsNotReady), with a NodeNotReady event each. */
  private async markPodsNotReady(pods: readonly Readonly<Pod>[], nodeName: string): Promise<void> {
    this.logger.v(2).info('Update ready status of pods on node', { node: nodeName });
    const errors: unknown[] = [];
    for (const cached of pods) {
      if (cached.spec?.nodeName !== nodeName) continue;
      const ready = cached.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready) continue;
      const pod = structuredClone(cached) as Pod;
      if (!updatePodCondition(pod, { ...ready, status: 'False' }, this.clock.now())) continue;
      try {
        await this.client.updateStatus(Resources.pods, pod.metadata?.namespace, pod);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        this.logger.info('Failed to update status for pod', { pod: keyOf(pod), err: String(e) });
        errors.push(e);
      }
      this.recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (errors.length) throw errors[0];
  }

  // ------------------------------------------------------------ pods bound later

  private podUpdated(old: Readonly<Pod> | undefined, pod: Readonly<Pod>): void {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && (!old || old.spec?.nodeName !== nodeName)) this.podQueue.add(keyOf(pod));
  }

  /** processPod marks a pod that was just bound to a node that is not Ready as not ready. */
  private async processPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.get(namespace, name);
    if (!pod?.spec?.nodeName) return;
    const nodeName = pod.spec.nodeName;
    const health = this.health.get(nodeName);
    if (!health) return;
    if (!this.nodes.lister.get(undefined, nodeName)) throw new Error(`node "${nodeName}" not found`);
    const ready = readyCondition(health.conditions);
    if (!ready) return;
    if (ready.status !== 'True') await this.markPodsNotReady([pod], nodeName);
  }

  // ------------------------------------------------------------ zones

  private classifyNodes(all: readonly Readonly<Node>[]): { added: Readonly<Node>[]; deleted: Readonly<Node>[]; newZoneRepresentatives: Readonly<Node>[] } {
    const added: Readonly<Node>[] = [];
    const newZoneRepresentatives: Readonly<Node>[] = [];
    const seen = new Set<string>();
    for (const n of all) {
      const name = n.metadata!.name!;
      seen.add(name);
      if (!this.knownNodes.has(name)) added.push(n);
      else if (!this.zoneStates.has(getZoneKey(n))) newZoneRepresentatives.push(n);
    }
    const deleted = [...this.knownNodes.entries()].filter(([name]) => !seen.has(name)).map(([, n]) => n);
    return { added, deleted, newZoneRepresentatives };
  }

  private addPodEvictorForNewZone(node: Readonly<Node>): void {
    const zone = getZoneKey(node);
    if (this.zoneStates.has(zone)) return;
    this.zoneStates.set(zone, 'Initial');
    this.zoneTainter.set(zone, new RateLimitedTimedQueue(this.clock, this.o.nodeEvictionRate));
    this.logger.info('Initializing eviction metric for zone', { zone });
  }

  /**
   * handleDisruption adjusts each zone's tainting rate to its health: normal rate when healthy, a
   * slower (or no) rate when a zone is mostly down, and no tainting at all — with the NoExecute
   * taints removed — when every zone is fully down.
   */
  private async handleDisruption(zoneConditions: Map<string, (NodeCondition | undefined)[]>, nodes: readonly Readonly<Node>[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const { state } = computeZoneState(conds, this.o.unhealthyZoneThreshold);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      this.logger.info('Controller detected that all Nodes are not-Ready. Entering master disruption mode');
      for (const n of nodes) {
        await this.markNodeAsReachable(n).catch((e) => this.logger.error(e, 'Failed to remove taints from Node', { node: n.metadata?.name }));
      }
      for (const zone of this.zoneStates.keys()) {
        this.zoneTainter.get(zone)?.swapLimiter(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWasFullyDisrupted) {
      this.logger.info('Controller detected that some Nodes are Ready. Exiting master disruption mode');
      // Every node gets a fresh grace period: the outage was the cluster's, not theirs.
      const now = this.clock.now().getTime();
      for (const n of nodes) {
        const h = this.health.get(n.metadata!.name!);
        if (h) this.health.set(n.metadata!.name!, { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
      for (const zone of this.zoneStates.keys()) {
        this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, newStates.get(zone) ?? 'Normal');
        this.zoneStates.set(zone, newStates.get(zone) ?? 'Normal');
      }
      return;
    }
    for (const [zone, state] of [...this.zoneStates]) {
      const next = newStates.get(zone);
      if (!next || next === state) continue;
      this.logger.info('Controller detected that zone is now in new state', { zone, newState: next });
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, next);
      this.zoneStates.set(zone, next);
    }
  }

  private setLimiterInZone(zone: string, zoneSize: number, state: ZoneState): void {
    const q = this.zoneTainter.get(zone);
    if (!q) return;
    if (state === 'Normal') q.swapLimiter(this.o.nodeEvictionRate);
    else if (state === 'PartialDisruption') q.swapLimiter(zoneSize > this.o.largeClusterSizeThreshold ? this.o.secondaryNodeEvictionRate : 0);
    else if (state === 'FullDisruption') q.swapLimiter(this.o.nodeEvictionRate);
  }

  // ------------------------------------------------------------ events

  private recordNodeEvent(node: Readonly<Node>, reason: string, event: string): void {
    this.recorder.event(nodeRef(node), 'Normal', reason, `Node ${node.metadata?.name} event: ${event}`);
  }

  private recordNodeStatusChange(node: Readonly<Node>, newStatus: string): void {
    this.recorder.event(nodeRef(node), 'Normal', newStatus, `Node ${node.metadata?.name} status is now: ${newStatus}`);
  }
}

function nodeRef(node: Readonly<Node>): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name, uid: node.metadata?.uid } };
}

function sameCondition(a: NodeCondition, b: NodeCondition): boolean {
  return a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '') &&
    (a.lastHeartbeatTime ?? null) === (b.lastHeartbeatTime ?? null) && (a.lastTransitionTime ?? null) === (b.lastTransitionTime ?? null);
}

/** parallelize runs fn over items, at most n at a time (workqueue.ParallelizeUntil). */
async function parallelize<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
