import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: build the app once (e2e/global-setup.ts), serve dist/ on 127.0.0.1, drive Debian's chromium
// (SwiftShader WebGPU) with playwright-core. One file at a time: a headless chromium on 2 cores is heavy enough.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['scripts/wasm-global-setup.mjs', 'e2e/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
