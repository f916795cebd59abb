import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec, matchesLabels, selectorIsEmpty, type LabelSelector } from '../../apimachinery/labels.js';
import { controllerOf, isControlledBy, newControllerRef, type OwnerRef } from '../../apimachinery/ownerrefs.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { ItemExponentialRateLimiter, WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log, type Logger } from '../../util/log.js';
import { ControllerRefManager, recheckDeletionTimestamp } from '../common/controller-ref.js';
import { ControllerExpectations } from '../common/expectations.js';
import { RealPodControl, type PodControl } from '../common/pod-control.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { BackoffStore, DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, MAX_JOB_POD_FAILURE_BACKOFF_MS } from './backoff.js';
import { syncJob } from './sync.js';
import { isJobFinished } from './conditions.js';
import type { JobSyncDeps } from './deps.js';
import { JOB_GVK, withJobKind } from './manage.js';
import { hasJobTrackingFinalizer, removeTrackingFinalizerPatch } from './pod-util.js';
import { UIDTrackingExpectations } from './tracking.js';
import { JOB_TRACKING_FINALIZER, type Job, type Pod } from './types.js';

/** SYNC_JOB_BATCH_PERIOD_MS batches the syncs pod events and status updates cause (syncJobBatchPeriod, 1 s). */
export const SYNC_JOB_BATCH_PERIOD_MS = 1000;
/** MAX_POD_CREATE_DELETE_PER_SYNC caps the pods one sync creates or deletes (MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Job API errors back off from 1 s to 1 min (DefaultJobApiBackOff, MaxJobApiBackOff). */
const DEFAULT_JOB_API_BACKOFF_MS = 1000;
const MAX_JOB_API_BACKOFF_MS = 60_000;

/** JobControllerOptions are injections for tests (upstream sets the same package variables in its tests). */
export interface JobControllerOptions {
  podControl?: PodControl;
  /** the batching delay of pod-triggered syncs (1 s) */
  syncJobBatchPeriodMs?: number;
  /** the first pod-failure back-off (10 s) and its cap (10 min) */
  podFailureBackoffMs?: number;
  maxPodFailureBackoffMs?: number;
  maxPodCreateDeletePerSync?: number;
}

/**
 * JobController runs each Job's pods to completion, as kube-controller-manager's job controller
 * does: event handlers only enqueue keys (pod events batched by a second) and observe
 * expectations; syncJob (sync.ts) counts finished pods through the job-tracking finalizer,
 * decides whether the Job has failed or succeeded, and otherwise creates or deletes pods
 * (manage.ts); an orphan queue strips the finalizer from pods whose Job is gone or finished.
 */
