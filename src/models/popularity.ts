// Popularity baseline: every user gets the items viewed most often in the training sequences (ties: lower item id).
// No parameters are learnt by gradient; the count table (nItems) is reported as its parameter count.
import { checkAborted, type SeqRecModel, type SeqTrainInputs, type TrainControl, type TrainLog } from './seq-rec';

export interface PopularityConfig {}

export class Popularity implements SeqRecModel {
  readonly name = 'Popularity';
  /** recent popularity: which window the validation slates chose */
  trainLog?: TrainLog;
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
  return recentItemCounts(inputs, 0);
}

export async function trainPopularity(inputs: SeqTrainInputs, _cfg: PopularityConfig = {}, ctl: TrainControl = {}): Promise<Popularity> {
  checkAborted(ctl.signal, 'popularity');
  const m = new Popularity(itemCounts(inputs));
  ctl.onProgress?.({ step: 1, total: 1, scalars: { items: inputs.nItems } });
  return m;
}

/**
 * Recent popularity: the items viewed most often among each user's LAST `window` training items (0 = all = plain
 * popularity). On a time-ordered log whose users watched the same catalogue over the same weeks (KuaiRec's small
 * matrix), what was popular just before the held-out slates beats all-time popularity by far
 * (docs/results/recency-check.md): a counting baseline every learned model should be compared with.
 * With `ctl.validate` (Table 1: the validation slates, never the test slates) the window is chosen from `windows`;
 * without it, `window` is used.
 */
export interface RecentPopularityConfig {
  window: number;
  windows: number[];
}
export const RECENT_POPULARITY_DEFAULTS: RecentPopularityConfig = { window: 10, windows: [5, 10, 20, 50, 200, 0] };

function checkWindow(name: string, w: unknown): void {
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) throw new Error(`recent popularity: ${name} must be an integer >= 0 (0 = all), got ${String(w)}`);
}

export function recentItemCounts(inputs: SeqTrainInputs, window: number): Float32Array {
  checkWindow('window', window);
  const c = new Float32Array(inputs.nItems);
  const off = inputs.offsets;
  for (let u = 0; u + 1 < off.length; u++) {
    const from = window > 0 ? Math.max(off[u], off[u + 1] - window) : off[u];
    for (let i = from; i < off[u + 1]; i++) c[inputs.items[i]]++;
  }
  return c;
}

export async function trainRecentPopularity(inputs: SeqTrainInputs, cfg: Partial<RecentPopularityConfig> = {}, ctl: TrainControl = {}): Promise<Popularity> {
  const c = { ...RECENT_POPULARITY_DEFAULTS, ...cfg };
  checkAborted(ctl.signal, 'recent popularity');
  // every setting checked up front, whichever one this run reads
  checkWindow('window', c.window);
  if (!Array.isArray(c.windows)) throw new Error(`recent popularity: windows must be a list of windows, got ${String(c.windows)}`);
  c.windows.forEach((w) => checkWindow('windows', w));
  if (!ctl.validate) {
    const m = new Popularity(recentItemCounts(inputs, c.window));
    ctl.onProgress?.({ step: 1, total: 1, scalars: { window: c.window } });
    return m;
  }
  if (!c.windows.length) throw new Error('recent popularity: windows must list at least one window to choose from');
  let best: { window: number; score: number; model: Popularity } | null = null;
  const validation: { epoch: number; score: number }[] = [];
  for (let k = 0; k < c.windows.length; k++) {
    checkAborted(ctl.signal, 'recent popularity');
    const w = c.windows[k];
    const model = new Popularity(recentItemCounts(inputs, w));
    const score = await ctl.validate(model);
    // `epoch` = the window tried (0 = all): the log says which window each validation score belongs to
    validation.push({ epoch: w, score });
    if (!best || score > best.score) best = { window: w, score, model };
    ctl.onProgress?.({ step: k + 1, total: c.windows.length, scalars: { window: w, validation: score } });
  }
  best!.model.trainLog = { epochsRun: c.windows.length, bestEpoch: best!.window, bestValidation: best!.score, validation, stoppedEarly: false };
  return best!.model;
}
