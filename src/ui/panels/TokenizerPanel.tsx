// Stage 2: train CRQ-VAE / RQ-VAE / RQ-KMeans in the pipeline worker; live loss curves per term, code usage heatmaps,
// and the Table 2 metrics. All numbers come from the store (src/state/tokenizer-slice.ts); this file only displays.
import { useEffect, useMemo, useState } from 'react';
import { Plot, sampleBySteps, sampleEvery } from '../components/Plot';
import { useStore } from '../../state/store';
import { KIND_LABEL, metricsRows, tokenizerFieldErrors, type RunView, type TokenizerSettings } from '../../state/tokenizer-slice';
import type { TokenizerKind } from '../../tokenizer/train';
import { FEATURE_BLOCKS, type LocalFeatureBlock } from '../../data/item-features';
import { DEFAULT_TEXT_ENCODER } from '../../data/features/text-encoder';

const FEATURE_LABEL: Record<LocalFeatureBlock, string> = {
  category: 'categories (tags + 3 levels)',
  caption: 'caption n-grams (TF-IDF hashing)',
  cooccurrence: 'co-occurrence (PPMI + SVD)',
};

export { Plot } from '../components/Plot';

const KINDS: TokenizerKind[] = ['crq-vae', 'rq-vae', 'rq-kmeans'];

/** Panel-local styles (the shared stylesheet belongs to the app shell). */
export const TOKENIZER_CSS = `
.tk-settings { border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; margin: 8px 0; background: var(--panel); }
.tk-row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; margin: 4px 0; }
.tk-field { display: inline-flex; align-items: center; gap: 6px; }
.tk-field span { color: var(--muted); }
.tk-check { display: inline-flex; align-items: center; gap: 4px; }
.tk-progress { height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; max-width: 420px; }
.tk-progress > div { height: 100%; background: var(--accent); }
.tk-run h2 { margin-top: 10px; }
.tk-items td { text-align: left; max-width: 60ch; font-family: system-ui, 'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans CJK JP', 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif; font-size: 13px; }
.tk-prefixes button { margin: 2px; }
.field-error { font-size: 12px; }
input[aria-invalid='true'] { border-color: var(--bad); background: var(--bad-bg); }
`;
const fmt = (v: number | null | undefined, d = 4) => (v === null || v === undefined ? '—' : v.toFixed(d));

/** Live validation of the settings (src/stages/tokenizer-config.ts schema): the message of one field, or null. */
function useFieldError(k: string): string | null {
  const settings = useStore((s) => s.tokenizer.settings);
  const refused = useStore((s) => s.tokenizer.fieldErrors);
  const errs = useMemo(() => [...tokenizerFieldErrors(settings), ...refused], [settings, refused]);
  return errs.find((e) => e.field === k)?.message ?? null;
}

function FieldError({ k }: { k: string }) {
  const msg = useFieldError(k);
  return msg ? (
    <span className="bad field-error" data-testid={`tk-error-${k}`}>
      {msg}
    </span>
  ) : null;
}

function NumberField({ label, k, step, min }: { label: string; k: keyof TokenizerSettings; step?: number; min?: number }) {
  const value = useStore((s) => s.tokenizer.settings[k]) as number;
  const set = useStore((s) => s.setTokenizerSettings);
  const busy = useStore((s) => s.tokenizer.status === 'training' || s.tokenizer.status === 'loading');
  const err = useFieldError(String(k));
  return (
    <label className="tk-field">
      <span>{label}</span>
      <input
        type="number"
        value={value}
        step={step ?? 1}
        min={min ?? 0}
        disabled={busy}
        aria-invalid={err ? true : undefined}
        title={err ?? undefined}
        data-testid={`tk-${String(k)}`}
        onChange={(e) => {
          const v = e.target.value === '' ? NaN : Number(e.target.value);
          set({ [k]: v } as Partial<TokenizerSettings>);
        }}
      />
      <FieldError k={String(k)} />
    </label>
  );
}

