/**
 * Decoded JSON → CEL values, typed by the structural schema as Kubernetes' UnstructuredToVal
 * does: integers are int, numbers double, int-or-string int or string, date/date-time strings
 * timestamps, duration strings durations, byte strings bytes; objects with properties expose
 * only their declared properties (under their escaped CEL names), objects with
 * additionalProperties are maps; lists remember their x-kubernetes-list-type so that set and
 * map lists compare regardless of order. Library values (quantities, URLs, IPs, optionals) are
 * opaque handles. celEquals is CEL equality with those Kubernetes list semantics.
 */
import { celEnv, celList, celMap, celType, isCelList, isCelMap, isCelUint, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import type { JSONSchemaProps } from '../types.js';
import { escapeName, withTypeAndObjectMeta } from './cel-decltype.js';
import { durationMessage, parseSchemaDate, parseSchemaDateTime, parseSchemaDuration, timestampMessage } from './cel-time.js';
import { additionalPropertiesOf, isObject, itemsOf } from './structural.js';

/** OpaqueValue is the JS side of a library value. */
export type OpaqueValue =
  | { kind: 'quantity'; nanos: bigint }
  | { kind: 'url'; href: string; scheme: string; host: string; hostname: string; port: string; escapedPath: string; query: [string, string][] }
  | { kind: 'ip'; bytes: number[] }
  | { kind: 'cidr'; ip: number[]; prefix: number }
  | { kind: 'format'; name: string }
  | { kind: 'optional'; value?: CelValue };

const opaques = new WeakMap<object, OpaqueValue>();
const listTypes = new WeakMap<object, { type: 'set' } | { type: 'map'; keys: string[] }>();

/** opaqueHandle wraps a library value as a CEL value (an empty map only this module can read). */
export function opaqueHandle(v: OpaqueValue): CelMap {
  const m = celMap(new Map());
  opaques.set(m, v);
  return m;
}

/** asOpaque returns the library value behind a handle. */
export function asOpaque(v: unknown): OpaqueValue | undefined {
  return typeof v === 'object' && v !== null ? opaques.get(v) : undefined;
}

/**
 * ConversionCache remembers converted objects and lists for one validation pass (rules at many
 * nodes see the same subtrees); a new pass gets a new cache since objects may change between.
 */
export class ConversionCache {
  private readonly byValue = new WeakMap<object, WeakMap<JSONSchemaProps, CelValue>>();
  get(v: object, s: JSONSchemaProps): CelValue | undefined { return this.byValue.get(v)?.get(s); }
  set(v: object, s: JSONSchemaProps, c: CelValue): void {
    let per = this.byValue.get(v);
    if (!per) this.byValue.set(v, (per = new WeakMap()));
    per.set(s, c);
  }
}

/**
 * toCelValue converts a decoded JSON value to its CEL value under schema s. isResourceRoot adds
 * apiVersion, kind and metadata.name/generateName to the visible fields.
 */
export function toCelValue(v: unknown, s: JSONSchemaProps | undefined, isResourceRoot = false, cache = new ConversionCache()): CelValue {
  if (v === null || v === undefined) return null;
  if (!s) return fromJSON(v);
  const sch = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  if (typeof v !== 'object') return convert(v, sch, cache);
  const hit = cache.get(v, sch);
  if (hit !== undefined) return hit;
  const r = convert(v, sch, cache);
  cache.set(v, sch, r);
  return r;
}

function convert(v: unknown, s: JSONSchemaProps, cache: ConversionCache): CelValue {
  if (s['x-kubernetes-int-or-string']) return scalar(v);
  switch (s.type) {
    case 'object': {
      if (!isObject(v)) return fromJSON(v);
      const sch = s['x-kubernetes-embedded-resource'] ? withTypeAndObjectMeta(s) : s;
      const ap = additionalPropertiesOf(sch);
      const out = new Map<string, CelValue>();
      if (sch.properties || !ap.schema) {
        for (const [k, prop] of Object.entries(sch.properties ?? {})) {
          const name = escapeName(k);
          if (name === undefined || !(k in v) || v[k] === undefined) continue;
          out.set(name, toCelValue(v[k], prop, !!prop['x-kubernetes-embedded-resource'], cache));
        }
      } else {
        for (const [k, x] of Object.entries(v)) out.set(k, toCelValue(x, ap.schema, !!ap.schema['x-kubernetes-embedded-resource'], cache));
      }
      return celMap(out);
    }
    case 'array': {
      if (!Array.isArray(v)) return fromJSON(v);
      const items = itemsOf(s);
      const list = celList(v.map((x) => toCelValue(x, items, !!items?.['x-kubernetes-embedded-resource'], cache)));
      const lt = s['x-kubernetes-list-type'];
      if (lt === 'set') listTypes.set(list, { type: 'set' });
      else if (lt === 'map') listTypes.set(list, { type: 'map', keys: (s['x-kubernetes-list-map-keys'] ?? []).map((k) => escapeName(k) ?? k) });
      return list;
    }
    case 'string': {
      if (typeof v !== 'string') return scalar(v);
      switch (s.format) {
        case 'duration': { const d = parseSchemaDuration(v); return d ? durationMessage(d) as unknown as CelValue : v; }
        case 'date': { const d = parseSchemaDate(v); return d ? timestampMessage(d) as unknown as CelValue : v; }
        case 'date-time': { const d = parseSchemaDateTime(v); return d ? timestampMessage(d) as unknown as CelValue : v; }
        case 'byte': return Uint8Array.from(Buffer.from(v, 'base64'));
        default: return v;
      }
    }
    case 'number': return typeof v === 'number' ? v : scalar(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : scalar(v);
    default: return fromJSON(v);
  }
}

function scalar(v: unknown): CelValue {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return fromJSON(v);
}

/** fromJSON converts schemaless JSON (integers as int). */
export function fromJSON(v: unknown): CelValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return celList(v.map(fromJSON));
  if (isObject(v)) return celMap(new Map(Object.entries(v).map(([k, x]) => [k, fromJSON(x)])));
  return scalar(v);
}

const stdEquals = celEnv().funcs.find('_==_');

function numeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (isCelUint(v)) return v.value;
  return undefined;
}

