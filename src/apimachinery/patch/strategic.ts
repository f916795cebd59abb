/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), applied as kube-apiserver
 * applies it (k8s.io/apimachinery/pkg/util/strategicpatch, StrategicMergeMapPatch):
 *
 * - maps merge key by key; `null` deletes a key;
 * - lists whose field has patchStrategy "merge" merge: lists of objects by their patchMergeKey
 *   (containers by name, ports by containerPort...), lists of scalars as a set union (finalizers);
 *   every other list is replaced by the patch's;
 * - directives: `$patch: replace|delete` in a map, `{$patch: delete, <key>: v}` and
 *   `{$patch: replace}` elements in a merging list, `$retainKeys: [...]`,
 *   `$deleteFromPrimitiveList/<field>: [...]` and `$setElementOrder/<field>: [...]` (what kubectl's
 *   three-way apply and `kubectl edit` send);
 * - element order: patch items in the patch's (or $setElementOrder's) order, server-only items
 *   kept where they were relative to them.
 *
 * Errors carry kube-apiserver's codes and messages: 400 for malformed directives, 422 for lists of
 * lists, and 500 with the bare message for the rest (missing merge key, unknown $patch value...).
 */
import { deepClone, setOwn } from '../deep.js';
import type { PatchSchema, PatchStrategy } from './schema.js';
import {
  goTypeName, goValue, invalidPatch, isJsonObject, jsonTypeWord, patchBadRequest, patchInternal,
  type JsonObject, type JsonValue,
} from './errors.js';
import { exceededMaxDepth, MAX_JSON_DEPTH, tooDeep } from './depth.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

const errBadPrimitiveList = 'invalid patch format of primitive list';
const errBadRetainKeys = 'invalid patch format of retainKeys';
const errBadSetElementOrder = 'invalid patch format of setElementOrder list';

