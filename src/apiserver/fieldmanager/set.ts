/**
 * FieldSet is structured-merge-diff's fieldpath.Set: a trie of path elements whose nodes are
 * either members (a field owned as a whole) or parents of owned fields, or both. It is what a
 * managedFields entry's fieldsV1 encodes.
 */
import { compareElementKeys } from './path.js';

/** A path is a list of element keys (`f:spec`, `k:{"name":"x"}` …), see path.ts. */
export type FieldPathKeys = readonly string[];

/** FieldSet is a set of field paths stored as a trie. */
export class FieldSet {
  // Made on first use: most nodes of a trie have members only or children only, and sets are
  // built, diffed and dropped on every write (allocation was a tenth of the field manager's time).
  private m: Set<string> | undefined;
  private c: Map<string, FieldSet> | undefined;

  /** members are the element keys owned as a whole at this node (read-only: see insert). */
  get members(): ReadonlySet<string> { return this.m ?? NO_MEMBERS; }

  /** children are the subtrees below element keys (read-only: see insert). */
  get children(): ReadonlyMap<string, FieldSet> { return this.c ?? NO_CHILDREN; }

  private addMember(k: string): void {
    (this.m ??= new Set()).add(k);
  }

  private setChild(k: string, c: FieldSet): void {
    (this.c ??= new Map()).set(k, c);
  }

  /** fromPaths builds a set holding the given paths. */
  static fromPaths(paths: Iterable<FieldPathKeys>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** insert adds a path as a member. */
  insert(path: FieldPathKeys): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.child(path[i]);
    node.addMember(path[path.length - 1]);
  }

  private child(k: string): FieldSet {
    let c = this.c?.get(k);
    if (!c) this.setChild(k, (c = new FieldSet()));
    return c;
  }

  /** has tells whether a path is a member. */
  has(path: FieldPathKeys): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]);
    return !!node && node.members.has(path[path.length - 1]);
  }

  /** childSet returns the subtree below one element (empty when none). */
  childSet(k: string): FieldSet {
    return this.children.get(k) ?? EMPTY;
  }

  /** empty: no member anywhere. */
  empty(): boolean {
    if (this.m?.size) return false;
    if (this.c) for (const c of this.c.values()) if (!c.empty()) return false;
    return true;
  }

  /** union is every member of either set. */
  union(o: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(o);
    return out;
  }

  private addAll(o: FieldSet): void {
    if (o.m) for (const m of o.m) this.addMember(m);
    if (o.c) for (const [k, c] of o.c) this.child(k).addAll(c);
  }

  /** difference is the members of this set that are not members of o. */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    if (this.m) for (const m of this.m) if (!o.m?.has(m)) out.addMember(m);
    if (this.c) {
      for (const [k, c] of this.c) {
        const oc = o.c?.get(k);
        const d = oc ? c.difference(oc) : c.clone();
        if (!d.empty()) out.setChild(k, d);
      }
    }
    return out;
  }

  /** intersection is the members in both sets. */
  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    if (this.m) for (const m of this.m) if (o.m?.has(m)) out.addMember(m);
    if (this.c) {
      for (const [k, c] of this.c) {
        const oc = o.c?.get(k);
        if (!oc) continue;
        const d = c.intersection(oc);
        if (!d.empty()) out.setChild(k, d);
      }
    }
    return out;
  }

  /** recursiveDifference drops the members of o and everything below them. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    if (this.m) for (const m of this.m) if (!o.m?.has(m)) out.addMember(m);
    if (this.c) {
      for (const [k, c] of this.c) {
        if (o.m?.has(k)) continue;
        const oc = o.c?.get(k);
        const d = oc ? c.recursiveDifference(oc) : c.clone();
        if (!d.empty()) out.setChild(k, d);
      }
    }
    return out;
  }

  /** within keeps only the paths under the given prefix element (e.g. `f:status`). */
  within(k: string): FieldSet {
    const out = new FieldSet();
    if (this.m?.has(k)) out.addMember(k);
    const c = this.c?.get(k);
    if (c && !c.empty()) out.setChild(k, c.clone());
    return out;
  }

  /** clone copies the set. */
  clone(): FieldSet {
    const out = new FieldSet();
    out.addAll(this);
    return out;
  }

  /** equals compares members. */
  equals(o: FieldSet): boolean {
    return this.difference(o).empty() && o.difference(this).empty();
  }

  /** paths lists every member path in structured-merge-diff's order (members, then children). */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    for (const m of [...this.members].sort(compareElementKeys)) out.push([...prefix, m]);
    for (const k of [...this.children.keys()].sort(compareElementKeys)) out.push(...this.children.get(k)!.paths([...prefix, k]));
    return out;
  }

  /** withParentFields also makes every field element on the way to a member a member (EnsureNamedFieldsAreMembers). */
  withParentFields(): FieldSet {
    const out = this.clone();
    const walk = (node: FieldSet) => {
      for (const [k, c] of node.children) {
        if (k.startsWith('f:') && !c.empty()) node.addMember(k);
        walk(c);
      }
    };
    walk(out);
    return out;
  }

  /** toFieldsV1 encodes the set as metav1.FieldsV1 JSON (`.` marks a member that has children). */
  toFieldsV1(): Record<string, unknown> {
    return this.encode() ?? {};
  }

  /** encode is toFieldsV1 in one walk (undefined for a set without members), run on every write's managedFields. */
  private encode(): Record<string, unknown> | undefined {
    const keys = this.m ? [...this.m] : [];
    if (this.c) for (const k of this.c.keys()) if (!this.m?.has(k)) keys.push(k);
    if (keys.length > 1) keys.sort(compareElementKeys);
    let out: Record<string, unknown> | undefined;
    for (const k of keys) {
      const sub = this.c?.get(k)?.encode();
      const member = !!this.m?.has(k);
      if (!sub && !member) continue;
      out ??= {};
      out[k] = sub ? (member ? { '.': {}, ...sub } : sub) : {};
    }
    return out;
  }

  /** fromFieldsV1 decodes metav1.FieldsV1 JSON; a malformed value throws. */
  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    if (v === undefined || v === null) return out;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('FieldsV1 must be a JSON object');
    for (const [k, sub] of Object.entries(v as Record<string, unknown>)) {
      if (k === '.') continue;
      if (!/^[fkvi]:/.test(k)) throw new Error(`parsing JSON: unknown path element ${JSON.stringify(k)}`);
      if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw new Error(`parsing JSON: expected an object at ${JSON.stringify(k)}`);
      const entries = Object.keys(sub);
      if (entries.length === 0 || entries.includes('.')) out.addMember(k);
      const c = FieldSet.fromFieldsV1(sub);
      if (!c.empty()) out.setChild(k, c);
    }
    return out;
  }
}

const EMPTY = new FieldSet();
const NO_MEMBERS: ReadonlySet<string> = new Set();
const NO_CHILDREN: ReadonlyMap<string, FieldSet> = new Map();
