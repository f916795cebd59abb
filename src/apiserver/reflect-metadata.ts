/**
 * The four Reflect metadata functions tsyringe needs (Reflect.getMetadata, getOwnMetadata,
 * defineMetadata, and the presence check it makes at import): @peculiar/x509 registers its
 * algorithms through tsyringe, which refuses to load without a Reflect polyfill, and the
 * `reflect-metadata` package is not a dependency. Installed only when no polyfill is there, before
 * @peculiar/x509 is imported (x509.ts imports this module first).
 */
type Key = unknown;
const store = new WeakMap<object, Map<PropertyKey | undefined, Map<Key, unknown>>>();

function own(target: object, prop: PropertyKey | undefined, create: boolean): Map<Key, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let m = byProp?.get(prop);
  if (!m && create && byProp) byProp.set(prop, (m = new Map()));
  return m;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  R.defineMetadata = (key: Key, value: unknown, target: object, prop?: PropertyKey) => { own(target, prop, true)!.set(key, value); };
  R.getOwnMetadata = (key: Key, target: object, prop?: PropertyKey) => own(target, prop, false)?.get(key);
  // getMetadata walks the prototype chain, as reflect-metadata's does
  R.getMetadata = (key: Key, target: object, prop?: PropertyKey) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = own(t, prop, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  R.metadata = (key: Key, value: unknown) => (target: object, prop?: PropertyKey) => { own(target, prop, true)!.set(key, value); };
}

export {};
