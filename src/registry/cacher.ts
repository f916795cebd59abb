import type { Backend, KeyValue, WatchEvent } from '../storage/backend.js';
import { EventQueue } from '../storage/event-queue.js';
import type { KubeObject } from '../api/resource.js';
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

/** Decoder turns a stored value into an API object whose resourceVersion is rv. */
export type Decoder = (kv: KeyValue, rv: number) => KubeObject;

/**
 * decodeEvent decodes a storage change the way the API serves it: a delete carries the last
 * object at the delete's revision; an update's previous object is decoded only when asked for.
 */
export function decodeEvent(ev: WatchEvent, decode: Decoder): DecodedEvent {
  const object = ev.type === 'delete' ? decode(ev.prevKv ?? ev.kv, ev.revision) : decode(ev.kv, ev.kv.modRevision);
  let prev: KubeObject | undefined;
  let prevDone = ev.type === 'delete';
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

/**
 * WatchCache is kube-apiserver's cacher reduced to what tskube needs: one Backend watch per
 * resource, each change decoded once and fanned out to every API watcher, with a window of
 * recent changes so a watcher resuming from a resourceVersion inside it is served from memory.
 * Without it each API watcher held its own Backend watch and decoded every change itself (100
 * simulated nodes = 100 JSON.parse of each pod write).
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
  private running = false;
  private ac?: AbortController;
  private readonly watchers = new Set<CacheWatcher>();

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly decode: Decoder,
    private readonly capacity = DEFAULT_WINDOW,
  ) {}

  /** started says whether the cache follows the Backend. */
  get started(): boolean { return this.running; }

  /** watcherCount is the number of open cache watchers. */
  get watcherCount(): number { return this.watchers.size; }

  /**
   * start follows the Backend from fromRevision (a revision just read, so its history is there);
   * a no-op while running. Watchers asking for anything at or after fromRevision are served.
   */
  start(fromRevision: number): void {
    if (this.running) return;
    this.running = true;
    this.window.length = 0;
    this.windowHead = 0;
    this.oldest = fromRevision;
    const ac = new AbortController();
    this.ac = ac;
    void this.follow(fromRevision, ac.signal);
  }

  /** stop ends the Backend watch and every cache watcher (their clients re-watch). */
  stop(): void {
    this.ac?.abort();
    this.halt();
  }

  /**
   * watch streams the changes after `after`, or returns undefined when the cache cannot: not
   * started, or `after` older than its window. Replay and subscription happen in one synchronous
   * step, so no change falls between them.
   */
  watch(after: number, signal: AbortSignal): AsyncIterableIterator<DecodedEvent> | undefined {
    if (!this.running || after < this.oldest || signal.aborted) return undefined;
    const w = new CacheWatcher(after, signal, (x) => this.watchers.delete(x));
    for (let i = this.firstAfter(after); i < this.window.length; i++) w.offer(this.window[i]);
    this.watchers.add(w);
    return w.queue;
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
        this.append(decodeEvent(ev, this.decode));
      }
    } catch (e) {
      if (!signal.aborted) logger.error(e, 'Watch cache lost its storage watch; watchers will re-watch', { prefix: this.prefix });
    }
    if (this.ac?.signal === signal) this.halt();
  }

  private append(ev: DecodedEvent): void {
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
    for (const w of this.watchers) w.offer(ev);
  }

  private halt(): void {
    this.running = false;
    this.window.length = 0;
    this.windowHead = 0;
    for (const w of [...this.watchers]) w.queue.end();
    this.watchers.clear();
  }
}

/** CacheWatcher is one API watcher's queue of changes after its resourceVersion. */
class CacheWatcher {
  readonly queue: EventQueue<DecodedEvent>;
  // An aborted watcher leaves at once, not when its consumer next reads.
  private readonly onAbort = () => { this.remove(this); this.queue.abort(); };

  constructor(private readonly after: number, private readonly signal: AbortSignal, private readonly remove: (w: CacheWatcher) => void) {
    this.queue = new EventQueue<DecodedEvent>(() => {
      remove(this);
      signal.removeEventListener('abort', this.onAbort);
    });
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  offer(ev: DecodedEvent): void {
    if (ev.revision > this.after) this.queue.push(ev);
  }
}
