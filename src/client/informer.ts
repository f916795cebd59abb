import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import type { Clock } from '../util/clock.js';
import { realClock } from '../util/clock.js';
import { jittered } from '../util/backoff.js';
import { log } from '../util/log.js';
import type { Client, ResourceRef } from './types.js';
import { keyOf, type EventHandler, type Informer, type InformerFactory, type InformerOptions, type Lister } from './informer-types.js';

/**
 * ResourceInformer keeps a cache of one resource in sync: list, then watch from the list's
 * resourceVersion; on a broken watch it re-watches from the last seen version, and on 410 Gone it
 * relists, emitting deletes for what vanished (client-go's Reflector + DeltaFIFO, simplified).
 */
export class ResourceInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  private readonly items = new Map<string, Readonly<T>>();
  private readonly handlers: EventHandler<T>[] = [];
  private readonly indexers = new Map<string, (obj: Readonly<T>) => string[]>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running = false;
  private readonly resyncs: { handler: EventHandler<T>; periodMs: number }[] = [];
  /**
   * the resourceVersion a relist asks for: "0" lets the API server answer from its watch cache
   * (client-go's reflector does the same); "" (a consistent read from storage) only after the
   * server said a list's version had expired
   */
  private relistResourceVersion = '0';

  /** transform, when given, adjusts every object (freshly decoded, not yet shared) before it is cached */
  constructor(
    private readonly client: Client, private readonly res: ResourceRef, private readonly opts: InformerOptions = {}, private readonly clock: Clock = realClock,
    private readonly transform?: (obj: T) => T,
  ) {
    this.addIndexer('namespace', (o) => [o.metadata?.namespace ?? '']);
  }

  readonly lister: Lister<T> = {
    get: (ns, name) => this.items.get(ns ? `${ns}/${name}` : name),
    list: (ns, filter) => {
      const out: Readonly<T>[] = [];
      const keys = ns !== undefined ? this.indices.get('namespace')?.get(ns) ?? new Set<string>() : this.items.keys();
      for (const k of keys) {
        const o = this.items.get(k);
        if (o && (!filter || filter(o))) out.push(o);
      }
      return out;
    },
    byIndex: (name, value) => [...(this.indices.get(name)?.get(value) ?? [])].map((k) => this.items.get(k)!).filter(Boolean),
  };

  addEventHandler(h: EventHandler<T>, resyncPeriodMs?: number): void {
    this.handlers.push(h);
    // A late handler sees the current cache as adds, as client-go does.
    for (const o of this.items.values()) this.safe(() => h.add?.(o));
    if (resyncPeriodMs && resyncPeriodMs > 0) this.resyncs.push({ handler: h, periodMs: resyncPeriodMs });
  }

  addIndexer(name: string, fn: (obj: Readonly<T>) => string[]): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [k, o] of this.items) for (const v of fn(o)) add(idx, v, k);
  }

  hasSynced(): boolean { return this.synced; }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      // The listener goes once synced: a long-lived signal must not collect one per call.
      this.syncWaiters.push(() => { signal?.removeEventListener('abort', onAbort); resolve(); });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** run lists and watches until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const r of this.resyncs) this.scheduleResync(r, signal);
    let failures = 0;
    let rv: string | undefined;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await this.relist();
        let received = false;
        for await (const ev of this.client.watch<T>(this.res, this.opts.namespace, {
          resourceVersion: rv, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, allowWatchBookmarks: true, signal,
        })) {
          if (ev.type === 'ERROR') {
            const st = ev.object as unknown as { code?: number; message?: string };
            if (st.code === 410) { rv = undefined; received = true; break; }
            // Any other error event: back off before watching again, so a failing server is not hammered.
            throw new Error(`watch error: ${st.message ?? JSON.stringify(st)}`);
          }
          received = true;
          if (ev.type === 'BOOKMARK') { rv = ev.object.metadata?.resourceVersion ?? rv; continue; }
          rv = ev.object.metadata?.resourceVersion ?? rv;
          if (ev.type === 'DELETED') this.remove(ev.object);
          else this.upsert(ev.object);
        }
        // A watch that ends without a single event (the server closing it at once) backs off too.
        if (received) failures = 0;
        else await this.clock.sleep(jittered(failures++, 200, 30_000), signal).catch(() => undefined);
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof StatusError && e.code === 410) { rv = undefined; this.relistResourceVersion = ''; }
        else logger.error(e, 'Failed to list and watch; retrying', { resource: resourceName(this.res) });
        await this.clock.sleep(jittered(failures++, 200, 30_000), signal).catch(() => undefined);
      }
    }
  }

  private scheduleResync(r: { handler: EventHandler<T>; periodMs: number }, signal: AbortSignal): void {
    if (signal.aborted) return;
    const onAbort = () => cancel();
    const cancel = this.clock.setTimeout(() => {
      // Each period adds a listener: the one that fired goes, or they pile up (MaxListenersExceededWarning).
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return;
      for (const o of this.items.values()) this.safe(() => r.handler.update?.(o, o));
      this.scheduleResync(r, signal);
    }, r.periodMs);
    signal.addEventListener('abort', onAbort, { once: true });
  }

  /** relist replaces the cache with a fresh list; returns its resourceVersion. */
  private async relist(): Promise<string> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list<T>(this.res, this.opts.namespace, {
        labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, limit: 500, continue: cont,
        resourceVersion: cont ? undefined : this.relistResourceVersion,
      });
      for (const o of page.items) {
        seen.add(keyOf(o));
        this.upsert(o);
      }
      cont = page.metadata.continue;
      rv = page.metadata.resourceVersion;
    } while (cont);
    this.relistResourceVersion = '0';
    for (const [k, o] of [...this.items]) if (!seen.has(k)) this.remove(o);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return rv;
  }

  private upsert(obj: T): void {
    if (this.transform) obj = this.transform(obj);
    const k = keyOf(obj);
    const old = this.items.get(k);
    const frozen = Object.freeze(obj) as Readonly<T>;
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    if (old) this.unindex(k, old);
    this.items.set(k, frozen);
    this.index(k, frozen);
    for (const h of this.handlers) this.safe(() => (old ? h.update?.(old, frozen) : h.add?.(frozen)));
  }

  private remove(obj: T): void {
    const k = keyOf(obj);
    const old = this.items.get(k);
    if (!old) return;
    this.items.delete(k);
    this.unindex(k, old);
    for (const h of this.handlers) this.safe(() => h.delete?.(old));
  }

  /** safe calls an event handler; a throwing handler is logged and does not stop the others. */
  private safe(fn: () => void): void {
    try { fn(); } catch (e) { logger.error(e, 'Informer event handler failed', { resource: resourceName(this.res) }); }
  }

  private index(k: string, o: Readonly<T>): void {
    for (const [name, fn] of this.indexers) for (const v of fn(o)) add(this.indices.get(name)!, v, k);
  }

  private unindex(k: string, o: Readonly<T>): void {
    for (const [name, fn] of this.indexers) for (const v of fn(o)) this.indices.get(name)!.get(v)?.delete(k);
  }
}

