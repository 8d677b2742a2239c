import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
// @ts-expect-error plain .mjs helper without types
import { ISOLATION_HEADERS } from './scripts/static-server.mjs';

// One config for the SPA (dev/build/preview). WGSL kernels are imported with `?raw`. Dev and preview are served
// cross-origin isolated (COOP/COEP, scripts/static-server.mjs), so the wasm backend can run on threads.
export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
});
