import type { ReactNode } from 'react';

interface Props {
  title: string;
  stage: number;
  /** Which piece of work fills this panel, e.g. "the tokenizer issue (CRQ-VAE)". */
  filledBy: string;
  /** Paper section(s) the stage implements. */
  paper: string;
  /** What the panel will show once implemented (a plan, not results). */
  planned: string[];
  children?: ReactNode;
}

/** An honest "not built yet" panel: says which stage/issue will fill it and what it will contain. No fake numbers. */
export function StagePlaceholder({ title, stage, filledBy, paper, planned, children }: Props) {
  return (
    <section className="panel placeholder" data-testid="placeholder">
      <h1>
        {stage > 0 && <span className="stage-no">Stage {stage}</span>} {title}
      </h1>
      <p className="notice">
        <strong>Not implemented yet.</strong> This panel is a placeholder; it will be filled by {filledBy}. Nothing below is a
        result.
      </p>
      <table className="kv-table">
        <tbody>
          <tr>
            <th>paper</th>
            <td>{paper}</td>
          </tr>
          <tr>
            <th>planned</th>
            <td>
              <ul>
                {planned.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </td>
          </tr>
        </tbody>
      </table>
      {children}
    </section>
  );
}
