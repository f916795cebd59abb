/** apps/v1 deployments and replicasets. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { forbidden, invalidField, invalidText, nonNegative, notSupported } from '../validation/field.js';
import {
  goIntOrString, isZeroIntOrPercent, validatePositiveIntOrPercent, validateReplicaFields, validateSelectorAndTemplate,
  validateSelectorUpdate,
} from './workload.js';

const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});
const SCALE = { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['spec', 'selector'] };

/** defaultDeployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(d: Obj): void {
  const spec: Obj = isObj(d.spec) ? d.spec : (d.spec = {});
  spec.replicas ??= 1;
  const strategy: Obj = isObj(spec.strategy) ? spec.strategy : (spec.strategy = {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru: Obj = isObj(strategy.rollingUpdate) ? strategy.rollingUpdate : (strategy.rollingUpdate = {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

const STRATEGY_TYPES = ['Recreate', 'RollingUpdate'];

/** validateDeployment is ValidateDeploymentSpec with Kubernetes' messages. */
export function validateDeployment(d: KubeObject): FieldError[] {
  const spec = specOf(d);
  const errs: FieldError[] = [...nonNegative('spec.replicas', spec.replicas)];
  errs.push(...validateSelectorAndTemplate(spec, { emptySelectorKind: 'deployment', ownerKind: 'ReplicaSet', unconvertibleSelector: 'reject' }));
  const strategy: Obj = isObj(spec.strategy) ? spec.strategy : {};
  if (strategy.type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (strategy.type === 'RollingUpdate') {
    const ru: Obj = isObj(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errs.push(...validatePositiveIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    if (isZeroIntOrPercent(ru.maxSurge) && isZeroIntOrPercent(ru.maxUnavailable)) {
      errs.push(invalidText('spec.strategy.rollingUpdate.maxUnavailable', goIntOrString(ru.maxUnavailable ?? 0), 'may not be 0 when `maxSurge` is 0'));
    }
  } else {
    errs.push(notSupported('spec.strategy.type', strategy.type ?? '', STRATEGY_TYPES));
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalidField('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** deployments is the apps/v1 Deployment resource. */
export const deployments: ResourceDefinition = defineResource({
  group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true,
  shortNames: ['deploy'], categories: ['all'], subresources: ['scale', 'status'],
  strategy: specStatusStrategy({
    generation: true,
    default: defaultDeployment,
    validate: validateDeployment,
    validateUpdate: (d, old) => validateSelectorUpdate(specOf(d), specOf(old)),
  }),
  // As upstream: a status update may not change spec or labels, but may change annotations (the
  // deployment controller records the revision through /status).
  statusStrategy: statusStrategy({ resetMetadata: ['labels'], validateUpdate: (d) => validateWorkloadStatus(d) }),
  scale: SCALE,
});

/** validateWorkloadStatus: the replica counters of a workload status are non-negative. */
export function validateWorkloadStatus(obj: KubeObject): FieldError[] {
  const st: Obj = isObj(obj.status) ? obj.status : {};
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'fullyLabeledReplicas', 'currentReplicas', 'observedGeneration']) {
    errs.push(...nonNegative(`status.${f}`, st[f]));
  }
  return errs;
}

/** defaultReplicaSet: replicas 1 and the template's defaults. */
export function defaultReplicaSet(rs: Obj): void {
  const spec: Obj = isObj(rs.spec) ? rs.spec : (rs.spec = {});
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

/** replicasets is the apps/v1 ReplicaSet resource. */
export const replicasets: ResourceDefinition = defineResource({
  group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true,
  shortNames: ['rs'], categories: ['all'], subresources: ['scale', 'status'],
  strategy: specStatusStrategy({
    generation: true,
    default: defaultReplicaSet,
    validate(rs) {
      const spec = specOf(rs);
      return [...validateReplicaFields(spec), ...validateSelectorAndTemplate(spec, { emptySelectorKind: 'deployment', ownerKind: 'ReplicaSet', unconvertibleSelector: 'reject' })];
    },
    validateUpdate: (rs, old) => validateSelectorUpdate(specOf(rs), specOf(old)),
  }),
  statusStrategy: statusStrategy({ validateUpdate: (rs) => validateWorkloadStatus(rs) }),
  scale: SCALE,
  selectableFields: { 'status.replicas': (o) => String((o.status as Obj | undefined)?.replicas ?? 0) },
});

