// Tokenizer slice: settings, live progress (loss curves per term, code usage), final metrics per tokenizer, and the
// prefix explorer's data. Plain data only. Training goes through the stage layer (src/stages/tokenizer.ts): one run
// per selected kind via the runs slice (validate → assemble in the data worker → run in the pipeline worker).
import type { StateCreator } from 'zustand';
import type { TokenizerMetrics } from '../tokenizer/metrics';
import type { LossCurves, TokenizerKind } from '../tokenizer/train';
import { defaults, refusal, validateConfig, type FieldError } from '../stages/schema';
import { TOKENIZER_SCHEMA, type TokenizerStageConfig } from '../stages/tokenizer-config';
import type { TokenizerDataInfo } from '../stages/tokenizer';
import type { RunRecord, StageProgress } from '../stages/types';
import type { ExplorerData, PrefixItem } from '../worker/tokenizer-api';
import type { Store } from './store';

/** The tokenizer stage's settings (schema: src/stages/tokenizer.ts) + which kinds the Train button runs, one run each. */
export type TokenizerSettings = Omit<TokenizerStageConfig, 'kind'> & { kinds: TokenizerKind[] };

export const TOKENIZER_SETTINGS_DEFAULTS: TokenizerSettings = (() => {
  const { kind: _kind, ...rest } = defaults(TOKENIZER_SCHEMA);
  return { ...rest, kinds: ['crq-vae', 'rq-vae', 'rq-kmeans'] };
})();

export interface TokenizerRunSummary {
  kind: TokenizerKind;
  metrics: TokenizerMetrics;
  curves: LossCurves;
  collisions: { items: number; groups: number; maxGroup: number; rate: number };
  reseeded: number[];
  steps: number;
  stoppedEarly: boolean;
  seconds: number;
  backend: string;
}

export interface RunView {
  kind: TokenizerKind;
  /** the stage run (src/stages) this view shows */
  runId?: string;
  step: number;
  steps: number;
  curves: LossCurves;
  /** latest per-level code usage counts (D × K), for the heatmap */
  usage: number[][];
  utilisation: number[];
  reseeded: number[];
  done: boolean;
  summary?: TokenizerRunSummary;
  /** restored from browser storage after a reload: metrics and curves only, the model is not in the worker */
  restored?: boolean;
}

export interface TokenizerState {
  settings: TokenizerSettings;
  /** precomputed embedding files chosen by the user (names/sizes; the File objects stay outside the store) */
  embeddings: { name: string; size: number }[];
  status: 'idle' | 'loading' | 'training' | 'stopping' | 'done' | 'error';
  error: string | null;
  /** settings refused by validation (field + allowed range): nothing was started */
  fieldErrors: FieldError[];
  info: TokenizerDataInfo | null;
  runs: Partial<Record<TokenizerKind, RunView>>;
  /** the kind currently training */
  current: TokenizerKind | null;
  explorer: {
    kind: TokenizerKind | null;
    method: 'pca' | 'umap';
    status: 'idle' | 'loading' | 'ready' | 'error';
    error: string | null;
    data: ExplorerData | null;
    prefix: number[] | null;
    items: PrefixItem[];
    itemsTotal: number;
  };
}

export interface TokenizerSlice {
  tokenizer: TokenizerState;
  setTokenizerSettings(patch: Partial<TokenizerSettings>): void;
  trainTokenizers(): Promise<void>;
  stopTokenizers(): Promise<void>;
  /** precomputed item embeddings (.npy / .safetensors / CSV `video_id,f0,...`) to add as feature blocks; [] clears */
  setEmbeddingFiles(files: File[]): void;
  loadExplorer(kind: TokenizerKind, method: 'pca' | 'umap'): Promise<void>;
  selectPrefix(prefix: number[] | null): Promise<void>;
  /** show a stage run (live or from storage) in the tokenizer panel */
  showTokenizerRun(rec: RunRecord, live: boolean): void;
}

