import type { WatchEvent, WatchOptions } from './backend.js';
import { CompactedError } from './errors.js';
import { EventQueue } from './event-queue.js';

/**
 * LocalHistory is what an in-process store (memory, sqlite) offers a watcher: synchronous reads of
 * its revision counters and of its change log. Synchronous on purpose: subscribing to live changes
 * and reading the current revision happen in one turn of the event loop, so no write can fall
 * between the replayed history and the live stream.
 */
export interface LocalHistory {
  currentRevisionSync(): number;
  compactedRevisionSync(): number;
  /** replaySync returns up to `max` changes under `prefix` with after < revision <= upTo, in revision order. */
  replaySync(prefix: string, after: number, upTo: number, max: number): WatchEvent[];
}

/** REPLAY_PAGE bounds how many historical events one read pulls into memory. */
const REPLAY_PAGE = 1000;

/**
 * WatchHub fans a single writer's committed changes out to in-process watchers (kine's
 * broadcaster) and builds watch streams that replay history first, then go live.
 */
export class WatchHub {
  private readonly watchers = new Set<LocalWatch>();

  constructor(private readonly history: LocalHistory) {}

  /** publish delivers a committed change to every watcher whose prefix matches. Call after commit. */
  publish(ev: WatchEvent): void {
    for (const w of this.watchers) w.offer(ev);
  }

  /** watch returns a stream of changes under prefix after opts.afterRevision. */
  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    return { [Symbol.asyncIterator]: () => new LocalWatch(this.history, this.watchers, prefix, opts) };
  }

  /** closeAll ends every open watch stream (the store is closing). */
  closeAll(): void {
    for (const w of [...this.watchers]) w.stop();
  }

  /** size is the number of open watch streams. */
  get size(): number { return this.watchers.size; }
}

/** LocalWatch (private to this module) replays history pages, then drains live changes. */
class LocalWatch implements AsyncIterableIterator<WatchEvent> {
  private started = false;
  private stopped = false;
  private replayAfter = 0;
  private upTo = 0;
  private page: WatchEvent[] = [];
  private pageAt = 0;
  private readonly live: EventQueue<WatchEvent>;
  private readonly onAbort = () => this.stop();

  constructor(
    private readonly history: LocalHistory,
    private readonly registry: Set<LocalWatch>,
    private readonly prefix: string,
    private readonly opts: WatchOptions,
  ) {
    this.live = new EventQueue<WatchEvent>(() => this.detach());
  }

  offer(ev: WatchEvent): void {
    if (ev.kv.key.startsWith(this.prefix) && ev.revision > this.upTo) this.live.push(ev);
  }

  stop(): void {
    this.stopped = true;
    this.page = [];
    this.live.abort();
    this.detach();
  }

  async next(): Promise<IteratorResult<WatchEvent>> {
    if (!this.started) this.start();
    if (this.stopped) return this.live.next();
    if (this.pageAt < this.page.length) return { value: this.page[this.pageAt++], done: false };
    if (this.replayAfter < this.upTo) {
      const compacted = this.history.compactedRevisionSync();
      // Compaction ran while we were replaying: the rest of the history may be gone.
      if (compacted > this.replayAfter) {
        this.stop();
        throw new CompactedError(this.replayAfter, compacted);
      }
      this.page = this.history.replaySync(this.prefix, this.replayAfter, this.upTo, REPLAY_PAGE);
      this.pageAt = 0;
      this.replayAfter = this.page.length < REPLAY_PAGE ? this.upTo : this.page[this.page.length - 1].revision;
      if (this.page.length > 0) return { value: this.page[this.pageAt++], done: false };
    }
    return this.live.next();
  }

  return(): Promise<IteratorResult<WatchEvent>> {
    this.stopped = true;
    this.page = [];
    return this.live.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchEvent> { return this; }

  private start(): void {
    this.started = true;
    const { afterRevision, signal } = this.opts;
    if (signal?.aborted) { this.stop(); return; }
    const compacted = this.history.compactedRevisionSync();
    if (afterRevision < compacted) {
      this.stop();
      throw new CompactedError(afterRevision, compacted);
    }
    // Subscribe and read the current revision in the same synchronous step: history covers
    // (afterRevision, upTo], the live queue everything after upTo.
    this.upTo = Math.max(afterRevision, this.history.currentRevisionSync());
    this.replayAfter = afterRevision;
    this.registry.add(this);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private detach(): void {
    this.registry.delete(this);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }
}
