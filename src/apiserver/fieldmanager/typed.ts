/**
 * Values walked with their type (structured-merge-diff's typed package): the field set a value
 * sets (ToFieldSet), the comparison of two values (Compare), the merge of an applied
 * configuration into a live object (Merge) and the removal of a set of fields (RemoveItems).
 */
import { deepEqual } from '../../apimachinery/deep.js';
import { elementKey, pathString, type PathElement } from './path.js';
import { FieldSet } from './set.js';
import { deepClone } from '../../apimachinery/deep.js';
import { UNTYPED, type TypeNode } from './schema.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** TypedErrors are a value's type errors, one `.path: problem` line each. */
export class TypedErrors extends Error {
  constructor(readonly errors: string[]) {
    super(errors.length === 1 ? errors[0] : `errors:\n  ${errors.join('\n  ')}`);
  }
}

/** FieldSetResult is a value's field set and the values at its leaves. */
export interface FieldSetResult {
  set: FieldSet;
  /** leaf path (joined by NUL) → [path, value] for scalars, atomic values and empty fields */
  leaves: Map<string, { path: string[]; value: unknown }>;
  /** paths of granular maps (labels, annotations, data …), joined by NUL */
  maps: Map<string, string[]>;
}

/**
 * toFieldSet lists the fields a value sets. `strict` (an applied configuration) makes fields the
 * schema does not declare, wrong types and duplicate list keys errors; a live object is walked
 * leniently (unknown fields are deduced from their values).
 */
export function toFieldSet(value: unknown, type: TypeNode, strict: boolean): FieldSetResult {
  const out: FieldSetResult = { set: new FieldSet(), leaves: new Map(), maps: new Map() };
  const errors: string[] = [];
  const leaf = (path: string[], v: unknown) => {
    out.set.insert(path);
    out.leaves.set(path.join('\0'), { path, value: v });
  };
  const walk = (v: unknown, t: TypeNode, path: string[]): void => {
    if (v === null || v === undefined) {
      if (path.length) leaf(path, null);
      return;
    }
    switch (t.kind) {
      case 'untyped':
        if (isObj(v)) {
          for (const [k, c] of Object.entries(v)) {
            const p = [...path, elementKey({ field: k })];
            out.set.insert(p);
            walk(c, UNTYPED, p);
          }
          if (path.length && Object.keys(v).length === 0) leaf(path, v);
          return;
        }
        if (path.length) leaf(path, v);
        return;
      case 'scalar': {
        const problem = scalarProblem(v, t.scalar);
        if (problem && strict) errors.push(`${pathString(path)}: ${problem}`);
        leaf(path, v);
        return;
      }
      case 'struct':
      case 'map': {
        if (!isObj(v)) {
          if (strict) errors.push(`${pathString(path)}: expected map, got ${describe(v)}`);
          leaf(path, v);
          return;
        }
        if (t.atomic) { leaf(path, v); return; }
        if (t.kind === 'map' && path.length) out.maps.set(path.join('\0'), path);
        for (const [k, c] of Object.entries(v)) {
          const p = [...path, elementKey({ field: k })];
          let ct: TypeNode | undefined;
          if (t.kind === 'map') ct = t.element();
          else ct = t.field(k) ?? t.extra?.();
          if (!ct) {
            if (strict) { errors.push(`${pathString(p)}: field not declared in schema`); continue; }
            ct = UNTYPED;
          }
          // Map keys are members themselves; struct fields only when null or an empty object.
          if (t.kind === 'map' || c === null || (isObj(c) && Object.keys(c).length === 0)) {
            out.set.insert(p);
            if (c === null || isObj(c)) out.leaves.set(p.join('\0'), { path: p, value: c });
          }
          walk(c, ct, p);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(v)) {
          if (strict) errors.push(`${pathString(path)}: expected list, got ${describe(v)}`);
          leaf(path, v);
          return;
        }
        if (t.listType === 'atomic') { leaf(path, v); return; }
        const seen = new Set<string>();
        v.forEach((item, i) => {
          const pe = listElement(t, item, i, path, strict ? errors : undefined);
          if (!pe) return;
          const ek = elementKey(pe);
          if (seen.has(ek)) {
            if (strict) errors.push(`${pathString(path)}: duplicate entries for key ${pathString([ek])}`);
            return;
          }
          seen.add(ek);
          const p = [...path, ek];
          out.set.insert(p);
          if (t.listType === 'set') out.leaves.set(p.join('\0'), { path: p, value: item });
          else walk(item, t.element(), p);
        });
        return;
      }
    }
  };
  walk(value, type, []);
  if (errors.length) throw new TypedErrors(errors);
  return out;
}