/** The explorer views of the pipeline worker (an interface so tests can inject a fake). */
export interface TokenizerWorker {
  explorer(runId: string, method: 'pca' | 'umap'): Promise<ExplorerData>;
  prefixItems(runId: string, prefix: number[]): Promise<{ total: number; items: PrefixItem[] }>;
}

let worker: TokenizerWorker | null = null;
export function setTokenizerWorker(w: TokenizerWorker | null): void {
  worker = w;
}
async function getWorker(): Promise<TokenizerWorker> {
  if (worker) return worker;
  const { pipeline, call } = await import('../worker/client');
  worker = {
    explorer: (id, method) => call(pipeline().tokenizerExplorer(id, method), 'prefix explorer', 10 * 60_000),
    prefixItems: (id, prefix) => call(pipeline().tokenizerPrefixItems(id, prefix), 'prefix items'),
  };
  return worker;
}

const emptyCurves = (): LossCurves => ({ step: [], total: [], recon: [], quant: [], cont: [], utilisation: [] });

/** The embedding files themselves (Blobs are kept out of the store). */
let embeddingFiles: File[] = [];

export const initialTokenizerState: TokenizerState = {
  settings: TOKENIZER_SETTINGS_DEFAULTS,
  embeddings: [],
  status: 'idle',
  error: null,
  fieldErrors: [],
  info: null,
  runs: {},
  current: null,
  explorer: { kind: null, method: 'pca', status: 'idle', error: null, data: null, prefix: null, items: [], itemsTotal: 0 },
};

/** The stage config of one kind's run. */
export const tokenizerRunConfig = (s: TokenizerSettings, kind: TokenizerKind): TokenizerStageConfig => {
  const { kinds: _k, ...rest } = s;
  return { ...rest, kind };
};

/** Validation of the settings for every selected kind (empty = can start). */
export function tokenizerFieldErrors(s: TokenizerSettings): FieldError[] {
  if (!s.kinds.length) return [{ field: 'kinds', message: 'choose at least one tokenizer' }];
  return validateConfig(TOKENIZER_SCHEMA, tokenizerRunConfig(s, s.kinds[0])).errors;
}

/** Loss curves of the panel from a run's scalar curves. */
function lossCurves(rec: RunRecord): LossCurves {
  const c = rec.summary?.curves;
  if (!c) return emptyCurves();
  const get = (s: { step: number[]; series: Record<string, (number | null)[]> }, k: string) => s.series[k] ?? s.step.map(() => null);
  const levels = Object.keys(c.series).filter((k) => /^util\d+$/.test(k)).sort();
  const v = c.valid;
  return {
    step: c.step,
    total: get(c, 'total') as number[],
    recon: get(c, 'recon') as number[],
    quant: get(c, 'quant') as number[],
    cont: get(c, 'cont'),
    utilisation: c.step.map((_, i) => levels.map((k) => c.series[k][i] ?? 0)),
    ...(v ? { valid: { step: v.step, total: get(v, 'total') as number[], recon: get(v, 'recon') as number[], quant: get(v, 'quant') as number[], cont: get(v, 'cont') } } : {}),
  };
}

function infoOf(rec: RunRecord): TokenizerDataInfo {
  const i = rec.inputs;
  return { source: String(i.source), items: Number(i.items), dim: Number(i.dim), blocks: String(i.blocks), trainPairs: Number(i.trainPairs), heldOutPairs: Number(i.heldOutPairs) };
}

function summaryOf(rec: RunRecord): TokenizerRunSummary | undefined {
  const x = rec.summary?.extra as { kind: TokenizerKind; metrics: TokenizerMetrics; stoppedEarly: boolean; reseeded: number[]; collisions: TokenizerRunSummary['collisions']; backend: string } | undefined;
  if (!x?.metrics) return undefined;
  return { kind: x.kind, metrics: x.metrics, curves: lossCurves(rec), collisions: x.collisions, reseeded: x.reseeded, steps: rec.step, stoppedEarly: x.stoppedEarly, seconds: rec.seconds, backend: x.backend };
}

