// Slate model (stage 4) and decoding (stage 5) state. Training goes through the stage layer (runs slice → data worker
// assembles from the current dataset → pipeline worker runs src/stages/slate-decoder.ts with checkpoints), so a run
// cut by a reload is listed in Runs and resumes; the panel shows the live run or the latest finished one after a
// reload. The stepper decodes from a finished slate run: its model is in the pipeline worker (this session) or
// rebuilt there from the run's kept result. Plain data only.
import type { StateCreator } from 'zustand';
import { defaults, refusal, validateConfig, type FieldError } from '../stages/schema';
import { SLATE_SCHEMA, type SlateStageConfig } from '../stages/slate-decoder-config';
import type { RunRecord } from '../stages/types';
import type { EpochRecord } from '../train/slate-decoder';
import type { DecodeView } from '../worker/slate-api';
import type { Store } from './store';

export type SlateSettings = SlateStageConfig;
export const SLATE_DEFAULTS: SlateSettings = defaults(SLATE_SCHEMA);

/** What the panel shows of a slate run (from its record). */
export interface SlateRunView {
  runId: string;
  status: RunRecord['status'];
  source: string;
  protocol: string;
  users: number;
  items: number;
  sids: string;
  params: number | null;
  config: { dim: number; slateLayers: number; itemLayers: number } | null;
  epochs: EpochRecord[];
  bestEpoch: number | null;
  test: { recall5: number; ndcg5: number; hit5: number; users: number } | null;
  seconds: number;
  backend: string;
  /** from browser storage after a reload (not trained in this page session) */
  restored: boolean;
}

export interface SlateState {
  settings: SlateSettings;
  /** settings refused when Train was pressed (or by the worker against the inputs) */
  fieldErrors: FieldError[];
  status: 'idle' | 'training' | 'stopping' | 'done' | 'error';
  error: string | null;
  progress: { step: number; total: number; epoch: number; loss?: number } | null;
  losses: { step: number; loss: number }[];
  valid: { step: number; recall5: number; ndcg5: number }[];
  run: SlateRunView | null;
  decode: { runId: string | null; status: 'idle' | 'running' | 'done' | 'error'; view: DecodeView | null; position: number; error: string | null };
}

export interface SlateSlice {
  slate: SlateState;
  setSlateSettings(p: Partial<SlateSettings>): void;
  trainSlate(): Promise<void>;
  stopSlate(): Promise<void>;
  /** show a slate run (live or restored) in the panel */
  showSlateRun(rec: RunRecord, live: boolean): void;
  setDecodeRun(runId: string | null): void;
  decodeSlateUser(index: number): Promise<void>;
  stepSlate(delta: number): void;
}

/** What the slice needs from the pipeline worker (an interface so unit tests can inject a fake). */
export interface SlateDecoder {
  decode(runId: string, index: number, beam: number): Promise<DecodeView>;
}

let decoder: SlateDecoder | null = null;
async function getDecoder(): Promise<SlateDecoder> {
  if (decoder) return decoder;
  const { call, pipeline } = await import('../worker/client');
  decoder = { decode: (runId, index, beam) => call(pipeline().decodeSlateUser(runId, index, beam) as Promise<DecodeView>, 'slate decoding', 10 * 60_000) };
  return decoder;
}
export function setSlateDecoder(d: SlateDecoder | null): void {
  decoder = d;
}

/** Live validation of the settings (schema of src/stages/slate-decoder-config.ts). */
export function slateFieldErrors(s: SlateSettings): FieldError[] {
  return validateConfig(SLATE_SCHEMA, s).errors;
}

/** Finished (or stopped) slate runs, newest first: what the stepper can decode from. */
export function decodableSlateRuns(list: RunRecord[]): RunRecord[] {
  return list.filter((r) => r.stage === 'slate-decoder' && (r.status === 'done' || r.status === 'stopped') && r.summary?.extra);
}

/** Users of a slate run's test slates (index → user id, history length) for the stepper's picker. */
export function slateTestUsers(rec: RunRecord | undefined): { index: number; user: number; history: number }[] {
  return ((rec?.summary?.extra as { testUsers?: { index: number; user: number; history: number }[] } | undefined)?.testUsers ?? []).slice(0, 500);
}

function viewOf(rec: RunRecord, restored: boolean): SlateRunView {
  const x = rec.summary?.extra as
    | { params: number; config: SlateRunView['config']; epochs: EpochRecord[]; bestEpoch: number; test: SlateRunView['test'] }
    | undefined;
  return {
    runId: rec.id,
    status: rec.status,
    source: String(rec.inputs.source ?? ''),
    protocol: String(rec.inputs.protocol ?? ''),
    users: Number(rec.inputs.users ?? 0),
    items: Number(rec.inputs.items ?? 0),
    sids: String(rec.inputs.sids ?? ''),
    params: x?.params ?? null,
    config: x?.config ?? null,
    epochs: x?.epochs ?? [],
    bestEpoch: x?.bestEpoch ?? null,
    test: x?.test ?? null,
    seconds: rec.seconds,
    backend: rec.backend,
    restored,
  };
}

