/**
 * Owner references (metadata.ownerReferences): which object controls which, the way
 * metav1.GetControllerOf / IsControlledBy / NewControllerRef do it. Typed structurally so any
 * KubeObject fits without apimachinery importing api/.
 */

/** OwnerRef is metav1.OwnerReference. */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** GroupVersionKind names a kind; group '' is the core group. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** HasMeta is anything with object metadata (every KubeObject). */
export interface HasMeta {
  metadata?: { name?: string; uid?: string; ownerReferences?: readonly OwnerRef[] } | null;
}

/** controllerOf returns the owner reference with `controller: true`, if any. */
export function controllerOf(obj: HasMeta): OwnerRef | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** isControlledBy tells whether `owner` (by uid) is `obj`'s controller. */
export function isControlledBy(obj: HasMeta, owner: HasMeta): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && owner.metadata?.uid !== undefined && ref.uid === owner.metadata.uid;
}

/** apiVersionOf is `group/version`, or just `version` for the core group. */
export function apiVersionOf(gvk: GroupVersionKind): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

/** newControllerRef builds the reference a controller puts on what it creates (controller and blockOwnerDeletion true). */
export function newControllerRef(owner: HasMeta, gvk: GroupVersionKind): OwnerRef {
  return {
    apiVersion: apiVersionOf(gvk),
    kind: gvk.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
