import { randomUUID } from 'node:crypto';
import type { Backend, KeyValue } from '../storage/backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError } from '../storage/errors.js';
import type { AdmissionConfig, KubeObject, ObjectMeta, ResourceDefinition, ResourceStrategy } from '../api/resource.js';
import {
  StatusError, alreadyExists, badRequest, conflict, conflictStale, invalid, notFound, type FieldError, type GroupResource,
} from '../apimachinery/errors.js';
import { parseLabelSelector, matchesLabels } from '../apimachinery/labels.js';
import { parseFieldSelector, matchesFields, fieldSelectorFields } from '../apimachinery/fields.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/objectmeta.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';
import { listPrefix, objectKey } from './keys.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { WatchCache, decodeEvent, type CacheEvent } from './cacher.js';
import { deepClone } from '../apimachinery/deep.js';
import { exactFieldValue, parseResourceVersion, servedFromCache } from './list-options.js';
import { deepEqual } from '../apimachinery/deep.js';
import { rfc3339 } from '../apimachinery/time.js';
import { updateManagedFields } from '../apiserver/fieldmanager/fieldmanager.js';
import type { DeleteOptions, ListOptions, ObjectList, WatchEvent, WatchOptions, WriteOptions } from '../apimachinery/options.js';
import type { AdmissionAttributes, Operation, Revert } from '../admission/interfaces.js';
import type { AdmissionInterface } from '../admission/chain.js';

export type { DeleteOptions, ListOptions, WriteOptions } from '../apimachinery/options.js';

/** NamespaceState is what create needs to know about the target namespace. */
export type NamespaceState = 'active' | 'terminating' | 'missing';

/** StoreDeps are what every RegistryStore shares. */
export interface StoreDeps {
  backend: Backend;
  clock: Clock;
  /** namespaceState answers for NamespaceLifecycle admission */
  namespaceState(name: string): Promise<NamespaceState>;
  /**
   * the admission chain (admission/chain.ts): mutating after defaulting, validating after the
   * strategy's validation, before the write; DELETE is validated with the stored object
   */
  admissionChain?: AdmissionInterface;
  /**
   * beginCreate is the Service REST storage's BeginCreate (cluster IP and node port allocation),
   * run after admission; what it returns undoes the allocation when the object is not written
   */
  beginCreate?(def: ResourceDefinition, obj: KubeObject): Promise<void | (() => Promise<void>)>;
  /** beginUpdate is BeginUpdate (spec, not status) after validation; its result undoes it as beginCreate's does */
  beginUpdate?(def: ResourceDefinition, obj: KubeObject, old: KubeObject): Promise<void | (() => Promise<void>)>;
  /** admission settings handed to strategies (DefaultTolerationSeconds …) */
  admission?: AdmissionConfig;
}

/** ListResult is one page of a list. */
export type ListResult = ObjectList<KubeObject>;

/** DeleteResult: `deleted` false means the object still exists, marked for deletion (HTTP 202). */
export interface DeleteResult { object: KubeObject; deleted: boolean }

/** StoreWatchOptions: a store watch always ends with its request (signal required). */
export type StoreWatchOptions = WatchOptions & { signal: AbortSignal };

/** StoreWatchEvent is one watch event as the API serves it. */
export type StoreWatchEvent = WatchEvent<KubeObject>;

/**
 * GuaranteedUpdateOptions are a write's options and how guaranteedUpdate runs it: subresource,
 * bypassStrategy (server-internal writes), and mutateLeavesCurrent: the mutate function never changes
 * the object it is given (it returns a new one: a PUT's body, a patch's result), so it is given
 * the current object itself (possibly the watch cache's, shared) instead of a copy.
 */
export type GuaranteedUpdateOptions = WriteOptions & { subresource?: string; bypassStrategy?: boolean; mutateLeavesCurrent?: boolean };

/** UpdateState is where an update attempt starts: the object, its revision, and whether it came from the watch cache. */
interface UpdateState { old: KubeObject; rev: number; fromCache: boolean }

/** RETRY and UNCHANGED are tryUpdate's outcomes other than a written object. */
const RETRY = Symbol('retry');
const UNCHANGED = Symbol('unchanged');

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_RETRIES = 8;

/**
 * RegistryStore is the generic store behind every resource (apiserver's genericregistry.Store):
 * it turns API verbs into Backend operations, calling the resource's strategy hooks in Kubernetes'
 * order, and maps storage errors to API Status errors.
 */
export class RegistryStore {
  readonly gr: GroupResource;
  /** the resource's one Backend watch, shared by every API watcher (see WatchCache) */
  readonly watchCache: WatchCache;

  constructor(readonly def: ResourceDefinition, private readonly deps: StoreDeps) {
    this.gr = { group: def.group, resource: def.plural };
    // Pods are watched by node (every kubelet): the cache wakes only the watchers of a pod's node.
    const nodeNameOf = def.group === '' && def.plural === 'pods' ? def.selectableFields?.['spec.nodeName'] : undefined;
    this.watchCache = new WatchCache(deps.backend, listPrefix(def, undefined), (kv, rv) => this.decode(kv, rv), {
      clock: deps.clock, triggerOf: nodeNameOf ? (o) => nodeNameOf(o) ?? '' : undefined,
    });
  }