/** KEY_DEFAULTS are list-map key fields with a schema default (a port's protocol is TCP). */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** listElement names a set or map list item (undefined, with an error when collecting, if it cannot be named). */
function listElement(t: Extract<TypeNode, { kind: 'list' }>, item: unknown, i: number, path: string[], errors?: string[]): PathElement | undefined {
  if (t.listType === 'set') {
    if (isObj(item) || Array.isArray(item)) {
      errors?.push(`${pathString(path)}: element ${i}: associative list without keys has an element that's a map type`);
      return undefined;
    }
    return { value: item };
  }
  if (!isObj(item)) {
    errors?.push(`${pathString(path)}: element ${i}: associative list with keys has an element that's not a map type`);
    return errors ? undefined : { index: i };
  }
  const key: Obj = {};
  for (const k of t.keys) {
    const kv = item[k] ?? KEY_DEFAULTS[k];
    if (kv === undefined || kv === null) {
      errors?.push(`${pathString(path)}: element ${i}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`);
      if (errors) return undefined;
      continue;
    }
    key[k] = kv;
  }
  return t.keys.length ? { key } : { index: i };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (isObj(v)) return 'map';
  if (typeof v === 'number') return 'numeric';
  return typeof v === 'boolean' ? 'boolean' : typeof v;
}

function scalarProblem(v: unknown, s: string): string | undefined {
  if (s === 'untyped') return isObj(v) || Array.isArray(v) ? `expected scalar, got ${describe(v)}` : undefined;
  if (s === 'numeric' && typeof v !== 'number') return `expected numeric (int or float), got ${describe(v)}`;
  if (s === 'string' && typeof v !== 'string') return `expected string, got ${describe(v)}`;
  if (s === 'boolean' && typeof v !== 'boolean') return `expected boolean, got ${describe(v)}`;
  return undefined;
}

/** Comparison is what changed from one value to another. */
export interface Comparison { added: FieldSet; removed: FieldSet; modified: FieldSet }

/**
 * compare lists the fields added, removed and modified from lhs to rhs. Fields both hold
 * identically add, remove and modify nothing, so they are left out of the walk (most writes change
 * a few fields of a big object).
 */
export function compare(lhs: unknown, rhs: unknown, type: TypeNode): Comparison {
  if (identical(lhs, rhs)) return { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  const [l, r] = withoutCommonFields(lhs, rhs);
  return compareAll(l, r, type);
}

/** compareAll is compare walking both values whole. */
export function compareAll(lhs: unknown, rhs: unknown, type: TypeNode): Comparison {
  const l = toFieldSet(lhs, type, false);
  const r = toFieldSet(rhs, type, false);
  const modified = new FieldSet();
  for (const [k, rv] of r.leaves) {
    const lv = l.leaves.get(k);
    if (lv && !deepEqual(lv.value, rv.value)) modified.insert(rv.path);
  }
  const added = r.set.difference(l.set);
  // A map that appears is itself added (fieldsV1 then shows `.: {}` beside its keys, as an
  // Update entry of Kubernetes does for labels or annotations a write creates).
  for (const [k, p] of r.maps) if (!l.maps.has(k) && !l.leaves.has(k)) added.insert(p);
  return { added, removed: l.set.difference(r.set), modified };
}

/**
 * identical: the same JSON value with the same own keys (an undefined-valued key counts, unlike
 * deepEqual: toFieldSet makes it a field).
 */
function identical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!identical(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !identical((a as Obj)[k], (b as Obj)[k])) return false;
  }
  return true;
}

/**
 * withoutCommonFields copies two objects without the fields they hold identically, at every
 * depth of nested objects (not inside lists, whose items are named by key or index). An object
 * that would be left empty on either side is kept whole: an empty object is a field of its own.
 * Leaving such fields out changes neither side's other fields nor their values' equality.
 */
function withoutCommonFields(l: unknown, r: unknown): [unknown, unknown] {
  if (!isObj(l) || !isObj(r)) return [l, r];
  const lo: Obj = {};
  const ro: Obj = {};
  let pruned = false;
  for (const k of Object.keys(l)) {
    if (!Object.prototype.hasOwnProperty.call(r, k)) { lo[k] = l[k]; continue; }
    if (identical(l[k], r[k])) { pruned = true; continue; }
    const [a, b] = withoutCommonFields(l[k], r[k]);
    lo[k] = a;
    ro[k] = b;
    if (a !== l[k] || b !== r[k]) pruned = true;
  }
  if (!pruned) return [l, r];
  for (const k of Object.keys(r)) if (!Object.prototype.hasOwnProperty.call(l, k)) ro[k] = r[k];
  if (Object.keys(lo).length === 0 || Object.keys(ro).length === 0) return [l, r];
  return [lo, ro];
}

