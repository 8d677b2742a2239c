// Tokenizer slice: settings, live progress (loss curves per term, code usage), final metrics per tokenizer, and the
// prefix explorer's data. Plain data only; training runs in the pipeline worker (src/worker/tokenizer-api.ts).
import type { StateCreator } from 'zustand';
import type { LocalFeatureBlock } from '../data/item-features';
import { DEFAULT_TEXT_ENCODER } from '../data/features/text-encoder';
import type { TokenizerMetrics } from '../tokenizer/metrics';
import type { LossCurves, Progress, TokenizerKind } from '../tokenizer/train';
import type { ExplorerData, PrefixItem, TokenizerDataInfo, TokenizerRequest, TokenizerRunSummary } from '../worker/tokenizer-api';
import { persistedRuns, persistedSettings } from './persist';
import type { Store } from './store';

export interface TokenizerSettings {
  source: 'kuairec' | 'planted';
  /** first N catalogue items (0 = all 10,728) */
  maxItems: number;
  /** local item-feature blocks to combine (KuaiRec source): category multi-hot, caption n-grams, co-occurrence */
  features: LocalFeatureBlock[];
  /** opt-in, online: caption embeddings from a Hub sentence encoder (DEFAULT_TEXT_ENCODER), cached after the first download */
  textEncoder: boolean;
  kinds: TokenizerKind[];
  steps: number;
  batchSize: number;
  codebookSize: number;
  levels: number;
  latentDim: number;
  lr: number;
  eta: number;
  lambda1: number;
  lambda2: number;
  w: number[];
  tau: number;
}

export const TOKENIZER_SETTINGS_DEFAULTS: TokenizerSettings = {
  source: 'kuairec',
  maxItems: 2000,
  features: ['category', 'caption', 'cooccurrence'],
  textEncoder: false,
  kinds: ['crq-vae', 'rq-vae', 'rq-kmeans'],
  steps: 150,
  batchSize: 256,
  codebookSize: 64,
  levels: 3,
  latentDim: 32,
  lr: 2e-3,
  eta: 0.1,
  lambda1: 0.1,
  lambda2: 0.01,
  w: [1, 0.1, 0.01],
  tau: 0.1,
};

export interface RunView {
  kind: TokenizerKind;
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
}

/** What the slice needs from the worker (an interface so tests can inject a fake). */
export interface TokenizerWorker {
  train(req: TokenizerRequest, onProgress: (p: Progress & { info?: TokenizerDataInfo }) => void, onResult: (r: TokenizerRunSummary) => void): Promise<{ info: TokenizerDataInfo; runs: TokenizerRunSummary[] }>;
  stop(): Promise<boolean>;
  explorer(kind: TokenizerKind, method: 'pca' | 'umap'): Promise<ExplorerData>;
  prefixItems(kind: TokenizerKind, prefix: number[]): Promise<{ total: number; items: PrefixItem[] }>;
}

let worker: TokenizerWorker | null = null;
export function setTokenizerWorker(w: TokenizerWorker | null): void {
  worker = w;
}
async function getWorker(): Promise<TokenizerWorker> {
  if (worker) return worker;
  const [{ pipeline, call }, Comlink] = await Promise.all([import('../worker/client'), import('comlink')]);
  const hour = 3_600_000;
  worker = {
    train: (req, onProgress, onResult) => call(pipeline().tokenizerTrain(req, Comlink.proxy(onProgress), Comlink.proxy(onResult)), 'tokenizer training', 6 * hour),
    stop: () => call(pipeline().tokenizerStop(), 'tokenizer stop'),
    explorer: (kind, method) => call(pipeline().tokenizerExplorer(kind, method), 'prefix explorer', 10 * 60_000),
    prefixItems: (kind, prefix) => call(pipeline().tokenizerPrefixItems(kind, prefix), 'prefix items'),
  };
  return worker;
}

/** `RunRecord.kind` of tokenizer runs in browser storage (src/state/persist.ts). */
const RUN_KIND = 'tokenizer';

const emptyCurves = (): LossCurves => ({ step: [], total: [], recon: [], quant: [], cont: [], utilisation: [] });

/** The chosen embedding files themselves (Blobs are kept out of the store). */
let embeddingFiles: File[] = [];

export const initialTokenizerState: TokenizerState = {
  settings: TOKENIZER_SETTINGS_DEFAULTS,
  embeddings: [],
  status: 'idle',
  error: null,
  info: null,
  runs: {},
  current: null,
  explorer: { kind: null, method: 'pca', status: 'idle', error: null, data: null, prefix: null, items: [], itemsTotal: 0 },
};

/** The worker request for the current settings and seed. */
export function tokenizerRequest(s: TokenizerSettings, seed: number, dataBase?: string): TokenizerRequest {
  return {
    source: s.source,
    dataBase,
    maxItems: s.maxItems,
    features: s.features,
    textEncoder: s.textEncoder ? DEFAULT_TEXT_ENCODER : undefined,
    kinds: s.kinds,
    config: {
      seed,
      steps: s.steps,
      batchSize: s.batchSize,
      pairsPerBatch: Math.max(1, Math.floor(s.batchSize / 4)),
      lr: s.lr,
      logEvery: 5,
      initBatch: Math.max(512, 4 * s.codebookSize),
      model: { codebookSize: s.codebookSize, levels: s.levels, latentDim: s.latentDim, hidden: [128], eta: s.eta, lambda1: s.lambda1, lambda2: s.lambda2, w: s.w, tau: s.tau, deadAfter: 25 },
      kmeans: { iters: 10 },
    },
  };
}

