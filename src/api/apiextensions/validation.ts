/**
 * CustomResourceDefinition validation as kube-apiextensions-server does it
 * (pkg/apis/apiextensions/validation): names, group, scope, versions with exactly one storage
 * version, conversion, printer columns, subresources, selectable fields and the structural
 * openAPIV3Schema. A v1 object is first seen as the internal version sees it: per-version
 * schemas, subresources and columns that are identical in every version are judged once at
 * spec.validation / spec.subresources / spec.additionalPrinterColumns, which is why Kubernetes
 * reports e.g. `spec.validation.openAPIV3Schema.properties[spec].type` for a one-version CRD.
 */
import { type FieldError } from '../../apimachinery/errors.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/objectmeta.js';
import type { ResourceDefinition } from '../resource.js';
import type {
  CustomResourceColumnDefinition, CustomResourceConversion, CustomResourceDefinition, CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion, CustomResourceSubresources, JSONSchemaProps, SelectableField,
} from './types.js';
import { isConditionTrue } from './types.js';
import { FieldPath } from './schema/path.js';
import { goValueText } from './schema/gosyntax.js';
import { structuralConversionError, validateStructural } from './schema/structural-validation.js';
import { validateDefaults } from './schema/default-validation.js';
import { validateCELRulesStatically } from './schema/cel.js';
import { jsonEqual } from './schema/validator.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const ALLOWED_AT_ROOT_WITH_STATUS = new Set([
  'description', 'type', 'format', 'title', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength',
  'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'required', 'items', 'properties', 'externalDocs', 'example',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
]);
const ALLOWED_AT_ROOT_TEXT = '[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]';
/** KUBE_API_APPROVED_ANNOTATION marks approved CRDs of protected (k8s.io) groups. */
export const KUBE_API_APPROVED_ANNOTATION = 'api-approved.kubernetes.io';
/** MAX_SELECTABLE_FIELDS is how many selectableFields a version may have. */
export const MAX_SELECTABLE_FIELDS = 8;

const req = (p: FieldPath | string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field: p.toString(), ...(detail ? { detail } : {}) });
const inval = (p: FieldPath | string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: p.toString(), value, valueText: goValueText(value), detail });
const invalText = (p: FieldPath | string, valueText: string, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: p.toString(), valueText, detail });
const forbid = (p: FieldPath | string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: p.toString(), detail });
const notSupported = (p: FieldPath | string, value: unknown, supported: string[]): FieldError => ({ type: 'FieldValueNotSupported', field: p.toString(), value, supported });

/** InternalSpec is the CRD spec as the internal API version holds it (common per-version fields hoisted). */
export interface InternalSpec {
  group: string;
  version: string;
  names: CustomResourceDefinitionNames;
  scope: string;
  validation?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: CustomResourceSubresources;
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: SelectableField[];
  versions: CustomResourceDefinitionVersion[];
  conversion?: CustomResourceConversion;
  preserveUnknownFields?: boolean;
}

/** semanticEqual is apimachinery's Semantic.DeepEqual over JSON: empty and absent lists/maps are equal. */
function semanticEqual(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length ? v.map(norm) : undefined;
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) { const n = norm(x); if (n !== undefined) o[k] = n; }
      return Object.keys(o).length ? o : undefined;
    }
    return v;
  };
  const [x, y] = [norm(a), norm(b)];
  return x === undefined || y === undefined ? x === y : jsonEqual(x, y);
}

/** toInternal converts a v1 spec as Convert_v1_CustomResourceDefinitionSpec_To_apiextensions does. */
export function toInternal(spec: CustomResourceDefinition['spec']): InternalSpec {
  const versions = (spec.versions ?? []).map((v) => ({ ...v }));
  const out: InternalSpec = {
    group: spec.group ?? '', version: '', names: spec.names ?? { plural: '', kind: '' }, scope: spec.scope ?? '', versions,
    conversion: spec.conversion, preserveUnknownFields: spec.preserveUnknownFields,
  };
  if (!versions.length) return out;
  out.version = versions[0].name;
  const first = versions[0];
  const same = (f: (v: CustomResourceDefinitionVersion) => unknown) => versions.every((v) => semanticEqual(f(v), f(first)));
  const schemaSame = same((v) => v.schema);
  const subSame = same((v) => v.subresources);
  const colsSame = same((v) => v.additionalPrinterColumns);
  const selSame = same((v) => v.selectableFields);
  if (schemaSame) out.validation = first.schema;
  if (subSame) out.subresources = first.subresources;
  if (colsSame) out.additionalPrinterColumns = first.additionalPrinterColumns;
  if (selSame) out.selectableFields = first.selectableFields;
  for (const v of versions) {
    if (schemaSame) delete v.schema;
    if (subSame) delete v.subresources;
    if (colsSame) delete v.additionalPrinterColumns;
    if (selSame) delete v.selectableFields;
  }
  return out;
}

