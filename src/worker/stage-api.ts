// The pipeline worker's one method for every stage: run (or resume) a stage on assembled inputs, with the run's
// record and checkpoints kept in IndexedDB by the runner. Results stay here (by run id) for the stage's own views
// (e.g. the prefix explorer); the page gets progress, records and summaries as plain data.
import { stageEntry } from '../stages';
import { ConfigError, runStage } from '../stages/runner';
import type { FieldError } from '../stages/schema';
import { indexedDbRunStore, memoryRunStore, type RunStore } from '../stages/run-store';
import { CHECKPOINT_EVERY, type RunRecord, type StageProgress } from '../stages/types';

export interface StageRunOptions {
  seed: number;
  /** fingerprint of the dataset the inputs were assembled from */
  dataset: string;
  resume?: string;
  /** save a checkpoint every this many steps (default CHECKPOINT_EVERY) */
  checkpointEvery?: number;
}

/** Finished results of this worker session, by run id (the stage's views read them). */
export const stageResults = new Map<string, { stage: string; result: unknown; inputs: unknown }>();

let abort: AbortController | null = null;
let store: RunStore | null = null;
export const runStore = () => (store ??= typeof indexedDB !== 'undefined' ? indexedDbRunStore() : memoryRunStore());

/** `useBackend` makes the worker's selected backend current (the app's backend setting; auto = WebGPU on a hardware
 * adapter, wasm otherwise) and returns its kind. */
export function stageApi(useBackend: () => Promise<string>) {
  return {
    /** Train one stage run; progress is throttled to ≤ 4/s (plus the last step). Invalid settings come back as `refused`. */
    async stageRun(
      stage: string,
      inputs: unknown,
      cfg: Record<string, unknown>,
      o: StageRunOptions,
      onProgress?: (p: StageProgress, rec: RunRecord) => unknown,
      onRecord?: (rec: RunRecord) => unknown,
    ): Promise<{ record: RunRecord } | { refused: FieldError[]; message: string }> {
      const entry = stageEntry(stage);
      abort?.abort();
      const ac = new AbortController();
      abort = ac;
      const backend = await useBackend();
      let last = 0;
      try {
        const { record, result } = await runStage(entry, inputs, cfg, {
          store: runStore(),
          seed: o.seed,
          backend,
          dataset: o.dataset,
          resume: o.resume,
          signal: ac.signal,
          checkpointEvery: o.checkpointEvery ?? CHECKPOINT_EVERY,
          onProgress: (p, rec) => {
            const now = performance.now();
            if (now - last < 250 && p.step < p.total - 1) return;
            last = now;
            void onProgress?.(p, rec);
          },
          onRecord: (r) => void onRecord?.(r),
        });
        if (entry.release)
          for (const [id, r] of stageResults)
            if (r.stage === stage) {
              entry.release(r.result);
              stageResults.delete(id);
            }
        stageResults.set(record.id, { stage, result, inputs });
        return { record };
      } catch (e) {
        // settings that do not fit the inputs: refused before anything ran or was stored (the page shows the fields)
        if (e instanceof ConfigError) return { refused: e.errors, message: e.message };
        throw e;
      } finally {
        if (abort === ac) abort = null;
      }
    },

    /** Stop the running stage: it finishes with its state so far (status "stopped", resumable from its checkpoint). */
    stageStop(): boolean {
      if (!abort) return false;
      abort.abort();
      return true;
    },

    /** Whether a run is active in this worker (the page marks other "running" records as interrupted). */
    stageActive(): boolean {
      return abort !== null;
    },
  };
}
