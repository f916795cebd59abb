import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Backend, KeyValue, ListOptions, ListResult, WatchEvent, WatchOptions } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, StorageError } from '../errors.js';
import { keyRangeEnd } from '../key-range.js';
import { WatchHub, type LocalHistory } from '../local-watch.js';
import { SCHEMA } from './schema.js';
import { log } from '../../util/log.js';
import { Checkpointer } from './checkpointer.js';

/**
 * SqliteDurability says what an acknowledged write survives:
 * - 'process' (default): WAL + synchronous=NORMAL. A commit has been written (write(2)) to the WAL
 *   before it is acknowledged, so it lives in the OS page cache and survives the process being
 *   killed (kill -9, crash, OOM). A power loss or kernel crash may lose the last few commits but
 *   never corrupts the database. No fsync per write: this is the fast path.
 * - 'power': WAL + synchronous=FULL: the WAL is fsynced at every commit; also survives power loss.
 */
export type SqliteDurability = 'process' | 'power';

/** SqliteBackendOptions configures SqliteBackend.open. */
export interface SqliteBackendOptions {
  durability?: SqliteDurability;
  /** page cache size in MiB (default 16) */
  cacheMiB?: number;
  /**
   * checkpoint the WAL on a worker thread (default true for a file): the writer's thread then
   * never waits for a checkpoint's fsyncs; false: SQLite's automatic checkpoints on the writer
   */
  checkpointThread?: boolean;
}

/** Row (private) is one row of the kine table as the queries select it. */
interface Row {
  id: number;
  name: string;
  deleted: number;
  create_revision: number;
  value: string;
}

/** NextRow (private) is what a write decided its new row holds. */
interface NextRow { created: number; deleted: number; createRevision: number; value: string }

/** Decide (private) sees a key's newest row and returns the new row, or throws (the write's error). */
type Decide = (cur: Row | undefined) => NextRow;

/** PendingWrite (private) is a write planned and waiting for its group's commit. */
interface PendingWrite {
  key: string;
  decide: Decide;
  /** the change watchers see once it is committed */
  event: (rev: number, cur: Row | undefined) => WatchEvent;
  resolve: (rev: number) => void;
  reject: (e: unknown) => void;
  rev: number;
  cur: Row | undefined;
  next: NextRow;
}

/** ReplayRow (private) is a change joined with its previous row. */
interface ReplayRow extends Row {
  created: number;
  p_id: number | null;
  p_value: string | null;
  p_create_revision: number | null;
  p_deleted: number | null;
}

const logger = log.child({ component: 'sqlite' });

/** RANGE_TOP: a BLOB upper bound; SQLite orders every TEXT before any BLOB, so it means "no end". */
const RANGE_TOP = Buffer.from([0xff]);

/**
 * SqliteBackend stores the MVCC log in one SQLite file (kine's single append-only table) through
 * better-sqlite3. One process owns the file and is its only writer: the current revision is
 * cached in memory and committed changes reach watchers through an in-process broadcaster, with
 * history replayed from the table.
 */
export class SqliteBackend implements Backend, LocalHistory {
  /** the last committed revision: what reads and watches see */
  private rev: number;
  /** the revision of the last write planned (committed or waiting for its group's commit) */
  private lastPlanned: number;
  /** writes planned this turn, committed together by flush */
  private queue: PendingWrite[] = [];
  /** the newest planned row of each key in queue */
  private readonly planned = new Map<string, Row>();
  /** reads waiting for the queue's commit */
  private flushWaiters: (() => void)[] = [];
  private compacted: number;
  private closed = false;
  private readonly hub = new WatchHub(this);
  private readonly q: ReturnType<typeof prepare>;
  private readonly checkpointer: Checkpointer | undefined;

  private constructor(private readonly db: Database.Database, path?: string) {
    this.q = prepare(db);
    if (path) {
      db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(path, () => {
        try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { logger.error(e, 'WAL checkpoint failed'); }
      });
    }
    this.rev = (this.q.sequence.get() as { seq: number } | undefined)?.seq ?? 0;
    this.lastPlanned = this.rev;
    this.compacted = (this.q.getMeta.get('compacted') as { value: number } | undefined)?.value ?? 0;
  }

