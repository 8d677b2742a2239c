// The one plot wrapper every panel uses: plotly (the partial build of plotly-partial.ts) loaded lazily and preloaded in
// idle time (see preloadPlotly), the chart marked data-rendered once drawn, click events, and PNG / CSV download.
import { useEffect, useRef } from 'react';

interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
  downloadImage(el: HTMLElement, o: { format: 'png'; filename: string; width?: number; height?: number }): Promise<unknown>;
}
type PlotlyEl = HTMLElement & { on?: (ev: string, cb: (e: { points?: { id?: string; pointNumber?: number }[] }) => void) => void; removeAllListeners?: (ev: string) => void };

let loading: Promise<PlotlyLike> | null = null;
export function plotly(): Promise<PlotlyLike> {
  loading ??= import('./plotly-partial').then((m) => m.default as PlotlyLike);
  return loading;
}

/**
 * In idle time: fetch plotly's chunk, then draw one tiny off-screen chart of each trace type and axis kind the panels
 * use, one per idle callback. Plotly's code is compiled lazily on its first draw; doing it here, in small pieces (the
 * first scatter alone compiles the cartesian axes), keeps that work out of the first real plot and keeps every piece a
 * short task. When all are drawn, <html data-plotly="ready"> (the e2e long-task check waits on it).
 */
export function preloadPlotly(): void {
  const ric = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }).requestIdleCallback;
  const idle = (fn: () => void) => (ric ? ric(fn, { timeout: 4000 }) : setTimeout(fn, 200));
  // the same trace types, axes and config as the panels' real plots (interactive code paths compile on first use too)
  const kinds: [unknown[], Record<string, unknown>][] = [
    [[{ type: 'scatter', mode: 'lines', x: [0, 1], y: [1, 2] }], {}],
    [[{ type: 'scatter', mode: 'lines', name: 'a', x: [0, 1], y: [1, 2] }, { type: 'scatter', mode: 'lines', name: 'b', x: [0, 1], y: [2, 1], line: { dash: 'dash' } }], { yaxis: { type: 'log' }, legend: { orientation: 'h' }, title: { text: 'warm-up' } }],
    [[{ type: 'heatmap', z: [[1, 2], [3, 4]], showscale: false }], { xaxis: { title: { text: 'x' } } }],
    [[{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], { xaxis: { type: 'category' } }],
    [[{ type: 'sunburst', ids: ['a', 'a-b'], labels: ['a', 'b'], parents: ['', 'a'], values: [2, 1], branchvalues: 'total', marker: { colors: ['#1f77b4', '#1f77b4'] } }], {}],
    [[{ type: 'scatter', mode: 'markers', x: [0, 1], y: [1, 0], marker: { size: 4 }, text: ['a', 'b'], hoverinfo: 'text' }], { showlegend: true, legend: { title: { text: 's1' } } }],
  ];
  const done = () => document.documentElement.setAttribute('data-plotly', 'ready');
  const warm = (P: PlotlyLike, i: number) => {
    if (typeof document === 'undefined') return;
    if (i >= kinds.length) return done();
    idle(() => {
      const el = document.createElement('div');
      el.style.cssText = 'position:fixed;left:-10000px;top:0;width:300px;height:200px;visibility:hidden';
      document.body.appendChild(el);
      void P.react(el, kinds[i][0], { width: 300, height: 200, margin: { t: 30, r: 10, b: 40, l: 50 }, ...kinds[i][1] }, { displayModeBar: false, responsive: true })
        .catch(() => undefined)
        .finally(() => {
          P.purge(el);
          el.remove();
          warm(P, i + 1);
        });
    });
  };
  idle(() => void plotly().then((P) => warm(P, 0)).catch(() => undefined));
}

interface Trace {
  name?: string;
  x?: ArrayLike<unknown>;
  y?: ArrayLike<unknown>;
}