function add(idx: Map<string, Set<string>>, v: string, k: string): void {
  let s = idx.get(v);
  if (!s) idx.set(v, (s = new Set()));
  s.add(k);
}

const logger = log.child({ component: 'informer' });

/** resourceName is `plural.group` (or `plural` for core), as Kubernetes names a GroupResource. */
function resourceName(res: ResourceRef): string {
  return res.group ? `${res.plural}.${res.group}` : res.plural;
}

/** informerKey names one shared informer: resource and list options. */
function informerKey(res: ResourceRef, opts: InformerOptions): string {
  return `${res.group}/${res.version}/${res.plural}?${opts.namespace ?? ''}&${opts.labelSelector ?? ''}&${opts.fieldSelector ?? ''}`;
}

/**
 * stripManagedFields drops metadata.managedFields from an object about to be cached: the transform
 * kube-controller-manager's shared informers use for memory (managedFields are about a third of a
 * pod). No controller reads them, and an update sent without them keeps the server's.
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  // A copy without the field, not `delete`: a deleted property turns the object into a slower, larger dictionary.
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  obj.metadata = metadata;
  return obj;
}

/** SharedInformerFactory hands out one informer per (resource, options) and runs them all. */
export class SharedInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, ResourceInformer<KubeObject>>();
  /** each running informer's own stop (stopInformer), beside the factory's signal */
  private readonly stops = new Map<string, AbortController>();
  private signal?: AbortSignal;
  private readonly clock: Clock;
  private readonly transform?: (obj: KubeObject) => KubeObject;

  /** opts.transform is applied to every object before it is cached (client-go's WithTransform), e.g. stripManagedFields */
  constructor(private readonly client: Client, opts: { clock?: Clock; transform?: (obj: KubeObject) => KubeObject } = {}) {
    this.clock = opts.clock ?? realClock;
    this.transform = opts.transform;
  }

  informerFor<T extends KubeObject = KubeObject>(res: ResourceRef, opts: InformerOptions = {}): Informer<T> {
    const key = informerKey(res, opts);
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new ResourceInformer(this.client, res, opts, this.clock, this.transform);
      this.informers.set(key, inf);
      if (this.signal) this.run(key, inf, this.signal);
    }
    return inf as unknown as Informer<T>;
  }

  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const [key, inf] of this.informers) this.run(key, inf, signal);
  }

  stopInformer(res: ResourceRef, opts: InformerOptions = {}): void {
    const key = informerKey(res, opts);
    this.informers.delete(key);
    this.stops.get(key)?.abort();
    this.stops.delete(key);
  }

  /** run runs one informer until the factory's signal or its own stop aborts. */
  private run(key: string, inf: ResourceInformer<KubeObject>, signal: AbortSignal): void {
    if (this.stops.has(key)) return;
    const stop = new AbortController();
    this.stops.set(key, stop);
    void inf.run(AbortSignal.any([signal, stop.signal]));
  }

  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const pending = [...this.informers.values()].filter((i) => !i.hasSynced());
    if (!pending.length) return;
    // One abort listener for the whole wait, not one per informer (more than 10 trip Node's leak warning).
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      void Promise.all(pending.map((i) => i.waitForSync())).then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}