/** ValidationOptions mirror kube-apiextensions-server's validationOptions (tightening only for new data). */
interface ValidationOptions {
  allowDefaults: boolean;
  requireRecognizedConversionReviewVersion: boolean;
  requireImmutableNames: boolean;
  requireOpenAPISchema: boolean;
  requireValidPropertyType: boolean;
  requireStructuralSchema: boolean;
  requirePrunedDefaults: boolean;
  requireAtomicSetType: boolean;
  requireMapListKeysMapSetValidation: boolean;
}

const CREATE_OPTIONS: ValidationOptions = {
  allowDefaults: true, requireRecognizedConversionReviewVersion: true, requireImmutableNames: false, requireOpenAPISchema: true,
  requireValidPropertyType: true, requireStructuralSchema: true, requirePrunedDefaults: true, requireAtomicSetType: true,
  requireMapListKeysMapSetValidation: true,
};

/** validateCustomResourceDefinition validates a new CRD (ValidateCustomResourceDefinition). */
export function validateCustomResourceDefinition(crd: CustomResourceDefinition, def: ResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = toInternal(crd.spec ?? ({} as CustomResourceDefinition['spec']));
  errs.push(...validateObjectMeta(crd, def));
  const name = crd.metadata?.name;
  if (name && !crd.metadata?.generateName && name !== `${spec.names.plural}.${spec.group}`) {
    errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: 'must be spec.names.plural+"."+spec.group' });
  }
  errs.push(...validateSpec(spec, { ...CREATE_OPTIONS }, FieldPath.root('spec')));
  errs.push(...validateStatus(crd));
  errs.push(...validateStoredVersions(crd.status?.storedVersions ?? [], crd.spec?.versions ?? []));
  errs.push(...validateAPIApproval(crd, undefined));
  errs.push(...validatePreserveUnknownFields(crd, undefined));
  return errs;
}

/** validateCustomResourceDefinitionUpdate validates an update (ValidateCustomResourceDefinitionUpdate). */
export function validateCustomResourceDefinitionUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const oldSpec = toInternal(old.spec);
  const opts: ValidationOptions = {
    allowDefaults: true,
    requireRecognizedConversionReviewVersion: true,
    requireImmutableNames: isConditionTrue(old, 'Established'),
    requireOpenAPISchema: allVersionsSpecifyOpenAPISchema(oldSpec),
    requireValidPropertyType: !specHas(oldSpec, (s) => !!s.type && !OPENAPI_TYPES.includes(s.type)),
    requireStructuralSchema: !specHas(oldSpec, (s) => s === rootOf(oldSpec, s) && isNonStructural(s)),
    requirePrunedDefaults: true,
    requireAtomicSetType: true,
    requireMapListKeysMapSetValidation: true,
  };
  // A patch may null the spec out: validate it as an empty spec (Required errors), never crash.
  const spec = toInternal(crd.spec ?? ({} as CustomResourceDefinition['spec']));
  const errs: FieldError[] = [];
  errs.push(...validateObjectMetaUpdate(crd, old));
  errs.push(...validateSpec(spec, opts, FieldPath.root('spec')));
  const p = FieldPath.root('spec');
  if (opts.requireImmutableNames) {
    if (spec.scope !== oldSpec.scope) errs.push(inval(p.child('scope'), spec.scope, 'field is immutable'));
    if (spec.names.kind !== oldSpec.names.kind) errs.push(inval(p.child('names', 'kind'), spec.names.kind, 'field is immutable'));
  }
  if (spec.group !== oldSpec.group) errs.push(inval(p.child('group'), spec.group, 'field is immutable'));
  if (spec.names.plural !== oldSpec.names.plural) errs.push(inval(p.child('names', 'plural'), spec.names.plural, 'field is immutable'));
  errs.push(...validateStatus(crd));
  errs.push(...validateStoredVersions(crd.status?.storedVersions ?? [], crd.spec?.versions ?? []));
  errs.push(...validateAPIApproval(crd, old));
  errs.push(...validatePreserveUnknownFields(crd, old));
  return errs;
}

/** validateCustomResourceDefinitionStatusUpdate validates a status update (accepted names only). */
export function validateCustomResourceDefinitionStatusUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  return [...validateObjectMetaUpdate(crd, old), ...validateStatus(crd)];
}

function rootOf(_spec: InternalSpec, s: JSONSchemaProps): JSONSchemaProps {
  return s;
}

function isNonStructural(s: JSONSchemaProps): boolean {
  return !!structuralConversionError(s) || validateStructural(FieldPath.nil(), s).length > 0;
}

function allVersionsSpecifyOpenAPISchema(spec: InternalSpec): boolean {
  if (spec.validation?.openAPIV3Schema) return true;
  return spec.versions.every((v) => v.schema?.openAPIV3Schema);
}