/** The x/y series of the traces as CSV (one column pair per trace, rows aligned by index). */
export function tracesCsv(data: unknown[]): string {
  const ts = (data as Trace[]).filter((t) => t.x && t.y);
  const cols = ts.flatMap((t, i) => [`${t.name ?? `trace${i}`}.x`, `${t.name ?? `trace${i}`}.y`]);
  const n = Math.max(0, ...ts.map((t) => t.x!.length));
  const q = (v: unknown) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const rows = Array.from({ length: n }, (_, r) => ts.flatMap((t) => [q(t.x![r]), q(t.y![r])]).join(','));
  return [cols.map(q).join(','), ...rows].join('\n') + '\n';
}

function saveText(name: string, text: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** A lazily loaded plotly chart. `onClick` receives the clicked point (sunburst: its id). `download`: PNG/CSV buttons. */
export function Plot({
  data,
  layout,
  testId,
  height = 260,
  onClick,
  download,
}: {
  data: unknown[];
  layout: Record<string, unknown>;
  testId: string;
  height?: number;
  onClick?: (p: { id?: string; pointNumber?: number }) => void;
  /** file name (without extension) for the PNG / CSV buttons; omitted = no buttons */
  download?: string;
}) {
  const el = useRef<HTMLDivElement>(null);
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    let alive = true;
    void plotly().then(async (P) => {
      // draw in a task of its own: a resolved plotly() would otherwise run this in the same task as React's commit,
      // adding the two into one long task that blocks input
      await new Promise<void>((r) => setTimeout(r, 0));
      if (!alive || !el.current) return;
      const t0 = performance.now();
      const drawn = P.react(el.current, data, { margin: { t: 30, r: 10, b: 40, l: 50 }, height, ...layout }, { displayModeBar: false, responsive: true });
      // the synchronous part of the draw, in the browser's performance timeline (devtools; the e2e long-task check)
      performance.measure(`plot ${testId}`, { start: t0, end: performance.now() });
      await drawn;
      const node = el.current as PlotlyEl | null;
      if (node?.on && node.removeAllListeners) {
        node.removeAllListeners('plotly_click');
        node.on('plotly_click', (e) => {
          const p = e.points?.[0];
          if (p) click.current?.(p);
        });
      }
      el.current?.setAttribute('data-rendered', 'true');
    });
    return () => {
      alive = false;
    };
  }, [data, layout, height]);
  useEffect(() => {
    const node = el.current;
    return () => {
      if (node) void plotly().then((P) => P.purge(node));
    };
  }, []);
  return (
    <div className="plot">
      {download && (
        <div className="plot-tools">
          <button type="button" className="secondary" data-testid={`${testId}-png`} onClick={() => el.current && void plotly().then((P) => P.downloadImage(el.current!, { format: 'png', filename: download }))}>
            PNG
          </button>
          <button type="button" className="secondary" data-testid={`${testId}-csv`} onClick={() => saveText(`${download}.csv`, tracesCsv(data))}>
            CSV
          </button>
        </div>
      )}
      {/* size + layout containment: a relayout boundary, so plotly's many layout reads while drawing lay out this chart alone, not the page */}
      <div ref={el} data-testid={testId} style={{ height, contain: 'size layout style' }} />
    </div>
  );
}

/** Exponential moving average (TensorBoard-style smoothing, 0 = none); nulls pass through. */
export function smooth(ys: (number | null)[], alpha: number): (number | null)[] {
  if (!(alpha > 0)) return ys;
  let m: number | null = null;
  return ys.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    m = m === null ? y : alpha * m + (1 - alpha) * y;
    return m;
  });
}

/** Keep every k-th point (and the last). */
export function sampleEvery<T>(xs: T[], k: number): T[] {
  if (k <= 1) return xs;
  return xs.filter((_, i) => i % k === 0 || i === xs.length - 1);
}

/** Indices of the points to keep so that at most one falls in each window of `every` steps (the first), and the last. */
export function sampleBySteps(steps: number[], every: number): number[] {
  return steps.map((_, i) => i).filter((i) => every <= 1 || i === 0 || i === steps.length - 1 || Math.floor(steps[i] / every) !== Math.floor(steps[i - 1] / every));
}
