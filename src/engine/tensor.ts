// Tensors, lifetimes (scopes), and op dispatch with tape recording. Knows nothing of models.
//
// Lifetimes: every tensor created inside `tidy(fn)` is disposed when `fn` returns, except the
// tensors it returns and tensors marked `keep()` (parameters, optimizer state). A training step
// runs forward + backward + update inside one tidy, so the tape's saved tensors live exactly as
// long as they are needed and nothing leaks across steps.
import type { Backend, CpuArray, DType, Storage, TensorMeta } from './backend';
import { sizeOf } from './backend';
import type { OpDef } from './op';
import { shapeStr } from './op';

interface Handle {
  storage: Storage;
  backend: Backend;
  refs: number;
}

export interface TapeNode {
  def: OpDef<any>;
  inputs: Tensor[];
  outputs: Tensor[];
  attrs: any;
}

let nextId = 1;
/** Tensors created from now on have ids >= this (autograd frees the gradient temporaries it created). */
export function peekTensorId(): number {
  return nextId;
}
/** A tensor sharing `t`'s storage with another shape (set in Tensor's static block: the handle is private). */
let viewOf: (t: Tensor, shape: readonly number[]) => Tensor;

export class Tensor implements TensorMeta {
  readonly id = nextId++;
  requiresGrad = false;
  node: TapeNode | null = null;
  kept = false;
  disposed = false;
  name?: string;

  constructor(
    private handle: Handle,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    handle.refs++;
    track(this);
  }

  /** Engine-internal: a tensor owning an existing storage (released when the tensor is disposed). */
  static fromStorage(storage: Storage, backend: Backend, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor({ storage, backend, refs: 0 }, resolveShape(shape, storage.size), dtype);
  }

