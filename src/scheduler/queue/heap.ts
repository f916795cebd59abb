/**
 * Heap is a binary heap with keyed access (internal/heap): add or update by key, delete by key,
 * pop the least element. Used for the active queue (priority, then time) and the back-off queue
 * (back-off expiry).
 */
export class Heap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly keyFn: (x: T) => string, private readonly less: (a: T, b: T) => boolean) {}

  /** len is the number of elements. */
  get len(): number { return this.items.length; }

  /** has tells whether an element with this key is in the heap. */
  has(key: string): boolean { return this.index.has(key); }

  /** get returns the element with this key. */
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  /** addOrUpdate inserts the element, or replaces the one with the same key and re-sorts it. */
  addOrUpdate(x: T): void {
    const key = this.keyFn(x);
    const i = this.index.get(key);
    if (i !== undefined) {
      this.items[i] = x;
      this.fix(i);
      return;
    }
    this.items.push(x);
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** delete removes the element with this key; false when absent. */
  delete(key: string): boolean {
    const i = this.index.get(key);
    if (i === undefined) return false;
    const last = this.items.length - 1;
    if (i !== last) this.swap(i, last);
    this.items.pop();
    this.index.delete(key);
    if (i !== last) this.fix(i);
    return true;
  }

  /** peek returns the least element. */
  peek(): T | undefined { return this.items[0]; }

  /** pop removes and returns the least element. */
  pop(): T | undefined {
    if (!this.items.length) return undefined;
    const top = this.items[0];
    this.delete(this.keyFn(top));
    return top;
  }

  /** list returns the elements in no particular order. */
  list(): T[] { return [...this.items]; }

  private fix(i: number): void {
    if (!this.down(i)) this.up(i);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(this.keyFn(b), i);
    this.index.set(this.keyFn(a), j);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i0: number): boolean {
    let i = i0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let j = l;
      const r = l + 1;
      if (r < n && this.less(this.items[r], this.items[l])) j = r;
      if (!this.less(this.items[j], this.items[i])) break;
      this.swap(i, j);
      i = j;
    }
    return i > i0;
  }
}
