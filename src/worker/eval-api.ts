// Evaluation views of the pipeline worker (spread into its Comlink api by one line in pipeline.worker.ts): the Table 1
// models the Evaluation panel can train. Training goes through the stage layer (src/stages/table1-model.ts via
// stageRun, one run per model × seed, inputs assembled by the data worker from the current dataset); the panel builds
// the table from the finished runs (src/eval/runs-table.ts).
import { MODELS } from '../eval/registry';

export function registeredModels(): { id: string; label: string; objective: string }[] {
  // generative SID models (TIGER, OneRec-style, ListCVAE) need a SID table, which the table1-model stage does not assemble yet
  return MODELS.filter((m) => !m.needsSids).map((m) => ({ id: m.id, label: m.label, objective: m.objective }));
}

export function evalApi() {
  return {
    async evalModels(): Promise<{ id: string; label: string; objective: string }[]> {
      return registeredModels();
    },
  };
}
