/** batch/v1 cronjobs. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { invalidField, nonNegative, notSupported, required } from '../validation/field.js';
import { cronScheduleError } from '../validation/cron.js';
import { validateAnnotations, validateLabels } from '../validation/labels.js';
import { maxLenError } from '../validation/names.js';
import { validateJobSpecAt } from './jobs.js';

/** CRONJOB_NAME_MAX is 52: the Job name adds an 11-character suffix and must stay a 63-character label. */
export const CRONJOB_NAME_MAX = 52;

/** defaultCronJob: concurrencyPolicy Allow, suspend false, history limits 3/1, template defaults. */
export function defaultCronJob(cj: Obj): void {
  const spec: Obj = isObj(cj.spec) ? cj.spec : (cj.spec = {});
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const jt: Obj = isObj(spec.jobTemplate) ? spec.jobTemplate : (spec.jobTemplate = {});
  if (!isObj(jt.metadata)) jt.metadata = {};
  if (jt.metadata.creationTimestamp === undefined) jt.metadata.creationTimestamp = null;
  const jspec: Obj = isObj(jt.spec) ? jt.spec : (jt.spec = {});
  defaultPodTemplate(jspec.template);
}

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];

/** validateCronJob is ValidateCronJobCreate with Kubernetes' messages. */
export function validateCronJob(cj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = cj.metadata?.name ?? '';
  if (name.length > CRONJOB_NAME_MAX) errs.push(invalidField('metadata.name', name, maxLenError(CRONJOB_NAME_MAX)));
  const spec: Obj = isObj(cj.spec) ? cj.spec : {};
  const schedule = spec.schedule;
  if (schedule === undefined || schedule === '') errs.push(required('spec.schedule'));
  else if (/^\s*(CRON_)?TZ=/.test(String(schedule)) || String(schedule).includes('TZ=')) {
    errs.push(invalidField('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  } else {
    const e = cronScheduleError(String(schedule));
    if (e) errs.push(invalidField('spec.schedule', schedule, e));
  }
  errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  if (!spec.concurrencyPolicy) errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY.includes(spec.concurrencyPolicy)) errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, CONCURRENCY));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) errs.push(...nonNegative(`spec.${f}`, spec[f]));
  const jt: Obj = isObj(spec.jobTemplate) ? spec.jobTemplate : {};
  errs.push(...validateLabels(jt.metadata?.labels, 'spec.jobTemplate.metadata.labels'));
  errs.push(...validateAnnotations(jt.metadata?.annotations, 'spec.jobTemplate.metadata.annotations'));
  errs.push(...validateJobSpecAt(isObj(jt.spec) ? jt.spec : {}, 'spec.jobTemplate.spec'));
  return errs;
}

/** VALID_TZ_PART is one component of an IANA zone name (letters, digits, '.', '-', '_', '+'; at most 14). */
const VALID_TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/**
 * validateTimeZone is upstream's validateTimeZone: a non-empty IANA name made of valid components,
 * not "Local", known to the zone database (time.LoadLocation's "unknown time zone X").
 */
export function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const name = String(tz);
  if (name === '') return [invalidField(path, name, 'timeZone must be nil or non-empty string')];
  if (name.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !VALID_TZ_PART.test(part))) {
    return [invalidField(path, name, `unknown time zone ${name}`)];
  }
  // LoadLocation("Local") succeeds: Local only gets the explicit-zone message.
  if (name.toLowerCase() === 'local') return [invalidField(path, name, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  if (name === 'UTC') return [];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return [];
  } catch {
    return [invalidField(path, name, `unknown time zone ${name}`)];
  }
}

/** cronjobs is the batch/v1 CronJob resource. */
export const cronjobs: ResourceDefinition = defineResource({
  group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true,
  shortNames: ['cj'], categories: ['all'], subresources: ['status'],
  strategy: specStatusStrategy({
    generation: true,
    default: defaultCronJob,
    validate: validateCronJob,
  }),
  statusStrategy: statusStrategy(),
});
