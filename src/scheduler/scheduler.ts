/**
 * Scheduler is kube-scheduler: it takes pods from the scheduling queue one at a time and runs the
 * pod's profile (a Framework of plugins) over a snapshot of the cache — PreFilter, Filter on the
 * nodes (stopping once percentageOfNodesToScore of them fit), PreScore, Score, a random pick among
 * the best — then assumes the pod on the node and binds it in the background while the next pod is
 * scheduled. A pod that fits nowhere gets FailedScheduling ("0/3 nodes are available: ..."),
 * PostFilter (preemption) may nominate a node for it, and it waits in the queue until a cluster
 * event may help.
 */
import type { Client } from '../client/types.js';
import { Resources } from '../client/types.js';
import type { InformerFactory, Lister } from '../client/informer-types.js';
import { EventRecorder } from '../client/events.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';
import { defaultConfiguration, DEFAULT_SCHEDULER_NAME, defaultProfile } from './apis/defaults.js';
import type { KubeSchedulerConfiguration } from './apis/types.js';
import { Cache, DEFAULT_ASSUMED_POD_TTL_MS } from './cache/cache.js';
import { Snapshot } from './cache/snapshot.js';
import { addAllEventHandlers } from './event-handlers.js';
import type { Pod } from './framework/api.js';
import { CycleState } from './framework/cycle-state.js';
import type { EventSink, Registry } from './framework/interface.js';
import type { NodeInfo } from './framework/node-info.js';
import { PodInfo } from './framework/pod-info.js';
import { Framework } from './framework/runtime.js';
import { asStatus, isRejected, isSuccess, newStatus, Status, type MaybeStatus } from './framework/status.js';
import {
  addPluginStatus, ErrNoNodesAvailable, Events, FitError, newDiagnosis,
  type Diagnosis, type EventResource, type NodePluginScores, type NominatingInfo, type QueuedPodInfo,
} from './framework/types.js';
import { newInTreeRegistry } from './plugins/registry.js';
import { PriorityQueue, type QueueingHintEntry } from './queue/scheduling-queue.js';
import { Nominator } from './queue/nominator.js';
import { patchPodStatus, updatePodCondition } from './util.js';
import { podFailed, podScheduled, registerPendingPods } from './metrics.js';

/** SCHEDULING_SLICE_MS is how long the scheduling loop runs before it lets other work of the process in. */
const SCHEDULING_SLICE_MS = 10;
const logger = log.child({ component: 'default-scheduler' });

/** MIN_FEASIBLE_NODES_TO_FIND: at least this many nodes are evaluated (when there are that many). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: the adaptive percentage never goes below 5%. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** NOTE_LENGTH_LIMIT truncates event messages as the API's Event validation does. */
const NOTE_LENGTH_LIMIT = 1024;
/** MAX_BINDINGS_IN_FLIGHT bounds the binding requests running at once. */
const MAX_BINDINGS_IN_FLIGHT = 32;

const clearNominatedNode: NominatingInfo = { nominatedNodeName: '', mode: 'Override' };

/** SchedulerOptions are the scheduler's dependencies and configuration. */
export interface SchedulerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** the default profile's event recorder (other profiles get their own, named after them) */
  recorder: EventSink;
  /** KubeSchedulerConfiguration (defaulted); without it, Kubernetes' defaults */
  config?: KubeSchedulerConfiguration;
  /** a single default profile under another name (kept for callers that predate profiles) */
  schedulerName?: string;
  /** out-of-tree plugins, merged over the in-tree registry */
  registry?: Registry;
  /** how long an assumed pod may stay unconfirmed after binding (30 s) */
  assumedPodTTLMs?: number;
}

/**
 * numFeasibleNodesToFind is how many fitting nodes to look for: all of fewer than 100 nodes;
 * otherwise the percentage (adaptive 50% − nodes/125, at least 5%), at least 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage;
  if (p === 0) {
    p = 50 - Math.trunc(numAllNodes / 125);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** selectHost picks the highest total score, uniformly at random among ties (reservoir sampling). */
