import { newControllerRef } from '../../apimachinery/ownerrefs.js';
import type { Job } from '../job/types.js';
import type { Schedule } from './schedule.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob, type ObjectReference } from './types.js';

/** NEXT_SCHEDULE_DELTA_MS pads each requeue so a little clock skew never makes the controller wake just before the schedule. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** TOO_MANY_MISSED is how many missed schedules make the controller warn (and still start only the latest). */
export const TOO_MANY_MISSED = 100;

/** CRONJOB_GVK is batch/v1 CronJob. */
export const CRONJOB_GVK = { group: 'batch', version: 'v1', kind: 'CronJob' } as const;

/** MissedSchedules says how many schedules passed unmet: none, a few, or more than TOO_MANY_MISSED. */
export type MissedSchedules = 'none' | 'few' | 'many';

/** inActiveList tells whether status.active lists a Job with that uid. */
export function inActiveList(cj: Readonly<CronJob>, uid: string | undefined): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

/** inActiveListByName tells whether status.active lists a Job with that namespace and name. */
export function inActiveListByName(cj: Readonly<CronJob>, namespace: string | undefined, name: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.name === name && r.namespace === namespace);
}

/** deleteFromActiveList drops the Job with that uid from status.active. */
export function deleteFromActiveList(cj: CronJob, uid: string | undefined): void {
  const status = (cj.status ??= {});
  status.active = (status.active ?? []).filter((r) => r.uid !== uid);
}

/** MostRecent is mostRecentScheduleTime's answer. */
export interface MostRecent {
  /** lastScheduleTime, or the CronJob's creation (later: now − startingDeadlineSeconds) */
  earliest: Date;
  /** the latest schedule time in (earliest, now], if any */
  mostRecent?: Date;
  missed: MissedSchedules;
  /** set for a schedule that parses but cannot really fire (31 February) */
  error?: Error;
}

/**
 * mostRecentScheduleTime finds the latest time a Job should have started since the last one
 * (or since the CronJob was created, or since now − startingDeadlineSeconds when that is later)
 * without listing every missed time: it estimates how many intervals fit since the first missed
 * one and lets the schedule find the exact latest near now. More than 100 missed is "many".
 */
export function mostRecentScheduleTime(cj: Readonly<CronJob>, now: Date, schedule: Schedule, includeStartingDeadlineSeconds: boolean): MostRecent {
  let earliest = new Date(Date.parse(cj.metadata?.creationTimestamp ?? '') || 0);
  if (cj.status?.lastScheduleTime) earliest = new Date(Date.parse(cj.status.lastScheduleTime));
  const sds = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadlineSeconds && sds !== undefined && sds !== null) {
    // Nothing before this point will be started anyway.
    const deadline = new Date(now.getTime() - sds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 && schedule.next(t1);
  if (t1 && now < t1) return { earliest, missed: 'none' };
  if (t1 && t2 && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 && t2 ? Math.round((t2.getTime() - t1.getTime()) / 1000) : 0;
  if (!t1 || !t2 || between < 1) return { earliest, missed: 'none', error: new Error('time difference between two schedules is less than 1 second') };
  const elapsed = Math.trunc((now.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Start one interval before the estimate, so irregular schedules (30 6-16/4 * * 1-5) land right.
  const potentialEarliest = new Date(t1.getTime() + (missedCount - 2) * between * 1000);
  let mostRecent: Date | undefined;
  for (let t = schedule.next(potentialEarliest); t && t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > TOO_MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest, ...(mostRecent ? { mostRecent } : {}), missed };
}

/**
 * nextScheduleTimeDuration is how long until the next schedule after the latest one already due
 * (or after now when schedules were missed), plus NEXT_SCHEDULE_DELTA_MS.
 */
export function nextScheduleTimeDuration(cj: Readonly<CronJob>, now: Date, schedule: Schedule): number {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let from: Date;
  if (r.error) from = now;
  else if (r.mostRecent) from = r.mostRecent;
  else from = r.missed === 'none' ? r.earliest : now;
  const next = schedule.next(from) ?? schedule.next(now);
  // A schedule that never fires again: look again in a day rather than never.
  if (!next) return 24 * 3_600_000;
  return next.getTime() + NEXT_SCHEDULE_DELTA_MS - now.getTime();
}

/** getTimeHashInMinutes is the scheduled time in minutes since the epoch (the Job name's suffix). */
export function getTimeHashInMinutes(t: Date): number {
  return Math.floor(t.getTime() / 60_000);
}

/** getJobName is `CRONJOB-<scheduled time in minutes since the epoch>`: one name per schedule, so a Job is never created twice. */
export function getJobName(cj: Readonly<CronJob>, scheduledTime: Date): string {
  return `${cj.metadata?.name}-${getTimeHashInMinutes(scheduledTime)}`;
}

/**
 * getJobFromTemplate2 builds the Job for one scheduled time: the template's labels, annotations
 * (plus the scheduled-timestamp annotation, in the CronJob's zone) and spec, the deterministic
 * name and the CronJob as controller.
 */
export function getJobFromTemplate2(cj: Readonly<CronJob>, scheduledTime: Date): Job {
  const t = cj.spec.jobTemplate ?? { spec: { template: {} } };
  const annotations: Record<string, string> = { ...t.metadata?.annotations };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = formatRFC3339InZone(scheduledTime, cj.spec.timeZone ?? 'UTC');
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: getJobName(cj, scheduledTime),
      labels: { ...t.metadata?.labels },
      annotations,
      ownerReferences: [newControllerRef({ metadata: cj.metadata ?? {} }, CRONJOB_GVK)],
    },
    spec: structuredClone(t.spec),
  };
}

/** formatRFC3339InZone renders t as Go's time.RFC3339 in a zone: "2026-01-01T03:00:00Z" at offset zero, "2026-01-01T03:00:00-05:00" elsewhere. */
export function formatRFC3339InZone(t: Date, timeZone: string): string {
  const tz = timeZone === '' ? 'UTC' : timeZone;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(t).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((local - Math.floor(t.getTime() / 1000) * 1000) / 60_000);
  const stamp = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  // Go's "Z07:00" prints Z for any zero offset.
  if (offsetMin === 0) return `${stamp}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${stamp}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** formatRFC1123Z renders t as Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
export function formatRFC1123Z(t: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[t.getUTCDay()]}, ${p(t.getUTCDate())} ${months[t.getUTCMonth()]} ${t.getUTCFullYear()} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000`;
}

/** byJobStartTime orders Jobs by status.startTime (unstarted last), then name (for history cleanup, oldest first). */
export function byJobStartTime(a: Readonly<Job>, b: Readonly<Job>): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  const ta = sa ? Date.parse(sa) : 0;
  const tb = sb ? Date.parse(sb) : 0;
  if (ta === tb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0;
  return ta - tb;
}

/** jobReference is the ObjectReference status.active keeps for a Job. */
export function jobReference(job: Readonly<Job>): ObjectReference {
  return {
    kind: 'Job', namespace: job.metadata?.namespace, name: job.metadata?.name, uid: job.metadata?.uid,
    apiVersion: 'batch/v1', resourceVersion: job.metadata?.resourceVersion,
  };
}
