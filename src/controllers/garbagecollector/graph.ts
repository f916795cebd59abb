import type { OwnerReference } from '../../api/resource.js';

/**
 * ObjectReference identifies an object in the dependency graph: the coordinates of an owner
 * reference (apiVersion, kind, name, uid) plus the namespace, which owner references leave out
 * (an owner is in its dependent's namespace, or cluster-scoped).
 */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** '' for cluster-scoped objects */
  namespace: string;
}

/** referenceString renders an identity as upstream's logs and events do: `[v1/Pod, namespace: ns, name: n, uid: u]`. */
export function referenceString(r: ObjectReference): string {
  return `[${r.apiVersion}/${r.kind}, namespace: ${r.namespace}, name: ${r.name}, uid: ${r.uid}]`;
}

/** referenceKey is a map key for an identity (all five coordinates). */
export function referenceKey(r: ObjectReference): string {
  return [r.apiVersion, r.kind, r.namespace, r.name, r.uid].join('\u0000');
}

/** sameReference compares two identities coordinate by coordinate. */
export function sameReference(a: ObjectReference, b: ObjectReference): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.namespace === b.namespace;
}

/** ownerReferenceCoordinates keeps only what identifies the owner (uid, name, kind, apiVersion). */
export function ownerReferenceCoordinates(ref: Readonly<OwnerReference>): Pick<OwnerReference, 'apiVersion' | 'kind' | 'name' | 'uid'> {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
}

/** ownerReferenceMatchesCoordinates: same uid, name, kind and apiVersion. */
export function ownerReferenceMatchesCoordinates(a: Readonly<Pick<OwnerReference, 'apiVersion' | 'kind' | 'name' | 'uid'>>, b: Readonly<Pick<OwnerReference, 'apiVersion' | 'kind' | 'name' | 'uid'>>): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion;
}

/**
 * GCNode is one object of the dependency graph (upstream's node). Only the graph builder writes
 * nodes; the garbage collector's workers read them. A node is "virtual" while it stands for an
 * owner that some dependent names but that no informer has shown yet.
 */
export class GCNode {
  /** dependents are the nodes that name this one in their ownerReferences */
  readonly dependents = new Set<GCNode>();
  /** owners is the object's ownerReferences as last observed */
  owners: readonly OwnerReference[];
  /** deletingDependents: deletionTimestamp set and the foregroundDeletion finalizer present */
  private deletingDependents: boolean;
  /** beingDeleted: deletionTimestamp set (a one-way trip) */
  private beingDeleted: boolean;
  private virtual: boolean;

  constructor(public identity: ObjectReference, o: { owners?: readonly OwnerReference[]; virtual?: boolean; beingDeleted?: boolean; deletingDependents?: boolean } = {}) {
    this.owners = o.owners ?? [];
    this.virtual = o.virtual ?? false;
    this.beingDeleted = o.beingDeleted ?? false;
    this.deletingDependents = o.deletingDependents ?? false;
  }

  /** clone copies the node (dependents by reference) so the graph can swap it without touching queued copies. */
  clone(): GCNode {
    const c = new GCNode({ ...this.identity }, { owners: [...this.owners], virtual: this.virtual, beingDeleted: this.beingDeleted, deletingDependents: this.deletingDependents });
    for (const d of this.dependents) c.dependents.add(d);
    return c;
  }

  markBeingDeleted(): void { this.beingDeleted = true; }
  isBeingDeleted(): boolean { return this.beingDeleted; }
  markObserved(): void { this.virtual = false; }
  isObserved(): boolean { return !this.virtual; }
  markDeletingDependents(): void { this.deletingDependents = true; }
  isDeletingDependents(): boolean { return this.deletingDependents; }

  addDependent(d: GCNode): void { this.dependents.add(d); }
  deleteDependent(d: GCNode): void { this.dependents.delete(d); }
  dependentsLength(): number { return this.dependents.size; }
  getDependents(): GCNode[] { return [...this.dependents]; }

  /** replaceDependentIfItExists swaps a dependent for its clone (apiVersion/kind of the dependent changed). */
  replaceDependentIfItExists(from: GCNode, to: GCNode): void {
    if (this.dependents.delete(from)) this.dependents.add(to);
  }

