import type { Etcd3, IKeyValue, IRangeRequest, IRangeResponse, IWatchResponse, IDuplexStream, IWatchRequest } from 'etcd3';
import type { Backend, KeyValue, ListOptions, ListResult, WatchEvent, WatchOptions } from '../backend.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, StorageError } from '../errors.js';
import { EventQueue } from '../event-queue.js';

/** EtcdBackendOptions configures EtcdBackend.open. */
export interface EtcdBackendOptions {
  /** client URLs such as http://127.0.0.1:2379 */
  endpoints: string[];
  /** prepended to every key in etcd (default ''; Kubernetes keys already start with /registry) */
  prefix?: string;
  /** deadline for each unary call (default 15 s) */
  callTimeoutMs?: number;
  /** connect timeout (default 5 s) */
  dialTimeoutMs?: number;
}

/** COMPACT_KEY: where the last compacted revision is recorded, beside (not under) the data keys. */
const COMPACT_KEY = 'compact_rev_key';

/**
 * EtcdBackend maps the Backend onto etcd v3 through the `etcd3` client. etcd's own revision is
 * the resourceVersion: a key's modRevision is etcd's mod_revision, compare-and-swap is a
 * transaction comparing it, watches start at afterRevision + 1 with prevKv, and compaction is
 * etcd's. Keys must start with '/' (the compaction record lives at `${prefix}compact_rev_key`).
 * A watch whose stream breaks (etcd restarts) fails; the caller re-watches from its last revision.
 */
export class EtcdBackend implements Backend {
  private readonly streams = new Set<{ stop: () => void }>();
  private closed = false;

  private constructor(private readonly client: Etcd3, private readonly prefix: string) {}

