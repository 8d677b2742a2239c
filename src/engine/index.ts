// Public engine API: tensors, lifetimes, autograd and every op frontend. Models import from here only.
export * from './backend';
export * from './tensor';
export * from './autograd';
export { CpuBackend } from './cpu-backend';
export { WebGPUBackend } from './webgpu-backend';
export { requestGpu, describeAdapter, WebGPUUnavailableError } from './device';
export type { GpuInfo, GpuContext } from './device';
export * from './ops/elementwise';
export * from './ops/matmul';
export { OPS } from './ops/index';
export { initWebGPU, initCpu } from './init';
