import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { deepEqual } from '../../apimachinery/deep.js';
import type { Client, DeleteOptions, PatchType } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import { referenceString, type GCNode, type ObjectReference } from './graph.js';
import { apiResource, resourceDefaultNamespace } from './resources.js';

/** FINALIZER_ORPHAN_DEPENDENTS is metav1.FinalizerOrphanDependents. */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
/** FINALIZER_DELETE_DEPENDENTS is metav1.FinalizerDeleteDependents (foreground deletion). */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** PropagationPolicy is metav1.DeletionPropagation. */
export type PropagationPolicy = NonNullable<DeleteOptions['propagationPolicy']>;

/** isNotFound tells whether a client error is a 404 NotFound Status. */
export function isNotFound(e: unknown): boolean { return e instanceof StatusError && e.code === 404; }
/** isConflict tells whether a client error is a 409 Conflict Status (a failed precondition). */
export function isConflict(e: unknown): boolean { return e instanceof StatusError && e.code === 409; }

/** hasFinalizer tells whether obj lists finalizer f. */
export function hasFinalizer(obj: Readonly<KubeObject>, f: string): boolean {
  return obj.metadata?.finalizers?.includes(f) ?? false;
}

/** beingDeleted: the object has a deletionTimestamp. */
export function beingDeleted(obj: Readonly<KubeObject>): boolean {
  return !!obj.metadata?.deletionTimestamp;
}

/**
 * ObjectOperations are the API calls the garbage collector makes on any kind, addressed by graph
 * identity (upstream's getObject/deleteObject/patchObject/removeFinalizer over the metadata client).
 */
export class ObjectOperations {
  constructor(private readonly client: Client, private readonly logger: Logger) {}

  /** getObject reads the live object behind an identity (by namespace/name: the caller compares uids). */
  async getObject(item: ObjectReference): Promise<KubeObject> {
    const { ref, namespaced } = apiResource(item.apiVersion, item.kind);
    return this.client.get(ref, resourceDefaultNamespace(namespaced, item.namespace), item.name);
  }

  /** patchObject patches the object behind an identity. */
  async patchObject(item: ObjectReference, patch: unknown, type: PatchType): Promise<KubeObject> {
    const { ref, namespaced } = apiResource(item.apiVersion, item.kind);
    return this.client.patch(ref, resourceDefaultNamespace(namespaced, item.namespace), item.name, patch, type);
  }

  /**
   * deleteObject deletes the object with its uid and the resourceVersion the decision was made at as
   * preconditions, so an object adopted in between is not deleted. On a conflict it looks again: if
   * only the resourceVersion moved and the ownerReferences are the same, the decision still holds
   * and it deletes with the uid precondition alone. A NotFound is returned as is (the caller turns
   * it into a virtual delete event).
   */
  async deleteObject(item: ObjectReference, resourceVersion: string | undefined, ownersAtResourceVersion: readonly OwnerReference[] | undefined, policy: PropagationPolicy): Promise<void> {
    const { ref, namespaced } = apiResource(item.apiVersion, item.kind);
    const ns = resourceDefaultNamespace(namespaced, item.namespace);
    const preconditions: { uid: string; resourceVersion?: string } = { uid: item.uid };
    if (resourceVersion) preconditions.resourceVersion = resourceVersion;
    try {
      await this.client.delete(ref, ns, item.name, { preconditions, propagationPolicy: policy });
    } catch (e) {
      if (!isConflict(e) || !resourceVersion) throw e;
      const live = await this.client.get(ref, ns, item.name);
      if (live.metadata?.uid === item.uid && live.metadata?.resourceVersion !== resourceVersion && deepEqual(live.metadata?.ownerReferences ?? [], ownersAtResourceVersion ?? [])) {
        await this.client.delete(ref, ns, item.name, { preconditions: { uid: item.uid }, propagationPolicy: policy });
        return;
      }
      throw e;
    }
  }

  /**
   * removeFinalizer takes finalizer off the owner with a merge patch pinned to the resourceVersion it
   * read, retrying on conflicts a few times (client-go's RetryOnConflict). Gone or already removed
   * is success: the API server deletes the object once its last finalizer is removed.
   */
  async removeFinalizer(owner: GCNode, finalizer: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let obj: KubeObject;
      try {
        obj = await this.getObject(owner.identity);
      } catch (e) {
        if (isNotFound(e)) return;
        throw new Error(`cannot finalize owner ${referenceString(owner.identity)}, because cannot get it: ${errorMessage(e)}. The garbage collector will retry later`);
      }
      if (obj.metadata?.uid !== owner.identity.uid) return;
      const finalizers = obj.metadata?.finalizers ?? [];
      if (!finalizers.includes(finalizer)) {
        this.logger.v(5).info('finalizer already removed from object', { finalizer, object: referenceString(owner.identity) });
        return;
      }
      const rest = finalizers.filter((f) => f !== finalizer);
      try {
        await this.patchObject(owner.identity, { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: rest.length ? rest : null } }, 'merge');
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
        if (attempt >= RETRY_ON_CONFLICT_STEPS - 1) {
          throw new Error(`updateMaxRetries(${RETRY_ON_CONFLICT_STEPS}) has reached. The garbage collector will retry later for owner ${referenceString(owner.identity)}`);
        }
      }
    }
  }
}

/** RETRY_ON_CONFLICT_STEPS is client-go's retry.DefaultBackoff.Steps. */
const RETRY_ON_CONFLICT_STEPS = 5;

/** deleteOwnerRefStrategicMergePatch removes the references to ownerUIDs from a dependent, with its uid as precondition. */
export function deleteOwnerRefStrategicMergePatch(dependentUID: string, ownerUIDs: readonly string[]): unknown {
  return { metadata: { ownerReferences: ownerUIDs.map((uid) => ({ $patch: 'delete', uid })), uid: dependentUID } };
}

/** unblockOwnerReferencesStrategicMergePatch sets blockOwnerDeletion=false on every blocking reference of n. */
export function unblockOwnerReferencesStrategicMergePatch(n: GCNode): unknown {
  const refs = n.owners.filter((o) => o.blockOwnerDeletion === true).map((o) => ({ ...o, blockOwnerDeletion: false }));
  return { metadata: { ownerReferences: refs, uid: n.identity.uid } };
}

/** errorMessage renders any thrown value for a log line or an error. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