  private get backend(): Backend { return this.deps.backend; }

  // ---- encoding -------------------------------------------------------------------------------

  /** decode turns a stored value into an object of this definition's version. */
  decode(kv: KeyValue, rv = kv.modRevision): KubeObject {
    let obj = JSON.parse(kv.value) as KubeObject;
    obj.metadata = obj.metadata ?? {};
    obj.metadata.resourceVersion = String(rv);
    this.def.defaultOnRead?.(obj);
    // An asynchronous conversion (a CRD's webhook) happens in served(): decode stays synchronous
    // for the watch cache, which then holds objects as stored. Objects stored in an older storage
    // version carry their own apiVersion and are converted too.
    if (this.def.storageVersion && this.def.convert && !this.def.convertAsync
      && (this.def.storageVersion !== this.def.version || (obj.apiVersion !== undefined && obj.apiVersion !== this.apiVersion()))) {
      obj = this.def.convert(obj, this.def.version);
    }
    return obj;
  }

  /**
   * served converts decoded objects to this definition's version with the asynchronous converter
   * (one webhook call for all that need it); without one they already are.
   */
  private async served(objs: KubeObject[]): Promise<KubeObject[]> {
    if (!this.def.convertAsync || !objs.some((o) => o.apiVersion !== this.apiVersion())) return objs;
    return this.def.convertAsync(objs, this.def.version);
  }

  private async servedOne(obj: KubeObject): Promise<KubeObject> {
    return (await this.served([obj]))[0];
  }

  /** encodeAsync is encode after the asynchronous conversion to the storage version, when there is one. */
  private async encodeAsync(obj: KubeObject): Promise<string> {
    const sv = this.def.storageVersion;
    if (!this.def.convertAsync || !sv || sv === this.def.version) return this.encode(obj);
    const [stored] = await this.def.convertAsync([obj], sv);
    return this.encode(obj, stored);
  }

  /** encode turns an object of this definition's version (or already converted: stored) into the stored value. */
  private encode(obj: KubeObject, converted?: KubeObject): string {
    let stored = converted ?? obj;
    if (!converted && this.def.storageVersion && this.def.storageVersion !== this.def.version && this.def.convert && !this.def.convertAsync) {
      stored = this.def.convert(obj, this.def.storageVersion);
    }
    const copy = { ...stored, metadata: { ...stored.metadata } };
    delete copy.metadata.resourceVersion;
    dropEmptyMetadata(copy.metadata);
    // The caller answers with obj: it must look as stored.
    if (obj.metadata) dropEmptyMetadata(obj.metadata);
    return JSON.stringify(copy);
  }

  private key(namespace: string | undefined, name: string): string {
    return objectKey(this.def, namespace, name);
  }

  private apiVersion(): string {
    return this.def.group ? `${this.def.group}/${this.def.version}` : this.def.version;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** get returns one object or a NotFound Status. */
  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.backend.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return this.servedOne(this.decode(kv));
  }

