/** autoscaling/v1 and autoscaling/v2 horizontalpodautoscalers: one store in v2, converted per request. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { KubeObject, ResourceDefinition, ResourceStrategy } from '../resource.js';
import { forbidden, invalidField, messagesAt, notSupported, required } from '../validation/field.js';
import { isDNS1123Label, validatePathSegmentName } from '../validation/names.js';
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
/** SOURCE_FIELDS lists the source fields in the order Kubernetes validates them. */
const SOURCE_FIELDS = ['object', 'external', 'pods', 'resource', 'containerResource'];
const SOURCE_FIELD: Record<string, string> = { ContainerResource: 'containerResource', External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource' };
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];

// A plain boolean (not an inferred type predicate): the fields stay loosely typed after the check.
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** validateCrossVersionObjectReference: kind and name required and path-safe. */
function validateCrossVersionObjectReference(ref: unknown, p: string): FieldError[] {
  const r: Obj = isObj(ref) ? ref : {};
  const errs: FieldError[] = [];
  if (!r.kind) errs.push(required(`${p}.kind`));
  else errs.push(...messagesAt(`${p}.kind`, r.kind, validatePathSegmentName(r.kind, false)));
  if (!r.name) errs.push(required(`${p}.name`));
  else errs.push(...messagesAt(`${p}.name`, r.name, validatePathSegmentName(r.name, false)));
  return errs;
}

/** validateMetricTarget: a known type, positive values, a utilization of at least 1. */
function validateMetricTarget(t: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t.type) errs.push(required(`${p}.type`, 'must specify a metric target type'));
  if (!TARGET_TYPES.includes(t.type)) errs.push(invalidField(`${p}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  for (const q of ['value', 'averageValue']) {
    if (!isSet(t[q])) continue;
    const n = tryParseQuantity(t[q]);
    if (n === undefined || n <= 0) errs.push(invalidField(`${p}.${q}`, String(t[q]), 'must be positive'));
  }
  if (isSet(t.averageUtilization) && t.averageUtilization < 1) errs.push(invalidField(`${p}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateMetricIdentifier(id: unknown, p: string): FieldError[] {
  const name = isObj(id) ? id.name : undefined;
  if (!name) return [required(`${p}.name`, 'must specify a metric name')];
  return messagesAt(`${p}.name`, name, validatePathSegmentName(name, false));
}

/** validateSource checks one metric source as Kubernetes' validate{Object,External,Pods,Resource,ContainerResource}Source. */
function validateSource(field: string, src: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const t: Obj = isObj(src.target) ? src.target : {};
  const tp = `${p}.target`;
  switch (field) {
    case 'object':
      errs.push(...validateCrossVersionObjectReference(src.describedObject, `${p}.describedObject`), ...validateMetricIdentifier(src.metric, `${p}.metric`), ...validateMetricTarget(t, tp));
      if (!isSet(t.value) && !isSet(t.averageValue)) errs.push(required(`${tp}.averageValue`, 'must set either a target value or averageValue'));
      break;
    case 'external':
      errs.push(...validateMetricIdentifier(src.metric, `${p}.metric`), ...validateMetricTarget(t, tp));
      if (!isSet(t.value) && !isSet(t.averageValue)) errs.push(required(`${tp}.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (isSet(t.value) && isSet(t.averageValue)) errs.push(forbidden(`${tp}.value`, 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      errs.push(...validateMetricIdentifier(src.metric, `${p}.metric`), ...validateMetricTarget(t, tp));
      if (!isSet(t.averageValue)) errs.push(required(`${tp}.averageValue`, 'must specify a positive target averageValue'));
      break;
    default: // resource, containerResource
      if (!src.name) errs.push(required(`${p}.name`, 'must specify a resource name'));
      if (field === 'containerResource') {
        if (!src.container) errs.push(required(`${p}.container`, 'must specify a container'));
        else errs.push(...messagesAt(`${p}.container`, src.container, isDNS1123Label(String(src.container))));
      }
      errs.push(...validateMetricTarget(t, tp));
      if (!isSet(t.averageUtilization) && !isSet(t.averageValue)) errs.push(required(`${tp}.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (isSet(t.averageUtilization) && isSet(t.averageValue)) errs.push(forbidden(`${tp}.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

/** validateMetricSpec: a known type, its source populated, and no other source. */
function validateMetricSpec(m: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) errs.push(required(`${p}.type`, 'must specify a metric source type'));
  if (!METRIC_TYPES.includes(m.type)) errs.push(notSupported(`${p}.type`, m.type ?? '', METRIC_TYPES));
  const present = SOURCE_FIELDS.filter((f) => isObj(m[f]));
  // Only the first source present is validated in depth; the others are forbidden below.
  if (present.length) errs.push(...validateSource(present[0], m[present[0]], `${p}.${present[0]}`));
  const expected = SOURCE_FIELD[m.type];
  if (expected && !present.includes(expected)) errs.push(required(`${p}.${expected}`, 'must populate information for the given metric source'));
  if (present.length > 1) {
    for (const f of present) if (f !== expected) errs.push(forbidden(`${p}.${f}`, 'must populate the given metric source only'));
  }
  return errs;
}

function validateBehaviorRules(rules: unknown, p: string): FieldError[] {
  if (!isObj(rules)) return [];
  const errs: FieldError[] = [];
  const w = rules.stabilizationWindowSeconds;
  if (isSet(w) && w < 0) errs.push(invalidField(`${p}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (isSet(w) && w > 3600) errs.push(invalidField(`${p}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (isSet(rules.selectPolicy) && !['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
    errs.push(notSupported(`${p}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies: Obj[] = Array.isArray(rules.policies) ? rules.policies : [];
  if (policies.length === 0) errs.push(required(`${p}.policies`, 'must specify at least one Policy'));
  policies.forEach((pol, i) => {
    const pp = `${p}.policies[${i}]`;
    if (!['Pods', 'Percent'].includes(pol?.type)) errs.push(notSupported(`${pp}.type`, pol?.type ?? '', ['Percent', 'Pods']));
    if (!(pol?.value > 0)) errs.push(invalidField(`${pp}.value`, pol?.value ?? 0, 'must be greater than zero'));
    if (!(pol?.periodSeconds > 0)) errs.push(invalidField(`${pp}.periodSeconds`, pol?.periodSeconds ?? 0, 'must be greater than zero'));
    if (pol?.periodSeconds > 1800) errs.push(invalidField(`${pp}.periodSeconds`, pol.periodSeconds, 'must be less than or equal to 1800'));
  });
  return errs;
}

/** validateHPAv2 is ValidateHorizontalPodAutoscaler over the v2 form, in Kubernetes' order and words. */
export function validateHPAv2(hpa: KubeObject): FieldError[] {
  const spec: Obj = isObj(hpa.spec) ? hpa.spec : {};
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  if (isSet(min) && min < 1) errs.push(invalidField('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (typeof max !== 'number' || max < 1) errs.push(invalidField('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  if (isSet(min) && (typeof max !== 'number' || max < min)) errs.push(invalidField('spec.maxReplicas', max ?? 0, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  metrics.forEach((m, i) => errs.push(...validateMetricSpec(isObj(m) ? m : {}, `spec.metrics[${i}]`)));
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
