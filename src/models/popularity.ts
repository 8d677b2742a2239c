// Popularity baseline: every user gets the items viewed most often in the training sequences (ties: lower item id).
// No parameters are learnt by gradient; the count table (nItems) is reported as its parameter count.
import { checkAborted, type SeqRecModel, type SeqTrainInputs, type TrainControl } from './seq-rec';

export interface PopularityConfig {}

export class Popularity implements SeqRecModel {
  readonly name = 'Popularity';
  constructor(readonly counts: Float32Array) {}
  get nItems(): number {
    return this.counts.length;
  }
  numParameters(): number {
    return this.counts.length;
  }
  score(histories: Int32Array[]): Float32Array {
    const n = this.nItems;
    const out = new Float32Array(histories.length * n);
    // scores decrease with count, ties by item id (topKExcluding breaks exact ties by lower id)
    for (let b = 0; b < histories.length; b++) out.set(this.counts, b * n);
    return out;
  }
}

export function itemCounts(inputs: SeqTrainInputs): Float32Array {
  const c = new Float32Array(inputs.nItems);
  for (let i = 0; i < inputs.items.length; i++) c[inputs.items[i]]++;
  return c;
}

export async function trainPopularity(inputs: SeqTrainInputs, _cfg: PopularityConfig = {}, ctl: TrainControl = {}): Promise<Popularity> {
  checkAborted(ctl.signal, 'popularity');
  const m = new Popularity(itemCounts(inputs));
  ctl.onProgress?.({ step: 1, total: 1, scalars: { items: inputs.nItems } });
  return m;
}
