/**
 * OrderedIntervals is the compressed form of a set of completion indexes ("1,3-5,7"), as
 * status.completedIndexes and status.failedIndexes store them: sorted, disjoint intervals with no
 * two adjacent ones (upstream's orderedIntervals).
 */
export interface Interval { first: number; last: number }

/** OrderedIntervals is a sorted list of disjoint, non-adjacent intervals. */
export type OrderedIntervals = readonly Interval[];

/** mergeIntervals returns the union of two ordered interval lists (adjacent intervals join). */
export function mergeIntervals(a: OrderedIntervals, b: OrderedIntervals): Interval[] {
  const result: Interval[] = [];
  const push = (iv: Interval) => {
    const last = result[result.length - 1];
    if (!last || iv.first > last.last + 1) result.push({ ...iv });
    else if (last.last < iv.last) last.last = iv.last;
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) push(a[i].first < b[j].first ? a[i++] : b[j++]);
  while (i < a.length) push(a[i++]);
  while (j < b.length) push(b[j++]);
  return result;
}

/** withOrderedIndexes adds indexes (given in increasing order) to the intervals. */
export function withOrderedIndexes(oi: OrderedIntervals, indexes: readonly number[]): Interval[] {
  return mergeIntervals(oi, indexes.map((ix) => ({ first: ix, last: ix })));
}

/** totalIndexes is how many indexes the intervals hold. */
export function totalIndexes(oi: OrderedIntervals | undefined): number {
  let n = 0;
  for (const iv of oi ?? []) n += iv.last - iv.first + 1;
  return n;
}

/** hasIndex tells whether ix is in the intervals (binary search). */
export function hasIndex(oi: OrderedIntervals | undefined, ix: number): boolean {
  if (!oi) return false;
  let lo = 0;
  let hi = oi.length;
  while (hi > lo) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (oi[mid].last >= ix) hi = mid;
    else lo = mid + 1;
  }
  return hi < oi.length && oi[hi].first <= ix;
}

/** formatIntervals renders intervals as Kubernetes does: "0", "0,1" for two in a row, "0-2" for three or more. */
export function formatIntervals(oi: OrderedIntervals): string {
  return oi.map((iv) => (iv.last === iv.first ? `${iv.first}` : iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`)).join(',');
}

/**
 * parseIndexesFromString reads "1,3-5,7" into intervals, dropping indexes at or above completions
 * and skipping (as upstream does, with a log line) parts that are not numbers.
 */
export function parseIndexesFromString(s: string | undefined, completions: number, onCorrupt?: (part: string) => void): Interval[] {
  if (!s) return [];
  const result: Interval[] = [];
  for (const part of s.split(',')) {
    const limits = part.split('-');
    const first = atoi(limits[0]);
    if (first === undefined) { onCorrupt?.(part); continue; }
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      const l = atoi(limits[1]);
      if (l === undefined) { onCorrupt?.(part); continue; }
      last = Math.min(l, completions - 1);
    }
    const prev = result[result.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else result.push({ first, last });
  }
  return result;
}

/** atoi parses a decimal integer as Go's strconv.Atoi does (optional sign, digits only). */
function atoi(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return undefined;
  return Number(s);
}