/** schemaHas walks every schema node (SchemaHas) and tells whether pred holds for one. */
export function schemaHas(s: JSONSchemaProps | undefined, pred: (s: JSONSchemaProps) => boolean): boolean {
  if (!s) return false;
  if (pred(s)) return true;
  const kids: (JSONSchemaProps | undefined)[] = [
    ...(Array.isArray(s.items) ? s.items : [s.items]), ...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? []), s.not,
    ...Object.values(s.properties ?? {}), typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined,
    ...Object.values(s.patternProperties ?? {}), typeof s.additionalItems === 'object' ? s.additionalItems : undefined,
    ...Object.values(s.definitions ?? {}), ...Object.values(s.dependencies ?? {}).map((d) => (Array.isArray(d) ? undefined : d)),
  ];
  return kids.some((k) => schemaHas(k, pred));
}

function specHas(spec: InternalSpec, pred: (s: JSONSchemaProps) => boolean): boolean {
  if (schemaHas(spec.validation?.openAPIV3Schema, pred)) return true;
  return spec.versions.some((v) => schemaHas(v.schema?.openAPIV3Schema, pred));
}

function hasExtensions(s: JSONSchemaProps): boolean {
  return !!s['x-kubernetes-embedded-resource'] || s['x-kubernetes-preserve-unknown-fields'] !== undefined || !!s['x-kubernetes-int-or-string']
    || !!s['x-kubernetes-list-map-keys']?.length || s['x-kubernetes-list-type'] !== undefined || !!s['x-kubernetes-validations']?.length;
}

function validateSpec(spec: InternalSpec, opts: ValidationOptions, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.group) errs.push(req(p.child('group')));
  else {
    const msgs = isDNS1123Subdomain(spec.group);
    if (msgs.length) errs.push(inval(p.child('group'), spec.group, msgs.join(',')));
    else if (spec.group.split('.').length < 2) errs.push(inval(p.child('group'), spec.group, 'should be a domain with at least one dot'));
  }
  errs.push(...validateEnum(p.child('scope'), spec.scope, ['Cluster', 'Namespaced'], true));
  if (!spec.preserveUnknownFields) opts.requireStructuralSchema = true;
  if (opts.requireOpenAPISchema) {
    if (!spec.validation?.openAPIV3Schema) {
      spec.versions.forEach((v, i) => { if (!v.schema?.openAPIV3Schema) errs.push(req(p.child('versions').index(i).child('schema').child('openAPIV3Schema'), 'schemas are required')); });
    }
  } else if (!spec.preserveUnknownFields && !spec.validation?.openAPIV3Schema) {
    spec.versions.forEach((v, i) => {
      if (v.served && !v.schema?.openAPIV3Schema) errs.push(req(p.child('versions').index(i).child('schema', 'openAPIV3Schema'), 'because otherwise all fields are pruned'));
    });
  }
  if (opts.allowDefaults && specHas(spec, (s) => s.default !== undefined && s.default !== null)) {
    opts.requireStructuralSchema = true;
    if (spec.preserveUnknownFields === undefined || spec.preserveUnknownFields) {
      // v1 defaults preserveUnknownFields to false; only an explicit true gets here.
      if (spec.preserveUnknownFields) errs.push(inval(p.child('preserveUnknownFields'), true, 'must be false in order to use defaults in the schema'));
    }
  }
  if (specHas(spec, hasExtensions)) opts.requireStructuralSchema = true;

  let storageFlagCount = 0;
  const seen = new Set<string>();
  let uniqueNames = true;
  spec.versions.forEach((v, i) => {
    if (v.storage) storageFlagCount++;
    if (seen.has(v.name)) uniqueNames = false;
    else seen.add(v.name);
    const msgs = isDNS1035Label(v.name ?? '');
    if (msgs.length) errs.push(inval(p.child('versions').index(i).child('name'), v.name ?? '', msgs.join(',')));
    const subresources = hasPerVersion(spec.versions, 'subresources') ? v.subresources : spec.subresources;
    errs.push(...validateVersion(v, p.child('versions').index(i), !!subresources?.status, opts));
  });
  if (spec.validation && hasPerVersion(spec.versions, 'schema')) errs.push(forbid(p.child('validation'), 'top-level and per-version schemas are mutually exclusive'));
  if (spec.subresources && hasPerVersion(spec.versions, 'subresources')) errs.push(forbid(p.child('subresources'), 'top-level and per-version subresources are mutually exclusive'));
  if (spec.additionalPrinterColumns?.length && spec.versions.some((v) => v.additionalPrinterColumns?.length)) {
    errs.push(forbid(p.child('additionalPrinterColumns'), 'top-level and per-version additionalPrinterColumns are mutually exclusive'));
  }
  const versionsText = '[]apiextensions.CustomResourceDefinitionVersion{...}';
  if (!uniqueNames) errs.push(invalText(p.child('versions'), versionsText, 'must contain unique version names'));
  if (storageFlagCount !== 1) errs.push(invalText(p.child('versions'), versionsText, 'must have exactly one version marked as storage version'));
  if (spec.version) {
    const msgs = isDNS1035Label(spec.version);
    if (msgs.length) errs.push(inval(p.child('version'), spec.version, msgs.join(',')));
  }
  if (!spec.names.plural) errs.push(req(p.child('names', 'plural')));
  if (!spec.names.singular) errs.push(req(p.child('names', 'singular')));
  if (!spec.names.kind) errs.push(req(p.child('names', 'kind')));
  if (!spec.names.listKind) errs.push(req(p.child('names', 'listKind')));
  errs.push(...validateNames(spec.names, p.child('names')));
  const anyStatus = !!spec.subresources?.status || spec.versions.some((v) => !!v.subresources?.status);
  errs.push(...validateValidation(spec.validation, anyStatus, opts, p.child('validation')));
  errs.push(...validateSubresources(spec.subresources, p.child('subresources')));
  (spec.additionalPrinterColumns ?? []).forEach((c, i) => errs.push(...validateColumn(c, p.child('additionalPrinterColumns').index(i))));
  if (spec.selectableFields?.length) {
    if (!spec.validation) errs.push(inval(p.child('selectableFields'), '', 'selectableFields may only be set when validations.schema is included'));
    else errs.push(...validateSelectableFields(spec.selectableFields, spec.validation.openAPIV3Schema, p.child('selectableFields')));
  }
  if (spec.conversion && spec.conversion.strategy !== 'None' && spec.preserveUnknownFields) {
    errs.push(inval(p.child('conversion').child('strategy'), spec.conversion.strategy, 'must be None if spec.preserveUnknownFields is true'));
  }
  errs.push(...validateConversion(spec.conversion, p.child('conversion')));
  return errs;
}

