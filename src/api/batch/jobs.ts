/** batch/v1 jobs: defaulting, generated selector and labels, validation and update rules. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { clone, isObj, type Obj } from '../common/obj.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';
import { validatePodTemplateSpec } from '../core/pod-validation.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { IMMUTABLE, invalidField, invalidText, nonNegative, notSupported, required } from '../validation/field.js';
import { goLabelSelector, goStringMap } from '../validation/go-format.js';
import { selectorMatches, validateLabelSelector } from '../validation/labels.js';
import { templateLabels } from '../apps/workload.js';

/** The labels Kubernetes puts on a Job's pods (current and legacy names). */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});

/** defaultJobSpec applies SetDefaults_Job's spec part (completions/parallelism, backoffLimit, modes). */
export function defaultJobSpec(spec: Obj): void {
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  if (spec.backoffLimit === undefined || spec.backoffLimit === null) {
    spec.backoffLimit = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6;
  }
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (isObj(spec.podFailurePolicy) && Array.isArray(spec.podFailurePolicy.rules)) {
    for (const r of spec.podFailurePolicy.rules as Obj[]) {
      if (Array.isArray(r?.onPodConditions)) for (const c of r.onPodConditions as Obj[]) if (isObj(c)) c.status ??= 'True';
    }
  }
  spec.podReplacementPolicy ??= isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplate(spec.template);
}

/** defaultJob applies SetDefaults_Job, including labels copied from the template when the Job has none. */
export function defaultJob(job: Obj): void {
  const spec: Obj = isObj(job.spec) ? job.spec : (job.spec = {});
  defaultJobSpec(spec);
  copyTemplateLabels(job);
}

function copyTemplateLabels(job: Obj): void {
  const labels = templateLabels(job.spec?.template);
  const meta = (job.metadata ??= {});
  if (labels && (!isObj(meta.labels) || Object.keys(meta.labels).length === 0)) meta.labels = clone(labels);
}

/** generateSelector adds the controller-uid/job-name labels and the controller-uid selector (manualSelector unset). */
export function generateSelector(job: Obj): void {
  const spec: Obj = isObj(job.spec) ? job.spec : (job.spec = {});
  if (spec.manualSelector === true) return;
  const name = String(job.metadata?.name ?? '');
  const uid = String(job.metadata?.uid ?? '');
  const template: Obj = isObj(spec.template) ? spec.template : (spec.template = {});
  const tmeta: Obj = isObj(template.metadata) ? template.metadata : (template.metadata = {});
  const labels: Obj = isObj(tmeta.labels) ? tmeta.labels : (tmeta.labels = {});
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[k] === undefined) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (labels[k] === undefined) labels[k] = uid;
  const sel: Obj = isObj(spec.selector) ? spec.selector : (spec.selector = {});
  const ml: Obj = isObj(sel.matchLabels) ? sel.matchLabels : (sel.matchLabels = {});
  if (ml[CONTROLLER_UID_LABEL] === undefined) ml[CONTROLLER_UID_LABEL] = uid;
}

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['TerminatingOrFailed', 'Failed'];

/** validateJobSpecAt is validateJobSpec (shared by Jobs and CronJob job templates) at `path`. */
export function validateJobSpecAt(spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...nonNegative(`${path}.${f}`, spec[f]));
  }
  if (spec.completionMode !== undefined && !COMPLETION_MODES.includes(spec.completionMode)) {
    errs.push(notSupported(`${path}.completionMode`, spec.completionMode, COMPLETION_MODES));
  }
  if (spec.completionMode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) {
    errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  if (spec.podReplacementPolicy !== undefined && !REPLACEMENT_POLICIES.includes(spec.podReplacementPolicy)) {
    errs.push(notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, REPLACEMENT_POLICIES));
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  const rp = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec.restartPolicy : undefined;
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']));
  return errs;
}

function hasLabel(labels: Record<string, string> | undefined, key: string, expected: string, errs: FieldError[]): void {
  const field = `spec.template.metadata.labels[${key}]`;
  const actual = labels?.[key];
  if (actual === undefined) errs.push(required(field, `must be '${expected}'`));
  else if (actual !== expected) errs.push(invalidField(field, actual, `must be '${expected}'`));
}

