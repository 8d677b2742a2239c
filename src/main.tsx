// Entry point: mount the shell, sync the URL state, probe the GPU in the pipeline worker, load the bundled data.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/components/ErrorBoundary';
import { useStore } from './state/store';
import { bindUrl } from './state/url';
import { bindSetup } from './state/bind-setup';
import { preloadPlotly } from './ui/components/Plot';
import './ui/components/app.css';

bindUrl(useStore);
bindSetup(useStore);
preloadPlotly();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ErrorBoundary where="the application">
      <App />
    </ErrorBoundary>
  </StrictMode>,
);

void useStore.getState().probeGpu();
void (async () => {
  try {
    await useStore.getState().loadBundled?.();
  } catch (e) {
    // The data slice reports its own errors in its state; this only guards against an unhandled rejection.
    console.error('[higr] loading the bundled data failed:', e);
  }
})();
