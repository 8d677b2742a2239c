// Evaluation panel: each chosen Table 1 model × seed is one stage run (src/stages/table1-model.ts: the same
// runTable1On as `higr table1`, on the dataset loaded in the Data panel); the table is built from the finished runs
// (src/eval/runs-table.ts via the evaluation slice's selector), with the protocol above it, so it is there after a
// reload. Settings validated by the form's schema (field errors, nothing starts). The SID models (HiGR, TIGER,
// OneRec-style, ListCVAE) take their semantic IDs from the SID-source settings (a finished tokenizer run, or a tokenizer
// trained now); a batch cut by a reload continues on start and the panel says from which step its run resumed.
// No math here.
import { useEffect, useMemo } from 'react';
import { useStore } from '../../state/store';
import { evaluationFieldErrors, evaluationTable } from '../../state/evaluation-slice';
import { EVALUATION_FORM_SCHEMA, SID_SETTING_KEYS, TABLE1_MODEL_VALUES, TABLE1_SID_MODELS } from '../../stages/table1-config';
import { DecodeStudyCharts } from '../components/DecodeStudyCharts';
import { SchemaForm } from '../components/SchemaForm';

const f4 = (x: number) => x.toFixed(4);
const EVAL_CSS = `
.ev-row { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; margin: 0.4rem 0; }
.ev-field { display: inline-flex; gap: 0.3rem; align-items: center; }
.ev-table td, .ev-table th { padding: 0.15rem 0.6rem; text-align: left; }
.ev-table td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
`;

export default function EvaluationPanel() {
  const seed = useStore((s) => s.url.seed);
  const ev = useStore((s) => s.evaluation);
  const list = useStore((s) => s.runs.list);
  const set = useStore((s) => s.setEvaluationSettings);
  const start = useStore((s) => s.startEvaluation);
  const stop = useStore((s) => s.stopEvaluation);
  const load = useStore((s) => s.loadEvaluationModels);
  useEffect(() => void load(), [load]);
  const s = ev.settings;
  const errors = useMemo(() => [...evaluationFieldErrors(s), ...ev.fieldErrors], [s, ev.fieldErrors]);
  const table = useMemo(() => evaluationTable(list, s, seed), [list, s, seed]);
  const busy = ev.status === 'running' || ev.status === 'stopping';
  const labels = new Map(ev.models.map((m) => [m.id, m]));
  const p = ev.progress;
  const sidFields = Object.fromEntries(SID_SETTING_KEYS.map((k) => [k, EVALUATION_FORM_SCHEMA.fields[k]]));
  const usesSids = s.models.some((m) => TABLE1_SID_MODELS.includes(m));
  const sidRows = table.rows.some((r) => r.sids !== null);

  return (
    <section className="panel" data-testid="evaluation-panel">
      <style>{EVAL_CSS}</style>
      <h1>
        <span className="stage-no">7</span>Evaluation
      </h1>
      <p className="muted" data-testid="eval-protocol">
        Protocol: {table.protocol ? `${table.protocol} · ${table.users} users, ${table.items} items` : `${s.protocol === 'reference' ? 'reference leave-five-out (users with >= 10 items; test target = last 5, validation = the 5 before; all catalogue items ranked; history excluded; k = 5)' : 'the Data panel protocol'} on the dataset loaded in the Data panel — train to see the table`}
      </p>
      <div className="ev-row">
        {TABLE1_MODEL_VALUES.map((id) => (
          <label key={id} className="ev-field" title={labels.get(id)?.objective}>
            <input
              type="checkbox"
              data-testid={`eval-model-${id}`}
              disabled={busy}
              checked={s.models.includes(id)}
              onChange={(e) => set({ models: e.target.checked ? TABLE1_MODEL_VALUES.filter((x) => x === id || s.models.includes(x)) : s.models.filter((x) => x !== id) })}
            />
            {labels.get(id)?.label ?? id}
          </label>
        ))}
        {errors.find((e) => e.field === 'models') && (
          <span className="bad field-error" data-testid="eval-error-models">
            {errors.find((e) => e.field === 'models')!.message}
          </span>
        )}
      </div>
      <SchemaForm prefix="eval" fields={EVALUATION_FORM_SCHEMA.fields} value={s} onChange={set} errors={errors} disabled={busy} omit={['models', ...SID_SETTING_KEYS]} testIds={{ protocol: 'eval-protocol-choice' }} />
      <fieldset className="ev-sids" data-testid="eval-sid-source" disabled={busy} style={{ opacity: usesSids ? 1 : 0.6 }}>
        <legend>semantic IDs of the SID models (HiGR, TIGER, OneRec-style, ListCVAE){usesSids ? '' : ' — no SID model chosen'}</legend>
        <SchemaForm prefix="eval" fields={sidFields} value={s} onChange={set} errors={errors} disabled={busy} />
      </fieldset>
      <div className="ev-row">
        <button data-testid="eval-start" disabled={busy} onClick={() => void start()}>
          Train and evaluate
        </button>
        <button className="secondary" data-testid="eval-stop" disabled={ev.status !== 'running'} onClick={() => void stop()}>
          Stop
        </button>
        <span data-testid="eval-status" data-status={ev.status} data-checkpoint={busy && p?.checkpoint != null ? p.checkpoint : undefined} data-step={busy && p ? p.step : undefined} className="muted">
          {ev.status}
          {busy && p && ` · run ${p.run}/${p.runs}: ${labels.get(p.model)?.label ?? p.model} seed ${p.seed}: step ${p.step}/${p.total}${p.loss !== undefined ? `, loss ${p.loss.toFixed(4)}` : ''}`}
          {busy && p && (p.checkpoint != null ? ` · checkpoint at step ${p.checkpoint}` : !labels.get(p.model) ? '' : labels.get(p.model)!.resumable ? ' · no checkpoint yet' : ' · counted, not trained (no checkpoint: a reload counts it again)')}
        </span>
      </div>
      {ev.notice && (
        <p className="muted" data-testid="eval-notice">
          {ev.notice}
        </p>
      )}
      {ev.error && (
        <p className="error bad" data-testid="eval-error">
          {ev.error}
        </p>
      )}
      {table.rows.length > 0 && (
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
              <th>backend</th>
              {sidRows && <th>SIDs</th>}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r) => (
              <tr key={r.id} data-testid={`eval-row-${r.id}`} title={r.runIds.join('\n')}>
                <td>{r.model}</td>
                <td>{r.objective}</td>
                <td>{r.params}</td>
                <td>
                  {r.seeds.join(', ')}
                  {r.resumedSeeds.length > 0 && <span className="muted" title="continued from a checkpoint after an interruption (train s counts the time after the resume)">{` (resumed: ${r.resumedSeeds.join(', ')})`}</span>}
                </td>
                <td>{`${f4(r.mean.hit5)} ± ${f4(r.std.hit5)}`}</td>
                <td>{`${f4(r.mean.recall5)} ± ${f4(r.std.recall5)}`}</td>
                <td>{`${f4(r.mean.ndcg5)} ± ${f4(r.std.ndcg5)}`}</td>
                <td>{r.pValueVsBest === null ? 'best' : r.pValueVsBest.toExponential(2)}</td>
                <td>{r.trainSeconds.toFixed(1)}</td>
                <td>{r.backend}</td>
                {sidRows && <td data-testid={`eval-sids-${r.id}`}>{r.sids ?? '—'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <DecodeStudyCharts />
    </section>
  );
}
