/**
 * The request options of k8s.io/apimachinery/pkg/apis/meta/v1 (ListOptions, DeleteOptions, …) and
 * the list envelope, declared once: the API server's registry and the client both use these.
 */

/** DeletionPropagation is metav1.DeletionPropagation: what the garbage collector does with dependents. */
export type DeletionPropagation = 'Foreground' | 'Background' | 'Orphan';

/** Preconditions must hold for a delete to proceed (metav1.Preconditions); a mismatch is a 409. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** ListOptions select and page a list (metav1.ListOptions; query parameters on the wire). */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** page size; the response carries `continue` while more remain */
  limit?: number;
  /** the token of the previous page (410 Expired once its revision is compacted) */
  continue?: string;
  resourceVersion?: string;
  /** how resourceVersion is read: NotOlderThan (the default for a list at a version) or Exact */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/** WatchOptions start a watch (metav1.ListOptions with watch=true); aborting signal ends it. */
export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** start after this version; unset or "0" first sends the current objects as ADDED */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** a streaming list: ADDED for every object, then a BOOKMARK annotated k8s.io/initial-events-end (needs resourceVersionMatch=NotOlderThan) */
  sendInitialEvents?: boolean;
  resourceVersionMatch?: 'NotOlderThan';
  signal?: AbortSignal;
}

/** RequestUser is the authenticated requester (user.Info) that admission plugins and webhooks see. */
export interface RequestUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** DeleteOptions (metav1.DeleteOptions): grace period, propagation and preconditions. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: DeletionPropagation;
  /** deprecated form of propagationPolicy: true = Orphan, false = Background */
  orphanDependents?: boolean;
  preconditions?: Preconditions;
  /** dry run (the request's `dryRun=All`): everything is checked, nothing is stored */
  dryRun?: boolean;
  /** the requester, for admission (unset: the API server itself) */
  user?: RequestUser;
  /** collects admission's warnings (webhooks, Warn policies) for the response's Warning headers */
  warnings?: string[];
}

/** WriteOptions are what CreateOptions, UpdateOptions and PatchOptions carry that tskube honours. */
export interface WriteOptions {
  /** dry run (the request's `dryRun=All`): everything is checked, nothing is stored */
  dryRun?: boolean;
  /** the requester, for admission (unset: the API server itself) */
  user?: RequestUser;
  /** collects admission's warnings (webhooks, Warn policies) for the response's Warning headers */
  warnings?: string[];
  /**
   * fieldManager names the writer in metadata.managedFields (the request's fieldManager, else the
   * User-Agent up to its first '/'); unset: managedFields are carried over untouched
   */
  fieldManager?: string;
  /** managedFieldsComputed: a server-side apply already set metadata.managedFields (the store keeps them) */
  managedFieldsComputed?: boolean;
}

/** ListMeta is metav1.ListMeta: the list's resourceVersion and paging state. */
export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  /** how many items remain after this page (only when the list is not filtered by selectors) */
  remainingItemCount?: number;
}

/** ObjectList is a list response: its items and ListMeta. */
export interface ObjectList<T> {
  items: T[];
  metadata: ListMeta;
}

/** WatchEventType is metav1.WatchEvent's type (BOOKMARK only when allowWatchBookmarks asked for it). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** WatchEvent is one event of a watch; an ERROR event's object is a Status (410 Expired: relist). */
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}