function hasPerVersion(versions: CustomResourceDefinitionVersion[], f: 'schema' | 'subresources'): boolean {
  return versions.some((v) => v[f] !== undefined && v[f] !== null);
}

function validateEnum(p: FieldPath, value: string, accepted: string[], required: boolean): FieldError[] {
  if (!value) return required ? [req(p)] : [];
  return accepted.includes(value) ? [] : [notSupported(p, value, accepted)];
}

function validateVersion(v: CustomResourceDefinitionVersion, p: FieldPath, statusEnabled: boolean, opts: ValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const dw = v.deprecationWarning;
  if (!v.deprecated && dw !== undefined) errs.push(inval(p.child('deprecationWarning'), dw, 'can only be set for deprecated versions'));
  else if (dw !== undefined) {
    if (dw.length > 256) errs.push(inval(p.child('deprecationWarning'), dw, 'must be <= 256 characters long'));
    if (dw.length === 0) errs.push(inval(p.child('deprecationWarning'), dw, 'must not be an empty string'));
    // eslint-disable-next-line no-control-regex
    const ctl = /[\u0000-\u001f\u007f-\u009f]/.exec(dw);
    if (ctl) errs.push(inval(p.child('deprecationWarning'), dw, `must only contain printable UTF-8 characters; non-printable character found at index ${Buffer.byteLength(dw.slice(0, ctl.index))}`));
  }
  errs.push(...validateValidation(v.schema, statusEnabled, opts, p.child('schema')));
  errs.push(...validateSubresources(v.subresources, p.child('subresources')));
  (v.additionalPrinterColumns ?? []).forEach((c, i) => errs.push(...validateColumn(c, p.child('additionalPrinterColumns').index(i))));
  if (v.selectableFields?.length) {
    if (!v.schema?.openAPIV3Schema) errs.push(inval(p.child('selectableFields'), '', 'selectableFields may only be set when version.schema.openAPIV3Schema is not included'));
    else errs.push(...validateSelectableFields(v.selectableFields, v.schema.openAPIV3Schema, p.child('selectableFields')));
  }
  return errs;
}

