import { StagePlaceholder } from '../components/StagePlaceholder';

export default function AlignmentPanel() {
  return (
    <StagePlaceholder
      title="Alignment"
      stage={6}
      filledBy="the alignment issue (preference post-training stage)"
      paper="§3.5 multi-objective preference alignment (ORPO); Table 4"
      planned={[
        'slate-level reference pairs: positives reranked by feedback, negatives per objective',
        'post-training with ORPO, DPO and SimPO; loss and log-odds curves',
        'before/after metrics on the same split and seed',
      ]}
    />
  );
}