export const createTokenizerSlice: StateCreator<Store, [], [], TokenizerSlice> = (set, get) => {
  const patch = (p: Partial<TokenizerState>) => set((s) => ({ tokenizer: { ...s.tokenizer, ...p } }));
  const patchRun = (kind: TokenizerKind, p: Partial<RunView>) =>
    set((s) => {
      const prev = s.tokenizer.runs[kind] ?? { kind, step: 0, steps: 0, curves: emptyCurves(), usage: [], utilisation: [], reseeded: [], done: false };
      return { tokenizer: { ...s.tokenizer, runs: { ...s.tokenizer.runs, [kind]: { ...prev, ...p } } } };
    });
  const patchExplorer = (p: Partial<TokenizerState['explorer']>) => set((s) => ({ tokenizer: { ...s.tokenizer, explorer: { ...s.tokenizer.explorer, ...p } } }));
  let stopping = false;

  function onProgress(kind: TokenizerKind, p: StageProgress, rec: RunRecord) {
    const run = get().tokenizer.runs[kind];
    if (run?.done && run.runId === rec.id) return; // a progress message that arrived after the run's result
    const sc = p.scalars;
    const util = Object.keys(sc).filter((k) => /^util\d+$/.test(k)).sort().map((k) => sc[k]);
    // the record carries every step's scalars so far (the worker forwards progress at most 4 times a second, and its
    // last message may arrive after the run's result): taking its curves, not appending, keeps each step exactly once
    const curves = lossCurves(rec);
    const detail = p.detail as { usage?: number[][]; reseeded?: number[] } | undefined;
    if (get().tokenizer.status === 'loading') patch({ status: 'training' });
    if (!get().tokenizer.info) patch({ info: infoOf(rec) });
    patch({ current: kind });
    patchRun(kind, { runId: rec.id, step: p.step + 1, steps: p.total, curves, usage: detail?.usage?.length ? detail.usage : run?.usage ?? [], utilisation: util, reseeded: detail?.reseeded ?? run?.reseeded ?? [] });
  }

  /** The latest finished tokenizer run of each kind comes back after a reload (metrics and curves). */
  async function restore(): Promise<void> {
    await get().refreshRuns();
    if (get().tokenizer.status !== 'idle') return;
    const seen = new Set<string>();
    for (const r of get().runs.list.filter((x) => x.stage === 'tokenizer' && (x.status === 'done' || x.status === 'stopped'))) {
      const kind = String(r.config.kind);
      if (seen.has(kind)) continue;
      seen.add(kind);
      get().showTokenizerRun(r, false);
    }
    if (seen.size) patch({ status: 'done' });
  }
  if (typeof window !== 'undefined' && typeof indexedDB !== 'undefined') setTimeout(() => void restore(), 0);

  return {
    tokenizer: initialTokenizerState,

    setEmbeddingFiles(files) {
      embeddingFiles = [...files];
      patch({ embeddings: files.map((f) => ({ name: f.name, size: f.size })) });
    },

    setTokenizerSettings(p) {
      const settings = { ...get().tokenizer.settings, ...p };
      patch({ settings, fieldErrors: get().tokenizer.fieldErrors.length ? tokenizerFieldErrors(settings) : [] });
    },

    showTokenizerRun(rec, live) {
      const kind = rec.config.kind as TokenizerKind;
      const summary = summaryOf(rec);
      patchRun(kind, { runId: rec.id, done: rec.status === 'done' || rec.status === 'stopped', summary, curves: lossCurves(rec), step: rec.step, steps: rec.total, restored: !live });
      patch({ info: infoOf(rec) });
    },

    async trainTokenizers() {
      const st = get().tokenizer;
      if (st.status === 'training' || st.status === 'loading') return;
      const refused = refusal(tokenizerFieldErrors(st.settings));
      if (refused) return patch(refused);
      stopping = false;
      patch({ status: 'loading', error: null, fieldErrors: [], runs: {}, info: null, current: null, explorer: initialTokenizerState.explorer });
      const extras =
        st.settings.source === 'dataset' && embeddingFiles.length
          ? { embeddings: await Promise.all(embeddingFiles.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))) }
          : undefined;
      for (const kind of st.settings.kinds) {
        if (stopping) break;
        const rec = await get().startRun('tokenizer', tokenizerRunConfig(st.settings, kind), extras, {
          onProgress: (p, r) => onProgress(kind, p, r),
        });
        if (!rec) {
          const r = get().runs;
          patch({ status: 'error', current: null, error: r.error, fieldErrors: r.fieldErrors });
          return;
        }
        get().showTokenizerRun(rec, true);
      }
      patch({ current: null, status: 'done' });
    },

    async stopTokenizers() {
      if (get().tokenizer.status !== 'training' && get().tokenizer.status !== 'loading') return;
      stopping = true;
      patch({ status: 'stopping' });
      await get().stopRun();
    },

    async loadExplorer(kind, method) {
      patchExplorer({ kind, method, status: 'loading', error: null, prefix: null, items: [], itemsTotal: 0 });
      try {
        const id = get().tokenizer.runs[kind]?.runId;
        if (!id) throw new Error(`${kind} has not been trained yet`);
        const data = await (await getWorker()).explorer(id, method);
        if (get().tokenizer.explorer.kind === kind && get().tokenizer.explorer.method === method) patchExplorer({ data, status: 'ready' });
      } catch (e) {
        patchExplorer({ status: 'error', error: (e as Error).message });
      }
    },

    async selectPrefix(prefix) {
      const kind = get().tokenizer.explorer.kind;
      if (!kind || !prefix) {
        patchExplorer({ prefix: null, items: [], itemsTotal: 0 });
        return;
      }
      patchExplorer({ prefix });
      try {
        const id = get().tokenizer.runs[kind]?.runId;
        if (!id) throw new Error(`${kind} has not been trained yet`);
        const r = await (await getWorker()).prefixItems(id, prefix);
        patchExplorer({ items: r.items, itemsTotal: r.total });
      } catch (e) {
        patchExplorer({ error: (e as Error).message });
      }
    },
  };
};

