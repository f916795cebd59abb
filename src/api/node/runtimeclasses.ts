/**
 * node.k8s.io/v1 RuntimeClass: a named container runtime configuration (handler) with its pod
 * overhead and scheduling constraints. Cluster-scoped; the handler is immutable.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { tryParseQuantity } from '../../apimachinery/quantity.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { IMMUTABLE, invalidField, messagesAt, required } from '../validation/field.js';
import { isDNS1123Label, isQualifiedName } from '../validation/names.js';
import { validateLabels } from '../validation/labels.js';

function validateRuntimeClass(rc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const handler = rc.handler;
  if (typeof handler !== 'string' || handler === '') errs.push(required('handler'));
  else errs.push(...messagesAt('handler', handler, isDNS1123Label(handler)));
  const podFixed = get(rc, 'overhead', 'podFixed');
  if (isObj(podFixed)) {
    for (const [k, v] of Object.entries(podFixed)) {
      const p = `overhead.podFixed[${k}]`;
      errs.push(...isQualifiedName(k).map((m) => invalidField(p, k, m)));
      const n = tryParseQuantity(v);
      if (n === undefined) errs.push(invalidField(p, v, 'must be a valid quantity'));
      else if (n < 0) errs.push(invalidField(p, String(v), 'must be greater than or equal to 0'));
    }
  }
  const scheduling: Obj | undefined = isObj(rc.scheduling) ? rc.scheduling : undefined;
  if (scheduling) errs.push(...validateLabels(scheduling.nodeSelector, 'scheduling.nodeSelector'));
  return errs;
}

/** runtimeClassPrinter: NAME HANDLER AGE. */
export const runtimeClassPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Handler', 'Handler is the name of the underlying runtime and configuration. Handler must conform to the DNS Label (RFC 1123) requirements, and is immutable.'),
    AGE,
  ],
  cells: (o, now) => [get(o, 'metadata', 'name'), get(o, 'handler') ?? '', ageOf(get(o, 'metadata', 'creationTimestamp'), now)],
};

/** runtimeclasses is the node.k8s.io/v1 RuntimeClass resource. */
export const runtimeclasses: ResourceDefinition = defineResource({
  group: 'node.k8s.io', version: 'v1', kind: 'RuntimeClass', plural: 'runtimeclasses', namespaced: false,
  table: runtimeClassPrinter,
  strategy: {
    validate: validateRuntimeClass,
    validateUpdate(rc, old) {
      const errs = validateRuntimeClass(rc);
      if (rc.handler !== old.handler) errs.push(invalidField('handler', rc.handler, IMMUTABLE));
      return errs;
    },
  },
});
