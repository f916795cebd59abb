/**
 * ObjectMeta validation (apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate), called by the
 * generic registry store for every resource before the resource's own strategy validation.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import type { KubeObject, ObjectMeta, ResourceDefinition } from '../resource.js';
import { IMMUTABLE, forbidden, invalidField, invalidText, nonNegative, required } from './field.js';
import { validateAnnotations, validateLabels } from './labels.js';
import {
  nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, isQualifiedName, validatePathSegmentName, type NameValidator,
} from './names.js';

/** NAME_RULES lists the kinds whose names are not DNS subdomains (key: group/plural). */
const NAME_RULES: Record<string, NameValidator> = {
  '/namespaces': nameIsDNSLabel,
  '/services': nameIsDNS1035Label,
  // Events may be named after anything they report on (`<object>.<hex>`); only path safety applies.
  '/events': validatePathSegmentName,
  'events.k8s.io/events': validatePathSegmentName,
  // RBAC names may hold ':' (system:basic-user): ValidateRBACName is path-segment only.
  'rbac.authorization.k8s.io/roles': validatePathSegmentName,
  'rbac.authorization.k8s.io/clusterroles': validatePathSegmentName,
  'rbac.authorization.k8s.io/rolebindings': validatePathSegmentName,
  'rbac.authorization.k8s.io/clusterrolebindings': validatePathSegmentName,
  // Kubernetes does not care what certificate requests are called; APIServices are `version.group` (checked by their strategy).
  'certificates.k8s.io/certificatesigningrequests': validatePathSegmentName,
  'apiregistration.k8s.io/apiservices': validatePathSegmentName,
};

/** nameValidatorFor returns the name rule of a resource. */
export function nameValidatorFor(def: Pick<ResourceDefinition, 'group' | 'plural'>): NameValidator {
  return NAME_RULES[`${def.group}/${def.plural}`] ?? nameIsDNSSubdomain;
}

/** validateObjectMeta checks metadata of a new or updated object. */
export function validateObjectMeta(obj: KubeObject, def: ResourceDefinition): FieldError[] {
  const meta: ObjectMeta = obj.metadata ?? {};
  const errs: FieldError[] = [];
  const nameFn = nameValidatorFor(def);
  if (meta.generateName) {
    errs.push(...nameFn(meta.generateName, true).map((m) => invalidField('metadata.generateName', meta.generateName, m)));
  }
  if (!meta.name) {
    errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    errs.push(...nameFn(meta.name, false).map((m) => invalidField('metadata.name', meta.name, m)));
  }
  if (def.namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace'));
    else errs.push(...nameIsDNSLabel(meta.namespace, false).map((m) => invalidField('metadata.namespace', meta.namespace, m)));
  } else if (meta.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...nonNegative('metadata.generation', meta.generation));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

/** validateOwnerReferences checks required fields and that at most one reference is the controller. */
export function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const ref of refs as Record<string, unknown>[]) {
    const apiVersion = String(ref?.apiVersion ?? '');
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    if (!version) errs.push(invalidField(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!ref?.kind) errs.push(invalidField(`${field}.kind`, String(ref?.kind ?? ''), 'kind must not be empty'));
    if (!ref?.name) errs.push(invalidField(`${field}.name`, String(ref?.name ?? ''), 'name must not be empty'));
    if (!ref?.uid) errs.push(invalidField(`${field}.uid`, String(ref?.uid ?? ''), 'uid must not be empty'));
    if (ref?.controller === true) controllers.push(`${ref.kind}/${ref.name}`);
  }
  if (controllers.length > 1) {
    errs.push(invalidText(field, '[]v1.OwnerReference{...}',
      `Only one reference can have Controller set to true. Found "true" in references for [${controllers.join(' ')}]`));
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  for (const f of finalizers) errs.push(...isQualifiedName(String(f)).map((m) => invalidField(field, f, m)));
  return errs;
}

/** validateObjectMetaUpdate rejects changes to identity fields (name, namespace, uid, creationTimestamp). */
export function validateObjectMetaUpdate(newObj: KubeObject, oldObj: KubeObject): FieldError[] {
  const n: ObjectMeta = newObj.metadata ?? {};
  const o: ObjectMeta = oldObj.metadata ?? {};
  const errs: FieldError[] = [];
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    const nv = n[f] ?? '';
    const ov = o[f] ?? '';
    if (nv !== ov) errs.push(invalidField(`metadata.${f}`, nv, IMMUTABLE));
  }
  if (o.deletionTimestamp && n.deletionTimestamp !== undefined && n.deletionTimestamp !== o.deletionTimestamp) {
    errs.push(invalidField('metadata.deletionTimestamp', n.deletionTimestamp, 'field is immutable; may only be changed via deletion'));
  }
  return errs;
}
