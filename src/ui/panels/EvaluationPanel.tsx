import { StagePlaceholder } from '../components/StagePlaceholder';

export default function EvaluationPanel() {
  return (
    <StagePlaceholder
      title="Evaluation"
      stage={7}
      filledBy="the evaluation issue (metrics and baselines stage)"
      paper="§4.1.2 protocol and metrics; §4.2 main results"
      planned={[
        'chronological leave-five-out on the time-ordered small matrix (history items excluded and not)',
        'hit rate, recall and NDCG at 5 for HiGR and baselines (e.g. SASRec, BERT4Rec)',
        'every number with its protocol, split, seed and adapter',
      ]}
    />
  );
}
