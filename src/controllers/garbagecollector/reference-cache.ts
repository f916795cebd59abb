import { referenceKey, type ObjectReference } from './graph.js';

/**
 * ReferenceCache is the garbage collector's absentOwnerCache: an LRU set of owner identities the API
 * server said do not exist, so that a hundred dependents of one deleted owner cost one GET, not a
 * hundred. Identities carry a uid, so a re-created owner (new uid) is never mistaken for the old one.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly maxEntries = 500) {}

  /** add records ref as absent, evicting the least recently used entry when full. */
  add(ref: ObjectReference): void {
    const k = referenceKey(ref);
    this.entries.delete(k);
    this.entries.set(k, true);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** has tells whether ref is known absent (and marks it recently used). */
  has(ref: ObjectReference): boolean {
    const k = referenceKey(ref);
    if (!this.entries.has(k)) return false;
    this.entries.delete(k);
    this.entries.set(k, true);
    return true;
  }

  /** size is the number of cached identities. */
  get size(): number { return this.entries.size; }
}
