// The shell: header (adapter + seed), left nav, the selected panel. Each panel is lazy and has its own error boundary.
import { Suspense, useState } from 'react';
import { useStore } from '../state/store';
import { DeviceLostBanner, NoGpuBanner, UrlProblemsBanner } from './components/Banners';
import { ErrorBoundary } from './components/ErrorBoundary';
import { GpuUnavailable } from './components/GpuUnavailable';
import { Header } from './components/Header';
import { Nav } from './components/Nav';
import { panelById } from './panels';

export function App() {
  const gpu = useStore((s) => s.gpu);
  const probeGpu = useStore((s) => s.probeGpu);
  const panelId = useStore((s) => s.url.panel);
  const [withoutGpu, setWithoutGpu] = useState(false);

  if (gpu.status === 'unavailable' && gpu.error && !withoutGpu) {
    return <GpuUnavailable error={gpu.error} onRetry={() => void probeGpu()} onContinue={() => setWithoutGpu(true)} />;
  }

  const panel = panelById(panelId);
  const Panel = panel.component;
  return (
    <div className="app">
      <Header />
      <Nav />
      <main className="app-main">
        <DeviceLostBanner />
        <NoGpuBanner />
        <UrlProblemsBanner />
        <ErrorBoundary where={`the ${panel.title} panel`} key={panel.id}>
          <Suspense fallback={<p className="muted">loading {panel.title}…</p>}>
            <Panel />
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
