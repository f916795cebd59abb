import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';

/** EXPECTATIONS_TTL_MS: expectations older than this are considered expired (5 min, as upstream), so a lost watch event never wedges a controller. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation { add: number; del: number; timestamp: number; deleteUIDs: Set<string> }

/**
 * ControllerExpectations counts the creations and deletions a controller has asked for and not yet
 * seen in its informer cache (kube-controller-manager's ControllerExpectations and
 * UIDTrackingControllerExpectations in one). A controller syncs a key only when its
 * expectations are satisfied, so a stale cache never makes it create or delete twice.
 */
export class ControllerExpectations {
  private readonly store = new Map<string, Expectation>();
  constructor(private readonly clock: Clock = realClock) {}

  /** satisfiedExpectations: true when nothing is pending for key, nothing was ever recorded, or the record expired. */
  satisfiedExpectations(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now().getTime() - e.timestamp > EXPECTATIONS_TTL_MS;
  }

  /** setExpectations records creations and deletions at once (replacing what was there), for controllers that do both in one sync (DaemonSet). */
  setExpectations(key: string, add: number, podKeysToDelete: string[]): void { this.set(key, add, podKeysToDelete.length, podKeysToDelete); }

  /** expectCreations records that n pods are about to be created for key (replacing what was there). */
  expectCreations(key: string, n: number): void { this.set(key, n, 0, []); }

  /** expectDeletions records the pods (by "namespace/name" key, as upstream tracks them) about to be deleted for key. */
  expectDeletions(key: string, podKeys: string[]): void { this.set(key, 0, podKeys.length, podKeys); }

  /** creationObserved is called when a created pod shows up in the cache (or its create failed). */
  creationObserved(key: string): void { this.lower(key, 1, 0); }

  /** deletionObserved is called when a pod we deleted is gone (or its delete failed); podKey makes it count once. */
  deletionObserved(key: string, podKey?: string): void {
    const e = this.store.get(key);
    if (!e) return;
    if (podKey !== undefined) {
      if (!e.deleteUIDs.has(podKey)) return;
      e.deleteUIDs.delete(podKey);
    }
    this.lower(key, 0, 1);
  }

  /** lowerExpectations subtracts (a batch that was skipped after an error). */
  lowerExpectations(key: string, add: number, del: number): void { this.lower(key, add, del); }

  /** raiseExpectations adds to what is pending. */
  raiseExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) { this.set(key, add, del, []); return; }
    e.add += add;
    e.del += del;
  }

  /** deleteExpectations forgets key (its owner was deleted). */
  deleteExpectations(key: string): void { this.store.delete(key); }

  /** pending returns what is still expected for key (tests, logs). */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }

  private set(key: string, add: number, del: number, podKeys: string[]): void {
    this.store.set(key, { add, del, timestamp: this.clock.now().getTime(), deleteUIDs: new Set(podKeys) });
  }

  private lower(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }
}
