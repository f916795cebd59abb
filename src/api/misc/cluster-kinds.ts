/** coordination.k8s.io/v1 leases, policy/v1 poddisruptionbudgets, storage.k8s.io/v1 storageclasses. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { forbidden, invalidText, messagesAt, nonNegative, notSupported, positive, required, IMMUTABLE, invalidField } from '../validation/field.js';
import { validateLabelSelector } from '../validation/labels.js';
import { isQualifiedName } from '../validation/names.js';
import { validatePositiveIntOrPercent } from '../apps/workload.js';

/** leases is the coordination.k8s.io/v1 Lease resource (node heartbeats, leader election). */
export const leases: ResourceDefinition = defineResource({
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true,
  strategy: {
    validate(lease) {
      const spec: Obj = isObj(lease.spec) ? lease.spec : {};
      return [...positive('spec.leaseDurationSeconds', spec.leaseDurationSeconds), ...nonNegative('spec.leaseTransitions', spec.leaseTransitions)];
    },
  },
});

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function validatePDB(pdb: KubeObject): FieldError[] {
  const spec: Obj = isObj(pdb.spec) ? pdb.spec : {};
  const errs: FieldError[] = [];
  const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
  const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
  if (hasMin && hasMax) errs.push(invalidText('spec', 'policy.PodDisruptionBudgetSpec{...}', 'minAvailable and maxUnavailable cannot be both set'));
  if (hasMin) errs.push(...validatePositiveIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (hasMax) errs.push(...validatePositiveIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.unhealthyPodEvictionPolicy !== undefined && !EVICTION_POLICIES.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  }
  return errs;
}

/** poddisruptionbudgets is the policy/v1 PodDisruptionBudget resource. */
export const poddisruptionbudgets: ResourceDefinition = defineResource({
  group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true,
  shortNames: ['pdb'], subresources: ['status'],
  strategy: specStatusStrategy({
    generation: true,
    initialStatus: () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
    validate: validatePDB,
  }),
  statusStrategy: statusStrategy(),
});

const RECLAIM = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

/** storageclasses is the storage.k8s.io/v1 StorageClass resource (reclaimPolicy Delete, Immediate binding). */
export const storageclasses: ResourceDefinition = defineResource({
  group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false,
  shortNames: ['sc'],
  strategy: {
    default(sc) {
      sc.reclaimPolicy ??= 'Delete';
      sc.volumeBindingMode ??= 'Immediate';
    },
    validate(sc) {
      const errs: FieldError[] = [];
      if (!sc.provisioner) errs.push(required('provisioner'));
      else errs.push(...messagesAt('provisioner', sc.provisioner, isQualifiedName(String(sc.provisioner).toLowerCase())));
      if (!RECLAIM.includes(String(sc.reclaimPolicy))) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM));
      if (!BINDING_MODES.includes(String(sc.volumeBindingMode))) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
      return errs;
    },
    validateUpdate(sc, old) {
      const errs: FieldError[] = [];
      if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
      if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
      if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
      if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(invalidField('volumeBindingMode', sc.volumeBindingMode, IMMUTABLE));
      return errs;
    },
  },
});
