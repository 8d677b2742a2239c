// Reverse-mode autograd over the tape recorded by runOp. Gradients are computed with ops
// (so they stay on the GPU), under no-grad (no second-order derivatives).
import { Tensor, noGrad, full, tidy, peekTensorId } from './tensor';
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
    // Gradients are freed as soon as backward no longer needs them: each node's backward runs in its own scope (its
    // temporaries go at once), and the gradient of a node's outputs is released right after that node (every consumer
    // came earlier in reverse topological order). Only tensors created here are ever released; the requested
    // gradients are returned.
    const firstId = peekTensorId();
    const grads = new Map<number, Tensor>();
    const holders = new Map<Tensor, number>();
    const hold = (id: number, t: Tensor) => {
      grads.set(id, t);
      holders.set(t, (holders.get(t) ?? 0) + 1);
    };
    const unhold = (t: Tensor) => {
      const h = (holders.get(t) ?? 0) - 1;
      if (h > 0) holders.set(t, h);
      else {
        holders.delete(t);
        if (t.id >= firstId) t.dispose();
      }
    };
    const wanted = new Set(params.map((p) => p.id));
    hold(loss.id, seed ?? full(loss.shape, 1));
    const nodes = topo(loss);
    for (let k = nodes.length - 1; k >= 0; k--) {
      const n = nodes[k];
      const gOut = n.outputs.map((o) => grads.get(o.id) ?? null);
      if (gOut.every((g) => g === null)) continue;
      if (n.def.backward !== 'nondiff') {
        const backward = n.def.backward;
        const gIn = tidy(() => backward({ inputs: n.inputs, outputs: n.outputs, grads: gOut, attrs: n.attrs }));
        const fresh = new Set<Tensor>();
        n.inputs.forEach((inp, i) => {
          const g = gIn[i];
          if (!g) return;
          fresh.add(g);
          if (!inp.requiresGrad) return;
          if (g.shape.length !== inp.shape.length || g.shape.some((d, j) => d !== inp.shape[j])) {
            throw new Error(`${n.def.name}.backward: gradient shape [${g.shape}] != input shape [${inp.shape}]`);
          }
          const prev = grads.get(inp.id);
          if (prev) {
            grads.delete(inp.id);
            hold(inp.id, add(prev, g));
            unhold(prev);
          } else hold(inp.id, g);
        });
        // returned gradients nobody holds (accumulated into a sum, or for inputs without requiresGrad)
        for (const g of fresh) if (!holders.has(g) && g.id >= firstId) g.dispose();
      }
      for (const o of n.outputs) {
        const g = grads.get(o.id);
        if (!g || wanted.has(o.id)) continue;
        grads.delete(o.id);
        unhold(g);
      }
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
