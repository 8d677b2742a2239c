import { useStore } from '../../state/store';
import { PANELS } from '../panels';

/** Left navigation: Overview, then the pipeline stages in order. Selection lives in the URL (`panel=`). */
export function Nav() {
  const current = useStore((s) => s.url.panel);
  const setUrl = useStore((s) => s.setUrl);
  return (
    <nav className="app-nav" aria-label="Panels">
      {PANELS.map((p) => (
        <a
          key={p.id}
          href={`#panel=${p.id}`}
          className={p.id === current ? 'active' : undefined}
          aria-current={p.id === current ? 'page' : undefined}
          data-panel={p.id}
          title={p.summary}
          onClick={(e) => {
            e.preventDefault();
            setUrl({ panel: p.id });
          }}
        >
          <span className="stage">{p.stage > 0 ? p.stage : '·'}</span>
          {p.title}
        </a>
      ))}
    </nav>
  );
}
