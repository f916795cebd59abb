/**
 * CustomResources is the API server's side of CustomResourceDefinitions (kube-apiextensions-server's
 * crdHandler and discovery/OpenAPI controllers): it keeps every CRD in a cache fed by a watch on
 * the CRD store, builds the served ResourceDefinitions of each, and answers
 * - find(): what routing serves — versions of CRDs whose names are accepted or established;
 * - resources(): what discovery and OpenAPI list — built-in resources plus established CRDs'
 *   versions (a new array only when something changed, so documents are rebuilt only then);
 * - storeFor(): the generic registry store of a custom resource version (new when its CRD changes).
 * As kube-apiextensions-server tears down a CRD's storage when the CRD's spec, accepted names or
 * identity change or the CRD is gone, the stores of the old definitions are destroyed then: their
 * watches end, so watchers re-list against what is served now (a 404 once the CRD is deleted)
 * instead of waiting forever on a resource that no longer exists.
 * Its controllers (naming, establishing, finalizer) run beside it (controllers.ts).
 */
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { customResourceDefinitions } from '../../api/apiextensions/customresource.js';
import { isConditionTrue, type CustomResourceDefinition } from '../../api/apiextensions/types.js';
import { RegistryStore, type StoreDeps } from '../../registry/store.js';
import { convertByWebhook, type ConversionDeps } from '../conversion/webhook-converter.js';
import { log } from '../../util/log.js';

const logger = log.child({ component: 'apiextensions-apiserver' });

/** CRDEvent tells listeners which CRD changed (undefined after a relist). */
export type CRDListener = (name: string | undefined) => void;

interface Entry {
  crd: CustomResourceDefinition;
  /** served definitions of every served version */
  served: ResourceDefinition[];
  /** a definition of the storage version, served or not (the finalizer deletes through it) */
  storage?: ResourceDefinition;
  /** what the definitions are built from: while it stays the same, so do they (and their stores) */
  key: string;
}

/** storageKey is what a CRD's served definitions depend on (see customResourceDefinitions). */
function storageKey(crd: CustomResourceDefinition): string {
  const terminating = !!crd.metadata?.deletionTimestamp || isConditionTrue(crd, 'Terminating');
  return JSON.stringify([crd.metadata?.uid, crd.spec, crd.status?.acceptedNames, terminating]);
}

/** CustomResourceStore is a custom resource's registry store whose watches end when it is destroyed. */
class CustomResourceStore extends RegistryStore {
  private readonly stopped = new AbortController();

  override watch(...[namespace, opts]: Parameters<RegistryStore['watch']>): ReturnType<RegistryStore['watch']> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.stopped.signal]) : this.stopped.signal;
    return super.watch(namespace, { ...opts, signal });
  }

  /** destroy ends every watch on the store (its CRD's storage is torn down). */
  destroy(): void {
    this.stopped.abort();
  }
}

/** CustomResources serves the custom resources of the CRDs in the store. */
export class CustomResources {
  private readonly entries = new Map<string, Entry>();
  private readonly stores = new WeakMap<ResourceDefinition, RegistryStore>();
  /** the stores made for each CRD's current definitions, destroyed when those are replaced */
  private readonly liveStores = new Map<string, Set<CustomResourceStore>>();
  private readonly listeners: CRDListener[] = [];
  private cached?: { builtins: ResourceDefinition[]; generation: number; out: ResourceDefinition[] };
  private generation = 0;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  /** conversion: how CRDs with a conversion webhook reach it (services, endpoints); without it Webhook acts as None */
  constructor(private readonly crdStore: () => RegistryStore, private readonly deps: StoreDeps, private readonly conversion?: Pick<ConversionDeps, 'storeFor'>) {}

  /** start lists and watches CRDs until the signal aborts, reconnecting after errors. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (e) {
        if (signal.aborted) return;
        logger.error(e, 'watching CustomResourceDefinitions failed; relisting');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async listAndWatch(signal: AbortSignal): Promise<void> {
    const store = this.crdStore();
    const list = await store.list(undefined);
    const names = new Set<string>();
    for (const item of list.items) {
      const crd = item as CustomResourceDefinition;
      names.add(crd.metadata!.name!);
      this.set(crd);
    }
    for (const name of [...this.entries.keys()]) if (!names.has(name)) this.remove(name);
    this.markSynced();
    this.notify(undefined);
    for await (const ev of store.watch(undefined, { resourceVersion: list.metadata.resourceVersion, signal })) {
      if (ev.type === 'ERROR') throw new Error(`watch error: ${JSON.stringify(ev.object)}`);
      const crd = ev.object as CustomResourceDefinition;
      const name = crd.metadata?.name;
      if (!name) continue;
      if (ev.type === 'DELETED') this.remove(name);
      else this.set(crd);
      this.notify(name);
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** waitForSync resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  /** onChange registers a listener called after each CRD change. */
  onChange(fn: CRDListener): void {
    this.listeners.push(fn);
  }

