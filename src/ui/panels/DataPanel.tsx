// Stage 1 — Data: drop/pick KuaiRec files (parsed in the data worker), per-file status, dataset statistics and
// histograms, protocol settings, attribution of the bundled data. No math here: values come from the store.
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { Histogram } from '../../data/stats';
import { formatEta, formatRate, histogramBars, progressFraction } from '../../data/view';
import type { FileRow } from '../../state/data-slice';
import { useStore } from '../../state/store';

export default function DataPanel() {
  const data = useStore((s) => s.data);
  const loadBundled = useStore((s) => s.loadBundled);
  useEffect(() => {
    if (data.status === 'idle') void loadBundled();
  }, [data.status, loadBundled]);
  const snap = data.snapshot;
  const stats = snap?.stats;

  return (
    <section className="panel" data-testid="data-panel">
      <h1>
        <span className="stage-no">Stage 1</span> Data
      </h1>
      <p className="muted">
        KuaiRec files are recognised by their header (big_matrix/small_matrix, item_categories, kuairec_caption_category,
        user_features, item_daily_features, social_network, RecBole .inter, or “user item item …” sequence lines) and parsed
        in a worker, streaming, into typed columns.
      </p>

      <DropZone />
      {data.error && (
        <p className="bad" data-testid="data-error">
          {data.error}
        </p>
      )}
      <FileTable rows={data.rows} />

      <h2>Dataset</h2>
      {data.status === 'loading' && !stats && <p className="muted">Loading…</p>}
      {stats && (
        <div data-testid="data-stats">
          <table className="kv-table">
            <tbody>
              <tr><th>source</th><td data-testid="stat-source">{stats.source}</td></tr>
              <tr><th>order</th><td data-testid="stat-order">{stats.order === 'timestamp' ? 'chronological (timestamps)' : 'as listed in the file'}</td></tr>
              <tr><th>users</th><td data-testid="stat-users">{stats.users}</td></tr>
              <tr><th>items</th><td data-testid="stat-items">{stats.items}</td></tr>
              <tr><th>interactions</th><td data-testid="stat-interactions">{stats.interactions}</td></tr>
              <tr><th>effective views</th><td data-testid="stat-effective">{stats.effectiveViews}</td></tr>
              <tr>
                <th>impressions</th>
                <td data-testid="stat-impressions">
                  {stats.impressionsAvailable ? `available (effective view: watch_ratio ≥ ${stats.effectiveViewThreshold})` : 'unavailable: this source lists positives only, impression-based metrics are not computed'}
                </td>
              </tr>
              <tr><th>sequence length</th><td>min {stats.seqLength.min} · median {stats.seqLength.median} · mean {stats.seqLength.mean.toFixed(1)} · max {stats.seqLength.max}</td></tr>
              {snap?.split && <tr><th>slates (train / valid / test)</th><td data-testid="stat-split">{snap.split.train} / {snap.split.valid} / {snap.split.test}</td></tr>}
              <tr><th>dropped by filters</th><td>{stats.dropped.users} users · {stats.dropped.items} items · {stats.dropped.rowsWithoutTimestamp} rows without timestamp</td></tr>
            </tbody>
          </table>
          <p className={stats.order === 'file' ? 'notice' : 'muted'} data-testid="holdout-note">Protocol: {stats.holdoutNote}.</p>
          {snap.issues.map((i, k) => (
            <p key={k} className={i.kind === 'no-users' ? 'notice' : 'badge'} data-testid={i.kind === 'no-users' ? 'protocol-warning' : undefined}>{i.message}</p>
          ))}
          <div className="grid-2">
            <HistogramPlot title="Sequence length (effective views per user)" hist={stats.seqLengthHist} kind="int" testId="hist-seqlen" />
            {stats.watchRatioHist ? (
              <HistogramPlot title="watch_ratio (all impressions)" hist={stats.watchRatioHist} kind="float" testId="hist-watch-ratio" />
            ) : (
              <p className="muted">No watch_ratio in this source (positives only).</p>
            )}
          </div>
        </div>
      )}

      {snap && <ProtocolForm key={snap.version} />}

      {snap?.attribution && (
        <p className="muted" data-testid="data-attribution">
          {snap.attribution} See <a href="data/ATTRIBUTION.md">data/ATTRIBUTION.md</a> (CC BY-SA 4.0).
        </p>
      )}
    </section>
  );
}

