/**
 * The pod-template-hash: how a Deployment names the ReplicaSet of each template
 * (upstream's controller.ComputeHash and rand.SafeEncodeString).
 */

/** SAFE_ENCODE_ALPHANUMS is apimachinery's rand alphabet: no vowels (no words), no 0/1/3 (no look-alikes). */
export const SAFE_ENCODE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** fnv32a is the 32-bit FNV-1a hash of bytes, continuing from a previous hash when given one. */
export function fnv32a(bytes: Uint8Array, hash = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/**
 * safeEncodeString maps each character of s onto the safe alphabet by its code point, as
 * rand.SafeEncodeString does: the decimal digits of a hash become letters and digits that can
 * never spell a word, and the length is kept (up to 10 characters for a uint32).
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ENCODE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ENCODE_ALPHANUMS.length];
  return out;
}

/**
 * canonicalJSON serializes a JSON value with sorted keys and without null/undefined members, so the
 * same template always hashes the same whatever order its fields arrived in. (Upstream hashes Go's
 * struct dump; tskube's objects are JSON, so their canonical form plays that part.)
 */
export function canonicalJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * computeHash is the pod-template-hash of a template: FNV-32a over the template, then over
 * collisionCount as 8 little-endian bytes when the Deployment has one (so a collision bumps the
 * name), rendered as the decimal number through safeEncodeString ("7c5ddbdf54").
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJSON(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
