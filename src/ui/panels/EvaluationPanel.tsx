// Evaluation panel: trains the Table 1 models in the pipeline worker (the same runTable1 as `higr table1`) and shows
// the table for the runs trained in this browser, with the protocol above it. No math here: the worker returns rows.
import * as Comlink from 'comlink';
import { useEffect, useState } from 'react';
import { useStore } from '../../state/store';
import { call, pipeline } from '../../worker/client';
import type { EvalProgress, EvalRunResult } from '../../worker/eval-api';
import { DecodeStudyCharts } from '../components/DecodeStudyCharts';

type Row = EvalRunResult['rows'][number];
const hour = 3_600_000;
const f4 = (x: number) => x.toFixed(4);
const EVAL_CSS = `
.ev-row { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; margin: 0.4rem 0; }
.ev-field { display: inline-flex; gap: 0.3rem; align-items: center; }
.ev-field input { width: 5rem; }
.ev-table td, .ev-table th { padding: 0.15rem 0.6rem; text-align: left; }
.ev-table td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
`;

export default function EvaluationPanel() {
  const seed = useStore((s) => s.url.seed);
  const [models, setModels] = useState<{ id: string; label: string; objective: string }[]>([]);
  const [chosen, setChosen] = useState<string[]>(['pop', 'cooc', 'sasrec']);
  const [users, setUsers] = useState('120');
  const [seeds, setSeeds] = useState('1');
  const [quick, setQuick] = useState(true);
  const [status, setStatus] = useState<'idle' | 'running' | 'done' | 'error'>('idle');
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<EvalProgress | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [result, setResult] = useState<EvalRunResult | null>(null);

  useEffect(() => {
    void call(pipeline().evalModels(), 'evaluation models').then(setModels, (e: Error) => setError(e.message));
  }, []);

  const run = async () => {
    const nSeeds = Math.max(1, Math.floor(Number(seeds)) || 1);
    const nUsers = Math.max(0, Math.floor(Number(users)) || 0);
    setStatus('running');
    setError(null);
    setRows([]);
    setResult(null);
    try {
      const r = await call(
        pipeline().evalRun(
          { dataBase: new URL('data/', document.baseURI).href, users: nUsers, models: chosen, seeds: Array.from({ length: nSeeds }, (_, i) => seed + i), quick },
          Comlink.proxy((p: EvalProgress) => setProgress(p)),
          Comlink.proxy((row: Row) => setRows((rs) => [...rs, row])),
        ),
        'evaluation run',
        12 * hour,
      );
      setResult(r);
      setRows(r.rows);
      setStatus('done');
    } catch (e) {
      setError((e as Error).message);
      setStatus('error');
    }
  };
  const busy = status === 'running';

  return (
    <section className="panel" data-testid="evaluation-panel">
      <style>{EVAL_CSS}</style>
      <h1>
        <span className="stage-no">7</span>Evaluation
      </h1>
      <p className="muted" data-testid="eval-protocol">
        Protocol: {result?.protocol ?? 'reference leave-five-out on the bundled time-ordered small-matrix sequences: users with >= 10 items; test target = last 5, validation = the 5 before, test input = everything before the last 5; all catalogue items ranked; history excluded; k = 5; impressions n/a (positives only)'}
        {result && ` · ${result.users} users, ${result.items} items, backend ${result.backend}, ${result.seconds.toFixed(1)} s`}
      </p>
      <div className="ev-row">
        {models.map((m) => (
          <label key={m.id} className="ev-field" title={m.objective}>
            <input
              type="checkbox"
              data-testid={`eval-model-${m.id}`}
              disabled={busy}
              checked={chosen.includes(m.id)}
              onChange={(e) => setChosen(e.target.checked ? models.map((x) => x.id).filter((id) => id === m.id || chosen.includes(id)) : chosen.filter((x) => x !== m.id))}
            />
            {m.label}
          </label>
        ))}
      </div>
      <div className="ev-row">
        <label className="ev-field">
          <span>users (0 = all 930)</span>
          <input data-testid="eval-users" type="number" min={0} value={users} disabled={busy} onChange={(e) => setUsers(e.target.value)} />
        </label>
        <label className="ev-field">
          <span>seeds (from URL seed {seed})</span>
          <input data-testid="eval-seeds" type="number" min={1} max={5} value={seeds} disabled={busy} onChange={(e) => setSeeds(e.target.value)} />
        </label>
        <label className="ev-field" title="tiny model versions (the same as `higr table1 --quick`)">
          <input data-testid="eval-quick" type="checkbox" checked={quick} disabled={busy} onChange={(e) => setQuick(e.target.checked)} />
          tiny models
        </label>
        <button data-testid="eval-start" disabled={busy || chosen.length === 0} onClick={() => void run()}>
          Train and evaluate
        </button>
        <button className="secondary" data-testid="eval-stop" disabled={!busy} onClick={() => void call(pipeline().evalStop(), 'evaluation stop')}>
          Stop
        </button>
        <span data-testid="eval-status" data-status={status} className="muted">
          {status}
          {busy && progress && ` · ${progress.model} seed ${progress.seed}: step ${progress.step}/${progress.total}${progress.loss !== undefined ? `, loss ${progress.loss.toFixed(4)}` : ''}`}
        </span>
      </div>
      {error && (
        <p className="error" data-testid="eval-error">
          {error}
        </p>
      )}
      {rows.length > 0 && (
        <table className="ev-table" data-testid="eval-table">
          <thead>
            <tr>
              <th>model</th>
              <th>objective</th>
              <th>params</th>
              <th>seeds</th>
              <th>hit@5</th>
              <th>recall@5</th>
              <th>NDCG@5</th>
              <th>p vs best</th>
              <th>train s/seed</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`eval-row-${r.id}`}>
                <td>{r.model}</td>
                <td>{r.objective}</td>
                <td>{r.params}</td>
                <td>{r.seeds.join(', ')}</td>
                <td>{`${f4(r.mean.hit5)} ± ${f4(r.std.hit5)}`}</td>
                <td>{`${f4(r.mean.recall5)} ± ${f4(r.std.recall5)}`}</td>
                <td>{`${f4(r.mean.ndcg5)} ± ${f4(r.std.ndcg5)}`}</td>
                <td>{status !== 'done' ? '…' : r.pValueVsBest === null ? 'best' : r.pValueVsBest.toExponential(2)}</td>
                <td>{r.trainSeconds.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <DecodeStudyCharts />
    </section>
  );
}
