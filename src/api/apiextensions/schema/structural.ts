/**
 * Structural access to an openAPIV3Schema: the parts of a schema that say what a value looks like
 * (properties, items, additionalProperties and the x-kubernetes extensions), as opposed to the
 * value validations under allOf/anyOf/oneOf/not. Pruning, defaulting and metadata coercion walk
 * only these, as apiextensions' Structural does.
 */
import type { JSONSchemaProps } from '../types.js';

/** AdditionalProperties: present (true, false or a schema) and the schema if one was given. */
export interface AdditionalProperties { present: boolean; allows: boolean; schema?: JSONSchemaProps }

/** additionalPropertiesOf reads additionalProperties (true/false/schema). */
export function additionalPropertiesOf(s: JSONSchemaProps | undefined): AdditionalProperties {
  const ap = s?.additionalProperties;
  if (ap === undefined || ap === null) return { present: false, allows: true };
  if (typeof ap === 'boolean') return { present: true, allows: ap };
  return { present: true, allows: true, schema: ap };
}

/** itemsOf returns the single items schema (an array of schemas has no structural meaning). */
export function itemsOf(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  const it = s?.items;
  return it && !Array.isArray(it) ? it : undefined;
}

/** propertyOf returns the schema of a named property, if declared. */
export function propertyOf(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  return s?.properties && Object.prototype.hasOwnProperty.call(s.properties, k) ? s.properties[k] : undefined;
}

/** fieldSchema is the schema for key k of an object: its property, else additionalProperties' schema. */
export function fieldSchema(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  return propertyOf(s, k) ?? additionalPropertiesOf(s).schema;
}

/** asResourceRoot marks a schema as the root of a resource (x-kubernetes-embedded-resource semantics). */
export function asResourceRoot(s: JSONSchemaProps | undefined): JSONSchemaProps {
  const base = s ?? {};
  return base['x-kubernetes-embedded-resource'] ? base : { ...base, 'x-kubernetes-embedded-resource': true };
}

/** isObject tells a decoded JSON object from other values. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
