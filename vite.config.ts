import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// One config for the SPA (dev/build/preview). WGSL kernels are imported with `?raw`.
export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 6000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
