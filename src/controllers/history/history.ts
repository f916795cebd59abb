import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { matchesLabels, type LabelSelector } from '../../apimachinery/labels.js';
import { controllerOf } from '../../apimachinery/ownerrefs.js';
import type { Lister } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { controllerRevisionName, goJSON, hashControllerRevision } from './hash.js';

/**
 * ControllerRevision helpers (kube-controller-manager's pkg/controller/history): what DaemonSets
 * and StatefulSets use to record every template they have run, numbered, so that `kubectl rollout
 * history|undo` can show and restore them.
 */

/** CONTROLLER_REVISION_HASH_LABEL is the label a revision's hash is kept under (history.ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** ControllerRevision is apps/v1 ControllerRevision: immutable data plus a revision number. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/**
 * newControllerRevision builds a revision owned by parent (through controllerRef) with the template's
 * labels, data and revision number, named `parent-<hash>` where the hash covers data and
 * collisionCount; the hash is also put under CONTROLLER_REVISION_HASH_LABEL.
 */
export function newControllerRevision(parent: Readonly<KubeObject>, controllerRef: OwnerReference, templateLabels: Readonly<Record<string, string>> | undefined,
  data: unknown, revision: number, collisionCount?: number): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata?.name ?? '', hash),
      namespace: parent.metadata?.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRef],
    },
    data, revision,
  };
}

/** compareRevisions orders by revision, then creation time, then name (history.byRevision). */
export function compareRevisions(a: Readonly<ControllerRevision>, b: Readonly<ControllerRevision>): number {
  if (a.revision !== b.revision) return a.revision - b.revision;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** sortControllerRevisions returns the revisions sorted oldest first (a stable sort; the input is not touched). */
export function sortControllerRevisions<T extends ControllerRevision>(revisions: readonly Readonly<T>[]): Readonly<T>[] {
  return [...revisions].sort(compareRevisions);
}

/** maxRevision is the highest revision number among revisions (0 for none). */
export function maxRevision(revisions: readonly Readonly<ControllerRevision>[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
}

/** nextRevision is the number a new revision gets: one past the highest. */
export function nextRevision(revisions: readonly Readonly<ControllerRevision>[]): number {
  return maxRevision(revisions) + 1;
}

/**
 * equalRevision is history.EqualRevision: both absent, or the same data (a differing hash label
 * settles it early).
 */
export function equalRevision(lhs: Readonly<ControllerRevision> | undefined, rhs: Readonly<ControllerRevision> | undefined): boolean {
  if (!lhs || !rhs) return lhs === rhs;
  const lh = lhs.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const rh = rhs.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (lh !== undefined && rh !== undefined && lh !== rh) return false;
  return goJSON(lhs.data ?? null) === goJSON(rhs.data ?? null);
}

/** findEqualRevisions returns the revisions equal to needle, in their order. */
export function findEqualRevisions<T extends ControllerRevision>(revisions: readonly Readonly<T>[], needle: Readonly<ControllerRevision>): Readonly<T>[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/**
 * ControllerHistory is history.Interface over the API (realHistory): it lists from the informer's
 * cache and writes through the client.
 */
export class ControllerHistory {
  constructor(private readonly client: Client, private readonly lister: Lister<ControllerRevision>) {}

  /** listControllerRevisions: the revisions in parent's namespace that match selector and are owned by parent or by nobody. */
  listControllerRevisions(parent: Readonly<KubeObject>, selector: LabelSelector): Readonly<ControllerRevision>[] {
    const uid = parent.metadata?.uid;
    return this.lister.list(parent.metadata?.namespace ?? '', (r) => {
      if (!matchesLabels(selector, r.metadata?.labels)) return false;
      const ref = controllerOf(r);
      return ref === undefined || ref.uid === uid;
    });
  }

  /**
   * createControllerRevision creates revision named after parent and the hash of its data. On a
   * name collision with different data it bumps the collision count and tries the next name; an
   * existing revision with the same data is returned as is. Returns the revision and the final
   * collision count (callers store it in status.collisionCount).
   */
  async createControllerRevision(parent: Readonly<KubeObject>, revision: Readonly<ControllerRevision>, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    const ns = parent.metadata?.namespace;
    const clone = structuredClone(revision) as ControllerRevision;
    clone.metadata = { ...(clone.metadata ?? {}), namespace: ns };
    for (let count = collisionCount; ; count++) {
      clone.metadata.name = controllerRevisionName(parent.metadata?.name ?? '', hashControllerRevision(revision.data, count));
      try {
        return { revision: await this.client.create<ControllerRevision>(Resources.controllerrevisions, ns, clone), collisionCount: count };
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
        const exists = await this.client.get<ControllerRevision>(Resources.controllerrevisions, ns, clone.metadata.name);
        if (goJSON(exists.data ?? null) === goJSON(clone.data ?? null)) return { revision: exists, collisionCount: count };
      }
    }
  }

  /** updateControllerRevision sets revision.revision to newRevision, retrying on conflicts with a fresh copy. */
  async updateControllerRevision(revision: Readonly<ControllerRevision>, newRevision: number): Promise<ControllerRevision> {
    let clone = structuredClone(revision) as ControllerRevision;
    for (let attempt = 0; ; attempt++) {
      if (clone.revision === newRevision) return clone;
      clone.revision = newRevision;
      try {
        return await this.client.update<ControllerRevision>(Resources.controllerrevisions, clone.metadata?.namespace, withKind(clone));
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt >= 4) throw e;
        clone = await this.client.get<ControllerRevision>(Resources.controllerrevisions, clone.metadata?.namespace, clone.metadata?.name ?? '');
      }
    }
  }

  /** deleteControllerRevision deletes revision; one already gone is not an error. */
  async deleteControllerRevision(revision: Readonly<ControllerRevision>): Promise<void> {
    try {
      await this.client.delete(Resources.controllerrevisions, revision.metadata?.namespace, revision.metadata?.name ?? '');
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  /** patchControllerRevision applies a strategic merge patch (ControllerRefManager's adopt/release). */
  async patchControllerRevision(revision: Readonly<KubeObject>, patch: unknown): Promise<void> {
    await this.client.patch(Resources.controllerrevisions, revision.metadata?.namespace, revision.metadata?.name ?? '', patch, 'strategic');
  }
}

/** withKind sets apiVersion/kind, which list items from the cache may lack. */
function withKind(r: ControllerRevision): ControllerRevision {
  return { ...r, apiVersion: 'apps/v1', kind: 'ControllerRevision' };
}
