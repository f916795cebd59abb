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
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

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
    node.members.add(path[path.length - 1]);
  }

  private child(k: string): FieldSet {
    let c = this.children.get(k);
    if (!c) this.children.set(k, (c = new FieldSet()));
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
    if (this.members.size) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  /** union is every member of either set. */
  union(o: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(o);
    return out;
  }

  private addAll(o: FieldSet): void {
    for (const m of o.members) this.members.add(m);
    for (const [k, c] of o.children) this.child(k).addAll(c);
  }

  /** difference is the members of this set that are not members of o. */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      const d = o.children.has(k) ? c.difference(o.children.get(k)!) : c.clone();
      if (!d.empty()) out.children.set(k, d);
    }
    return out;
  }

  /** intersection is the members in both sets. */
  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (o.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      if (!oc) continue;
      const d = c.intersection(oc);
      if (!d.empty()) out.children.set(k, d);
    }
    return out;
  }

  /** recursiveDifference drops the members of o and everything below them. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const d = o.children.has(k) ? c.recursiveDifference(o.children.get(k)!) : c.clone();
      if (!d.empty()) out.children.set(k, d);
    }
    return out;
  }

  /** within keeps only the paths under the given prefix element (e.g. `f:status`). */
  within(k: string): FieldSet {
    const out = new FieldSet();
    if (this.members.has(k)) out.members.add(k);
    const c = this.children.get(k);
    if (c && !c.empty()) out.children.set(k, c.clone());
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
        if (k.startsWith('f:') && !c.empty()) node.members.add(k);
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
    const keys = [...this.members];
    for (const k of this.children.keys()) if (!this.members.has(k)) keys.push(k);
    if (keys.length > 1) keys.sort(compareElementKeys);
    let out: Record<string, unknown> | undefined;
    for (const k of keys) {
      const sub = this.children.get(k)?.encode();
      const member = this.members.has(k);
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
      if (entries.length === 0 || entries.includes('.')) out.members.add(k);
      const c = FieldSet.fromFieldsV1(sub);
      if (!c.empty()) out.children.set(k, c);
    }
    return out;
  }
}

const EMPTY = new FieldSet();
