/**
 * PriorityQueue is the scheduling queue (internal/queue/scheduling_queue.go):
 *
 * - activeQ: pods ready to be tried, ordered by the profile's QueueSort (priority, then time);
 * - backoffQ: pods that failed and wait out their back-off (1 s, doubling per attempt, at most 10 s)
 *   before going back to activeQ;
 * - unschedulablePods: pods no node fits; a cluster event moves one back only if a plugin that
 *   rejected it registered that event and its queueing hint says the event may help (a pod
 *   deleted on the node, a node added, a taint removed…); every pod is retried after 5 minutes
 *   in any case; pods a PreEnqueue plugin rejects (scheduling gates) wait here too.
 *
 * Events that happen while a pod is being scheduled are remembered, so a pod that turns out
 * unschedulable is requeued at once if one of them may have helped. Time comes from the Clock.
 */
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import type { Pod } from '../framework/api.js';
import { podKey } from '../framework/node-info.js';
import { PodInfo } from '../framework/pod-info.js';
import type { MaybeStatus } from '../framework/status.js';
import {
  ActionType, clusterEventMatches, Events, newQueuedPodInfo,
  type ClusterEvent, type NominatingInfo, type QueuedPodInfo, type QueueingHintFn,
} from '../framework/types.js';
import { Heap } from './heap.js';
import { Nominator } from './nominator.js';
import type { PendingPodsCounts } from '../metrics.js';

const logger = log.child({ component: 'default-scheduler' });

/** DEFAULT_POD_INITIAL_BACKOFF_MS is the first back-off (1 s). */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
/** DEFAULT_POD_MAX_BACKOFF_MS caps the back-off (10 s). */
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS: unschedulable pods are retried after 5 min regardless. */
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS = 5 * 60_000;

/** QueueingHintEntry is one plugin's hint for one event. */
export interface QueueingHintEntry { event: ClusterEvent; plugin: string; hint?: QueueingHintFn }

/** SchedulingQueueOptions configure the queue. */
export interface SchedulingQueueOptions {
  clock: Clock;
  /** the QueueSort less function (every profile uses the same one) */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** runs the pod's profile's PreEnqueue plugins */
  preEnqueue?: (pod: PodInfo) => MaybeStatus;
  /** per profile (scheduler name), the events each plugin registered */
  queueingHints?: Map<string, QueueingHintEntry[]>;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  podMaxInUnschedulablePodsDurationMs?: number;
  nominator?: Nominator;
}

type Strategy = 'queueSkip' | 'queueAfterBackoff' | 'queueImmediately';
type QueueName = 'activeQ' | 'backoffQ' | 'unschedulablePods';

interface InFlightEvent { seq: number; event: ClusterEvent; oldObj: unknown; newObj: unknown }

const uidOf = (p: QueuedPodInfo) => p.podInfo.uid;

/** podSchedulingPropertiesChange lists what an update of an unscheduled pod changed that plugins care about. */
export function podSchedulingPropertiesChange(newPod: Readonly<Pod>, oldPod: Readonly<Pod>): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const r = 'UnscheduledPod' as const;
  if (JSON.stringify(newPod.metadata?.labels ?? {}) !== JSON.stringify(oldPod.metadata?.labels ?? {})) events.push({ resource: r, actionType: ActionType.UpdatePodLabel, label: 'UnscheduledPodUpdate' });
  const oldReq = new PodInfo(oldPod).requests;
  const newReq = new PodInfo(newPod).requests;
  if (newReq.milliCPU < oldReq.milliCPU || newReq.memory < oldReq.memory || newReq.ephemeralStorage < oldReq.ephemeralStorage) events.push({ resource: r, actionType: ActionType.UpdatePodScaleDown, label: 'UnscheduledPodUpdate' });
  if ((oldPod.spec?.schedulingGates?.length ?? 0) > 0 && !(newPod.spec?.schedulingGates?.length)) events.push({ resource: r, actionType: ActionType.UpdatePodSchedulingGatesEliminated, label: 'UnscheduledPodUpdate' });
  if (JSON.stringify(newPod.spec?.tolerations ?? []) !== JSON.stringify(oldPod.spec?.tolerations ?? [])) events.push({ resource: r, actionType: ActionType.UpdatePodTolerations, label: 'UnscheduledPodUpdate' });
  if (!events.length) events.push({ resource: r, actionType: ActionType.UpdatePodOther, label: 'UnscheduledPodUpdate' });
  return events;
}