function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === 'number' && Number.isNaN(a)) return false;
  if (typeof b === 'number' && Number.isNaN(b)) return false;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  // == compares a bigint with a number exactly (no rounding of the bigint).
  return a == b;
}

function mapListKey(el: unknown, keys: string[]): string | undefined {
  if (!isCelMap(el)) return undefined;
  return JSON.stringify(keys.map((k) => keyText(el.get(k))));
}

function keyText(v: unknown): string {
  if (typeof v === 'bigint') return `i${v}`;
  if (isCelUint(v)) return `i${v.value}`;
  return JSON.stringify(v) ?? 'undefined';
}

/** celEquals is CEL's heterogeneous equality; set and map lists compare as Kubernetes does (order-insensitive). */
export function celEquals(a: CelValue, b: CelValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && numbersEqual(na, nb);
  const oa = asOpaque(a);
  const ob = asOpaque(b);
  if (oa || ob) return !!oa && !!ob && opaqueEquals(oa, ob);
  if (isCelList(a) || isCelList(b)) {
    if (!isCelList(a) || !isCelList(b) || a.size !== b.size) return false;
    return listEquals(a, b);
  }
  if (isCelMap(a) || isCelMap(b)) {
    if (!isCelMap(a) || !isCelMap(b) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined || !celEquals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (String(celType(a)) !== String(celType(b))) return false;
  return stdEquals?.call(0, undefined, [a, b]) === true;
}

function listEquals(a: CelList, b: CelList): boolean {
  const tag = listTypes.get(a);
  if (tag?.type === 'set') {
    const av = [...a];
    return [...b].every((x) => av.some((y) => celEquals(y, x)));
  }
  if (tag?.type === 'map') {
    const byKey = new Map<string, CelValue>();
    for (const el of a) {
      const k = mapListKey(el, tag.keys);
      if (k !== undefined) byKey.set(k, el);
    }
    for (const el of b) {
      const k = mapListKey(el, tag.keys);
      const mine = k === undefined ? undefined : byKey.get(k);
      if (mine === undefined || !celEquals(mine, el)) return false;
    }
    return true;
  }
  for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i)!, b.get(i)!)) return false;
  return true;
}

function opaqueEquals(a: OpaqueValue, b: OpaqueValue): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'quantity': return a.nanos === (b as typeof a).nanos;
    case 'url': return a.href === (b as typeof a).href;
    case 'ip': return a.bytes.join('.') === (b as typeof a).bytes.join('.');
    case 'cidr': return a.ip.join('.') === (b as typeof a).ip.join('.') && a.prefix === (b as typeof a).prefix;
    case 'format': return a.name === (b as typeof a).name;
    case 'optional': {
      const o = b as typeof a;
      if (a.value === undefined || o.value === undefined) return a.value === o.value;
      return celEquals(a.value, o.value);
    }
  }
}