// ------------------------------------------------------------------ selectors (plain arrays for the panels)

/** Metrics table rows in a fixed order (CRQ-VAE, RQ-VAE, RQ-KMeans), finished runs only. */
export function metricsRows(t: TokenizerState): { kind: TokenizerKind; m: TokenizerMetrics; seconds: number; backend: string; stoppedEarly: boolean; restored: boolean }[] {
  const order: TokenizerKind[] = ['crq-vae', 'rq-vae', 'rq-kmeans'];
  return order.flatMap((k) => {
    const s = t.runs[k]?.summary;
    return s ? [{ kind: k, m: s.metrics, seconds: s.seconds, backend: s.backend, stoppedEarly: s.stoppedEarly, restored: !!t.runs[k]?.restored }] : [];
  });
}

/** The largest level-1 prefixes of the explorer's sunburst: [{code, items}] by decreasing size. */
export function topLevel1(t: TokenizerState, k = 12): { code: number; items: number }[] {
  const sb = t.explorer.data?.sunburst;
  if (!sb) return [];
  const out: { code: number; items: number }[] = [];
  sb.ids.forEach((id, i) => {
    if (sb.parents[i] === '') out.push({ code: Number(id), items: sb.values[i] });
  });
  return out.sort((a, b) => b.items - a.items || a.code - b.code).slice(0, k);
}

export const KIND_LABEL: Record<TokenizerKind, string> = { 'crq-vae': 'CRQ-VAE', 'rq-vae': 'RQ-VAE', 'rq-kmeans': 'RQ-KMeans' };
