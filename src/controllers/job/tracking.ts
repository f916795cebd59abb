/**
 * UIDTrackingExpectations remembers, per Job key, the pods whose tracking finalizer the controller
 * asked to remove and has not yet seen removed in its cache (upstream's uidTrackingExpectations).
 * A sync skips those pods, so a stale cache never counts a pod's result twice.
 */
export class UIDTrackingExpectations {
  private readonly store = new Map<string, Set<string>>();

  /** getExpectedUIDs returns a copy of the pod UIDs still expected for key. */
  getExpectedUIDs(key: string): Set<string> {
    return new Set(this.store.get(key) ?? []);
  }

  /** expectFinalizersRemoved records that the finalizers of these pods are about to be removed. */
  expectFinalizersRemoved(key: string, uids: readonly string[]): void {
    let set = this.store.get(key);
    if (!set) this.store.set(key, (set = new Set()));
    for (const u of uids) set.add(u);
  }

  /** finalizerRemovalObserved is called when the cache shows the pod without the finalizer (or gone, or the removal failed). */
  finalizerRemovalObserved(key: string, uid: string): void {
    this.store.get(key)?.delete(uid);
  }

  /** deleteExpectations forgets key (the Job is gone). */
  deleteExpectations(key: string): void {
    this.store.delete(key);
  }
}
