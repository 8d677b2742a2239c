// The stage/run layer's types. A stage = one trained thing (tokenizer, slate decoder, a baseline, alignment …):
//   schema    typed settings (defaults, bounds, messages) read by the UI, the URL and the CLI
//   assemble  current dataset (+ cfg) → inputs (plain typed arrays), runs where the data lives (data worker, CLI)
//   run       inputs, cfg, ctx → result; reports scalar progress, honours ctx.signal, saves/resumes ctx.checkpoint
//   summarise result → what a run record keeps (metrics, curves), small and structured-cloneable
// A run is keyed by (stage, config hash, seed, dataset fingerprint, backend); the runner (runner.ts) owns its
// lifecycle: record, checkpoints, divergence detection.
import type { DataWorkspace } from '../data/workspace';
import type { Dataset } from '../data/dataset';
import type { ConfigSchema } from './schema';

/** Steps between two checkpoints of a run unless the caller says otherwise (pipeline worker, `higr run --checkpoint-every`). */
export const CHECKPOINT_EVERY = 10;

export interface StageProgress {
  step: number;
  total: number;
  /** named scalars at this step (loss terms, utilisation …); the runner stops the run when one becomes NaN/Inf or explodes */
  scalars: Record<string, number>;
  /** held-out scalars measured at this step (validation recall …): kept as the run's held-out curves (`curves.valid`) */
  valid?: Record<string, number>;
  /** optional non-scalar live data for the stage's own panel (e.g. code-usage heatmaps); not stored */
  detail?: unknown;
}

/**
 * What a stage's training loop saves to resume: weights, optimizer state, and `step` = the next step to run; any other
 * structured-cloneable fields (RNG state, bookkeeping).
 */
export interface CheckpointHooks<C extends { step: number } = { step: number }> {
  /** save every this many steps (the loop decides where exactly; 0 = never) */
  every: number;
  /** the checkpoint to continue from (resume after a reload / a lost device) */
  resume?: C;
  save(c: C): Promise<void>;
}

export interface RunContext<C extends { step: number } = { step: number }> {
  onProgress(p: StageProgress): void;
  signal?: AbortSignal;
  checkpoint?: CheckpointHooks<C>;
}

/** The data a stage assembles its inputs from: the workspace of loaded files and the current dataset. */
export interface StageData {
  workspace: DataWorkspace;
  dataset?: Dataset;
  /** name of the current source file; `bundled` = it came with the app */
  source?: { name: string; bundled: boolean };
  /** identity of the loaded files + protocol (see datasetFingerprint) */
  fingerprint: string;
  /** the run store, for stages that build on an earlier run's kept result (e.g. SIDs of a finished tokenizer run) */
  store?: import('./run-store').RunStore;
  /** the backend the run will train on, selected before assembly (`higr run`) and why: inputs trained while assembling
   * (the on-the-fly SID tokenizer) use it and record the reason; absent in the browser's data worker */
  backend?: { kind: string; reason: string };
}

/** Curves kept with a run: x = step, one series per scalar (null = not reported at that step). */
export interface RunCurves {
  step: number[];
  series: Record<string, (number | null)[]>;
  /** held-out curves (evaluated on data the run does not train on), same layout */
  valid?: { step: number[]; series: Record<string, (number | null)[]> };
}

export interface RunSummary {
  /** final figures, flat (the Runs view shows them side by side) */
  metrics: Record<string, number | null>;
  curves: RunCurves;
  /** anything else small the stage's panel needs to redraw the run */
  extra?: unknown;
}

export interface StageEntry<Cfg extends Record<string, unknown> = Record<string, unknown>, Inputs = unknown, Result = unknown, Ck extends { step: number } = { step: number }> {
  id: string;
  title: string;
  schema: ConfigSchema;
  /** may be async (feature extraction); `extras` carries stage-specific uploads (e.g. embedding files) */
  assemble(data: StageData, cfg: Cfg, extras?: unknown): Promise<Inputs>;
  /** short description of the assembled inputs (item count, source) shown with the run */
  describeInputs(inputs: Inputs): Record<string, string | number>;
  /** buffers of the inputs that can be transferred between workers */
  transferables?(inputs: Inputs): ArrayBuffer[];
  /** settings that do not fit the assembled inputs (e.g. K larger than the item count): refused before the run starts */
  checkInputs?(inputs: Inputs, cfg: Cfg): import('./schema').FieldError[];
  run(inputs: Inputs, cfg: Cfg & { seed: number }, ctx: RunContext<Ck>): Promise<Result>;
  /** final metrics (+ extra); the curves are the runner's, collected from progress across resumes */
  summarise(result: Result, inputs: Inputs): Omit<RunSummary, 'curves'>;
  /** what the run store keeps of a finished or stopped run (RunStore.putResult) so later stages and views use it after
   * a reload: a tokenizer's SID table, a slate model's weights with its decoding inputs */
  keep?(result: Result, inputs: Inputs): unknown | Promise<unknown>;
  /** free what a result holds on the device (a model's weights); the pipeline worker keeps only the newest result of
   * such a stage alive, older ones are rebuilt from their kept result when needed */
  release?(result: Result): void;
}

export type RunStatus = 'running' | 'interrupted' | 'stopped' | 'done' | 'failed';

export interface RunKey {
  stage: string;
  configHash: string;
  seed: number;
  dataset: string;
  backend: string;
}

export interface RunRecord extends RunKey {
  id: string;
  /** repeats of the same key get #2, #3 … */
  repeat: number;
  config: Record<string, unknown>;
  status: RunStatus;
  step: number;
  total: number;
  createdAt: number;
  updatedAt: number;
  /** step of the last checkpoint (null = none) */
  checkpointStep: number | null;
  inputs: Record<string, string | number>;
  summary: RunSummary | null;
  /** failure / divergence message naming step and term */
  error?: string;
  seconds: number;
}
