import type { Backend, KeyValue, ListOptions, ListResult, WatchEvent, WatchOptions } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, StorageError } from '../errors.js';
import { compareKeys, keyRangeEnd } from '../key-range.js';
import { WatchHub, type LocalHistory } from '../local-watch.js';

/** Version (private) is one write to a key; value null marks a delete (tombstone). */
interface Version {
  rev: number;
  value: string | null;
  createRevision: number;
}

/**
 * MemoryBackend keeps the whole MVCC history in process memory. For tests and the simulated
 * cluster; nothing survives the process. Every method mutates synchronously before its promise
 * resolves, so calls take effect in call order.
 */
export class MemoryBackend implements Backend, LocalHistory {
  /** every key that has history, sorted, so prefix scans are a binary search plus a walk */
  private keys: string[] = [];
  private readonly versions = new Map<string, Version[]>();
  /** change log for watch replay, in revision order */
  private log: WatchEvent[] = [];
  private rev = 0;
  private compacted = 0;
  private closed = false;
  private readonly hub = new WatchHub(this);

  async create(key: string, value: string): Promise<number> {
    this.ensureOpen();
    const cur = this.latest(key);
    if (cur) throw new KeyExistsError(key);
    const rev = ++this.rev;
    this.append(key, { rev, value, createRevision: rev });
    this.emit({ type: 'create', kv: { key, value, createRevision: rev, modRevision: rev }, revision: rev });
    return rev;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    this.ensureOpen();
    const cur = this.latest(key);
    if (!cur) throw new KeyNotFoundError(key);
    if (cur.modRevision !== expectedRevision) throw new RevisionMismatchError(key, cur);
    const rev = ++this.rev;
    this.append(key, { rev, value, createRevision: cur.createRevision });
    const kv = { key, value, createRevision: cur.createRevision, modRevision: rev };
    this.emit({ type: 'update', kv, prevKv: cur, revision: rev });
    return rev;
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; kv: KeyValue }> {
    this.ensureOpen();
    const cur = this.latest(key);
    if (!cur) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && cur.modRevision !== expectedRevision) throw new RevisionMismatchError(key, cur);
    const rev = ++this.rev;
    this.append(key, { rev, value: null, createRevision: cur.createRevision });
    const kv = { ...cur, modRevision: rev };
    this.emit({ type: 'delete', kv, prevKv: cur, revision: rev });
    return { revision: rev, kv };
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    this.ensureOpen();
    const at = this.readRevision(revision);
    return this.at(key, this.versions.get(key), at);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const at = this.readRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const end = keyRangeEnd(prefix);
    let from = prefix;
    let i = this.lowerBound(from);
    if (opts.startAfter !== undefined && compareKeys(opts.startAfter, from) >= 0) {
      from = opts.startAfter;
      i = this.lowerBound(from);
      if (this.keys[i] === from) i++;
    }
    const items: KeyValue[] = [];
    let remaining = 0;
    for (; i < this.keys.length; i++) {
      const key = this.keys[i];
      if (end !== null && compareKeys(key, end) >= 0) break;
      const kv = this.at(key, this.versions.get(key), at);
      if (!kv) continue;
      if (items.length < limit) items.push(kv);
      else remaining++;
    }
    return { items, revision: at, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    return (await this.list(prefix)).items.length;
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    return this.hub.watch(prefix, opts);
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    const target = Math.min(revision, this.rev);
    if (target <= this.compacted) return;
    for (const [key, history] of this.versions) {
      // Keep the newest version at or below target (what a read at `target` sees) and all newer.
      let keepFrom = 0;
      for (let i = history.length - 1; i >= 0; i--) {
        if (history[i].rev <= target) { keepFrom = history[i].value === null ? i + 1 : i; break; }
      }
      if (keepFrom > 0) history.splice(0, keepFrom);
      if (history.length === 0) this.versions.delete(key);
    }
    if (this.keys.length !== this.versions.size) this.keys = this.keys.filter((k) => this.versions.has(k));
    let drop = 0;
    while (drop < this.log.length && this.log[drop].revision <= target) drop++;
    this.log = this.log.slice(drop);
    this.compacted = target;
  }

  async currentRevision(): Promise<number> { return this.rev; }
  async compactedRevision(): Promise<number> { return this.compacted; }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.closeAll();
  }

  /** @internal LocalHistory */
  currentRevisionSync(): number { return this.rev; }
  /** @internal LocalHistory */
  compactedRevisionSync(): number { return this.compacted; }
  /** @internal LocalHistory */
  replaySync(prefix: string, after: number, upTo: number, max: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.log[mid].revision <= after) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < this.log.length && out.length < max; i++) {
      const ev = this.log[i];
      if (ev.revision > upTo) break;
      if (ev.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  private emit(ev: WatchEvent): void {
    this.log.push(ev);
    this.hub.publish(ev);
  }

  private append(key: string, v: Version): void {
    let history = this.versions.get(key);
    if (!history) {
      history = [];
      this.versions.set(key, history);
      this.keys.splice(this.lowerBound(key), 0, key);
    }
    history.push(v);
  }

  private latest(key: string): KeyValue | null {
    return this.at(key, this.versions.get(key), this.rev);
  }

  private at(key: string, history: Version[] | undefined, revision: number): KeyValue | null {
    if (!history) return null;
    for (let i = history.length - 1; i >= 0; i--) {
      const v = history[i];
      if (v.rev > revision) continue;
      return v.value === null ? null : { key, value: v.value, createRevision: v.createRevision, modRevision: v.rev };
    }
    return null;
  }

  private readRevision(revision: number | undefined): number {
    if (!revision) return this.rev;
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    return Math.min(revision, this.rev);
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (compareKeys(this.keys[mid], key) < 0) lo = mid + 1; else hi = mid; }
    return lo;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('backend is closed');
  }
}