  /** open connects and checks that etcd answers. */
  static async open(opts: EtcdBackendOptions): Promise<EtcdBackend> {
    const callTimeoutMs = opts.callTimeoutMs ?? 15_000;
    // Loaded here, not at the top: etcd3 brings gRPC (~11 MiB), which a SQLite cluster never needs.
    const { Etcd3 } = await import('etcd3');
    const client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: opts.dialTimeoutMs ?? 5_000,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      // gRPC's default 4 MiB receive limit would break any list bigger than that (as in kube-apiserver).
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    });
    const b = new EtcdBackend(client, opts.prefix ?? '');
    try {
      await b.currentRevision();
    } catch (e) {
      client.close();
      throw new StorageError(`cannot reach etcd at ${opts.endpoints.join(',')}: ${(e as Error).message}`);
    }
    return b;
  }

  async create(key: string, value: string): Promise<number> {
    const k = this.k(key);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
    }));
    if (!res.succeeded) throw new KeyExistsError(key);
    return Number(res.header.revision);
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    const k = this.k(key);
    if (!(expectedRevision > 0)) throw await this.casFailure(key, null);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) throw await this.casFailure(key, res.responses[0]?.response_range?.kvs[0] ?? null);
    return Number(res.header.revision);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; kv: KeyValue }> {
    const k = this.k(key);
    if (expectedRevision === undefined) {
      const res = await this.call(() => this.client.kv.deleteRange({ key: k, prev_kv: true }));
      const prev = res.prev_kvs[0];
      if (!prev) throw new KeyNotFoundError(key);
      const revision = Number(res.header.revision);
      return { revision, kv: { ...this.kv(prev), modRevision: revision } };
    }
    if (!(expectedRevision > 0)) throw await this.casFailure(key, null);
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) throw await this.casFailure(key, res.responses[0]?.response_range?.kvs[0] ?? null);
    const prev = res.responses[0].response_delete_range.prev_kvs[0];
    const revision = Number(res.header.revision);
    return { revision, kv: { ...this.kv(prev), modRevision: revision } };
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    const res = await this.range({ key: this.k(key) }, revision);
    return res.kvs[0] ? this.kv(res.kvs[0]) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const lo = this.k(prefix);
    let start = lo;
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([this.k(opts.startAfter), Buffer.from([0])]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const res = await this.range({ key: start, range_end: rangeEnd(lo), limit }, opts.revision);
    const items = res.kvs.map((kv) => this.kv(kv));
    return {
      items,
      // header.revision is etcd's head; a requested revision beyond it was read at the head.
      revision: opts.revision ? Math.min(opts.revision, Number(res.header.revision)) : Number(res.header.revision),
      remaining: Math.max(0, Number(res.count) - items.length),
    };
  }

  async count(prefix: string): Promise<number> {
    const lo = this.k(prefix);
    const res = await this.range({ key: lo, range_end: rangeEnd(lo), count_only: true });
    return Number(res.count);
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    return { [Symbol.asyncIterator]: () => this.openWatch(prefix, opts) };
  }

  async compact(revision: number): Promise<void> {
    const head = await this.currentRevision();
    const target = Math.min(revision, head);
    if (target <= (await this.compactedRevision())) return;
    try {
      await this.call(() => this.client.kv.compact({ revision: target, physical: true }));
    } catch (e) {
      if (!(e instanceof CompactedError)) throw e; // already compacted further by someone else
    }
    // Record it, but never move the record backwards: values are zero-padded so byte order is numeric.
    const k = this.k(COMPACT_KEY);
    const v = Buffer.from(String(target).padStart(20, '0'));
    const res = await this.call(() => this.client.kv.txn({
      compare: [{ key: k, target: 'Value', result: 'Less', value: v }],
      success: [{ request_put: { key: k, value: v } }],
    }));
    if (!res.succeeded) {
      await this.call(() => this.client.kv.txn({
        compare: [{ key: k, target: 'Version', result: 'Equal', version: 0 }],
        success: [{ request_put: { key: k, value: v } }],
      }));
    }
  }

  async currentRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: this.k(COMPACT_KEY), count_only: true }));
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: this.k(COMPACT_KEY) }));
    return res.kvs[0] ? Number(res.kvs[0].value.toString()) : 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams]) s.stop();
    this.client.close();
  }

  /** openWatch (private) runs one etcd watch stream feeding one iterator. */
  private openWatch(prefix: string, opts: WatchOptions): AsyncIterableIterator<WatchEvent> {
    let stream: IDuplexStream<IWatchRequest, IWatchResponse> | null = null;
    let stopped = false;
    const handle = {
      stop: () => {
        if (stopped) return;
        stopped = true;
        queue.abort();
      },
    };
    const queue = new EventQueue<WatchEvent>(() => {
      stopped = true;
      this.streams.delete(handle);
      opts.signal?.removeEventListener('abort', handle.stop);
      try { stream?.cancel(); } catch { /* already gone */ }
    });
    if (this.closed || opts.signal?.aborted) { queue.abort(); return queue; }
    this.streams.add(handle);
    opts.signal?.addEventListener('abort', handle.stop, { once: true });
    let lo = this.k(prefix);
    const end = rangeEnd(lo);
    if (lo.length === 0) lo = Buffer.from([0]);
    this.client.watchClient.watch().then((s) => {
      stream = s;
      if (stopped) { s.cancel(); return; }
      s.on('data', (res) => {
        if (res.compact_revision && res.compact_revision !== '0') {
          queue.fail(new CompactedError(opts.afterRevision, Number(res.compact_revision)));
          return;
        }
        if (res.canceled) {
          queue.fail(new StorageError(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
          return;
        }
        for (const ev of res.events ?? []) queue.push(this.event(ev.type, ev.kv, ev.prev_kv));
      });
      s.on('error', (err) => { if (!stopped) queue.fail(new StorageError(`etcd watch failed: ${err.message}`)); });
      s.on('end', () => { if (!stopped) queue.fail(new StorageError('etcd watch stream ended')); });
      s.write({
        create_request: { key: lo, range_end: end, start_revision: opts.afterRevision + 1, prev_kv: true },
      });
    }, (err: Error) => queue.fail(new StorageError(`etcd watch failed: ${err.message}`)));
    return queue;
  }

  /** event (private) maps an etcd event to a WatchEvent. */
  private event(type: string, kv: IKeyValue, prev: IKeyValue | null | undefined): WatchEvent {
    const revision = Number(kv.mod_revision);
    const prevKv = prev ? this.kv(prev) : undefined;
    if (type === 'Delete') {
      const last = prevKv ?? { key: this.unprefix(kv.key), value: '', createRevision: 0, modRevision: 0 };
      return { type: 'delete', kv: { ...last, modRevision: revision }, prevKv, revision };
    }
    const cur = this.kv(kv);
    if (kv.version === '1' || cur.createRevision === cur.modRevision) return { type: 'create', kv: cur, revision };
    return { type: 'update', kv: cur, prevKv, revision };
  }

  /** range (private) reads at a revision, mapping etcd's compaction error. */
  private async range(req: IRangeRequest, revision?: number): Promise<IRangeResponse> {
    // etcd rejects an empty key; "\0" with range_end "\0" means every key.
    if (req.key && req.key.length === 0) req = { ...req, key: Buffer.from([0]) };
    try {
      return await this.call(() => this.client.kv.range(revision ? { ...req, revision } : req));
    } catch (e) {
      // A revision newer than etcd's head reads the head, as the other backends do.
      if (revision && e instanceof FutureRevisionError) return this.range(req);
      if (revision && e instanceof CompactedError) throw new CompactedError(revision, e.compacted);
      throw e;
    }
  }

  /** casFailure (private) explains a failed compare: the key is gone, or here at another revision. */
  private async casFailure(key: string, current: IKeyValue | null): Promise<Error> {
    if (!current) {
      const res = await this.call(() => this.client.kv.range({ key: this.k(key) }));
      current = res.kvs[0] ?? null;
    }
    return current ? new RevisionMismatchError(key, this.kv(current)) : new KeyNotFoundError(key);
  }

  /** call (private) runs an etcd call, turning etcd's revision errors into StorageErrors. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError('backend is closed');
    try {
      return await fn();
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (msg.includes('required revision has been compacted')) {
        const compacted = await this.compactedRevision().catch(() => 0);
        throw new CompactedError(0, compacted);
      }
      if (msg.includes('required revision is a future revision')) throw new FutureRevisionError(msg);
      throw e;
    }
  }

  private k(key: string): Buffer { return Buffer.from(this.prefix + key); }

  private unprefix(key: Buffer): string { return key.toString().slice(this.prefix.length); }

  private kv(kv: IKeyValue): KeyValue {
    return {
      key: this.unprefix(kv.key),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}

/** FutureRevisionError (private): a read asked for a revision etcd has not reached. */
class FutureRevisionError extends StorageError {}

/** rangeEnd (private) is etcd's prefix range end: the prefix with its last non-0xff byte incremented. */
function rangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // empty prefix: every key
}
