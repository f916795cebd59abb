/**
 * ObjectMeta in custom resources (apiextensions' schema/objectmeta): the root's and every
 * embedded resource's `metadata` is decoded as Kubernetes' ObjectMeta — unknown fields dropped
 * (and reported for strict field validation), values of the wrong type refused with Go's
 * decoding error — and embedded resources must carry apiVersion, kind and valid metadata.
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import { getDefinition, type FieldType, type SchemaDefinition } from '../../schema/index.js';
import { goTypeName } from '../../schema/check-fields.js';
import { isDNS1035Label } from '../../validation/names.js';
import { validateObjectMeta } from '../../validation/objectmeta.js';
import type { JSONSchemaProps } from '../types.js';
import type { ObjectMeta } from '../../resource.js';
import { FieldPath } from './path.js';
import { additionalPropertiesOf, asResourceRoot, isObject, itemsOf, propertyOf } from './structural.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** ObjectMetaResult: unknown field paths found, or the decoding error. */
export interface ObjectMetaResult { unknown: string[]; error?: string }

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** MetaChecker walks a metadata value against the ObjectMeta definition, dropping unknown fields. */
class MetaChecker {
  readonly unknown: string[] = [];
  error?: string;
  constructor(private readonly drop: boolean) {}

  object(def: SchemaDefinition, v: Record<string, unknown>, path: string, goPath: string[]): void {
    for (const [k, value] of Object.entries(v)) {
      const f = def.fields.get(k);
      if (!f) {
        this.unknown.push(`${path}.${k}`);
        delete v[k];
        continue;
      }
      if (value === null) { delete v[k]; continue; }
      const before = this.error;
      this.value(f.type, value, `${path}.${k}`, [...goPath, k], def);
      if (this.drop && this.error !== before) { delete v[k]; this.error = before; }
    }
  }

  private fail(v: unknown, t: FieldType, goPath: string[], owner: SchemaDefinition): void {
    const ownerName = owner.name.slice(owner.name.lastIndexOf('.') + 1);
    this.error ??= `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${ownerName}.${goPath.join('.')} of type ${goTypeName(t)}`;
  }

  private value(t: FieldType, v: unknown, path: string, goPath: string[], owner: SchemaDefinition): void {
    switch (t.kind) {
      case 'string': if (typeof v !== 'string') this.fail(v, t, goPath, owner); return;
      case 'boolean': if (typeof v !== 'boolean') this.fail(v, t, goPath, owner); return;
      case 'integer': case 'number': if (typeof v !== 'number') this.fail(v, t, goPath, owner); return;
      case 'any': return;
      case 'array':
        if (!Array.isArray(v)) return this.fail(v, t, goPath, owner);
        v.forEach((x, i) => { if (x !== null) this.value(t.items, x, `${path}[${i}]`, goPath, owner); });
        return;
      case 'map':
        if (!isObject(v)) return this.fail(v, t, goPath, owner);
        for (const [k, x] of Object.entries(v)) if (x !== null) this.value(t.values, x, `${path}.${k}`, goPath, owner);
        return;
      case 'ref': {
        const def = getDefinition(t.name);
        if (!def || def.scalar === 'any' || def.scalar === 'object') return;
        if (def.scalar === 'date-time') { if (typeof v !== 'string') this.fail(v, { kind: 'string' }, goPath, owner); return; }
        if (def.scalar) return;
        if (!isObject(v)) return this.fail(v, t, goPath, owner);
        this.object(def, v, path, goPath);
      }
    }
  }
}

/**
 * coerceObjectMeta decodes obj.metadata as ObjectMeta in place (GetObjectMetaWithOptions +
 * SetObjectMeta): unknown fields are dropped and their paths returned (prefixed with
 * `<parent>.metadata`); a wrong type is an error, or with dropMalformed the field is dropped.
 */
export function coerceObjectMeta(obj: Record<string, unknown>, parentPath: string, dropMalformed: boolean): ObjectMetaResult {
  if (!('metadata' in obj)) return { unknown: [] };
  const meta = obj.metadata;
  const prefix = parentPath ? `${parentPath}.metadata` : 'metadata';
  if (meta === null) { delete obj.metadata; return { unknown: [] }; }
  if (!isObject(meta)) {
    if (dropMalformed) { delete obj.metadata; return { unknown: [] }; }
    return { unknown: [], error: `json: cannot unmarshal ${jsonKind(meta)} into Go value of type v1.ObjectMeta` };
  }
  const def = getDefinition(OBJECT_META);
  if (!def) return { unknown: [] };
  const c = new MetaChecker(dropMalformed);
  c.object(def, meta, prefix, []);
  if (!meta.creationTimestamp) delete meta.creationTimestamp;
  return { unknown: c.unknown, error: c.error };
}

/** CoerceResult: the first error found (a field error) and the unknown metadata field paths. */
export interface CoerceResult { error?: FieldError; unknown: string[] }

/**
 * coerce walks the structural schema and coerces the apiVersion, kind and metadata of every
 * embedded resource (objectmeta.CoerceWithOptions); the root counts as one with isResourceRoot.
 */
