import { badRequest, invalid, type FieldError } from '../apimachinery/errors.js';

/** ResourceVersionMatch is metav1.ResourceVersionMatch. */
export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

/** ListQuery is the part of a list or watch request that decides where it is served from. */
export interface ListQuery {
  watch: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  continue?: string;
}

/**
 * defaultListOptions is metav1's SetListOptionsDefaults with the WatchList feature on (beta and
 * enabled in Kubernetes 1.32): a watch from "" or "0" that says nothing else becomes a streaming
 * watch (sendInitialEvents=true, NotOlderThan), which serves the same events it always did.
 */
export function defaultListOptions(q: ListQuery): ListQuery {
  if (q.sendInitialEvents !== undefined || q.resourceVersionMatch) return q;
  if (q.watch && (!q.resourceVersion || q.resourceVersion === '0')) return { ...q, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' };
  return q;
}

/** validateListOptions answers the combinations Kubernetes refuses, with its messages (ValidateListOptions). */
export function validateListOptions(q: ListQuery): FieldError[] {
  const errs: FieldError[] = [];
  const forbid = (field: string, detail: string) => errs.push({ type: 'FieldValueForbidden', field, detail });
  const match = q.resourceVersionMatch ?? '';
  if (q.watch) {
    if (q.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      forbid('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (match) {
      if (q.sendInitialEvents === undefined) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      if (match !== 'NotOlderThan') errs.push({ type: 'FieldValueNotSupported', field: 'resourceVersionMatch', value: match, supported: ['NotOlderThan'] });
      if (q.continue) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    }
    return errs;
  }
  if (match) {
    if (!q.resourceVersion) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (q.continue) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push({ type: 'FieldValueNotSupported', field: 'resourceVersionMatch', value: match, supported: ['Exact', 'NotOlderThan', ''] });
    }
    if (match === 'Exact' && q.resourceVersion === '0') forbid('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (q.sendInitialEvents !== undefined) forbid('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  return errs;
}

/**
 * checkListOptions defaults and validates a request's list options as the generic handler does,
 * throwing Kubernetes' 422 (`ListOptions.meta.k8s.io "" is invalid: …`) for a refused combination.
 */
export function checkListOptions(q: ListQuery): ListQuery {
  const d = defaultListOptions(q);
  const errs = validateListOptions(d);
  if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
  return d;
}

/**
 * parseResourceVersion reads a resourceVersion parameter: "" and "0" are 0; anything that is not
 * a non-negative integer is Kubernetes' 400 (`invalid resource version: x`).
 */
export function parseResourceVersion(rv: string | undefined): number {
  if (!rv) return 0;
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw badRequest(`invalid resource version: ${rv}`);
  return n;
}

/**
 * servedFromCache is the cacher's shouldDelegateList turned around: which lists the watch cache
 * answers. Continuations, Exact reads and paged reads at a resourceVersion other than "0" go to
 * storage (the cache cannot page); "0" ignores limit, as it does in Kubernetes. Consistent reads
 * (no resourceVersion) are served from the cache only when it can prove it is fresh (ConsistentListFromCache).
 */
export function servedFromCache(q: { resourceVersion?: string; resourceVersionMatch?: string; limit?: number; continue?: string }): boolean {
  if (q.continue) return false;
  if (q.resourceVersionMatch && q.resourceVersionMatch !== 'NotOlderThan') return false;
  if (q.limit && q.limit > 0 && q.resourceVersion !== '0') return false;
  return true;
}

/**
 * exactFieldValue is the value a field selector requires of one field (`spec.nodeName=n1`, alone
 * or among other terms), or undefined when it does not pin that field (absent, `!=`, escaped).
 */
export function exactFieldValue(fieldSelector: string | undefined, field: string): string | undefined {
  if (!fieldSelector || fieldSelector.includes('\\')) return undefined;
  for (const term of fieldSelector.split(',')) {
    const m = /^\s*([^!=\s]+)\s*==?\s*(.*?)\s*$/.exec(term);
    if (m && m[1] === field && !term.includes('!=')) return m[2];
  }
  return undefined;
}
