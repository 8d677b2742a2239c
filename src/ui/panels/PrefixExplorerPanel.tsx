// Stage 3: the prefix explorer. 2-D projection (PCA / UMAP, computed in the worker) of a trained tokenizer's item
// latents coloured by level-1 prefix; a sunburst of the prefix tree (item counts); a prefix's items with captions and
// categories. Data comes from the store (src/state/tokenizer-slice.ts); this file only displays.
import { useEffect, useMemo } from 'react';
import { useStore } from '../../state/store';
import { KIND_LABEL, topLevel1 } from '../../state/tokenizer-slice';
import type { TokenizerKind } from '../../tokenizer/train';
import { Plot } from '../components/Plot';
import { colourOf } from '../components/palette';
import { TOKENIZER_CSS } from './TokenizerPanel';

export default function PrefixExplorerPanel() {
  const runs = useStore((s) => s.tokenizer.runs);
  const ex = useStore((s) => s.tokenizer.explorer);
  const tok = useStore((s) => s.tokenizer);
  const top = useMemo(() => topLevel1(tok), [tok]);
  const load = useStore((s) => s.loadExplorer);
  const select = useStore((s) => s.selectPrefix);
  const trained = (Object.keys(runs) as TokenizerKind[]).filter((k) => runs[k]?.done);
  const d0 = ex.data;
  // one trace per level-1 prefix (the legend), coloured like the sunburst's level-1 sectors
  const scatter = useMemo(() => {
    if (!d0) return [];
    const by = new Map<number, number[]>();
    d0.s1.forEach((c, i) => by.set(c, [...(by.get(c) ?? []), i]));
    return [...by.entries()]
      .sort((a, b) => b[1].length - a[1].length || a[0] - b[0])
      .map(([c, rows]) => ({
        type: 'scatter', // SVG: ≤ 2,000 points (the worker's maxPoints); the app's plotly build has no WebGL traces
        mode: 'markers',
        name: `s1=${c} (${rows.length})`,
        x: rows.map((i) => d0.x[i]),
        y: rows.map((i) => d0.y[i]),
        text: rows.map((i) => `item ${d0.ids[i]}, s1=${c}`),
        hoverinfo: 'text',
        marker: { size: 4, color: colourOf(c), opacity: 0.8 },
      }));
  }, [d0]);
  const sunburst = useMemo(
    () =>
      d0
        ? [{ type: 'sunburst', ids: d0.sunburst.ids, labels: d0.sunburst.labels, parents: d0.sunburst.parents, values: d0.sunburst.values, branchvalues: 'total', maxdepth: 2, marker: { colors: d0.sunburst.ids.map((id) => colourOf(Number(String(id).split('-')[0]))) } }]
        : [],
    [d0],
  );
  const kind = ex.kind && trained.includes(ex.kind) ? ex.kind : trained[0] ?? null;

  useEffect(() => {
    if (kind && (ex.kind !== kind || (ex.status === 'idle' && !ex.data))) void load(kind, ex.method);
  }, [kind, ex.kind, ex.status, ex.data, ex.method, load]);

  if (!kind) {
    return (
      <section className="panel" data-testid="prefix-explorer">
        <h1>
          <span className="stage-no">3</span>Prefix explorer
        </h1>
        <p className="muted" data-testid="explorer-empty">
          Train a tokenizer in the Tokenizer panel first; its semantic IDs and item latents appear here.
        </p>
      </section>
    );
  }
  const d = ex.data;
  return (
    <section className="panel" data-testid="prefix-explorer">
      <style>{TOKENIZER_CSS}</style>
      <h1>
        <span className="stage-no">3</span>Prefix explorer
      </h1>
      <div className="tk-row">
        <label className="tk-field">
          <span>tokenizer</span>
          <select data-testid="explorer-kind" value={kind} onChange={(e) => void load(e.target.value as TokenizerKind, ex.method)}>
            {trained.map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        {(['pca', 'umap'] as const).map((m) => (
          <button key={m} className={ex.method === m ? '' : 'secondary'} data-testid={`explorer-${m}`} disabled={ex.status === 'loading'} onClick={() => void load(kind, m)}>
            {m.toUpperCase()}
          </button>
        ))}
        <span className="muted" data-testid="explorer-status" data-status={ex.status}>
          {ex.status === 'loading' ? `computing ${ex.method.toUpperCase()}…` : ex.status}
        </span>
      </div>
      {ex.error && <p className="bad">{ex.error}</p>}
      {d && (
        <div className="grid-2">
          <div>
            <h2>
              item latents ({d.method.toUpperCase()}
              {d.explained ? `, ${(100 * (d.explained[0] + d.explained[1])).toFixed(0)}% of variance` : ''}), colour = level-1 prefix
            </h2>
            <Plot testId="explorer-scatter" height={420} data={scatter} layout={{ xaxis: { zeroline: false }, yaxis: { zeroline: false }, legend: { title: { text: 's1' } }, showlegend: true }} />
          </div>
          <div>
            <h2>prefix tree (levels 1-2, item counts) — click a prefix</h2>
            <Plot
              testId="explorer-sunburst"
              height={420}
              data={sunburst}
              layout={{ margin: { t: 10, r: 10, b: 10, l: 10 } }}
              onClick={(p) => {
                if (p.id) void select(p.id.split('-').map(Number));
              }}
            />
          </div>
        </div>
      )}
      {top.length > 0 && (
        <div className="tk-prefixes">
          <h2>largest level-1 prefixes</h2>
          {top.map((p) => (
            <button key={p.code} className="secondary" data-testid="prefix-row" onClick={() => void select([p.code])}>
              s1={p.code} ({p.items})
            </button>
          ))}
        </div>
      )}
      {ex.prefix && (
        <div data-testid="prefix-items">
          <h2>
            prefix ({ex.prefix.join(', ')}): {ex.itemsTotal} items{ex.itemsTotal > ex.items.length ? `, first ${ex.items.length}` : ''}
          </h2>
          <table className="num-table tk-items">
            <thead>
              <tr>
                <th>video id</th>
                <th>SID</th>
                <th>category</th>
                <th>tags</th>
                <th>caption</th>
              </tr>
            </thead>
            <tbody>
              {ex.items.map((it) => (
                <tr key={it.id}>
                  <td>{it.id}</td>
                  <td>{it.sid.join('-')}</td>
                  <td>{it.category}</td>
                  <td>{it.tags}</td>
                  <td>{it.caption}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