export function selectHost(scores: readonly NodePluginScores[], random: () => number = Math.random): string {
  if (!scores.length) throw new Error('empty priorityList');
  let best = scores[0];
  let count = 1;
  for (let i = 1; i < scores.length; i++) {
    const s = scores[i];
    if (s.totalScore > best.totalScore) {
      best = s;
      count = 1;
    } else if (s.totalScore === best.totalScore) {
      count++;
      if (Math.floor(random() * count) === 0) best = s;
    }
  }
  return best.name;
}

interface ScheduleResult { suggestedHost: string; evaluatedNodes: number; feasibleNodes: number }

/** Scheduler is the scheduler component. */
export class Scheduler {
  readonly cache: Cache;
  readonly queue: PriorityQueue;
  readonly profiles = new Map<string, Framework>();
  readonly snapshot = new Snapshot();
  private readonly config: KubeSchedulerConfiguration;
  private readonly podLister: Lister;
  private nextStartNodeIndex = 0;
  private readonly bindings = new Set<Promise<void>>();
  private bindSlots = MAX_BINDINGS_IN_FLIGHT;
  private readonly bindWaiters: (() => void)[] = [];
  /** random source for ties (tests make it deterministic) */
  random: () => number = Math.random;

  constructor(private readonly o: SchedulerOptions) {
    this.config = o.config ?? (o.schedulerName && o.schedulerName !== DEFAULT_SCHEDULER_NAME
      ? { ...defaultConfiguration(), profiles: [defaultProfile({ schedulerName: o.schedulerName })] }
      : defaultConfiguration());
    this.cache = new Cache(o.clock, o.assumedPodTTLMs ?? DEFAULT_ASSUMED_POD_TTL_MS);
    this.podLister = o.informers.informerFor(Resources.pods).lister;
    const registry = new Map(newInTreeRegistry());
    for (const [k, v] of o.registry ?? []) registry.set(k, v);
    const nominator = new Nominator(this.podLister);
    for (const profile of this.config.profiles) {
      const recorder = profile.schedulerName === DEFAULT_SCHEDULER_NAME || this.config.profiles.length === 1
        ? o.recorder
        : new EventRecorder(o.client, { component: profile.schedulerName }, o.clock);
      this.profiles.set(profile.schedulerName, new Framework({
        profile, registry, client: o.client, informers: o.informers, clock: o.clock, eventRecorder: recorder,
        snapshot: () => this.snapshot, nominator,
      }));
    }
    const first = this.profiles.values().next().value as Framework;
    const hints = new Map<string, QueueingHintEntry[]>();
    const registered = new Set<EventResource>();
    for (const [name, fwk] of this.profiles) {
      const entries: QueueingHintEntry[] = [];
      for (const ext of fwk.enqueueExtensions) {
        for (const e of ext.events) {
          entries.push({ event: e.event, plugin: ext.plugin, hint: e.hint });
          registered.add(e.event.resource);
        }
      }
      hints.set(name, entries);
    }
    this.queue = new PriorityQueue({
      clock: o.clock,
      less: (a, b) => first.queueSortLess(a, b),
      preEnqueue: (pi) => this.frameworkForPod(pi.pod)?.runPreEnqueuePlugins(pi),
      queueingHints: hints,
      podInitialBackoffMs: this.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: this.config.podMaxBackoffSeconds * 1000,
      nominator,
    });
    for (const fwk of this.profiles.values()) fwk.setPodNominator(nominator, (pods) => this.queue.activate(pods));
    addAllEventHandlers({
      cache: this.cache,
      queue: this.queue,
      responsibleForPod: (p) => this.profiles.has(p.spec?.schedulerName || DEFAULT_SCHEDULER_NAME),
      rejectWaitingPod: (p) => {
        for (const fwk of this.profiles.values()) fwk.getWaitingPod(p.metadata?.uid ?? '')?.reject('', 'removed');
      },
    }, o.informers, registered);
  }

