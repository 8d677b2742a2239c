// The Decoding stepper's OneRec-style side: train the flat decoder matched to the current slate model, and show its
// decode of the same user beside GSBI's — the token-by-token beam over the M×D SID tokens (surviving beams per token),
// the final slate against the true next five, and both decoders' timings on that user. Data from src/state/flat-slice.ts.
import { useStore } from '../../state/store';
import { flatFor } from '../../state/flat-slice';
import type { FlatDecodeView } from '../../worker/flat-decode-api';

const sid = (s: number[]) => `(${s.join(', ')})`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Codes of a flat beam grouped per slate slot: (a, b, c, d)(e, …. */
function slots(codes: number[], L: number): string {
  const out: string[] = [];
  for (let i = 0; i < codes.length; i += L) out.push(sid(codes.slice(i, i + L)));
  return out.join(' ');
}

export function FlatTrainCard({ runId }: { runId: string | null }) {
  const f = flatFor(useStore((s) => s.flat), runId);
  const busy = useStore((s) => s.flat.status === 'training');
  const train = useStore((s) => s.trainFlat);
  const p = f.progress;
  if (!runId) return null;
  return (
    <div className="card" data-testid="flat-train">
      <p>
        OneRec-style flat decoder (paper baseline): one autoregressive decoder over the slate&apos;s M×D SID tokens, matched to this slate model (same
        encoder, width, FFN, l_slate + l_item blocks) and trained with the same settings on the same data (a slate run of this page session).{' '}
        <button data-testid="flat-train-run" disabled={busy} onClick={() => void train(runId)}>
          {f.summary ? 'Retrain OneRec-style' : 'Train OneRec-style'}
        </button>
      </p>
      <p data-testid="flat-status" data-status={f.status} className={f.status === 'error' ? 'bad' : 'muted'}>
        {f.status === 'error'
          ? f.error
          : f.status === 'training'
            ? p
              ? `step ${p.step} / ${p.total}, epoch ${p.epoch}${p.loss !== undefined ? `, loss ${p.loss.toFixed(3)}` : ''}${p.validRecall5 !== undefined ? `, validation recall@5 ${p.validRecall5.toFixed(4)}` : ''}`
              : 'starting'
            : f.summary
              ? `trained: ${f.summary.params.toLocaleString()} parameters (HSD ${f.summary.hsdParams.toLocaleString()}), best validation recall@5 ${Math.max(...f.summary.curves.epochs.map((e) => e.valid.recall5)).toFixed(4)} (epoch ${f.summary.bestEpoch}), ${f.summary.seconds.toFixed(1)} s on ${f.summary.backend}`
              : 'not trained'}
      </p>
      {f.status === 'training' && p && <progress max={p.total} value={p.step} />}
    </div>
  );
}

function Tokens({ v }: { v: FlatDecodeView }) {
  return (
    <details open data-testid="flat-tokens">
      <summary>
        token-by-token beam (B = {v.beam}) over {v.tokens.length} tokens = {v.slate.length} items × {v.levels} levels
      </summary>
      <table>
        <thead>
          <tr>
            <th>token</th>
            <th>item, level</th>
            <th>candidates</th>
            <th>surviving beams (SID codes so far · log P)</th>
          </tr>
        </thead>
        <tbody>
          {v.tokens.map((t) => (
            <tr key={t.token} data-testid="flat-token">
              <td>{t.token + 1}</td>
              <td>
                {t.slot + 1}, {t.level + 1}
              </td>
              <td>{t.candidates}</td>
              <td>
                {t.beams.map((b, i) => (
                  <div key={i} className={i === 0 ? '' : 'muted'}>
                    {slots(b.codes, v.levels)} · {b.score.toFixed(2)}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

export function FlatDecodeSide({ runId }: { runId: string | null }) {
  const f = flatFor(useStore((s) => s.flat), runId);
  const d = f.decode;
  if (!f.summary) return null;
  return (
    <div className="card" data-testid="flat-decode">
      <h3>OneRec-style decode of the same user</h3>
      {d.status === 'running' && <p className="muted">decoding…</p>}
      {d.error && (
        <p className="bad" data-testid="flat-decode-error">
          {d.error}
        </p>
      )}
      {d.view && (
        <>
          <p data-testid="flat-timings">
            this user, B = {d.view.beam}, untraced: GSBI {ms(d.view.timings.gsbiMs)} · OneRec-style beam {ms(d.view.timings.onerecMs)} with KV cache,{' '}
            {ms(d.view.timings.onerecNoCacheMs)} without ({(d.view.timings.onerecNoCacheMs / Math.max(1e-6, d.view.timings.gsbiMs)).toFixed(1)}× GSBI). One
            user&apos;s timing is noisy; bench:decode measures slates/s over many users.
          </p>
          <Tokens v={d.view} />
          <h3>OneRec-style slate (log P {d.view.score.toFixed(2)})</h3>
          <ol data-testid="flat-slate">
            {d.view.slate.map((it, i) => (
              <li key={i} className={it.inTarget ? 'good' : ''}>
                {it.id} {sid(it.sid)} {it.caption.slice(0, 40)} {it.inTarget ? '✓' : ''}
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
