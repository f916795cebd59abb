import { StatusError } from '../../apimachinery/errors.js';
import type { ControllerContext } from '../common/context.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log, type Logger } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { isJobFinished } from './conditions.js';
import type { Job } from './types.js';

/** needsCleanup: the Job has finished and sets ttlSecondsAfterFinished. */
export function needsCleanup(job: Readonly<Job>): boolean {
  return job.spec.ttlSecondsAfterFinished !== undefined && job.spec.ttlSecondsAfterFinished !== null && isJobFinished(job);
}

/** jobFinishTime is when the Job's Complete or Failed condition turned True; undefined if unknown. */
export function jobFinishTime(job: Readonly<Job>): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
      return Number.isNaN(t) ? undefined : t;
    }
  }
  return undefined;
}

/** timeLeft is how long until a finished Job's TTL expires (negative once it has); undefined when it cannot be told. */
export function timeLeft(job: Readonly<Job>, nowMs: number): number | undefined {
  if (!needsCleanup(job)) return undefined;
  const finishAt = jobFinishTime(job);
  if (finishAt === undefined) return undefined;
  return finishAt + (job.spec.ttlSecondsAfterFinished ?? 0) * 1000 - nowMs;
}

/**
 * TTLAfterFinishedController deletes finished Jobs whose ttlSecondsAfterFinished has passed, as
 * kube-controller-manager's ttl-after-finished controller does: Jobs that finished are queued
 * (again after their TTL when it has not expired yet); before deleting, the TTL is checked once
 * more on a fresh copy from the API server, and the delete cascades in the foreground with the
 * Job's uid as precondition, so its pods go first and a re-created namesake is never hit.
 */
export class TTLAfterFinishedController implements Controller {
  readonly name = 'ttl-after-finished';
  readonly queue: WorkQueue<string>;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly informers: ControllerContext['informers'];
  private readonly jobInformer: Informer<Job>;
  private readonly logger: Logger;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.informers = ctx.informers;
    this.logger = log.child({ component: 'ttl-after-finished-controller' });
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'ttl_jobs_to_delete' });
    this.jobInformer = ctx.informers.informerFor<Job>(Resources.jobs);
    this.jobInformer.addEventHandler({ add: (j) => this.enqueueIfNeeded(j), update: (_o, j) => this.enqueueIfNeeded(j) });
  }

  /** run processes queued Jobs until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting TTL after finished controller');
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      sync: (key) => this.processJob(key),
      waitForSync: (s) => this.informers.waitForCacheSync(s),
    });
    this.logger.info('Shutting down TTL after finished controller');
  }

  private enqueueIfNeeded(job: Readonly<Job>): void {
    if (!job.metadata?.deletionTimestamp && needsCleanup(job)) {
      this.logger.v(4).info('Add job to cleanup', { job: keyOf(job) });
      this.queue.add(keyOf(job));
    }
  }

  /** processJob deletes the Job when its TTL has expired, or looks again when it will. */
  async processJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const job = this.jobInformer.lister.get(namespace, name);
    if (!job || !this.processTTL(key, job)) return;
    // The cached TTL may be stale: decide on the latest copy.
    let fresh: Job;
    try {
      fresh = await this.client.get<Job>(Resources.jobs, namespace, name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
    if (!this.processTTL(key, fresh)) return;
    this.logger.v(4).info('Cleaning up Job', { job: key });
    try {
      await this.client.delete(Resources.jobs, namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata?.uid } });
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }

  /** processTTL tells whether the Job's TTL has expired; if it will later, the Job is queued for then. */
  private processTTL(key: string, job: Readonly<Job>): boolean {
    if (job.metadata?.deletionTimestamp || !needsCleanup(job)) return false;
    const left = timeLeft(job, this.clock.now().getTime());
    if (left === undefined) throw new Error(`unable to find the time when the Job ${key} finished`);
    if (left <= 0) return true;
    this.queue.addAfter(key, left);
    return false;
  }
}
