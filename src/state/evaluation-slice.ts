// Evaluation (stage 7) state: the form (models, seeds and the table1-model stage's settings; schema in
// src/stages/table1-config.ts, in the URL as `ev.` keys) and the progress of the current batch of runs. Each model ×
// seed is one stage run (runs slice: validate → assemble in the data worker from the current dataset → run in the
// pipeline worker); the table is built from the finished runs (src/eval/runs-table.ts), so it survives a reload.
// The batch itself (which model × seed runs, how far it got) is kept in localStorage: a page reloaded mid-batch
// continues it on start — the interrupted run resumes from its checkpoint (every trained model checkpoints: the SID
// models and the sequence baselines); a run cut before its first checkpoint, or a counting baseline (instant, none),
// starts again as the same run. The panel says which (`notice`).
import type { StateCreator } from 'zustand';
import { configHash, defaults, refusal, validateConfig, type FieldError } from '../stages/schema';
import { EVALUATION_FORM_SCHEMA, SID_SETTING_KEYS, TABLE1_DETERMINISTIC, TABLE1_MODEL_VALUES, TABLE1_SCHEMA, TABLE1_SID_MODELS, table1RunConfig, type EvaluationSettings, type Table1StageConfig } from '../stages/table1-config';
import { table1FromRuns, type RunsTable } from '../eval/runs-table';
import { CHECKPOINT_EVERY, type RunRecord } from '../stages/types';
import type { Store } from './store';

export const EVALUATION_DEFAULTS: EvaluationSettings = defaults(EVALUATION_FORM_SCHEMA);


export interface EvaluationState {
  settings: EvaluationSettings;
  fieldErrors: FieldError[];
  status: 'idle' | 'running' | 'stopping' | 'done' | 'error';
  error: string | null;
  progress: { model: string; seed: number; step: number; total: number; loss?: number; run: number; runs: number; checkpoint: number | null } | null;
  models: { id: string; label: string; objective: string; needsSids: boolean; resumable: boolean }[];
  /** what happened to a batch cut by a reload (resumed from a checkpoint / restarted from the start); null otherwise */
  notice: string | null;
}

export interface EvaluationSlice {
  evaluation: EvaluationState;
  setEvaluationSettings(p: Partial<EvaluationSettings>): void;
  loadEvaluationModels(): Promise<void>;
  startEvaluation(): Promise<void>;
  stopEvaluation(): Promise<void>;
  /** Continue a batch cut by a reload (called once on start; nothing to do without a stored batch). */
  continueEvaluation(): Promise<void>;
}

/** A batch of runs in progress, kept in localStorage so a reload does not lose it. */
export interface EvaluationBatch {
  settings: EvaluationSettings;
  jobs: { m: Table1StageConfig['model']; seed: number }[];
  /** index of the job running (or next to run) */
  next: number;
}

const BATCH_KEY = 'higr.evaluation.batch';
function saveBatch(b: EvaluationBatch | null): void {
  try {
    if (b) globalThis.localStorage?.setItem(BATCH_KEY, JSON.stringify(b));
    else globalThis.localStorage?.removeItem(BATCH_KEY);
  } catch {
    // storage unavailable (private mode): the batch is not kept across reloads
  }
}
export function loadBatch(): EvaluationBatch | null {
  try {
    const raw = globalThis.localStorage?.getItem(BATCH_KEY);
    const b = raw ? (JSON.parse(raw) as EvaluationBatch) : null;
    return b && Array.isArray(b.jobs) && Number.isInteger(b.next) && b.settings ? b : null;
  } catch {
    return null;
  }
}

/** The run key's config hash of one job (how a reloaded page finds the job's interrupted record). */
const jobHash = (b: EvaluationBatch, m: Table1StageConfig['model']) => configHash(TABLE1_SCHEMA, validateConfig(TABLE1_SCHEMA, table1RunConfig(b.settings, m)).value);

export function evaluationFieldErrors(s: EvaluationSettings): FieldError[] {
  return validateConfig(EVALUATION_FORM_SCHEMA, s).errors;
}

/** The seeds the form asks for (from the URL seed). */
export const evaluationSeeds = (s: EvaluationSettings, seed: number) => Array.from({ length: s.seeds }, (_, i) => seed + i);

/** The table of the finished runs this form describes (selector). */
export function evaluationTable(list: RunRecord[], s: EvaluationSettings, seed: number): RunsTable {
  const { model: _m, ...settings } = table1RunConfig(s, 'pop');
  return table1FromRuns(list, settings, evaluationSeeds(s, seed), TABLE1_MODEL_VALUES, { keys: SID_SETTING_KEYS, models: TABLE1_SID_MODELS });
}