type ElementKind = 'map' | 'scalar';

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function errNoMergeKey(m: unknown, key: string) {
  return patchInternal(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
}

function errBadArgType(expected: 'map' | 'slice', actual: unknown) {
  return patchInternal(`expected a ${expected === 'map' ? 'map[string]interface {}' : '[]interface {}'}, but received a ${goTypeName(actual)}`);
}

function errBadPatchType(t: unknown, m: unknown) {
  return patchInternal(`unknown patch type: ${goValue(t)} in map: ${goValue(m)}`);
}

/** withoutRetainKeys drops the retainKeys part of a strategy: it only says the patch may carry $retainKeys. */
function listOrMapStrategy(s: PatchStrategy | undefined): string {
  if (s === 'merge,retainKeys') return 'merge';
  if (s === 'retainKeys' || s === undefined) return '';
  return s;
}

function valueKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function extractKey(key: string, prefix: string, err: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw patchBadRequest(err);
  return key.slice(slash + 1);
}

/**
 * applyStrategicMergePatch applies a strategic merge patch to a copy of `doc` and returns the result
 * (neither argument is modified). `schema` says which fields merge (see patchSchemaFor). A `null`
 * patch changes nothing; a patch that is not an object is a 400 as in Kubernetes.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: PatchSchema): unknown {
  if (patch === null) return deepClone(doc);
  if (!isJsonObject(patch)) {
    throw patchBadRequest(`json: cannot unmarshal ${jsonTypeWord(patch)} into Go value of type map[string]interface {}`);
  }
  // merging recurses through the patch: refuse what would overflow the stack, in the decoder's words
  const deep = tooDeep(patch, MAX_JSON_DEPTH);
  if (deep) throw patchBadRequest(exceededMaxDepth(deep));
  const original = isJsonObject(doc) ? (deepClone(doc) as JsonObject) : {};
  return new StrategicMerger(schema).mergeMap(original, deepClone(patch), []);
}

/** StrategicMerger walks original and patch together; it mutates both (callers pass copies). */
class StrategicMerger {
  constructor(private readonly schema: PatchSchema) {}

  mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject {
    if (hasOwn(patch, directiveMarker)) return this.mapDirective(patch, path);
    this.applyRetainKeys(original, patch);
    this.mergeSetElementOrder(original, patch, path);

    for (const key of Object.keys(patch)) {
      const patchV = patch[key];
      let k = key;
      let isDeleteList = false;
      if (key.startsWith(deleteFromPrimitiveListPrefix)) {
        k = extractKey(key, deleteFromPrimitiveListPrefix, errBadPrimitiveList);
        isDeleteList = true;
        // the directive's value is the list of values to delete: anything else is a malformed patch
        if (patchV !== null && !Array.isArray(patchV)) throw patchBadRequest(errBadPrimitiveList);
      }
      if (patchV === null) {
        delete original[k];
        continue;
      }
      const fieldPath = [...path, k];
      if (!hasOwn(original, k) || valueKind(original[k]) !== valueKind(patchV)) {
        // a new (or retyped) value: take the patch's, minus directives and nulls
        if (!isDeleteList) this.setFresh(original, k, patchV, fieldPath);
        continue;
      }
      const ov = original[k];
      if (isJsonObject(ov)) {
        const strategy = listOrMapStrategy(this.schema.lookup(fieldPath).strategy);
        if (strategy === 'replace') this.setFresh(original, k, patchV, fieldPath);
        else setOwn(original, k, this.mergeMap(ov, patchV as JsonObject, fieldPath));
      } else if (Array.isArray(ov)) {
        setOwn(original, k, this.mergeListField(ov, patchV as JsonValue[], fieldPath, isDeleteList));
      } else {
        setOwn(original, k, patchV);
      }
    }
    return original;
  }

  /** mapDirective handles `$patch` inside a map: replace takes the patch as is, delete empties it. */
  private mapDirective(patch: JsonObject, path: string[]): JsonObject {
    const directive = patch[directiveMarker];
    if (directive === 'replace') {
      delete patch[directiveMarker];
      return this.mergeMap({}, patch, path);
    }
    if (directive === 'delete') return {};
    throw errBadPatchType(directive, patch);
  }

  private setFresh(target: JsonObject, k: string, v: JsonValue, path: string[]): void {
    const f = this.fresh(v, path);
    if (f === undefined) delete target[k];
    else setOwn(target, k, f);
  }

  /** fresh is a patch value with nothing to merge into: directives resolved, nulls in maps dropped; undefined = drop it. */
  private fresh(v: JsonValue, path: string[]): JsonValue | undefined {
    if (isJsonObject(v)) {
      if (hasOwn(v, directiveMarker)) {
        if (v[directiveMarker] !== 'replace') return undefined;
        delete v[directiveMarker];
      }
      return this.mergeMap({}, v, path);
    }
    if (Array.isArray(v)) {
      const out: JsonValue[] = [];
      for (const e of v) {
        // directive elements ({$patch: ...}) mean nothing without a list to apply them to
        if (isJsonObject(e) && hasOwn(e, directiveMarker)) continue;
        out.push(this.fresh(e, path) as JsonValue);
      }
      return out;
    }
    return v;
  }

  /** applyRetainKeys clears the keys of original that `$retainKeys` does not list. */
  private applyRetainKeys(original: JsonObject, patch: JsonObject): void {
    if (!hasOwn(patch, retainKeysDirective)) return;
    const list = patch[retainKeysDirective];
    delete patch[retainKeysDirective];
    if (!Array.isArray(list)) throw patchBadRequest(errBadRetainKeys);
    const keep = new Set<unknown>(list);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
      if (!keep.has(k)) throw patchBadRequest(errBadRetainKeys);
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /** mergeSetElementOrder merges each list that has a `$setElementOrder/<field>` and orders it by that list. */
  private mergeSetElementOrder(original: JsonObject, patch: JsonObject, path: string[]): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(setElementOrderPrefix)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw errBadArgType('slice', order);
      const field = extractKey(key, setElementOrderPrefix, errBadSetElementOrder);
      const foundOriginal = hasOwn(original, field);
      const foundPatch = hasOwn(patch, field);
      const originalList = original[field];
      const patchList = patch[field];
      if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('slice', originalList);
      if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('slice', patchList);
      const origItems = foundOriginal ? [...(originalList as JsonValue[])] : [];
      const patchItemsIn = foundPatch ? (patchList as JsonValue[]) : [];
      const fieldPath = [...path, field];
      const mergeKey = this.schema.lookup(fieldPath).mergeKey ?? '';
      validatePatchWithSetOrderList(patchItemsIn, order, mergeKey);

      let merged: JsonValue[];
      if (foundOriginal && foundPatch) merged = this.mergeListField(originalList as JsonValue[], patchList as JsonValue[], fieldPath, false);
      else if (foundOriginal) merged = originalList as JsonValue[];
      else if (foundPatch) merged = this.fresh(patchList as JsonValue[], fieldPath) as JsonValue[];
      else continue;

      const kind = elementKind(origItems, patchItemsIn);
      if (kind !== undefined) {
        const [inOrder, serverOnly] = mergeKey ? partitionMaps(merged, order, mergeKey) : partitionPrimitives(merged, order);
        merged = normalizeElementOrder(inOrder, serverOnly, order, origItems, mergeKey, kind);
      }
      setOwn(original, field, merged);
      delete patch[field];
    }
  }

  /** mergeListField merges a list by its field's strategy; lists without "merge" are replaced (delete lists always merge). */
  private mergeListField(original: JsonValue[], patch: JsonValue[], path: string[], isDeleteList: boolean): JsonValue[] {
    const meta = this.schema.lookup(path);
    if (listOrMapStrategy(meta.strategy) === 'merge' || isDeleteList) {
      return this.mergeList(original, patch, path, meta.mergeKey ?? '', isDeleteList);
    }
    return this.fresh(patch, path) as JsonValue[];
  }

  private mergeList(original: JsonValue[], patch: JsonValue[], path: string[], mergeKey: string, isDeleteList: boolean): JsonValue[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = elementKind(original, patch) ?? 'scalar';
    let merged: JsonValue[];
    if (kind === 'scalar') {
      if (isDeleteList) return original.filter((v) => !patch.includes(v));
      merged = dedupe([...original, ...patch]);
    } else {
      if (!mergeKey) throw patchInternal(`cannot merge lists without merge key for ${path.join('.')}`);
      [original, patch] = this.applyListDirectives(original, patch as JsonObject[], mergeKey, path);
      merged = this.mergeByKey(original, patch as JsonObject[], mergeKey, path);
    }
    const [inPatch, serverOnly] = mergeKey ? partitionMaps(merged, patch, mergeKey) : partitionPrimitives(merged, patch);
    return normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
  }

  /** applyListDirectives handles `$patch` elements: delete removes matching items, replace makes the list the patch's. */
  private applyListDirectives(original: JsonValue[], patch: JsonObject[], mergeKey: string, path: string[]): [JsonValue[], JsonObject[]] {
    const plain: JsonObject[] = [];
    let replace = false;
    for (const v of patch) {
      if (!hasOwn(v, directiveMarker)) {
        plain.push(v);
        continue;
      }
      const d = v[directiveMarker];
      if (d === 'delete') {
        if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
        original.forEach((e, i) => {
          if (!isJsonObject(e)) throw patchInternal(`value for key ${i} is not a map`);
        });
        original = original.filter((e) => (e as JsonObject)[mergeKey] !== v[mergeKey]);
      } else if (d === 'replace') {
        replace = true;
      } else if (d === 'merge') {
        throw patchInternal('merging lists cannot yet be specified in the patch');
      } else {
        throw errBadPatchType(d, v);
      }
    }
    if (replace) return [plain.map((p) => this.fresh(p, path) as JsonObject), []];
    return [original, plain];
  }

  /** mergeByKey merges patch items into the original item with the same merge key value, or appends them. */
  private mergeByKey(original: JsonValue[], patch: JsonObject[], mergeKey: string, path: string[]): JsonValue[] {
    const result = [...original];
    for (const v of patch) {
      if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const idx = findByKey(result, mergeKey, v[mergeKey]);
      if (idx >= 0) result[idx] = this.mergeMap(result[idx] as JsonObject, v, path);
      else result.push(this.fresh(v, path) as JsonObject);
    }
    return result;
  }
}

