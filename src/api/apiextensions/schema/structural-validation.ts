/**
 * Structural schema rules (apiextensions' schema.NewStructural and ValidateStructural): a v1 CRD
 * schema specifies a type for every field, keeps value validations (allOf/anyOf/oneOf/not) free
 * of types, defaults and extensions, lets metadata restrict only name and generateName, and its
 * embedded resources, int-or-string and list/map extensions are well formed.
 */
import { fieldErrorMessage, type FieldError } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { FieldPath } from './path.js';
import { compileGoRegexp } from './regexp.js';
import { additionalPropertiesOf, itemsOf } from './structural.js';

type Level = 'root' | 'item' | 'field';

const req = (p: FieldPath, detail: string): FieldError => ({ type: 'FieldValueRequired', field: p.toString(), detail });
const forbid = (p: FieldPath, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: p.toString(), detail });
const inval = (p: FieldPath, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: p.toString(), value, detail });

/**
 * structuralConversionError is NewStructural's refusal of fields a structural schema cannot hold,
 * or undefined when the schema converts.
 */
export function structuralConversionError(s: JSONSchemaProps | undefined): string | undefined {
  if (!s) return undefined;
  if (s.id) return "OpenAPIV3Schema 'id' is not supported";
  if (s.$schema) return "OpenAPIV3Schema 'schema' is not supported";
  if (s.$ref) return "OpenAPIV3Schema '$ref' is not supported";
  if (s.patternProperties && Object.keys(s.patternProperties).length) return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (s.dependencies && Object.keys(s.dependencies).length) return "OpenAPIV3Schema 'dependencies' is not supported";
  if (s.additionalItems !== undefined) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (s.definitions && Object.keys(s.definitions).length) return "OpenAPIV3Schema 'definitions' is not supported";
  if (s['x-kubernetes-preserve-unknown-fields'] === false) return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  const children: (JSONSchemaProps | undefined)[] = [
    s.not, ...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? []), ...Object.values(s.properties ?? {}),
    typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined,
  ];
  if (Array.isArray(s.items)) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  children.push(s.items);
  for (const c of children) {
    const e = structuralConversionError(c);
    if (e) return e;
  }
  return undefined;
}

const INT_OR_STRING_ANY_OF = (xs: JSONSchemaProps[] | undefined): boolean =>
  !!xs && xs.length === 2 && onlyType(xs[0], 'integer') && onlyType(xs[1], 'string');

function onlyType(s: JSONSchemaProps, t: string): boolean {
  const keys = Object.keys(s);
  return keys.length === 1 && s.type === t;
}

function isIntOrStringAnyOfPattern(s: JSONSchemaProps): boolean {
  return INT_OR_STRING_ANY_OF(s.anyOf);
}

function isIntOrStringAllOfPattern(s: JSONSchemaProps): boolean {
  return !!s.allOf?.length && INT_OR_STRING_ANY_OF(s.allOf[0].anyOf);
}

const sortedKeys = (o: Record<string, unknown> | undefined) => Object.keys(o ?? {}).sort();

