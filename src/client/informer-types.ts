import type { KubeObject } from '../api/resource.js';
import type { ResourceRef } from './types.js';

/** EventHandler receives cache changes; handlers must only enqueue keys (never block, never throw). */
export interface EventHandler<T extends KubeObject = KubeObject> {
  add?(obj: Readonly<T>): void;
  update?(oldObj: Readonly<T>, newObj: Readonly<T>): void;
  /** obj is the last state known to the cache */
  delete?(obj: Readonly<T>): void;
}

/** Lister reads the informer's cache (objects are shared: never mutate, copy first). */
export interface Lister<T extends KubeObject = KubeObject> {
  get(namespace: string | undefined, name: string): Readonly<T> | undefined;
  list(namespace?: string, filter?: (obj: Readonly<T>) => boolean): Readonly<T>[];
  /** byIndex returns the objects an indexer put under value (see Informer.addIndexer) */
  byIndex(indexName: string, value: string): Readonly<T>[];
}

/** Informer keeps a cache of one resource in sync (list, then watch from the list's resourceVersion; relist on 410). */
export interface Informer<T extends KubeObject = KubeObject> {
  readonly lister: Lister<T>;
  /** addEventHandler registers h; with resyncPeriodMs, h.update(o, o) is called for every cached object that often (client-go's resync). */
  addEventHandler(h: EventHandler<T>, resyncPeriodMs?: number): void;
  /** addIndexer registers fn(obj) → index values under indexName (e.g. pods by spec.nodeName); registering a name again is a no-op */
  addIndexer(indexName: string, fn: (obj: Readonly<T>) => string[]): void;
  hasSynced(): boolean;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** InformerFactory shares one informer per (resource, options) among all components of a process. */
export interface InformerFactory {
  informerFor<T extends KubeObject = KubeObject>(res: ResourceRef, opts?: InformerOptions): Informer<T>;
  /** start runs every informer created so far (and later ones) until signal aborts */
  start(signal: AbortSignal): void;
  /** waitForCacheSync resolves when every started informer has synced */
  waitForCacheSync(signal?: AbortSignal): Promise<void>;
  /**
   * stopInformer stops and forgets the informer of a resource that is no longer served (a deleted
   * CRD's), so it neither retries its list forever nor holds up waitForCacheSync; informerFor
   * makes a fresh one if the resource comes back
   */
  stopInformer?(res: ResourceRef, opts?: InformerOptions): void;
}

/** keyOf is the work-queue key of an object: `namespace/name` or `name`. */
export function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : `${m.name}`;
}

/** splitKey is keyOf's inverse. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** OWNER_UID_INDEX names the index of objects by the uid of their controller (see ownerUIDIndexer). */
export const OWNER_UID_INDEX = 'controllerUID';

/** ownerUIDIndexer indexes objects by the uid of the owner reference that has `controller: true`. */
export function ownerUIDIndexer(obj: Readonly<KubeObject>): string[] {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref ? [ref.uid] : [];
}

/** NODE_NAME_INDEX names the index of pods by spec.nodeName (see nodeNameIndexer). */
export const NODE_NAME_INDEX = 'nodeName';

/** nodeNameIndexer indexes pods by the node they are bound to. */
export function nodeNameIndexer(obj: Readonly<KubeObject>): string[] {
  const n = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
  return n ? [n] : [];
}
