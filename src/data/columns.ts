// Growable typed-array columns: amortised O(1) push, `view()` returns a trimmed subarray, `toArray()` a compact copy.

type TypedCtor<T> = { new (n: number): T };

abstract class GrowableColumn<T extends Int32Array | Float32Array | Float64Array> {
  protected buf: T;
  length = 0;
  constructor(private readonly ctor: TypedCtor<T>, initialCapacity = 1024) {
    this.buf = new ctor(Math.max(16, initialCapacity));
  }
  push(v: number): void {
    if (this.length === this.buf.length) this.grow(this.length + 1);
    this.buf[this.length++] = v;
  }
  get(i: number): number {
    return this.buf[i];
  }
  protected grow(min: number): void {
    let cap = this.buf.length * 2;
    while (cap < min) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.buf.subarray(0, this.length) as never);
    this.buf = next;
  }
  /** A view on the filled part (shares memory, invalid after the next push that grows). */
  view(): T {
    return this.buf.subarray(0, this.length) as T;
  }
  /** Ensures room for `n` values in total (one allocation instead of repeated doubling). */
  reserve(n: number): void {
    if (n > this.buf.length) {
      const next = new this.ctor(n);
      next.set(this.buf.subarray(0, this.length) as never);
      this.buf = next;
    }
  }
  /** The filled part: a view when the unused tail is under 5% (no copy), else a compact copy. */
  toArray(): T {
    if (this.buf.length - this.length <= this.buf.length * 0.05) return this.buf.subarray(0, this.length) as T;
    return this.buf.slice(0, this.length) as T;
  }
}

export class Int32Column extends GrowableColumn<Int32Array> {
  constructor(cap?: number) { super(Int32Array, cap); }
}
export class Float32Column extends GrowableColumn<Float32Array> {
  constructor(cap?: number) { super(Float32Array, cap); }
}
export class Float64Column extends GrowableColumn<Float64Array> {
  constructor(cap?: number) { super(Float64Array, cap); }
}
