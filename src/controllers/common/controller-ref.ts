import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { controllerOf } from '../../apimachinery/ownerrefs.js';

/** Matcher tells whether an object's labels match the owner's selector. */
export type Matcher = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * ControllerRefManager claims objects for one owner as upstream's ClaimObject does: an object it
 * controls that still matches is kept; one that stopped matching is released (its controller
 * reference removed); an orphan that matches is adopted (a controller reference added), but only
 * after canAdopt() has checked, against the API server and not the cache, that the owner still
 * exists and is not being deleted. Objects controlled by someone else are never touched.
 */
export class ControllerRefManager {
  private adoptChecked: Promise<void> | undefined;

  constructor(
    private readonly owner: Readonly<KubeObject>,
    private readonly controllerRef: OwnerReference,
    private readonly matches: Matcher,
    /** patch applies a strategic merge patch to an object (pods, replicasets, controllerrevisions) */
    private readonly patch: (obj: Readonly<KubeObject>, patch: unknown) => Promise<void>,
    /** canAdopt rejects when the owner must not adopt (it was deleted or replaced) */
    private readonly canAdopt: () => Promise<void>,
  ) {}

  /** claim returns the objects the owner controls after adoption and release. */
  async claim<T extends KubeObject>(objects: readonly Readonly<T>[]): Promise<Readonly<T>[]> {
    const claimed: Readonly<T>[] = [];
    const errors: unknown[] = [];
    for (const o of objects) {
      try {
        if (await this.claimOne(o)) claimed.push(o);
      } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
    return claimed;
  }

  private async claimOne(obj: Readonly<KubeObject>): Promise<boolean> {
    const ref = controllerOf(obj);
    const ownerUID = this.owner.metadata?.uid;
    if (ref) {
      if (ref.uid !== ownerUID) return false;
      if (this.matches(obj.metadata?.labels ?? {})) return true;
      if (this.owner.metadata?.deletionTimestamp) return false;
      await this.release(obj);
      return false;
    }
    if (this.owner.metadata?.deletionTimestamp || !this.matches(obj.metadata?.labels ?? {})) return false;
    if (obj.metadata?.deletionTimestamp) return false;
    this.adoptChecked ??= this.canAdopt();
    await this.adoptChecked;
    try {
      await this.patch(obj, { metadata: { ownerReferences: [this.controllerRef], uid: obj.metadata?.uid } });
    } catch (e) {
      if (e instanceof StatusError && (e.code === 404 || e.code === 422)) return false;
      throw e;
    }
    return true;
  }

  private async release(obj: Readonly<KubeObject>): Promise<void> {
    try {
      await this.patch(obj, { metadata: { ownerReferences: [{ $patch: 'delete', uid: this.owner.metadata?.uid }], uid: obj.metadata?.uid } });
    } catch (e) {
      // Gone, or changed under us (the uid precondition failed): nothing to release.
      if (e instanceof StatusError && (e.code === 404 || e.code === 422)) return;
      throw e;
    }
  }
}

/**
 * recheckDeletionTimestamp builds the canAdopt check upstream uses: fetch the owner fresh and refuse
 * if it is gone, was replaced (another uid) or is being deleted.
 */
export function recheckDeletionTimestamp(getFresh: () => Promise<Readonly<KubeObject>>, owner: Readonly<KubeObject>): () => Promise<void> {
  return async () => {
    const fresh = await getFresh();
    const name = `${owner.metadata?.namespace ?? ''}/${owner.metadata?.name}`;
    if (fresh.metadata?.uid !== owner.metadata?.uid) throw new Error(`original ${owner.kind} ${name} is gone: got uid ${fresh.metadata?.uid}, wanted ${owner.metadata?.uid}`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`${owner.kind} ${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  };
}
