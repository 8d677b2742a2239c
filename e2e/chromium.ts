// Debian chromium and the flags every headless run here uses (e2e tests and bench:kernels share them).
export const CHROMIUM = process.env.HIGR_CHROMIUM ?? '/usr/bin/chromium';

/** Measured on Debian chromium 156 + SwiftShader: `--enable-unsafe-webgpu` alone gives an adapter (playwright already
 *  passes --no-sandbox and --headless). The rest keeps a network-less CI quiet. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu'];
export const QUIET_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
