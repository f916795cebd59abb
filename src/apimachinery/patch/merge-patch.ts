/**
 * JSON merge patch (RFC 7396, `application/merge-patch+json`), as kubectl scale and `kubectl patch
 * --type merge` send: objects merge recursively, `null` deletes, everything else (lists included)
 * replaces.
 */
import { deepClone, getOwn, setOwn } from '../deep.js';
import { isJsonObject, patchBadRequest, type JsonObject, type JsonValue } from './errors.js';
import { exceededMaxDepth, MAX_JSON_DEPTH, tooDeep } from './depth.js';

/**
 * applyMergePatch applies a merge patch to a copy of `doc`. A patch that is not an object is a 400
 * "Invalid JSON Patch" (Kubernetes gives that for null and scalars; an array patch fails there
 * later, while decoding the result — here it fails up front with the same 400).
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw patchBadRequest('Invalid JSON Patch');
  // merging recurses through the patch: refuse what would overflow the stack, in the decoder's words
  const deep = tooDeep(patch, MAX_JSON_DEPTH);
  if (deep) throw patchBadRequest(`error decoding patch: ${exceededMaxDepth(deep)}`);
  return mergeValue(deepClone(doc) as JsonValue, patch);
}

function mergeValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return pruneNulls(deepClone(patch));
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergeValue(getOwn(out, k) as JsonValue | undefined, v));
  }
  return out;
}

/** pruneNulls drops null members of objects inside a value that replaces (as evanphx/json-patch does). */
function pruneNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else setOwn(v, k, pruneNulls(x));
    }
  }
  return v;
}
