// The plotly build the app loads: plotly's documented partial-bundle route (`plotly.js/lib/core` + `Plotly.register`)
// with only the trace types the panels draw — scatter (in core: loss curves, runs overlay, explorer projection,
// decode study), bar (Data panel histograms), heatmap (code usage), sunburst (prefix explorer). No WebGL traces (the
// explorer's ≤ 2,000 points draw as SVG), no maps: `npm run bench:plotly` measures this build against the full
// plotly.js-dist-min and the published partial bundles (size, main-thread evaluation, first draws).
import './plotly-global';
import Plotly from 'plotly.js/lib/core';
import bar from 'plotly.js/lib/bar';
import heatmap from 'plotly.js/lib/heatmap';
import sunburst from 'plotly.js/lib/sunburst';

/** The trace types registered here (scatter is part of core); the Plot wrapper's warm-up draws one of each. */
export const TRACE_TYPES = ['scatter', 'bar', 'heatmap', 'sunburst'] as const;

Plotly.register([bar, heatmap, sunburst]);
export default Plotly;