  /** blockingDependents are the dependents whose reference to this node has blockOwnerDeletion: true. */
  blockingDependents(): GCNode[] {
    return this.getDependents().filter((d) => d.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true));
  }

  /** toString is the identity, for logs. */
  toString(): string { return referenceString(this.identity); }
}

/**
 * partitionDependents splits dependents into those whose reference to the owner's uid matches the
 * owner's identity (and namespace) and those that name the same uid with other coordinates. A
 * dependent with several references to the uid can land in both.
 */
export function partitionDependents(dependents: readonly GCNode[], owner: ObjectReference): { matching: GCNode[]; nonmatching: GCNode[] } {
  const matching: GCNode[] = [];
  const nonmatching: GCNode[] = [];
  const ownerIsNamespaced = owner.namespace !== '';
  for (const dep of dependents) {
    let match = false;
    let mismatch = false;
    if (ownerIsNamespaced && owner.namespace !== dep.identity.namespace) {
      // A namespaced owner can only own objects of its own namespace.
      mismatch = true;
    } else {
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (ownerReferenceMatchesCoordinates(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return { matching, nonmatching };
}

/** referenceLessThan orders identities by kind, apiVersion, namespace, name, uid (upstream's order). */
export function referenceLessThan(a: ObjectReference, b: ObjectReference): boolean {
  if (a.kind !== b.kind) return a.kind < b.kind;
  if (a.apiVersion !== b.apiVersion) return a.apiVersion < b.apiVersion;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace;
  if (a.name !== b.name) return a.name < b.name;
  return a.uid < b.uid;
}

/**
 * getAlternateOwnerIdentity looks, among the dependents, for another identity under which they
 * name the uid that was just verified absent: the first one after it in referenceLessThan order,
 * else the first one. undefined when every dependent agrees with the absent identity.
 */
export function getAlternateOwnerIdentity(deps: readonly GCNode[], absent: ObjectReference): ObjectReference | undefined {
  const absentIsClusterScoped = absent.namespace === '';
  const seen = new Set<string>([referenceKey(absent)]);
  let first: ObjectReference | undefined;
  let firstFollowing: ObjectReference | undefined;
  for (const dep of deps) {
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (ownerReferenceMatchesCoordinates(ref, absent) && (absentIsClusterScoped || absent.namespace === dep.identity.namespace)) continue;
      const alt: ObjectReference = { ...ownerReferenceCoordinates(ref), namespace: dep.identity.namespace };
      // This apiVersion/kind is known to be cluster-scoped: the alternate has no namespace either.
      if (absentIsClusterScoped && alt.apiVersion === absent.apiVersion && alt.kind === absent.kind) alt.namespace = '';
      const k = referenceKey(alt);
      if (seen.has(k)) continue;
      seen.add(k);
      if (!first || referenceLessThan(alt, first)) first = alt;
      if (referenceLessThan(absent, alt) && (!firstFollowing || referenceLessThan(alt, firstFollowing))) firstFollowing = alt;
    }
  }
  return firstFollowing ?? first;
}

/** OwnerRefPair is one owner reference before and after an update (same uid). */
export interface OwnerRefPair { oldRef: OwnerReference; newRef: OwnerReference }

/** referencesDiffs compares two ownerReferences lists by uid: what was added, removed, or changed. */
export function referencesDiffs(oldRefs: readonly OwnerReference[], newRefs: readonly OwnerReference[]): { added: OwnerReference[]; removed: OwnerReference[]; changed: OwnerRefPair[] } {
  const oldByUID = new Map(oldRefs.map((r) => [r.uid, r]));
  const added: OwnerReference[] = [];
  const changed: OwnerRefPair[] = [];
  for (const r of newRefs) {
    const o = oldByUID.get(r.uid);
    if (!o) { added.push(r); continue; }
    if (!sameOwnerReference(o, r)) changed.push({ oldRef: o, newRef: r });
    oldByUID.delete(r.uid);
  }
  return { added, removed: [...oldByUID.values()], changed };
}

function sameOwnerReference(a: OwnerReference, b: OwnerReference): boolean {
  return ownerReferenceMatchesCoordinates(a, b) && (a.controller ?? null) === (b.controller ?? null) && (a.blockOwnerDeletion ?? null) === (b.blockOwnerDeletion ?? null);
}
