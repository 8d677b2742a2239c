// Runs: every training run of every stage (src/stages), from browser storage — list, resume an interrupted or stopped
// run from its checkpoint, delete, and compare ticked runs (overlaid curves of one term, metrics side by side).
// All values come from the runs slice (src/state/runs-slice.ts); this file only displays.
import { useMemo, useState } from 'react';
import { useStore } from '../../state/store';
import { comparedRuns, isResumable, metricNames } from '../../state/runs-slice';
import type { RunRecord } from '../../stages/types';
import { Plot, sampleBySteps, sampleEvery, smooth } from '../components/Plot';
import { colourOf } from '../components/palette';

const CSS = `
.runs-table td, .runs-table th { text-align: left; padding: 2px 8px; }
.runs-table tr[data-status="running"] td { background: var(--accent-bg); }
.runs-table tr[data-status="interrupted"] td, .runs-table tr[data-status="failed"] td { background: var(--warn-bg); }
.runs-controls { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
.plot-tools { display: flex; gap: 4px; justify-content: flex-end; }
`;

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : v.toPrecision(4));
/** A short, readable label of a run: stage, kind, seed, repeat. */
export const runLabel = (r: RunRecord) => `${r.stage}${r.config.kind || r.config.model ? ` ${r.config.kind ?? r.config.model}` : ''} s${r.seed}${r.repeat > 1 ? ` #${r.repeat}` : ''} (${r.configHash.slice(0, 4)})`;

function Storage() {
  const s = useStore((st) => st.runs.storage);
  if (!s) return <span className="muted">storage estimate unavailable</span>;
  return (
    <span data-testid="runs-storage" className="muted">
      browser storage used {mb(s.usage)} of {mb(s.quota)} ({s.quota ? ((100 * s.usage) / s.quota).toFixed(2) : '0'}%)
    </span>
  );
}

function Row({ r }: { r: RunRecord }) {
  const compare = useStore((s) => s.runs.compare.includes(r.id));
  const toggle = useStore((s) => s.toggleCompare);
  const resume = useStore((s) => s.resumeRun);
  const del = useStore((s) => s.deleteRun);
  const busy = useStore((s) => s.runs.status !== 'idle');
  const active = useStore((s) => s.runs.active);
  const step = active?.id === r.id ? active.step : r.step;
  return (
    <tr data-testid="run-row" data-status={r.status} data-run-id={r.id}>
      <td>
        <input type="checkbox" checked={compare} onChange={() => toggle(r.id)} data-testid="run-compare" aria-label={`compare ${runLabel(r)}`} />
      </td>
      <td title={r.id}>{runLabel(r)}</td>
      <td data-testid="run-status">{r.status}</td>
      <td>
        {step}/{r.total || '?'}
        {r.checkpointStep !== null ? <span className="muted"> · ckpt {r.checkpointStep}</span> : null}
      </td>
      <td>{String(r.inputs.items ?? '—')}</td>
      <td>{r.backend}</td>
      <td>{r.seconds.toFixed(1)} s</td>
      <td className="muted">{new Date(r.createdAt).toLocaleString()}</td>
      <td>
        {isResumable(r) && (
          <button type="button" disabled={busy} data-testid="run-resume" onClick={() => void resume(r.id)}>
            Resume
          </button>
        )}{' '}
        <button type="button" className="secondary" disabled={busy && active?.id === r.id} data-testid="run-delete" onClick={() => void del(r.id)}>
          Delete
        </button>
        {r.error && <div className="bad">{r.error}</div>}
      </td>
    </tr>
  );
}

