// The only module that touches `navigator.gpu` (browser) or the npm `webgpu` package (Node, Dawn).
// It asks the adapter for its own limits and optional features, never more than the adapter has.

export type GpuHost = 'browser' | 'node-dawn';

export interface GpuInfo {
  host: GpuHost;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** true when the adapter is a CPU rasteriser (SwiftShader, lavapipe): kernels pick CPU-friendly variants. */
  isSoftware: boolean;
  features: string[];
  f16: boolean;
  timestampQuery: boolean;
  limits: Record<string, number>;
}

export interface GpuContext {
  device: GPUDevice;
  info: GpuInfo;
  /** Resolves (never rejects) when the device is lost; the reason is kept for the UI. */
  lost: Promise<GPUDeviceLostInfo>;
}

/** Thrown (and shown by the UI) when WebGPU cannot be had. `code` is machine-readable, `message` human-readable. */
export class WebGPUUnavailableError extends Error {
  constructor(
    public code: 'no-navigator-gpu' | 'no-adapter' | 'request-device-failed' | 'node-webgpu-missing',
    message: string,
    public hint: string,
  ) {
    super(message);
    this.name = 'WebGPUUnavailableError';
  }
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
] as const;

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

let nodeGpu: GPU | null = null;

async function nodeNavigatorGpu(): Promise<GPU> {
  if (nodeGpu) return nodeGpu;
  // SwiftShader's Vulkan ICD ships with Debian's chromium; point Dawn at it when nothing else is configured.
  const fs = await import('node:fs');
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    const name = 'webgpu';
    mod = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new WebGPUUnavailableError(
      'node-webgpu-missing',
      `the npm package "webgpu" (Dawn for Node) could not be loaded: ${(e as Error).message}`,
      'run `npm ci`; on Debian also `apt-get install -y libvulkan1 chromium` (SwiftShader Vulkan ICD)',
    );
  }
  Object.assign(globalThis, mod.globals);
  // Dawn flags, space-separated (e.g. "enable-dawn-features=disable_workgroup_init"). The test setup sets that
  // toggle: Dawn otherwise zero-fills workgroup memory, which makes SwiftShader shader compiles ~10x slower; every
  // kernel of ours writes workgroup memory before reading it, so results are identical.
  nodeGpu = mod.create((process.env.HIGR_DAWN_FLAGS ?? '').split(/\s+/).filter(Boolean));
  return nodeGpu;
}

export interface RequestOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for f16 when present (default true). */
  wantF16?: boolean;
}

export async function requestGpu(opts: RequestOptions = {}): Promise<GpuContext> {
  let gpu: GPU | undefined;
  let host: GpuHost;
  if (typeof navigator !== 'undefined' && (navigator as Navigator).gpu) {
    gpu = (navigator as Navigator).gpu;
    host = 'browser';
  } else if (isNode) {
    gpu = await nodeNavigatorGpu();
    host = 'node-dawn';
  } else {
    throw new WebGPUUnavailableError(
      'no-navigator-gpu',
      'This browser does not expose WebGPU (navigator.gpu is missing).',
      'Use a recent Chrome/Edge (113+) over https or http://localhost; on Linux start Chrome with --enable-unsafe-webgpu, or enable chrome://flags/#enable-unsafe-webgpu.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGPUUnavailableError(
      'no-adapter',
      'WebGPU is present but no GPU adapter was found.',
      'Check chrome://gpu; on a machine without a GPU start Chrome with --enable-unsafe-webgpu (SwiftShader) or update drivers.',
    );
  }
  const requiredFeatures: GPUFeatureName[] = [];
  if ((opts.wantF16 ?? true) && adapter.features.has('shader-f16')) requiredFeatures.push('shader-f16');
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const requiredLimits: Record<string, number> = {};
  for (const n of LIMIT_NAMES) {
    const v = (adapter.limits as unknown as Record<string, number>)[n];
    if (typeof v === 'number') requiredLimits[n] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  } catch (e) {
    throw new WebGPUUnavailableError(
      'request-device-failed',
      `The GPU adapter refused to create a device: ${(e as Error).message}`,
      'Close other GPU-heavy tabs and reload; if it persists, report the adapter shown on the start page.',
    );
  }
  const ai = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info ?? ({} as GPUAdapterInfo);
  const desc = `${ai.vendor ?? ''} ${ai.architecture ?? ''} ${ai.device ?? ''} ${ai.description ?? ''}`;
  const limits: Record<string, number> = {};
  for (const n of LIMIT_NAMES) {
    const v = (device.limits as unknown as Record<string, number>)[n];
    if (typeof v === 'number') limits[n] = v;
  }
  const info: GpuInfo = {
    host: host!,
    vendor: ai.vendor ?? '',
    architecture: ai.architecture ?? '',
    device: ai.device ?? '',
    description: ai.description ?? '',
    isSoftware: /swiftshader|llvmpipe|lavapipe|software|cpu/i.test(desc) || (ai as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
    features: [...device.features].map(String).sort(),
    f16: device.features.has('shader-f16'),
    timestampQuery: device.features.has('timestamp-query'),
    limits,
  };
  device.addEventListener?.('uncapturederror', (ev) => {
    // Validation errors are bugs; surface them loudly instead of silently producing zeros.
    console.error('[webgpu] uncaptured error:', (ev as GPUUncapturedErrorEvent).error.message);
  });
  return { device, info, lost: device.lost };
}

/** A one-line description for logs and result JSON ("environment.adapter"). */
export function describeAdapter(info: GpuInfo): string {
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ');
  return `${name || 'unknown adapter'} (${info.host}${info.isSoftware ? ', software' : ''}${info.f16 ? ', f16' : ''})`;
}