/** isPodUpdated ignores what changes without changing the pod's scheduling (status, resourceVersion, generation, managedFields). */
function isPodUpdated(oldPod: Readonly<Pod>, newPod: Readonly<Pod>): boolean {
  const strip = (p: Readonly<Pod>) => JSON.stringify({ ...p, status: undefined, metadata: { ...p.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined } });
  return strip(oldPod) !== strip(newPod);
}

/** PriorityQueue is the scheduling queue. */
export class PriorityQueue {
  private readonly clock: Clock;
  private readonly activeQ: Heap<QueuedPodInfo>;
  private readonly backoffQ: Heap<QueuedPodInfo>;
  private readonly unschedulablePods = new Map<string, QueuedPodInfo>();
  private readonly inFlightPods = new Map<string, number>();
  private inFlightEvents: InFlightEvent[] = [];
  private eventSeq = 0;
  private waiter: (() => void) | undefined;
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly preEnqueue: (pod: PodInfo) => MaybeStatus;
  private readonly hints: Map<string, QueueingHintEntry[]>;
  /** schedulingCycle counts pops */
  schedulingCycle = 0;
  readonly nominator: Nominator;

  constructor(o: SchedulingQueueOptions) {
    this.clock = o.clock;
    this.initialBackoffMs = o.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = o.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs = o.podMaxInUnschedulablePodsDurationMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS;
    this.preEnqueue = o.preEnqueue ?? (() => undefined);
    this.hints = o.queueingHints ?? new Map();
    this.nominator = o.nominator ?? new Nominator();
    this.activeQ = new Heap(uidOf, o.less);
    this.backoffQ = new Heap(uidOf, (a, b) => this.backoffTime(a) < this.backoffTime(b));
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** backoffDuration is initial × 2^(attempts−1), capped (no back-off before the first attempt). */
  backoffDuration(p: QueuedPodInfo): number {
    if (p.attempts === 0) return 0;
    let d = this.initialBackoffMs;
    for (let i = 1; i < p.attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return d;
  }

  private backoffTime(p: QueuedPodInfo): number {
    return p.timestamp + this.backoffDuration(p);
  }

  private isPodBackingoff(p: QueuedPodInfo): boolean {
    if (p.gated) return false;
    return this.backoffTime(p) > this.now();
  }

  private notify(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** moveToActiveQ runs PreEnqueue; a gated pod goes to unschedulablePods instead. */
  private moveToActiveQ(p: QueuedPodInfo): boolean {
    const s = this.preEnqueue(p.podInfo);
    if (s && s.code !== 'Success') {
      p.gated = true;
      p.unschedulablePlugins = new Set([s.plugin]);
      p.pendingPlugins = new Set();
      this.unschedulablePods.set(p.podInfo.uid, p);
      return false;
    }
    p.gated = false;
    this.unschedulablePods.delete(p.podInfo.uid);
    this.backoffQ.delete(p.podInfo.uid);
    this.activeQ.addOrUpdate(p);
    this.notify();
    return true;
  }

  /** add queues a new unscheduled pod. */
  add(pod: Readonly<Pod>): void {
    const p = newQueuedPodInfo(new PodInfo(pod), this.now());
    this.moveToActiveQ(p);
    this.nominator.addNominatedPod(p.podInfo);
  }

  /** pendingPodsCounts counts the pods of each sub-queue for scheduler_pending_pods (gated pods apart). */
  pendingPodsCounts(): PendingPodsCounts {
    let gated = 0;
    for (const p of this.unschedulablePods.values()) if (p.gated) gated++;
    return { active: this.activeQ.len, backoff: this.backoffQ.len, unschedulable: this.unschedulablePods.size - gated, gated };
  }

  /** activate moves pods waiting in backoffQ or unschedulablePods to activeQ (ForceActivate). */
  activate(pods: readonly Readonly<Pod>[]): void {
    for (const pod of pods) {
      const uid = podKey(pod);
      if (this.inFlightPods.has(uid)) { this.recordEvent(Events.ForceActivate, undefined, pod); continue; }
      const p = this.unschedulablePods.get(uid) ?? this.backoffQ.get(uid);
      if (p) this.moveToActiveQ(p);
    }
  }

  /**
   * pop waits for a pod in activeQ and takes it (undefined once the queue is closed or the signal
   * aborts). The pod stays in flight until done().
   */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    while (!this.activeQ.len) {
      if (this.closed || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        this.waiter = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    if (this.closed) return undefined;
    const p = this.activeQ.pop()!;
    this.schedulingCycle++;
    p.attempts++;
    p.initialAttemptTimestamp ??= this.now();
    this.inFlightPods.set(p.podInfo.uid, this.eventSeq);
    return p;
  }

  /** done ends a pod's in-flight period (events recorded for it can be forgotten). */
  done(uid: string): void {
    if (!this.inFlightPods.delete(uid)) return;
    if (!this.inFlightPods.size) { this.inFlightEvents = []; return; }
    const min = Math.min(...this.inFlightPods.values());
    if (this.inFlightEvents.length && this.inFlightEvents[0].seq <= min) this.inFlightEvents = this.inFlightEvents.filter((e) => e.seq > min);
  }

  private recordEvent(event: ClusterEvent, oldObj: unknown, newObj: unknown): void {
    if (!this.inFlightPods.size) return;
    this.inFlightEvents.push({ seq: ++this.eventSeq, event, oldObj, newObj });
  }

  /**
   * isPodWorthRequeuing asks the hints of the plugins that rejected the pod whether the event may
   * help: a Pending plugin's Queue means now, another plugin's Queue means after back-off.
   */
  private isPodWorthRequeuing(p: QueuedPodInfo, event: ClusterEvent, oldObj: unknown, newObj: unknown): Strategy {
    const rejectors = new Set([...p.unschedulablePlugins, ...p.pendingPlugins]);
    if (!rejectors.size) return 'queueAfterBackoff';
    if (event.resource === '*') {
      // A wildcard event for another pod (ForceActivate of a specific pod) does not concern this one.
      const target = newObj as Pod | undefined;
      if (target?.metadata && podKey(target) !== p.podInfo.uid) return 'queueSkip';
      return 'queueAfterBackoff';
    }
    const entries = this.hints.get(p.podInfo.pod.spec?.schedulerName || 'default-scheduler');
    if (!entries) return 'queueAfterBackoff';
    let strategy: Strategy = 'queueSkip';
    for (const e of entries) {
      if (!rejectors.has(e.plugin) || !clusterEventMatches(e.event, event)) continue;
      let hint: 'Queue' | 'QueueSkip' = 'Queue';
      if (e.hint) {
        try { hint = e.hint(p.podInfo.pod, oldObj, newObj); } catch (err) {
          // A failing hint must not strand the pod: treat it as Queue.
          logger.error(err, 'QueueingHintFn returns error', { plugin: e.plugin, pod: `${p.podInfo.namespace}/${p.podInfo.name}` });
          hint = 'Queue';
        }
      }
      if (hint === 'QueueSkip') continue;
      if (p.pendingPlugins.has(e.plugin)) return 'queueImmediately';
      if (!p.pendingPlugins.size) return 'queueAfterBackoff';
      strategy = 'queueAfterBackoff';
    }
    return strategy;
  }

  private requeue(p: QueuedPodInfo, strategy: Strategy): QueueName {
    if (strategy === 'queueSkip') {
      this.unschedulablePods.set(p.podInfo.uid, p);
      return 'unschedulablePods';
    }
    if (strategy === 'queueAfterBackoff' && this.isPodBackingoff(p)) {
      this.unschedulablePods.delete(p.podInfo.uid);
      this.backoffQ.addOrUpdate(p);
      return 'backoffQ';
    }
    return this.moveToActiveQ(p) ? 'activeQ' : 'unschedulablePods';
  }

  /**
   * addUnschedulableIfNotPresent puts back a pod whose attempt failed: to unschedulablePods, or
   * to backoffQ/activeQ when an event during its attempt may have helped (or it failed with an
   * error rather than a rejection).
   */
  addUnschedulableIfNotPresent(p: QueuedPodInfo): void {
    const uid = p.podInfo.uid;
    try {
      if (this.unschedulablePods.has(uid) || this.activeQ.has(uid) || this.backoffQ.has(uid)) return;
      p.timestamp = this.now();
      let strategy: Strategy = 'queueSkip';
      if (!p.unschedulablePlugins.size && !p.pendingPlugins.size) strategy = 'queueAfterBackoff';
      else {
        const since = this.inFlightPods.get(uid) ?? this.eventSeq;
        for (const e of this.inFlightEvents) {
          if (e.seq <= since) continue;
          const s = this.isPodWorthRequeuing(p, e.event, e.oldObj, e.newObj);
          if (s === 'queueImmediately') { strategy = s; break; }
          if (s === 'queueAfterBackoff') strategy = s;
        }
      }
      this.requeue(p, strategy);
    } finally {
      this.done(uid);
    }
  }

  /** update reflects an update of an unscheduled pod. */
  update(oldPod: Readonly<Pod> | undefined, newPod: Readonly<Pod>): void {
    const uid = podKey(newPod);
    if (oldPod && this.inFlightPods.has(uid)) {
      for (const ev of podSchedulingPropertiesChange(newPod, oldPod)) this.recordEvent(ev, oldPod, newPod);
      return;
    }
    const inActive = this.activeQ.get(uid);
    if (inActive) {
      inActive.podInfo = new PodInfo(newPod);
      this.activeQ.addOrUpdate(inActive);
      this.nominator.updateNominatedPod(oldPod, inActive.podInfo);
      return;
    }
    const inBackoff = this.backoffQ.get(uid);
    if (inBackoff) {
      inBackoff.podInfo = new PodInfo(newPod);
      this.backoffQ.addOrUpdate(inBackoff);
      this.nominator.updateNominatedPod(oldPod, inBackoff.podInfo);
      return;
    }
    const u = this.unschedulablePods.get(uid);
    if (u) {
      u.podInfo = new PodInfo(newPod);
      this.nominator.updateNominatedPod(oldPod, u.podInfo);
      if (!oldPod || !isPodUpdated(oldPod, newPod)) return;
      for (const ev of podSchedulingPropertiesChange(newPod, oldPod)) {
        const q = this.requeue(u, this.isPodWorthRequeuing(u, ev, oldPod, newPod));
        if (q !== 'unschedulablePods') return;
      }
      return;
    }
    const p = newQueuedPodInfo(new PodInfo(newPod), this.now());
    this.moveToActiveQ(p);
    this.nominator.addNominatedPod(p.podInfo);
  }

  /** delete forgets a pod. */
  delete(pod: Readonly<Pod>): void {
    const uid = podKey(pod);
    this.activeQ.delete(uid);
    this.backoffQ.delete(uid);
    this.unschedulablePods.delete(uid);
    this.nominator.deleteNominatedPodIfExists(pod);
  }

  /**
   * moveAllToActiveOrBackoffQueue offers an event to every unschedulable pod (filtered by
   * preCheck); the hints decide which move.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj: unknown, newObj: unknown, preCheck?: (pod: Readonly<Pod>) => boolean): void {
    if (this.unschedulablePods.size) {
      for (const p of [...this.unschedulablePods.values()]) {
        if (preCheck && !preCheck(p.podInfo.pod)) continue;
        if (p.gated && p.unschedulablePlugins.has('SchedulingGates') && event.actionType !== ActionType.UpdatePodSchedulingGatesEliminated) continue;
        const s = this.isPodWorthRequeuing(p, event, oldObj, newObj);
        if (s === 'queueSkip') continue;
        this.requeue(p, s);
      }
    }
    this.recordEvent(event, oldObj, newObj);
  }

  /** assignedPodAdded: a pod bound somewhere may satisfy others' affinity or spreading. */
  assignedPodAdded(pod: Readonly<Pod>): void {
    this.moveAllToActiveOrBackoffQueue(Events.AssignedPodAdd, undefined, pod);
  }

  /** assignedPodUpdated: a bound pod's labels (or requests) changed. */
  assignedPodUpdated(oldPod: Readonly<Pod>, newPod: Readonly<Pod>): void {
    const labelsChanged = JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(newPod.metadata?.labels ?? {});
    const ev: ClusterEvent = { resource: 'AssignedPod', actionType: labelsChanged ? ActionType.UpdatePodLabel : ActionType.UpdatePodOther, label: 'AssignedPodUpdate' };
    this.moveAllToActiveOrBackoffQueue(ev, oldPod, newPod);
  }

  /** flushBackoffQCompleted moves pods whose back-off is over to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.now();
    for (;;) {
      const p = this.backoffQ.peek();
      if (!p || this.backoffTime(p) > now) break;
      this.backoffQ.pop();
      this.moveToActiveQ(p);
    }
  }

  /** flushUnschedulablePodsLeftover retries pods unschedulable for longer than 5 minutes. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    for (const p of [...this.unschedulablePods.values()]) {
      if (now - p.timestamp <= this.maxInUnschedulableMs) continue;
      if (p.gated) continue;
      this.requeue(p, 'queueAfterBackoff');
    }
  }

  /** run flushes backoffQ every second and unschedulablePods every 30 s until the signal aborts. */
  run(signal: AbortSignal): void {
    const loop = (ms: number, fn: () => void) => {
      let cancel = () => {};
      const tick = () => {
        if (signal.aborted) return;
        try { fn(); } catch (e) { logger.error(e, 'Error flushing the scheduling queue'); }
        cancel = this.clock.setTimeout(tick, ms);
      };
      cancel = this.clock.setTimeout(tick, ms);
      signal.addEventListener('abort', () => cancel(), { once: true });
    };
    loop(1_000, () => this.flushBackoffQCompleted());
    loop(30_000, () => this.flushUnschedulablePodsLeftover());
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  /** close wakes a waiting pop with undefined. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** addNominatedPod records a nomination (the failure handler, after preemption). */
  addNominatedPod(pi: PodInfo, info?: NominatingInfo): void {
    this.nominator.addNominatedPod(pi, info);
  }

  /** deleteNominatedPodIfExists drops a nomination (the pod was assumed). */
  deleteNominatedPodIfExists(pod: Readonly<Pod>): void {
    this.nominator.deleteNominatedPodIfExists(pod);
  }

  /** pendingPods lists the pods waiting, with the queue each is in (debugging, tests). */
  pendingPods(): { pod: Readonly<Pod>; queue: QueueName }[] {
    return [
      ...this.activeQ.list().map((p) => ({ pod: p.podInfo.pod, queue: 'activeQ' as const })),
      ...this.backoffQ.list().map((p) => ({ pod: p.podInfo.pod, queue: 'backoffQ' as const })),
      ...[...this.unschedulablePods.values()].map((p) => ({ pod: p.podInfo.pod, queue: 'unschedulablePods' as const })),
    ];
  }

  /** where tells which queue holds a pod (undefined: none, e.g. in flight). */
  where(uid: string): QueueName | undefined {
    if (this.activeQ.has(uid)) return 'activeQ';
    if (this.backoffQ.has(uid)) return 'backoffQ';
    if (this.unschedulablePods.has(uid)) return 'unschedulablePods';
    return undefined;
  }

  /** get returns the queued entry of a pod. */
  get(uid: string): QueuedPodInfo | undefined {
    return this.activeQ.get(uid) ?? this.backoffQ.get(uid) ?? this.unschedulablePods.get(uid);
  }
}