/** Level weights w as a comma-separated list (one per level). */
function WeightsField() {
  const w = useStore((s) => s.tokenizer.settings.w);
  const set = useStore((s) => s.setTokenizerSettings);
  const busy = useStore((s) => s.tokenizer.status === 'training' || s.tokenizer.status === 'loading');
  const [text, setText] = useState(w.join(', '));
  useEffect(() => setText((t) => (t.split(',').map((x) => Number(x.trim())).join(',') === w.join(',') ? t : w.join(', '))), [w]);
  return (
    <label className="tk-field">
      <span>w</span>
      <input
        type="text"
        size={14}
        value={text}
        disabled={busy}
        data-testid="tk-w"
        onChange={(e) => {
          setText(e.target.value);
          const xs = e.target.value.split(',').map((x) => (x.trim() === '' ? NaN : Number(x.trim())));
          set({ w: xs });
        }}
      />
      <FieldError k="w" />
    </label>
  );
}

function Settings() {
  const s = useStore((st) => st.tokenizer.settings);
  const set = useStore((st) => st.setTokenizerSettings);
  const status = useStore((st) => st.tokenizer.status);
  const start = useStore((st) => st.trainTokenizers);
  const stop = useStore((st) => st.stopTokenizers);
  const seed = useStore((st) => st.url.seed);
  const embeddings = useStore((st) => st.tokenizer.embeddings);
  const setEmbeddingFiles = useStore((st) => st.setEmbeddingFiles);
  const busy = status === 'training' || status === 'loading';
  return (
    <div className="tk-settings">
      <div className="tk-row">
        <label className="tk-field">
          <span>items</span>
          <select value={s.source} disabled={busy} data-testid="tk-source" onChange={(e) => set({ source: e.target.value as TokenizerSettings['source'] })}>
            <option value="dataset">loaded dataset (Data panel)</option>
            <option value="planted">planted demo (8 groups)</option>
          </select>
        </label>
        <NumberField label="max items (0 = all)" k="maxItems" step={500} />
        {KINDS.map((k) => (
          <label key={k} className="tk-check">
            <input
              type="checkbox"
              checked={s.kinds.includes(k)}
              disabled={busy}
              data-testid={`tk-kind-${k}`}
              onChange={(e) => set({ kinds: e.target.checked ? KINDS.filter((x) => x === k || s.kinds.includes(x)) : s.kinds.filter((x) => x !== k) })}
            />
            {KIND_LABEL[k]}
          </label>
        ))}
      </div>
      {s.source === 'dataset' && (
        <div className="tk-row">
          <span className="muted">item features</span>
          {FEATURE_BLOCKS.map((b) => (
            <label key={b} className="tk-check">
              <input
                type="checkbox"
                checked={s.features.includes(b)}
                disabled={busy || (s.features.length === 1 && s.features.includes(b))}
                data-testid={`tk-feature-${b}`}
                onChange={(e) => set({ features: e.target.checked ? FEATURE_BLOCKS.filter((x) => x === b || s.features.includes(x)) : s.features.filter((x) => x !== b) })}
              />
              {FEATURE_LABEL[b]}
            </label>
          ))}
          <label className="tk-check" title={`opt-in, needs a network connection: downloads ${DEFAULT_TEXT_ENCODER.repo} (~120 MB, cached by the browser) and embeds every caption locally`}>
            <input type="checkbox" checked={s.textEncoder} disabled={busy} data-testid="tk-text-encoder" onChange={(e) => set({ textEncoder: e.target.checked })} />
            text encoder ({DEFAULT_TEXT_ENCODER.repo.split('/')[1]}, online, ~120 MB once)
          </label>
          <label className="tk-check" title="precomputed item embeddings: .npy / .safetensors (rows in video_id order) or CSV video_id,f0,f1,...">
            + embeddings
            <input type="file" multiple accept=".npy,.safetensors,.csv" disabled={busy} data-testid="tk-embeddings" onChange={(e) => setEmbeddingFiles([...(e.target.files ?? [])])} />
          </label>
          {embeddings.length > 0 && (
            <span data-testid="tk-embedding-names">
              {embeddings.map((f) => f.name).join(', ')}{' '}
              <button type="button" disabled={busy} onClick={() => setEmbeddingFiles([])}>
                clear
              </button>
            </span>
          )}
        </div>
      )}
      <div className="tk-row">
        <NumberField label="steps" k="steps" step={10} />
        <NumberField label="batch" k="batchSize" step={32} min={8} />
        <NumberField label="K" k="codebookSize" step={8} min={2} />
        <NumberField label="D" k="levels" min={1} />
        <NumberField label="latent" k="latentDim" step={8} min={2} />
        <NumberField label="lr" k="lr" step={0.0005} />
      </div>
      <div className="tk-row">
        <NumberField label="η" k="eta" step={0.05} />
        <NumberField label="λ1" k="lambda1" step={0.05} />
        <NumberField label="λ2" k="lambda2" step={0.01} />
        <NumberField label="τ" k="tau" step={0.05} />
        <NumberField label="held-out every" k="validEvery" step={1} />
        <WeightsField />
        <span className="muted">seed {seed} (URL)</span>
      </div>
      <div className="tk-row">
        <button data-testid="tokenizer-start" disabled={busy || s.kinds.length === 0} onClick={() => void start()}>
          Train
        </button>
        <button className="secondary" data-testid="tokenizer-stop" disabled={!busy} onClick={() => void stop()}>
          Stop
        </button>
        <span data-testid="tokenizer-status" data-status={status} className="muted">
          {status}
        </span>
      </div>
    </div>
  );
}

