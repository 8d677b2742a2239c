// The SID tokenizer setting shared by every SID model of Table 1, `higr train`, bench:decode and the Slate model stage's
// defaults: kind, depth D, codebook size K (and the training steps of the neural kinds). Import-free, so the page
// thread's stage schema (src/stages/slate-decoder-config.ts) reads the same numbers as the CLI; SID_TOKENIZER
// (src/eval/generative.ts) adds the item features. Chosen on HSD validation recall@5 (docs/slate-decoder.md, "Ablations").
export const SID_CODES = { kind: 'rq-kmeans', levels: 3, codebookSize: 64, steps: 300 } as const;
