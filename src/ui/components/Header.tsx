import { useStore } from '../../state/store';
import { adapterName, formatLimit } from './format';
import { BackendSetting } from './BackendSetting';

const HEADER_LIMITS = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'] as const;
const SHORT: Record<string, string> = {
  maxStorageBufferBindingSize: 'storage binding',
  maxBufferSize: 'buffer',
  maxComputeWorkgroupStorageSize: 'wg storage',
};

function yesNo(b: boolean) {
  return <span className={b ? 'yes' : 'no'}>{b ? 'yes' : 'no'}</span>;
}

/** Top bar: name, the WebGPU adapter in use (from the pipeline worker), and the global seed. */
export function Header() {
  const gpu = useStore((s) => s.gpu);
  const seed = useStore((s) => s.url.seed);
  const setUrl = useStore((s) => s.setUrl);
  const info = gpu.info;
  return (
    <header className="app-header">
      <div className="brand">
        <strong>HiGR</strong> Workbench
      </div>
      <div className="adapter" data-testid="adapter" data-status={gpu.status}>
        <span className={`dot dot-${gpu.status}`} title={`GPU status: ${gpu.status}`} />
        {gpu.status === 'probing' && <span className="muted">probing WebGPU adapter in the pipeline worker…</span>}
        {gpu.status === 'unavailable' && <span className="bad">WebGPU unavailable</span>}
        {info && (gpu.status === 'ready' || gpu.status === 'lost') && (
          <>
            <span className="adapter-name" data-testid="adapter-name" title="vendor / architecture / device / description">
              {adapterName(info)}
            </span>
            <span className="kv">
              <span className="k">host</span> {info.host}
            </span>
            {info.isSoftware && (
              <span className="badge" title="CPU rasteriser: kernels pick CPU-friendly variants; timings are not GPU timings">
                software
              </span>
            )}
            <span className="kv">
              <span className="k">f16</span> {yesNo(info.f16)}
            </span>
            <span className="kv">
              <span className="k">timestamp-query</span> {yesNo(info.timestampQuery)}
            </span>
            {HEADER_LIMITS.map((n) =>
              info.limits[n] !== undefined ? (
                <span className="kv" key={n} title={n}>
                  <span className="k">{SHORT[n]}</span> {formatLimit(n, info.limits[n])}
                </span>
              ) : null,
            )}
          </>
        )}
      </div>
      <BackendSetting />
      <label className="seed" title="Global seed (in the URL): splits, initialisation, sampling">
        seed{' '}
        <input
          type="number"
          min={0}
          step={1}
          value={seed}
          data-testid="seed"
          onChange={(e) => setUrl({ seed: Number(e.currentTarget.value) })}
        />
      </label>
    </header>
  );
}