/** validateNames checks plural, singular, kind, listKind, shortNames and categories. */
export function validateNames(names: CustomResourceDefinitionNames, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const label = (f: string, v: string | undefined) => {
    if (!v) return;
    const msgs = isDNS1035Label(v);
    if (msgs.length) errs.push(inval(p.child(f), v, msgs.join(',')));
  };
  const kindLike = (f: string, v: string | undefined) => {
    if (!v) return;
    const msgs = isDNS1035Label(v.toLowerCase());
    if (msgs.length) errs.push(inval(p.child(f), v, `may have mixed case, but should otherwise match: ${msgs.join(',')}`));
  };
  label('plural', names.plural);
  label('singular', names.singular);
  kindLike('kind', names.kind);
  kindLike('listKind', names.listKind);
  (names.shortNames ?? []).forEach((s, i) => {
    const msgs = isDNS1035Label(s);
    if (msgs.length) errs.push(inval(p.child('shortNames').index(i), s, msgs.join(',')));
  });
  if (names.kind && names.kind === names.listKind) errs.push(inval(p.child('listKind'), names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => {
    const msgs = isDNS1035Label(c);
    if (msgs.length) errs.push(inval(p.child('categories').index(i), c, msgs.join(',')));
  });
  return errs;
}

function validateStatus(crd: CustomResourceDefinition): FieldError[] {
  return validateNames(crd.status?.acceptedNames ?? { plural: '', kind: '' }, FieldPath.root('status').child('acceptedNames'));
}

function validateStoredVersions(stored: string[], versions: CustomResourceDefinitionVersion[]): FieldError[] {
  const p = FieldPath.root('status').child('storedVersions');
  if (!stored.length) return [invalText(p, '[]string(nil)', 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const remaining = new Map(stored.map((v, i) => [v, i]));
  for (const v of versions) {
    const has = remaining.has(v.name);
    if (v.storage && !has) errs.push(invalText(p, `[]string{${stored.map((s) => JSON.stringify(s)).join(', ')}}`, `must have the storage version ${v.name}`));
    if (has) remaining.delete(v.name);
  }
  for (const [v, i] of remaining) errs.push(inval(p.index(i), v, 'must appear in spec.versions'));
  return errs;
}

function isProtectedCommunityGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

type ApprovalState = 'missing' | 'bypassed' | 'approved' | 'invalid';

function approvalState(annotations: Record<string, string> | undefined): { state: ApprovalState; reason: string } {
  const a = annotations?.[KUBE_API_APPROVED_ANNOTATION] ?? '';
  if (!a) return { state: 'missing', reason: `protected groups must have approval annotation "${KUBE_API_APPROVED_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111` };
  if (a.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: "${a}"` };
  try {
    const u = new URL(a);
    if (u.host && u.protocol) return { state: 'approved', reason: `approved in ${a}` };
  } catch { /* not a URL */ }
  return { state: 'invalid', reason: `protected groups must have approval annotation "${KUBE_API_APPROVED_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111` };
}

function validateAPIApproval(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): FieldError[] {
  if (!isProtectedCommunityGroup(crd.spec?.group ?? '')) return [];
  const next = approvalState(crd.metadata?.annotations);
  if (old && approvalState(old.metadata?.annotations).state === next.state) return [];
  const field = `metadata.annotations[${KUBE_API_APPROVED_ANNOTATION}]`;
  if (next.state === 'missing') return [req(field, next.reason)];
  if (next.state === 'invalid') return [inval(field, crd.metadata?.annotations?.[KUBE_API_APPROVED_ANNOTATION] ?? '', next.reason)];
  return [];
}

function validatePreserveUnknownFields(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): FieldError[] {
  if (old?.spec?.preserveUnknownFields) return [];
  if (crd.spec?.preserveUnknownFields) {
    return [inval('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  }
  return [];
}

/** validateColumn checks one printer column. */
export function validateColumn(c: CustomResourceColumnDefinition, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(req(p.child('name')));
  const types = `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`;
  if (!c.type) errs.push(req(p.child('type'), types));
  else if (!PRINTER_COLUMN_TYPES.includes(c.type)) errs.push(inval(p.child('type'), c.type, types));
  if (c.format && !COLUMN_FORMATS.includes(c.format)) errs.push(inval(p.child('format'), c.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  if (!c.jsonPath) errs.push(req(p.child('JSONPath')));
  else errs.push(...validateSimpleJSONPath(c.jsonPath, p.child('JSONPath')));
  return errs;
}

function validateSimpleJSONPath(s: string, p: FieldPath): FieldError[] {
  if (s.length === 0) return [inval(p, s, 'must not be empty')];
  if (s[0] !== '.') return [inval(p, s, 'must be a simple json path starting with .')];
  return [];
}

/** validateSubresources checks the scale subresource's paths. */
export function validateSubresources(sub: CustomResourceSubresources | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const scale = sub?.scale;
  if (!scale) return errs;
  const under = (path: string | undefined, field: string, prefixes: string[], what: string) => {
    if (!path) { errs.push(req(p.child(field))); return; }
    const e = validateSimpleJSONPath(path, p.child(field));
    if (e.length) errs.push(...e);
    else if (!prefixes.some((x) => path.startsWith(x))) errs.push(inval(p.child(field), path, what));
  };
  under(scale.specReplicasPath, 'scale.specReplicasPath', ['.spec.'], 'should be a json path under .spec');
  under(scale.statusReplicasPath, 'scale.statusReplicasPath', ['.status.'], 'should be a json path under .status');
  if (scale.labelSelectorPath) under(scale.labelSelectorPath, 'scale.labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status');
  return errs;
}

/** resolveFieldPath follows a selectable field path (cel.ValidFieldPath without array notation). */
export function resolveFieldPath(jsonPath: string, schema: JSONSchemaProps | undefined): { path: string[]; schema?: JSONSchemaProps } | { error: string } {
  let s = schema;
  const path: string[] = [];
  const tokens = jsonPath.match(/'(?:[^'\\]|\\.)*'|[.[\]]|[^.[\]']+/g) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '[') return { error: 'array notation is not allowed' };
    if (tok !== '.') return { error: `expected [ or . but got: ${tok}` };
    const name = tokens[++i];
    if (name === undefined) return { error: 'unexpected end of JSON path' };
    if (s?.properties) {
      if (!s.properties[name]) return { error: 'does not refer to a valid field' };
      s = s.properties[name];
    } else if (s && s.additionalProperties !== undefined) {
      s = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    } else {
      return { error: 'does not refer to a valid field' };
    }
    path.push(name);
  }
  return { path, schema: s };
}

function validateSelectableFields(fields: SelectableField[], schema: JSONSchemaProps | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const at = p.index(i).child('jsonPath');
    if (!f.jsonPath) { errs.push(req(at)); return; }
    const r = resolveFieldPath(f.jsonPath, schema);
    if ('error' in r) { errs.push(inval(at, f.jsonPath, `is an invalid path: ${r.error}`)); return; }
    if (r.path[0] === 'metadata') errs.push(inval(at, f.jsonPath, 'must not point to fields in metadata'));
    if (!r.schema || !['string', 'boolean', 'integer'].includes(r.schema.type ?? '')) {
      errs.push(inval(at, f.jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    const key = r.path.join('.');
    if (unique.has(key)) errs.push({ type: 'FieldValueDuplicate', field: at.toString(), value: f.jsonPath });
    else unique.add(key);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS) errs.push({ type: 'FieldValueTooMany', field: p.toString(), detail: `${unique.size}: must have at most ${MAX_SELECTABLE_FIELDS} items` });
  return errs;
}

function validateConversion(c: CustomResourceConversion | undefined, p: FieldPath): FieldError[] {
  if (!c) return [];
  const errs = validateEnum(p.child('strategy'), c.strategy ?? '', ['None', 'Webhook'], true);
  if (c.strategy === 'Webhook') {
    const cc = c.webhook?.clientConfig;
    if (!cc) errs.push(req(p.child('webhookClientConfig'), 'required when strategy is set to Webhook'));
    else if ((cc.url === undefined) === (cc.service === undefined)) errs.push(req(p.child('webhookClientConfig'), 'exactly one of url or service is required'));
    const versions = c.webhook?.conversionReviewVersions ?? [];
    const vp = p.child('conversionReviewVersions');
    if (!versions.length) errs.push(req(vp));
    else {
      const seen = new Set<string>();
      let accepted = false;
      versions.forEach((v, i) => {
        if (seen.has(v)) { errs.push(inval(vp.index(i), v, 'duplicate version')); return; }
        seen.add(v);
        for (const m of isDNS1035Label(v)) errs.push(inval(vp.index(i), v, m));
        if (v === 'v1' || v === 'v1beta1') accepted = true;
      });
      if (!accepted) errs.push(invalText(vp, `[]string{${versions.map((v) => JSON.stringify(v)).join(', ')}}`, 'must include at least one of v1, v1beta1'));
    }
  } else {
    if (c.webhook?.clientConfig) errs.push(forbid(p.child('webhookClientConfig'), 'should not be set when strategy is not set to Webhook'));
    if (c.webhook?.conversionReviewVersions?.length) errs.push(forbid(p.child('conversionReviewVersions'), 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

/** SchemaValidationContext carries what the per-node schema checks need (specStandardValidatorV3). */
interface NodeContext {
  allowDefaults: boolean;
  disallowDefaultsReason?: string;
  insideResourceMeta: boolean;
  requireValidPropertyType: boolean;
  /** set when oldSelf may not be used below (uncorrelatable lists/maps) */
  uncorrelatablePath?: string;
}

function validateValidation(v: { openAPIV3Schema?: JSONSchemaProps } | undefined, statusEnabled: boolean, opts: ValidationOptions, p: FieldPath): FieldError[] {
  const schema = v?.openAPIV3Schema;
  if (!schema) return [];
  const errs: FieldError[] = [];
  if (statusEnabled) {
    for (const [k, value] of Object.entries(schema)) {
      if (value === undefined || value === null || value === false || value === '' || (Array.isArray(value) && value.length === 0)) continue;
      if (k === 'type') {
        if (schema.type !== 'object') {
          errs.push(inval(p.child('openAPIV3Schema.type'), schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.has(k)) {
        errs.push(invalText(p.child('openAPIV3Schema'), 'apiextensions.JSONSchemaProps{...}', `only ${ALLOWED_AT_ROOT_TEXT} fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable) errs.push(forbid(p.child('openAPIV3Schema.nullable'), 'nullable cannot be true at the root'));
  const sp = p.child('openAPIV3Schema');
  const structuralInitErrs: FieldError[] = [];
  let celOK = false;
  if (opts.requireStructuralSchema) {
    const convErr = structuralConversionError(schema);
    if (convErr) structuralInitErrs.push(inval(sp, '', convErr));
    else {
      const sErrs = validateStructural(sp, schema);
      if (sErrs.length) errs.push(...sErrs);
      else {
        const dErrs = validateDefaults(sp, schema, true, opts.requirePrunedDefaults);
        if (dErrs.length) errs.push(...dErrs);
        else celOK = true;
      }
    }
  }
  const schemaErrs: FieldError[] = [];
  validateOpenAPISchema(schema, sp, { allowDefaults: opts.allowDefaults, insideResourceMeta: false, requireValidPropertyType: opts.requireValidPropertyType }, true, opts, schemaErrs);
  errs.push(...schemaErrs);
  if (celOK && schemaErrs.length === 0) errs.push(...validateCELRulesStatically(sp, schema));
  if (errs.length === 0 && structuralInitErrs.length) errs.push(...structuralInitErrs);
  return errs;
}

function validateNode(s: JSONSchemaProps, p: FieldPath, ctx: NodeContext): FieldError[] {
  const errs: FieldError[] = [];
  if (ctx.requireValidPropertyType && s.type && !OPENAPI_TYPES.includes(s.type)) errs.push(notSupported(p.child('type'), s.type, OPENAPI_TYPES));
  if (s.default !== undefined && s.default !== null && !ctx.allowDefaults) {
    errs.push(forbid(p.child('default'), `must not be set${ctx.disallowDefaultsReason ? ` ${ctx.disallowDefaultsReason}` : ''}`));
  }
  if (s.id) errs.push(forbid(p.child('id'), 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(forbid(p.child('additionalItems'), 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length) errs.push(forbid(p.child('patternProperties'), 'patternProperties is not supported'));
  if (s.definitions && Object.keys(s.definitions).length) errs.push(forbid(p.child('definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(forbid(p.child('dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forbid(p.child('$ref'), '$ref is not supported'));
  if (s.type === 'null') errs.push(forbid(p.child('type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length) errs.push(forbid(p.child('items'), 'items must be a schema object and not an array'));
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource']) errs.push(forbid(p.child('x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  return errs;
}

function validateOpenAPISchema(s: JSONSchemaProps | undefined, p: FieldPath, ctx: NodeContext, isRoot: boolean, opts: ValidationOptions, errs: FieldError[]): void {
  if (!s) return;
  errs.push(...validateNode(s, p, ctx));
  if (s.uniqueItems) errs.push(forbid(p.child('uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined) {
    const ap = s.additionalProperties;
    if (s.properties && Object.keys(s.properties).length && (ap === false || typeof ap === 'object')) {
      errs.push(forbid(p.child('additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    const sub = ctx.insideResourceMeta ? { ...ctx, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : ctx;
    if (typeof ap === 'object') validateOpenAPISchema(ap, p.child('additionalProperties'), sub, false, opts, errs);
  }
  for (const k of Object.keys(s.properties ?? {}).sort()) {
    let sub: NodeContext = ctx;
    if (s['x-kubernetes-map-type'] === 'atomic' && !sub.uncorrelatablePath) sub = { ...sub, uncorrelatablePath: p.toString() };
    if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${k}` };
    }
    validateOpenAPISchema(s.properties![k], p.child('properties').key(k), sub, false, opts, errs);
  }
  validateOpenAPISchema(s.not, p.child('not'), ctx, false, opts, errs);
  (s.allOf ?? []).forEach((x, i) => validateOpenAPISchema(x, p.child('allOf').index(i), ctx, false, opts, errs));
  (s.oneOf ?? []).forEach((x, i) => validateOpenAPISchema(x, p.child('oneOf').index(i), ctx, false, opts, errs));
  (s.anyOf ?? []).forEach((x, i) => validateOpenAPISchema(x, p.child('anyOf').index(i), ctx, false, opts, errs));
  for (const k of Object.keys(s.definitions ?? {}).sort()) validateOpenAPISchema(s.definitions![k], p.child('definitions').key(k), ctx, false, opts, errs);
  if (s.items !== undefined) {
    const sub = s['x-kubernetes-list-type'] !== 'map' && !ctx.uncorrelatablePath ? { ...ctx, uncorrelatablePath: p.toString() } : ctx;
    if (Array.isArray(s.items)) s.items.forEach((x, i) => validateOpenAPISchema(x, p.child('items').index(i), sub, false, opts, errs));
    else validateOpenAPISchema(s.items, p.child('items'), sub, false, opts, errs);
  }
  for (const k of Object.keys(s.dependencies ?? {}).sort()) {
    const d = s.dependencies![k];
    if (!Array.isArray(d)) validateOpenAPISchema(d, p.child('dependencies').key(k), ctx, false, opts, errs);
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(inval(p.child('x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type) errs.push(req(p.child('type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(inval(p.child('type'), s.type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') errs.push(notSupported(p.child('x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  const listType = s['x-kubernetes-list-type'];
  const items = Array.isArray(s.items) ? undefined : s.items;
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type) errs.push(req(p.child('type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(inval(p.child('type'), s.type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (opts.requireAtomicSetType && listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(inval(p.child('items').child('x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(invalText(p.child('items').child('x-kubernetes-map-type'), items['x-kubernetes-list-type'] === undefined ? 'null' : JSON.stringify(items['x-kubernetes-list-type']), 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) errs.push(notSupported(p.child('x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  if (mapKeys.length) {
    if (listType === undefined) errs.push(req(p.child('x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(inval(p.child('x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (!mapKeys.length) errs.push(req(p.child('x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined) errs.push(req(p.child('items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) errs.push(invalText(p.child('items'), '&apiextensions.JSONSchemaPropsOrArray{...}', 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') errs.push(inval(p.child('items').child('type'), items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    if (items && items.type === 'object') {
      const keys = new Set<string>();
      for (const k of mapKeys) {
        const ks = items.properties?.[k];
        const keysText = `[]string{${mapKeys.map((x) => JSON.stringify(x)).join(', ')}}`;
        if (ks) {
          if (ks.type === 'array' || ks.type === 'object') errs.push(inval(p.child('items').child('properties').key(k).child('type'), items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
        } else {
          errs.push(invalText(p.child('x-kubernetes-list-map-keys'), keysText, 'entries must all be names of item properties'));
        }
        if (keys.has(k)) errs.push(invalText(p.child('x-kubernetes-list-map-keys'), keysText, 'must not contain duplicate entries'));
        keys.add(k);
      }
    }
  }
  if (opts.requireMapListKeysMapSetValidation) errs.push(...validateMapListKeysMapSet(s, p));
  (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const rp = p.child('x-kubernetes-validations').index(i);
    const trimmedRule = (rule.rule ?? '').trim();
    const trimmedMsg = (rule.message ?? '').trim();
    if (!trimmedRule) errs.push(req(rp.child('rule'), 'rule is not specified'));
    else if (rule.message && !trimmedMsg) errs.push(inval(rp.child('message'), rule.message, 'must be non-empty if specified'));
    else if (/[\n\r]/.test(trimmedMsg)) errs.push(inval(rp.child('message'), rule.message, 'must not contain line breaks'));
    else if (/[\n\r]/.test(trimmedRule) && !trimmedMsg) errs.push(req(rp.child('message'), 'message must be specified if rule contains line breaks'));
    if (rule.messageExpression !== undefined && rule.messageExpression !== '' && !rule.messageExpression.trim()) {
      errs.push(req(rp.child('messageExpression'), 'messageExpression must be non-empty if specified'));
    }
    if (rule.reason !== undefined && !VALIDATION_REASONS.includes(rule.reason)) errs.push(notSupported(rp.child('reason'), rule.reason, VALIDATION_REASONS));
    if (rule.fieldPath !== undefined && rule.fieldPath !== '') {
      if (!rule.fieldPath.trim()) errs.push(inval(rp.child('fieldPath'), rule.fieldPath, 'must be non-empty if specified'));
      if (/[\n\r]/.test(rule.fieldPath)) errs.push(inval(rp.child('fieldPath'), rule.fieldPath, 'must not contain line breaks'));
      else if (!structuralConversionError(s) && 'error' in resolveRulePath(rule.fieldPath, s)) errs.push(inval(rp.child('fieldPath'), rule.fieldPath, 'must be a valid path'));
    }
  });
}

/** resolveRulePath validates a rule's fieldPath, where array notation (['key']) is allowed. */
function resolveRulePath(path: string, s: JSONSchemaProps): { ok: true } | { error: string } {
  const plain = path.replace(/\['((?:[^'\\]|\\.)*)'\]/g, (_m, k: string) => `.${k}`);
  const r = resolveFieldPath(plain, s);
  return 'error' in r ? r : { ok: true };
}

function validateMapListKeysMapSet(s: JSONSchemaProps, p: FieldPath): FieldError[] {
  const items = Array.isArray(s.items) ? undefined : s.items;
  const lt = s['x-kubernetes-list-type'];
  if (!items || (lt !== 'set' && lt !== 'map')) return [];
  const errs: FieldError[] = [];
  if (items.nullable) errs.push(forbid(p.child('items').child('nullable'), `cannot be nullable when x-kubernetes-list-type is ${lt}`));
  if (lt === 'map') {
    const required = new Set(items.required ?? []);
    for (const k of s['x-kubernetes-list-map-keys'] ?? []) {
      const ks = items.properties?.[k];
      if (!ks) continue;
      if (!required.has(k) && (ks.default === undefined || ks.default === null)) {
        errs.push(req(p.child('items').child('properties').key(k).child('default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
      if (ks.nullable) errs.push(forbid(p.child('items').child('properties').key(k).child('nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
    }
  }
  return errs;
}

/** unrecognizedFormatWarnings lists the `unrecognized format "x"` warnings of a new CRD (WarningsOnCreate). */
export function crdWarnings(crd: CustomResourceDefinition, unrecognized: (type: string | undefined, format: string | undefined) => boolean): string[] {
  const out: string[] = [];
  const sets = new Set<string>();
  for (const v of crd.spec?.versions ?? []) {
    schemaHas(v.schema?.openAPIV3Schema, (s) => {
      if (s.format && unrecognized(s.type, s.format)) out.push(`unrecognized format "${s.format}"`);
      const it = Array.isArray(s.items) ? undefined : s.items;
      if (s['x-kubernetes-list-type'] === 'set' && it && (it.type === 'object' || it.type === 'array')) {
        sets.add(`x-kubernetes-list-type: set for items of type "${it.type}" is not supported by server-side apply or CEL validation rules`);
      }
      return false;
    });
  }
  return [...out, ...[...sets].sort()];
}

export { nameIsDNSSubdomain };
