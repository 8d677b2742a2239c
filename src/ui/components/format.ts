// Small display helpers (no math beyond formatting).

/** 134217728 -> "128 MiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  if (i === 0 && n >= 1024) {
    // not a power-of-two multiple: show one decimal in the largest sensible unit
    i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
    v = n / 1024 ** i;
    return `${v.toFixed(1)} ${units[i]}`;
  }
  return `${v} ${units[i]}`;
}

/** Limits whose value is a byte count. */
export const BYTE_LIMITS = new Set([
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxUniformBufferBindingSize',
]);

export function formatLimit(name: string, v: number): string {
  return BYTE_LIMITS.has(name) ? formatBytes(v) : v.toLocaleString('en-US');
}

/** "google / swiftshader" from the adapter fields that are non-empty. */
export function adapterName(info: { vendor: string; architecture: string; device: string; description: string }): string {
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
}