  private frameworkForPod(pod: Readonly<Pod>): Framework | undefined {
    return this.profiles.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  /** run schedules pods until the signal aborts, then waits for bindings in flight. */
  async run(signal: AbortSignal): Promise<void> {
    await this.o.informers.waitForCacheSync(signal).catch(() => undefined);
    if (signal.aborted) return;
    this.queue.run(signal);
    signal.addEventListener('abort', registerPendingPods(() => this.queue.pendingPodsCounts()), { once: true });
    const cleanup = () => {
      if (signal.aborted) return;
      for (const p of this.cache.cleanupAssumedPods()) logger.info('Pod expired', { pod: `${p.metadata?.namespace}/${p.metadata?.name}`, node: p.spec?.nodeName });
      cancelCleanup = this.o.clock.setTimeout(cleanup, 1_000);
    };
    let cancelCleanup = this.o.clock.setTimeout(cleanup, 1_000);
    signal.addEventListener('abort', () => cancelCleanup(), { once: true });
    let sinceYield = performance.now();
    while (!signal.aborted) {
      const pInfo = await this.queue.pop(signal);
      if (!pInfo) break;
      try {
        await this.scheduleOne(pInfo);
      } catch (e) {
        // Nothing a pod does may stop the scheduler.
        logger.error(e, 'Error scheduling pod', { pod: `${pInfo.podInfo.namespace}/${pInfo.podInfo.name}` });
        this.queue.done(pInfo.podInfo.uid);
      }
      // Let informer events and binding responses in once a turn has run SCHEDULING_SLICE_MS: a
      // yield after every pod capped a busy process at one pod per event-loop turn (10–16 pods/s
      // under a burst of pod starts, about twice that with the slice).
      if (performance.now() - sinceYield >= SCHEDULING_SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sinceYield = performance.now();
      }
    }
    await Promise.allSettled([...this.bindings]);
  }

  /** scheduleOne runs one pod's scheduling cycle and starts its binding cycle. */
  async scheduleOne(pInfo: QueuedPodInfo): Promise<void> {
    const pod = pInfo.podInfo.pod;
    const fwk = this.frameworkForPod(pod);
    if (!fwk) {
      logger.error(new Error(`profile not found for scheduler name "${pod.spec?.schedulerName}"`), 'Error occurred');
      this.queue.done(pInfo.podInfo.uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      fwk.eventRecorder.event(pod, 'Warning', 'FailedScheduling', `skip schedule deleting pod: ${pInfo.podInfo.namespace}/${pInfo.podInfo.name}`);
      this.queue.done(pInfo.podInfo.uid);
      return;
    }
    if (this.cache.isAssumedPod(pod)) {
      this.queue.done(pInfo.podInfo.uid);
      return;
    }
    const start = this.o.clock.now().getTime();
    const state = new CycleState();
    const { result, assumed, status, nominatingInfo } = await this.schedulingCycle(state, fwk, pInfo);
    if (!isSuccess(status)) {
      await this.handleSchedulingFailure(fwk, assumed ?? pInfo, status!, nominatingInfo, start);
      return;
    }
    this.queue.done(pInfo.podInfo.uid);
    const p = this.bindingCycle(state, fwk, result!, assumed!, start).catch((e) => logger.error(e, 'Error binding pod'));
    this.bindings.add(p);
    void p.finally(() => this.bindings.delete(p));
  }

  private async schedulingCycle(state: CycleState, fwk: Framework, pInfo: QueuedPodInfo): Promise<{ result?: ScheduleResult; assumed?: QueuedPodInfo; status: MaybeStatus; nominatingInfo?: NominatingInfo }> {
    const podInfo = pInfo.podInfo;
    let result: ScheduleResult;
    try {
      result = this.schedulePod(fwk, state, podInfo);
    } catch (err) {
      if (err instanceof ErrNoNodesAvailable) return { status: new Status('UnschedulableAndUnresolvable', [err.message], err), nominatingInfo: clearNominatedNode };
      if (!(err instanceof FitError)) {
        logger.error(err, 'Error selecting node for pod', { pod: `${podInfo.namespace}/${podInfo.name}` });
        return { status: asStatus(err), nominatingInfo: clearNominatedNode };
      }
      if (!fwk.hasPostFilterPlugins()) return { status: new Status('Unschedulable', [], err), nominatingInfo: clearNominatedNode };
      // Preemption: the pod may fit in a later cycle once victims are gone.
      const { result: pf, status: ps } = await fwk.runPostFilterPlugins(state, podInfo, err.diagnosis.nodeToStatus);
      err.diagnosis.postFilterMsg = ps.message();
      if (ps.code === 'Error') logger.error(ps.asError(), 'Status after running PostFilter plugins for pod', { pod: `${podInfo.namespace}/${podInfo.name}` });
      return { status: new Status('Unschedulable', [], err), nominatingInfo: pf?.nominatingInfo };
    }
    // Assume: the cache counts the pod on the node now, so binding can happen in the background.
    const assumedPod: Pod = { ...podInfo.pod, spec: { ...podInfo.pod.spec, nodeName: result.suggestedHost } };
    const assumed: QueuedPodInfo = { ...pInfo, podInfo: new PodInfo(assumedPod) };
    try {
      this.cache.assumePod(assumed.podInfo);
    } catch (e) {
      return { assumed, status: asStatus(e), nominatingInfo: clearNominatedNode };
    }
    this.queue.deleteNominatedPodIfExists(assumedPod);
    const rs = fwk.runReservePluginsReserve(state, assumed.podInfo, result.suggestedHost);
    if (!isSuccess(rs)) {
      fwk.runReservePluginsUnreserve(state, assumed.podInfo, result.suggestedHost);
      this.forget(assumedPod);
      return { assumed, status: this.oneNodeFailure(podInfo.pod, result.suggestedHost, rs!), nominatingInfo: clearNominatedNode };
    }
    const ps = fwk.runPermitPlugins(state, assumed.podInfo, result.suggestedHost);
    if (!isSuccess(ps) && ps!.code !== 'Wait') {
      fwk.runReservePluginsUnreserve(state, assumed.podInfo, result.suggestedHost);
      this.forget(assumedPod);
      return { assumed, status: this.oneNodeFailure(podInfo.pod, result.suggestedHost, ps!), nominatingInfo: clearNominatedNode };
    }
    return { result, assumed, status: undefined };
  }

  /** oneNodeFailure turns a Reserve/Permit rejection into a FitError over the chosen node. */
  private oneNodeFailure(pod: Readonly<Pod>, node: string, s: Status): Status {
    if (!isRejected(s)) return s;
    const d = newDiagnosis();
    d.nodeToStatus.set(node, s);
    addPluginStatus(d, s);
    return new Status(s.code, [], new FitError(pod, 1, d));
  }

  private forget(pod: Readonly<Pod>): void {
    try { this.cache.forgetPod(pod); } catch (e) { logger.error(e, 'Scheduler cache ForgetPod failed'); }
  }

  /** schedulePod finds the node: throws ErrNoNodesAvailable or a FitError when there is none. */
  schedulePod(fwk: Framework, state: CycleState, pod: PodInfo): ScheduleResult {
    this.cache.updateSnapshot(this.snapshot);
    if (this.snapshot.numNodes() === 0) throw new ErrNoNodesAvailable();
    const { feasible, diagnosis } = this.findNodesThatFitPod(fwk, state, pod);
    if (!feasible.length) throw new FitError(pod.pod, this.snapshot.numNodes(), diagnosis);
    if (feasible.length === 1) return { suggestedHost: feasible[0].name, evaluatedNodes: 1 + diagnosis.nodeToStatus.len, feasibleNodes: 1 };
    const scores = this.prioritizeNodes(fwk, state, pod, feasible);
    return { suggestedHost: selectHost(scores, this.random), evaluatedNodes: feasible.length + diagnosis.nodeToStatus.len, feasibleNodes: feasible.length };
  }

  private findNodesThatFitPod(fwk: Framework, state: CycleState, pod: PodInfo): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const diagnosis = newDiagnosis();
    const allNodes = this.snapshot.list();
    const pre = fwk.runPreFilterPlugins(state, pod, allNodes);
    if (!isSuccess(pre.status)) {
      const s = pre.status!;
      if (!isRejected(s)) throw s.asError();
      // Every node gets the same status, so preemption sees them all rejected alike.
      diagnosis.nodeToStatus.setAbsentNodesStatus(s);
      diagnosis.preFilterMsg = s.message();
      addPluginStatus(diagnosis, s);
      return { feasible: [], diagnosis };
    }
    // A node nominated by an earlier preemption is the likeliest fit: try it first.
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated) {
      const ni = this.snapshot.get(nominated);
      if (ni) {
        const feasible = this.findNodesThatPassFilters(fwk, state, pod, diagnosis, [ni], false);
        if (feasible.length) return { feasible, diagnosis };
      }
    }
    let nodes: readonly NodeInfo[] = allNodes;
    if (pre.result && !pre.result.allNodes()) {
      nodes = [...pre.result.nodeNames!].map((n) => this.snapshot.get(n)).filter((n): n is NodeInfo => !!n);
      diagnosis.nodeToStatus.setAbsentNodesStatus(newStatus('UnschedulableAndUnresolvable', `node(s) didn't satisfy plugin(s) [${[...pre.pluginsWithNodes].sort().join(' ')}]`));
    }
    const feasible = this.findNodesThatPassFilters(fwk, state, pod, diagnosis, nodes, true);
    return { feasible, diagnosis };
  }

