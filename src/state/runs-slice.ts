// Runs slice: every stage run (tokenizer now; slate decoder, baselines, alignment next) as a first-class object.
// Start = validate the settings (field errors, nothing starts) → assemble inputs from the current dataset in the data
// worker → run in the pipeline worker (record + checkpoints in IndexedDB). The list comes from the run store, so runs
// of earlier sessions are there after a reload; a run left "running" by a closed page is "interrupted" and resumable.
import type { StateCreator } from 'zustand';
import { stageSchema } from '../stages/schemas';
import { validateConfig, type FieldError } from '../stages/schema';
import { indexedDbRunStore, memoryRunStore, storageEstimate, type RunStore } from '../stages/run-store';
import type { RunRecord, StageProgress } from '../stages/types';
import type { StageRunOptions } from '../worker/stage-api';
import type { Store } from './store';

/** What the slice needs from the two workers (an interface so Node tests run it in-process). */
export interface StageHost {
  run(
    stage: string,
    inputs: unknown,
    cfg: Record<string, unknown>,
    o: StageRunOptions,
    onProgress: (p: StageProgress, rec: RunRecord) => void,
    onRecord: (r: RunRecord) => void,
  ): Promise<{ record: RunRecord } | { refused: FieldError[]; message: string }>;
  stop(): Promise<boolean>;
  active(): Promise<boolean>;
  store: RunStore;
}

export interface RunHooks {
  /** seed of a new run (default: the URL seed); the Evaluation panel runs seed, seed + 1, … */
  seed?: number;
  onProgress?(p: StageProgress, rec: RunRecord): void;
  onDone?(rec: RunRecord): void;
}

export interface RunsState {
  list: RunRecord[];
  status: 'idle' | 'assembling' | 'running' | 'stopping';
  active: { id: string | null; stage: string; step: number; total: number; scalars: Record<string, number> } | null;
  error: string | null;
  /** why the last start was refused (field + allowed range); empty when it started */
  fieldErrors: FieldError[];
  /** ids ticked for comparison */
  compare: string[];
  storage: { usage: number; quota: number } | null;
}

export interface RunsSlice {
  runs: RunsState;
  refreshRuns(): Promise<void>;
  /** Validate, assemble, run. Resolves with the final record, or null when refused / failed (see runs.error, runs.fieldErrors). */
  startRun(stage: string, cfg: Record<string, unknown>, extras?: unknown, hooks?: RunHooks): Promise<RunRecord | null>;
  resumeRun(id: string, extras?: unknown, hooks?: RunHooks): Promise<RunRecord | null>;
  stopRun(): Promise<void>;
  deleteRun(id: string): Promise<void>;
  toggleCompare(id: string): void;
}

let host: StageHost | null = null;
export function setStageHost(h: StageHost | null): void {
  host = h;
}
async function getHost(): Promise<StageHost> {
  if (host) return host;
  const [{ pipeline, call }, Comlink] = await Promise.all([import('../worker/client'), import('comlink')]);
  const day = 24 * 3_600_000;
  host = {
    run: (stage, inputs, cfg, o, onProgress, onRecord) =>
      call(pipeline().stageRun(stage, inputs, cfg, o, Comlink.proxy(onProgress), Comlink.proxy(onRecord)) as ReturnType<StageHost['run']>, `${stage} run`, day),
    stop: () => call(pipeline().stageStop(), 'stop'),
    active: () => call(pipeline().stageActive(), 'pipeline worker'),
    store: typeof indexedDB !== 'undefined' ? indexedDbRunStore() : memoryRunStore(),
  };
  return host;
}

/** Each stage's panel shows a run that finished (also one resumed from the Runs view). */
const STAGE_VIEWS: Record<string, (s: Store, rec: RunRecord) => void> = {
  tokenizer: (s, rec) => s.showTokenizerRun(rec, true),
  'slate-decoder': (s, rec) => s.showSlateRun(rec, true),
};

export const initialRunsState: RunsState = { list: [], status: 'idle', active: null, error: null, fieldErrors: [], compare: [], storage: null };

