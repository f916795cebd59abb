/**
 * x-kubernetes-list-type set and map: items of a set must be unique, items of a map unique by
 * their x-kubernetes-list-map-keys (apiextensions' listtype.ValidateListSetsAndMaps).
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { goValueText } from './gosyntax.js';
import type { FieldPath } from './path.js';
import { additionalPropertiesOf, isObject, itemsOf, propertyOf } from './structural.js';

function duplicate(p: FieldPath, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field: p.toString(), value, valueText: goValueText(value) };
}

/** validateListSetsAndMaps checks every set and map list under an object. */
export function validateListSetsAndMaps(p: FieldPath, s: JSONSchemaProps | undefined, obj: Record<string, unknown>): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  const ap = additionalPropertiesOf(s);
  if (ap.schema) for (const [k, v] of Object.entries(obj)) errs.push(...validateValue(p.key(k), ap.schema, v));
  if (s.properties) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = propertyOf(s, k);
      if (sub) errs.push(...validateValue(p.child(k), sub, v));
    }
  }
  return errs;
}

function validateValue(p: FieldPath, s: JSONSchemaProps, v: unknown): FieldError[] {
  if (Array.isArray(v)) return validateArray(p, s, v);
  if (isObject(v)) return validateListSetsAndMaps(p, s, v);
  return [];
}

function validateArray(p: FieldPath, s: JSONSchemaProps, arr: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'set') {
    for (const i of nonUniqueIndices(arr)) errs.push(duplicate(p.index(i), arr[i]));
  } else if (lt === 'map') {
    errs.push(...validateListMap(p, s, arr));
  }
  const items = itemsOf(s);
  if (items) arr.forEach((v, i) => errs.push(...validateValue(p.index(i), items, v)));
  return errs;
}

/** nonUniqueIndices returns the index of the second occurrence of each repeated value. */
function nonUniqueIndices(arr: unknown[]): number[] {
  if (arr.length <= 1) return [];
  const seen = new Map<string, number>();
  const out: number[] = [];
  arr.forEach((x, i) => {
    const key = typeof x === 'object' && x !== null ? `c:${canonical(x)}` : `s:${typeof x}:${String(x)}`;
    const times = seen.get(key) ?? 0;
    seen.set(key, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function validateListMap(p: FieldPath, s: JSONSchemaProps, arr: unknown[]): FieldError[] {
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (x !== null && !isObject(x)) {
      return [{ type: 'FieldValueInvalid', field: p.index(i).toString(), value: x, valueText: goValueText(x), detail: 'must be an object for an array of list-type map' }];
    }
  }
  if (arr.length <= 1) return [];
  const keyFields = s['x-kubernetes-list-map-keys'] ?? [];
  const keys = arr.map((x) => {
    const key: Record<string, unknown> = {};
    if (isObject(x)) for (const k of keyFields) if (k in x) key[k] = x[k];
    return key;
  });
  return nonUniqueIndices(keys.map((k) => (keyFields.length === 1 ? (k[keyFields[0]] === undefined ? { __unspecified: true } : k[keyFields[0]]) : k)))
    .map((i) => duplicate(p.index(i), keys[i]));
}
