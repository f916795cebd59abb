/**
 * ResourceList arithmetic for quota (k8s.io/apiserver/pkg/quota/v1 resources.go): quantities are
 * held exactly (nano-units) and printed canonically, a sum keeping the format of its first
 * non-zero operand as Kubernetes' Quantity.Add does.
 */
import { formatNanos, parseQuantityExact, type QuantityFormat } from '../../apimachinery/quantity.js';

/** Quantity is one exact amount with the format it prints in. */
export interface Quantity { nanos: bigint; format: QuantityFormat }

/** ResourceList maps resource names to amounts. */
export type ResourceList = Map<string, Quantity>;

const ONE = 1_000_000_000n;

/** qty builds a quantity from a whole number (object counts). */
export function qty(n: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(n) * ONE, format };
}

/** parseQty parses a quantity; undefined when malformed (validation refuses those elsewhere). */
export function parseQty(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try { return parseQuantityExact(v); } catch { return undefined; }
}

/** fromJSON reads a JSON ResourceList (`{cpu: '100m'}`), skipping malformed entries. */
export function fromJSON(obj: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    const q = parseQty(v);
    if (q) out.set(k, q);
  }
  return out;
}

/** toJSON writes a ResourceList as the API does (canonical strings). */
export function toJSON(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatQty(list.get(k)!);
  return out;
}

/** formatQty prints a quantity canonically. */
export function formatQty(q: Quantity): string {
  return formatNanos(q.nanos, q.format);
}

/** addQty is Quantity.Add: a zero receiver takes the other's format. */
export function addQty(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** add returns a + b (keys of either). */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? addQty(cur, v) : v);
  }
  return out;
}

/** subtract returns a - b (keys of either; missing counts as zero). */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k) ?? { nanos: 0n, format: v.format };
    out.set(k, { nanos: cur.nanos - v.nanos, format: cur.format });
  }
  return out;
}

/** subtractWithNonNegativeResult is subtract with every negative entry set to zero. */
export function subtractWithNonNegativeResult(a: ResourceList, b: ResourceList): ResourceList {
  const out = subtract(a, b);
  for (const [k, v] of out) if (v.nanos < 0n) out.set(k, { nanos: 0n, format: v.format });
  return out;
}

/** mask keeps only the named resources. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

/** removeZeros drops zero amounts. */
export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, v]) => v.nanos !== 0n));
}

/**
 * lessThanOrEqual tells whether every resource of a that b also names is within b; it returns the
 * resources that are not.
 */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { allowed: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of a) {
    const limit = b.get(k);
    if (limit && v.nanos > limit.nanos) exceeded.push(k);
  }
  return { allowed: exceeded.length === 0, exceeded };
}

/** equals compares two lists by amount (formats ignored). */
export function equals(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k)?.nanos !== v.nanos) return false;
  return true;
}

/** prettyPrint renders `cpu=1,memory=1Gi` (sorted), as the quota admission's messages do. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()].sort().map((k) => `${k}=${formatQty(list.get(k)!)}`).join(',');
}

/** prettyPrintResourceNames renders names sorted, comma-separated. */
export function prettyPrintResourceNames(names: Iterable<string>): string {
  return [...names].sort().join(',');
}
