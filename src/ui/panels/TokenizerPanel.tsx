import { StagePlaceholder } from '../components/StagePlaceholder';

export default function TokenizerPanel() {
  return (
    <StagePlaceholder
      title="Tokenizer"
      stage={2}
      filledBy="the tokenizer issue (item tokenization stage, tokenizer engineer)"
      paper="§3.3 Contrastive RQ-VAE (CRQ-VAE); Table 2"
      planned={[
        'train CRQ-VAE on item features on the GPU, with RQ-VAE and RQ-Kmeans as baselines',
        'loss curves (reconstruction, commitment, prefix-level InfoNCE) per layer',
        'codebook usage per layer; collision rate, consistency and concentration (paper Table 2)',
      ]}
    />
  );
}
