// Paper Figures 4-5 from the committed `npm run bench:decode` result (docs/results/bench-decode.json): decoding speed
// vs recall@5 of GSBI and the OneRec-style flat decoder (with/without KV cache), and recall vs slate length L.
// Plain data from the result file; no math beyond picking rows.
import study from '../../../docs/results/bench-decode.json';
import { Plot } from '../panels/TokenizerPanel';

interface Row {
  method: 'gsbi' | 'onerec-greedy' | 'onerec-beam';
  cache: boolean;
  L: number;
  study: 'speed' | 'length';
  host: string;
  /** engine backend of the row (wasm, webgpu) and where its trie beam ran (device / host; defaultPath: the method's default there) */
  backend: string;
  path: 'host' | 'device';
  defaultPath: boolean;
  slatesPerSec: number;
  recall5: number;
  recallL: number;
}

const LABEL: Record<Row['method'], string> = { gsbi: 'GSBI (HiGR), B=5', 'onerec-greedy': 'OneRec-style greedy', 'onerec-beam': 'OneRec-style beam B=5' };
const COLOR: Record<Row['method'], string> = { gsbi: '#d62728', 'onerec-greedy': '#1f77b4', 'onerec-beam': '#2ca02c' };
const METHODS = ['gsbi', 'onerec-greedy', 'onerec-beam'] as const;
const SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'cross', 'x'];

export function DecodeStudyCharts() {
  const rows = study.rows as Row[];
  // one marker shape per host/backend (Node and Chromium, wasm and WebGPU time the same weights; recall is the same in all)
  const groups = [...new Set(rows.map((r) => `${r.host}/${r.backend}`))];
  const speed = rows.filter((r) => r.study === 'speed');
  const lenGroup = groups.find((g) => rows.some((r) => r.study === 'length' && `${r.host}/${r.backend}` === g));
  const len = rows.filter((r) => r.study === 'length' && `${r.host}/${r.backend}` === lenGroup);
  const scatter = groups.flatMap((g, gi) => METHODS.flatMap((m) =>
    [true, false].flatMap((cache) => [true, false].map((dflt) => {
      const r = speed.filter((x) => x.method === m && x.cache === cache && x.defaultPath === dflt && `${x.host}/${x.backend}` === g);
      const path = r[0]?.path;
      return {
        type: 'scatter',
        // labels on hover only: with 4 host/backend groups × 3 methods × 2 caches the printed labels overlapped into an unreadable band
        mode: 'markers',
        hoverinfo: 'text+x+y',
        name: `${LABEL[m]}${cache ? '' : ', no KV cache'}${dflt ? '' : `, trie beam on the ${path}`} (${g})`,
        x: r.map((x) => x.slatesPerSec),
        y: r.map((x) => x.recall5),
        text: r.map(() => `${cache ? 'cache' : 'no cache'}, ${g}${dflt ? '' : `, ${path}`}`),
        marker: { color: COLOR[m], size: 11, opacity: dflt ? 1 : 0.5, symbol: `${SYMBOLS[gi % SYMBOLS.length]}${cache ? '' : '-open'}` },
      };
    }).filter((t) => t.x.length)),
  ));
  const lines = METHODS.map((m) => {
    const r = len.filter((x) => x.method === m).sort((a, b) => a.L - b.L);
    return { type: 'scatter', mode: 'lines+markers', name: LABEL[m], x: r.map((x) => x.L), y: r.map((x) => x.recallL), marker: { color: COLOR[m] }, line: { color: COLOR[m] } };
  });
  const s = study.settings as { quick?: boolean; seed: number };
  return (
    <section data-testid="decode-study">
      <h2>Decoding efficiency (paper Figures 4–5)</h2>
      <p className="muted">
        From the committed <code>npm run bench:decode</code> result ({study.environment.date}, trained on {study.environment.backend}, timed on {groups.join(', ')}, seed {s.seed}
        {s.quick ? ', --quick: not a result' : ''}): {study.protocol.evalUsers} test users, parameters GSBI {study.params.gsbi} vs OneRec-style {study.params.onerec}.
      </p>
      <Plot
        testId="decode-speed-quality"
        data={scatter}
        layout={{ title: { text: 'speed vs quality (L = 5)' }, xaxis: { title: { text: 'slates / s' }, type: 'log' }, yaxis: { title: { text: 'recall@5' } } }}
      />
      <Plot testId="decode-quality-length" data={lines} layout={{ title: { text: `quality vs slate length (KV cache, ${lenGroup ?? 'no rows'})` }, xaxis: { title: { text: 'slate length L' } }, yaxis: { title: { text: 'recall@L' } } }} />
    </section>
  );
}
