// Overview: the WebGPU adapter/device the pipeline worker acquired, and the pipeline stages.
import { useState } from 'react';
import { useStore } from '../../state/store';
import { encode } from '../../state/url';
import { adapterName, formatLimit } from '../components/format';
import { PANELS } from './index';

export default function GpuPanel() {
  const gpu = useStore((s) => s.gpu);
  const url = useStore((s) => s.url);
  const setUrl = useStore((s) => s.setUrl);
  const simulateDeviceLoss = useStore((s) => s.simulateDeviceLoss);
  const [busy, setBusy] = useState(false);
  const info = gpu.info;

  return (
    <section className="panel" data-testid="overview">
      <h1>Overview</h1>
      <p className="muted">
        HiGR (Pang et al., 2025) generates a whole slate at once: items are tokenized into semantic IDs (CRQ-VAE), a slate
        planner predicts one preference embedding per slot, an item generator decodes each slot's IDs (GSBI), and the model is
        post-trained with listwise preference alignment (ORPO). This workbench reproduces the pipeline on KuaiRec, in the
        browser, on WebGPU.
      </p>

      <div className="grid-2">
        <div>
          <h2>WebGPU device</h2>
          {gpu.status === 'probing' && <p className="muted">Probing the adapter in the pipeline worker…</p>}
          {gpu.status === 'unavailable' && (
            <p className="bad">
              {gpu.error?.message} {gpu.error?.hint}
            </p>
          )}
          {info && (
            <table className="kv-table" data-testid="adapter-table">
              <tbody>
                <tr>
                  <th>adapter</th>
                  <td>{adapterName(info)}</td>
                </tr>
                <tr>
                  <th>vendor</th>
                  <td>{info.vendor || '—'}</td>
                </tr>
                <tr>
                  <th>architecture</th>
                  <td>{info.architecture || '—'}</td>
                </tr>
                <tr>
                  <th>device</th>
                  <td>{info.device || '—'}</td>
                </tr>
                <tr>
                  <th>description</th>
                  <td>{info.description || '—'}</td>
                </tr>
                <tr>
                  <th>host</th>
                  <td>{info.host} (device lives in the pipeline Web Worker)</td>
                </tr>
                <tr>
                  <th>software rasteriser</th>
                  <td>{info.isSoftware ? 'yes — timings are CPU timings; kernels use CPU-friendly variants' : 'no'}</td>
                </tr>
                <tr>
                  <th>shader-f16</th>
                  <td>{info.f16 ? 'yes' : 'no'}</td>
                </tr>
                <tr>
                  <th>timestamp-query</th>
                  <td>{info.timestampQuery ? 'yes' : 'no'}</td>
                </tr>
                <tr>
                  <th>status</th>
                  <td>
                    {gpu.status}
                    {gpu.acquisitions > 1 ? ` (device acquired ${gpu.acquisitions}×)` : ''}
                  </td>
                </tr>
              </tbody>
            </table>
          )}
          {info && (
            <p>
              <button
                type="button"
                className="secondary"
                data-testid="simulate-loss"
                disabled={busy || gpu.status !== 'ready'}
                onClick={async () => {
                  setBusy(true);
                  try {
                    await simulateDeviceLoss();
                  } finally {
                    setBusy(false);
                  }
                }}
              >
                Simulate device loss
              </button>{' '}
              <span className="muted">destroys the worker's device to check that the app recovers</span>
            </p>
          )}
        </div>

        <div>
          <h2>Device limits</h2>
          {info ? (
            <table className="num-table" data-testid="limits-table">
              <tbody>
                {Object.entries(info.limits).map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>{formatLimit(k, v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">—</p>
          )}
          <h2>Features</h2>
          <p className="features">{info ? info.features.join(', ') || 'none' : '—'}</p>
        </div>
      </div>

      <h2>Pipeline</h2>
      <table className="stage-table">
        <thead>
          <tr>
            <th>stage</th>
            <th>panel</th>
            <th>what</th>
          </tr>
        </thead>
        <tbody>
          {PANELS.filter((p) => p.stage > 0).map((p) => (
            <tr key={p.id}>
              <td>{p.stage}</td>
              <td>
                <a
                  href={`#panel=${p.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    setUrl({ panel: p.id });
                  }}
                >
                  {p.title}
                </a>
              </td>
              <td>{p.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Reproducibility</h2>
      <p>
        The whole setup is in the URL: <code data-testid="url-state">{encode(url)}</code>. Copy the address to reproduce it; the
        same runs are available headless with <code>npm run higr -- &lt;command&gt; --seed {url.seed}</code>.
      </p>
    </section>
  );
}
