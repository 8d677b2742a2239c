// Last-item co-occurrence baseline: score(j | history) = how often j directly followed the history's last item in the
// training sequences; ties (including users whose last item never occurred in training) are broken by popularity, then
// by the lower item id. The transition table is sparse; its non-zero count is reported as the parameter count.
import { itemCounts } from './popularity';
import { checkAborted, type SeqRecModel, type SeqTrainInputs, type TrainControl } from './seq-rec';

export interface CooccurrenceConfig {
  /** Count j when it follows i within this many positions (1 = next item only, the reference setting). */
  window?: number;
}

export class Cooccurrence implements SeqRecModel {
  readonly name = 'Last-item co-occurrence';
  constructor(
    readonly nItems: number,
    /** CSR by source item: followers and counts. */
    readonly next: { offsets: Int32Array; items: Int32Array; counts: Float32Array },
    readonly popularity: Float32Array,
  ) {}
  numParameters(): number {
    return this.next.items.length;
  }
  score(histories: Int32Array[]): Float32Array {
    const n = this.nItems;
    const out = new Float32Array(histories.length * n);
    let maxPop = 1;
    for (let i = 0; i < n; i++) maxPop = Math.max(maxPop, this.popularity[i]);
    // popularity as a tie-breaker below one co-occurrence count
    const tie = this.popularity.map((c) => c / (maxPop + 1));
    for (let b = 0; b < histories.length; b++) {
      const o = b * n;
      out.set(tie, o);
      const h = histories[b];
      if (!h.length) continue;
      const last = h[h.length - 1];
      for (let j = this.next.offsets[last]; j < this.next.offsets[last + 1]; j++) out[o + this.next.items[j]] += this.next.counts[j];
    }
    return out;
  }
}

export async function trainCooccurrence(inputs: SeqTrainInputs, cfg: CooccurrenceConfig = {}, ctl: TrainControl = {}): Promise<Cooccurrence> {
  const W = Math.max(1, Math.floor(cfg.window ?? 1));
  const n = inputs.nItems;
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const nU = inputs.offsets.length - 1;
  for (let u = 0; u < nU; u++) {
    if (u % 256 === 0) checkAborted(ctl.signal, 'co-occurrence');
    const a = inputs.offsets[u], e = inputs.offsets[u + 1];
    for (let i = a; i < e; i++)
      for (let w = 1; w <= W && i + w < e; w++) {
        const r = rows[inputs.items[i]];
        r.set(inputs.items[i + w], (r.get(inputs.items[i + w]) ?? 0) + 1);
      }
  }
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + rows[i].size;
  const items = new Int32Array(offsets[n]);
  const counts = new Float32Array(offsets[n]);
  rows.forEach((r, i) => {
    let k = offsets[i];
    for (const [j, c] of r) { items[k] = j; counts[k] = c; k++; }
  });
  ctl.onProgress?.({ step: 1, total: 1, scalars: { pairs: items.length } });
  return new Cooccurrence(n, { offsets, items, counts }, itemCounts(inputs));
}