function findByKey(list: JsonValue[], mergeKey: string, value: JsonValue): number {
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (!isJsonObject(e)) throw patchInternal(`value for key ${i} is not a map`);
    if (hasOwn(e, mergeKey) && e[mergeKey] === value) return i;
  }
  return -1;
}

/**
 * elementKind is the common element type of lists; undefined when they are all empty or all null.
 * A null among other values is a type of its own, as in Go (reflect.TypeOf(nil)): "not identical".
 */
function elementKind(...lists: JsonValue[][]): ElementKind | undefined {
  const all = lists.flat();
  if (all.some((v) => v === null) && all.some((v) => v !== null)) {
    throw patchInternal(`list element types are not identical: ${goValue(lists)}`);
  }
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (v === null) continue;
      const k = valueKind(v);
      if (prev === undefined) {
        if (k === 'array') throw invalidPatch('lists of lists are not supported');
        prev = k;
      } else if (prev !== k) {
        throw patchInternal(`list element types are not identical: ${goValue(lists)}`);
      }
    }
  }
  if (prev === undefined) return undefined;
  return prev === 'object' ? 'map' : 'scalar';
}

function dedupe(list: JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const v of list) if (!out.includes(v)) out.push(v);
  return out;
}

function partitionPrimitives(list: JsonValue[], by: JsonValue[]): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) (by.includes(v) ? inBy : rest).push(v);
  return [inBy, rest];
}

