import type { Backend, KeyValue, WatchEvent } from '../storage/backend.js';
import { EventQueue } from '../storage/event-queue.js';
import type { KubeObject } from '../api/resource.js';
import { realClock, type Clock } from '../util/clock.js';
import { log } from '../util/log.js';

const logger = log.child({ component: 'watch-cache' });

/**
 * DecodedEvent is one storage change with its object decoded once and shared by every watcher
 * (watchers must not mutate it). prevObject decodes the previous value on first use only.
 */
export interface DecodedEvent {
  type: WatchEvent['type'];
  key: string;
  revision: number;
  object: KubeObject;
  /** whether the change had a previous value (update, delete) */
  hasPrev: boolean;
  prevObject(): KubeObject | undefined;
}

/**
 * BookmarkEvent tells a watcher that every change up to `revision` has been sent to it
 * (allowWatchBookmarks); `initialEventsEnd` marks the end of a streaming list's initial events.
 */
export interface BookmarkEvent {
  type: 'bookmark';
  revision: number;
  initialEventsEnd: boolean;
}

/** CacheEvent is what a cache watcher receives: changes, and bookmarks when it asked for them. */
export type CacheEvent = DecodedEvent | BookmarkEvent;

/** Decoder turns a stored value into an API object whose resourceVersion is rv. */
export type Decoder = (kv: KeyValue, rv: number) => KubeObject;

/**
 * decodeEvent decodes a storage change the way the API serves it: a delete carries the last
 * object at the delete's revision; an update's previous object is decoded only when asked for.
 */
export function decodeEvent(ev: WatchEvent, decode: Decoder, knownPrev?: KubeObject): DecodedEvent {
  const object = ev.type === 'delete' ? decode(ev.prevKv ?? ev.kv, ev.revision) : decode(ev.kv, ev.kv.modRevision);
  // knownPrev: the previous value already decoded (the watch cache's object at prevKv's revision).
  let prev: KubeObject | undefined = ev.type === 'update' ? knownPrev : undefined;
  let prevDone = ev.type === 'delete' || prev !== undefined;
  return {
    type: ev.type, key: ev.kv.key, revision: ev.revision, object, hasPrev: ev.prevKv !== undefined,
    prevObject() {
      if (!prevDone) { prevDone = true; prev = ev.prevKv ? decode(ev.prevKv, ev.prevKv.modRevision) : undefined; }
      return prev;
    },
  };
}

/** DEFAULT_WINDOW is how many recent changes a WatchCache keeps for watchers resuming from a resourceVersion. */
export const DEFAULT_WINDOW = 1024;

/** BOOKMARK_INTERVAL_MS is how often a watcher that allows bookmarks gets one (kube-apiserver: about a minute). */
export const BOOKMARK_INTERVAL_MS = 60_000;

/** FRESHNESS_TIMEOUT_MS is how long a read waits for the cache to reach its resourceVersion (kube-apiserver: 3 s). */
export const FRESHNESS_TIMEOUT_MS = 3_000;

/** WatchCacheOptions tune a WatchCache; the defaults are kube-apiserver's. */
export interface WatchCacheOptions {
  /** recent changes kept for resuming watchers */
  capacity?: number;
  clock?: Clock;
  bookmarkIntervalMs?: number;
  /**
   * triggerOf names the value of the one field watchers commonly select on (pods: spec.nodeName),
   * so a change is offered only to watchers of its value (kube-apiserver's cacher trigger
   * functions: a kubelet's watch is not woken for the other nodes' pods)
   */
  triggerOf?: (obj: KubeObject) => string;
}

/** CacheWatchOptions: what one watcher asks of the cache. */
export interface CacheWatchOptions {
  /** periodic BOOKMARK events (allowWatchBookmarks) */
  bookmarks?: boolean;
  /** the trigger value this watcher's field selector requires (see WatchCacheOptions.triggerOf) */
  trigger?: string;
}

/** CacheList is a consistent snapshot of the cache: objects in key order, at one revision. */
export interface CacheList {
  items: KubeObject[];
  revision: number;
}

/**
 * WatchCache is kube-apiserver's cacher reduced to what tskube needs: one Backend watch per
 * resource, each change decoded once and fanned out to every API watcher, the current objects
 * kept decoded (so lists at resourceVersion "0" or NotOlderThan are served from memory, as the
 * cacher's watchCache store serves them), and a window of recent changes so a watcher resuming
 * from a resourceVersion inside it is served from memory too.
 *
 * A watcher whose resourceVersion is older than the window gets `undefined` from watch(): the
 * caller then reads the Backend's history itself, which still answers 410 Gone once compacted,
 * so a small window never turns a valid resourceVersion into an error.
 */
