import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
// @ts-expect-error plain .mjs helper without types
import { ISOLATION_HEADERS } from './scripts/static-server.mjs';

// One config for the SPA (dev/build/preview). WGSL kernels are imported with `?raw`. Dev and preview are served
// cross-origin isolated (COOP/COEP, scripts/static-server.mjs), so the wasm backend can run on threads.
// plotly's registry requires maplibre's stylesheet for its map traces, which the app's partial plotly build
// (src/ui/components/plotly-partial.ts) does not register: resolve it to nothing instead of shipping 83 kB of CSS.
const noMapCss = {
  name: 'higr-no-map-css',
  enforce: 'pre' as const,
  resolveId: (id: string) => (id === 'maplibre-gl/dist/maplibre-gl.css' ? '\0higr-empty' : null),
  load: (id: string) => (id === '\0higr-empty' ? 'export {}' : null),
};

export default defineConfig({
  plugins: [react(), noMapCss],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});