const TERM_LINE: Record<'recon' | 'quant' | 'cont' | 'total', Record<string, unknown>> = {
  recon: { width: 1.5, color: '#1f77b4' },
  quant: { width: 1.5, color: '#ff7f0e' },
  cont: { width: 1.5, color: '#2ca02c' },
  // total last, thick and dashed, so it is never hidden under a term with the same values (e.g. recon)
  total: { width: 2.5, dash: 'dash', color: '#1d1f21' },
};

/** Batch-loss traces (every `every`-th logged step and the last) and the held-out batch's, dotted in the same colours. */
export function lossTraces(c: RunView['curves'], every: number): Record<string, unknown>[] {
  const terms = ['recon', 'quant', 'cont', 'total'] as const;
  const pick = <T,>(xs: T[], idx: number[]) => idx.map((i) => xs[i]);
  const idx = sampleEvery(c.step.map((_, i) => i), every);
  const train = terms.filter((t) => c[t].some((v) => v !== null)).map((t) => ({ type: 'scatter', mode: 'lines', name: t, legendgroup: t, x: pick(c.step, idx), y: pick<number | null>(c[t], idx), line: TERM_LINE[t] }));
  const v = c.valid;
  if (!v?.step.length) return train;
  const vi = sampleBySteps(v.step, every); // held-out points are on their own grid (validEvery)
  const valid = terms
    .filter((t) => v[t].some((x) => x !== null))
    .map((t) => ({ type: 'scatter', mode: 'lines+markers', name: `held-out ${t}`, legendgroup: t, x: pick(v.step, vi), y: pick<number | null>(v[t], vi), line: { ...TERM_LINE[t], dash: 'dot', width: 1.5 }, marker: { size: 4, color: TERM_LINE[t].color } }));
  return [...train, ...valid];
}

function RunCard({ run, every }: { run: RunView; every: number }) {
  const c = run.curves;
  const data = useMemo(() => lossTraces(c, every), [c, every]);
  const heat = run.usage.length
    ? [{ type: 'heatmap', z: run.usage, colorscale: 'Blues', reversescale: true, showscale: false, hovertemplate: 'level %{y}, code %{x}: %{z}<extra></extra>' }]
    : [];
  const pct = run.steps ? Math.min(100, (100 * run.step) / run.steps) : 0;
  return (
    <div className="tk-run" data-testid={`tk-run-${run.kind}`}>
      <h2>
        {KIND_LABEL[run.kind]} {run.done ? '✓' : ''}
      </h2>
      <div className="tk-progress" data-testid={`tokenizer-progress-${run.kind}`} data-pct={pct.toFixed(0)}>
        <div style={{ width: `${pct}%` }} />
      </div>
      <p className="muted">
        step {run.step}/{run.steps} · utilisation {run.utilisation.map((u) => u.toFixed(2)).join(' / ') || '—'} · re-seeded codewords {run.reseeded.join(' / ') || '—'}
      </p>
      <Plot testId={`loss-plot-${run.kind}`} download={`losses-${run.kind}`} data={data} layout={{ title: { text: 'batch losses (unweighted terms)', font: { size: 12 } }, yaxis: { type: 'log' }, legend: { orientation: 'h' } }} />
      {heat.length > 0 && (
        <Plot testId={`usage-heatmap-${run.kind}`} height={160} data={heat} layout={{ title: { text: 'code usage per level (since last report)', font: { size: 12 } }, xaxis: { title: { text: 'code' } }, yaxis: { title: { text: 'level' }, dtick: 1 } }} />
      )}
    </div>
  );
}

