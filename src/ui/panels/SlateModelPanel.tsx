import { StagePlaceholder } from '../components/StagePlaceholder';

export default function SlateModelPanel() {
  return (
    <StagePlaceholder
      title="Slate model"
      stage={4}
      filledBy="the slate-model issue (hierarchical slate decoder stage)"
      paper="§3.4.1 coarse-grained slate planner, §3.4.2 fine-grained item generator"
      planned={[
        'model config as plain data (stored in every checkpoint)',
        'training on the GPU in the pipeline worker: loss curves, throughput, checkpoints',
        'ablations: SID pooling (sum/mean/max), context embedding on/off',
      ]}
    />
  );
}
