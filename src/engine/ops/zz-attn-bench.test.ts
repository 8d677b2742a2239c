import { it } from 'vitest';
import { testGpu, randn } from '../testing';
import { runOp, setBackend, tensor, tidy } from '../tensor';
import { attentionDef, attentionBackwardDef, type AttentionVariant } from './attention';
it('bench', async () => {
  const be = await testGpu();
  setBackend(be);
  const shapes = [
    { name: 'cross', B: 32, Tq: 5, Tk: 50, causal: false },
    { name: 'self', B: 32, Tq: 50, Tk: 50, causal: true },
  ];
  const rows: string[] = [];
  for (const dh of [16, 32]) for (const s of shapes) {
    const H = 4, E = H * dh;
    const q = tensor(randn(s.B * s.Tq * E, 1), [s.B, s.Tq, E]).keep();
    const k = tensor(randn(s.B * s.Tk * E, 2), [s.B, s.Tk, E]).keep();
    const v = tensor(randn(s.B * s.Tk * E, 3), [s.B, s.Tk, E]).keep();
    const g = tensor(randn(s.B * s.Tq * E, 4), [s.B, s.Tq, E]).keep();
    const res: Record<string, { f: number[]; b: number[] }> = { rowwise: { f: [], b: [] }, tiled: { f: [], b: [] } };
    for (let rep = 0; rep < 5; rep++) for (const variant of ['rowwise', 'tiled'] as AttentionVariant[]) {
      const attrs = { heads: H, causal: s.causal, scale: 1 / Math.sqrt(dh), variant };
      const [o, l] = runOp(attentionDef, [q, k, v], attrs); o.keep(); l.keep();
      await be.sync();
      const N = 5;
      let t0 = performance.now();
      for (let n = 0; n < N; n++) tidy(() => { runOp(attentionDef, [q, k, v], attrs); });
      await be.sync();
      res[variant].f.push((performance.now() - t0) / N);
      t0 = performance.now();
      for (let n = 0; n < N; n++) tidy(() => { runOp(attentionBackwardDef, [q, k, v, o, l, g], attrs); });
      await be.sync();
      res[variant].b.push((performance.now() - t0) / N);
      o.dispose(); l.dispose();
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(2);
    rows.push(`| ${s.name} B=${s.B} Tq=${s.Tq} Tk=${s.Tk}${s.causal ? ' causal' : ''} H=${H} dh=${dh} | ${med(res.rowwise.f)} | ${med(res.tiled.f)} | ${med(res.rowwise.b)} | ${med(res.tiled.b)} |`);
    for (const t of [q, k, v, g]) t.dispose();
  }
  console.log(['| shape | fwd rowwise ms | fwd tiled ms | bwd rowwise ms | bwd tiled ms |', '|---|---|---|---|---|', ...rows].join('\n'));
}, 600_000);
