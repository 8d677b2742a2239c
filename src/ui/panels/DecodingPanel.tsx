// Stage 5: the Decoding stepper. Pick a user, see the history, then step through GSBI position by position: the
// planner's output (nearest items to î_m), the beam over the SID levels with scores and pruned branches, the chosen
// item, and finally the slate next to the user's true next five. Decodes from a finished slate run (this session's
// model, or one rebuilt in the worker from the stored run after a reload). Data from the store (src/state/slate-slice.ts).
import { useMemo, useState } from 'react';
import { useStore } from '../../state/store';
import { decodableSlateRuns, slateTestUsers } from '../../state/slate-slice';
import type { ItemView, StepView } from '../../worker/slate-api';

const sid = (s: number[]) => `(${s.join(', ')})`;

function Item({ it }: { it: ItemView }) {
  return (
    <span title={it.category}>
      {it.id} {sid(it.sid)} {it.caption.slice(0, 40)}
    </span>
  );
}

function Step({ s }: { s: StepView }) {
  return (
    <div className="card" data-testid={`decode-step-${s.position}`}>
      <h3>
        position {s.position + 1}: chose <Item it={s.chosen} /> {s.inTarget ? '✓ in the true next five' : ''}
      </h3>
      <p className="muted">planner output î: nearest items (cosine to their preference embeddings)</p>
      <ol data-testid="decode-nearest">
        {s.nearest.map((n) => (
          <li key={n.item}>
            <Item it={n} /> · {n.cosine.toFixed(3)}
          </li>
        ))}
      </ol>
      {s.levels.map((cands, l) => (
        <details key={l} open={l === 0} data-testid={`decode-level-${l}`}>
          <summary>
            level {l + 1}: {cands.filter((c) => c.kept).length} kept, {cands.filter((c) => !c.kept).length} pruned
          </summary>
          <table>
            <thead>
              <tr>
                <th>prefix</th>
                <th>code</th>
                <th>log P</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cands.slice(0, 40).map((c, i) => (
                <tr key={i} className={c.kept ? '' : 'muted'} data-kept={c.kept}>
                  <td>{sid(c.prefix)}</td>
                  <td>{c.code}</td>
                  <td>{c.score.toFixed(3)}</td>
                  <td>{c.kept ? 'kept' : 'pruned'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
      <p className="muted">final beams: {s.beams.map((b) => `${b.item.id} ${sid(b.sid)} ${b.score.toFixed(2)}`).join(' · ')} — the top-1 is kept and fed back to the planner.</p>
    </div>
  );
}

export default function DecodingPanel() {
  const st = useStore((s) => s.slate);
  const list = useStore((s) => s.runs.list);
  const decode = useStore((s) => s.decodeSlateUser);
  const setRun = useStore((s) => s.setDecodeRun);
  const step = useStore((s) => s.stepSlate);
  const [index, setIndex] = useState(0);
  const d = st.decode;
  const v = d.view;
  const runs = useMemo(() => decodableSlateRuns(list), [list]);
  const runId = d.runId ?? runs[0]?.id ?? null;
  const rec = runs.find((r) => r.id === runId);
  const users = useMemo(() => slateTestUsers(rec), [rec]);
  return (
    <section className="panel" data-testid="decoding-panel">
      <h1>
        <span className="stage-no">5</span>Decoding
      </h1>
      <p className="muted">
        §3.4.3 Greedy-Slate Beam-Item inference: the planner decodes greedily over positions (KV cache); for each position the item generator
        runs a beam of width B over the SID levels, constrained by the prefix trie; history items and items already chosen are excluded.
      </p>
      {!rec ? (
        <p data-testid="decode-needs-model">Train a model in the Slate model panel first (or finish a slate run in the Runs panel).</p>
      ) : (
        <div className="card">
          <label>
            slate run{' '}
            <select
              data-testid="decode-run-pick"
              value={runId ?? ''}
              onChange={(e) => {
                setRun(e.target.value);
                setIndex(0);
              }}
            >
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id} ({r.status}, {String(r.inputs.items)} items)
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            user{' '}
            <select data-testid="decode-user" value={index} onChange={(e) => setIndex(Number(e.target.value))}>
              {users.map((u) => (
                <option key={u.index} value={u.index}>
                  {u.user} ({u.history} items)
                </option>
              ))}
            </select>
          </label>{' '}
          <button data-testid="decode-run" disabled={d.status === 'running'} onClick={() => void decode(index)}>
            Decode (B = {String(rec.config.beam)})
          </button>
        </div>
      )}
      {d.error && (
        <p className="bad" data-testid="decode-error">
          {d.error}
        </p>
      )}
      {v && (
        <>
          <div className="card" data-testid="decode-history">
            <h3>
              history of user {v.user} (most recent {v.history.length}) <span className="muted" data-testid="decode-from">model: {v.from === 'session' ? 'trained in this session' : 'rebuilt from the stored run'}</span>
            </h3>
            <ol>
              {v.history.map((h, i) => (
                <li key={i}>
                  <Item it={h} /> <span className="muted">{h.category}</span>
                </li>
              ))}
            </ol>
          </div>
          <div>
            <button data-testid="decode-prev" onClick={() => step(-1)} disabled={d.position === 0}>
              ◀ previous
            </button>{' '}
            <button data-testid="decode-next" onClick={() => step(1)} disabled={d.position >= v.steps.length}>
              next position ▶
            </button>{' '}
            <span data-testid="decode-position">
              {d.position} / {v.steps.length}
            </span>
          </div>
          {d.position > 0 && d.position <= v.steps.length && <Step s={v.steps[d.position - 1]} />}
          {d.position >= v.steps.length && (
            <div className="grid-2" data-testid="decode-final">
              <div className="card">
                <h3>generated slate</h3>
                <ol data-testid="decode-slate">
                  {v.steps.map((s) => (
                    <li key={s.position} className={s.inTarget ? 'good' : ''}>
                      <Item it={s.chosen} />
                    </li>
                  ))}
                </ol>
              </div>
              <div className="card">
                <h3>true next five</h3>
                <ol data-testid="decode-target">
                  {v.target.map((t, i) => (
                    <li key={i}>
                      <Item it={t} />
                    </li>
                  ))}
                </ol>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