/** isSame: the comparison found no change. */
export function isSame(c: Comparison): boolean {
  return c.added.empty() && c.removed.empty() && c.modified.empty();
}

/**
 * merge folds an applied configuration into a live value: structs and granular maps merge per
 * field, set and map lists per item (live order kept, new items appended), everything else
 * (scalars, atomic values) is replaced by the configuration.
 */
export function merge(live: unknown, config: unknown, t: TypeNode): unknown {
  if (config === undefined) return live;
  if (live === undefined || live === null || config === null) return deepClone(config);
  switch (t.kind) {
    case 'scalar': return deepClone(config);
    case 'untyped':
    case 'struct':
    case 'map': {
      if (!isObj(live) || !isObj(config) || (t.kind !== 'untyped' && t.atomic)) return deepClone(config);
      const out: Obj = { ...live };
      for (const [k, c] of Object.entries(config)) {
        const ct = t.kind === 'map' ? t.element() : t.kind === 'struct' ? (t.field(k) ?? t.extra?.() ?? UNTYPED) : UNTYPED;
        out[k] = merge(live[k], c, ct);
      }
      return out;
    }
    case 'list': {
      if (t.listType === 'atomic' || !Array.isArray(live) || !Array.isArray(config)) return deepClone(config);
      return mergeList(live, config, t);
    }
  }
}

/** indexList keys a set or map list's items by element key, in order (unnamed items are skipped). */
function indexList(t: Extract<TypeNode, { kind: 'list' }>, list: unknown[]): { order: string[]; items: Map<string, unknown> } {
  const order: string[] = [];
  const items = new Map<string, unknown>();
  list.forEach((item, i) => {
    const pe = listElement(t, item, i, []);
    if (!pe) return;
    const k = elementKey(pe);
    if (items.has(k)) return;
    items.set(k, item);
    order.push(k);
  });
  return { order, items };
}

/**
 * mergeList merges the items of a set or map list the way structured-merge-diff orders them: items
 * both sides have follow the configuration's order, live-only items stay where they were relative
 * to them, configuration-only items come in at their place in the configuration.
 */
function mergeList(live: unknown[], config: unknown[], t: Extract<TypeNode, { kind: 'list' }>): unknown[] {
  const l = indexList(t, live);
  const r = indexList(t, config);
  const shared = r.order.filter((k) => l.items.has(k));
  let next = shared.shift();
  const out: unknown[] = [];
  const item = (k: string) => (t.listType === 'map' ? merge(l.items.get(k), r.items.get(k), t.element()) : deepClone(r.items.get(k) ?? l.items.get(k)));
  let li = 0;
  let ri = 0;
  while (li < l.order.length || ri < r.order.length) {
    if (li < l.order.length && ri < r.order.length) {
      const k = l.order[li];
      if (k === r.order[ri]) {
        out.push(item(k));
        li++; ri++;
        next = shared.shift();
        continue;
      }
      if (r.items.has(k) && next !== undefined && next !== k) { li++; continue; }
    }
    if (li < l.order.length && !r.items.has(l.order[li])) {
      out.push(l.items.get(l.order[li]));
      li++;
      continue;
    }
    if (ri < r.order.length) {
      const k = r.order[ri];
      out.push(item(k));
      ri++;
      if (next === k) next = shared.shift();
      continue;
    }
    li++; // a shared live item the configuration already placed
  }
  return out;
}

/** removeItems deletes every member of `set` from a value (in place for objects; lists are rebuilt). */
export function removeItems(value: unknown, set: FieldSet, t: TypeNode): unknown {
  if (set.empty()) return value;
  if (isObj(value) && (t.kind === 'struct' || t.kind === 'map' || t.kind === 'untyped')) {
    for (const k of Object.keys(value)) {
      const ek = elementKey({ field: k });
      if (set.members.has(ek)) { delete value[k]; continue; }
      const sub = set.children.get(ek);
      if (!sub) continue;
      const ct = t.kind === 'map' ? t.element() : t.kind === 'struct' ? (t.field(k) ?? t.extra?.() ?? UNTYPED) : UNTYPED;
      value[k] = removeItems(value[k], sub, ct);
    }
    return value;
  }
  if (Array.isArray(value) && t.kind === 'list' && t.listType !== 'atomic') {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = listElement(t, item, i, []);
      const ek = pe ? elementKey(pe) : undefined;
      if (ek && set.members.has(ek)) return;
      const sub = ek ? set.children.get(ek) : undefined;
      out.push(sub && t.listType === 'map' ? removeItems(item, sub, t.element()) : item);
    });
    return out;
  }
  return value;
}
