/**
 * Deep equality and copying for JSON-shaped values (API objects, patches). Objects from the API are
 * plain data, so neither function handles classes, cycles, Maps or Sets specially.
 */

/**
 * deepEqual compares two JSON-shaped values structurally. A key whose value is `undefined` counts
 * as absent, as it would after a JSON round trip (`{a: undefined}` equals `{}`).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // NaN is never produced by JSON, but keep the comparison total
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return false;
  if (aIsArray) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const aKeys = definedKeys(ao);
  const bKeys = definedKeys(bo);
  if (aKeys.length !== bKeys.length) return false;
  for (const k of aKeys) {
    if (!Object.prototype.hasOwnProperty.call(bo, k)) return false;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

/**
 * deepClone returns an independent copy of a JSON-shaped value (objects read from caches are
 * shared): plain objects, arrays and primitives, walked directly — several times faster than
 * structuredClone (about 5 µs against 33 µs for a 3 KiB pod), which serializes through a buffer,
 * and every write and patch copies the object it starts from. Anything else found inside (a Date, a
 * typed array, a class instance) is copied by structuredClone.
 */
export function deepClone<T>(x: T): T {
  return copy(x) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    // "__proto__" is an ordinary key of a decoded object: assigning it would set the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(o[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(o[k]);
  }
  return out;
}

/**
 * getOwn reads a key only if the object has it as its own: `o["__proto__"]` of a plain object is
 * Object.prototype, and merging a patch into that would change every object in the process.
 */
export function getOwn(o: object, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;
}

/**
 * setOwn sets a key as an own data property. For "__proto__" (an ordinary key in Kubernetes' Go
 * maps: a ConfigMap may hold one) plain assignment would replace the object's prototype instead.
 */
export function setOwn(o: object, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else (o as Record<string, unknown>)[k] = v;
}
