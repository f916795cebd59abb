/**
 * Defaulting from a structural schema (apiextensions' defaulting.Default): a missing field, or a
 * null one the schema does not allow, gets its `default` (a copy), in nested objects, list items
 * and map values too. PruneNonNullableNullsWithoutDefaults drops the nulls nothing can fill.
 */
import type { JSONSchemaProps } from '../types.js';
import { additionalPropertiesOf, isObject, itemsOf, propertyOf } from './structural.js';

function isNonNullableNull(x: unknown, s: JSONSchemaProps | undefined): boolean {
  return x === null && !!s && !s.nullable;
}

function copy<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** applyDefaults fills defaults into x in place. */
export function applyDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined || prop.default === null) continue;
      if (!(k in x) || isNonNullableNull(x[k], prop)) x[k] = copy(prop.default);
    }
    const ap = additionalPropertiesOf(s);
    for (const k of Object.keys(x)) {
      const prop = propertyOf(s, k);
      if (prop) applyDefaults(x[k], prop);
      else if (ap.present) {
        if (isNonNullableNull(x[k], ap.schema) && ap.schema?.default !== undefined) x[k] = copy(ap.schema.default);
        applyDefaults(x[k], ap.schema);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items) && items?.default !== undefined) x[i] = copy(items.default);
      applyDefaults(x[i], items);
    }
  }
}

function schemaForField(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  if (!s) return undefined;
  return propertyOf(s, k) ?? additionalPropertiesOf(s).schema;
}

/** pruneNonNullableNullsWithoutDefaults removes null fields that are neither nullable nor defaulted. */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (isObject(x)) {
    for (const k of Object.keys(x)) {
      const fs = schemaForField(s, k);
      if (x[k] === null && fs && !fs.nullable && fs.default === undefined) delete x[k];
      else pruneNonNullableNullsWithoutDefaults(x[k], fs);
    }
  } else if (Array.isArray(x)) {
    const items = s ? itemsOf(s) : undefined;
    for (const v of x) pruneNonNullableNullsWithoutDefaults(v, items);
  }
}