function DropZone() {
  const addFiles = useStore((s) => s.addFiles);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void addFiles(Array.from(e.dataTransfer.files));
  };
  return (
    <div
      className={`drop-zone${over ? ' drop-over' : ''}`}
      data-testid="drop-zone"
      onDragOver={(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      style={{ border: '2px dashed var(--line)', borderColor: over ? 'var(--accent)' : undefined, padding: '14px', borderRadius: 4, margin: '8px 0' }}
    >
      Drop KuaiRec files here (.csv, .txt, .inter, optionally .gz) or{' '}
      <button type="button" className="secondary" onClick={() => input.current?.click()}>
        choose files…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="data-file-input"
        onChange={(e) => {
          void addFiles(Array.from(e.target.files ?? []));
          e.target.value = '';
        }}
      />
    </div>
  );
}

function FileTable({ rows }: { rows: FileRow[] }) {
  const cancelFile = useStore((s) => s.cancelFile);
  if (!rows.length) return null;
  return (
    <table className="kv-table" data-testid="file-table">
      <thead>
        <tr><th>file</th><th>kind</th><th>rows</th><th>status</th><th>progress</th><th /></tr>
      </thead>
      <tbody>
        {rows.map((r, k) => (
          <tr key={`${r.name}-${k}`} data-testid="file-row" data-file={r.name} data-status={r.status}>
            <td>{r.name}{r.bundled ? <span className="muted"> (bundled)</span> : null}</td>
            <td>{r.kind ?? ''}</td>
            <td>{r.rows ?? r.progress?.rows ?? ''}</td>
            <td>
              <span className={r.status === 'error' ? 'bad' : r.status === 'loaded' ? 'yes' : undefined}>{r.status}</span>
              {r.issues.map((i, j) => (
                <div key={j} className={i.severity === 'error' ? 'bad' : 'muted'} data-testid={i.severity === 'error' ? 'file-error' : 'file-warning'} data-lines={i.lines?.join(',')}>
                  {i.message}
                </div>
              ))}
            </td>
            <td>
              {r.status === 'loading' && (
                <>
                  <progress value={progressFraction(r.progress) ?? undefined} max={1} />{' '}
                  {r.progress && <span className="muted">{formatRate(r.progress.rowsPerSec)} {formatEta(r.progress.etaSec)}</span>}
                </>
              )}
            </td>
            <td>
              {r.status === 'loading' && (
                <button type="button" className="secondary" onClick={() => cancelFile(r.name)} data-testid="cancel-file">
                  cancel
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ProtocolForm() {
  const snap = useStore((s) => s.data.snapshot)!;
  const setProtocol = useStore((s) => s.setProtocol);
  const p = snap.protocol;
  const [threshold, setThreshold] = useState(String(p.effectiveViewThreshold));
  const [slate, setSlate] = useState(String(p.slateSize));
  const [validation, setValidation] = useState(p.validation);
  const [minHistory, setMinHistory] = useState(String(p.minHistory));
  const [minItemFreq, setMinItemFreq] = useState(String(p.minItemFreq));
  const [source, setSource] = useState(snap.chosenSource ?? '');
  const apply = () =>
    void setProtocol({
      effectiveViewThreshold: Number(threshold),
      slateSize: Number(slate),
      validation,
      minHistory: Number(minHistory),
      minItemFreq: Number(minItemFreq),
      source,
    });
  return (
    <div data-testid="protocol-form">
      <h2>Protocol</h2>
      <table className="kv-table">
        <tbody>
          <tr>
            <th>source</th>
            <td>
              <select value={source} onChange={(e) => setSource(e.target.value)} data-testid="protocol-source">
                <option value="">automatic ({p.source})</option>
                {snap.sources.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name} — {s.kind}, {s.order === 'timestamp' ? 'chronological' : 'file order (not chronological)'}
                    {s.bundled ? ', bundled' : ''}
                  </option>
                ))}
              </select>
            </td>
          </tr>
          <tr><th>effective view: watch_ratio ≥</th><td><input type="number" step="0.1" min="0" value={threshold} onChange={(e) => setThreshold(e.target.value)} data-testid="protocol-threshold" /></td></tr>
          <tr><th>slate size M</th><td><input type="number" min="1" value={slate} onChange={(e) => setSlate(e.target.value)} data-testid="protocol-slate" /></td></tr>
          <tr><th>validation slate</th><td><input type="checkbox" checked={validation} onChange={(e) => setValidation(e.target.checked)} data-testid="protocol-validation" /></td></tr>
          <tr><th>min history</th><td><input type="number" min="1" value={minHistory} onChange={(e) => setMinHistory(e.target.value)} data-testid="protocol-min-history" /></td></tr>
          <tr><th>min item frequency</th><td><input type="number" min="1" value={minItemFreq} onChange={(e) => setMinItemFreq(e.target.value)} data-testid="protocol-min-item-freq" /></td></tr>
        </tbody>
      </table>
      <button type="button" onClick={apply} data-testid="apply-protocol">
        apply
      </button>
    </div>
  );
}

interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
}

function HistogramPlot({ title, hist, kind, testId }: { title: string; hist: Histogram; kind: 'int' | 'float'; testId: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let alive = true;
    const bars = histogramBars(hist, kind);
    // @ts-ignore -- plotly.js-dist-min ships no type declarations; loaded lazily (large bundle)
    void import('plotly.js-dist-min').then((m: { default?: PlotlyLike } & PlotlyLike) => {
      const Plotly = m.default ?? m;
      if (!alive || !el.current) return;
      void Plotly.react(
        el.current,
        [{ type: 'bar', x: bars.labels, y: bars.counts, marker: { color: '#2457a6' } }],
        { title: { text: title, font: { size: 13 } }, margin: { t: 36, r: 10, b: 60, l: 50 }, height: 260, xaxis: { type: 'category' } },
        { displayModeBar: false, responsive: true },
      );
    });
    const node = el.current;
    return () => {
      alive = false;
      // @ts-ignore -- see above
      if (node) void import('plotly.js-dist-min').then((m: { default?: PlotlyLike } & PlotlyLike) => (m.default ?? m).purge(node));
    };
  }, [hist, kind, title]);
  return <div ref={el} data-testid={testId} style={{ minHeight: 260 }} />;
}
