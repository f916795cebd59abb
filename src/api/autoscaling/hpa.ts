/** autoscaling/v1 and autoscaling/v2 horizontalpodautoscalers: one store in v2, converted per request. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { KubeObject, ResourceDefinition, ResourceStrategy } from '../resource.js';
import { invalidField, messagesAt, notSupported, required } from '../validation/field.js';
import { validatePathSegmentName } from '../validation/names.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';
import { METRICS_ANNOTATION, DEFAULT_CPU_UTILIZATION, convertHPA } from './conversion.js';

const DEFAULT_SCALE_UP = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
const DEFAULT_SCALE_DOWN = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

function defaultRules(rules: unknown, defaults: Obj): Obj {
  if (!isObj(rules)) return structuredClone(defaults);
  if ((rules.stabilizationWindowSeconds === undefined || rules.stabilizationWindowSeconds === null) && defaults.stabilizationWindowSeconds !== undefined) rules.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  rules.selectPolicy ??= defaults.selectPolicy;
  rules.policies ??= structuredClone(defaults.policies);
  return rules;
}

/** defaultHPAv2: minReplicas 1, CPU 80% when no metrics, behavior rules filled when behavior is set (all but scaleDown's window). */
export function defaultHPAv2(hpa: Obj): void {
  const spec: Obj = isObj(hpa.spec) ? hpa.spec : (hpa.spec = {});
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = defaultRules(spec.behavior.scaleUp, DEFAULT_SCALE_UP);
    // scaleDown's window stays unset: the controller fills it from --horizontal-pod-autoscaler-downscale-stabilization.
    spec.behavior.scaleDown = defaultRules(spec.behavior.scaleDown, DEFAULT_SCALE_DOWN);
  }
}

/** defaultHPAv1: minReplicas 1, and the 80% CPU target v2 defaulting gives an HPA without metrics. */
export function defaultHPAv1(hpa: Obj): void {
  const spec: Obj = isObj(hpa.spec) ? hpa.spec : (hpa.spec = {});
  spec.minReplicas ??= 1;
  if ((spec.targetCPUUtilizationPercentage === undefined || spec.targetCPUUtilizationPercentage === null) && !hpa.metadata?.annotations?.[METRICS_ANNOTATION]) {
    spec.targetCPUUtilizationPercentage = DEFAULT_CPU_UTILIZATION;
  }
}

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SOURCE_FIELD: Record<string, string> = { ContainerResource: 'containerResource', External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource' };
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];