export class JobController implements Controller, JobSyncDeps {
  readonly name = 'job';
  readonly queue: WorkQueue<string>;
  /** pods (namespace/name) that may still carry the finalizer after losing their Job */
  readonly orphanQueue: WorkQueue<string>;
  readonly expectations: ControllerExpectations;
  readonly finalizerExpectations = new UIDTrackingExpectations();
  readonly backoffStore = new BackoffStore();
  readonly podControl: PodControl;
  readonly recorder: EventRecorder;
  readonly client: Client;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxPodCreateDeletePerSync: number;
  readonly podFailureBackoffMs: number;
  readonly maxPodFailureBackoffMs: number;
  private readonly syncJobBatchPeriodMs: number;
  private readonly informers: ControllerContext['informers'];
  readonly jobInformer: Informer<Job>;
  readonly podInformer: Informer<Pod>;

  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.informers = ctx.informers;
    this.logger = log.child({ component: 'job-controller' });
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'job', limiter: new ItemExponentialRateLimiter<string>(DEFAULT_JOB_API_BACKOFF_MS, MAX_JOB_API_BACKOFF_MS) });
    this.orphanQueue = new WorkQueue<string>(ctx.clock, { name: 'job_orphan_pod', limiter: new ItemExponentialRateLimiter<string>(DEFAULT_JOB_API_BACKOFF_MS, MAX_JOB_API_BACKOFF_MS) });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.recorder = new EventRecorder(ctx.client, { component: 'job-controller' }, ctx.clock);
    this.podControl = opts.podControl ?? new RealPodControl(ctx.client, this.recorder);
    this.syncJobBatchPeriodMs = opts.syncJobBatchPeriodMs ?? SYNC_JOB_BATCH_PERIOD_MS;
    this.podFailureBackoffMs = opts.podFailureBackoffMs ?? DEFAULT_JOB_POD_FAILURE_BACKOFF_MS;
    this.maxPodFailureBackoffMs = opts.maxPodFailureBackoffMs ?? MAX_JOB_POD_FAILURE_BACKOFF_MS;
    this.maxPodCreateDeletePerSync = opts.maxPodCreateDeletePerSync ?? MAX_POD_CREATE_DELETE_PER_SYNC;

    this.jobInformer = ctx.informers.informerFor<Job>(Resources.jobs);
    this.jobInformer.addEventHandler({
      add: (j) => this.enqueueSyncJobImmediately(j),
      update: (o, n) => this.updateJob(o, n),
      delete: (j) => this.deleteJob(j),
    });
    this.podInformer = ctx.informers.informerFor<Pod>(Resources.pods);
    this.podInformer.addEventHandler({
      add: (p) => this.addPod(p),
      update: (o, n) => this.updatePod(o, n),
      delete: (p) => this.deletePod(p, true),
    });
  }

  /** run syncs Jobs with `workers` workers and orphan pods with one, once the caches are filled, until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting job controller');
    const waitForSync = (s: AbortSignal) => this.informers.waitForCacheSync(s);
    await Promise.all([
      runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync, sync: (key) => this.syncJob(key) }),
      runWorkers({ queue: this.orphanQueue, workers: 1, signal, log: this.logger, waitForSync, sync: (key) => this.syncOrphanPod(key) }),
    ]);
    this.logger.info('Shutting down job controller');
  }

  // ---- enqueueing ----

  /** enqueueSyncJobImmediately: Job events (creation, deletion, spec change) sync at once. */
  private enqueueSyncJobImmediately(job: Readonly<Job>): void {
    this.enqueueSyncJobInternal(job, 0);
  }

  /** enqueueSyncJobBatched: pod events and status updates wait the batch period, so a burst of them costs one sync. */
  private enqueueSyncJobBatched(job: Readonly<Job>): void {
    this.enqueueSyncJobInternal(job, this.syncJobBatchPeriodMs);
  }

  /** enqueueSyncJobWithDelay syncs again after ms, never sooner than the batch period (a pod-failure back-off). */
  enqueueSyncJobWithDelay(job: Readonly<Job>, ms: number): void {
    this.enqueueSyncJobInternal(job, Math.max(ms, this.syncJobBatchPeriodMs));
  }

  private enqueueSyncJobInternal(job: Readonly<Job>, delayMs: number): void {
    const key = keyOf(job);
    this.logger.v(4).info('enqueueing job', { key, delay: delayMs });
    this.queue.addAfter(key, delayMs);
  }

  private enqueueOrphanPod(pod: Readonly<Pod>): void {
    this.orphanQueue.add(keyOf(pod));
  }

  // ---- Job event handlers ----

  private updateJob(old: Readonly<Job>, cur: Readonly<Job>): void {
    if (old.metadata?.uid !== cur.metadata?.uid) this.deleteJob(old);
    // A spec change (new generation) syncs at once; status updates are batched like pod events.
    if (cur.metadata?.generation === old.metadata?.generation) this.enqueueSyncJobBatched(cur);
    else this.enqueueSyncJobImmediately(cur);
    // A finished Job should have no tracked pods left; this is a backup for lost removals.
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    // A new activeDeadlineSeconds needs a sync when it expires.
    const startTime = cur.status?.startTime;
    const ads = cur.spec.activeDeadlineSeconds;
    if (startTime && ads !== undefined && ads !== null && old.spec.activeDeadlineSeconds !== ads) {
      const passed = this.clock.now().getTime() - Date.parse(startTime);
      const total = ads * 1000;
      this.logger.v(4).info("job's ActiveDeadlineSeconds updated, will rsync", { key: keyOf(cur), interval: total - passed });
      this.queue.addAfter(keyOf(cur), total - passed);
    }
  }

  private deleteJob(job: Readonly<Job>): void {
    this.enqueueSyncJobImmediately(job);
    this.cleanupPodFinalizers(job);
  }

  /** cleanupPodFinalizers queues the Job's pods that still carry the tracking finalizer for the orphan worker. */
  private cleanupPodFinalizers(job: Readonly<Job>): void {
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromSpec(job.spec.selector);
    } catch (e) {
      this.logger.error(e, 'parsing deleted job selector', { job: keyOf(job) });
      return;
    }
    for (const pod of this.podInformer.lister.list(job.metadata?.namespace ?? '', (p) => matchesLabels(selector, p.metadata?.labels))) {
      if (isControlledBy(pod, job) && hasJobTrackingFinalizer(pod)) this.enqueueOrphanPod(pod);
    }
  }

  // ---- Pod event handlers ----

  private addPod(pod: Readonly<Pod>): void {
    if (pod.metadata?.deletionTimestamp) {
      // After a restart a pod can show up already being deleted: that is no creation to observe.
      this.deletePod(pod, false);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const job = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!job) return;
      this.expectations.creationObserved(keyOf(job));
      this.enqueueSyncJobBatched(job);
      return;
    }
    // An orphan: strip a leftover finalizer, and let matching Jobs consider adopting it.
    if (hasJobTrackingFinalizer(pod)) this.enqueueOrphanPod(pod);
    for (const job of this.getPodJobs(pod)) this.enqueueSyncJobBatched(job);
  }

  private updatePod(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    // A resync delivers every pod again with the same resourceVersion: nothing changed.
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) {
      // A graceful delete sets deletionTimestamp long before the pod goes: act now, not then.
      this.deletePod(cur, false);
      return;
    }
    // Only cur is checked: during an ownership transfer the finalizer may come and go in one event.
    const finalizerRemoved = !hasJobTrackingFinalizer(cur);
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !isDeepStrictEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const job = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (job) {
        if (finalizerRemoved) this.finalizerExpectations.finalizerRemovalObserved(keyOf(job), cur.metadata?.uid ?? '');
        this.enqueueSyncJobBatched(job);
      }
    }
    if (curRef) {
      const job = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!job) return;
      if (finalizerRemoved) this.finalizerExpectations.finalizerRemovalObserved(keyOf(job), cur.metadata?.uid ?? '');
      this.enqueueSyncJobBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(cur)) this.enqueueOrphanPod(cur);
    const labelChanged = !isDeepStrictEqual(cur.metadata?.labels ?? {}, old.metadata?.labels ?? {});
    if (labelChanged || refChanged) for (const job of this.getPodJobs(cur)) this.enqueueSyncJobBatched(job);
  }

  /** deletePod observes a deletion: `final` when the pod is gone, otherwise its deletionTimestamp was just set. */
  private deletePod(pod: Readonly<Pod>, final: boolean): void {
    const ref = controllerOf(pod);
    const hasFinalizer = hasJobTrackingFinalizer(pod);
    if (!ref) {
      // The garbage collector may have removed the reference of a pod whose Job is gone.
      if (hasFinalizer) this.enqueueOrphanPod(pod);
      return;
    }
    const job = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!job || isJobFinished(job)) {
      // syncJob will not remove this finalizer.
      if (hasFinalizer) this.enqueueOrphanPod(pod);
      return;
    }
    const key = keyOf(job);
    this.expectations.deletionObserved(key, `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
    if (final || !hasFinalizer) this.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata?.uid ?? '');
    this.enqueueSyncJobBatched(job);
  }

  /** resolveControllerRef finds the Job a controller reference names, if it is still the same object (uid). */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerRef): Readonly<Job> | undefined {
    if (ref.kind !== JOB_GVK.kind) return undefined;
    const job = this.jobInformer.lister.get(namespace, ref.name);
    return job && job.metadata?.uid === ref.uid ? job : undefined;
  }

  /** getPodJobs lists the Jobs whose selector matches the pod (more than one is a user error). */
  private getPodJobs(pod: Readonly<Pod>): Readonly<Job>[] {
    const jobs = this.jobInformer.lister.list(pod.metadata?.namespace ?? '', (j) => {
      try {
        const sel = labelSelectorFromSpec(j.spec.selector);
        return !selectorIsEmpty(sel) && matchesLabels(sel, pod.metadata?.labels);
      } catch {
        return false;
      }
    });
    if (jobs.length > 1) this.logger.error(new Error(`user error! more than one job is selecting pods with labels: ${JSON.stringify(pod.metadata?.labels ?? {})}`), 'overlapping selectors', { pod: keyOf(pod) });
    return jobs;
  }

  // ---- orphan pods ----

  /** syncOrphanPod removes the tracking finalizer from a pod that no unfinished batch/v1 Job controls. */
  async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.podInformer.lister.get(namespace, name);
    if (!pod) {
      this.logger.v(4).info('Orphan pod has been deleted', { pod: key });
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      // A pod controlled by something else than a batch/v1 Job keeps its finalizers.
      if (ref.kind !== JOB_GVK.kind || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (job && !isJobFinished(job)) return; // adopted
    }
    const patch = removeTrackingFinalizerPatch(pod);
    if (!patch) return;
    try {
      await this.podControl.patchPod(namespace ?? '', name, patch);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  // ---- sync ----

  /**
   * getPodsForJob returns the pods the Job owns after adopting matching orphans (adding the
   * controller reference and the tracking finalizer) and releasing pods that stopped matching.
   */
  async getPodsForJob(job: Readonly<Job>): Promise<Readonly<Pod>[]> {
    const selector = labelSelectorFromSpec(job.spec.selector);
    const ns = job.metadata?.namespace ?? '';
    const name = job.metadata?.name ?? '';
    const owner = withJobKind(job);
    const controllerRef = newControllerRef(owner, JOB_GVK);
    const cm = new ControllerRefManager(
      owner, controllerRef,
      (labels) => matchesLabels(selector, labels),
      async (obj, patch) => {
        // Adoption also puts the tracking finalizer on, so the adopted pod's result is counted.
        const p = patch as { metadata: { ownerReferences: { $patch?: string }[]; finalizers?: string[] } };
        if (!p.metadata.ownerReferences.some((r) => r.$patch === 'delete')) p.metadata.finalizers = [JOB_TRACKING_FINALIZER];
        await this.podControl.patchPod(obj.metadata?.namespace ?? ns, obj.metadata?.name ?? '', p);
      },
      recheckDeletionTimestamp(() => this.client.get(Resources.jobs, ns, name), owner),
    );
    // All pods of the namespace: one that stopped matching but still names the Job must be released.
    const claimed = await cm.claim(this.podInformer.lister.list(ns));
    // Adopted pods carry the finalizer from now on: count them as such in this sync already.
    return claimed.map((p) => {
      const adopted = !(p.metadata?.ownerReferences ?? []).some((r) => r.uid === job.metadata?.uid);
      if (adopted && !hasJobTrackingFinalizer(p)) return { ...p, metadata: { ...p.metadata, finalizers: [...(p.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER] } };
      return p;
    });
  }

  /** syncJob syncs one Job (see sync.ts); a Job that is gone is forgotten. */
  async syncJob(key: string): Promise<void> {
    const started = this.clock.now().getTime();
    try {
      await syncJob(this, key);
    } finally {
      this.logger.v(4).info('Finished syncing job', { key, elapsedMs: this.clock.now().getTime() - started });
    }
  }

  /** lookupJob reads a Job from the cache. */
  lookupJob(key: string): Readonly<Job> | undefined {
    const { namespace, name } = splitKey(key);
    return this.jobInformer.lister.get(namespace, name);
  }

  /** enqueueAfter syncs key again after ms (the activeDeadlineSeconds timer). */
  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /** updateJobStatus writes status through the status subresource, omitting what Kubernetes omits when empty. */
  async updateJobStatus(job: Job): Promise<Job> {
    const body: Job = { ...withJobKind(job), status: wireStatus(job.status ?? {}) };
    return this.client.updateStatus<Job>(Resources.jobs, job.metadata?.namespace, body);
  }
}

/**
 * wireStatus drops what batch/v1 JobStatus omits when empty (zero counters, empty lists and
 * strings) while keeping ready, terminating and uncountedTerminatedPods, which are pointers.
 */
export function wireStatus(s: Readonly<Job['status']> & object): NonNullable<Job['status']> {
  const out: NonNullable<Job['status']> = {};
  if (s.conditions?.length) out.conditions = s.conditions;
  if (s.startTime) out.startTime = s.startTime;
  if (s.completionTime) out.completionTime = s.completionTime;
  if (s.active) out.active = s.active;
  if (s.succeeded) out.succeeded = s.succeeded;
  if (s.failed) out.failed = s.failed;
  if (s.terminating !== undefined) out.terminating = s.terminating;
  if (s.completedIndexes) out.completedIndexes = s.completedIndexes;
  if (s.failedIndexes !== undefined) out.failedIndexes = s.failedIndexes;
  const u = s.uncountedTerminatedPods;
  out.uncountedTerminatedPods = {
    ...(u?.succeeded?.length ? { succeeded: u.succeeded } : {}),
    ...(u?.failed?.length ? { failed: u.failed } : {}),
  };
  if (s.ready !== undefined) out.ready = s.ready;
  return out;
}