export const createTokenizerSlice: StateCreator<Store, [], [], TokenizerSlice> = (set, get) => {
  const patch = (p: Partial<TokenizerState>) => set((s) => ({ tokenizer: { ...s.tokenizer, ...p } }));
  const patchRun = (kind: TokenizerKind, p: Partial<RunView>) =>
    set((s) => {
      const prev = s.tokenizer.runs[kind] ?? { kind, step: 0, steps: 0, curves: emptyCurves(), usage: [], utilisation: [], reseeded: [], done: false };
      return { tokenizer: { ...s.tokenizer, runs: { ...s.tokenizer.runs, [kind]: { ...prev, ...p } } } };
    });
  const patchExplorer = (p: Partial<TokenizerState['explorer']>) => set((s) => ({ tokenizer: { ...s.tokenizer, explorer: { ...s.tokenizer.explorer, ...p } } }));

  /** Settings and finished runs (metrics, curves) of the last session come back after a reload. */
  async function restore(): Promise<void> {
    const settings = persistedSettings.get<Partial<TokenizerSettings>>('tokenizer.settings');
    if (settings) patch({ settings: { ...get().tokenizer.settings, ...settings } });
    const records = await persistedRuns.list(RUN_KIND).catch(() => []);
    if (!records.length || get().tokenizer.status !== 'idle') return;
    for (const r of records) {
      const saved = r.summary as { view: RunView; info: TokenizerDataInfo | null } | undefined;
      if (saved?.view) patchRun(saved.view.kind, { ...saved.view, restored: true });
      if (saved?.info && !get().tokenizer.info) patch({ info: saved.info });
    }
    patch({ status: 'done' });
  }
  if (typeof window !== 'undefined' && typeof indexedDB !== 'undefined') setTimeout(() => void restore(), 0);

  return {
    tokenizer: initialTokenizerState,

    setEmbeddingFiles(files) {
      embeddingFiles = [...files];
      patch({ embeddings: files.map((f) => ({ name: f.name, size: f.size })) });
    },

    setTokenizerSettings(p) {
      patch({ settings: { ...get().tokenizer.settings, ...p } });
      persistedSettings.set('tokenizer.settings', get().tokenizer.settings);
    },

    async trainTokenizers() {
      const st = get().tokenizer;
      if (st.status === 'training' || st.status === 'loading') return;
      patch({ status: 'loading', error: null, runs: {}, current: null, explorer: initialTokenizerState.explorer });
      const base = typeof document !== 'undefined' ? new URL('data/', document.baseURI).href : undefined;
      const req = tokenizerRequest(st.settings, get().url.seed, base);
      if (st.settings.source === 'kuairec' && embeddingFiles.length)
        req.embeddings = await Promise.all(embeddingFiles.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      try {
        for (const r of await persistedRuns.list(RUN_KIND).catch(() => [])) await persistedRuns.remove(r.id);
        const w = await getWorker();
        const res = await w.train(
          req,
          (p) => {
            const run = get().tokenizer.runs[p.kind];
            const c = run?.curves ?? emptyCurves();
            const curves: LossCurves = {
              step: [...c.step, p.step],
              total: [...c.total, p.losses.total],
              recon: [...c.recon, p.losses.recon],
              quant: [...c.quant, p.losses.quant],
              cont: [...c.cont, p.losses.cont],
              utilisation: [...c.utilisation, p.utilisation],
            };
            if (get().tokenizer.status === 'loading') patch({ status: 'training' });
            if (p.info && !get().tokenizer.info) patch({ info: p.info });
            patch({ current: p.kind });
            patchRun(p.kind, { step: p.step + 1, steps: p.steps, curves, usage: p.usage.length ? p.usage : run?.usage ?? [], utilisation: p.utilisation, reseeded: p.reseeded });
          },
          (r) => {
            patchRun(r.kind, { done: true, summary: r, curves: r.curves, step: r.steps, steps: Math.max(r.steps, get().tokenizer.runs[r.kind]?.steps ?? 0) });
            const view = get().tokenizer.runs[r.kind]!;
            const now = Date.now();
            void persistedRuns
              .put({ id: `${RUN_KIND}:${r.kind}`, kind: RUN_KIND, createdAt: now, updatedAt: now, status: 'done', step: r.steps, totalSteps: r.steps, seed: req.config.seed ?? 0, config: req, summary: { view, info: get().tokenizer.info } })
              .catch(() => undefined);
          },
        );
        patch({ info: res.info, current: null, status: 'done' });
      } catch (e) {
        patch({ status: 'error', current: null, error: (e as Error).message ?? String(e) });
      }
    },

    async stopTokenizers() {
      if (get().tokenizer.status !== 'training' && get().tokenizer.status !== 'loading') return;
      patch({ status: 'stopping' });
      await (await getWorker()).stop();
    },

    async loadExplorer(kind, method) {
      patchExplorer({ kind, method, status: 'loading', error: null, prefix: null, items: [], itemsTotal: 0 });
      try {
        const data = await (await getWorker()).explorer(kind, method);
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
        const r = await (await getWorker()).prefixItems(kind, prefix);
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
