// The wasm fast path of the interaction loader (ingest.c): instantiated synchronously once per loader from the
// committed base64 binary. Returns null where WebAssembly is unavailable (the JS fast path is then used).
import { INGEST_WASM_BASE64 } from './ingest-wasm';

const SCRATCH_ROWS = 1 << 16;
const PAGE = 65536;
const BASE = 8192;
const IN = BASE + 64;

type ParseBlock = (buf: number, start: number, end: number, user: number, item: number, play: number, vdur: number,
  date: number, ts: number, wr: number, n: number, cap: number, out: number) => number;

let moduleCache: WebAssembly.Module | null | undefined;

function wasmModule(): WebAssembly.Module | null {
  if (moduleCache !== undefined) return moduleCache;
  try {
    const bin = typeof atob === 'function' ? Uint8Array.from(atob(INGEST_WASM_BASE64), (c) => c.charCodeAt(0)) : new Uint8Array(0);
    moduleCache = new WebAssembly.Module(bin);
  } catch {
    moduleCache = null;
  }
  return moduleCache;
}

export interface FastColumns {
  user: Int32Array; item: Int32Array; play: Float32Array; vdur: Float32Array; date: Int32Array; ts: Float64Array; wr: Float32Array;
}

/** One wasm instance: C stack in [0, 4096) (--stack-first), out[] at BASE, input at BASE + 64, then 7 scratch columns. */
export class WasmRowParser {
  private mem: WebAssembly.Memory;
  private parse: ParseBlock;
  private inCap = 0;
  private scratch = 0; // offset of the scratch columns
  private u8!: Uint8Array;
  private i32!: Int32Array;

  static create(): WasmRowParser | null {
    const m = wasmModule();
    if (!m) return null;
    try { return new WasmRowParser(m); } catch { return null; }
  }

  private constructor(m: WebAssembly.Module) {
    this.mem = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(m, { env: { memory: this.mem } });
    this.parse = inst.exports.parse_block as ParseBlock;
    this.layout(1 << 20);
  }

  private layout(inBytes: number): void {
    this.inCap = inBytes;
    this.scratch = IN + ((inBytes + 1 + 15) & ~15);
    const need = this.scratch + SCRATCH_ROWS * 32;
    const have = this.mem.buffer.byteLength;
    if (need > have) this.mem.grow(Math.ceil((need - have) / PAGE));
    this.u8 = new Uint8Array(this.mem.buffer);
    this.i32 = new Int32Array(this.mem.buffer, BASE, 16);
  }

  /** Copies buf[start, end] (the block and its '\n' sentinel) into wasm memory. */
  load(buf: Uint8Array, start: number, end: number): void {
    const len = end - start + 1;
    if (len > this.inCap) this.layout(Math.max(len, this.inCap * 2));
    this.u8.set(buf.subarray(start, end + 1), IN);
  }

  /**
   * Parses ordinary rows from block offset `from` (relative to the loaded block of length `len`) into the scratch
   * columns (at most maxRows), then copies them to `cols` at row `n` (the caller guarantees room for maxRows).
   * Returns {stop (block offset), rows, lines, hi}.
   */
  run(from: number, len: number, cols: FastColumns, n: number, maxRows = SCRATCH_ROWS): { stop: number; rows: number; lines: number; hi: number } {
    const S = SCRATCH_ROWS;
    const o = this.scratch;
    const stop = this.parse(IN, from, len, o, o + 4 * S, o + 8 * S, o + 12 * S, o + 16 * S, o + 24 * S, o + 20 * S, 0, Math.min(S, maxRows), BASE);
    const rows = this.i32[0];
    if (rows) {
      const b = this.mem.buffer;
      cols.user.set(new Int32Array(b, o, rows), n);
      cols.item.set(new Int32Array(b, o + 4 * S, rows), n);
      cols.play.set(new Float32Array(b, o + 8 * S, rows), n);
      cols.vdur.set(new Float32Array(b, o + 12 * S, rows), n);
      cols.date.set(new Int32Array(b, o + 16 * S, rows), n);
      cols.wr.set(new Float32Array(b, o + 20 * S, rows), n);
      cols.ts.set(new Float64Array(b, o + 24 * S, rows), n);
    }
    return { stop, rows, lines: this.i32[1], hi: this.i32[2] };
  }
}

export const WASM_SCRATCH_ROWS = SCRATCH_ROWS;
