import { defineConfig } from 'vitest/config';

// Unit tests: Node + Dawn (npm `webgpu`) on SwiftShader. Forks, not threads: Dawn is a native addon.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    setupFiles: ['src/engine/test-setup.ts'],
    globalSetup: ['scripts/wasm-global-setup.mjs'],
  },
});
