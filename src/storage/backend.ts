/**
 * Backend is the narrow MVCC key-value interface every store implements (kine's shape).
 *
 * - Every successful write gets a new, strictly increasing revision; the store's revision is the
 *   API's resourceVersion.
 * - Values are opaque strings (the API server stores JSON); the Backend knows no resource kinds.
 * - Keys are '/'-separated strings such as `/registry/pods/default/nginx`.
 */
export interface KeyValue {
  key: string;
  value: string;
  /** revision at which this key was (last) created */
  createRevision: number;
  /** revision of the last write to this key */
  modRevision: number;
}

/** WatchEvent is one change seen by a watcher, in revision order. */
export interface WatchEvent {
  type: 'create' | 'update' | 'delete';
  /** for create/update: the new value; for delete: the last value, with modRevision = the delete's revision */
  kv: KeyValue;
  /** the value before this change (update and delete) */
  prevKv?: KeyValue;
  /** revision of this change */
  revision: number;
}

/** ListOptions narrows a list. */
export interface ListOptions {
  /** read as of this revision (0 or undefined = current). Older than the compacted revision: CompactedError. */
  revision?: number;
  /** at most this many items (0 or undefined = all) */
  limit?: number;
  /** start strictly after this key (used for continue tokens) */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** the revision the list was read at */
  revision: number;
  /** number of keys under the prefix after the last returned one (0 when complete) */
  remaining: number;
}

export interface WatchOptions {
  /** deliver every change with revision > afterRevision. Older than compacted: CompactedError thrown from the iterator's first next(). */
  afterRevision: number;
  signal?: AbortSignal;
}

export interface Backend {
  /** create stores a new key; throws KeyExistsError if present. Returns the new revision. */
  create(key: string, value: string): Promise<number>;
  /**
   * update replaces the value if the key's modRevision equals expectedRevision.
   * Throws KeyNotFoundError if absent, RevisionMismatchError (carrying the current KeyValue) otherwise.
   * Returns the new revision.
   */
  update(key: string, value: string, expectedRevision: number): Promise<number>;
  /**
   * delete removes the key; when expectedRevision is given it must match (RevisionMismatchError).
   * Throws KeyNotFoundError if absent. Returns the revision of the delete and the deleted value.
   */
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; kv: KeyValue }>;
  /** get returns the key's value at the current (or given) revision, or null. */
  get(key: string, revision?: number): Promise<KeyValue | null>;
  /** list returns keys with the prefix, ordered by key. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** count returns how many keys have the prefix now. */
  count(prefix: string): Promise<number>;
  /** watch streams changes under the prefix, in revision order, until the signal aborts. */
  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent>;
  /** compact forgets history older than revision. */
  compact(revision: number): Promise<void>;
  /** currentRevision is the last revision written. */
  currentRevision(): Promise<number>;
  /** compactedRevision: history at or below this revision is gone (0 when never compacted). */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
