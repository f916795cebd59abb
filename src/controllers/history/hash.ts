/**
 * Hashing shared by the controllers that keep ControllerRevisions or label pods by template
 * (DaemonSet, StatefulSet, Deployment): FNV-32 over a canonical JSON encoding, rendered with
 * apimachinery's SafeEncodeString alphabet so a hash never spells a word.
 *
 * Upstream hashes a Go struct dump (DeepHashObject), which cannot be reproduced byte for byte here;
 * what matters — and what these functions keep — is that equal templates hash equal, different
 * templates (almost always) differ, and a collision count moves the hash.
 */

/** SAFE_ALPHANUMS is apimachinery's rand alphabet: no vowels, no 0/1/3 (no bad words, no look-alikes). */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** safeEncodeString maps every character of s into the safe alphabet (rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** fnv32 is FNV-1 (multiply, then xor) over bytes: hash/fnv.New32. */
export function fnv32(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) h = (Math.imul(h, FNV32_PRIME) ^ b) >>> 0;
  return h;
}

/** fnv32a is FNV-1a (xor, then multiply) over bytes: hash/fnv.New32a. */
export function fnv32a(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) h = Math.imul(h ^ b, FNV32_PRIME) >>> 0;
  return h;
}

/**
 * goJSON encodes a JSON value as Go's encoding/json encodes a generic map: object keys sorted,
 * no spaces, and <, >, &, U+2028, U+2029 escaped. A ControllerRevision's data made this way has
 * the bytes kubectl computes for `rollout undo` (it marshals a map[string]interface{}).
 */
export function goJSON(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * sortKeys returns value with every object's keys in sorted order (arrays keep their order):
 * stored that way, a JSON value is sent with the key order Go's encoder would use.
 */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  // Go sorts map keys by their UTF-8 bytes; for the ASCII keys of the API that is code-unit order.
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * computeHash is controller.ComputeHash: the hash of a pod template, with the owner's
 * status.collisionCount (when set) mixed in as 8 little-endian bytes, so that bumping the count
 * after a name collision yields a new name. DaemonSets name their revisions `<ds>-<hash>` and
 * label pods with it; Deployments use it as pod-template-hash.
 */
export function computeHash(template: unknown, collisionCount?: number | null): string {
  let h = fnv32a(utf8.encode(goJSON(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}

/**
 * hashControllerRevision is history.HashControllerRevision: FNV-1 over the revision's data (as
 * Go-encoded JSON) followed by the decimal probe (the collision count), safe-encoded.
 */
export function hashControllerRevision(data: unknown, probe?: number | null): string {
  let h = fnv32(utf8.encode(data === undefined || data === null ? '' : goJSON(data)));
  if (probe !== undefined && probe !== null) h = fnv32(utf8.encode(String(probe)), h);
  return safeEncodeString(String(h));
}

/** controllerRevisionName is `prefix-hash`, the prefix cut to 223 characters so the name fits 253. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}
