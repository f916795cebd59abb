/**
 * What every runtime that keeps its own container records shares: ListContainers' filter, and the
 * subscribers of its container events (GetContainerEvents).
 */
import type { ContainerEvent, ContainerEventType, ContainerFilter, ContainerInfo } from './types.js';

/** listMatching returns copies of the containers a ListContainers filter selects. */
export function listMatching(infos: Iterable<ContainerInfo>, filter: ContainerFilter = {}): ContainerInfo[] {
  return [...infos]
    .filter((i) => (!filter.id || i.id === filter.id) && (!filter.sandboxId || i.sandboxId === filter.sandboxId)
      && (!filter.podUid || i.config.podUid === filter.podUid) && (!filter.phase || i.phase === filter.phase))
    .map((i) => ({ ...i }));
}

/** ContainerEvents fans a runtime's container and sandbox events out to its subscribers. */
export class ContainerEvents {
  private readonly listeners = new Set<(e: ContainerEvent) => void>();

  /** subscribe adds a listener; returns the unsubscribe function (Runtime.getContainerEvents). */
  subscribe(listener: (e: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  emit(containerId: string, sandboxId: string, podUid: string, type: ContainerEventType): void {
    for (const l of this.listeners) {
      try { l({ containerId, sandboxId, podUid, type }); } catch { /* a listener's failure is its own */ }
    }
  }
}
