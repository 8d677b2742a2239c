// Flat arenas: many tensors living in ONE storage, each in an aligned slot, so that an update over all of them
// (the optimizer's clip + AdamW) is one dispatch over one flat tensor instead of one per tensor.
// Tensors moved into an arena keep their identity (and requiresGrad, names, views): only their storage changes to a
// view of the arena's flat buffer. Gaps between slots (alignment padding) are zero and stay zero under AdamW.
import type { Backend } from './backend';
import { Tensor, getBackend, zeros } from './tensor';
import type { Segment } from './ops/clip';

/** Whether `be` can host arenas (views + in-order copies). */
export function supportsArena(be: Backend): boolean {
  return typeof be.view === 'function' && typeof be.copy === 'function';
}

export class Arena {
  private constructor(
    readonly backend: Backend,
    /** The flat (total) f32 tensor holding every slot. Kept: dispose the arena to free it. */
    readonly flat: Tensor,
    /** One slot per tensor, in order. */
    readonly segments: readonly Segment[],
    /** Per slot: a kept tensor of the original shape aliasing the slot. */
    readonly views: Tensor[],
  ) {}

  static layout(sizes: readonly number[], align: number): { segments: Segment[]; total: number } {
    const segments: Segment[] = [];
    let off = 0;
    for (const size of sizes) {
      segments.push({ offset: off, size });
      off += Math.ceil(Math.max(size, 1) / align) * align;
    }
    return { segments, total: Math.max(off, 1) };
  }

  private static build(be: Backend, shapes: readonly (readonly number[])[]): Arena {
    if (!supportsArena(be)) throw new Error(`Arena: the ${be.kind} backend has no storage views`);
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const { segments, total } = Arena.layout(sizes, be.viewAlign ?? 1);
    const flat = zeros([total], 'f32', be).keep();
    const views = segments.map((seg, i) => {
      const storage = be.view!(flat.storage, seg.offset, seg.size);
      return Tensor.fromStorage(storage, be, shapes[i], 'f32').keep();
    });
    return new Arena(be, flat, segments, views);
  }

  /** A zero-filled arena with slots for tensors of these shapes (optimizer moments, the gradient gather buffer). */
  static zeros(shapes: readonly (readonly number[])[], be: Backend = getBackend()): Arena {
    return Arena.build(be, shapes);
  }

  /**
   * Move `ts` (f32, on one backend, each with its own storage) into a new arena: contents are copied into the slots and
   * each tensor is rebound to its slot (its old storage is released). The arena's `views[i]` alias `ts[i]`.
   */
  static adopt(ts: readonly Tensor[]): Arena {
    if (!ts.length) throw new Error('Arena.adopt: no tensors');
    const be = ts[0].backend;
    const seen = new Set<unknown>();
    for (const t of ts) {
      if (t.backend !== be) throw new Error('Arena.adopt: tensors live on different backends');
      if (t.dtype !== 'f32') throw new Error(`Arena.adopt: ${t.name ?? `tensor #${t.id}`} is ${t.dtype}, expected f32`);
      if (seen.has(t.storage)) throw new Error(`Arena.adopt: ${t.name ?? `tensor #${t.id}`} shares its storage with another tensor of the list`);
      seen.add(t.storage);
    }
    const a = Arena.build(be, ts.map((t) => t.shape));
    ts.forEach((t, i) => {
      be.copy!(t.storage, a.flat.storage, t.size, 0, a.segments[i].offset);
      t.rebindStorage(be.view!(a.flat.storage, a.segments[i].offset, a.segments[i].size));
    });
    return a;
  }

  /** Copy `ts[i]` into slot i (recorded copies, no kernel dispatch). Shapes must match the slots. */
  gather(ts: readonly Tensor[]): void {
    if (ts.length !== this.segments.length) throw new Error(`Arena.gather: ${ts.length} tensors for ${this.segments.length} slots`);
    ts.forEach((t, i) => this.gatherOne(i, t));
  }

  /** Copy `t` into slot `i` (a recorded copy). */
  gatherOne(i: number, t: Tensor): void {
    if (t.size !== this.segments[i].size) throw new Error(`Arena.gather: tensor ${i} has ${t.size} elements, slot has ${this.segments[i].size}`);
    if (t.backend !== this.backend) throw new Error('Arena.gather: tensor on another backend');
    this.backend.copy!(t.storage, this.flat.storage, t.size, 0, this.segments[i].offset);
  }

  /** A kept 1-D tensor viewing `size` elements of the flat buffer from `offset` (a slot boundary); dispose it when done. */
  range(offset: number, size: number): Tensor {
    return Tensor.fromStorage(this.backend.view!(this.flat.storage, offset, size), this.backend, [size], 'f32').keep();
  }

  dispose(): void {
    for (const v of this.views) v.dispose();
    this.flat.dispose();
  }
}
