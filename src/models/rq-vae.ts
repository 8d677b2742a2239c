// RQ-VAE (TIGER-style baseline, paper Eq. 2): the same network as CRQ-VAE (ResidualVAE in crq-vae.ts),
// trained with  L = L_recon + λ1·L_layer_quan  — layer-wise quantisation loss, no global term, no contrastive term.
import { add, scale, square, sub, type Tensor } from '../engine';
import { mean, sum } from '../engine/ops/reduce';
import { reconLoss, type CrqVaeConfig, type LossTerms, type VaeOut } from './crq-vae';
import { sg, type QuantizeOut } from './residual-quantizer';

export { ResidualVAE as RqVae } from './crq-vae';

/** L_layer_quan = Σ_d ‖r^{d−1} − sg(e^d)‖² + η‖e^d − sg(r^{d−1})‖² (Eq. 2). */
export function layerQuantLoss(q: QuantizeOut, eta: number): Tensor {
  let total: Tensor | null = null;
  for (let d = 0; d < q.codewords.length; d++) {
    const r = q.residuals[d];
    const e = q.codewords[d];
    const commit = mean(sum(square(sub(r, sg(e))), -1));
    const code = mean(sum(square(sub(e, sg(r))), -1));
    const term = add(commit, scale(code, eta));
    total = total ? add(total, term) : term;
  }
  return total!;
}

export function rqVaeLoss(out: VaeOut, x: Tensor, cfg: CrqVaeConfig): LossTerms {
  const recon = reconLoss(out.xHat, x);
  const quant = layerQuantLoss(out.q, cfg.eta);
  return { total: add(recon, scale(quant, cfg.lambda1)), recon, quant, cont: null };
}