export class WatchCache {
  private readonly window: DecodedEvent[] = [];
  private windowHead = 0;
  /** every change with revision > oldest is in the window */
  private oldest = 0;
  /** the state below reflects every change up to this revision */
  private rev = 0;
  private readonly objects = new Map<string, KubeObject>();
  /** keys in order, rebuilt lazily after a create or delete (lists are served sorted, like the cacher's btree) */
  private sortedKeys: string[] | undefined;
  private running = false;
  private loading: Promise<void> | undefined;
  private ac?: AbortController;
  private readonly watchers = new Set<CacheWatcher>();
  /** watchers without a trigger value, and those with one by value */
  private readonly untriggered = new Set<CacheWatcher>();
  private readonly byTrigger = new Map<string, Set<CacheWatcher>>();
  private readonly triggerOf?: (obj: KubeObject) => string;
  private freshWaiters: { rev: number; resolve: () => void }[] = [];
  private readonly capacity: number;
  private readonly clock: Clock;
  private readonly bookmarkIntervalMs: number;
  /** in-process stores publish each change synchronously at commit, so progress is knowable (see syncTo) */
  private readonly local: boolean;

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly decode: Decoder,
    opts: WatchCacheOptions | number = {},
  ) {
    const o = typeof opts === 'number' ? { capacity: opts } : opts;
    this.capacity = o.capacity ?? DEFAULT_WINDOW;
    this.clock = o.clock ?? realClock;
    this.bookmarkIntervalMs = o.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS;
    this.triggerOf = o.triggerOf;
    this.local = typeof (backend as Partial<{ currentRevisionSync(): number }>).currentRevisionSync === 'function';
  }

  /** started says whether the cache holds the state and follows the Backend. */
  get started(): boolean { return this.running; }

  /** revision is the resourceVersion the cached state reflects. */
  get revision(): number { return this.rev; }

  /** watcherCount is the number of open cache watchers. */
  get watcherCount(): number { return this.watchers.size; }

  /** size is the number of objects cached. */
  get size(): number { return this.objects.size; }

  /**
   * cached is the cached object of key and its revision, if the cache follows the store and
   * holds it (kube-apiserver's cachedExistingObject: a write starts from it and reads storage
   * only when it turns out stale). It is shared: callers must not mutate it.
   */
  cached(key: string): { object: KubeObject; revision: number } | undefined {
    if (!this.running) return undefined;
    const object = this.objects.get(key);
    const revision = Number(object?.metadata?.resourceVersion);
    return object && revision > 0 ? { object, revision } : undefined;
  }

  /**
   * current is key's object as storage holds it now, when the cache can tell without a read: it
   * follows an in-process store, which publishes each change synchronously at its commit and the
   * cache applies it in the microtasks that follow, so from any later task the cache is exact.
   * undefined: not started, a remote store, or not cached (the caller reads storage). Shared:
   * callers must not mutate it.
   */
  current(key: string): KubeObject | undefined {
    return this.local ? this.cached(key)?.object : undefined;
  }

  /**
   * start lists the resource once and follows the Backend from the list's revision; it resolves
   * when the state is loaded (a no-op while running). Watchers asking for anything at or after
   * that revision are served from memory.
   */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    if (this.loading) return this.loading;
    const ac = new AbortController();
    this.ac = ac;
    this.loading = this.load(ac.signal).finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async load(signal: AbortSignal): Promise<void> {
    const res = await this.backend.list(this.prefix);
    if (signal.aborted) return;
    this.objects.clear();
    for (const kv of res.items) this.objects.set(kv.key, this.decode(kv, kv.modRevision));
    this.sortedKeys = undefined;
    this.window.length = 0;
    this.windowHead = 0;
    this.oldest = res.revision;
    this.rev = res.revision;
    this.running = true;
    void this.follow(res.revision, signal);
  }

  /** stop ends the Backend watch and every cache watcher (their clients re-watch). */
  stop(): void {
    this.ac?.abort();
    this.loading = undefined;
    this.halt();
  }

  /**
   * syncTo waits until the cache reflects every change up to rev, answering whether it does (false:
   * not started, or not caught up within the timeout; the caller then reads the Backend). An
   * in-process store has published every change up to its current revision before the caller
   * could read that revision, so one turn of the event loop (the cache's watch drains in
   * microtasks) proves progress even when none of those changes were this resource's: the
   * cacher's progress-notify, without etcd. A timeout of 0 answers at once.
   */
  async syncTo(rev: number, timeoutMs = FRESHNESS_TIMEOUT_MS): Promise<boolean> {
    if (this.loading) await this.loading.catch(() => undefined);
    if (!this.running) return false;
    if (this.rev >= rev) return true;
    if (this.local) {
      await this.progress();
      if (!this.running) return false;
      if (this.rev >= rev) return true;
    }
    if (timeoutMs <= 0) return false;
    // A revision the store has not reached yet (or a remote store): wait for changes, then give up.
    return new Promise<boolean>((resolve) => {
      const waiter = { rev, resolve: () => { cancel(); resolve(true); } };
      const cancel = this.clock.setTimeout(() => {
        this.freshWaiters = this.freshWaiters.filter((w) => w !== waiter);
        void (this.local ? this.progress() : Promise.resolve()).then(() => resolve(this.running && this.rev >= rev));
      }, timeoutMs);
      this.freshWaiters.push(waiter);
    });
  }

  /** progress moves the revision to the in-process store's current one once the changes before it have drained. */
  private async progress(): Promise<void> {
    const current = (this.backend as unknown as { currentRevisionSync(): number }).currentRevisionSync();
    await new Promise((r) => setImmediate(r));
    if (this.running) this.advance(current);
  }

  /** list returns the cached objects under keyPrefix that match, in key order, with the cache's revision. */
  list(keyPrefix: string, matches: (obj: KubeObject) => boolean = () => true): CacheList {
    const items: KubeObject[] = [];
    for (const [, obj] of this.entries(keyPrefix)) if (matches(obj)) items.push(obj);
    return { items, revision: this.rev };
  }

  /** entries yields the cached [key, object] pairs under keyPrefix in key order. */
  private *entries(keyPrefix: string): Generator<[string, KubeObject]> {
    if (!this.sortedKeys) this.sortedKeys = [...this.objects.keys()].sort();
    const keys = this.sortedKeys;
    for (let i = lowerBound(keys, keyPrefix); i < keys.length && keys[i].startsWith(keyPrefix); i++) yield [keys[i], this.objects.get(keys[i])!];
  }

  /**
   * watch streams the changes after `after`, or returns undefined when the cache cannot: not
   * started, or `after` older than its window. Replay and subscription happen in one synchronous
   * step, so no change falls between them.
   */
  watch(after: number, signal: AbortSignal, opts: CacheWatchOptions = {}): AsyncIterableIterator<CacheEvent> | undefined {
    if (!this.running || after < this.oldest || signal.aborted) return undefined;
    const w = this.subscribe(after, signal, opts);
    for (let i = this.firstAfter(after); i < this.window.length; i++) w.offer(this.window[i]);
    return w.queue;
  }

  /**
   * watchFromState streams every cached object as a create, then the changes that follow; with
   * `endBookmark` a bookmark marked initialEventsEnd sits between the two (the streaming list of
   * sendInitialEvents). Snapshot and subscription happen in one synchronous step. Undefined when
   * the cache is not started.
   */
  watchFromState(signal: AbortSignal, opts: CacheWatchOptions & { endBookmark?: boolean } = {}): AsyncIterableIterator<CacheEvent> | undefined {
    if (!this.running || signal.aborted) return undefined;
    const w = this.subscribe(this.rev, signal, opts);
    for (const [key, obj] of this.entries('')) {
      w.queue.push({
        type: 'create', key, revision: Number(obj.metadata?.resourceVersion ?? 0), object: obj,
        hasPrev: false, prevObject: () => undefined,
      });
    }
    if (opts.endBookmark) w.queue.push({ type: 'bookmark', revision: this.rev, initialEventsEnd: true });
    return w.queue;
  }

  private subscribe(after: number, signal: AbortSignal, opts: CacheWatchOptions): CacheWatcher {
    const trigger = this.triggerOf ? opts.trigger : undefined;
    const w = new CacheWatcher(after, signal, (x) => {
      this.watchers.delete(x);
      if (trigger === undefined) this.untriggered.delete(x);
      else this.byTrigger.get(trigger)?.delete(x);
    });
    this.watchers.add(w);
    if (trigger === undefined) this.untriggered.add(w);
    else {
      let set = this.byTrigger.get(trigger);
      if (!set) this.byTrigger.set(trigger, (set = new Set()));
      set.add(w);
    }
    if (opts.bookmarks) this.scheduleBookmark(w, signal);
    return w;
  }

  /** scheduleBookmark sends w a bookmark at the cache's revision every interval until it goes (one abort listener for all rounds). */
  private scheduleBookmark(w: CacheWatcher, signal: AbortSignal): void {
    let cancel = () => {};
    const round = () => {
      cancel = this.clock.setTimeout(() => {
        if (signal.aborted || !this.watchers.has(w)) return;
        void this.bookmark(w).then(() => { if (!signal.aborted) round(); });
      }, this.bookmarkIntervalMs);
    };
    round();
    signal.addEventListener('abort', () => cancel(), { once: true });
  }

  private async bookmark(w: CacheWatcher): Promise<void> {
    // Bring the revision up to the store's when that is provable, so idle resources' bookmarks move.
    if (this.local) await this.syncTo(await this.backend.currentRevision()).catch(() => false);
    if (this.watchers.has(w)) w.queue.push({ type: 'bookmark', revision: this.rev, initialEventsEnd: false });
  }

  /** firstAfter is the window index of the first change with revision > after (binary search). */
  private firstAfter(after: number): number {
    let lo = this.windowHead;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.window[mid].revision > after) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private async follow(from: number, signal: AbortSignal): Promise<void> {
    try {
      for await (const ev of this.backend.watch(this.prefix, { afterRevision: from, signal })) {
        let decoded: DecodedEvent;
        try {
          // The object this change replaces is usually cached: no second decode of the previous value.
          const prev = ev.type === 'update' && ev.prevKv ? this.objects.get(ev.kv.key) : undefined;
          decoded = decodeEvent(ev, this.decode, prev && prev.metadata?.resourceVersion === String(ev.prevKv!.modRevision) ? prev : undefined);
        } catch (e) {
          logger.error(e, 'Watch cache could not decode a stored object; skipping it', { key: ev.kv.key, revision: ev.revision });
          continue;
        }
        this.append(decoded);
      }
    } catch (e) {
      if (!signal.aborted) logger.error(e, 'Watch cache lost its storage watch; watchers will re-watch', { prefix: this.prefix });
    }
    if (this.ac?.signal === signal) this.halt();
  }

  private append(ev: DecodedEvent): void {
    if (ev.type === 'delete') {
      this.objects.delete(ev.key);
      this.sortedKeys = undefined;
    } else {
      if (ev.type === 'create' || !this.objects.has(ev.key)) this.sortedKeys = undefined;
      this.objects.set(ev.key, ev.object);
    }
    this.window.push(ev);
    if (this.window.length - this.windowHead > this.capacity) {
      this.oldest = this.window[this.windowHead].revision;
      this.windowHead++;
      // Compact the array now and then instead of shifting on every change.
      if (this.windowHead >= this.capacity) {
        this.window.splice(0, this.windowHead);
        this.windowHead = 0;
      }
    }
    this.dispatch(ev);
    this.advance(ev.revision);
  }

  /** dispatch offers a change to the watchers that may want it: all, or by trigger value (old and new). */
  private dispatch(ev: DecodedEvent): void {
    for (const w of this.untriggered) w.offer(ev);
    if (this.byTrigger.size === 0 || !this.triggerOf) return;
    const now = this.triggerOf(ev.object);
    this.byTrigger.get(now)?.forEach((w) => w.offer(ev));
    if (ev.type !== 'update') return;
    const prev = ev.prevObject();
    const before = prev ? this.triggerOf(prev) : now;
    if (before !== now) this.byTrigger.get(before)?.forEach((w) => w.offer(ev));
  }

  private advance(rev: number): void {
    if (rev <= this.rev) return;
    this.rev = rev;
    if (this.freshWaiters.length === 0) return;
    const ready = this.freshWaiters.filter((w) => w.rev <= rev);
    this.freshWaiters = this.freshWaiters.filter((w) => w.rev > rev);
    for (const w of ready) w.resolve();
  }

  private halt(): void {
    this.running = false;
    this.window.length = 0;
    this.windowHead = 0;
    this.objects.clear();
    this.sortedKeys = undefined;
    for (const w of [...this.watchers]) w.queue.end();
    this.watchers.clear();
    this.untriggered.clear();
    this.byTrigger.clear();
  }
}

/** lowerBound is the index of the first key >= k in sorted keys. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** CacheWatcher is one API watcher's queue of changes after its resourceVersion. */
class CacheWatcher {
  readonly queue: EventQueue<CacheEvent>;
  // An aborted watcher leaves at once, not when its consumer next reads.
  private readonly onAbort = () => { this.remove(this); this.queue.abort(); };

  constructor(private readonly after: number, private readonly signal: AbortSignal, private readonly remove: (w: CacheWatcher) => void) {
    this.queue = new EventQueue<CacheEvent>(() => {
      remove(this);
      signal.removeEventListener('abort', this.onAbort);
    });
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  offer(ev: DecodedEvent): void {
    if (ev.revision > this.after) this.queue.push(ev);
  }
}
