// Multi-head attention with dropout on the attention probabilities, as torch.nn.MultiheadAttention(dropout=p) applies
// in training (SASRec's pmixer/SASRec.pytorch, BERT4Rec's attention_probs_dropout_prob):
//   P   = softmax(scale · Q Kᵀ + bias) ⊙ allowed        allowed = causal (queries aligned to the end of the keys) ⊙ keyMask
//   out = dropout(P, p, seed) · V
// With p = 0 (evaluation, or no dropout) it is the fused `attention` op itself; with p > 0 it is composed from ops that
// each have a CPU reference and a backward (matmul, softmax, seeded dropout, elementwise), so no new kernel is needed.
// Masked entries get bias −1e9 (their probability underflows to exactly 0) and are multiplied by 0 afterwards, so a
// query that sees no key outputs zeros and gets zero gradients — the same contract as the fused op.
import { add, addScalar, attention, cast, dropout, matmul, mul, reshape, scale, softmax, tensor, transpose, type AttentionOptions, type Tensor } from '../engine';

export interface AttentionDropout {
  /** Probability of zeroing an attention probability (training only; 0 = the fused op). */
  p: number;
  /** Seed of the dropout mask (vary it per call and step: `dropoutSeed`). */
  seed: number;
}

const MASKED = -1e9;

/** (B, H, T, dh) view of a packed-heads (B, T, H·dh) tensor. */
const splitHeads = (x: Tensor, H: number) => {
  const [B, T, E] = x.shape;
  return H === 1 ? reshape(x, [B, 1, T, E]) : transpose(reshape(x, [B, T, H, E / H]), [0, 2, 1, 3]);
};

/**
 * Attention of q (B, Tq, H·dh) over k, v (B, Tk, H·dh) -> (B, Tq, H·dh), with dropout `drop` on the probabilities.
 * Same options and masking as `attention` (causal alignment to the end of the keys, keyMask i32 (B, Tk)).
 */
export function attentionWithDropout(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions, drop?: AttentionDropout): Tensor {
  if (!drop || drop.p === 0) return attention(q, k, v, opts);
  const [B, Tq, E] = q.shape;
  const Tk = k.shape[1], H = opts.heads;
  if (!Number.isInteger(H) || H < 1 || E % H !== 0) throw new Error(`attentionWithDropout: heads=${H} does not divide the model dim ${E}`);
  const sc = opts.scale ?? 1 / Math.sqrt(E / H);
  // allowed (1 or B, 1, Tq, Tk): the causal pattern, times the valid keys
  const causal = new Float32Array(Tq * Tk).fill(1);
  if (opts.causal) for (let i = 0; i < Tq; i++) for (let j = i + Tk - Tq + 1; j < Tk; j++) if (j >= 0) causal[i * Tk + j] = 0;
  let allowed = tensor(causal, [1, 1, Tq, Tk]);
  if (opts.keyMask) allowed = mul(allowed, reshape(cast(opts.keyMask, 'f32'), [B, 1, 1, Tk]));
  const scores = add(scale(matmul(splitHeads(q, H), splitHeads(k, H), { transB: true }), sc), scale(addScalar(allowed, -1), -MASKED)); // (B, H, Tq, Tk)
  const P = dropout(mul(softmax(scores), allowed), drop.p, drop.seed);
  const o = matmul(P, splitHeads(v, H)); // (B, H, Tq, dh)
  return reshape(H === 1 ? o : transpose(o, [0, 2, 1, 3]), [B, Tq, E]);
}