export const createRunsSlice: StateCreator<Store, [], [], RunsSlice> = (set, get) => {
  const patch = (p: Partial<RunsState>) => set((s) => ({ runs: { ...s.runs, ...p } }));
  const upsert = (r: RunRecord) => set((s) => ({ runs: { ...s.runs, list: [r, ...s.runs.list.filter((x) => x.id !== r.id)].sort((a, b) => b.createdAt - a.createdAt) } }));
  let firstRefresh = true;

  async function launch(stage: string, cfg: Record<string, unknown>, resume: RunRecord | null, extras: unknown, hooks: RunHooks): Promise<RunRecord | null> {
    if (get().runs.status !== 'idle') {
      patch({ error: 'a run is already in progress: stop it first' });
      return null;
    }
    const seed = resume ? resume.seed : hooks.seed ?? get().url.seed;
    if (!resume) {
      const { errors } = validateConfig(stageSchema(stage), cfg);
      if (errors.length) {
        patch({ fieldErrors: errors, error: `${stage}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}` });
        return null;
      }
    }
    patch({ status: 'assembling', error: null, fieldErrors: [], active: { id: resume?.id ?? null, stage, step: resume?.checkpointStep ?? 0, total: resume?.total ?? 0, scalars: {} } });
    try {
      const h = await getHost();
      const { inputs, fingerprint } = await get().assembleStage(stage, { ...(resume ? resume.config : cfg), seed }, extras);
      patch({ status: 'running' });
      const out = await h.run(
        stage,
        inputs,
        cfg,
        { seed, dataset: fingerprint, resume: resume?.id },
        (p, r) => {
          patch({ active: { id: r.id, stage, step: p.step + 1, total: p.total, scalars: p.scalars } });
          hooks.onProgress?.(p, r);
        },
        (r) => upsert(r),
      );
      if ('refused' in out) {
        patch({ status: 'idle', active: null, fieldErrors: out.refused, error: out.message });
        return null;
      }
      const rec = out.record;
      upsert(rec);
      hooks.onDone?.(rec);
      STAGE_VIEWS[stage]?.(get(), rec);
      patch({ status: 'idle', active: null });
      void refreshStorage();
      return rec;
    } catch (e) {
      patch({ status: 'idle', active: null, error: (e as Error).message ?? String(e) });
      void get().refreshRuns();
      return null;
    }
  }

  async function refreshStorage() {
    patch({ storage: await storageEstimate().catch(() => null) });
  }

  if (typeof window !== 'undefined' && typeof indexedDB !== 'undefined') setTimeout(() => void get().refreshRuns(), 0);

  return {
    runs: initialRunsState,

    async refreshRuns() {
      const h = await getHost();
      let list = await h.store.list().catch(() => [] as RunRecord[]);
      if (firstRefresh && get().runs.status === 'idle') {
        // a fresh page: records still "running" belong to a page that was closed or reloaded mid-run
        firstRefresh = false;
        const busy = await h.active().catch(() => false);
        if (!busy)
          for (const r of list.filter((x) => x.status === 'running')) {
            r.status = 'interrupted';
            await h.store.put(r).catch(() => undefined);
          }
        list = await h.store.list().catch(() => list);
      }
      patch({ list });
      void refreshStorage();
    },

    startRun: (stage, cfg, extras, hooks = {}) => launch(stage, cfg, null, extras, hooks),

    async resumeRun(id, extras, hooks = {}) {
      const h = await getHost();
      const rec = await h.store.get(id);
      if (!rec) {
        patch({ error: `run ${id} is no longer stored` });
        return null;
      }
      return launch(rec.stage, rec.config, rec, extras, hooks);
    },

    async stopRun() {
      if (get().runs.status !== 'running' && get().runs.status !== 'assembling') return;
      patch({ status: 'stopping' });
      await (await getHost()).stop();
    },

    async deleteRun(id) {
      const h = await getHost();
      await h.store.remove(id);
      set((s) => ({ runs: { ...s.runs, list: s.runs.list.filter((r) => r.id !== id), compare: s.runs.compare.filter((c) => c !== id) } }));
      void refreshStorage();
    },

    toggleCompare(id) {
      const c = get().runs.compare;
      patch({ compare: c.includes(id) ? c.filter((x) => x !== id) : [...c, id] });
    },
  };
};

// ------------------------------------------------------------------ selectors

/** Runs ticked for comparison, in list order. */
export function comparedRuns(r: RunsState): RunRecord[] {
  return r.list.filter((x) => r.compare.includes(x.id));
}

/** Metric names present in any of the runs (the columns of the side-by-side table). */
export function metricNames(runs: RunRecord[]): string[] {
  const names = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.summary?.metrics ?? {})) names.add(k);
  return [...names];
}

export const isResumable = (r: RunRecord) => (r.status === 'interrupted' || r.status === 'stopped') && r.checkpointStep !== null;