  /**
   * findNodesThatPassFilters filters nodes starting where the previous cycle stopped (so every
   * node gets its turn), until numFeasibleNodesToFind fit.
   */
  private findNodesThatPassFilters(fwk: Framework, state: CycleState, pod: PodInfo, diagnosis: Diagnosis, nodes: readonly NodeInfo[], rotate: boolean): NodeInfo[] {
    const numAll = nodes.length;
    if (!numAll) return [];
    let toFind = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.config.percentageOfNodesToScore, numAll);
    if (!fwk.hasScorePlugins()) toFind = 1;
    const feasible: NodeInfo[] = [];
    const start = rotate ? this.nextStartNodeIndex : 0;
    let processed = 0;
    if (!fwk.hasFilterPlugins()) {
      for (let i = 0; i < toFind; i++) feasible.push(nodes[(start + i) % numAll]);
      processed = toFind;
    } else {
      const nominated = fwk.hasNominatedPods();
      for (let i = 0; i < numAll && feasible.length < toFind; i++) {
        const ni = nodes[(start + i) % numAll];
        const s = nominated ? fwk.runFilterPluginsWithNominatedPods(state, pod, ni) : fwk.runFilterPlugins(state, pod, ni);
        processed++;
        if (isSuccess(s)) { feasible.push(ni); continue; }
        if (s!.code === 'Error') throw s!.asError();
        diagnosis.nodeToStatus.set(ni.name, s!);
        addPluginStatus(diagnosis, s);
      }
    }
    if (rotate) {
      const all = this.snapshot.numNodes() || 1;
      this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % all;
    }
    return feasible;
  }

  private prioritizeNodes(fwk: Framework, state: CycleState, pod: PodInfo, nodes: NodeInfo[]): NodePluginScores[] {
    if (!fwk.hasScorePlugins()) return nodes.map((n) => ({ name: n.name, totalScore: 1 }));
    const pre = fwk.runPreScorePlugins(state, pod, nodes);
    if (!isSuccess(pre)) throw pre!.asError();
    const { scores, status } = fwk.runScorePlugins(state, pod, nodes);
    if (!isSuccess(status)) throw status!.asError();
    return scores;
  }

  private async acquireBindSlot(): Promise<void> {
    if (this.bindSlots > 0) { this.bindSlots--; return; }
    await new Promise<void>((r) => this.bindWaiters.push(r));
  }

  private releaseBindSlot(): void {
    const next = this.bindWaiters.shift();
    if (next) next();
    else this.bindSlots++;
  }

  /** bindingCycle waits on Permit, runs PreBind and Bind, then records Scheduled. */
  private async bindingCycle(state: CycleState, fwk: Framework, result: ScheduleResult, assumed: QueuedPodInfo, start: number): Promise<void> {
    const pod = assumed.podInfo;
    const host = result.suggestedHost;
    let status = await fwk.waitOnPermit(pod);
    if (!isSuccess(status) && isRejected(status)) status = this.oneNodeFailure(pod.pod, host, status!);
    if (isSuccess(status)) status = await fwk.runPreBindPlugins(state, pod, host);
    if (isSuccess(status)) {
      await this.acquireBindSlot();
      try {
        status = await fwk.runBindPlugins(state, pod, host);
      } finally {
        this.releaseBindSlot();
      }
      this.cache.finishBinding(pod.pod);
    }
    if (!isSuccess(status)) {
      logger.v(1).info('Failed to bind pod', { pod: `${pod.namespace}/${pod.name}` });
      fwk.runReservePluginsUnreserve(state, pod, host);
      this.forget(pod.pod);
      // Forgetting the pod frees its room: as good as a pod deleted on that node.
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, pod.pod, undefined, (p) => p.metadata?.uid !== pod.pod.metadata?.uid);
      await this.handleSchedulingFailure(fwk, assumed, status!, clearNominatedNode, start);
      return;
    }
    logger.v(2).info('Successfully bound pod to node', { pod: `${pod.namespace}/${pod.name}`, node: host, evaluatedNodes: result.evaluatedNodes, feasibleNodes: result.feasibleNodes });
    fwk.eventRecorder.event(pod.pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.namespace}/${pod.name} to ${host}`);
    podScheduled(fwk.profileName, (this.o.clock.now().getTime() - start) / 1000, assumed.attempts);
    fwk.runPostBindPlugins(state, pod, host);
  }

  /**
   * handleSchedulingFailure records FailedScheduling, puts the pod back in the queue (unless it
   * is gone or bound meanwhile), applies the nomination, and sets PodScheduled=False.
   */
  private async handleSchedulingFailure(fwk: Framework, pInfo: QueuedPodInfo, status: Status, nominatingInfo: NominatingInfo | undefined, start: number): Promise<void> {
    const podInfo = pInfo.podInfo;
    podFailed(fwk.profileName, status, (this.o.clock.now().getTime() - start) / 1000);
    const reason = isRejected(status) ? 'Unschedulable' : 'SchedulerError';
    const err = status.error;
    const errMsg = err?.message || status.message();
    const key = `${podInfo.namespace}/${podInfo.name}`;
    if (err instanceof ErrNoNodesAvailable) logger.v(2).info('Unable to schedule pod; no nodes are registered to the cluster; waiting', { pod: key });
    else if (err instanceof FitError) {
      pInfo.unschedulablePlugins = err.diagnosis.unschedulablePlugins;
      pInfo.pendingPlugins = err.diagnosis.pendingPlugins;
      logger.v(2).info('Unable to schedule pod; no fit; waiting', { pod: key, err: errMsg });
    } else {
      pInfo.unschedulablePlugins = new Set();
      pInfo.pendingPlugins = new Set();
      logger.error(err ?? new Error(errMsg), 'Error scheduling pod; retrying', { pod: key });
    }
    const cached = this.podLister.get(podInfo.namespace, podInfo.name) as Readonly<Pod> | undefined;
    let current: Readonly<Pod> = podInfo.pod;
    if (!cached || cached.metadata?.uid !== podInfo.pod.metadata?.uid) {
      logger.info("Pod doesn't exist in informer cache", { pod: key });
      this.queue.done(podInfo.uid);
    } else if (cached.spec?.nodeName) {
      logger.info('Pod has been assigned to node. Abort adding it back to queue.', { pod: key, node: cached.spec.nodeName });
      this.queue.done(podInfo.uid);
    } else {
      current = cached;
      pInfo.podInfo = new PodInfo(cached);
      this.queue.addUnschedulableIfNotPresent(pInfo);
    }
    this.queue.addNominatedPod(pInfo.podInfo, nominatingInfo);
    if (!cached || cached.spec?.nodeName) return;
    const msg = errMsg.length <= NOTE_LENGTH_LIMIT ? errMsg : `${errMsg.slice(0, NOTE_LENGTH_LIMIT - 4)} ...`;
    fwk.eventRecorder.event(current, 'Warning', 'FailedScheduling', msg);
    const { changed, condition } = updatePodCondition(current, { type: 'PodScheduled', status: 'False', reason, message: errMsg }, this.o.clock.now());
    const nnnChanged = nominatingInfo?.mode === 'Override' && (current.status?.nominatedNodeName ?? '') !== nominatingInfo.nominatedNodeName;
    if (!changed && !nnnChanged) return;
    await patchPodStatus(this.o.client, current, {
      ...(changed ? { conditions: [condition] } : {}),
      ...(nnnChanged ? { nominatedNodeName: nominatingInfo!.nominatedNodeName } : {}),
    }).catch((e) => logger.error(e, 'Error updating pod', { pod: key }));
  }
}
