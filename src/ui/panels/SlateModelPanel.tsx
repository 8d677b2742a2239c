// Stage 4: train the hierarchical slate decoder as a stage run (src/stages/slate-decoder.ts): settings validated by
// the stage schema (field errors, nothing starts), live loss curve and held-out validation recall@5 / NDCG@5, the run's
// parameter count and epochs; the run is kept (Runs panel) with checkpoints, resumes after a reload, and the latest
// finished run comes back after a reload. All numbers come from the store (src/state/slate-slice.ts); this file displays.
import { useMemo } from 'react';
import { useStore } from '../../state/store';
import { slateFieldErrors } from '../../state/slate-slice';
import { SLATE_DEMO_DIFFERENCES, SLATE_SCHEMA } from '../../stages/slate-decoder-config';
import { Plot } from '../components/Plot';
import { SchemaForm } from '../components/SchemaForm';

function Settings() {
  const s = useStore((st) => st.slate.settings);
  const set = useStore((st) => st.setSlateSettings);
  const train = useStore((st) => st.trainSlate);
  const stop = useStore((st) => st.stopSlate);
  const status = useStore((st) => st.slate.status);
  const refused = useStore((st) => st.slate.fieldErrors);
  const runs = useStore((st) => st.runs.list);
  const errors = useMemo(() => [...slateFieldErrors(s), ...refused], [s, refused]);
  const tokenizerRuns = useMemo(() => runs.filter((r) => r.stage === 'tokenizer' && (r.status === 'done' || r.status === 'stopped')), [runs]);
  const busy = status === 'training' || status === 'stopping';
  return (
    <div className="card">
      <SchemaForm prefix="slate" fields={SLATE_SCHEMA.fields} value={s} onChange={set} errors={errors} disabled={busy} />
      <p className="muted" data-testid="slate-recipe-note">
        Defaults = HiGR's Table 1 recipe (<code>higr table1</code>: recent windows, dropout, width, learning rate …) except, for a demo of
        minutes: {SLATE_DEMO_DIFFERENCES.map((d) => `${SLATE_SCHEMA.fields[d.field].label} ${String(SLATE_SCHEMA.fields[d.field].default)} (recipe ${d.recipe}: ${d.why})`).join('; ')}.
      </p>
      <label>
        pick a tokenizer run{' '}
        <select data-testid="slate-tokenizer-pick" value={s.tokenizerRun} disabled={busy} onChange={(e) => set({ tokenizerRun: e.target.value })}>
          <option value="">— none: {s.sidKind} trained on the item features now —</option>
          {tokenizerRuns.map((r) => (
            <option key={r.id} value={r.id}>
              {String(r.config.kind)} K={String(r.config.codebookSize)} D={String(r.config.levels)} seed {r.seed} · {String(r.inputs.items)} items · {r.id}
            </option>
          ))}
        </select>
      </label>{' '}
      <button data-testid="slate-train" disabled={busy} onClick={() => void train()}>
        {status === 'training' ? 'training…' : 'Train slate model'}
      </button>{' '}
      <button className="secondary" data-testid="slate-stop" disabled={status !== 'training'} onClick={() => void stop()}>
        Stop
      </button>
    </div>
  );
}

export default function SlateModelPanel() {
  const st = useStore((s) => s.slate);
  const run = st.run;
  const lossData = useMemo(() => [{ x: st.losses.map((l) => l.step), y: st.losses.map((l) => l.loss), type: 'scatter', mode: 'lines', name: 'loss (Eq. 10, per slate)' }], [st.losses]);
  const validData = useMemo(
    () => [
      { x: st.valid.map((v) => v.step), y: st.valid.map((v) => v.recall5), type: 'scatter', mode: 'lines+markers', name: 'valid recall@5' },
      { x: st.valid.map((v) => v.step), y: st.valid.map((v) => v.ndcg5), type: 'scatter', mode: 'lines+markers', name: 'valid NDCG@5' },
    ],
    [st.valid],
  );
  return (
    <section className="panel" data-testid="slate-panel">
      <h1>
        <span className="stage-no">4</span>Slate model
      </h1>
      <p className="muted">
        §3.4: context encoder → slate planner (Eq. 6, l_slate blocks, cross-attention to the context) → shared item generator (Eq. 7–9) over
        the SID levels; loss Eq. 10. Data: the dataset loaded in the Data panel (or planted demo sequences); validation: GSBI slates on each
        user's validation slate, history excluded (held-out curve). Each training is a run (Runs panel): checkpointed, resumable after a
        reload, decodable in the Decoding panel. Backend: the header's setting. Architecture and defaults: docs/slate-decoder.md.
      </p>
      <Settings />
      <p data-testid="slate-status" data-status={st.status} className={st.status === 'error' ? 'bad' : 'muted'}>
        {st.status === 'error'
          ? st.error
          : st.progress && (st.status === 'training' || st.status === 'stopping')
            ? `${st.status}: step ${st.progress.step} / ${st.progress.total}, epoch ${st.progress.epoch + 1}${st.progress.loss !== undefined ? `, loss ${st.progress.loss.toFixed(3)}` : ''}`
            : st.status}
      </p>
      {st.losses.length > 0 && <Plot testId="slate-loss-plot" data={lossData} layout={{ title: { text: 'training loss' }, xaxis: { title: { text: 'step' } } }} download="slate-loss" />}
      {st.valid.length > 0 && (
        <Plot testId="slate-valid-plot" data={validData} layout={{ title: { text: 'validation (held out) @5' }, xaxis: { title: { text: 'step' } } }} download="slate-valid" />
      )}
      {run && run.params !== null && (
        <div className="card" data-testid="slate-summary" data-run-id={run.runId}>
          <p>
            {run.restored && <span className="muted">restored from browser storage · </span>}
            run <code>{run.runId}</code> ({run.status}): {run.source}, {run.users} users, {run.items} items, SIDs {run.sids};{' '}
            <b data-testid="slate-params">{run.params}</b> parameters
            {run.config && ` (d = ${run.config.dim}, l_slate = ${run.config.slateLayers}, l_item = ${run.config.itemLayers})`}; {run.seconds.toFixed(1)} s on{' '}
            {run.backend}; best epoch {run.bestEpoch}
          </p>
          <p className="muted" data-testid="slate-protocol">
            {run.protocol}
          </p>
          {run.test && (
            <p data-testid="slate-test">
              test ({run.test.users} users, the best epoch's weights): recall@5 {run.test.recall5.toFixed(4)}, NDCG@5 {run.test.ndcg5.toFixed(4)}, hit@5{' '}
              {run.test.hit5.toFixed(4)}
            </p>
          )}
          <table data-testid="slate-epochs">
            <thead>
              <tr>
                <th>epoch</th>
                <th>step</th>
                <th>train loss</th>
                <th>valid recall@5</th>
                <th>valid NDCG@5</th>
                <th>users</th>
                <th>s</th>
              </tr>
            </thead>
            <tbody>
              {run.epochs.map((e) => (
                <tr key={e.epoch}>
                  <td>{e.epoch}</td>
                  <td>{e.step}</td>
                  <td>{e.trainLoss.toFixed(3)}</td>
                  <td>{e.valid.recall5.toFixed(4)}</td>
                  <td>{e.valid.ndcg5.toFixed(4)}</td>
                  <td>{e.valid.users}</td>
                  <td>{e.seconds.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