/** validateJob is ValidateJob: the spec, the selector and the generated labels. */
export function validateJob(job: KubeObject): FieldError[] {
  const spec = specOf(job);
  const errs = validateJobSpecAt(spec, 'spec');
  const labels = templateLabels(spec.template);
  if (spec.selector === undefined || spec.selector === null) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (!selectorMatches(spec.selector, labels)) {
      errs.push(invalidText('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
  }
  if (spec.manualSelector !== true && spec.selector) {
    const uid = String(job.metadata?.uid ?? '');
    const name = String(job.metadata?.name ?? '');
    if (!uid) errs.push(required('metadata.uid'));
    hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid, errs);
    hasLabel(labels, LEGACY_JOB_NAME_LABEL, name, errs);
    hasLabel(labels, CONTROLLER_UID_LABEL, uid, errs);
    hasLabel(labels, JOB_NAME_LABEL, name, errs);
    if (!selectorMatches(spec.selector, { [CONTROLLER_UID_LABEL]: uid })) {
      errs.push(invalidText('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
    }
  }
  return errs;
}

/** validateJobUpdate: selector, template (unless suspended), completionMode and completions are immutable. */
export function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(job);
  const oldSpec = specOf(old);
  const errs: FieldError[] = [];
  if (!deepEqual(spec.selector, oldSpec.selector)) errs.push(invalidText('spec.selector', goLabelSelector(spec.selector), IMMUTABLE));
  if (!deepEqual(spec.template, oldSpec.template)) {
    // A suspended Job that never started may change its pods' scheduling directives (Kubernetes 1.27+).
    const mutableWhileSuspended = oldSpec.suspend === true && !(old.status as Obj | undefined)?.startTime;
    const t = clone(spec.template ?? {});
    const o = oldSpec.template ?? {};
    if (mutableWhileSuspended && isObj(t.spec) && isObj(o.spec)) {
      for (const f of ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates']) t.spec[f] = o.spec[f];
      if (isObj(t.metadata) && isObj(o.metadata)) { t.metadata.labels = o.metadata.labels; t.metadata.annotations = o.metadata.annotations; }
    }
    if (!deepEqual(t, o)) errs.push(invalidText('spec.template', 'core.PodTemplateSpec{...}', IMMUTABLE));
  }
  if (spec.completionMode !== oldSpec.completionMode) errs.push(invalidField('spec.completionMode', spec.completionMode ?? '', IMMUTABLE));
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (spec.completions !== oldSpec.completions && !elastic) errs.push(invalidField('spec.completions', spec.completions ?? null, IMMUTABLE));
  if (!deepEqual(spec.podFailurePolicy, oldSpec.podFailurePolicy)) errs.push(invalidText('spec.podFailurePolicy', 'batch.PodFailurePolicy{...}', IMMUTABLE));
  if (spec.backoffLimitPerIndex !== oldSpec.backoffLimitPerIndex) errs.push(invalidField('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex ?? null, IMMUTABLE));
  return errs;
}

/** jobs is the batch/v1 Job resource. */
export const jobs: ResourceDefinition = defineResource({
  group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true,
  categories: ['all'], subresources: ['status'],
  strategy: specStatusStrategy({
    generation: true,
    default: defaultJob,
    // The generic store sets metadata.uid before this hook, so the selector can use it.
    prepareForCreate(job) { generateSelector(job); copyTemplateLabels(job); },
    validate: validateJob,
    validateUpdate: validateJobUpdate,
  }),
  statusStrategy: statusStrategy({
    validateUpdate(job) {
      const st: Obj = isObj(job.status) ? job.status : {};
      const errs: FieldError[] = [];
      for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) errs.push(...nonNegative(`status.${f}`, st[f]));
      return errs;
    },
  }),
  selectableFields: { 'status.successful': (o) => String((o.status as Obj | undefined)?.succeeded ?? 0) },
});
