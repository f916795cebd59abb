import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../apimachinery/errors.js';
import { controllerOf, isControlledBy, type OwnerRef } from '../../apimachinery/ownerrefs.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log, type Logger } from '../../util/log.js';
import { runWorkers, type Controller, type SyncResult } from '../common/run-workers.js';
import { finishedCondition, isJobFinished, isJobSucceeded } from '../job/conditions.js';
import type { Job } from '../job/types.js';
import { isValidTimeZone, parseStandard, type Schedule } from './schedule.js';
import type { CronJob } from './types.js';
import {
  byJobStartTime, CRONJOB_GVK, deleteFromActiveList, formatRFC1123Z, getJobFromTemplate2, getJobName, inActiveList, inActiveListByName,
  jobReference, mostRecentScheduleTime, nextScheduleTimeDuration,
} from './utils.js';

/** SyncOutcome is what syncCronJob decided: when to look again, whether status changed, and an error. */
interface SyncOutcome { requeueAfterMs?: number; updateStatus: boolean; error?: unknown }

/**
 * CronJobController creates a Job for every time a CronJob's schedule comes due, as
 * kube-controller-manager's cronjob controller (v2) does: each CronJob is synced when it or one of
 * its Jobs changes and then requeued for its next schedule time; a sync keeps status.active in
 * step with the Jobs, deletes finished Jobs beyond the history limits, and starts the most recent
 * unmet schedule (one catch-up run however many were missed) under the concurrency policy.
 */