function partitionMaps(list: JsonValue[], by: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw errBadArgType('map', v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

/** identity is what order comparisons look at: the merge key's value for maps, the item itself for scalars. */
function identity(item: JsonValue, mergeKey: string, kind: ElementKind): unknown {
  if (kind !== 'map') return item;
  return isJsonObject(item) ? (item[mergeKey] ?? null) : null;
}

function indexIn(list: JsonValue[], item: JsonValue, mergeKey: string, kind: ElementKind): number {
  const id = identity(item, mergeKey, kind);
  return list.findIndex((v) => identity(v, mergeKey, kind) === id);
}

/** normalizeSliceOrder sorts items by their position in `order` ($patch: delete items last). */
function normalizeSliceOrder(items: JsonValue[], order: JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  let toDelete: JsonValue[] = [];
  if (kind === 'map') {
    for (const list of [items, order]) {
      for (const e of list) {
        if (!isJsonObject(e)) throw errBadArgType('map', e);
        if (!hasOwn(e, mergeKey)) throw errNoMergeKey(e, mergeKey);
      }
    }
    toDelete = items.filter((e) => (e as JsonObject)[directiveMarker] === 'delete');
    items = items.filter((e) => (e as JsonObject)[directiveMarker] !== 'delete');
  }
  const pos = (e: JsonValue) => {
    const i = indexIn(order, e, mergeKey, kind);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...items].sort((a, b) => pos(a) - pos(b)).concat(toDelete);
}

/**
 * normalizeElementOrder orders patch items by the patch's order and server-only items by the live
 * order, then interleaves them: a server-only item goes before a patch item only when the live
 * list had it there.
 */
function normalizeElementOrder(
  patchItems: JsonValue[], serverOnly: JsonValue[], patchOrder: JsonValue[], serverOrder: JsonValue[],
  mergeKey: string, kind: ElementKind,
): JsonValue[] {
  const right = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** validatePatchWithSetOrderList checks the patch list's items appear in $setElementOrder, in the same relative order. */
function validatePatchWithSetOrderList(patchList: JsonValue[], order: JsonValue[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let nonDelete = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isJsonObject(v)) throw errBadArgType('map', v);
    nonDelete = patchList.filter((v) => (v as JsonObject)[directiveMarker] !== 'delete');
  }
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < order.length) {
    const p = nonDelete[pi];
    if (isJsonObject(p) && hasOwn(p, directiveMarker)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(p, order[si], mergeKey)) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= order.length) {
    throw patchInternal(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goValue(order)}\n`);
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isJsonObject(left)) throw errBadArgType('map', left);
  if (!isJsonObject(right)) throw errBadArgType('map', right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}
