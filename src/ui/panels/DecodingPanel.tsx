import { StagePlaceholder } from '../components/StagePlaceholder';

export default function DecodingPanel() {
  return (
    <StagePlaceholder
      title="Decoding"
      stage={5}
      filledBy="the decoding issue (inference stage)"
      paper="§3.4.3 Greedy-Slate Beam-Item (GSBI) inference; §4.5 efficiency"
      planned={[
        'generate a slate for a chosen user with GSBI (beam width B) and with full beam search',
        'per-item beams and the greedy top-1 chosen for the planner',
        'latency per slate on the current adapter',
      ]}
    />
  );
}
