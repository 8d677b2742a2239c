import { useStore } from '../../state/store';

/** Shown above the panel when the worker's GPUDevice was lost; "reconnect" acquires a new one. */
export function DeviceLostBanner() {
  const gpu = useStore((s) => s.gpu);
  const probeGpu = useStore((s) => s.probeGpu);
  if (gpu.status !== 'lost') return null;
  return (
    <div className="banner banner-bad" role="alert" data-testid="device-lost">
      <span>
        <strong>GPU device lost</strong> ({gpu.lost?.reason ?? 'unknown'}): {gpu.lost?.message.replace(/\.+$/, '')}. Buffers and weights that lived
        on the GPU are gone; reconnect to get a new device, then re-run the stage you were on.
      </span>
      <button type="button" onClick={() => void probeGpu()} data-testid="reconnect">
        Reconnect
      </button>
    </div>
  );
}

/** When the user chose to continue without WebGPU. */
export function NoGpuBanner() {
  const gpu = useStore((s) => s.gpu);
  if (gpu.status !== 'unavailable') return null;
  return (
    <div className="banner banner-warn" role="status">
      No WebGPU device: {gpu.error?.message} Models train on the wasm SIMD backend (CPU) instead.
    </div>
  );
}

/** One-time note when parts of the URL were invalid and replaced by defaults. */
export function UrlProblemsBanner() {
  const problems = useStore((s) => s.urlProblems);
  const setUrl = useStore((s) => s.setUrl);
  if (!problems.length) return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="url-problems">
      <span>URL: {problems.join('; ')}.</span>
      <button type="button" className="secondary" onClick={() => setUrl({}, [])}>
        Dismiss
      </button>
    </div>
  );
}
