// Stage 4: train the hierarchical slate decoder in the pipeline worker; live loss curve, validation recall@5 / NDCG@5
// per epoch, parameter count. All numbers come from the store (src/state/slate-slice.ts); this file only displays.
import { useStore } from '../../state/store';
import type { SlateSettings } from '../../state/slate-slice';
import { Plot } from './TokenizerPanel';

const NUM_FIELDS: [keyof SlateSettings, string, number][] = [
  ['dim', 'model width d', 8],
  ['slateLayers', 'planner blocks l_slate', 1],
  ['itemLayers', 'generator blocks l_item', 1],
  ['epochs', 'epochs', 1],
  ['stepsPerEpoch', 'steps / epoch', 1],
  ['batchSize', 'slates / step', 1],
  ['lr', 'learning rate', 0.0001],
  ['beam', 'beam width B', 1],
];

function Settings() {
  const s = useStore((st) => st.slate.settings);
  const set = useStore((st) => st.setSlateSettings);
  const train = useStore((st) => st.trainSlate);
  const status = useStore((st) => st.slate.status);
  return (
    <div className="card">
      <label>
        data{' '}
        <select data-testid="slate-source" value={s.source} onChange={(e) => set({ source: e.target.value as SlateSettings['source'] })}>
          <option value="kuairec">bundled KuaiRec (reference leave-five-out, RQ-KMeans SIDs)</option>
          <option value="planted">planted sequences (demo, seconds)</option>
        </select>
      </label>{' '}
      <label>
        backend{' '}
        <select data-testid="slate-backend" value={s.backend} onChange={(e) => set({ backend: e.target.value as SlateSettings['backend'] })}>
          <option value="webgpu">WebGPU</option>
          <option value="cpu">CPU reference</option>
        </select>
      </label>
      <div className="grid-2">
        {NUM_FIELDS.map(([k, label, step]) => (
          <label key={k}>
            {label}{' '}
            <input data-testid={`slate-${k}`} type="number" step={step} value={s[k] as number} onChange={(e) => set({ [k]: Number(e.target.value) } as Partial<SlateSettings>)} />
          </label>
        ))}
      </div>
      <button data-testid="slate-train" disabled={status === 'training'} onClick={() => void train()}>
        {status === 'training' ? 'training…' : 'Train slate model'}
      </button>
    </div>
  );
}

export default function SlateModelPanel() {
  const st = useStore((s) => s.slate);
  const sum = st.summary;
  return (
    <section className="panel" data-testid="slate-panel">
      <h1>
        <span className="stage-no">4</span>Slate model
      </h1>
      <p className="muted">
        §3.4: context encoder → slate planner (Eq. 6, l_slate blocks, cross-attention to the context) → shared item generator (Eq. 7–9) over
        the SID levels; loss Eq. 10. Validation: GSBI slates on each user's validation slate, history excluded. Architecture, defaults and
        parameter counts: docs/slate-decoder.md.
      </p>
      <Settings />
      <p data-testid="slate-status" data-status={st.status} className={st.status === 'error' ? 'bad' : 'muted'}>
        {st.status === 'error' ? st.error : st.progress ? `step ${st.progress.step} / ${st.progress.total}, epoch ${st.progress.epoch}${st.progress.loss !== undefined ? `, loss ${st.progress.loss.toFixed(3)}` : ''}` : st.status}
      </p>
      {st.losses.length > 0 && (
        <Plot
          testId="slate-loss-plot"
          data={[{ x: st.losses.map((l) => l.step), y: st.losses.map((l) => l.loss), type: 'scatter', mode: 'lines', name: 'loss (Eq. 10, per slate)' }]}
          layout={{ title: { text: 'training loss' }, xaxis: { title: { text: 'step' } } }}
        />
      )}
      {sum && (
        <div className="card" data-testid="slate-summary">
          <p>
            {sum.source}: {sum.users} users, {sum.items} items, SID widths [{sum.widths.join(', ')}]; <b data-testid="slate-params">{sum.params}</b> parameters (d ={' '}
            {sum.config.dim}, l_slate = {sum.config.slateLayers}, l_item = {sum.config.itemLayers}); {sum.seconds.toFixed(1)} s on {sum.backend}; best epoch{' '}
            {sum.bestEpoch}
          </p>
          <table data-testid="slate-epochs">
            <thead>
              <tr>
                <th>epoch</th>
                <th>step</th>
                <th>train loss</th>
                <th>valid recall@5</th>
                <th>valid NDCG@5</th>
                <th>users</th>
              </tr>
            </thead>
            <tbody>
              {sum.curves.epochs.map((e) => (
                <tr key={e.epoch}>
                  <td>{e.epoch}</td>
                  <td>{e.step}</td>
                  <td>{e.trainLoss.toFixed(3)}</td>
                  <td>{e.valid.recall5.toFixed(4)}</td>
                  <td>{e.valid.ndcg5.toFixed(4)}</td>
                  <td>{e.valid.users}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {sum.curves.epochs.length > 1 && (
            <Plot
              testId="slate-valid-plot"
              data={[{ x: sum.curves.epochs.map((e) => e.epoch), y: sum.curves.epochs.map((e) => e.valid.recall5), type: 'scatter', name: 'valid recall@5' }]}
              layout={{ title: { text: 'validation recall@5' }, xaxis: { title: { text: 'epoch' } } }}
            />
          )}
        </div>
      )}
    </section>
  );
}