function curvesOf(rec: RunRecord): Pick<SlateState, 'losses' | 'valid'> {
  const c = rec.summary?.curves;
  const losses = (c?.step ?? []).flatMap((s, i) => (c!.series.loss?.[i] != null ? [{ step: s + 1, loss: c!.series.loss[i]! }] : []));
  const v = c?.valid;
  const valid = (v?.step ?? []).map((s, i) => ({ step: s + 1, recall5: v!.series.recall5?.[i] ?? NaN, ndcg5: v!.series.ndcg5?.[i] ?? NaN }));
  return { losses, valid };
}

export const initialSlateState: SlateState = {
  settings: SLATE_DEFAULTS,
  fieldErrors: [],
  status: 'idle',
  error: null,
  progress: null,
  losses: [],
  valid: [],
  run: null,
  decode: { runId: null, status: 'idle', view: null, position: 0, error: null },
};

export const createSlateSlice: StateCreator<Store, [], [], SlateSlice> = (set, get) => {
  const patch = (p: Partial<SlateState>) => set((s) => ({ slate: { ...s.slate, ...p } }));
  const patchDecode = (p: Partial<SlateState['decode']>) => set((s) => ({ slate: { ...s.slate, decode: { ...s.slate.decode, ...p } } }));

  /** After a reload: the latest finished slate run is shown, and is what the stepper decodes from. */
  async function restore(): Promise<void> {
    await get().refreshRuns();
    if (get().slate.status !== 'idle' || get().slate.run) return;
    const last = decodableSlateRuns(get().runs.list)[0];
    if (last) get().showSlateRun(last, false);
  }
  if (typeof window !== 'undefined' && typeof indexedDB !== 'undefined') setTimeout(() => void restore(), 0);

  return {
    slate: initialSlateState,

    setSlateSettings(p) {
      const settings = { ...get().slate.settings, ...p };
      patch({ settings, fieldErrors: get().slate.fieldErrors.length ? slateFieldErrors(settings) : [] });
    },

    showSlateRun(rec, live) {
      patch({ run: viewOf(rec, !live), ...curvesOf(rec), status: rec.status === 'done' || rec.status === 'stopped' ? 'done' : get().slate.status });
      if (rec.status === 'done' || rec.status === 'stopped') patchDecode({ runId: rec.id });
    },

    async trainSlate() {
      const st = get().slate;
      if (st.status === 'training' || st.status === 'stopping') return;
      const refused = refusal(slateFieldErrors(st.settings));
      if (refused) return patch(refused);
      patch({ status: 'training', fieldErrors: [], error: null, progress: null, losses: [], valid: [], run: null });
      const rec = await get().startRun('slate-decoder', { ...st.settings }, undefined, {
        onProgress: (p, r) => {
          const epoch = Number((p.detail as { epoch?: number } | undefined)?.epoch ?? 0);
          const s = get().slate;
          const loss = p.scalars.loss;
          patch({
            progress: { step: p.step + 1, total: p.total, epoch, loss: loss ?? s.progress?.loss },
            losses: loss !== undefined ? [...s.losses, { step: p.step + 1, loss }] : s.losses,
            valid: p.valid ? [...s.valid, { step: p.step + 1, recall5: p.valid.recall5, ndcg5: p.valid.ndcg5 }] : s.valid,
            run: s.run ?? viewOf(r, false),
          });
        },
      });
      if (!rec) {
        const r = get().runs;
        patch({ status: 'error', error: r.error, fieldErrors: r.fieldErrors });
        return;
      }
      get().showSlateRun(rec, true);
      patch({ status: 'done' });
    },

    async stopSlate() {
      if (get().slate.status !== 'training') return;
      patch({ status: 'stopping' });
      await get().stopRun();
    },

    setDecodeRun(runId) {
      patchDecode({ runId, view: null, position: 0, status: 'idle', error: null });
    },

    async decodeSlateUser(index) {
      const d = get().slate.decode;
      const runId = d.runId ?? decodableSlateRuns(get().runs.list)[0]?.id ?? null;
      if (!runId) {
        patchDecode({ status: 'error', error: 'no finished slate run: train one in the Slate model panel first' });
        return;
      }
      const rec = get().runs.list.find((r) => r.id === runId);
      const beam = Number(rec?.config.beam ?? get().slate.settings.beam);
      patchDecode({ runId, status: 'running', error: null });
      try {
        const view = await (await getDecoder()).decode(runId, index, beam);
        patchDecode({ status: 'done', view, position: 0, error: null });
      } catch (e) {
        patchDecode({ status: 'error', error: (e as Error).message });
      }
    },

    stepSlate(delta) {
      const d = get().slate.decode;
      if (!d.view) return;
      patchDecode({ position: Math.max(0, Math.min(d.view.steps.length, d.position + delta)) });
    },
  };
};
