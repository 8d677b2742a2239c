// vitest setup: make SwiftShader's Vulkan ICD visible to Dawn before any test imports `webgpu`.
import { existsSync } from 'node:fs';
const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
// Skip Dawn's zero-initialisation of workgroup memory (see device.ts): ~10x faster SwiftShader compiles in tests.
process.env.HIGR_DAWN_FLAGS ??= 'enable-dawn-features=disable_workgroup_init';
// Dawn's Vulkan loader complains (harmlessly) when XDG_RUNTIME_DIR is unset, as on CI.
if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