  private notify(name: string | undefined): void {
    for (const l of this.listeners) {
      try { l(name); } catch (e) { logger.error(e, 'CRD listener failed'); }
    }
  }

  private set(crd: CustomResourceDefinition): void {
    const name = crd.metadata!.name!;
    const key = storageKey(crd);
    const prev = this.entries.get(name);
    if (prev?.key === key) {
      // a status change (conditions): same definitions, same stores, open watches go on
      this.entries.set(name, { ...prev, crd });
      this.generation++;
      return;
    }
    this.destroyStores(name);
    let served: ResourceDefinition[] = [];
    let storage: ResourceDefinition | undefined;
    try {
      const conversion = this.conversion;
      const ctx = conversion ? { convertByWebhook: (c: CustomResourceDefinition, objs: KubeObject[], to: string) => convertByWebhook(c, objs, to, { storeFor: conversion.storeFor, clock: this.deps.clock }) } : {};
      served = customResourceDefinitions(crd, ctx);
      const all = customResourceDefinitions({ ...crd, spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, served: true })) } }, ctx);
      const sv = crd.spec.versions.find((v) => v.storage)?.name;
      storage = all.find((d) => d.version === sv);
    } catch (e) {
      logger.error(e, 'cannot serve CustomResourceDefinition', { name: crd.metadata?.name });
    }
    this.entries.set(name, { crd, served, storage, key });
    this.generation++;
  }

  private remove(name: string): void {
    this.destroyStores(name);
    if (this.entries.delete(name)) this.generation++;
  }

  private destroyStores(name: string): void {
    for (const s of this.liveStores.get(name) ?? []) s.destroy();
    this.liveStores.delete(name);
  }

  /** get returns the cached CRD of a name. */
  get(name: string): CustomResourceDefinition | undefined {
    return this.entries.get(name)?.crd;
  }

  /** list returns every cached CRD. */
  list(): CustomResourceDefinition[] {
    return [...this.entries.values()].map((e) => e.crd);
  }

  /** find returns the definition serving group/version/plural, if a CRD serves it now. */
  find(group: string, version: string, plural: string): ResourceDefinition | undefined {
    const e = this.entries.get(`${plural}.${group}`);
    if (!e) return undefined;
    if (!isConditionTrue(e.crd, 'NamesAccepted') && !isConditionTrue(e.crd, 'Established')) return undefined;
    return e.served.find((d) => d.version === version);
  }

  /** storageDefinition returns a definition of the CRD's storage version (for deleting every object). */
  storageDefinition(name: string): ResourceDefinition | undefined {
    return this.entries.get(name)?.storage;
  }

  /** resources returns builtins plus the versions of established CRDs (same array until a change). */
  resources(builtins: ResourceDefinition[]): ResourceDefinition[] {
    const c = this.cached;
    if (c && c.builtins === builtins && c.generation === this.generation) return c.out;
    const taken = new Set(builtins.map((d) => `${d.group}/${d.version}/${d.plural}`));
    const extra: ResourceDefinition[] = [];
    const entries = [...this.entries.values()].sort((a, b) => (a.crd.metadata!.name! < b.crd.metadata!.name! ? -1 : 1));
    for (const e of entries) {
      if (!isConditionTrue(e.crd, 'Established')) continue;
      for (const d of e.served) if (!taken.has(`${d.group}/${d.version}/${d.plural}`)) extra.push(d);
    }
    const out = extra.length ? [...builtins, ...extra] : builtins;
    this.cached = { builtins, generation: this.generation, out };
    return out;
  }

  /** storeFor returns the registry store of a custom resource definition (one per definition object). */
  storeFor(def: ResourceDefinition): RegistryStore {
    let s = this.stores.get(def);
    if (!s) {
      const store = new CustomResourceStore(def, this.deps);
      const crdName = def.customResource?.crdName;
      const e = crdName ? this.entries.get(crdName) : undefined;
      if (crdName && e && (e.served.includes(def) || e.storage === def)) {
        const live = this.liveStores.get(crdName) ?? new Set<CustomResourceStore>();
        live.add(store);
        this.liveStores.set(crdName, live);
      } else {
        // a definition replaced (or removed) while its request was on the way: no watch may outlive it
        store.destroy();
      }
      this.stores.set(def, store);
      s = store;
    }
    return s;
  }
}