  get size(): number {
    return sizeOf(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  get storage(): Storage {
    if (this.disposed) throw new Error(`tensor #${this.id}${this.name ? ` (${this.name})` : ''} ${shapeStr(this.shape)} used after dispose`);
    return this.handle.storage;
  }
  get backend(): Backend {
    return this.handle.backend;
  }

  /** Async readback (copies). */
  async data(): Promise<CpuArray> {
    const all = await this.handle.backend.read(this.storage);
    return all.length === this.size ? all : all.slice(0, this.size);
  }
  async item(): Promise<number> {
    return (await this.data())[0];
  }

  /** Same as `reshape(this, shape)`: a differentiable view (the tape is recorded when a gradient is needed). */
  reshape(shape: readonly number[]): Tensor {
    return reshape(this, shape);
  }
  /** @deprecated alias of `reshape` (kept for callers; it records the tape like `reshape`). */
  reshapeView(shape: readonly number[]): Tensor {
    return reshape(this, shape);
  }

  static {
    viewOf = (t: Tensor, shape: readonly number[]) => new Tensor(t.handle, resolveShape(shape, t.size), t.dtype);
  }

  /**
   * Engine-internal (flat arenas): make this tensor (and every view sharing its storage) use `storage` instead, e.g.
   * a slot of one flat buffer; the old storage is released. Contents are not copied: the caller copies first.
   */
  rebindStorage(storage: Storage): void {
    if (this.disposed) throw new Error(`tensor #${this.id} ${shapeStr(this.shape)}: rebindStorage after dispose`);
    if (storage.size !== this.handle.storage.size || storage.dtype !== this.dtype) {
      throw new Error(`rebindStorage: storage of ${storage.size} ${storage.dtype} does not match ${this.handle.storage.size} ${this.dtype}`);
    }
    const old = this.handle.storage;
    this.handle.storage = storage;
    this.handle.backend.release(old);
  }

  /** Exclude from scope disposal (parameters, optimizer state, caches). */
  keep(): this {
    this.kept = true;
    return this;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (--this.handle.refs === 0) this.handle.backend.release(this.handle.storage);
  }

  toString(): string {
    return `Tensor#${this.id}${shapeStr(this.shape)}:${this.dtype}@${this.handle.backend.kind}`;
  }
}

export function resolveShape(shape: readonly number[], size: number): number[] {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = s.reduce((a, d, i) => (i === neg ? a : a * d), 1);
    s[neg] = rest === 0 ? 0 : size / rest;
  }
  if (sizeOf(s) !== size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot view ${size} elements as ${shapeStr(shape)}`);
  }
  return s;
}

// ---------------------------------------------------------------- engine state

interface EngineState {
  backend: Backend | null;
  scopes: Set<Tensor>[];
  gradEnabled: boolean;
}

const E: EngineState = { backend: null, scopes: [], gradEnabled: true };

export function setBackend(b: Backend): void {
  E.backend = b;
}
export function getBackend(): Backend {
  if (!E.backend) throw new Error('no backend: call setBackend(new CpuBackend()) or await initWebGPU() first');
  return E.backend;
}

function track(t: Tensor) {
  const s = E.scopes[E.scopes.length - 1];
  if (s) s.add(t);
}

/**
 * Every tensor reachable from a scope's result: arrays, Maps, Sets, plain objects AND class instances (own enumerable
 * properties, e.g. a KV cache object or a Module returned from tidy), cycles handled. Typed arrays and functions are
 * skipped.
 */
function collect(result: unknown, out: Set<Tensor>, seen = new Set<object>()) {
  if (!result || typeof result !== 'object') return;
  if (result instanceof Tensor) {
    out.add(result);
    return;
  }
  if (seen.has(result) || ArrayBuffer.isView(result) || result instanceof ArrayBuffer) return;
  seen.add(result);
  if (Array.isArray(result)) for (const r of result) collect(r, out, seen);
  else if (result instanceof Map) for (const v of result.values()) collect(v, out, seen);
  else if (result instanceof Set) for (const v of result) collect(v, out, seen);
  else if (result instanceof Promise) return;
  else for (const v of Object.values(result)) collect(v, out, seen);
}

function endScope(scope: Set<Tensor>, result: unknown) {
  const keepSet = new Set<Tensor>();
  collect(result, keepSet);
  const parent = E.scopes[E.scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) {
      if (parent) parent.add(t);
    } else if (!t.kept) t.dispose();
  }
}

/** Run `fn`; dispose every tensor it created except those it returns (in arrays/objects/maps) and kept ones. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  E.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    E.scopes.pop();
  }
  endScope(scope, result!);
  return result!;
}

/**
 * Async variant for sequential code that awaits readbacks. Engine state (scopes, the current backend) is
 * per-thread, not per async task: two async runs in one thread (evaluation beside training in the worker) must each
 * hold `withEngineLock` for their tensor-creating sections, so they interleave section by section. Interleaving
 * without the lock is detected here (another run's scope is still open above ours) and throws rather than releasing
 * the other run's tensors.
 */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  E.scopes.push(scope);
  let result: T;
  let interleaved = false;
  try {
    result = await fn();
  } finally {
    const i = E.scopes.lastIndexOf(scope);
    interleaved = i !== E.scopes.length - 1;
    if (i >= 0) E.scopes.splice(i, 1);
  }
  if (interleaved) {
    throw new Error(
      'tidyAsync: another async run created tensors while this one was awaiting (engine scopes are per thread, not per task): ' +
        'run concurrent async work under withEngineLock(...) so runs interleave step by step',
    );
  }
  endScope(scope, result!);
  return result!;
}

let lockTail: Promise<void> = Promise.resolve();
let lockWaiters = 0;

/**
 * The engine lock: runs `fn` inside a tidyAsync scope once every earlier holder has finished, with `backend` (if
 * given) as the current backend for its duration. Two async runs in one thread (training and evaluation) wrap each
 * step in it and interleave step by step. Not re-entrant: do not call it from inside a holder (that would wait forever).
 */
export async function withEngineLock<T>(fn: () => Promise<T>, opts: { backend?: Backend } = {}): Promise<T> {
  const prev = lockTail;
  let release!: () => void;
  lockTail = new Promise<void>((r) => (release = r));
  lockWaiters++;
  await prev;
  lockWaiters--;
  const saved = { backend: E.backend, grad: E.gradEnabled };
  try {
    if (opts.backend) E.backend = opts.backend;
    return await tidyAsync(fn);
  } finally {
    E.backend = saved.backend;
    E.gradEnabled = saved.grad;
    release();
  }
}

/** Runs queued behind the current engine-lock holder (for progress displays and tests). */
export function engineLockWaiters(): number {
  return lockWaiters;
}

export function noGrad<T>(fn: () => T): T {
  const prev = E.gradEnabled;
  E.gradEnabled = false;
  try {
    return fn();
  } finally {
    E.gradEnabled = prev;
  }
}
export function isGradEnabled(): boolean {
  return E.gradEnabled;
}

// ---------------------------------------------------------------- creation

export function tensor(data: ArrayLike<number>, shape: readonly number[], dtype: DType = 'f32', backend = getBackend()): Tensor {
  const s = resolveShape(shape, data.length);
  const arr = dtype === 'f32' ? Float32Array.from(data) : Int32Array.from(data);
  return new Tensor({ storage: backend.alloc(arr.length, dtype, arr), backend, refs: 0 }, s, dtype);
}

export function empty(shape: readonly number[], dtype: DType = 'f32', backend = getBackend()): Tensor {
  return new Tensor({ storage: backend.alloc(sizeOf(shape), dtype), backend, refs: 0 }, [...shape], dtype);
}

export function zeros(shape: readonly number[], dtype: DType = 'f32', backend = getBackend()): Tensor {
  const n = sizeOf(shape);
  return tensor(dtype === 'f32' ? new Float32Array(n) : new Int32Array(n), shape, dtype, backend);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'f32', backend = getBackend()): Tensor {
  const n = sizeOf(shape);
  const a = dtype === 'f32' ? new Float32Array(n) : new Int32Array(n);
  a.fill(value);
  return tensor(a, shape, dtype, backend);
}

/** Overwrite a tensor's contents in place (optimizer state resets, uploads). */
export function assign(t: Tensor, data: CpuArray): void {
  t.backend.write(t.storage, data);
}

// ---------------------------------------------------------------- dispatch

/**
 * Run an op on the inputs' backend, record it on the tape when a gradient is needed.
 * This is the single place where frontend meets backend.
 */
export function runOp<A>(def: OpDef<A>, inputs: Tensor[], attrs: A): Tensor[] {
  const backend = inputs.length ? inputs[0].backend : getBackend();
  for (const t of inputs) {
    if (t.backend !== backend) throw new Error(`${def.name}: inputs live on different backends (${t.backend.kind} vs ${backend.kind})`);
  }
  const inMetas: TensorMeta[] = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  const outMetas = def.outputs(inMetas, attrs);
  const outputs = outMetas.map((m) => empty(m.shape, m.dtype, backend));
  const metas = { inputs: inMetas, outputs: outMetas };
  // each backend runs the kernel of its own kind (def.cpu / def.webgpu / def.wasm or its declared, recorded fallback)
  backend.execute(def, inputs.map((t) => t.storage), outputs.map((t) => t.storage), attrs, metas);
  if (E.gradEnabled && def.backward !== 'nondiff' && inputs.some((t) => t.requiresGrad)) {
    const node: TapeNode = { def, inputs, outputs, attrs };
    for (const o of outputs) {
      if (o.dtype === 'f32') {
        o.requiresGrad = true;
        o.node = node;
      }
    }
  }
  return outputs;
}

// ---------------------------------------------------------------- views

const reshapeDef: OpDef<{ from: readonly number[] }> = {
  name: 'reshape',
  view: true,
  outputs: () => {
    throw new Error('reshape is a view');
  },
  cpu: () => {},
  webgpu: () => {},
  backward: ({ grads: [g], attrs }) => [reshape(g!, attrs.from)],
};

/** A differentiable view with another shape (shares storage; -1 infers one dimension). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const y = viewOf(x, shape);
  if (E.gradEnabled && x.requiresGrad) {
    y.requiresGrad = true;
    y.node = { def: reshapeDef, inputs: [x], outputs: [y], attrs: { from: x.shape } };
  }
  return y;
}