function MetricsTable() {
  const t = useStore((s) => s.tokenizer);
  const rows = useMemo(() => metricsRows(t), [t]);
  if (!rows.length) return null;
  return (
    <table className="num-table" data-testid="tokenizer-metrics">
      <thead>
        <tr>
          <th>method</th>
          <th>collision ↓</th>
          <th>concentration ↑</th>
          <th>consistency ↑ (s1)</th>
          <th>consistency (prefix)</th>
          <th>chance (s1)</th>
          <th>utilisation / level</th>
          <th>norm. entropy / level</th>
          <th>recon (rel.)</th>
          <th>seconds</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ kind, m, seconds, stoppedEarly, restored }) => (
          <tr key={kind} data-testid={`metrics-${kind}`}>
            <th>
              {KIND_LABEL[kind]}
              {stoppedEarly ? ' (stopped)' : ''}
              {restored ? ' (restored)' : ''}
            </th>
            <td>{fmt(m.collisionRate)}</td>
            <td>{fmt(m.concentration)}</td>
            <td>{fmt(m.consistency)}</td>
            <td>{fmt(m.consistencyPrefix)}</td>
            <td>{fmt(m.consistencyChance)}</td>
            <td>{m.levels.map((l) => l.utilisation.toFixed(2)).join(' / ')}</td>
            <td>{m.levels.map((l) => l.entropyNorm.toFixed(2)).join(' / ')}</td>
            <td>{fmt(m.reconRel)}</td>
            <td>{seconds.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function TokenizerPanel() {
  const t = useStore((s) => s.tokenizer);
  const runs = KINDS.map((k) => t.runs[k]).filter((r): r is RunView => !!r);
  const [every, setEvery] = useState(1);
  return (
    <section className="panel" data-testid="tokenizer-panel">
      <style>{TOKENIZER_CSS}</style>
      <h1>
        <span className="stage-no">2</span>Tokenizer
      </h1>
      <p className="muted">
        §3.3: an MLP encoder, D residual codebooks and an MLP decoder. CRQ-VAE trains with L_recon + λ1·L_global_quan + λ2·L_cont (Eq. 5), RQ-VAE
        with the layer-wise quantisation loss (Eq. 2), RQ-KMeans is residual k-means on the features. Consistency is measured on held-out
        anchor-positive pairs; definitions in docs/tokenizers.md.
      </p>
      <Settings />
      {t.info && (
        <p className="muted" data-testid="tokenizer-info">
          {t.info.items} items × {t.info.dim} features ({t.info.blocks}); {t.info.trainPairs} training pairs, {t.info.heldOutPairs} held out · {t.info.source}
        </p>
      )}
      {t.error && (
        <p className="bad" data-testid="tokenizer-error">
          {t.error}
        </p>
      )}
      <MetricsTable />
      {runs.length > 0 && (
        <p className="muted">
          <label>
            plot every <input type="number" min={1} value={every} onChange={(e) => setEvery(Math.max(1, Math.floor(Number(e.target.value)) || 1))} data-testid="tk-plot-every" /> steps
          </label>{' '}
          · dotted: the same terms on a fixed batch of held-out pairs (the contrastive term never saw them; every item is in reconstruction training)
        </p>
      )}
      <div className="grid-2">
        {runs.map((r) => (
          <RunCard key={r.kind} run={r} every={every} />
        ))}
      </div>
    </section>
  );
}
