import { StagePlaceholder } from '../components/StagePlaceholder';

export default function PrefixPanel() {
  return (
    <StagePlaceholder
      title="Prefix explorer"
      stage={3}
      filledBy="the tokenizer issue (after the tokenizer stage is trained)"
      paper="§3.3.2 prefix-level contrastive constraints"
      planned={[
        'browse the semantic-ID prefix tree layer by layer',
        'items that share a prefix, with their KuaiRec categories and captions',
        'category purity per prefix; 2-D map (UMAP) of codeword embeddings',
      ]}
    />
  );
}