function validateTarget(t: unknown, p: string): FieldError[] {
  if (!isObj(t)) return [required(p)];
  const errs: FieldError[] = [];
  if (!t.type) errs.push(required(`${p}.type`, 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(t.type)) errs.push(notSupported(`${p}.type`, t.type, TARGET_TYPES));
  if (t.averageUtilization !== undefined && t.averageUtilization !== null && t.averageUtilization < 1) {
    errs.push(invalidField(`${p}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  }
  for (const q of ['value', 'averageValue']) {
    if (t[q] === undefined || t[q] === null) continue;
    const n = tryParseQuantity(t[q]);
    if (n === undefined || n <= 0) errs.push(invalidField(`${p}.${q}`, String(t[q]), 'must be positive'));
  }
  if (t.type === 'Utilization' && (t.averageUtilization === undefined || t.averageUtilization === null)) {
    errs.push(required(`${p}.averageUtilization`, 'must set either a target raw value or a target utilization'));
  }
  return errs;
}

function validateBehaviorRules(rules: unknown, p: string): FieldError[] {
  if (!isObj(rules)) return [];
  const errs: FieldError[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (w !== undefined && w !== null && (w < 0 || w > 3600)) errs.push(invalidField(`${p}.stabilizationWindowSeconds`, w, w < 0 ? 'must be greater than or equal to zero' : 'must be less than or equal to 3600'));
  if (rules.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
    errs.push(notSupported(`${p}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  if (Array.isArray(rules.policies)) {
    (rules.policies as Obj[]).forEach((pol, i) => {
      const pp = `${p}.policies[${i}]`;
      if (!['Pods', 'Percent'].includes(pol?.type)) errs.push(notSupported(`${pp}.type`, pol?.type ?? '', ['Percent', 'Pods']));
      if (!(pol?.periodSeconds > 0)) errs.push(invalidField(`${pp}.periodSeconds`, pol?.periodSeconds ?? 0, 'must be greater than zero'));
      else if (pol.periodSeconds > 1800) errs.push(invalidField(`${pp}.periodSeconds`, pol.periodSeconds, 'must be less than or equal to 1800'));
      if (!(pol?.value > 0)) errs.push(invalidField(`${pp}.value`, pol?.value ?? 0, 'must be greater than zero'));
    });
  }
  return errs;
}

/** validateHPAv2 is ValidateHorizontalPodAutoscaler over the v2 form. */
export function validateHPAv2(hpa: KubeObject): FieldError[] {
  const spec: Obj = isObj(hpa.spec) ? hpa.spec : {};
  const errs: FieldError[] = [];
  const ref: Obj = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else errs.push(...messagesAt('spec.scaleTargetRef.kind', ref.kind, validatePathSegmentName(ref.kind, false)));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  else errs.push(...messagesAt('spec.scaleTargetRef.name', ref.name, validatePathSegmentName(ref.name, false)));
  const min = spec.minReplicas;
  if (min !== undefined && min !== null && min < 1) errs.push(invalidField('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (typeof max !== 'number' || max < 1) errs.push(invalidField('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min) errs.push(invalidField('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  metrics.forEach((m, i) => {
    const p = `spec.metrics[${i}]`;
    if (!m?.type) { errs.push(required(`${p}.type`, 'must specify a metric source type')); return; }
    if (!METRIC_TYPES.includes(m.type)) { errs.push(notSupported(`${p}.type`, m.type, METRIC_TYPES)); return; }
    const field = SOURCE_FIELD[m.type];
    const src = m[field];
    if (!isObj(src)) { errs.push(required(`${p}.${field}`, 'must populate information for the given metric source')); return; }
    if ((m.type === 'Resource' || m.type === 'ContainerResource') && !src.name) errs.push(required(`${p}.${field}.name`, 'must specify a resource name'));
    if (m.type === 'ContainerResource' && !src.container) errs.push(required(`${p}.${field}.container`, 'must specify a container'));
    if (['Pods', 'Object', 'External'].includes(m.type) && !src.metric?.name) errs.push(required(`${p}.${field}.metric.name`, 'must specify a metric name'));
    if (m.type === 'Object' && !src.describedObject?.kind) errs.push(required(`${p}.object.describedObject.kind`));
    errs.push(...validateTarget(src.target, `${p}.${field}.target`));
  });
  if (isObj(spec.behavior)) {
    errs.push(...validateBehaviorRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateBehaviorRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

function hpaStrategy(version: 'v1' | 'v2'): ResourceStrategy {
  return specStatusStrategy({
    default: version === 'v2' ? defaultHPAv2 : defaultHPAv1,
    initialStatus: () => (version === 'v2' ? { currentMetrics: null, desiredReplicas: 0 } : { currentReplicas: 0, desiredReplicas: 0 }),
    validate: (hpa) => validateHPAv2(version === 'v2' ? hpa : convertHPA(hpa, 'v2')),
  });
}

/**
 * hpaV2StatusStrategy is the status subresource's strategy, with Go's JSON shape of v2's status:
 * currentMetrics (no omitempty) is null when unset — the decoder drops nulls — and a zero
 * currentReplicas (omitempty) is left out.
 */
function hpaV2StatusStrategy(): ResourceStrategy {
  const base = statusStrategy();
  return {
    ...base,
    prepareForUpdate(obj, old, ctx) {
      base.prepareForUpdate?.(obj, old, ctx);
      if (!isObj(obj.status)) return;
      if (obj.status.currentMetrics === undefined) obj.status.currentMetrics = null;
      // currentReplicas is omitempty in v2: a zero is not written
      if (obj.status.currentReplicas === 0) delete obj.status.currentReplicas;
    },
  };
}

function hpaDefinition(version: 'v1' | 'v2'): ResourceDefinition {
  return defineResource({
    group: 'autoscaling', version, kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true,
    shortNames: ['hpa'], categories: ['all'], subresources: ['status'],
    strategy: hpaStrategy(version),
    statusStrategy: version === 'v2' ? hpaV2StatusStrategy() : statusStrategy(),
    storageVersion: 'v2',
    convert: (obj: KubeObject, toVersion: string) => convertHPA(obj, toVersion === 'v1' ? 'v1' : 'v2'),
  });
}

/** hpaV1 is autoscaling/v1 HorizontalPodAutoscaler (stored as v2). */
export const hpaV1: ResourceDefinition = hpaDefinition('v1');
/** hpaV2 is autoscaling/v2 HorizontalPodAutoscaler (the storage version). */
export const hpaV2: ResourceDefinition = hpaDefinition('v2');
