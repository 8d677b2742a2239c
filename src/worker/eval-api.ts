// Evaluation views of the pipeline worker (spread into its Comlink api by one line in pipeline.worker.ts): the Table 1
// models the Evaluation panel can train — every registered model, the SID models included (their SID table is
// assembled by the table1-model stage from its SID-source settings). Training goes through the stage layer
// (src/stages/table1-model.ts via stageRun, one run per model × seed, inputs assembled by the data worker from the
// current dataset); the panel builds the table from the finished runs (src/eval/runs-table.ts).
import { MODELS } from '../eval/registry';

export function registeredModels(): { id: string; label: string; objective: string; needsSids: boolean; resumable: boolean }[] {
  return MODELS.map((m) => ({ id: m.id, label: m.label, objective: m.objective, needsSids: !!m.needsSids, resumable: !!m.resumable }));
}

export function evalApi() {
  return {
    async evalModels(): Promise<ReturnType<typeof registeredModels>> {
      return registeredModels();
    },
  };
}
