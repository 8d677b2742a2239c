// The app store: one zustand store made of slices. Plain data only — no GPUDevice/GPUBuffer, no typed arrays
// (those stay in the workers; the store keeps summaries, ids, small arrays for plots).
//
// Adding a slice (e.g. tokenizer):
//   1. src/state/tokenizer-slice.ts:
//        export interface TokenizerSlice { tokenizer: {...}; trainTokenizer(): Promise<void> }
//        export const createTokenizerSlice: StateCreator<Store, [], [], TokenizerSlice> = (set, get) => ({ ... });
//      Keep the slice's state under one key (`tokenizer: {...}`) so slices never collide.
//   2. Here: import it, add `& TokenizerSlice` to `Store`, and `...createTokenizerSlice(...a)` in `creator`.
//   3. Test it with `makeStore()` (a fresh store per test), no React needed.
import { create, type StateCreator } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { createDataSlice, type DataSlice } from './data-slice';
import { createGpuSlice, type GpuSlice } from './gpu-slice';
import { createRunsSlice, type RunsSlice } from './runs-slice';
import { createTokenizerSlice, type TokenizerSlice } from './tokenizer-slice';
import { createSlateSlice, type SlateSlice } from './slate-slice';
import { createEvaluationSlice, type EvaluationSlice } from './evaluation-slice';
import { URL_DEFAULTS, sameUrlState, sanitize, type UrlState } from './url';

export interface UrlSlice {
  /** The typed URL state (panel, seed, ...); src/state/url.ts keeps it in sync with location.hash. */
  url: UrlState;
  /** Notes about invalid parts of the URL that were replaced by defaults (shown once in the UI). */
  urlProblems: string[];
  /** Merge a (validated) patch; invalid fields are dropped. */
  setUrl(patch: Partial<UrlState>, problems?: string[]): void;
}

export type Store = UrlSlice & GpuSlice & DataSlice & RunsSlice & TokenizerSlice & SlateSlice & EvaluationSlice;

const createUrlSlice: StateCreator<Store, [], [], UrlSlice> = (set, get) => ({
  url: { ...URL_DEFAULTS },
  urlProblems: [],
  setUrl(patch, problems) {
    const clean = sanitize(patch);
    // a value the URL schema refuses (e.g. seed -1 typed in the header) is named, never snapped silently
    const dropped = (Object.keys(patch) as (keyof UrlState)[]).filter((k) => !(k in clean));
    if (dropped.length && problems === undefined) problems = dropped.map((k) => `invalid ${k}="${String(patch[k])}" not applied (${k === 'seed' ? 'must be an integer in [0, 4294967295]' : 'not allowed'}); kept ${String(get().url[k])}`);
    const next = { ...get().url, ...clean };
    if (sameUrlState(next, get().url) && problems === undefined) return;
    set({ url: next, ...(problems ? { urlProblems: problems } : {}) });
  },
});

// The data slice is owned by the data engineer; it may be typed against its own state only, hence the cast.
const dataSlice = createDataSlice as unknown as StateCreator<Store, [], [], DataSlice>;

const creator: StateCreator<Store> = (...a) => ({
  ...createUrlSlice(...a),
  ...createGpuSlice(...a),
  ...createRunsSlice(...a),
  ...createTokenizerSlice(...a),
  ...createSlateSlice(...a),
  ...createEvaluationSlice(...a),
  ...dataSlice(...a),
});

/** The app's store (React hook + getState/setState/subscribe). */
export const useStore = create<Store>()(creator);

/** A fresh, independent store (unit tests). */
export function makeStore() {
  return createStore<Store>()(creator);
}
