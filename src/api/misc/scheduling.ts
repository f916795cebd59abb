/**
 * scheduling.k8s.io/v1 PriorityClass: a name → pod priority mapping (cluster-scoped, short name
 * pc). The Priority admission plugin (admission/plugins/priority.ts) resolves pods' priorityClassName with it;
 * system-cluster-critical and system-node-critical are created at bootstrap.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { forbidden, invalidField, IMMUTABLE, notSupported } from '../validation/field.js';

/** HIGHEST_USER_DEFINABLE_PRIORITY is the largest value a class not named system-* may have. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** SYSTEM_CRITICAL_PRIORITY is system-cluster-critical's value. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

/** SYSTEM_PRIORITY_CLASSES are the classes kube-apiserver creates at start. */
export const SYSTEM_PRIORITY_CLASSES: KubeObject[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' },
    value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' },
    value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

const POLICIES = ['Never', 'PreemptLowerPriority'];

function knownSystemClass(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const c = SYSTEM_PRIORITY_CLASSES.find((x) => x.metadata?.name === name);
  if (!c) return `${name} is not a known system priority class`;
  if (c.value !== value) return `value of ${name} PriorityClass must be ${c.value}`;
  if ((globalDefault ?? false) !== false) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

function validatePriorityClass(pc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-')) {
    const why = knownSystemClass(name, pc.value, pc.globalDefault);
    if (why) errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (typeof pc.value === 'number' && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined && !POLICIES.includes(String(pc.preemptionPolicy))) errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, POLICIES));
  return errs;
}

/** priorityClassPrinter: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY. */
export const priorityClassPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Value', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', 0, 'integer'),
    col('Global-Default', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.', 0, 'boolean'),
    AGE,
    col('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  cells: (o, now) => [get(o, 'metadata', 'name'), get(o, 'value') ?? 0, get(o, 'globalDefault') ?? false, ageOf(get(o, 'metadata', 'creationTimestamp'), now), get(o, 'preemptionPolicy') ?? '<unset>'],
};

/** priorityclasses is the scheduling.k8s.io/v1 PriorityClass resource. */
export const priorityclasses: ResourceDefinition = defineResource({
  group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false,
  shortNames: ['pc'], table: priorityClassPrinter,
  strategy: {
    default(pc) {
      pc.value ??= 0;
      pc.preemptionPolicy ??= 'PreemptLowerPriority';
    },
    validate: validatePriorityClass,
    validateUpdate(pc, old) {
      const errs: FieldError[] = [];
      if (pc.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
      if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(invalidField('preemptionPolicy', pc.preemptionPolicy, IMMUTABLE));
      return errs;
    },
  },
});
