/** core/v1 namespaces and nodes: cluster-scoped kinds with create-time status. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource, ALL_VERBS } from '../common/define.js';
import { isObj, clone, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { ResourceDefinition } from '../resource.js';
import { invalidField, messagesAt, notSupported } from '../validation/field.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

/** NAMESPACE_NAME_LABEL is the label every namespace carries with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** namespaces is the core/v1 Namespace resource (spec.finalizers [kubernetes], status.phase Active). */
export const namespaces: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false,
  shortNames: ['ns'], verbs: ALL_VERBS.filter((v) => v !== 'deletecollection'), subresources: ['finalize', 'status'],
  strategy: specStatusStrategy({
    default(ns) {
      const meta = (ns.metadata ??= {});
      if (meta.name) meta.labels = { ...(meta.labels ?? {}), [NAMESPACE_NAME_LABEL]: meta.name };
    },
    initialStatus: () => ({ phase: 'Active' }),
    prepareForCreate(ns) {
      const spec: Obj = isObj(ns.spec) ? ns.spec : (ns.spec = {});
      // Kubernetes' namespace lifecycle always holds a new namespace with the `kubernetes` finalizer.
      const fin: string[] = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      spec.finalizers = fin.includes('kubernetes') ? fin : [...fin, 'kubernetes'];
    },
    prepareForUpdate(ns, old) {
      // spec.finalizers change only through the finalize subresource.
      const spec: Obj = isObj(ns.spec) ? ns.spec : (ns.spec = {});
      const oldFin = (old.spec as Obj | undefined)?.finalizers;
      if (oldFin === undefined) delete spec.finalizers;
      else spec.finalizers = clone(oldFin);
    },
    validate(ns) {
      const fin = (ns.spec as Obj | undefined)?.finalizers;
      const errs: FieldError[] = [];
      if (Array.isArray(fin)) for (const f of fin) errs.push(...messagesAt('spec.finalizers', f, isQualifiedName(String(f))));
      return errs;
    },
  }),
  statusStrategy: statusStrategy({ lightMetadata: true }),
  selectableFields: { 'status.phase': (o) => (o.status as Obj | undefined)?.phase ?? '' },
});

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateNode(node: Obj): FieldError[] {
  const spec: Obj = isObj(node.spec) ? node.spec : {};
  const errs: FieldError[] = [];
  if (Array.isArray(spec.taints)) {
    (spec.taints as Obj[]).forEach((t, i) => {
      const p = `spec.taints[${i}]`;
      errs.push(...messagesAt(`${p}.key`, t?.key ?? '', isQualifiedName(String(t?.key ?? ''))));
      if (t?.value) errs.push(...messagesAt(`${p}.value`, t.value, isValidLabelValue(String(t.value))));
      if (!TAINT_EFFECTS.includes(t?.effect)) errs.push(notSupported(`${p}.effect`, t?.effect ?? '', TAINT_EFFECTS));
    });
  }
  if (spec.podCIDR && !/^[0-9a-fA-F:.]+\/\d+$/.test(spec.podCIDR)) errs.push(invalidField('spec.podCIDR', spec.podCIDR, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  return errs;
}

/** nodes is the core/v1 Node resource; agents may send status with the create, as Kubernetes allows. */
export const nodes: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false,
  shortNames: ['no'], subresources: ['proxy', 'status'],
  strategy: specStatusStrategy({
    initialStatus: (node) => {
      const st: Obj = isObj(node.status) ? node.status : {};
      if (isObj(st.capacity) && !isObj(st.allocatable)) st.allocatable = clone(st.capacity);
      return st;
    },
    validate: (node) => validateNode(node as Obj),
  }),
  statusStrategy: statusStrategy({
    lightMetadata: true,
    validateUpdate: (node) => {
      const st = node.status as Obj | undefined;
      if (st && isObj(st.capacity) && !isObj(st.allocatable)) st.allocatable = clone(st.capacity);
      return [];
    },
  }),
  selectableFields: { 'spec.unschedulable': (o) => String((o.spec as Obj | undefined)?.unschedulable === true) },
});
