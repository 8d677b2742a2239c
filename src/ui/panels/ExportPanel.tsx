import { StagePlaceholder } from '../components/StagePlaceholder';

export default function ExportPanel() {
  return (
    <StagePlaceholder
      title="Export"
      stage={8}
      filledBy="the export issue (checkpoints and model export stage)"
      paper="— (engineering: reproducibility and deployment)"
      planned={[
        'download checkpoints (config + weights, safetensors) and re-import them',
        'ONNX export of the decoder, checked with onnxruntime-web',
        'result JSON in the same format as the CLI (npm run higr)',
      ]}
    />
  );
}