export class CronJobController implements Controller {
  readonly name = 'cronjob';
  readonly queue: WorkQueue<string>;
  readonly recorder: EventRecorder;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly informers: ControllerContext['informers'];
  private readonly cronJobInformer: Informer<CronJob>;
  private readonly jobInformer: Informer<Job>;
  private readonly logger: Logger;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.informers = ctx.informers;
    this.logger = log.child({ component: 'cronjob-controller' });
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'cronjob' });
    this.recorder = new EventRecorder(ctx.client, { component: 'cronjob-controller' }, ctx.clock);
    this.jobInformer = ctx.informers.informerFor<Job>(Resources.jobs);
    this.jobInformer.addEventHandler({ add: (j) => this.addJob(j), update: (o, n) => this.updateJob(o, n), delete: (j) => this.deleteJob(j) });
    this.cronJobInformer = ctx.informers.informerFor<CronJob>(Resources.cronjobs);
    this.cronJobInformer.addEventHandler({
      add: (cj) => this.queue.add(keyOf(cj)),
      update: (o, n) => this.updateCronJob(o, n),
      delete: (cj) => this.queue.add(keyOf(cj)),
    });
  }

  /** run syncs CronJobs with `workers` workers once the caches are filled, until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting cronjob controller v2');
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      sync: (key) => this.sync(key),
      waitForSync: (s) => this.informers.waitForCacheSync(s),
    });
    this.logger.info('Shutting down cronjob controller v2');
  }

  // ---- event handlers ----

  private resolveControllerRef(namespace: string | undefined, ref: OwnerRef): Readonly<CronJob> | undefined {
    if (ref.kind !== CRONJOB_GVK.kind) return undefined;
    const cj = this.cronJobInformer.lister.get(namespace, ref.name);
    return cj && cj.metadata?.uid === ref.uid ? cj : undefined;
  }

  private addJob(job: Readonly<Job>): void {
    if (job.metadata?.deletionTimestamp) {
      // After a restart a Job may show up already being deleted.
      this.deleteJob(job);
      return;
    }
    const ref = controllerOf(job);
    const cj = ref && this.resolveControllerRef(job.metadata?.namespace, ref);
    if (cj) this.queue.add(keyOf(cj));
  }

  private updateJob(old: Readonly<Job>, cur: Readonly<Job>): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    if (oldRef && !isDeepStrictEqual(curRef, oldRef)) {
      const cj = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (cj) this.queue.add(keyOf(cj));
    }
    const cj = curRef && this.resolveControllerRef(cur.metadata?.namespace, curRef);
    if (cj) this.queue.add(keyOf(cj));
  }

  private deleteJob(job: Readonly<Job>): void {
    const ref = controllerOf(job);
    const cj = ref && this.resolveControllerRef(job.metadata?.namespace, ref);
    if (cj) this.queue.add(keyOf(cj));
  }

  /**
   * updateCronJob: a new schedule or time zone requeues the CronJob for its next time (an invalid
   * schedule gets a warning and no sync until the spec changes again); any other change syncs now.
   */
  private updateCronJob(old: Readonly<CronJob>, cur: Readonly<CronJob>): void {
    if (old.spec.schedule !== cur.spec.schedule || (old.spec.timeZone ?? undefined) !== (cur.spec.timeZone ?? undefined)) {
      let sched: Schedule;
      try {
        sched = parseStandard(formatSchedule(cur));
      } catch (e) {
        this.logger.v(2).info('Unparseable schedule for cronjob', { cronjob: keyOf(cur), schedule: cur.spec.schedule, err: String(e) });
        this.recorder.event(withCronJobKind(cur), 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cur.spec.schedule}`);
        return;
      }
      this.queue.addAfter(keyOf(cur), nextScheduleTimeDuration(cur, this.clock.now(), sched));
      return;
    }
    this.queue.add(keyOf(cur));
  }

  // ---- sync ----

  /** sync reconciles one CronJob and says when to look at it again (its next schedule time). */
  async sync(key: string): Promise<void | SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobInformer.lister.get(namespace, name);
    if (!cached) {
      this.logger.v(4).info('CronJob not found, may be it is deleted', { cronjob: key });
      return;
    }
    const jobs = this.getJobsToBeReconciled(cached);
    // One copy collects every change, so status is written at most once per sync.
    const cj = withCronJobKind(structuredClone(cached) as CronJob);
    const updateStatusAfterCleanup = await this.cleanupFinishedJobs(cj, jobs);
    const outcome = await this.syncCronJob(cj, jobs);
    if (outcome.error !== undefined) this.logger.v(2).info('Error reconciling cronjob', { cronjob: key, err: String(outcome.error) });
    if (updateStatusAfterCleanup || outcome.updateStatus) {
      try {
        await this.client.updateStatus<CronJob>(Resources.cronjobs, namespace, { ...cj, status: wireStatus(cj.status) });
      } catch (e) {
        this.logger.v(2).info('Unable to update status for cronjob', { cronjob: key, resourceVersion: cached.metadata?.resourceVersion, err: String(e) });
        throw e;
      }
    }
    if (outcome.requeueAfterMs !== undefined) {
      this.logger.v(4).info('Re-queuing cronjob', { cronjob: key, requeueAfterMs: outcome.requeueAfterMs });
      return { requeueAfterMs: outcome.requeueAfterMs };
    }
    // Only a suspended CronJob or an invalid schedule ends here: the next spec change syncs it.
    if (outcome.error !== undefined) throw outcome.error;
  }

  /** getJobsToBeReconciled lists the namespace's Jobs this CronJob controls, including those whose labels no longer match its template. */
  private getJobsToBeReconciled(cj: Readonly<CronJob>): Readonly<Job>[] {
    return this.jobInformer.lister.list(cj.metadata?.namespace ?? '', (j) => {
      const ref = controllerOf(j);
      return ref !== undefined && ref.kind === CRONJOB_GVK.kind && ref.name === cj.metadata?.name;
    });
  }

  /**
   * syncCronJob reconciles the CronJob with its Jobs and, when a schedule is due, starts its Job:
   * status.active loses finished and vanished Jobs (SawCompletedJob, MissingJob) and warns about
   * running Jobs it did not start (UnexpectedJob); lastSuccessfulTime follows the newest success.
   * Nothing starts while the CronJob is deleted, suspended, or has a bad zone or schedule; a
   * schedule older than startingDeadlineSeconds is missed (MissSchedule); Forbid skips while a Job
   * runs (JobAlreadyActive); Replace deletes the running Jobs first.
   */
  private async syncCronJob(cj: CronJob, jobs: readonly Readonly<Job>[]): Promise<SyncOutcome> {
    const now = this.clock.now();
    let updateStatus = false;
    const children = new Set<string>();
    cj.status ??= {};
    for (const j of jobs) {
      const uid = j.metadata?.uid ?? '';
      children.add(uid);
      const found = inActiveList(cj, uid);
      if (!found && !isJobFinished(j)) {
        let fresh: CronJob;
        try {
          fresh = await this.client.get<CronJob>(Resources.cronjobs, cj.metadata?.namespace, cj.metadata?.name ?? '');
        } catch (e) {
          return { updateStatus, error: e };
        }
        if (inActiveList(fresh, uid)) {
          // Our cache was behind our own status update: carry on with the fresh copy.
          Object.assign(cj, withCronJobKind(fresh));
          continue;
        }
        // Created by us just before a crash, or by someone who wants us to adopt it.
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata?.name}`);
      } else if (isJobFinished(j)) {
        if (found) {
          deleteFromActiveList(cj, uid);
          this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, condition: ${finishedCondition(j)}`);
          updateStatus = true;
        }
        if (isJobSucceeded(j)) {
          // A Job need not be in the active list for its success to count.
          const completion = j.status?.completionTime;
          if (completion && (!cj.status!.lastSuccessfulTime || Date.parse(completion) > Date.parse(cj.status!.lastSuccessfulTime))) {
            cj.status!.lastSuccessfulTime = completion;
            updateStatus = true;
          }
        }
      }
    }

    // A Job in the active list that no longer exists would keep the CronJob active forever.
    for (const ref of [...(cj.status!.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        // Ask the API server, not the cache: a slow watch must not make a Job look missing.
        await this.client.get(Resources.jobs, ref.namespace, ref.name ?? '');
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) return { updateStatus, error: e };
        this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        deleteFromActiveList(cj, ref.uid);
        updateStatus = true;
      }
    }

    if (cj.metadata?.deletionTimestamp) return { updateStatus };

    const tz = cj.spec.timeZone;
    if (tz !== undefined && tz !== null && !isValidTimeZone(tz)) {
      this.logger.v(4).info('Not starting job because timeZone is invalid', { cronjob: keyOf(cj), timeZone: tz });
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return { updateStatus };
    }
    if (cj.spec.suspend) {
      this.logger.v(4).info('Not starting job because the cron is suspended', { cronjob: keyOf(cj) });
      return { updateStatus };
    }
    let sched: Schedule;
    try {
      sched = parseStandard(formatSchedule(cj, this.recorder));
    } catch (e) {
      this.logger.v(2).info('Unparseable schedule', { cronjob: keyOf(cj), schedule: cj.spec.schedule, err: String(e) });
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${e instanceof Error ? e.message : String(e)}`);
      return { updateStatus };
    }
    const requeue = () => ({ requeueAfterMs: nextScheduleTimeDuration(cj, now, sched), updateStatus });

    const { mostRecent: scheduledTime, missed, error } = mostRecentScheduleTime(cj, now, sched, true);
    if (error) {
      this.logger.v(2).info('Invalid schedule', { cronjob: keyOf(cj), schedule: cj.spec.schedule, err: error.message });
      this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${error.message}`);
      return { updateStatus };
    }
    if (!scheduledTime) {
      // Nothing due: the queue brings the CronJob back at its next schedule time.
      this.logger.v(4).info('No unmet start times', { cronjob: keyOf(cj) });
      return requeue();
    }
    if (missed === 'many') {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      this.logger.info('too many missed times', { cronjob: keyOf(cj) });
    }

    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && scheduledTime.getTime() + sds * 1000 < now.getTime()) {
      this.logger.v(4).info('Missed starting window', { cronjob: keyOf(cj) });
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123Z(scheduledTime)}`);
      return requeue();
    }
    const lastSchedule = cj.status!.lastScheduleTime ? Date.parse(cj.status!.lastScheduleTime) : undefined;
    if (inActiveListByName(cj, cj.metadata?.namespace, getJobName(cj, scheduledTime)) || lastSchedule === scheduledTime.getTime()) {
      this.logger.v(4).info('Not starting job because the scheduled time is already processed', { cronjob: keyOf(cj), schedule: scheduledTime.toISOString() });
      return requeue();
    }
    if (cj.spec.concurrencyPolicy === 'Forbid' && (cj.status!.active ?? []).length > 0) {
      // The active list may lag behind, so Forbid cannot fully rule out an overlap; far-apart schedules make it unlikely.
      this.logger.v(4).info('Not starting job because prior execution is still running and concurrency policy is Forbid', { cronjob: keyOf(cj) });
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue();
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(cj.status!.active ?? [])]) {
        this.logger.v(4).info('Deleting job that was still running at next scheduled start time', { job: `${ref.namespace}/${ref.name}` });
        let job: Job;
        try {
          job = await this.client.get<Job>(Resources.jobs, ref.namespace, ref.name ?? '');
        } catch (e) {
          this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${e instanceof Error ? e.message : String(e)}`);
          return { updateStatus, error: e };
        }
        if (!(await this.deleteJobOf(cj, job))) return { updateStatus, error: new Error(`could not replace job ${job.metadata?.namespace}/${job.metadata?.name}`) };
        updateStatus = true;
      }
    }

    const jobReq = getJobFromTemplate2(cj, scheduledTime);
    let created: Job;
    let alreadyExisted = false;
    try {
      created = await this.client.create<Job>(Resources.jobs, cj.metadata?.namespace, jobReq);
    } catch (e) {
      if (isNamespaceTerminating(e)) return { updateStatus, error: e };
      if (!(e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists')) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${e instanceof Error ? e.message : String(e)}`);
        return { updateStatus, error: e };
      }
      // Created earlier by us (status not written then) or by someone else, who then keeps status.
      alreadyExisted = true;
      try {
        created = await this.client.get<Job>(Resources.jobs, cj.metadata?.namespace, jobReq.metadata?.name ?? '');
      } catch (err) {
        return { updateStatus, error: err };
      }
      if (!isControlledBy(created, cj)) return { updateStatus };
      if (inActiveList(cj, created.metadata?.uid)) return { updateStatus };
    }
    if (alreadyExisted) this.logger.info('Job already exists', { cronjob: keyOf(cj), job: `${created.metadata?.namespace}/${created.metadata?.name}` });
    else {
      this.logger.v(4).info('Created Job', { job: `${created.metadata?.namespace}/${created.metadata?.name}`, cronjob: keyOf(cj) });
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    }
    // If we crash now, the deterministic Job name stops the next sync from starting it twice.
    cj.status!.active = [...(cj.status!.active ?? []), jobReference(created)];
    cj.status!.lastScheduleTime = rfc3339(scheduledTime);
    updateStatus = true;
    return requeue();
  }

  /**
   * cleanupFinishedJobs deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and
   * failedJobsHistoryLimit. Returns whether status changed.
   */
  private async cleanupFinishedJobs(cj: CronJob, jobs: readonly Readonly<Job>[]): Promise<boolean> {
    const sLimit = cj.spec.successfulJobsHistoryLimit;
    const fLimit = cj.spec.failedJobsHistoryLimit;
    if ((sLimit === undefined || sLimit === null) && (fLimit === undefined || fLimit === null)) return false;
    const succeeded = jobs.filter((j) => finishedCondition(j) === 'Complete');
    const failed = jobs.filter((j) => finishedCondition(j) === 'Failed');
    let updated = false;
    if (sLimit !== undefined && sLimit !== null && await this.removeOldestJobs(cj, succeeded, sLimit)) updated = true;
    if (fLimit !== undefined && fLimit !== null && await this.removeOldestJobs(cj, failed, fLimit)) updated = true;
    return updated;
  }

  private async removeOldestJobs(cj: CronJob, jobs: Readonly<Job>[], max: number): Promise<boolean> {
    const n = jobs.length - max;
    if (n <= 0) return false;
    this.logger.v(4).info('Cleaning up jobs from CronJob list', { deletejobnum: n, jobnum: jobs.length, cronjob: keyOf(cj) });
    let updated = false;
    for (const j of [...jobs].sort(byJobStartTime).slice(0, n)) {
      this.logger.v(4).info('Removing job from CronJob list', { job: j.metadata?.name, cronjob: keyOf(cj) });
      if (await this.deleteJobOf(cj, j)) updated = true;
    }
    return updated;
  }

  /** deleteJobOf deletes a Job (its pods in the background) and its reference in status.active. */
  private async deleteJobOf(cj: CronJob, job: Readonly<Job>): Promise<boolean> {
    try {
      await this.client.delete(Resources.jobs, job.metadata?.namespace, job.metadata?.name ?? '', { propagationPolicy: 'Background' });
    } catch (e) {
      this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${e instanceof Error ? e.message : String(e)}`);
      this.logger.error(e, 'Error deleting job from cronjob', { job: `${job.metadata?.namespace}/${job.metadata?.name}`, cronjob: keyOf(cj) });
      return false;
    }
    deleteFromActiveList(cj, job.metadata?.uid);
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
    return true;
  }
}

/**
 * formatSchedule adds the CronJob's time zone to its schedule as robfig/cron's TZ= prefix; a
 * schedule that carries TZ itself is used as it is (with a warning event, when a recorder is given).
 */
export function formatSchedule(cj: Readonly<CronJob>, recorder?: EventRecorder): string {
  if (cj.spec.schedule.includes('TZ')) {
    recorder?.event(withCronJobKind(cj), 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${JSON.stringify(cj.spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    return cj.spec.schedule;
  }
  const tz = cj.spec.timeZone;
  if (tz !== undefined && tz !== null) return isValidTimeZone(tz) ? `TZ=${tz} ${cj.spec.schedule}` : cj.spec.schedule;
  return cj.spec.schedule;
}

/** withCronJobKind sets apiVersion and kind (cache items may lack them; events and owner references need them). */
function withCronJobKind<T extends Readonly<CronJob>>(cj: T): T {
  return { ...cj, apiVersion: 'batch/v1', kind: 'CronJob' };
}

/** wireStatus drops an empty active list, as batch/v1 CronJobStatus omits it. */
function wireStatus(s: CronJob['status']): NonNullable<CronJob['status']> {
  const out: NonNullable<CronJob['status']> = {};
  if (s?.active?.length) out.active = s.active;
  if (s?.lastScheduleTime) out.lastScheduleTime = s.lastScheduleTime;
  if (s?.lastSuccessfulTime) out.lastSuccessfulTime = s.lastSuccessfulTime;
  return out;
}

/** isNamespaceTerminating tells a create refused because its namespace is being deleted. */
function isNamespaceTerminating(e: unknown): boolean {
  return e instanceof StatusError && ((e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false) || (e.code === 403 && /being terminated/.test(e.message)));
}
