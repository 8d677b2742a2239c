// File identity for "the same file dropped twice": name + size + FNV-1a hash of the first 64 KiB.

export const FINGERPRINT_HEAD_BYTES = 65536;

export function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function fingerprint(name: string, size: number, head: Uint8Array): string {
  return `${name}|${size}|${fnv1a(head.subarray(0, FINGERPRINT_HEAD_BYTES))}`;
}