function validateInvariants(s: JSONSchemaProps | undefined, lvl: Level, p: FieldPath): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  const items = itemsOf(s);
  if (s.type === 'array' && !items) errs.push(req(p.child('items'), 'must be specified'));
  errs.push(...validateInvariants(items, 'item', p.child('items')));
  for (const k of sortedKeys(s.properties)) errs.push(...validateInvariants(s.properties![k], 'field', p.child('properties').key(k)));
  const ap = additionalPropertiesOf(s);
  if (ap.present) {
    if (lvl === 'root') errs.push(forbid(p.child('additionalProperties'), 'must not be used at the root'));
    if (ap.schema) errs.push(...validateInvariants(ap.schema, 'field', p.child('additionalProperties')));
  }
  const intOrString = !!s['x-kubernetes-int-or-string'];
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  const embedded = !!s['x-kubernetes-embedded-resource'];
  if (intOrString && preserve) errs.push(inval(p.child('x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(inval(p.child('x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  errs.push(...validateValueValidation(s, isIntOrStringAnyOfPattern(s), isIntOrStringAllOfPattern(s), lvl, p));
  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    if (!s.type) errs.push(req(p.child('type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(inval(p.child('type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !intOrString && !preserve) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(req(p.child('type'), detail));
  }
  if (embedded && ap.present) errs.push(forbid(p.child('additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(inval(p.child('type'), s.type, 'must be object at the root'));
  for (const k of ['kind', 'apiVersion']) {
    const prop = s.properties?.[k];
    if (prop && checkMetadata && prop.type !== 'string') errs.push(inval(p.child('properties').key(k).child('type'), prop.type ?? '', 'must be string'));
  }
  const metadata = s.properties?.metadata;
  if (metadata) errs.push(...validateMetadataInvariants(metadata, checkMetadata, lvl, p.child('properties').key('metadata')));
  if (embedded && !preserve && !Object.keys(s.properties ?? {}).length) {
    errs.push(req(p.child('properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

function validateMetadataInvariants(s: JSONSchemaProps, checkMetadata: boolean, lvl: Level, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && s.type !== 'object') errs.push(inval(p.child('type'), s.type ?? '', 'must be object'));
  if (lvl === 'root') {
    // Only name and generateName may be restricted; type and default are judged elsewhere.
    const rest: Record<string, unknown> = { ...s };
    delete rest.type;
    delete rest.default;
    const props = Object.keys(s.properties ?? {});
    const onlyNames = props.length > 0 && props.every((k) => k === 'name' || k === 'generateName');
    if (onlyNames || (s.properties && props.length === 0)) delete rest.properties;
    // Zero values (false, '', []) are what Go's decoder leaves for absent fields.
    for (const [k, v] of Object.entries(rest)) if (v === false || v === '' || v === null || (Array.isArray(v) && v.length === 0)) delete rest[k];
    if (Object.keys(rest).length > 0) {
      errs.push(forbid(p, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  return errs;
}

function validateValueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf) (s.anyOf ?? []).forEach((x, i) => errs.push(...validateNested(x, false, lvl, p.child('anyOf').index(i))));
  (s.allOf ?? []).forEach((x, i) => errs.push(...validateNested(x, skipFirstAllOfAnyOf && i === 0, lvl, p.child('allOf').index(i))));
  (s.oneOf ?? []).forEach((x, i) => errs.push(...validateNested(x, false, lvl, p.child('oneOf').index(i))));
  if (s.not) errs.push(...validateNested(s.not, false, lvl, p.child('not')));
  if (s.pattern) {
    const re = compileGoRegexp(s.pattern);
    if (re instanceof Error) errs.push(inval(p.child('pattern'), s.pattern, `must be a valid regular expression, but isn't: ${re.message}`));
  }
  return errs;
}

function validateNested(v: JSONSchemaProps, skipAnyOf: boolean, lvl: Level, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateValueValidation(v, skipAnyOf, false, lvl, p));
  const items = itemsOf(v);
  if (items) errs.push(...validateNested(items, false, lvl, p.child('items')));
  for (const k of sortedKeys(v.properties)) errs.push(...validateNested(v.properties![k], false, 'field', p.child('properties').key(k)));
  if (v.type) errs.push(forbid(p.child('type'), 'must be empty to be structural'));
  const ap = additionalPropertiesOf(v);
  if (ap.present && ap.allows) errs.push(forbid(p.child('additionalProperties'), 'must be undefined to be structural'));
  if (v.default !== undefined && v.default !== null) errs.push(forbid(p.child('default'), 'must be undefined to be structural'));
  if (v.title) errs.push(forbid(p.child('title'), 'must be empty to be structural'));
  if (v.description) errs.push(forbid(p.child('description'), 'must be empty to be structural'));
  if (v.nullable) errs.push(forbid(p.child('nullable'), 'must be false to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields']) errs.push(forbid(p.child('x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (v['x-kubernetes-embedded-resource']) errs.push(forbid(p.child('x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (v['x-kubernetes-int-or-string']) errs.push(forbid(p.child('x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (v['x-kubernetes-list-map-keys']?.length) errs.push(forbid(p.child('x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (v['x-kubernetes-list-type'] !== undefined) errs.push(forbid(p.child('x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (v['x-kubernetes-map-type'] !== undefined) errs.push(forbid(p.child('x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (v['x-kubernetes-validations']?.length) errs.push(forbid(p.child('x-kubernetes-validations'), 'must be empty to be structural'));
  if (v.properties && 'metadata' in v.properties) errs.push(forbid(p.child('properties').key('metadata'), 'must not be specified in a nested context'));
  return errs;
}

function validateCompleteness(s: JSONSchemaProps, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const nested = (v: JSONSchemaProps, st: JSONSchemaProps | undefined, sPath: FieldPath, vPath: FieldPath): void => {
    if (!st) { errs.push(req(sPath, `because it is defined in ${vPath.toString()}`)); return; }
    valueCompleteness(v, st, sPath, vPath);
    const vi = itemsOf(v);
    if (vi) nested(vi, itemsOf(st), sPath.child('items'), vPath.child('items'));
    for (const k of sortedKeys(v.properties)) {
      const sf = st.properties?.[k];
      if (!sf) errs.push(req(sPath.child('properties').key(k), `because it is defined in ${vPath.child('properties').key(k).toString()}`));
      else nested(v.properties![k], sf, sPath.child('properties').key(k), vPath.child('properties').key(k));
    }
  };
  const valueCompleteness = (v: JSONSchemaProps, st: JSONSchemaProps, sPath: FieldPath, vPath: FieldPath): void => {
    if (v.not) nested(v.not, st, sPath, vPath.child('not'));
    (v.allOf ?? []).forEach((x, i) => nested(x, st, sPath, vPath.child('allOf').index(i)));
    (v.anyOf ?? []).forEach((x, i) => nested(x, st, sPath, vPath.child('anyOf').index(i)));
    (v.oneOf ?? []).forEach((x, i) => nested(x, st, sPath, vPath.child('oneOf').index(i)));
  };
  valueCompleteness(s, s, p, p);
  return errs;
}

/**
 * validateStructural returns the structural-schema violations of s, sorted by message as
 * Kubernetes sorts them (its maps iterate in random order).
 */
export function validateStructural(p: FieldPath, s: JSONSchemaProps): FieldError[] {
  const errs = [...validateInvariants(s, 'root', p), ...validateCompleteness(s, p)];
  return errs.sort((a, b) => {
    const x = fieldErrorMessage(a);
    const y = fieldErrorMessage(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
