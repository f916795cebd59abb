/**
 * EventQueue is an unbounded async queue consumed as an AsyncIterator: producers push(), fail()
 * or end(); one consumer awaits next(). After end() the buffered items still drain; after fail()
 * the error is thrown once the buffer is empty. `onClose` runs once, when the queue finishes for
 * any reason (end, fail, consumer's return()), so owners can unsubscribe.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private finished = false;
  private error: unknown = undefined;
  private closed = false;

  constructor(private readonly onClose: () => void = () => {}) {}

  /** push adds an item (ignored once the queue has finished). */
  push(item: T): void {
    if (this.finished) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  /** end finishes the queue after the buffered items. */
  end(): void { this.finish(undefined); }

  /** abort finishes the queue now, dropping buffered items. */
  abort(): void {
    this.items = [];
    this.head = 0;
    this.finish(undefined);
  }

  /** fail finishes the queue with an error thrown after the buffered items. */
  fail(err: unknown): void { this.finish(err ?? new Error('watch failed')); }

  /** buffered is the number of items waiting for the consumer. */
  get buffered(): number { return this.items.length - this.head; }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++];
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) {
      this.close();
      if (this.error !== undefined) {
        const err = this.error;
        this.error = undefined;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  return(): Promise<IteratorResult<T>> {
    this.finished = true;
    this.error = undefined;
    this.items = [];
    this.head = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> { return this; }

  private finish(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.error = err;
    if (this.waiter && this.head >= this.items.length) {
      const w = this.waiter;
      this.waiter = null;
      this.close();
      if (err !== undefined) { this.error = undefined; w.reject(err); } else w.resolve({ value: undefined, done: true });
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