  /** open opens (creating if needed) the database file at path. */
  static open(path: string, opts: SqliteBackendOptions = {}): SqliteBackend {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${-1024 * (opts.cacheMiB ?? 16)}`);
    db.pragma('temp_store = MEMORY');
    db.exec(SCHEMA);
    // A WAL that grew under a burst of writes is cut back to this size when it restarts.
    db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
    return new SqliteBackend(db, path !== ':memory:' && opts.checkpointThread !== false ? path : undefined);
  }

  async create(key: string, value: string): Promise<number> {
    this.ensureOpen();
    return this.write(key, (cur) => {
      if (cur && !cur.deleted) throw new KeyExistsError(key);
      return { created: 1, deleted: 0, createRevision: 0, value };
    }, (rev) => ({ type: 'create', kv: { key, value, createRevision: rev, modRevision: rev }, revision: rev }));
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    this.ensureOpen();
    return this.write(key, (cur) => {
      if (!cur || cur.deleted) throw new KeyNotFoundError(key);
      if (cur.id !== expectedRevision) throw new RevisionMismatchError(key, toKeyValue(cur));
      return { created: 0, deleted: 0, createRevision: cur.create_revision, value };
    }, (rev, cur) => {
      const prevKv = toKeyValue(cur!);
      return { type: 'update', kv: { key, value, createRevision: prevKv.createRevision, modRevision: rev }, prevKv, revision: rev };
    });
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; kv: KeyValue }> {
    this.ensureOpen();
    let kv!: KeyValue;
    const revision = await this.write(key, (cur) => {
      if (!cur || cur.deleted) throw new KeyNotFoundError(key);
      if (expectedRevision !== undefined && cur.id !== expectedRevision) throw new RevisionMismatchError(key, toKeyValue(cur));
      return { created: 0, deleted: 1, createRevision: cur.create_revision, value: '' };
    }, (rev, cur) => {
      const prevKv = toKeyValue(cur!);
      kv = { ...prevKv, modRevision: rev };
      return { type: 'delete', kv, prevKv, revision: rev };
    });
    return { revision, kv };
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    this.ensureOpen();
    await this.committed();
    const at = this.readRevision(revision);
    const row = this.q.latestAt.get(key, at) as Row | undefined;
    return row && !row.deleted ? toKeyValue(row) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    await this.committed();
    const rev = this.readRevision(opts.revision);
    const range = { lo: prefix, hi: keyRangeEnd(prefix) ?? RANGE_TOP, rev, after: opts.startAfter ?? '' };
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const rows = this.q.list.all({ ...range, limit }) as Row[];
    const items = rows.map(toKeyValue);
    let remaining = 0;
    if (limit > 0 && items.length === limit) {
      remaining = (this.q.count.get({ ...range, after: items[items.length - 1].key }) as { n: number }).n;
    }
    return { items, revision: rev, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    await this.committed();
    const range = { lo: prefix, hi: keyRangeEnd(prefix) ?? RANGE_TOP, rev: this.rev, after: '' };
    return (this.q.count.get(range) as { n: number }).n;
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    return this.hub.watch(prefix, opts);
  }

  /**
   * compact deletes every row that no read at or after `revision` can see: rows superseded by a
   * newer row at or below it, and tombstones at or below it. The newest row of a live key is
   * never superseded, so it always survives. Only rows written since the last compaction need
   * looking at: each superseded row is the prev_revision of the row that superseded it.
   */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    const target = Math.min(revision, this.rev);
    if (target <= this.compacted) return;
    const from = this.compacted;
    this.db.transaction(() => {
      this.q.deleteSuperseded.run({ from, to: target });
      this.q.deleteTombstones.run({ from, to: target });
      this.q.setMeta.run('compacted', target);
    }).immediate();
    this.compacted = target;
    this.checkpointer?.committed();
  }

  async currentRevision(): Promise<number> { return this.rev; }
  async compactedRevision(): Promise<number> { return this.compacted; }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes planned but not yet committed are committed (and answered) first.
    this.flush();
    this.closed = true;
    this.hub.closeAll();
    // The worker's connection goes first: closing the last connection checkpoints and removes the WAL.
    await this.checkpointer?.close();
    this.db.close();
  }

  /** @internal LocalHistory */
  currentRevisionSync(): number { return this.rev; }
  /** @internal LocalHistory */
  compactedRevisionSync(): number { return this.compacted; }
  /** @internal LocalHistory */
  replaySync(prefix: string, after: number, upTo: number, max: number): WatchEvent[] {
    if (this.closed) return [];
    const rows = this.q.replay.all({ after, upTo, lo: prefix, hi: keyRangeEnd(prefix) ?? RANGE_TOP, max }) as ReplayRow[];
    return rows.map(toWatchEvent);
  }

  /**
   * write (private) appends one row for key: `decide` sees the key's newest row (committed, or
   * planned by a write not yet committed) and returns the new row's fields or throws; the row gets
   * the next revision at once. Rows planned in one turn of the event loop commit together in one
   * IMMEDIATE transaction (group commit: one WAL append for a burst instead of one per write); each
   * write resolves, and its change reaches watchers, only once that commit is done.
   */
  private write(key: string, decide: Decide, event: (rev: number, cur: Row | undefined) => WatchEvent): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const w: PendingWrite = { key, decide, event, resolve, reject, rev: 0, cur: undefined, next: undefined! };
      try {
        this.plan(w);
      } catch (e) {
        reject(e);
        return;
      }
      this.queue.push(w);
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * committed (private) waits, when writes are planned, until their group is committed: a read then
   * sees every write planned before it (no read loses a race to a write it came after), and a
   * read-modify-write loop that keeps losing to a planned write yields to the commit instead of
   * spinning on microtasks.
   */
  private committed(): Promise<void> | undefined {
    if (!this.queue.length) return undefined;
    return new Promise<void>((resolve) => this.flushWaiters.push(resolve));
  }

  /** plan (private) decides a write against the newest row of its key and gives it the next revision; throws what decide throws. */
  private plan(w: PendingWrite): void {
    const cur = this.planned.get(w.key) ?? (this.q.latest.get(w.key) as Row | undefined);
    const next = w.decide(cur);
    const rev = this.lastPlanned + 1;
    this.lastPlanned = rev;
    w.rev = rev;
    w.cur = cur;
    w.next = next;
    this.planned.set(w.key, { id: rev, name: w.key, deleted: next.deleted, create_revision: next.created ? rev : next.createRevision, value: next.value });
  }

  /**
   * flush (private) commits the planned writes in one transaction, then publishes their changes and
   * resolves them in revision order. A failed commit fails them all, except when another process
   * appended to the log meanwhile (the explicit ids collide): then they are planned again on top
   * of the real sequence and committed in the next turn.
   */
  private flush(): void {
    const batch = this.queue;
    if (!batch.length) return;
    this.queue = [];
    this.planned.clear();
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    try {
      this.commit(batch);
    } finally {
      for (const resolve of waiters) resolve();
    }
  }

  private commit(batch: PendingWrite[]): void {
    try {
      this.q.writeTx.immediate(() => {
        for (const w of batch) {
          const n = w.next;
          this.q.insert.run(w.rev, w.key, n.created, n.deleted, n.created ? w.rev : n.createRevision, w.cur?.id ?? 0, n.value);
        }
      });
    } catch (e) {
      const collided = (e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
      // Nothing of the batch was committed: the next revision follows the last committed one.
      this.rev = this.lastPlanned = collided ? ((this.q.sequence.get() as { seq: number } | undefined)?.seq ?? 0) : this.rev;
      if (!collided) {
        logger.error(e, 'Failed to commit writes', { writes: batch.length });
        for (const w of batch) w.reject(e);
        return;
      }
      for (const w of batch) {
        try {
          this.plan(w);
          this.queue.push(w);
        } catch (err) {
          w.reject(err);
        }
      }
      if (this.queue.length) setImmediate(() => this.flush());
      return;
    }
    this.rev = batch[batch.length - 1].rev;
    this.checkpointer?.committed();
    for (const w of batch) {
      this.hub.publish(w.event(w.rev, w.cur));
      w.resolve(w.rev);
    }
  }

  private readRevision(revision: number | undefined): number {
    if (!revision) return this.rev;
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    return Math.min(revision, this.rev);
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('backend is closed');
  }
}

/** prepare (private) compiles every statement once. */
function prepare(db: Database.Database) {
  // Live rows at @rev in [@lo, @hi) after @after: a row no newer row (at or below @rev) supersedes.
  const live = `FROM kine k WHERE k.name >= @lo AND k.name < @hi AND k.name > @after AND k.id <= @rev AND k.deleted = 0
    AND NOT EXISTS (SELECT 1 FROM kine n WHERE n.name = k.name AND n.id > k.id AND n.id <= @rev)`;
  return {
    sequence: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'kine'`),
    getMeta: db.prepare('SELECT value FROM kine_meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO kine_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    latest: db.prepare('SELECT id, name, deleted, create_revision, value FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1'),
    latestAt: db.prepare('SELECT id, name, deleted, create_revision, value FROM kine WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1'),
    insert: db.prepare('INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    list: db.prepare(`SELECT k.id, k.name, k.deleted, k.create_revision, k.value ${live} ORDER BY k.name LIMIT @limit`),
    count: db.prepare(`SELECT COUNT(*) AS n ${live}`),
    replay: db.prepare(`SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value,
        p.id AS p_id, p.value AS p_value, p.create_revision AS p_create_revision, p.deleted AS p_deleted
      FROM kine k LEFT JOIN kine p ON p.id = k.prev_revision
      WHERE k.id > @after AND k.id <= @upTo AND k.name >= @lo AND k.name < @hi ORDER BY k.id LIMIT @max`),
    deleteSuperseded: db.prepare('DELETE FROM kine WHERE id IN (SELECT prev_revision FROM kine WHERE id > @from AND id <= @to AND prev_revision > 0)'),
    deleteTombstones: db.prepare('DELETE FROM kine WHERE id > @from AND id <= @to AND deleted = 1'),
    writeTx: db.transaction((fn: () => void) => fn()),
  };
}

/** toKeyValue (private) maps a live row to a KeyValue. */
function toKeyValue(r: Row): KeyValue {
  return { key: r.name, value: r.value, createRevision: r.create_revision, modRevision: r.id };
}

/** toWatchEvent (private) maps a replayed row (with its previous row) to a WatchEvent. */
function toWatchEvent(r: ReplayRow): WatchEvent {
  const prevKv = r.p_id !== null && !r.p_deleted
    ? { key: r.name, value: r.p_value!, createRevision: r.p_create_revision!, modRevision: r.p_id }
    : undefined;
  if (r.deleted) {
    const value = prevKv?.value ?? '';
    return { type: 'delete', kv: { key: r.name, value, createRevision: r.create_revision, modRevision: r.id }, prevKv, revision: r.id };
  }
  if (r.created) return { type: 'create', kv: toKeyValue(r), revision: r.id };
  return { type: 'update', kv: toKeyValue(r), prevKv, revision: r.id };
}