export const createEvaluationSlice: StateCreator<Store, [], [], EvaluationSlice> = (set, get, store) => {
  const patch = (p: Partial<EvaluationState>) => set((s) => ({ evaluation: { ...s.evaluation, ...p } }));
  let stopping = false;
  const label = (m: string) => get().evaluation.models.find((x) => x.id === m)?.label ?? m;
  const trained = (m: string) => !TABLE1_DETERMINISTIC.includes(m);

  /** Run the batch's jobs from `b.next`; `reloaded`: the first of them was cut by a reload (resume or restart it). */
  async function runBatch(b: EvaluationBatch, reloaded: boolean): Promise<void> {
    stopping = false;
    patch({ status: 'running', error: null, fieldErrors: [], progress: null });
    const runs = b.jobs.length;
    for (let i = b.next; i < runs; i++) {
      if (stopping) break;
      const { m, seed } = b.jobs[i];
      const cfg = table1RunConfig(b.settings, m);
      // a job cut by the reload: its record first, so the status line never shows step 0 for a run that resumes
      const cut = reloaded && i === b.next ? await interruptedRecord(b, m, seed) : null;
      patch({ progress: { model: m, seed, step: cut?.checkpointStep ?? 0, total: cut?.total ?? 0, run: i + 1, runs, checkpoint: cut?.checkpointStep ?? null } });
      const hooks = {
        seed,
        onProgress: (p: { step: number; total: number; scalars: Record<string, number> }, r: { checkpointStep: number | null }) =>
          patch({ progress: { model: m, seed, step: p.step + 1, total: p.total, loss: p.scalars.loss, run: i + 1, runs, checkpoint: r.checkpointStep } }),
      };
      let rec;
      if (cut?.status === 'done') rec = cut; // it finished just before the reload
      else if (cut) {
        // the same run continues: from its checkpoint, or from step 0 when it had none yet
        const why = trained(m) ? `it was cut before its first checkpoint (one every ${CHECKPOINT_EVERY} steps)` : `${label(m)} is counted, not trained, and keeps no checkpoint`;
        patch({ notice: cut.checkpointStep !== null ? `After the reload: ${label(m)} seed ${seed} resumed from its checkpoint at step ${cut.checkpointStep} (run ${cut.id}).` : `After the reload: ${label(m)} seed ${seed} started again from step 0 as the same run (${cut.id}): ${why}.` });
        rec = await get().resumeRun(cut.id, undefined, hooks);
      } else {
        if (reloaded && i === b.next) patch({ notice: `After the reload: ${label(m)} seed ${seed} had not started training; started it now.` });
        rec = await get().startRun('table1-model', cfg, undefined, hooks);
      }
      if (!rec) {
        if (stopping) break;
        const r = get().runs;
        saveBatch(null);
        patch({ status: 'error', error: r.error, fieldErrors: r.fieldErrors, progress: null });
        return;
      }
      saveBatch({ ...b, next: i + 1 });
    }
    saveBatch(null);
    patch({ status: stopping ? 'idle' : 'done', progress: null });
  }

  /** The newest run of a job left by the reloaded page (interrupted, or still marked running, or done just before). */
  async function interruptedRecord(b: EvaluationBatch, m: Table1StageConfig['model'], seed: number) {
    await get().refreshRuns();
    const hash = jobHash(b, m);
    return get().runs.list.filter((r) => r.stage === 'table1-model' && r.seed === seed && r.configHash === hash && r.status !== 'failed').sort((a, c) => c.updatedAt - a.updatedAt)[0] ?? null;
  }

  // a batch cut by a reload continues once the page has started
  if (typeof window !== 'undefined' && typeof indexedDB !== 'undefined' && loadBatch()) setTimeout(() => void get().continueEvaluation(), 0);

  const api: EvaluationSlice = {
    evaluation: { settings: EVALUATION_DEFAULTS, fieldErrors: [], status: 'idle', error: null, progress: null, models: [], notice: null },

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
      const refused = refusal(evaluationFieldErrors(st.settings), EVALUATION_FORM_SCHEMA.fields);
      if (refused) return patch(refused);
      const seeds = evaluationSeeds(st.settings, get().url.seed);
      const jobs = TABLE1_MODEL_VALUES.filter((m) => st.settings.models.includes(m)).flatMap((m) => (TABLE1_DETERMINISTIC.includes(m) ? [seeds[0]] : seeds).map((seed) => ({ m, seed })));
      const b: EvaluationBatch = { settings: st.settings, jobs, next: 0 };
      saveBatch(b);
      patch({ notice: null });
      await runBatch(b, false);
    },

    async stopEvaluation() {
      if (get().evaluation.status !== 'running') return;
      stopping = true;
      saveBatch(null);
      patch({ status: 'stopping' });
      await get().stopRun();
    },

    async continueEvaluation() {
      const b = loadBatch();
      if (!b || get().evaluation.status === 'running' || get().evaluation.status === 'stopping') return;
      if (b.next >= b.jobs.length) return saveBatch(null);
      // the pipeline worker picks its backend once the GPU probe has answered
      await new Promise<void>((resolve) => {
        if (get().gpu.status !== 'probing') return resolve();
        const off = store.subscribe((s) => {
          if (s.gpu.status === 'probing') return;
          off();
          resolve();
        });
      });
      if (typeof window !== 'undefined') await get().loadEvaluationModels(); // the models' labels for the notice
      await runBatch(b, true);
    },
  };
  return api;
};
