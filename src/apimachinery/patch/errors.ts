/**
 * The errors patch application returns, shaped as kube-apiserver shapes them, plus Go-style value
 * rendering for the messages that embed values (`map[name:x]`).
 */
import { StatusError } from '../errors.js';

/** JsonValue is any value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** JsonObject is a JSON object. */
export interface JsonObject { [key: string]: JsonValue }

/** isJsonObject tells plain objects from arrays and null. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** goValue renders a decoded JSON value as Go's %v does (`map[a:1 b:[x y]]`). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** goTypeName is the Go type a decoded JSON value has in the API server (integers stay int64). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/** jsonTypeWord names a JSON value's type as Go's json errors do (`array`, `string`, `number`, `bool`, `object`). */
export function jsonTypeWord(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/**
 * invalidPatch is NewGenericServerResponse(422): Kubernetes drops the underlying message (kubectl
 * prints "The request is invalid: the server rejected our request due to an error in our request").
 * The underlying reason is kept as the error's `cause` for logs.
 */
export function invalidPatch(cause: string): StatusError {
  const err = new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  (err as Error).cause = cause;
  return err;
}

/** patchBadRequest is a 400 BadRequest carrying Kubernetes' message. */
export function patchBadRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

/** patchInternal is what kube-apiserver answers for a plain (non-Status) error: 500, reason unknown, the error's text. */
export function patchInternal(message: string): StatusError {
  return new StatusError(500, '', message);
}
