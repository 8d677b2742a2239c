// Evaluation (stage 7) state: the form (models, seeds and the table1-model stage's settings; schema in
// src/stages/table1-config.ts, in the URL as `ev.` keys) and the progress of the current batch of runs. Each model ×
// seed is one stage run (runs slice: validate → assemble in the data worker from the current dataset → run in the
// pipeline worker); the table is built from the finished runs (src/eval/runs-table.ts), so it survives a reload.
import type { StateCreator } from 'zustand';
import { defaults, refusal, validateConfig, type FieldError } from '../stages/schema';
import { EVALUATION_FORM_SCHEMA, TABLE1_DETERMINISTIC, TABLE1_MODEL_VALUES, table1RunConfig, type EvaluationSettings } from '../stages/table1-config';
import { table1FromRuns, type RunsTable } from '../eval/runs-table';
import type { RunRecord } from '../stages/types';
import type { Store } from './store';

export const EVALUATION_DEFAULTS: EvaluationSettings = defaults(EVALUATION_FORM_SCHEMA);


export interface EvaluationState {
  settings: EvaluationSettings;
  fieldErrors: FieldError[];
  status: 'idle' | 'running' | 'stopping' | 'done' | 'error';
  error: string | null;
  progress: { model: string; seed: number; step: number; total: number; loss?: number; run: number; runs: number } | null;
  models: { id: string; label: string; objective: string }[];
}

export interface EvaluationSlice {
  evaluation: EvaluationState;
  setEvaluationSettings(p: Partial<EvaluationSettings>): void;
  loadEvaluationModels(): Promise<void>;
  startEvaluation(): Promise<void>;
  stopEvaluation(): Promise<void>;
}

export function evaluationFieldErrors(s: EvaluationSettings): FieldError[] {
  return validateConfig(EVALUATION_FORM_SCHEMA, s).errors;
}

/** The seeds the form asks for (from the URL seed). */
export const evaluationSeeds = (s: EvaluationSettings, seed: number) => Array.from({ length: s.seeds }, (_, i) => seed + i);

/** The table of the finished runs this form describes (selector). */
export function evaluationTable(list: RunRecord[], s: EvaluationSettings, seed: number): RunsTable {
  const { model: _m, ...settings } = table1RunConfig(s, 'pop');
  return table1FromRuns(list, settings, evaluationSeeds(s, seed), TABLE1_MODEL_VALUES);
}

export const createEvaluationSlice: StateCreator<Store, [], [], EvaluationSlice> = (set, get) => {
  const patch = (p: Partial<EvaluationState>) => set((s) => ({ evaluation: { ...s.evaluation, ...p } }));
  let stopping = false;
  return {
    evaluation: { settings: EVALUATION_DEFAULTS, fieldErrors: [], status: 'idle', error: null, progress: null, models: [] },

    setEvaluationSettings(p) {
      const settings = { ...get().evaluation.settings, ...p };
      patch({ settings, fieldErrors: get().evaluation.fieldErrors.length ? evaluationFieldErrors(settings) : [] });
    },

    async loadEvaluationModels() {
      if (get().evaluation.models.length) return;
      try {
        const { call, pipeline } = await import('../worker/client');
        patch({ models: await call(pipeline().evalModels(), 'evaluation models') });
      } catch (e) {
        patch({ error: (e as Error).message });
      }
    },

    async startEvaluation() {
      const st = get().evaluation;
      if (st.status === 'running' || st.status === 'stopping') return;
      const refused = refusal(evaluationFieldErrors(st.settings));
      if (refused) return patch(refused);
      stopping = false;
      const seeds = evaluationSeeds(st.settings, get().url.seed);
      const jobs = TABLE1_MODEL_VALUES.filter((m) => st.settings.models.includes(m)).flatMap((m) => (TABLE1_DETERMINISTIC.includes(m) ? [seeds[0]] : seeds).map((seed) => ({ m, seed })));
      patch({ status: 'running', error: null, fieldErrors: [], progress: null });
      for (const [i, { m, seed }] of jobs.entries()) {
        if (stopping) break;
        patch({ progress: { model: m, seed, step: 0, total: 0, run: i + 1, runs: jobs.length } });
        const rec = await get().startRun('table1-model', table1RunConfig(st.settings, m), undefined, {
          seed,
          onProgress: (p) => patch({ progress: { model: m, seed, step: p.step + 1, total: p.total, loss: p.scalars.loss, run: i + 1, runs: jobs.length } }),
        });
        if (!rec) {
          if (stopping) break;
          const r = get().runs;
          patch({ status: 'error', error: r.error, fieldErrors: r.fieldErrors, progress: null });
          return;
        }
      }
      patch({ status: stopping ? 'idle' : 'done', progress: null });
    },

    async stopEvaluation() {
      if (get().evaluation.status !== 'running') return;
      stopping = true;
      patch({ status: 'stopping' });
      await get().stopRun();
    },
  };
};
