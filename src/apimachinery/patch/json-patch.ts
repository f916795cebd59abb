/**
 * JSON patch (RFC 6902, `application/json-patch+json`) as kube-apiserver applies it: a body that
 * is not a list of operations is a 400 with Go's decoding message; an operation that cannot be
 * applied (missing path, failed `test`, unknown op) is Kubernetes' generic 422, whose message
 * does not say which operation failed (the detail is kept as the error's `cause`).
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { StatusError } from '../errors.js';
import { deepClone } from '../deep.js';
import { invalidPatch, isJsonObject, jsonTypeWord, patchBadRequest } from './errors.js';
import { exceededMaxDepth, MAX_JSON_DEPTH, tooDeep } from './depth.js';

/** maxJSONPatchOperations is kube-apiserver's limit on operations in one JSON patch. */
export const maxJSONPatchOperations = 10000;

/** applyJsonPatch applies RFC 6902 operations to a copy of `doc` and returns it. `null` is an empty patch. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (ops === null) return deepClone(doc);
  if (!Array.isArray(ops)) throw patchBadRequest(`json: cannot unmarshal ${jsonTypeWord(ops)} into Go value of type jsonpatch.Patch`);
  for (const op of ops) {
    if (op !== null && !isJsonObject(op)) throw patchBadRequest(`json: cannot unmarshal ${jsonTypeWord(op)} into Go value of type jsonpatch.Operation`);
  }
  if (ops.length > maxJSONPatchOperations) {
    throw new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJSONPatchOperations}, got ${ops.length}`);
  }
  const deep = tooDeep(ops, MAX_JSON_DEPTH);
  if (deep) throw patchBadRequest(exceededMaxDepth(deep));
  let result: unknown = deepClone(doc);
  for (const [i, op] of ops.entries()) {
    if (op === null) continue;
    // The JSON patch library kube-apiserver uses (evanphx/json-patch v4) finds no parent for the
    // whole-document pointer "", so an operation on it fails: the object stays an object.
    const o = op as Record<string, unknown>;
    if (o.path === '' || ((o.op === 'move' || o.op === 'copy') && o.from === '')) {
      throw invalidPatch(`json patch operation ${i} (${JSON.stringify(op)}): ${String(o.op)} operation does not apply: doc is missing path: ""`);
    }
    try {
      result = jsonpatch.applyOperation(result, op as Operation, true, true, true, i).newDocument;
    } catch (e) {
      const name = (e as { name?: string }).name ?? 'Error';
      throw invalidPatch(`json patch operation ${i} (${JSON.stringify(op)}): ${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return result;
}
