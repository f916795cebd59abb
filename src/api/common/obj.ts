/** Small helpers for working with untyped API objects (JSON). */
import { deepClone } from '../../apimachinery/deep.js';

/** Obj is a JSON object whose fields are read loosely (API objects before validation). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** isObj reports whether v is a non-array object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** child returns obj[key] as an object, creating it when absent. */
export function child(obj: Obj, key: string): Obj {
  if (!isObj(obj[key])) obj[key] = {};
  return obj[key] as Obj;
}

/** clone deep-copies a JSON value (apimachinery's one copier: every update's prepareForUpdate copies through it). */
export function clone<T>(v: T): T {
  return v === undefined ? v : deepClone(v);
}

/** getPath reads a nested field. */
export function getPath(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = isObj(cur) ? cur[p] : undefined;
  return cur;
}