export function coerce(pth: FieldPath, x: unknown, s: JSONSchemaProps | undefined, isResourceRoot: boolean, dropInvalid: boolean): CoerceResult {
  const out: CoerceResult = { unknown: [] };
  const walk = (p: FieldPath, v: unknown, sch: JSONSchemaProps | undefined, unknownPrefix: string): FieldError | undefined => {
    if (!sch) return undefined;
    if (isObject(v)) {
      if (sch['x-kubernetes-embedded-resource']) {
        for (const k of ['apiVersion', 'kind']) {
          if (k in v && typeof v[k] !== 'string') {
            if (dropInvalid) delete v[k];
            else return { type: 'FieldValueInvalid', field: p.child(k).toString(), value: v[k], detail: 'must be a string' };
          }
        }
        if ('metadata' in v) {
          const r = coerceObjectMeta(v, pth.isNil() ? unknownPrefix : p.toString(), dropInvalid);
          out.unknown.push(...r.unknown);
          if (r.error && !dropInvalid) return { type: 'FieldValueInvalid', field: p.child('metadata').toString(), value: v.metadata, detail: r.error };
        }
      }
      const ap = additionalPropertiesOf(sch);
      for (const k of Object.keys(v)) {
        const prop = propertyOf(sch, k);
        const childPrefix = unknownPrefix ? `${unknownPrefix}.${k}` : k;
        let e: FieldError | undefined;
        if (prop) e = walk(p.child(k), v[k], prop, childPrefix);
        else if (ap.present) e = walk(p.key(k), v[k], ap.schema, childPrefix);
        if (e) return e;
      }
    } else if (Array.isArray(v)) {
      const items = itemsOf(sch);
      for (let i = 0; i < v.length; i++) {
        const e = walk(p.index(i), v[i], items, `${unknownPrefix}[${i}]`);
        if (e) return e;
      }
    }
    return undefined;
  };
  out.error = walk(pth, x, isResourceRoot ? asResourceRoot(s) : s, '');
  out.unknown.sort();
  return out;
}

/**
 * validateEmbeddedResources checks every x-kubernetes-embedded-resource value below the root
 * (objectmeta.Validate): apiVersion and kind present and well-formed, metadata valid ObjectMeta.
 */
export function validateEmbeddedResources(pth: FieldPath, x: unknown, s: JSONSchemaProps | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const walk = (p: FieldPath, v: unknown, sch: JSONSchemaProps | undefined) => {
    if (!sch) return;
    if (isObject(v)) {
      if (sch['x-kubernetes-embedded-resource']) errs.push(...validateEmbeddedResource(p, v));
      const ap = additionalPropertiesOf(sch);
      for (const k of Object.keys(v)) {
        const prop = propertyOf(sch, k);
        if (prop) walk(p.child(k), v[k], prop);
        else if (ap.present) walk(p.key(k), v[k], ap.schema);
      }
    } else if (Array.isArray(v)) {
      const items = itemsOf(sch);
      v.forEach((item, i) => walk(p.index(i), item, items));
    }
  };
  walk(pth, x, s);
  return errs;
}

function validateEmbeddedResource(p: FieldPath, x: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (!('apiVersion' in x)) errs.push({ type: 'FieldValueRequired', field: p.child('apiVersion').toString() });
  if (!('kind' in x)) errs.push({ type: 'FieldValueRequired', field: p.child('kind').toString() });
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push({ type: 'FieldValueInvalid', field: p.child(k).toString(), value: v, detail: 'must be a string' });
      else if (v === '') errs.push({ type: 'FieldValueInvalid', field: p.child(k).toString(), value: v, detail: 'must not be empty' });
      else if (v.split('/').length > 2) errs.push({ type: 'FieldValueInvalid', field: p.child(k).toString(), value: v, detail: `unexpected GroupVersion string: ${v}` });
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push({ type: 'FieldValueInvalid', field: p.child(k).toString(), value: v, detail: 'must be a string' });
      else if (v === '') errs.push({ type: 'FieldValueInvalid', field: p.child(k).toString(), value: v, detail: 'must not be empty' });
      else {
        const msgs = isDNS1035Label(v.toLowerCase());
        if (msgs.length) errs.push({ type: 'FieldValueInvalid', field: p.child(k).toString(), value: v, detail: `may have mixed case, but should otherwise match: ${msgs.join(',')}` });
      }
    } else if (k === 'metadata' && isObject(v)) {
      const meta = { ...v, name: v.name || 'fakename' } as ObjectMeta;
      // Embedded names follow ValidatePathSegment, the name rule events.k8s.io events have.
      const metaErrs = validateObjectMeta({ metadata: meta }, {
        group: 'events.k8s.io', version: '', kind: '', plural: 'events', singular: '', namespaced: !!meta.namespace, shortNames: [], categories: [], verbs: [], subresources: [], strategy: {},
      });
      for (const e of metaErrs) errs.push({ ...e, field: `${p.toString()}.${e.field}` });
    }
  }
  return errs;
}