  /**
   * list returns the objects matching the selectors, paged by limit/continue. Lists the watch
   * cache can answer (resourceVersion "0", NotOlderThan, or a consistent read it can prove fresh,
   * without paging) come from memory, as kube-apiserver's cacher serves them.
   */
  async list(namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const filter = this.filterFor(opts.labelSelector, opts.fieldSelector);
    if (servedFromCache(opts)) {
      const cached = await this.listFromCache(namespace, opts.resourceVersion, filter.matches);
      if (cached) return cached;
    }
    const prefix = listPrefix(this.def, namespace);
    let revision = 0;
    let startAfter: string | undefined;
    if (opts.continue) {
      const t = decodeContinue(opts.continue);
      revision = t.rv;
      startAfter = prefix + t.start;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let remaining = 0;
    try {
      for (;;) {
        const chunk = limit ? Math.max(limit - items.length, filter.selective ? 100 : 0) : 0;
        const res = await this.backend.list(prefix, { revision: revision || undefined, limit: chunk, startAfter });
        revision = res.revision;
        for (const kv of res.items) {
          lastKey = kv.key;
          // Selectors see the version asked for: with a webhook, each object is converted before it is matched.
          const obj = this.def.convertAsync && filter.selective ? await this.servedOne(this.decode(kv)) : this.decode(kv);
          if (!filter.matches(obj)) continue;
          items.push(obj);
          if (limit && items.length >= limit) break;
        }
        const consumedAll = !lastKey || lastKey === res.items[res.items.length - 1]?.key;
        if (limit && items.length >= limit) {
          more = res.remaining > 0 || !consumedAll;
          remaining = res.remaining + (consumedAll ? 0 : res.items.length - 1 - res.items.findIndex((k) => k.key === lastKey));
          break;
        }
        if (res.remaining === 0 || res.items.length === 0) break;
        startAfter = res.items[res.items.length - 1].key;
      }
    } catch (e) {
      if (e instanceof CompactedError && opts.continue) {
        throw new StatusError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      throw e;
    }
    // A fresh list is usually followed by a watch from its revision: have the cache follow changes.
    if (!opts.continue) void this.watchCache.start().catch((e: unknown) => logger.error(e, 'Watch cache failed to start', { resource: this.gr.resource }));
    const metadata: ListResult['metadata'] = { resourceVersion: String(revision) };
    if (more && lastKey) {
      metadata.continue = encodeContinue({ rv: revision, start: lastKey.slice(prefix.length) });
      if (!filter.selective) metadata.remainingItemCount = remaining;
    }
    return { items: await this.served(items), metadata };
  }

  /** filterFor compiles label and field selectors; unsupported fields are a 400 as in Kubernetes. */
  filterFor(labelSelector?: string, fieldSelector?: string): { selective: boolean; matches(obj: KubeObject): boolean } {
    const ls = labelSelector ? parseLabelSelector(labelSelector) : undefined;
    const fs = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
    if (fs) {
      for (const f of fieldSelectorFields(fs)) {
        if (f === 'metadata.name' || f === 'metadata.namespace') continue;
        // own keys only: "__proto__" or "constructor" are unsupported fields, not Object.prototype members
        if (!this.def.selectableFields || !Object.prototype.hasOwnProperty.call(this.def.selectableFields, f)) {
          throw badRequest(`field label not supported: ${f}`);
        }
      }
    }
    const getField = (obj: KubeObject) => (f: string): string | undefined => {
      if (f === 'metadata.name') return obj.metadata?.name ?? '';
      if (f === 'metadata.namespace') return obj.metadata?.namespace ?? '';
      return this.def.selectableFields?.[f]?.(obj) ?? '';
    };
    return {
      selective: !!(ls || fs),
      matches: (obj) => (!ls || matchesLabels(ls, obj.metadata?.labels)) && (!fs || matchesFields(fs, getField(obj))),
    };
  }

  /**
   * listFromCache answers a list from the watch cache, or undefined when storage must: the cache
   * is not fresh enough in time. A resourceVersion beyond the store's is Kubernetes' 504 "Too
   * large resource version" once the wait is over.
   */
  private async listFromCache(namespace: string | undefined, rv: string | undefined, matches: (obj: KubeObject) => boolean): Promise<ListResult | undefined> {
    const min = rv === '0' ? 0 : rv ? parseResourceVersion(rv) : await this.backend.currentRevision();
    await this.watchCache.start();
    if (!(await this.cacheFreshFor(min))) {
      const current = await this.backend.currentRevision();
      if (rv && min > current) throw tooLargeResourceVersion(min, current);
      return undefined;
    }
    if (this.def.convertAsync) {
      // The cache holds objects as stored: they are converted before selectors match them.
      const { items, revision } = this.watchCache.list(listPrefix(this.def, namespace), () => true);
      return { items: (await this.served(items)).filter(matches), metadata: { resourceVersion: String(revision) } };
    }
    const { items, revision } = this.watchCache.list(listPrefix(this.def, namespace), matches);
    return { items, metadata: { resourceVersion: String(revision) } };
  }

  /**
   * cacheFreshFor says whether the watch cache reflects revision min: at once when it can tell
   * (an in-process store proves its progress; a remote one only by events), and when min is past
   * the store's own revision, after waiting for it as the cacher does (false: storage answers,
   * which is at least as new whenever min is not in the future).
   */
  private async cacheFreshFor(min: number): Promise<boolean> {
    if (await this.watchCache.syncTo(min, 0)) return true;
    if (!this.watchCache.started || min <= await this.backend.currentRevision()) return false;
    return this.watchCache.syncTo(min);
  }

  /**
   * watch streams changes as API watch events; a compacted start becomes an ERROR 410 event.
   * With sendInitialEvents (or, for callers that leave it unset, no resourceVersion or "0") the
   * current objects come first as ADDED; with allowWatchBookmarks BOOKMARK events follow now and
   * then, and a streaming list (sendInitialEvents=true) gets the k8s.io/initial-events-end bookmark.
   */
  async *watch(namespace: string | undefined, opts: StoreWatchOptions): AsyncGenerator<StoreWatchEvent> {
    const filter = this.filterFor(opts.labelSelector, opts.fieldSelector);
    const prefix = listPrefix(this.def, namespace);
    const rv = opts.resourceVersion;
    const sendInitial = opts.sendInitialEvents ?? (!rv || rv === '0');
    const bookmarks = opts.allowWatchBookmarks === true;
    const endBookmark = bookmarks && opts.sendInitialEvents === true;
    const trigger = exactFieldValue(opts.fieldSelector, 'spec.nodeName');
    let after = 0;
    let events: AsyncIterable<CacheEvent> | undefined;
    const min = rv === '0' ? 0 : rv ? parseResourceVersion(rv) : await this.backend.currentRevision();
    await this.watchCache.start().catch((e: unknown) => logger.error(e, 'Watch cache failed to start', { resource: this.gr.resource }));
    if (sendInitial) {
      // The state at a resourceVersion not older than asked (any for "0"), from the cache when it is fresh enough.
      if (await this.cacheFreshFor(min)) events = this.watchCache.watchFromState(opts.signal, { bookmarks, endBookmark, trigger });
      if (!events) {
        const res = await this.backend.list(prefix);
        for (const kv of res.items) {
          const obj = await this.servedOne(this.decode(kv));
          if (filter.matches(obj)) yield { type: 'ADDED', object: obj };
        }
        after = res.revision;
        if (endBookmark) yield { type: 'BOOKMARK', object: this.bookmarkObject(after, true) };
      }
    } else {
      // sendInitialEvents=false: changes after the resourceVersion ("" = now, "0" = whatever the cache holds).
      after = rv === '0' ? this.watchCache.revision || await this.backend.currentRevision() : min;
    }
    try {
      // From the shared cache when `after` is in its window, else from the Backend's history
      // (which answers a compacted resourceVersion with 410, as before the cache).
      if (!events) {
        const compacted = await this.backend.compactedRevision();
        events = (after >= compacted ? this.watchCache.watch(after, opts.signal, { bookmarks, trigger }) : undefined) ?? this.backendEvents(prefix, after, opts.signal);
      }
      for await (const ev of events) {
        if (ev.type === 'bookmark') {
          yield { type: 'BOOKMARK', object: this.bookmarkObject(ev.revision, ev.initialEventsEnd) };
          continue;
        }
        if (!ev.key.startsWith(prefix)) continue;
        let obj = ev.object;
        if (this.def.convertAsync) {
          // A conversion webhook that fails ends the watch with its error, as an ERROR event.
          try {
            obj = await this.servedOne(ev.object);
          } catch (e) {
            if (!(e instanceof StatusError)) throw e;
            yield { type: 'ERROR', object: e.toStatus() as unknown as KubeObject };
            return;
          }
        }
        if (ev.type === 'delete') {
          if (filter.matches(obj)) yield { type: 'DELETED', object: obj };
          continue;
        }
        const nowMatches = filter.matches(obj);
        if (ev.type === 'create') {
          if (nowMatches) yield { type: 'ADDED', object: obj };
          continue;
        }
        // Without selectors the previous object need not be decoded: it matched too.
        const prev = filter.selective ? ev.prevObject() : undefined;
        const oldMatches = filter.selective ? (prev ? filter.matches(prev) : false) : ev.hasPrev;
        if (nowMatches && oldMatches) yield { type: 'MODIFIED', object: obj };
        else if (nowMatches) yield { type: 'ADDED', object: obj };
        else if (oldMatches) yield { type: 'DELETED', object: obj };
      }
    } catch (e) {
      if (e instanceof CompactedError) {
        yield {
          type: 'ERROR',
          object: new StatusError(410, 'Expired', `too old resource version: ${after} (${e.compacted})`).toStatus() as unknown as KubeObject,
        };
        return;
      }
      if (opts.signal.aborted) return;
      throw e;
    }
  }

  /**
   * bookmarkObject is a BOOKMARK event's object: the kind with only metadata.resourceVersion, and
   * the k8s.io/initial-events-end annotation at the end of a streaming list's initial events.
   */
  private bookmarkObject(revision: number, initialEventsEnd: boolean): KubeObject {
    const metadata: ObjectMeta = { resourceVersion: String(revision) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    return { apiVersion: this.apiVersion(), kind: this.def.kind, metadata };
  }

  /** backendEvents reads changes straight from the Backend, decoding them for this watcher alone. */
  private async *backendEvents(prefix: string, after: number, signal: AbortSignal): AsyncGenerator<CacheEvent> {
    for await (const ev of this.backend.watch(prefix, { afterRevision: after, signal })) yield decodeEvent(ev, (kv, rv) => this.decode(kv, rv));
  }

  // ---- writes ---------------------------------------------------------------------------------

  /** create stores a new object after defaulting, admission and validation. */
  async create(namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const meta: ObjectMeta = (obj.metadata ??= {});
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (!namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    obj.apiVersion = this.apiVersion();
    obj.kind = this.def.kind;
    if (meta.resourceVersion) {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    if (this.def.namespaced && namespace) {
      const state = await this.deps.namespaceState(namespace);
      if (state === 'missing') throw notFound({ group: '', resource: 'namespaces' }, namespace);
      if (state === 'terminating') {
        throw new StatusError(403, 'Forbidden',
          `${this.def.plural}${this.def.group ? '.' + this.def.group : ''} "${meta.name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          { name: meta.name, group: this.def.group || undefined, kind: this.def.plural, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] });
      }
    }
    const now = this.deps.clock.now();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.generation;
    const strategy = this.def.strategy;
    strategy.default?.(obj);
    strategy.prepareForCreate?.(obj, { now, admission: this.deps.admission, user: opts.user });
    this.trackManagedFields(undefined, obj, opts);
    const attrs = this.admissionAttributes('CREATE', namespace, meta.name ?? '', obj, undefined, '', opts);
    const admitted = await this.deps.admissionChain?.admit(attrs);
    let revert: Revert | undefined;
    try {
      revert = joinReverts(admitted, await this.deps.beginCreate?.(this.def, obj));
    } catch (e) {
      await admitted?.();
      throw e;
    }
    try {
      const errs = [...validateObjectMeta(obj, this.def), ...(strategy.validate?.(obj) ?? [])];
      if (errs.length) throw invalid(this.def.kind, this.def.group, meta.name ?? '', dedupe(errs));
      await this.deps.admissionChain?.validate(attrs);
      if (opts.dryRun) {
        await revert?.();
        return obj;
      }
      const rev = await this.backend.create(this.key(namespace, meta.name!), await this.encodeAsync(obj));
      meta.resourceVersion = String(rev);
      return obj;
    } catch (e) {
      await revert?.();
      if (e instanceof KeyExistsError) throw alreadyExists(this.gr, meta.name!);
      throw e;
    }
  }

  /**
   * update replaces an object (PUT). With `subresource: 'status'` the status strategy decides what
   * may change. A resourceVersion in the body makes the update conditional (409 when stale).
   */
  async update(namespace: string | undefined, name: string, obj: KubeObject, opts: WriteOptions & { subresource?: string } = {}): Promise<KubeObject> {
    return this.guaranteedUpdate(namespace, name, () => obj, { ...opts, mutateLeavesCurrent: true });
  }

  /**
   * guaranteedUpdate reads the current object, asks `mutate` for the new one and writes it with
   * compare-and-swap, retrying on races unless the caller pinned a resourceVersion.
   *
   * As kube-apiserver's GuaranteedUpdate with a cachedExistingObject, the first attempt starts
   * from the watch cache's object (no storage read, no decode); the cache may be a little behind,
   * so whatever goes wrong with it (a failed compare-and-swap, a conflicting or invalid result, a
   * write that changes nothing) is checked against storage: when storage holds a newer object the
   * attempt is redone from it, else its outcome stands.
   */
  async guaranteedUpdate(
    namespace: string | undefined, name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: GuaranteedUpdateOptions = {},
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    // A webhook-converted kind is cached as stored, not as served: it always reads storage.
    const cached = this.def.convertAsync ? undefined : this.watchCache.cached(key);
    let state: UpdateState | undefined = cached && { old: cached.object, rev: cached.revision, fromCache: true };
    for (let attempt = 0; ; attempt++) {
      state ??= await this.currentState(key, name);
      const { old, rev, fromCache } = state;
      state = undefined;
      let outcome: KubeObject | typeof RETRY | typeof UNCHANGED;
      try {
        outcome = await this.tryUpdate(key, namespace, name, old, rev, mutate, opts, attempt);
      } catch (e) {
        if (!fromCache) throw e;
        const current = await this.currentState(key, name);
        // The cached object was the current one: its outcome stands.
        if (current.rev === rev) throw e;
        state = current;
        continue;
      }
      if (outcome === RETRY) continue;
      if (outcome !== UNCHANGED) return outcome;
      if (!fromCache) return old;
      // Unchanged from a cached object: unchanged from the stored one too? The answer is never the shared cached object.
      const current = await this.currentState(key, name);
      if (current.rev === rev) return current.old;
      state = current;
    }
  }

  /** currentState reads the object from storage (NotFound when it is gone). */
  private async currentState(key: string, name: string): Promise<UpdateState> {
    const kv = await this.backend.get(key);
    if (!kv) throw notFound(this.gr, name);
    return { old: await this.servedOne(this.decode(kv)), rev: kv.modRevision, fromCache: false };
  }

  /**
   * tryUpdate is one attempt of guaranteedUpdate from `old` at revision `rev` (never mutated: it
   * may be the watch cache's): the written object, UNCHANGED when the result equals old, or RETRY
   * after losing a compare-and-swap race that may be retried.
   */
  private async tryUpdate(
    key: string, namespace: string | undefined, name: string, old: KubeObject, rev: number,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: GuaranteedUpdateOptions, attempt: number,
  ): Promise<KubeObject | typeof RETRY | typeof UNCHANGED> {
    // A mutate that leaves its argument alone is given old itself: copying it would be wasted.
    const next = await mutate(opts.mutateLeavesCurrent ? old : deepClone(old));
    const meta: ObjectMeta = (next.metadata ??= {});
    const pinned = meta.resourceVersion !== undefined && meta.resourceVersion !== '';
    if (pinned && meta.resourceVersion !== String(rev)) throw conflictStale(this.gr, name);
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (this.def.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.uid && meta.uid !== old.metadata?.uid) {
      throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata?.uid}`);
    }
    // Server-internal writes (binding, finalize) skip the user-facing strategy, as Kubernetes' own
    // subresource stores do; they still carry server-owned metadata over.
    let result: KubeObject;
    let revert: Revert | undefined;
    if (opts.bypassStrategy) {
      // Server-internal writes skip the strategy and admission; everything a user sends goes through both.
      result = this.carryMetadata(next, old);
      this.trackManagedFields(old, result, {});
      if (deepEqual(withoutRV(result), withoutRV(old))) return UNCHANGED;
    } else {
      // Kubernetes' order: mutating admission, the strategy's validation, BeginUpdate, validating admission.
      const sentManagedFields = next.metadata?.managedFields;
      const prepared = this.prepareUpdate(next, old, opts.subresource);
      result = prepared.result;
      this.trackManagedFields(old, result, opts, opts.subresource, sentManagedFields);
      const attrs = this.admissionAttributes('UPDATE', namespace, name, result, old, opts.subresource ?? '', opts);
      const admitted = await this.deps.admissionChain?.admit(attrs);
      revert = admitted ?? undefined;
      if (!opts.subresource) bumpGenerationAfterAdmission(result, old);
      try {
        this.validateUpdate(result, old, prepared.strategy, opts.subresource);
        if (deepEqual(withoutRV(result), withoutRV(old))) {
          await revert?.();
          return UNCHANGED;
        }
        if (!opts.subresource) revert = joinReverts(admitted, await this.deps.beginUpdate?.(this.def, result, old));
        await this.deps.admissionChain?.validate(attrs);
      } catch (e) {
        await revert?.();
        throw e;
      }
    }
    if (opts.dryRun) {
      await revert?.();
      return result;
    }
    // What admission or BeginUpdate allocated is given back when the write does not happen.
    if (this.isFinalized(result)) {
      try {
        await this.backend.delete(key, rev);
        return result;
      } catch (e) {
        await revert?.();
        if (e instanceof RevisionMismatchError && !pinned && attempt < MAX_RETRIES) return RETRY;
        throw this.mapWriteError(e, name);
      }
    }
    try {
      const written = await this.backend.update(key, await this.encodeAsync(result), rev);
      result.metadata!.resourceVersion = String(written);
      return result;
    } catch (e) {
      await revert?.();
      if (e instanceof RevisionMismatchError && !pinned && attempt < MAX_RETRIES) return RETRY;
      throw this.mapWriteError(e, name);
    }
  }

  /** carryMetadata copies server-owned metadata (uid, timestamps, generation...) from old to next. */
  private carryMetadata(next: KubeObject, old: KubeObject): KubeObject {
    const meta = next.metadata!;
    const oldMeta = old.metadata!;
    next.apiVersion = this.apiVersion();
    next.kind = this.def.kind;
    meta.name = oldMeta.name;
    if (this.def.namespaced) meta.namespace = oldMeta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    return next;
  }

  /**
   * trackManagedFields records a write in metadata.managedFields (apiserver/fieldmanager): the
   * writer's manager gains what it changed. A server-side apply computed them already; writes
   * without a manager (the server's own) keep the stored ones.
   */
  private trackManagedFields(old: KubeObject | undefined, next: KubeObject, opts: WriteOptions, subresource?: string, sent = next.metadata?.managedFields): void {
    const meta = next.metadata!;
    if (opts.managedFieldsComputed) {
      // a status strategy may have rebuilt the object from the stored one: keep what apply computed
      if (sent) meta.managedFields = sent;
      return;
    }
    if (opts.fieldManager === undefined) {
      if (old?.metadata?.managedFields) meta.managedFields = old.metadata.managedFields;
      else delete meta.managedFields;
      return;
    }
    const entries = updateManagedFields({ def: this.def, subresource, now: this.deps.clock.now() }, old, next, opts.fieldManager);
    if (entries.length) meta.managedFields = entries as ObjectMeta['managedFields'];
    else delete meta.managedFields;
  }

  /** prepareUpdate runs the strategy: carry server-owned metadata over, default, prepare (validateUpdate checks it after admission). */
  private prepareUpdate(next: KubeObject, old: KubeObject, subresource?: string): { result: KubeObject; strategy: ResourceStrategy } {
    const now = this.deps.clock.now();
    this.carryMetadata(next, old);
    const meta = next.metadata!;
    let strategy: ResourceStrategy = this.def.strategy;
    let result = next;
    const own = subresource && subresource !== 'status' ? this.def.subresourceStrategies?.[subresource] : undefined;
    if (own) {
      // Another subresource's strategy (pods/ephemeralcontainers) decides alone what the write may change.
      strategy = own;
    } else if (subresource === 'status') {
      if (this.def.statusStrategy) {
        strategy = this.def.statusStrategy;
      } else {
        // Default status strategy: everything but status comes from the stored object.
        result = { ...deepClone(old), status: next.status };
        strategy = {};
      }
    } else {
      this.def.strategy.default?.(result);
    }
    strategy.prepareForUpdate?.(result, old, { now });
    return { result, strategy };
  }

  /** validateUpdate is the strategy's validation of an update (422 Invalid with every field error). */
  private validateUpdate(result: KubeObject, old: KubeObject, strategy: ResourceStrategy, subresource?: string): void {
    const meta = result.metadata!;
    // The status strategy and a subresource's own strategy validate what they let change; other writes validate the whole object.
    const own = subresource === 'status' || (!!subresource && !!this.def.subresourceStrategies?.[subresource]);
    const errs: FieldError[] = [
      ...validateObjectMetaUpdate(result, old),
      ...(own ? [] : validateObjectMeta(result, this.def)),
      ...(own ? [] : this.def.strategy.validate?.(result) ?? []),
      ...(strategy.validateUpdate?.(result, old) ?? []),
    ];
    if (errs.length) throw invalid(this.def.kind, this.def.group, meta.name ?? '', dedupe(errs));
  }

  /** admissionAttributes describes a request to the admission chain (admission.Attributes). */
  private admissionAttributes(
    operation: Operation, namespace: string | undefined, name: string, object: KubeObject | undefined, oldObject: KubeObject | undefined,
    subresource: string, opts: WriteOptions | DeleteOptions,
  ): AdmissionAttributes {
    const kind = operation === 'CREATE' ? 'CreateOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
    const options: Record<string, unknown> = { kind, apiVersion: 'meta.k8s.io/v1' };
    if (opts.dryRun) options.dryRun = ['All'];
    if (operation === 'DELETE') {
      const d = opts as DeleteOptions;
      if (d.gracePeriodSeconds !== undefined) options.gracePeriodSeconds = d.gracePeriodSeconds;
      if (d.propagationPolicy) options.propagationPolicy = d.propagationPolicy;
      if (d.orphanDependents !== undefined) options.orphanDependents = d.orphanDependents;
      if (d.preconditions) options.preconditions = d.preconditions;
    }
    return {
      operation, def: this.def, subresource, namespace: this.def.namespaced ? namespace ?? '' : '', name,
      object, oldObject, options,
      // Internal callers (controllers in-process, bootstrap) act as the API server itself.
      userInfo: opts.user ?? { name: 'system:apiserver', groups: ['system:masters'] },
      dryRun: !!opts.dryRun,
      warnings: opts.warnings,
    };
  }

  /** isFinalized: marked for deletion and nothing holds it any more. */
  private isFinalized(obj: KubeObject): boolean {
    if (!obj.metadata?.deletionTimestamp) return false;
    if (obj.metadata.finalizers?.length) return false;
    if (this.def.group === '' && this.def.plural === 'namespaces') {
      const spec = obj.spec as { finalizers?: string[] } | undefined;
      if (spec?.finalizers?.length) return false;
    }
    if (this.def.plural === 'pods' && obj.metadata.deletionGracePeriodSeconds) return false;
    return true;
  }

  private mapWriteError(e: unknown, name: string): unknown {
    if (e instanceof KeyNotFoundError) return notFound(this.gr, name);
    if (e instanceof RevisionMismatchError) return conflictStale(this.gr, name);
    return e;
  }

  /**
   * delete removes an object, or marks it (deletionTimestamp) when a grace period or finalizers
   * hold it: pods on a node wait for their agent; Foreground/Orphan add the GC's finalizers;
   * namespaces wait for their content to go.
   */
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.backend.get(key);
      if (!kv) throw notFound(this.gr, name);
      const obj = await this.servedOne(this.decode(kv));
      const meta = obj.metadata!;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
      }
      // Validating admission sees the stored object (oldObject), after the preconditions.
      await this.deps.admissionChain?.validate(this.admissionAttributes('DELETE', namespace, name, undefined, deepClone(obj), '', opts));
      if (!meta.deletionTimestamp) this.def.strategy.prepareForDelete?.(obj, { now: this.deps.clock.now(), admission: this.deps.admission });
      const marked = this.markForDeletion(obj, opts);
      if (marked === 'unchanged') return { object: obj, deleted: false };
      if (marked === 'marked') {
        if (opts.dryRun) return { object: obj, deleted: false };
        try {
          const rev = await this.backend.update(key, await this.encodeAsync(obj), kv.modRevision);
          meta.resourceVersion = String(rev);
          return { object: obj, deleted: false };
        } catch (e) {
          if (e instanceof RevisionMismatchError && attempt < MAX_RETRIES) continue;
          throw this.mapWriteError(e, name);
        }
      }
      if (opts.dryRun) return { object: obj, deleted: true };
      try {
        const res = await this.backend.delete(key, kv.modRevision);
        meta.resourceVersion = String(res.revision);
        return { object: obj, deleted: true };
      } catch (e) {
        if (e instanceof RevisionMismatchError && attempt < MAX_RETRIES) continue;
        throw this.mapWriteError(e, name);
      }
    }
  }

  /** markForDeletion decides graceful/finalized deletion; mutates obj when it returns 'marked'. */
  private markForDeletion(obj: KubeObject, opts: DeleteOptions): 'delete' | 'marked' | 'unchanged' {
    const meta = obj.metadata!;
    const now = this.deps.clock.now();
    const isPod = this.def.group === '' && this.def.plural === 'pods';
    const isNamespace = this.def.group === '' && this.def.plural === 'namespaces';
    let changed = false;

    // Graceful deletion: a pod bound to a node is only marked; its agent stops it and confirms.
    let grace = 0;
    if (isPod) {
      const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
      const phase = (obj.status as { phase?: string } | undefined)?.phase;
      grace = opts.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
      if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (grace < 0) grace = 0;
    }

    const finalizers = new Set(meta.finalizers ?? []);
    let policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
    // Without options a GC finalizer already on the object decides, else the kind's default policy.
    if (!policy && !finalizers.has('orphan') && !finalizers.has('foregroundDeletion') && orphansDependentsByDefault(this.def)) policy = 'Orphan';
    if (policy === 'Foreground' && !finalizers.has('foregroundDeletion')) { finalizers.add('foregroundDeletion'); finalizers.delete('orphan'); }
    if (policy === 'Orphan' && !finalizers.has('orphan')) { finalizers.add('orphan'); finalizers.delete('foregroundDeletion'); }
    if (policy === 'Background') { finalizers.delete('orphan'); finalizers.delete('foregroundDeletion'); }
    const nsHeld = isNamespace && ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0;

    if (finalizers.size > 0 || nsHeld || grace > 0) {
      const newFinalizers = [...finalizers];
      if (!deepEqual(newFinalizers, meta.finalizers ?? [])) {
        meta.finalizers = newFinalizers;
        changed = true;
      }
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
        // Objects that track generation bump it when their deletion starts (observedGeneration then tells a controller saw it).
        if ((meta.generation ?? 0) > 0) meta.generation = meta.generation! + 1;
        changed = true;
      } else if (isPod && grace < (meta.deletionGracePeriodSeconds ?? 0)) {
        // A shorter grace period (e.g. --grace-period=1 after a default delete) moves the deadline up.
        meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
        changed = true;
      }
      if (isPod && grace === 0 && finalizers.size === 0) return 'delete';
      if (isNamespace) {
        const status = (obj.status ??= {}) as { phase?: string };
        if (status.phase !== 'Terminating') { status.phase = 'Terminating'; changed = true; }
      }
      return changed ? 'marked' : 'unchanged';
    }
    return 'delete';
  }

  /** deleteCollection deletes every object the list options select. */
  async deleteCollection(namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions): Promise<KubeObject[]> {
    const { items } = await this.list(namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        const r = await this.delete(item.metadata?.namespace, item.metadata!.name!, opts);
        out.push(r.object);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
    }
    return out;
  }
}

/**
 * orphansDependentsByDefault: the kinds whose DefaultGarbageCollectionPolicy is OrphanDependents in
 * Kubernetes 1.32, for compatibility with clients older than server-side garbage collection: v1
 * ReplicationControllers and batch/v1 Jobs. Every other kind deletes its dependents in the
 * background when DeleteOptions say nothing (kubectl always sends propagationPolicy).
 */
export function orphansDependentsByDefault(def: Pick<ResourceDefinition, 'group' | 'version' | 'plural'>): boolean {
  return (def.group === '' && def.version === 'v1' && def.plural === 'replicationcontrollers')
    || (def.group === 'batch' && def.version === 'v1' && def.plural === 'jobs');
}

/** tooLargeResourceVersion is storage's NewTooLargeResourceVersionError: a 504 clients retry after a second. */
function tooLargeResourceVersion(min: number, current: number): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${min}, current: ${current}`, {
    retryAfterSeconds: 1, causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  });
}

const logger = log.child({ component: 'registry' });

function withoutRV(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}

/** joinReverts undoes both (the later first), or nothing when neither did anything. */
function joinReverts(a: Revert | void | undefined, b: Revert | void | undefined): Revert | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return async () => { await b(); await a(); };
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_SUFFIX_ALPHABET[Math.floor(Math.random() * NAME_SUFFIX_ALPHABET.length)];
  return s;
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${e.detail ?? ''}|${JSON.stringify(e.value)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * dropEmptyMetadata removes empty labels, annotations, ownerReferences, finalizers and
 * managedFields: they are omitempty in Kubernetes, so an emptied one (the last owner reference
 * removed by a patch) is neither stored nor served as [] or {}.
 */
function dropEmptyMetadata(meta: Record<string, unknown>): void {
  for (const f of ['labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields']) {
    const v = meta[f];
    if (v !== undefined && v !== null && typeof v === 'object' && Object.keys(v).length === 0) delete meta[f];
  }
}

/**
 * bumpGenerationAfterAdmission: Kubernetes runs mutating admission before the strategy's
 * PrepareForUpdate, so a spec a webhook changed bumps metadata.generation; tskube prepares first,
 * so a change admission made to what is not metadata or status bumps it here (once).
 */
export function bumpGenerationAfterAdmission(result: KubeObject, old: KubeObject): void {
  const oldGen = old.metadata?.generation;
  if (oldGen === undefined || result.metadata?.generation !== oldGen) return;
  const { metadata: _m, status: _s, ...rest } = result;
  const { metadata: _om, status: _os, ...oldRest } = old;
  if (!deepEqual(rest, oldRest)) result.metadata!.generation = oldGen + 1;
}
