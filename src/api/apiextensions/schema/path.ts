/**
 * FieldPath builds Kubernetes field paths (field.Path): `spec.versions[0].schema`, map keys as
 * `properties[spec]`. The nil path (Go's `(*field.Path)(nil)`) renders as `<nil>`, as Kubernetes
 * prints errors that carry no path.
 */
export class FieldPath {
  private constructor(private readonly text: string | null) {}

  /** root starts a path at a field name (field.NewPath). */
  static root(name: string, ...more: string[]): FieldPath {
    return new FieldPath(null).child(name, ...more);
  }

  /** nil is the absent path; children of it start a fresh path. */
  static nil(): FieldPath {
    return new FieldPath(null);
  }

  /** child appends field names. */
  child(name: string, ...more: string[]): FieldPath {
    let t = this.text;
    for (const n of [name, ...more]) t = t === null || t === '' ? n : `${t}.${n}`;
    return new FieldPath(t);
  }

  /** key appends a map key: `properties[spec]`. */
  key(k: string): FieldPath {
    return new FieldPath(`${this.text ?? ''}[${k}]`);
  }

  /** index appends a list index: `versions[0]`. */
  index(i: number): FieldPath {
    return new FieldPath(`${this.text ?? ''}[${i}]`);
  }

  /** isNil tells whether nothing was appended. */
  isNil(): boolean {
    return this.text === null;
  }

  toString(): string {
    return this.text ?? '<nil>';
  }
}
