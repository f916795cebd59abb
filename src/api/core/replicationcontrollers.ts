/** core/v1 replicationcontrollers: selector and labels default from the template's labels. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { clone, isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { validateTemplateForOwner, templateLabels } from '../apps/workload.js';
import { validateWorkloadStatus } from '../apps/deployments.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { nonNegative, required } from '../validation/field.js';
import { validateLabels } from '../validation/labels.js';
import { defaultPodTemplate } from './pod-defaults.js';

/** defaultReplicationController: replicas 1, selector and labels from the template's labels. */
export function defaultReplicationController(rc: Obj): void {
  const spec: Obj = isObj(rc.spec) ? rc.spec : (rc.spec = {});
  const labels = templateLabels(spec.template);
  if (labels) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = clone(labels);
    const meta = (rc.metadata ??= {});
    if (!isObj(meta.labels) || Object.keys(meta.labels).length === 0) meta.labels = clone(labels);
  }
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

function validateRC(rc: KubeObject): FieldError[] {
  const spec: Obj = isObj(rc.spec) ? rc.spec : {};
  const errs: FieldError[] = [
    ...nonNegative('spec.replicas', spec.replicas),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
  ];
  if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateTemplateForOwner(spec.template, spec.selector, 'ReplicationController', true));
  return errs;
}

/** replicationcontrollers is the core/v1 ReplicationController resource. */
export const replicationcontrollers: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true,
  shortNames: ['rc'], categories: ['all'], subresources: ['scale', 'status'],
  strategy: specStatusStrategy({ generation: true, default: defaultReplicationController, validate: validateRC }),
  statusStrategy: statusStrategy({ validateUpdate: (rc) => validateWorkloadStatus(rc) }),
  scale: { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['spec', 'selector'] },
  selectableFields: { 'status.replicas': (o) => String((o.status as Obj | undefined)?.replicas ?? 0) },
});