function Compare() {
  const runsState = useStore((s) => s.runs);
  const runs = useMemo(() => comparedRuns(runsState), [runsState]);
  // training terms (their held-out curve dotted beside them), then terms measured on held-out data only (`valid: recall5`)
  const terms = useMemo(() => {
    const train = new Set(runs.flatMap((r) => Object.keys(r.summary?.curves.series ?? {})));
    const held = runs.flatMap((r) => Object.keys(r.summary?.curves.valid?.series ?? {})).filter((k) => !train.has(k));
    return [...train, ...new Set(held.map((k) => `valid: ${k}`))];
  }, [runs]);
  const [term, setTerm] = useState('total');
  const [alpha, setAlpha] = useState(0);
  const [every, setEvery] = useState(1);
  const [logY, setLogY] = useState(true);
  const names = useMemo(() => metricNames(runs), [runs]);
  const t = terms.includes(term) ? term : terms[0];
  const data = useMemo(
    () =>
      runs.flatMap((r, k) => {
        const color = colourOf(k);
        // a term measured on held-out data only (e.g. the slate decoder's validation recall@5): its held-out curve
        if (t?.startsWith('valid: ')) {
          const v = r.summary?.curves.valid;
          const vy = v?.series[t.slice(7)];
          if (!v || !vy) return [];
          const vi = sampleBySteps(v.step, every);
          const vs = smooth(vy, alpha);
          return [{ type: 'scatter', mode: 'lines+markers', name: `${runLabel(r)} held-out`, legendgroup: r.id, line: { color, dash: 'dot' }, marker: { size: 4, color }, x: vi.map((i) => v.step[i]), y: vi.map((i) => vs[i]) }];
        }
        const c = r.summary?.curves;
        const idx = sampleEvery(c?.step.map((_, i) => i) ?? [], every);
        const ys = smooth(c?.series[t] ?? [], alpha);
        const train = { type: 'scatter', mode: 'lines', name: runLabel(r), legendgroup: r.id, line: { color }, x: idx.map((i) => c!.step[i]), y: idx.map((i) => ys[i]) };
        // the same term on held-out data, where the stage evaluates it (dotted, same colour)
        const v = c?.valid;
        const vy = v?.series[t];
        if (!v || !vy?.some((y) => y !== null)) return [train];
        const vi = sampleBySteps(v.step, every);
        const vs = smooth(vy, alpha);
        return [train, { type: 'scatter', mode: 'lines+markers', name: `${runLabel(r)} held-out`, legendgroup: r.id, line: { color, dash: 'dot' }, marker: { size: 4, color }, x: vi.map((i) => v.step[i]), y: vi.map((i) => vs[i]) }];
      }),
    [runs, t, alpha, every],
  );
  const layout = useMemo(() => ({ title: { text: `${t} per step`, font: { size: 12 } }, yaxis: { type: logY ? 'log' : 'linear' }, xaxis: { title: { text: 'step' } }, legend: { orientation: 'h' } }), [t, logY]);
  if (!runs.length) return <p className="muted">Tick runs to compare their curves and metrics.</p>;
  return (
    <div data-testid="runs-compare">
      <div className="runs-controls">
        <label>
          term{' '}
          <select value={t} onChange={(e) => setTerm(e.target.value)} data-testid="runs-compare-term">
            {terms.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
        <label>
          smoothing <input type="range" min={0} max={0.99} step={0.01} value={alpha} onChange={(e) => setAlpha(Number(e.target.value))} data-testid="runs-smoothing" /> {alpha.toFixed(2)}
        </label>
        <label>
          every <input type="number" min={1} value={every} onChange={(e) => setEvery(Math.max(1, Math.floor(Number(e.target.value)) || 1))} data-testid="runs-every" /> steps
        </label>
        <label>
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log y
        </label>
      </div>
      <Plot testId="runs-compare-plot" data={data} layout={layout} download={`runs-${t}`} />
      <table className="num-table" data-testid="runs-compare-metrics">
        <thead>
          <tr>
            <th>metric</th>
            {runs.map((r) => (
              <th key={r.id}>{runLabel(r)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((n) => (
            <tr key={n}>
              <th>{n}</th>
              {runs.map((r) => (
                <td key={r.id}>{fmt(r.summary?.metrics[n])}</td>
              ))}
            </tr>
          ))}
          <tr>
            <th>items</th>
            {runs.map((r) => (
              <td key={r.id}>{String(r.inputs.items ?? '—')}</td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

export default function RunsPanel() {
  const list = useStore((s) => s.runs.list);
  const error = useStore((s) => s.runs.error);
  const status = useStore((s) => s.runs.status);
  const stop = useStore((s) => s.stopRun);
  return (
    <section className="panel" data-testid="runs-panel">
      <style>{CSS}</style>
      <h1>Runs</h1>
      <p className="muted">
        Every training run is kept in this browser (IndexedDB) with its settings, seed, dataset fingerprint, curves, metrics and its last checkpoint
        (weights + optimizer state + step), so a run interrupted by a reload or a lost device resumes where it stopped. <Storage />
      </p>
      <div className="runs-controls">
        <span data-testid="runs-status" data-status={status} className="muted">
          {status}
        </span>
        <button type="button" className="secondary" disabled={status === 'idle'} onClick={() => void stop()} data-testid="runs-stop">
          Stop
        </button>
      </div>
      {error && (
        <p className="bad" data-testid="runs-error">
          {error}
        </p>
      )}
      {list.length === 0 ? (
        <p className="muted" data-testid="runs-empty">
          No runs yet: train one in a stage panel (e.g. Tokenizer).
        </p>
      ) : (
        <table className="runs-table" data-testid="runs-table">
          <thead>
            <tr>
              <th>compare</th>
              <th>run</th>
              <th>status</th>
              <th>step</th>
              <th>items</th>
              <th>backend</th>
              <th>time</th>
              <th>created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <Row key={r.id} r={r} />
            ))}
          </tbody>
        </table>
      )}
      <h2>Compare</h2>
      <Compare />
    </section>
  );
}
