// Reverse-mode autograd over the tape recorded by runOp. Gradients are computed with ops
// (so they stay on the GPU), under no-grad (no second-order derivatives).
import { Tensor, noGrad, full } from './tensor';
import type { TapeNode } from './tensor';
import { add } from './ops/elementwise';

function topo(root: Tensor): TapeNode[] {
  const order: TapeNode[] = [];
  const seen = new Set<TapeNode>();
  // iterative DFS (deep models would overflow a recursive one)
  const stack: [TapeNode, boolean][] = root.node ? [[root.node, false]] : [];
  while (stack.length) {
    const [n, done] = stack.pop()!;
    if (done) {
      order.push(n);
      continue;
    }
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push([n, true]);
    for (const i of n.inputs) if (i.node && !seen.has(i.node)) stack.push([i.node, false]);
  }
  return order; // inputs before outputs
}

/**
 * Gradients of scalar `loss` w.r.t. `params` (same order; a zero-free null when a param does not
 * reach the loss). `seed` replaces d(loss)/d(loss)=1 for non-scalar roots.
 */
export function grad(loss: Tensor, params: Tensor[], seed?: Tensor): (Tensor | null)[] {
  if (!loss.requiresGrad) throw new Error('grad: the loss does not depend on any tensor with requiresGrad');
  if (!seed && loss.size !== 1) throw new Error(`grad: loss must be a scalar (got shape [${loss.shape}]); pass a seed`);
  return noGrad(() => {
    const grads = new Map<number, Tensor>();
    grads.set(loss.id, seed ?? full(loss.shape, 1));
    const nodes = topo(loss);
    for (let k = nodes.length - 1; k >= 0; k--) {
      const n = nodes[k];
      const gOut = n.outputs.map((o) => grads.get(o.id) ?? null);
      if (gOut.every((g) => g === null)) continue;
      if (n.def.backward === 'nondiff') continue;
      const gIn = n.def.backward({ inputs: n.inputs, outputs: n.outputs, grads: gOut, attrs: n.attrs });
      n.inputs.forEach((inp, i) => {
        const g = gIn[i];
        if (!g || !inp.requiresGrad) return;
        if (g.shape.length !== inp.shape.length || g.shape.some((d, j) => d !== inp.shape[j])) {
          throw new Error(`${n.def.name}.backward: gradient shape [${g.shape}] != input shape [${inp.shape}]`);
        }
        const prev = grads.get(inp.id);
        grads.set(inp.id, prev ? add(prev, g) : g);
      });
    }
    return params.map((p) => grads.get(p.id) ?? null);
  });
}

/** Mark tensors as trainable leaves. */
export function param(t: Tensor, name?: string): Tensor {
  t.requiresGrad = true;
  t.keep();
  if (name) t.name = name;
  return t;
}
